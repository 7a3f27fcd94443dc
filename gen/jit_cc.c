/*
 * jit_cc.c -- the system-compiler backend: build one unit of generated C
 * into a cached shared object with cc (or $CC), dlopen it and bind its API
 * (jit_cc_build, declared in jit.h).
 *
 * Cache. Files live in one directory (opts->cache_dir, else
 * $XDG_CACHE_HOME/cnngen, else $HOME/.cache/cnngen) as
 *     <name>-<key>.c   the unit, as compiled (kept: error messages point into it)
 *     <name>-<key>.so  the shared object
 * where <key> is the 64-bit FNV-1a hash, 16 hex digits, of JIT_CC_FORMAT,
 * the compiler, the user's flags, the fixed flags and the unit text (each
 * followed by a NUL, so no two tuples hash the same bytes). Anything that
 * changes the object changes the key, so a present <key>.so is current.
 *
 * Concurrency and crashes. Both files are written under temporary names in
 * the cache directory and rename()d into place, so a reader only ever sees
 * a complete file under a final name; two processes building the same unit
 * at once both compile and the last rename wins, with identical contents.
 * The compiler's own temporaries go to a *.tmp-XXXXXX directory beside the
 * unit (its TMPDIR), removed after the build, stopped or not.
 * A kill -9 at worst leaves a *.tmp-XXXXXX file or directory, never a broken .so; such
 * leftovers older than JIT_CC_STALE_SECONDS are deleted whenever the cache
 * is opened (a live build's temporaries are younger: its .c is written just
 * before the compile starts and the .so placeholder at its start, and no
 * compile of a generated unit takes an hour).
 */
#include "jit.h"

#include "atomicfile.h"
#include "hash.h"
#include "rmtree.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Bump when the way objects are built or named changes: old cache entries
 * are then simply never found again. */
#define JIT_CC_FORMAT "cnngen-jit-cc-1"

/* Added after the user's flags on every build. -fno-delete-null-pointer-checks:
 * see "Hazards" in docs/hacking.md (gcc 12 -O1/-O2 deletes a pool call otherwise). */
#define JIT_CC_FIXED_FLAGS "-std=c99 -fPIC -shared -fno-delete-null-pointer-checks"

/* The default flags: $CFLAGS replaces them. -std=c99 turns contraction
 * off: -ffp-contract=fast turns FMA back on.  On x86,
 * -mprefer-vector-width=512: the generated blocks are sized for AVX-512's
 * 16 floats, but gcc's tuning for Intel cores (what -march=native picks on
 * an AVX-512 Xeon) vectorizes with 8-float ymm registers unless told, and
 * so leaves half of each FMA unit idle (nielsen2's step 1.41x slower, its
 * batch-1 forward 2x: docs/performance.md, "Intel cores").  Without
 * AVX-512 the option changes nothing. */
#if defined(__x86_64__) || defined(__i386__)
#define JIT_CC_DEFAULT_FLAGS "-O3 -march=native -mprefer-vector-width=512 -ffp-contract=fast"
#else
#define JIT_CC_DEFAULT_FLAGS "-O3 -march=native -ffp-contract=fast"
#endif

/* ... and for gcc, also these: the optimization and code generation of the
 * unit's functions run in two processes at once (link-time optimization's
 * partitions; the unit's code is the same as without).  Measured on the
 * 2-core machine of the README: lenet5's build 2.9 -> 1.7 s, nielsen2's
 * 2.0 -> 1.4 s, training speed the same within noise.  Without `make` gcc
 * runs the two one after the other (it says so in the build log). */
#define JIT_CC_GCC_FLAGS "-flto=2 --param lto-min-partition=2000 --param lto-partitions=2"

#define JIT_CC_PATH_MAX 4096

/* Temporaries older than this are leftovers of a killed build. */
#define JIT_CC_STALE_SECONDS 3600

/* Format one line into err[0..errlen). */
#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static void jit_cc_err(char *err, size_t errlen, const char *fmt, ...);

static void jit_cc_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------- */
/* Names, hashing, directories                                      */
/* ---------------------------------------------------------------- */

/* $VAR if set and non-empty, else NULL. */
static const char *jit_cc_env(const char *var)
{
    const char *v = getenv(var);
    return v && *v ? v : NULL;
}

/* Copy name into dst[0..len) keeping only [A-Za-z0-9_.-], others become
 * '_', so it is safe as part of a file name. */
static void jit_cc_safe_name(char *dst, size_t len, const char *name)
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

/* FNV-1a (hash.h) over s and its terminating NUL, continuing from h. */
static unsigned long long jit_cc_fnv1a(unsigned long long h, const char *s)
{
    return fnv1a_update(h, s, strlen(s) + 1);
}

/* Create dir and its missing parents, like mkdir -p. Return 0, or -1 with
 * one line in err. */
static int jit_cc_mkdir_p(const char *dir, char *err, size_t errlen)
{
    char path[JIT_CC_PATH_MAX];
    struct stat st;
    size_t n = strlen(dir), k;

    if (n == 0 || n >= sizeof path) {
        jit_cc_err(err, errlen, "cannot use cache directory '%.200s': %s", dir,
                   n ? "path too long" : "empty path");
        return -1;
    }
    memcpy(path, dir, n + 1);
    for (k = 1; k <= n; ++k) {
        if (path[k] != '/' && path[k] != '\0')
            continue;
        path[k] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            jit_cc_err(err, errlen, "cannot create cache directory %s: %s", path, strerror(errno));
            return -1;
        }
        path[k] = dir[k];
    }
    if (stat(dir, &st) != 0) {
        jit_cc_err(err, errlen, "cannot use cache directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        jit_cc_err(err, errlen, "cannot use cache directory %s: not a directory", dir);
        return -1;
    }
    return 0;
}

/* Is name a temporary of this file: "<anything>.tmp-XXXXXX", the six
 * characters mkstemp's (letters and digits)? */
static int jit_cc_is_temporary(const char *name)
{
    size_t n = strlen(name), k;
    if (n < 12 || memcmp(name + n - 11, ".tmp-", 5) != 0)
        return 0;
    for (k = n - 6; k < n; ++k)
        if (!((name[k] >= 'a' && name[k] <= 'z') || (name[k] >= 'A' && name[k] <= 'Z') ||
              (name[k] >= '0' && name[k] <= '9')))
            return 0;
    return 1;
}

/* Delete the temporaries in cache that a killed build left behind: files
 * named as jit_cc_is_temporary says, and directories so named after a unit
 * (<unit>.c.tmp-XXXXXX: a compiler's TMPDIR, see jit_cc_compile),
 * last modified more than JIT_CC_STALE_SECONDS ago. Best effort: a file
 * that cannot be examined or removed (or one another process removes
 * first) is left alone. */
static void jit_cc_sweep(const char *cache)
{
    DIR *d = opendir(cache);
    struct dirent *e;
    time_t now = time(NULL);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        char path[JIT_CC_PATH_MAX];
        struct stat st;
        int n;
        if (!jit_cc_is_temporary(e->d_name))
            continue;
        n = snprintf(path, sizeof path, "%s/%s", cache, e->d_name);
        if (n < 0 || (size_t)n >= sizeof path || lstat(path, &st) != 0 ||
            !(S_ISREG(st.st_mode) || (S_ISDIR(st.st_mode) && strstr(e->d_name, ".c.tmp-"))))
            continue;
        if (now - st.st_mtime <= JIT_CC_STALE_SECONDS)
            continue;
        rm_tree(path);                  /* a file, or a compiler's TMPDIR (see jit_cc_compile) */
    }
    closedir(d);
}

/* Choose the cache directory into dir[0..len): opts->cache_dir, else
 * $XDG_CACHE_HOME/cnngen (an absolute $XDG_CACHE_HOME only, as the XDG
 * spec says), else $HOME/.cache/cnngen. Return 0, or -1 with err. */
static int jit_cc_cache_dir(const jit_cc_opts *opts, char *dir, size_t len,
                            char *err, size_t errlen)
{
    const char *xdg = jit_cc_env("XDG_CACHE_HOME"), *home = jit_cc_env("HOME");
    int n;

    if (opts && opts->cache_dir && *opts->cache_dir)
        n = snprintf(dir, len, "%s", opts->cache_dir);
    else if (xdg && xdg[0] == '/')
        n = snprintf(dir, len, "%s/cnngen", xdg);
    else if (home)
        n = snprintf(dir, len, "%s/.cache/cnngen", home);
    else {
        jit_cc_err(err, errlen, "no cache directory for the cc backend: set XDG_CACHE_HOME or HOME");
        return -1;
    }
    if (n < 0 || (size_t)n >= len) {
        jit_cc_err(err, errlen, "cache directory path too long");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- */
/* Files                                                            */
/* ---------------------------------------------------------------- */

/* Write text to `path` atomically (atomicfile.h), so `path` never holds a
 * partial file. Return 0, or -1 with err. */
static int jit_cc_write_file(const char *path, const char *text, char *err, size_t errlen)
{
    int rc = af_save(path, text, strlen(text), 0644);
    if (rc == AF_OK || rc == AF_SYNC_DIR)
        return 0;
    if (rc == AF_RENAME)
        jit_cc_err(err, errlen, "cannot rename a temporary file to %s: %s", path, strerror(errno));
    else
        jit_cc_err(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return -1;
}

/* ---------------------------------------------------------------- */
/* Compiling                                                        */
/* ---------------------------------------------------------------- */

/* Run `<cc> <flags> FIXED -o OUT SRC -lm` through /bin/sh, with the
 * compiler's stdout and stderr in an unlinked temporary file (created
 * beside src). cc and flags are shell words on purpose (CC="ccache gcc",
 * several flags); the paths travel as positional parameters, so they need
 * no quoting.
 * Return 0 on success; otherwise -1 with err describing the failure: an
 * error inside src (a cnngen bug: "internal error: ..."), a compiler that
 * cannot run, or any other failure with the compiler's first error line. */
/* ---------------------------------------------------------------- */
/* Cancelling (jit.h)                                               */
/* ---------------------------------------------------------------- */

void jit_cc_cancel_init(jit_cc_cancel *c)
{
    subproc_cancel_init(c);
}

void jit_cc_cancel_fire(jit_cc_cancel *c)
{
    subproc_cancel_fire(c);
}

void jit_cc_cancel_destroy(jit_cc_cancel *c)
{
    subproc_cancel_destroy(c);
}

static int jit_cc_compile_in(const char *cc, const char *flags, const char *src,
                             const char *out, const char *tmpdir, const char *name,
                             jit_cc_cancel *cancel, char *err, size_t errlen)
{
    char line[512], text[8192], *cmd;
    char *argv[8];
    size_t cmdlen = strlen(cc) + strlen(flags) + sizeof JIT_CC_FIXED_FLAGS + 32, srclen = strlen(src);
    int rc, status;

    cmd = malloc(cmdlen);
    if (!cmd) {
        jit_cc_err(err, errlen, "out of memory compiling %s", name);
        return -1;
    }
    snprintf(cmd, cmdlen, "TMPDIR=\"$3\" %s %s " JIT_CC_FIXED_FLAGS " -o \"$1\" \"$2\" -lm", cc, flags);
    argv[0] = "/bin/sh";
    argv[1] = "-c";
    argv[2] = cmd;
    argv[3] = "sh";
    argv[4] = (char *)out;
    argv[5] = (char *)src;
    argv[6] = (char *)tmpdir;
    argv[7] = NULL;
    rc = subproc_run(argv, tmpdir, cancel, &status, text, sizeof text);
    free(cmd);
    switch (rc) {
    case SUBPROC_OK:
        break;
    case SUBPROC_CAPTURE:
        jit_cc_err(err, errlen, "cannot create a temporary file beside %s: %s", src, strerror(errno));
        return -1;
    case SUBPROC_START:
        jit_cc_err(err, errlen, "cannot run /bin/sh to compile %s: %s", name, strerror(errno));
        return -1;
    case SUBPROC_WAIT:
        jit_cc_err(err, errlen, "waiting for the compiler of %s: %s", name, strerror(errno));
        return -1;
    default:
        jit_cc_err(err, errlen, "building %s with %s: cancelled", name, cc);
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    subproc_pick_line(text, line, sizeof line);
    if (WIFSIGNALED(status))
        jit_cc_err(err, errlen, "compiler '%s' killed by signal %d while building %s",
                   cc, WTERMSIG(status), name);
    else if (WEXITSTATUS(status) == 126 || WEXITSTATUS(status) == 127)
        jit_cc_err(err, errlen, "cannot run the C compiler '%s': %s", cc, line);
    else if (strncmp(line, src, srclen) == 0 && line[srclen] == ':')
        jit_cc_err(err, errlen, "internal error: generated code for %s does not compile"
                   " under %s (source kept in %s): %s", name, cc, src, line);
    else
        jit_cc_err(err, errlen, "'%s %s' failed on %s (source kept in %s): %s",
                   cc, flags, name, src, line);
    return -1;
}

/* Compile src into out, the compiler's own temporaries in a directory of
 * their own beside src (TMPDIR), removed afterwards whatever happened: a
 * build stopped by jit_cc_cancel_fire leaves none of them behind (gcc's
 * link-time optimization leaves some in TMPDIR when it is terminated). */
static int jit_cc_compile(const char *cc, const char *flags, const char *src,
                          const char *out, const char *name, jit_cc_cancel *cancel,
                          char *err, size_t errlen)
{
    char tmpdir[JIT_CC_PATH_MAX];
    int n = snprintf(tmpdir, sizeof tmpdir, "%s.tmp-XXXXXX", src), rc;
    if (n < 0 || (size_t)n >= sizeof tmpdir) {
        jit_cc_err(err, errlen, "%s: path too long", src);
        return -1;
    }
    if (!mkdtemp(tmpdir)) {
        jit_cc_err(err, errlen, "cannot create a temporary directory beside %s: %s", src, strerror(errno));
        return -1;
    }
    rc = jit_cc_compile_in(cc, flags, src, out, tmpdir, name, cancel, err, errlen);
    rm_tree(tmpdir);
    return rc;
}

/* jit_lookup_fn over a dlopen handle. */
static void *jit_cc_lookup(void *ctx, const char *symbol)
{
    return dlsym(ctx, symbol);
}

/* dlopen so_path and bind the API into *api. Return 0, or -1 with err. */
static int jit_cc_load(const char *so_path, const char *prefix, int is_double,
                       const char *name, net_api *api, char *err, size_t errlen)
{
    void *h = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        jit_cc_err(err, errlen, "cannot load %s: %s", so_path, why ? why : "dlopen failed");
        return -1;
    }
    if (jit_bind(api, prefix, is_double, name, "cc", jit_cc_lookup, h, err, errlen) < 0) {
        dlclose(h);
        return -1;
    }
    api->backend = "cc";
    api->impl = h;
    return 0;
}

/* Whether `cc --version` names gcc (the Free Software Foundation's
 * copyright line, and no "clang"): 0 when it does not, or cannot be run
 * (the compile that follows then reports the real problem).  The answer
 * for the last compiler asked is kept, so that the builds of one process
 * (auto's cache lookup and its build, bench's many) ask once. */
static int jit_cc_is_gcc(const char *cc)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static char last[1024];
    static int last_answer = -1;
    char cmd[1024], text[4096];
    char *argv[4];
    int n, status, answer;
    pthread_mutex_lock(&lock);
    answer = last_answer >= 0 && !strcmp(last, cc) ? last_answer : -1;
    pthread_mutex_unlock(&lock);
    if (answer >= 0)
        return answer;
    n = snprintf(cmd, sizeof cmd, "%s --version 2>/dev/null", cc);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return 0;
    argv[0] = "/bin/sh";
    argv[1] = "-c";
    argv[2] = cmd;
    argv[3] = NULL;
    if (subproc_run(argv, NULL, NULL, &status, text, sizeof text) != SUBPROC_OK)
        return 0;
    answer = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
             strstr(text, "Free Software Foundation") && !strstr(text, "clang");
    pthread_mutex_lock(&lock);
    snprintf(last, sizeof last, "%s", cc);
    last_answer = answer;
    pthread_mutex_unlock(&lock);
    return answer;
}

/* See jit.h. */
int jit_cc_command(const jit_cc_opts *opts, const char **cc, char *flags, size_t len)
{
    const char *f;
    int n;
    *cc = opts && opts->cc && *opts->cc ? opts->cc : jit_cc_env("CC");
    if (!*cc)
        *cc = "cc";
    f = opts && opts->cflags ? opts->cflags : jit_cc_env("CFLAGS");
    if (f)
        n = snprintf(flags, len, "%s", f);
    else
        n = snprintf(flags, len, "%s%s", JIT_CC_DEFAULT_FLAGS, jit_cc_is_gcc(*cc) ? " " JIT_CC_GCC_FLAGS : "");
    return n >= 0 && (size_t)n < len ? 0 : -1;
}

/* See jit.h. On a cache hit (the .so exists and loads) nothing is compiled
 * and api->compiled is 0. A cached object that fails to load is rebuilt
 * once. */
int jit_cc_build(const char *unit, const char *prefix, int is_double,
                 const char *name, const jit_cc_opts *opts,
                 net_api *api, char *err, size_t errlen)
{
    char cache[JIT_CC_PATH_MAX], base[JIT_CC_PATH_MAX - 32], src[JIT_CC_PATH_MAX],
         so[JIT_CC_PATH_MAX], safe[128];
    const char *cc;
    char flags[JIT_CC_PATH_MAX];
    unsigned long long key = FNV1A_INIT;
    atomicfile so_file;
    struct stat st;
    int n, rc;

    memset(api, 0, sizeof *api);
    if (jit_cc_command(opts, &cc, flags, sizeof flags) < 0) {
        jit_cc_err(err, errlen, "the compiler flags are longer than cnngen's limit of %d characters",
                   (int)sizeof flags - 1);
        return -1;
    }

    if (jit_cc_cache_dir(opts, cache, sizeof cache, err, errlen) < 0 ||
        jit_cc_mkdir_p(cache, err, errlen) < 0)
        return -1;
    jit_cc_sweep(cache);

    key = jit_cc_fnv1a(key, JIT_CC_FORMAT);
    key = jit_cc_fnv1a(key, cc);
    key = jit_cc_fnv1a(key, flags);
    key = jit_cc_fnv1a(key, JIT_CC_FIXED_FLAGS);
    key = jit_cc_fnv1a(key, unit);
    jit_cc_safe_name(safe, sizeof safe, name);
    n = snprintf(base, sizeof base, "%s/%s-%016llx", cache, safe, key);
    if (n < 0 || (size_t)n >= sizeof base) {
        jit_cc_err(err, errlen, "cache directory path too long");
        return -1;
    }
    snprintf(src, sizeof src, "%s.c", base);
    snprintf(so, sizeof so, "%s.so", base);

    if (stat(so, &st) == 0 &&
        jit_cc_load(so, prefix, is_double, name, api, err, errlen) == 0) {
        api->compiled = 0;
        return 0;
    }
    if (opts && opts->cached_only) {
        jit_cc_err(err, errlen, "%s is not in the cache (%s)", name, so);
        return -1;
    }
    if (opts && subproc_cancelled(opts->cancel)) {
        jit_cc_err(err, errlen, "building %s with %s: cancelled", name, cc);
        return -1;
    }

    if (jit_cc_write_file(src, unit, err, errlen) < 0)
        return -1;
    /* The compiler writes into this placeholder, which then takes the
     * place of the .so (the linker adds the x bits to its mode). */
    rc = af_begin(&so_file, so, 0644);
    if (rc == AF_OK)
        rc = af_finish(&so_file);
    if (rc != AF_OK) {
        jit_cc_err(err, errlen, "cannot create a temporary file in %s: %s", cache, strerror(errno));
        return -1;
    }
    if (!opts || !opts->quiet)
        fprintf(stderr, "cnngen: compiling %s with %s %s ...\n", name, cc, flags);
    if (jit_cc_compile(cc, flags, src, so_file.tmp, name, opts ? opts->cancel : NULL, err, errlen) < 0) {
        af_abort(&so_file);
        return -1;
    }
    rc = af_commit(&so_file);
    if (rc != AF_OK && rc != AF_SYNC_DIR) {
        jit_cc_err(err, errlen, "cannot rename %s to %s: %s", so_file.tmp, so, strerror(errno));
        return -1;
    }
    if (jit_cc_load(so, prefix, is_double, name, api, err, errlen) < 0)
        return -1;
    api->compiled = 1;
    return 0;
}
