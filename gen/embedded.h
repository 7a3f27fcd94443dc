/*
 * embedded.h -- the Lua sources and C templates, built into the binary.
 *
 * build/embedded.c (written by gen/embed.c at build time) defines cg_files:
 * one entry per file under gen/lua/ and templates/, named by its path in the
 * source tree ("gen/lua/layer/conv.lua", "templates/conv_forward.c.tpl"),
 * ended by an entry whose path is NULL.  The bytes are not NUL-terminated.
 */
#ifndef CNNGEN_EMBEDDED_H
#define CNNGEN_EMBEDDED_H

#include <stddef.h>

struct cg_file {
    const char *path;
    const unsigned char *data;
    size_t size;
};

extern const struct cg_file cg_files[];

#endif
