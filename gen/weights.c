/*
 * weights.c -- weights files for the generator (see weights.h).  The file
 * format and its checks live in runtime/checkpoint.c.
 */
#include "weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "checkpoint.h"
#include "hash.h"
#include "host.h"

/* Raise a user error (err.lua's form) with the message on the stack top. */
static int user_error(lua_State *L, const char *msg)
{
    lua_createtable(L, 0, 1);
    lua_pushstring(L, msg);
    lua_setfield(L, -2, "cnngen_user_error");
    return lua_error(L);
}

int weights_lua_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_Integer count = luaL_checkinteger(L, 2);
    const char *hash_hex = luaL_checkstring(L, 3);
    const char *real = luaL_optstring(L, 4, "float");
    int is_double = strcmp(real, "double") == 0;
    unsigned long long arch = strtoull(hash_hex, NULL, 16);
    char err[1024], fh[32];
    void *buf;
    lua_Integer k;
    FILE *f;
    unsigned char chunk[65536];
    unsigned long long h = FNV1A_INIT;
    size_t n;
    if (count < 0) return luaL_error(L, "bad count");
    buf = malloc((size_t)count * (is_double ? 8 : 4) + 8);
    if (!buf) return luaL_error(L, "out of memory");
    if (ckpt_load(path, buf, (size_t)count, is_double ? 8 : 4, arch, err, sizeof err) != 0) {
        free(buf);
        return user_error(L, err);
    }
    lua_createtable(L, (int)count, 0);
    for (k = 0; k < count; ++k) {
        lua_pushnumber(L, is_double ? ((double *)buf)[k] : (double)((float *)buf)[k]);
        lua_rawseti(L, -2, k + 1);
    }
    free(buf);
    /* the file's own hash, for the generated front matter */
    f = fopen(path, "rb");
    if (f) {
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) h = fnv1a_update(h, chunk, n);
        fclose(f);
    }
    snprintf(fh, sizeof fh, "%016llx", h);
    lua_pushstring(L, fh);
    return 2;
}
