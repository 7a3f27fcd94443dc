/*
 * jit_tcc.c -- the libtcc backend: compile one unit of generated C in
 * memory, relocate it, and bind its API (jit_tcc_build, declared in jit.h).
 *
 * Written against Debian's libtcc 0.9.27 (a static libtcc.a): two-argument
 * tcc_relocate with TCC_RELOCATE_AUTO, tcc_set_options returning void.
 * libtcc keeps state of its own between tcc_new and tcc_delete, so builds
 * are not meant to run concurrently from several threads.
 *
 * A compile error in generated code is a cnngen bug: the source is kept in
 * $TMPDIR (or /tmp) as cnngen-<name>-XXXXXX.c and the message names it,
 * together with tcc's first error.
 */
#include "jit.h"

#include "atomicfile.h"

#include <errno.h>
#include <libtcc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where tcc finds libtcc1.a and its own include/ (stddef.h, float.h ...).
 * Debian's libtcc has the same built in; set it explicitly so that a libtcc
 * built with another default still finds Debian's files. */
#ifndef JIT_TCC_LIB_PATH
#define JIT_TCC_LIB_PATH "/usr/lib/x86_64-linux-gnu/tcc"
#endif

/* Format one line into err[0..errlen). */
#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static void jit_tcc_err(char *err, size_t errlen, const char *fmt, ...);

static void jit_tcc_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* The error callback's opaque: tcc's first error (and first message of
 * any kind, for when no error was reported) as single lines. */
typedef struct jit_tcc_msgs {
    char first_error[512];
    char first_any[512];
} jit_tcc_msgs;

/* Copy msg into dst[0..len) as one line: newlines (tcc puts an include
 * chain before the message proper) become "; ". */
static void jit_tcc_one_line(char *dst, size_t len, const char *msg)
{
    size_t o = 0;
    for (; *msg && o + 1 < len; ++msg) {
        if (*msg == '\n') {
            if (msg[1] && o + 3 < len) {
                dst[o++] = ';';
                dst[o++] = ' ';
            }
        } else {
            dst[o++] = *msg;
        }
    }
    dst[o] = '\0';
}

/* TCCErrorFunc: keep the first error and the first message; ignore the
 * rest (and warnings, unless nothing else is said). */
static void jit_tcc_on_error(void *opaque, const char *msg)
{
    jit_tcc_msgs *m = opaque;
    if (!m->first_any[0])
        jit_tcc_one_line(m->first_any, sizeof m->first_any, msg);
    if (!m->first_error[0] && !strstr(msg, "warning: "))
        jit_tcc_one_line(m->first_error, sizeof m->first_error, msg);
}

/* Copy name into dst[0..len) keeping only [A-Za-z0-9_.-], others become
 * '_': the result is safe in a file name and inside a C string literal. */
static void jit_tcc_safe_name(char *dst, size_t len, const char *name)
{
    size_t o = 0;
    for (; *name && o + 1 < len; ++name) {
        char c = *name;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        dst[o++] = ok ? c : '_';
    }
    if (o == 0 && len > 1)
        dst[o++] = '_';
    dst[o] = '\0';
}

/* Write the unit into a new file $TMPDIR/cnngen-<name>-XXXXXX.c (or under
 * /tmp) and put its path in path[0..len). The unit is written as given, so
 * its line numbers are those of tcc's messages (#line 1 precedes it).
 * Return 0, or -1 with the reason in why[0..whylen). */
static int jit_tcc_keep_source(const char *unit, const char *safe_name,
                               char *path, size_t len, char *why, size_t whylen)
{
    const char *dir = getenv("TMPDIR");
    int fd, n, rc;

    if (!dir || !*dir)
        dir = "/tmp";
    n = snprintf(path, len, "%s/cnngen-%s-XXXXXX.c", dir, safe_name);
    if (n < 0 || (size_t)n >= len) {
        jit_tcc_err(why, whylen, "temporary file name too long");
        return -1;
    }
    fd = mkstemps(path, 2);
    if (fd < 0) {
        jit_tcc_err(why, whylen, "%s/cnngen-%s-XXXXXX.c: %s", dir, safe_name, strerror(errno));
        return -1;
    }
    close(fd);
    rc = af_save(path, unit, strlen(unit), AF_KEEP_MODE);    /* over the empty file, 0600 */
    if (rc != AF_OK && rc != AF_SYNC_DIR) {
        jit_tcc_err(why, whylen, "%s: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

/* jit_lookup_fn over a relocated TCCState. */
static void *jit_tcc_lookup(void *ctx, const char *symbol)
{
    return tcc_get_symbol((TCCState *)ctx, symbol);
}

/* See jit.h. The unit is compiled as `#line 1 "<name>.c"` followed by the
 * unit, so tcc's messages read "<name>.c:LINE: error: ...". On success
 * api->impl is the TCCState, which owns the code until jit_release. */
int jit_tcc_build(const char *unit, const char *prefix, int is_double,
                  const char *name, net_api *api, char *err, size_t errlen)
{
    jit_tcc_msgs msgs;
    char safe[128], head[192];
    char *src;
    size_t headlen, unitlen;
    TCCState *s;
    int rc;

    memset(api, 0, sizeof *api);
    memset(&msgs, 0, sizeof msgs);
    jit_tcc_safe_name(safe, sizeof safe, name);
    headlen = (size_t)snprintf(head, sizeof head, "#line 1 \"%s.c\"\n", safe);
    unitlen = strlen(unit);
    src = malloc(headlen + unitlen + 1);
    if (!src) {
        jit_tcc_err(err, errlen, "out of memory building %s with tcc", name);
        return -1;
    }
    memcpy(src, head, headlen);
    memcpy(src + headlen, unit, unitlen + 1);

    s = tcc_new();
    if (!s) {
        free(src);
        jit_tcc_err(err, errlen, "cannot create a tcc compilation context for %s", name);
        return -1;
    }
    tcc_set_error_func(s, &msgs, jit_tcc_on_error);
    tcc_set_lib_path(s, JIT_TCC_LIB_PATH);
    tcc_set_output_type(s, TCC_OUTPUT_MEMORY);

    rc = tcc_compile_string(s, src);
    free(src);
    if (rc < 0) {
        char kept[4096], why[256];
        const char *first = msgs.first_error[0] ? msgs.first_error
                          : msgs.first_any[0] ? msgs.first_any : "no message from tcc";
        if (jit_tcc_keep_source(unit, safe, kept, sizeof kept, why, sizeof why) == 0)
            jit_tcc_err(err, errlen, "internal error: generated code for %s does not compile"
                     " under tcc (source kept in %s): %s", name, kept, first);
        else
            jit_tcc_err(err, errlen, "internal error: generated code for %s does not compile"
                     " under tcc (could not keep the source: %s): %s", name, why, first);
        tcc_delete(s);
        return -1;
    }
    if (tcc_add_library(s, "m") < 0 || tcc_relocate(s, TCC_RELOCATE_AUTO) < 0) {
        jit_tcc_err(err, errlen, "cannot link %s with tcc: %s", name,
                 msgs.first_error[0] ? msgs.first_error
                 : msgs.first_any[0] ? msgs.first_any : "no message from tcc");
        tcc_delete(s);
        return -1;
    }
    if (jit_bind(api, prefix, is_double, name, "tcc", jit_tcc_lookup, s, err, errlen) < 0) {
        tcc_delete(s);
        return -1;
    }
    api->backend = "tcc";
    api->impl = s;
    api->compiled = 1;
    return 0;
}
