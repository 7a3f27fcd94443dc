/*
 * host.h -- the trusted Lua state that runs the generator.
 *
 * The generator's Lua modules (gen/lua/) and templates are embedded in the
 * binary; host_new() makes a state where `require("cnngen")` finds them
 * and `require("embedded").read(path)` returns any embedded file;
 * `require("native")` holds what the Lua takes from C (native.fnv1a(text):
 * runtime/hash.h's FNV-1a as 16 hex digits).  Globals
 * are strict: reading or writing an undefined global is an error, so a
 * typo in the generator fails loudly.
 */
#ifndef CNNGEN_HOST_H
#define CNNGEN_HOST_H

#include <stddef.h>
#include "lua.h"
#include "sandbox.h"

/* Exit statuses shared by the whole CLI. */
enum {
    HOST_OK = 0,
    HOST_FAIL = 1,       /* the job ran and failed (check above tolerance, data error) */
    HOST_USER = 2,       /* bad description, flag or input file */
    HOST_INTERNAL = 3    /* a bug in cnngen */
};

/* A new trusted state, or NULL (out of memory). */
lua_State *host_new(void);

/* Load the description file `path` into the sandbox and push the plain
 * copy of its result onto T, then call require("cnngen")[fn](desc, opts)
 * where opts is the table at index `opts_idx` (chunk, last_line and
 * source_hash are added to it).  Leaves `nres` results on the stack.
 * Returns HOST_OK, or HOST_USER / HOST_INTERNAL with the message in err
 * (one line for user errors; for internal ones, with a traceback). */
int host_describe_call(lua_State *T, const char *path, const char *fn, int opts_idx,
                       int nres, char *err, size_t errlen);

/* Run the description src in the sandbox (with `limits`, may be NULL) and
 * push the plain copy of its result onto T.  HOST_OK, or HOST_USER with
 * the one-line message in err. */
int host_sandbox(lua_State *T, const char *src, size_t len, const char *chunk,
                 const sandbox_limits *limits, int *last_line, char *err, size_t errlen);

/* A whole file, malloc'd (*len bytes); NULL with errno set on failure. */
char *host_read_file(const char *path, size_t *len);

/* The same, for a description held in memory; `chunk` names it in messages. */
int host_describe_source(lua_State *T, const char *src, size_t len, const char *chunk,
                         const char *fn, int opts_idx, int nres, char *err, size_t errlen);

/* Call require("cnngen")[fn] with the nargs values on top of the stack;
 * same results and statuses as host_describe_call. */
int host_call(lua_State *T, const char *fn, int nargs, int nres, char *err, size_t errlen);

#endif
