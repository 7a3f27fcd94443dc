/*
 * sandbox.c -- run a network description in its own, limited Lua state.
 *
 * The rules (from lua.c, linit.c and ltests.c):
 *   - a separate lua_State, so nothing the description makes (tables with
 *     metamethods, patched library functions) can reach the generator;
 *   - only the base, string, table, math and utf8 libraries, without
 *     dofile, loadfile, load, require, collectgarbage and string.dump;
 *     print writes to stderr; math.random is seeded with a constant;
 *   - source loaded in text mode only ("t": no precompiled chunks);
 *   - a budget allocator (memory) and a count hook (instructions); both
 *     errors carry the description's file and line;
 *   - the result crosses to the trusted state as plain data: strings,
 *     numbers, booleans and tables, copied with raw access (no metamethod
 *     runs), with limits on depth and size.  Values of other types become
 *     the marker table { _unsupported = "<type>" } so that the checker can
 *     name the field they sit in.
 *
 * The layer constructors (conv{...}, network{...}) are C closures that
 * record their kind and the caller's line:
 *   conv { maps = 20 }  ->  { _kind = "conv", _line = 4, _args = { maps = 20 } }
 */
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lualib.h"

#define HOOK_EVERY 1000         /* instructions between count-hook calls */
#define COPY_MAX_DEPTH 64
#define COPY_MAX_ITEMS 1000000L

typedef struct sb {
    size_t used, limit;
    long long steps, max_steps;
    int last_line;              /* the description's line seen last by the hook */
    int memory_hit;             /* the allocator refused a request */
    char source[1024];          /* "@chunk", as Lua names the chunk */
} sb;

/* ------------------------------------------------------------- limits */

/* lua_Alloc with a budget: refuses any growth past sb->limit. */
static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    sb *s = ud;
    size_t old = ptr ? osize : 0;
    void *p;
    if (nsize == 0) {
        free(ptr);
        s->used -= old;
        return NULL;
    }
    if (nsize > old && nsize - old > s->limit - s->used) {
        s->memory_hit = 1;
        return NULL;
    }
    p = realloc(ptr, nsize);
    if (!p) {
        s->memory_hit = 1;
        return NULL;
    }
    s->used = s->used - old + nsize;
    return p;
}

static sb *sb_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* Count hook: remember where the description is, stop it past its budget. */
static void sb_hook(lua_State *L, lua_Debug *ar)
{
    sb *s = sb_of(L);
    if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0 && strcmp(ar->source, s->source) == 0)
        s->last_line = ar->currentline;
    s->steps += HOOK_EVERY;
    if (s->steps > s->max_steps) {
        lua_pushfstring(L, "%s:%d: the description ran for more than %d million instructions (an endless loop?)",
                        s->source + 1, s->last_line, (int)(s->max_steps / 1000000));
        lua_error(L);
    }
}

/* --------------------------------------------------------- description */

/* network{...}, conv{...}, ...: upvalue 1 is the kind's name. */
static int sb_construct(lua_State *L)
{
    const char *kind = lua_tostring(L, lua_upvalueindex(1));
    lua_Debug ar;
    int line = 0;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar))
        line = ar.currentline;
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TTABLE)
        return luaL_error(L, "%s: expected a table of fields, as in %s { ... }, got %s",
                          kind, kind, lua_gettop(L) == 0 ? "nothing" : luaL_typename(L, 1));
    lua_createtable(L, 0, 3);
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "_kind");
    lua_pushinteger(L, line);
    lua_setfield(L, -2, "_line");
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "_args");
    return 1;
}

/* print(...) to stderr, so that it never mixes with generated output. */
static int sb_print(lua_State *L)
{
    int i, n = lua_gettop(L);
    for (i = 1; i <= n; ++i) {
        size_t len;
        const char *s = luaL_tolstring(L, i, &len);
        if (i > 1) fputc('\t', stderr);
        fwrite(s, 1, len, stderr);
        lua_pop(L, 1);
    }
    fputc('\n', stderr);
    return 0;
}

/* Message handler: make every error "chunk:line: message", one line. */
static int sb_msgh(lua_State *L)
{
    sb *s = sb_of(L);
    const char *msg = lua_tostring(L, 1);
    const char *name = s->source + 1;
    size_t nlen = strlen(name);
    luaL_Buffer b;
    if (!msg)
        msg = lua_pushfstring(L, "the description raised an error object (a %s value)", luaL_typename(L, 1));
    if (!(strncmp(msg, name, nlen) == 0 && msg[nlen] == ':')) {
        lua_Debug ar;
        int level, line = s->last_line;
        for (level = 1; lua_getstack(L, level, &ar); ++level)
            if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0 && strcmp(ar.source, s->source) == 0) {
                line = ar.currentline;
                break;
            }
        msg = lua_pushfstring(L, "%s:%d: %s", name, line, msg);
    }
    luaL_buffinit(L, &b);
    for (; *msg; ++msg)
        luaL_addchar(&b, (*msg == '\n' || *msg == '\r' || *msg == '\t') ? ' ' : *msg);
    luaL_pushresult(&b);
    return 1;
}

static void sb_open_libs(lua_State *L, const char *const *kinds)
{
    static const char *const drop[] = { "dofile", "loadfile", "load", "require",
                                        "collectgarbage", NULL };
    int i;
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_pop(L, 5);
    for (i = 0; drop[i]; ++i) {
        lua_pushnil(L);
        lua_setglobal(L, drop[i]);
    }
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    lua_pushcfunction(L, sb_print);
    lua_setglobal(L, "print");
    /* math.random is time-seeded in Lua 5.4: make descriptions reproducible */
    lua_getglobal(L, LUA_MATHLIBNAME);
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 1);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
    lua_pushstring(L, "network");
    lua_pushcclosure(L, sb_construct, 1);
    lua_setglobal(L, "network");
    for (i = 0; kinds[i]; ++i) {
        lua_pushstring(L, kinds[i]);
        lua_pushcclosure(L, sb_construct, 1);
        lua_setglobal(L, kinds[i]);
    }
}

/* ---------------------------------------------------------------- copy */

typedef struct copy {
    long items;
    const char *what;           /* set when a limit is hit */
} copy;

/* Push onto T a plain copy of S's value at idx; 0, or -1 past a limit. */
static int copy_value(lua_State *S, int idx, lua_State *T, int depth, copy *c)
{
    if (++c->items > COPY_MAX_ITEMS) {
        c->what = "holds more than a million values";
        return -1;
    }
    if (!lua_checkstack(T, 4) || !lua_checkstack(S, 4)) {
        c->what = "nests too deeply";
        return -1;
    }
    switch (lua_type(S, idx)) {
    case LUA_TNIL:
        lua_pushnil(T);
        break;
    case LUA_TBOOLEAN:
        lua_pushboolean(T, lua_toboolean(S, idx));
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(S, idx))
            lua_pushinteger(T, lua_tointeger(S, idx));
        else
            lua_pushnumber(T, lua_tonumber(S, idx));
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(S, idx, &len);
        lua_pushlstring(T, s, len);
        break;
    }
    case LUA_TTABLE:
        if (depth >= COPY_MAX_DEPTH) {
            c->what = "nests tables more than 64 deep (a table that contains itself?)";
            return -1;
        }
        idx = lua_absindex(S, idx);
        lua_newtable(T);
        lua_pushnil(S);
        while (lua_next(S, idx)) {          /* raw traversal: no __pairs */
            int kt = lua_type(S, -2);
            if (kt == LUA_TSTRING || kt == LUA_TNUMBER || kt == LUA_TBOOLEAN) {
                if (copy_value(S, -2, T, depth + 1, c) != 0 || copy_value(S, -1, T, depth + 1, c) != 0) {
                    lua_pop(S, 2);
                    return -1;
                }
                lua_rawset(T, -3);
            } else {
                lua_pushfstring(T, "_key_%s", luaL_typename(S, -2));
                lua_pushboolean(T, 1);
                lua_rawset(T, -3);
            }
            lua_pop(S, 1);
        }
        break;
    default:
        lua_createtable(T, 0, 1);
        lua_pushstring(T, luaL_typename(S, idx));
        lua_setfield(T, -2, "_unsupported");
        break;
    }
    return 0;
}

/* ----------------------------------------------------------------- run */

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (errlen) {
        strncpy(err, msg, errlen - 1);
        err[errlen - 1] = '\0';
    }
}

int sandbox_run(lua_State *T, const char *source, size_t len, const char *chunk,
                const char *const *kinds, const sandbox_limits *limits,
                int *last_line, char *err, size_t errlen)
{
    sb *s = calloc(1, sizeof *s);
    lua_State *L;
    int status, lines = 1, rc = -1, top = lua_gettop(T);
    size_t i;
    char msg[1400];
    copy c = { 0, NULL };

    for (i = 0; i < len; ++i)
        if (source[i] == '\n' && i + 1 < len) ++lines;
    *last_line = lines;
    if (!s) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    s->limit = limits && limits->memory ? limits->memory : SANDBOX_DEFAULT_MEMORY;
    s->max_steps = limits && limits->instructions ? limits->instructions : SANDBOX_DEFAULT_INSTRUCTIONS;
    snprintf(s->source, sizeof s->source, "@%s", chunk);
    s->last_line = 1;

    L = lua_newstate(sb_alloc, s);
    if (!L) {
        set_err(err, errlen, "out of memory");
        free(s);
        return -1;
    }
    lua_pushcfunction(L, sb_msgh);
    status = luaL_loadbufferx(L, source, len, s->source, "t");
    if (status == LUA_OK) {
        lua_gc(L, LUA_GCGEN, 0, 0);
        sb_open_libs(L, kinds);
        lua_sethook(L, sb_hook, LUA_MASKCOUNT, HOOK_EVERY);
        status = lua_pcall(L, 0, 1, 1);
        lua_sethook(L, NULL, 0, 0);
    }
    if (status == LUA_OK) {
        if (copy_value(L, -1, T, 0, &c) == 0) {
            rc = 0;
        } else {
            lua_settop(T, top);
            snprintf(msg, sizeof msg, "%s:%d: the description's result %s", chunk, *last_line, c.what);
            set_err(err, errlen, msg);
        }
    } else if (status == LUA_ERRMEM || s->memory_hit) {
        snprintf(msg, sizeof msg, "%s:%d: the description used more than %u MiB of memory",
                 chunk, s->last_line, (unsigned)(s->limit >> 20));
        set_err(err, errlen, msg);
    } else {
        const char *e = lua_tostring(L, -1);
        /* syntax errors come from the loader, without the message handler */
        snprintf(msg, sizeof msg, "%s", e ? e : "error");
        for (i = 0; msg[i]; ++i)
            if (msg[i] == '\n' || msg[i] == '\r' || msg[i] == '\t') msg[i] = ' ';
        set_err(err, errlen, msg);
    }
    lua_close(L);
    free(s);
    return rc;
}
