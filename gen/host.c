/*
 * host.c -- the trusted Lua state that runs the generator (see host.h).
 *
 * Mechanism in C, policy in Lua: this file only loads modules, reads the
 * description through the sandbox and turns Lua errors into statuses.  A
 * user error is raised in Lua as { cnngen_user_error = "file:line: ..." }
 * (gen/lua/err.lua); any other error is a bug and gets a traceback.
 */
#include "host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lualib.h"

#include "embedded.h"
#include "hash.h"
#include "sandbox.h"

/* ------------------------------------------------------------ modules */

/* embedded.read(path) -> contents, or nil */
static int emb_read(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    const struct cg_file *f;
    for (f = cg_files; f->path; ++f)
        if (strcmp(f->path, path) == 0) {
            lua_pushlstring(L, (const char *)f->data, f->size);
            return 1;
        }
    lua_pushnil(L);
    return 1;
}

static int emb_open(lua_State *L)
{
    lua_newtable(L);
    lua_pushcfunction(L, emb_read);
    lua_setfield(L, -2, "read");
    return 1;
}

/* native.fnv1a(text) -> the 64-bit FNV-1a of text (hash.h), 16 hex digits:
 * the generator's Lua hashes with the same code as the C side. */
static int native_fnv1a(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", fnv1a(s, len));
    lua_pushstring(L, hex);
    return 1;
}

/* package.preload loader of module "native": what the generator's Lua
 * takes from C. */
static int native_open(lua_State *L)
{
    lua_newtable(L);
    lua_pushcfunction(L, native_fnv1a);
    lua_setfield(L, -2, "fnv1a");
    return 1;
}

/* package.preload loader for one embedded module: upvalue = index in cg_files */
static int emb_loader(lua_State *L)
{
    const struct cg_file *f = &cg_files[lua_tointeger(L, lua_upvalueindex(1))];
    char chunk[512];
    snprintf(chunk, sizeof chunk, "@%s", f->path);
    if (luaL_loadbufferx(L, (const char *)f->data, f->size, chunk, "t") != LUA_OK)
        return lua_error(L);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    return 1;
}

/* Register every gen/lua/X/Y.lua as module "X.Y" in package.preload. */
static void register_modules(lua_State *L)
{
    const char *prefix = "gen/lua/";
    size_t plen = strlen(prefix);
    int i;
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    for (i = 0; cg_files[i].path; ++i) {
        const char *p = cg_files[i].path;
        size_t n = strlen(p);
        char name[256];
        size_t k;
        if (strncmp(p, prefix, plen) != 0 || n < plen + 5 || strcmp(p + n - 4, ".lua") != 0)
            continue;
        if (n - plen - 4 >= sizeof name) continue;
        memcpy(name, p + plen, n - plen - 4);
        name[n - plen - 4] = '\0';
        for (k = 0; name[k]; ++k)
            if (name[k] == '/') name[k] = '.';
        lua_pushinteger(L, i);
        lua_pushcclosure(L, emb_loader, 1);
        lua_setfield(L, -2, name);
    }
    lua_pushcfunction(L, emb_open);
    lua_setfield(L, -2, "embedded");
    lua_pushcfunction(L, native_open);
    lua_setfield(L, -2, "native");
    lua_pop(L, 2);
    /* the generator finds modules only in the binary */
    lua_getglobal(L, "package");
    lua_pushstring(L, "");
    lua_setfield(L, -2, "path");
    lua_pushstring(L, "");
    lua_setfield(L, -2, "cpath");
    lua_pop(L, 1);
}

static const char strict_lua[] =
    "local mt = {}\n"
    "function mt.__index(_, k) error('undefined global ' .. tostring(k), 2) end\n"
    "function mt.__newindex(_, k) error('assignment to undefined global ' .. tostring(k), 2) end\n"
    "setmetatable(_G, mt)\n";

lua_State *host_new(void)
{
    lua_State *L = luaL_newstate();
    if (!L) return NULL;
    luaL_openlibs(L);
    register_modules(L);
    if (luaL_dostring(L, strict_lua) != LUA_OK) {
        lua_close(L);
        return NULL;
    }
    return L;
}

/* --------------------------------------------------------------- calls */

/* Message handler: user errors pass through; others get a traceback. */
static int host_msgh(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TTABLE) {
        lua_getfield(L, 1, "cnngen_user_error");
        if (!lua_isnil(L, -1)) {
            lua_pop(L, 1);
            return 1;
        }
        lua_pop(L, 1);
    }
    luaL_traceback(L, L, luaL_tolstring(L, 1, NULL), 1);
    return 1;
}

int host_call(lua_State *T, const char *fn, int nargs, int nres, char *err, size_t errlen)
{
    int base = lua_gettop(T) - nargs, status;
    lua_pushcfunction(T, host_msgh);
    lua_insert(T, base + 1);
    /* the function: require("cnngen")[fn] */
    lua_getglobal(T, "require");
    lua_pushstring(T, "cnngen");
    if (lua_pcall(T, 1, 1, base + 1) != LUA_OK) {
        snprintf(err, errlen, "internal error: %s", lua_tostring(T, -1));
        lua_settop(T, base);
        return HOST_INTERNAL;
    }
    lua_getfield(T, -1, fn);
    lua_remove(T, -2);
    lua_insert(T, base + 2);
    status = lua_pcall(T, nargs, nres, base + 1);
    if (status != LUA_OK) {
        int user = 0;
        if (lua_type(T, -1) == LUA_TTABLE) {
            lua_getfield(T, -1, "cnngen_user_error");
            if (lua_isstring(T, -1)) {
                snprintf(err, errlen, "%s", lua_tostring(T, -1));
                user = 1;
            }
            lua_pop(T, 1);
        }
        if (!user)
            snprintf(err, errlen, "internal error: %s", lua_isstring(T, -1) ? lua_tostring(T, -1) : "?");
        lua_settop(T, base);
        return user ? HOST_USER : HOST_INTERNAL;
    }
    lua_remove(T, base + 1);           /* the message handler */
    return HOST_OK;
}

/* Read a whole file; NULL with errno set on failure. */
char *host_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) return NULL;
    for (;;) {
        size_t got;
        if (n == cap) {
            char *nb;
            cap = cap ? cap * 2 : 65536;
            if (cap > (64u << 20)) {            /* no description is this big */
                free(buf);
                fclose(f);
                errno = EFBIG;
                return NULL;
            }
            nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        fclose(f);
        errno = e ? e : EIO;
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

int host_sandbox(lua_State *T, const char *src, size_t len, const char *chunk,
                 const sandbox_limits *limits, int *last_line, char *err, size_t errlen)
{
    const char *kinds[33];
    int rc, nk = 0, top;
    /* the layer constructors: require("registry").order (strings stay on the stack) */
    lua_getglobal(T, "require");
    lua_pushstring(T, "registry");
    if (lua_pcall(T, 1, 1, 0) != LUA_OK) {
        snprintf(err, errlen, "internal error: %s", lua_tostring(T, -1));
        lua_pop(T, 1);
        return HOST_INTERNAL;
    }
    lua_getfield(T, -1, "order");
    lua_remove(T, -2);
    top = lua_gettop(T);
    while (nk < 32 && lua_rawgeti(T, top, nk + 1) == LUA_TSTRING) {
        kinds[nk] = lua_tostring(T, -1);
        ++nk;
    }
    kinds[nk] = NULL;
    rc = sandbox_run(T, src, len, chunk, kinds, limits, last_line, err, errlen);
    if (rc != 0) {
        lua_settop(T, top - 1);
        return HOST_USER;
    }
    lua_replace(T, top);               /* the description's copy replaces the kinds list */
    lua_settop(T, top);
    return HOST_OK;
}

void host_source_opts(lua_State *T, int opts_idx, const char *chunk, int last_line,
                      const char *source_hash)
{
    opts_idx = lua_absindex(T, opts_idx);
    lua_pushstring(T, chunk);
    lua_setfield(T, opts_idx, "chunk");
    if (last_line > 0) {
        lua_pushinteger(T, last_line);
        lua_setfield(T, opts_idx, "last_line");
    }
    if (source_hash && *source_hash) {
        lua_pushstring(T, source_hash);
        lua_setfield(T, opts_idx, "source_hash");
    }
}

int host_describe_source(lua_State *T, const char *src, size_t len, const char *chunk,
                         const char *fn, int opts_idx, int nres, char *err, size_t errlen)
{
    char hash[HOST_HASH_HEX];
    int last_line, rc;
    opts_idx = lua_absindex(T, opts_idx);
    rc = host_sandbox(T, src, len, chunk, NULL, &last_line, err, errlen);
    if (rc != HOST_OK) return rc;
    snprintf(hash, sizeof hash, "%016llx", fnv1a(src, len));
    host_source_opts(T, opts_idx, chunk, last_line, hash);
    lua_pushvalue(T, opts_idx);
    return host_call(T, fn, 2, nres, err, errlen);
}

int host_describe_file(lua_State *T, const char *path, const sandbox_limits *limits,
                       int *last_line, char *source_hash, char *err, size_t errlen)
{
    size_t len = 0;
    char *src = host_read_file(path, &len);
    int rc;
    if (!src) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return HOST_USER;
    }
    rc = host_sandbox(T, src, len, path, limits, last_line, err, errlen);
    snprintf(source_hash, HOST_HASH_HEX, "%016llx", fnv1a(src, len));
    free(src);
    return rc;
}

void host_report(int status, const char *msg)
{
    if (status == HOST_INTERNAL && strncmp(msg, "internal error", 14) != 0)
        fprintf(stderr, "cnngen: internal error: %s\n", msg);
    else if (status == HOST_INTERNAL)
        fprintf(stderr, "cnngen: %s\n", msg);
    else
        fprintf(stderr, "%s\n", msg);
}
