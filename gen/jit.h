/*
 * jit.h -- build generated C in-process and reach its API.
 *
 * Two backends share one contract: given one translation unit of generated
 * C (header and body together, as cnngen's generator returns it in `unit`)
 * and the network's symbol prefix, produce a struct net_api (net_api.h)
 * whose function pointers call the generated code.
 *
 *   tcc  libtcc, in memory, milliseconds (jit_tcc.c)
 *   cc   the system compiler into a cached shared object, dlopen (jit_cc.c)
 *
 * The generated unit defines, besides the API its header declares,
 *   size_t <prefix>_work_size(void);   sizeof(<prefix>_work)
 * which the backends read into work_size.  Inference code (weights baked
 * in) has no training entry points; its unit adds <prefix>_jit_forward
 * and _jit_predict in the training API's shape (params ignored), and
 * api->inference says so.
 */
#ifndef CNNGEN_JIT_H
#define CNNGEN_JIT_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "subproc.h"
#include "net_api.h"

/* Stopping a cc build from another thread (the tiered backend of
 * `cnngen run` stops its background build when training ends first).
 * jit_cc_cancel_fire sends SIGTERM to the compiler's process group (the
 * compiler runs in its own group when a build has a cancel handle, so
 * Ctrl-C at the terminal does not reach it either) and makes the build
 * return -1 with "cancelled"; a build not yet started returns at once.
 * Temporaries are removed as on any failure.  (The handle is subproc.h's.) */
typedef subproc_cancel jit_cc_cancel;

void jit_cc_cancel_init(jit_cc_cancel *c);
void jit_cc_cancel_fire(jit_cc_cancel *c);
void jit_cc_cancel_destroy(jit_cc_cancel *c);

/* Options for the cc backend. NULL fields take defaults: cc = $CC or "cc",
 * cflags = $CFLAGS or "-O3 -march=native -ffp-contract=fast" (on x86 also
 * -mprefer-vector-width=512; and, when cc is gcc, two parallel link-time
 * optimization jobs), cache_dir = $XDG_CACHE_HOME/cnngen
 * or ~/.cache/cnngen. */
typedef struct jit_cc_opts {
    const char *cc, *cflags, *cache_dir;
    int quiet;                  /* 1: do not print "compiling ..." to stderr */
    int cached_only;            /* 1: load the cached object or fail ("not cached");
                                   never run the compiler */
    jit_cc_cancel *cancel;      /* NULL, or a handle another thread may fire */
} jit_cc_opts;

/* The compiler and the flags jit_cc_build takes for opts (NULL: every
 * default): *cc, and the flags (but the fixed ones, -std=c99 -fPIC ...)
 * into flags[0..len).  -1 when they do not fit (then cut short). */
int jit_cc_command(const jit_cc_opts *opts, const char **cc, char *flags, size_t len);

/* Build `unit` (NUL-terminated C source) whose symbols start with `prefix`;
 * `is_double` says which precision it was generated in; `name` is used in
 * messages and as the file name in #line / error positions.
 * On success fill *api and return 0. On failure return -1 and write one
 * line (no trailing newline) describing the problem into err[0..errlen).
 * A compile error in generated code is a cnngen bug: the message says so
 * and names a file where the source was saved. */
int jit_tcc_build(const char *unit, const char *prefix, int is_double,
                  const char *name, net_api *api, char *err, size_t errlen);
int jit_cc_build(const char *unit, const char *prefix, int is_double,
                 const char *name, const jit_cc_opts *opts,
                 net_api *api, char *err, size_t errlen);

/* The address of another symbol of a built unit (tcc_get_symbol or dlsym),
 * or NULL. */
void *jit_symbol(const net_api *api, const char *symbol);

/* Release whatever the backend holds; *api is zeroed. Safe on a zeroed api.
 * The function pointers die with it (tcc's code memory, the dlopen handle). */
void jit_release(net_api *api);

/* Backend internals (jit.c), shared by jit_tcc.c and jit_cc.c.
 * Look up <prefix>_init, _forward, _predict, _loss_grad, _train_batch and
 * the size functions <prefix>_in_size, _out_size, _param_count, _work_size
 * through lookup(ctx, symbol) (tcc_get_symbol or dlsym), call the size
 * functions, and fill the pointers, sizes and is_double of *api (backend,
 * impl and compiled are left to the caller). `name` and `backend` only
 * appear in messages. Return 0, or -1 with one line in err for the first
 * missing symbol. */
typedef void *(*jit_lookup_fn)(void *ctx, const char *symbol);
int jit_bind(net_api *api, const char *prefix, int is_double, const char *name,
             const char *backend, jit_lookup_fn lookup, void *ctx,
             char *err, size_t errlen);

#endif
