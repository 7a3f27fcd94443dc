/*
 * build.h -- test support: a description (Lua source text) -> generated C
 * -> a built net (tcc or cc) -> struct net_api, all in-process, the way
 * the cnngen binary does it.
 */
#ifndef TESTS_BUILD_H
#define TESTS_BUILD_H

#include <stddef.h>
#include "jit.h"

/* The --unroll forms, from the least code to the most: tests that try
 * every form loop over these. */
#define TB_NUNROLLS 3
extern const char *const tb_unrolls[TB_NUNROLLS];

typedef struct tb_gen {
    char *c, *h, *unit;          /* malloc'd texts */
    char name[64];
    size_t param_count, in_size, out_size;
} tb_gen;

/* Generate C for `src` (chunk name "test.lua"). real: "float"/"double",
 * unroll: "none"/"kernel"/"full" (NULL: default). Returns 0 (HOST_OK) or
 * the host status with the message in err. */
int tb_generate(const char *src, const char *real, const char *unroll, tb_gen *g,
                char *err, size_t errlen);
void tb_gen_free(tb_gen *g);

/* Generate and build. backend: "tcc" or "cc" (cc uses cflags, or "-O2" when
 * NULL, and a per-process cache directory under /tmp). 0 or -1 + err. */
int tb_build(const char *src, const char *real, const char *unroll, const char *backend,
             const char *cflags, net_api *api, char *err, size_t errlen);

/* The same with the work struct holding `chunk` samples (0: the default). */
int tb_build_chunk(const char *src, const char *real, const char *unroll, int chunk, const char *backend,
                   const char *cflags, net_api *api, char *err, size_t errlen);

/* The generator's own call (gen/net.h): write src to the file path,
 * generate it as `cnngen run` does (float, the tcc form, with the
 * activation read-out) into *n, and build it into *api (NULL: no build).
 * Returns 0, or -1 with the message in err. */
struct net;
int tb_net(const char *path, const char *src, struct net *n, net_api *api, char *err,
           size_t errlen);

/* Lua source run in every generator state the functions above make,
 * before the description (NULL, the default: none): a test that registers
 * a layer kind of its own (registry.register). */
void tb_set_prelude(const char *lua);

/* The cc cache directory tests share (created on first use). */
const char *tb_tmpdir(void);

#endif
