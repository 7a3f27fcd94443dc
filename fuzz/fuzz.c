/*
 * fuzz.c -- what the fuzz targets share (fuzz.h).
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lua.h"

#define FUZZ_LUA_COUNTERS 65536


static char fuzz_tmp[512];

/* rm -r path (files and directories; missing paths are ignored). */
static void fuzz_remove_tree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    if (lstat(path, &st) != 0) return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    if ((d = opendir(path)) != NULL) {
        while ((e = readdir(d)) != NULL) {
            char sub[1024];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            fuzz_remove_tree(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

void fuzz_cleanup(void)
{
    if (fuzz_tmp[0]) fuzz_remove_tree(fuzz_tmp);
    fuzz_tmp[0] = '\0';
}

const char *fuzz_dir(void)
{
    if (!fuzz_tmp[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(fuzz_tmp, sizeof fuzz_tmp, "%s/cnngen-fuzz-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(fuzz_tmp)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fuzz_cleanup);
    }
    return fuzz_tmp;
}

const char *fuzz_path(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", fuzz_dir(), name);
    return out;
}

void fuzz_mkdir(const char *path)
{
    struct stat st;
    if (mkdir(path, 0755) != 0 && !(stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
        perror(path);
        exit(1);
    }
}

void fuzz_write(const char *path, const void *data, size_t len, int gz)
{
    int ok;
    if (gz) {
        gzFile f = gzopen(path, "wb");
        ok = f != NULL;
        if (ok && len > 0) ok = gzwrite(f, data, (unsigned)len) == (int)len;
        if (f && gzclose(f) != Z_OK) ok = 0;
    } else {
        FILE *f = fopen(path, "wb");
        ok = f != NULL;
        if (ok && len > 0) ok = fwrite(data, 1, len, f) == len;
        if (f && fclose(f) != 0) ok = 0;
    }
    if (!ok) {
        perror(path);           /* the harness's trouble (a full disk?), not a finding */
        exit(1);
    }
}

#ifdef FUZZ_COVERAGE
/* libFuzzer's extra counters: a byte per hashed (chunk, line) */
__attribute__((used, section("__libfuzzer_extra_counters")))
static unsigned char fuzz_lua_counters[FUZZ_LUA_COUNTERS];

static void fuzz_lua_line(lua_State *L, lua_Debug *ar)
{
    size_t h;
    if (!lua_getinfo(L, "S", ar)) return;
    h = (size_t)(uintptr_t)ar->source * 31 + (size_t)ar->currentline * 2654435761u;
    h ^= h >> 17;
    ++fuzz_lua_counters[h % FUZZ_LUA_COUNTERS];
}

void fuzz_lua_coverage(lua_State *T)
{
    lua_sethook(T, fuzz_lua_line, LUA_MASKLINE, 0);
}
#else
void fuzz_lua_coverage(lua_State *T)
{
    (void)T;
}
#endif

void fuzz_bug(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz: BUG: %s: %s\n", what, detail ? detail : "");
    abort();
}

void fuzz_check_message(const char *what, const char *msg, const char *place)
{
    size_t n = place ? strlen(place) : 0;
    if (!msg[0]) fuzz_bug(what, "an empty error message");
    if (strchr(msg, '\n')) fuzz_bug(what, msg);
    if (place && (strncmp(msg, place, n) != 0 || msg[n] != ':')) fuzz_bug("a message that does not name its file", msg);
}
