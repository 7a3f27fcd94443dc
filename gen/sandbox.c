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
 *   - a memory budget (allocator and count hook, see "limits") and an
 *     instruction budget (count hook); both errors carry the description's
 *     file and line.  Bytes allocated are charged to the instruction
 *     budget too (1 per 2), so a loop around a costly C call (string.rep
 *     of 30 MB) cannot outlast it; pcall and xpcall are replaced by
 *     versions that let these two errors through, so a loop around pcall
 *     cannot swallow them; setmetatable refuses a metatable with __gc,
 *     because Lua runs finalizers with hooks off (a looping finalizer
 *     would never end);
 *   - the result crosses to the trusted state as plain data: strings,
 *     numbers, booleans and tables, copied with raw access (no metamethod
 *     runs), with limits on depth and size.  Values of other types become
 *     the marker table { _unsupported = "<type>" } so that the checker can
 *     name the field they sit in.
 *
 * The layer constructors (conv{...}, network{...}) are C closures that
 * record their kind and the caller's line:
 *   conv { maps = 20 }  ->  { _kind = "conv", _line = 4, _args = { maps = 20 } }
 * Each record is also remembered in a weak table of the sandbox's registry
 * (RECORDS); the copy takes kind, line and arguments from there, so only a
 * real constructor call becomes a record on the trusted side, and a plain
 * table that uses one of the keys _kind, _line, _args or _unsupported is
 * refused (the checker would take it for a record or a marker).
 */
#include "sandbox.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lualib.h"

#define HOOK_EVERY 1000         /* instructions between count-hook calls */
#define HARD_FACTOR 4           /* the allocator refuses past HARD_FACTOR x the memory budget */
#define COPY_MAX_DEPTH 64
#define COPY_MAX_ITEMS 1000000L
#define ALLOC_CHARGE_SHIFT 1    /* one instruction charged per 2 bytes allocated */
#define RECORDS "cnngen.records"

typedef struct sb {
    lua_State *L;               /* the sandbox, while the description runs (else NULL) */
    size_t used, limit;
    long long steps, max_steps;
    long long charged;          /* the part of steps charged for allocations */
    int hook_count;             /* the count hook's current period */
    int last_line;              /* the description's line seen last by the hook */
    int fatal_line;             /* where a budget ran out */
    int memory_over;            /* the hook found the memory budget spent */
    int memory_hit;             /* the allocator refused a request */
    const char *const *kinds;   /* the layer constructors, for messages */
    lua_State *T;               /* the trusted state (suggestions are its to make) */
    char source[1024];          /* "@chunk", as Lua names the chunk */
} sb;

/* ------------------------------------------------------------- limits */

static void sb_hook(lua_State *L, lua_Debug *ar);

/* The memory budget (sb->limit) is enforced in two steps, so that the
 * error names the right line: an allocation that takes the total past it
 * succeeds, but sets the count hook to fire at the very next instruction,
 * where the hook (which knows the line) collects garbage and, if still
 * over, raises the error.  Only a request past HARD_FACTOR times the
 * budget is refused outright (Lua then raises a memory error, whose line
 * is the hook's last sighting). */

/* lua_Alloc with a budget; also charges bytes to the instruction budget. */
static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    sb *s = ud;
    size_t old = ptr ? osize : 0, hard = s->limit * HARD_FACTOR;
    void *p;
    if (nsize == 0) {
        free(ptr);
        s->used -= old;
        return NULL;
    }
    if (nsize > old) {                  /* Lua expects shrinking never to fail */
        if (nsize - old > hard - s->used) {
            s->memory_hit = 1;
            return NULL;
        }
        s->steps += (long long)(nsize >> ALLOC_CHARGE_SHIFT);
        s->charged += (long long)(nsize >> ALLOC_CHARGE_SHIFT);
        if (s->steps > s->max_steps)
            return NULL;
    }
    p = realloc(ptr, nsize);
    if (!p) {
        s->memory_hit = 1;
        return NULL;
    }
    s->used = s->used - old + nsize;
    if (s->used > s->limit && s->L && s->hook_count != 1) {
        /* lua_sethook is safe here: Lua's own lua.c calls it from a signal handler */
        s->hook_count = 1;
        lua_sethook(s->L, sb_hook, LUA_MASKCOUNT, 1);
    }
    return p;
}

static sb *sb_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* Count hook: remember where the description is, stop it past a budget.
 * (Past the instruction budget the allocator refuses everything, so what
 * is raised may be a memory error; sandbox_run() writes the message.) */
static void sb_hook(lua_State *L, lua_Debug *ar)
{
    sb *s = sb_of(L);
    if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0 && strcmp(ar->source, s->source) == 0)
        s->last_line = ar->currentline;
    s->steps += s->hook_count;
    if (s->used > s->limit && !s->memory_over) {
        lua_gc(L, LUA_GCCOLLECT, 0);            /* garbage does not count */
        if (s->used > s->limit) {
            s->memory_over = 1;
        } else {
            s->hook_count = HOOK_EVERY;
            lua_sethook(L, sb_hook, LUA_MASKCOUNT, HOOK_EVERY);
        }
    }
    if (s->memory_over || s->steps > s->max_steps) {
        if (!s->fatal_line) s->fatal_line = s->last_line;
        lua_pushliteral(L, "a budget ran out");
        lua_error(L);
    }
}

/* --------------------------------------------------------- description */

/* network{...}, conv{...}, ...: upvalue 1 is the kind's name.  Returns
 * the record; RECORDS[record] = { kind, line, args } keeps the truth. */
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
    lua_createtable(L, 0, 3);                   /* 2: the record */
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "_kind");
    lua_pushinteger(L, line);
    lua_setfield(L, -2, "_line");
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "_args");
    lua_getfield(L, LUA_REGISTRYINDEX, RECORDS); /* 3 */
    lua_pushvalue(L, 2);
    lua_createtable(L, 3, 0);
    lua_pushstring(L, kind);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, line);
    lua_rawseti(L, -2, 2);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, 3);
    lua_rawset(L, 3);
    lua_pop(L, 1);
    return 1;
}

/* The budgets are final: an error raised because one ran out goes
 * through pcall and xpcall (a description could otherwise catch it in a
 * loop and never end). */
static int sb_spent(lua_State *L, int status)
{
    sb *s = sb_of(L);
    return s->steps > s->max_steps || s->memory_over || status == LUA_ERRMEM ||
           (status == LUA_ERRERR && s->memory_hit);
}

/* setmetatable(t, mt), upvalue 1 the original: no __gc (see the top). */
static int sb_setmetatable(lua_State *L)
{
    lua_settop(L, 2);
    lua_pushliteral(L, "__gc");
    if (lua_type(L, 2) == LUA_TTABLE && lua_rawget(L, 2) != LUA_TNIL)
        return luaL_error(L, "setmetatable: a metatable with __gc is not allowed in a description");
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

/* pcall(f, ...) */
static int sb_pcall(lua_State *L)
{
    int status;
    luaL_checkany(L, 1);
    status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    if (status != LUA_OK && sb_spent(L, status))
        return lua_error(L);
    lua_pushboolean(L, status == LUA_OK);
    lua_insert(L, 1);
    return lua_gettop(L);
}

/* xpcall(f, msgh, ...) */
static int sb_xpcall(lua_State *L)
{
    int status, n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 1);                        /* f, msgh, f, args... */
    status = lua_pcall(L, n - 2, LUA_MULTRET, 2);
    if (status != LUA_OK && sb_spent(L, status))
        return lua_error(L);
    lua_pushboolean(L, status == LUA_OK);
    lua_replace(L, 1);
    lua_remove(L, 2);
    return lua_gettop(L);
}

int sandbox_print_to(lua_State *L, FILE *f)
{
    int i, n = lua_gettop(L);
    for (i = 1; i <= n; ++i) {
        size_t len;
        const char *s = luaL_tolstring(L, i, &len);
        if (i > 1) fputc('\t', f);
        fwrite(s, 1, len, f);
        lua_pop(L, 1);
    }
    fputc('\n', f);
    fflush(f);
    return 0;
}

/* print(...) to stderr, so that it never mixes with generated output. */
static int sb_print(lua_State *L)
{
    return sandbox_print_to(L, stderr);
}

/* In the trusted state: suggest.lua's suggest(name, kinds), name and the
 * NULL-ended kinds coming as light userdata. */
static int sb_suggest_here(lua_State *T)
{
    const char *name = lua_touserdata(T, 1);
    const char *const *kinds = lua_touserdata(T, 2);
    int i;
    lua_getglobal(T, "require");
    lua_pushliteral(T, "suggest");
    lua_call(T, 1, 1);
    lua_getfield(T, -1, "suggest");
    lua_pushstring(T, name);
    lua_newtable(T);
    for (i = 0; kinds[i]; ++i) {
        lua_pushstring(T, kinds[i]);
        lua_rawseti(T, -2, i + 1);
    }
    lua_call(T, 2, 1);
    return 1;
}

/* The layer kind to suggest for name ("did you mean"), by the generator's
 * one rule (gen/lua/suggest.lua) run in the trusted state T, into
 * out[0..len); 0 when there is none (or T cannot say). */
static int sb_suggest(lua_State *T, const char *name, const char *const *kinds, char *out, size_t len)
{
    int top = lua_gettop(T), found = 0;
    lua_pushcfunction(T, sb_suggest_here);
    lua_pushlightuserdata(T, (void *)name);
    lua_pushlightuserdata(T, (void *)kinds);
    if (lua_pcall(T, 2, 1, 0) == LUA_OK && lua_type(T, -1) == LUA_TSTRING) {
        snprintf(out, len, "%s", lua_tostring(T, -1));
        found = 1;
    }
    lua_settop(T, top);
    return found;
}

/* Lua says "attempt to call a nil value (global 'convv')" for a misspelt
 * layer and "attempt to index a nil value (global 'io')" for a library the
 * sandbox leaves out: say which it is.  Pushes the hint ("" if none). */
static void sb_hint(lua_State *L, sb *s, const char *msg)
{
    static const char *const gone[] = { "io", "os", "package", "debug", "require", "dofile",
                                        "loadfile", "load", "collectgarbage", "coroutine", NULL };
    static const char *const string_gone[] = { "'dump')", "'find')", "'match')", "'gmatch')",
                                               "'gsub')", NULL };
    const char *p = strstr(msg, "a nil value (global '"), *e;
    char name[64], near[64];
    size_t i, n;
    luaL_Buffer b;
    for (i = 0; string_gone[i]; ++i) {
        const char *f = strstr(msg, string_gone[i]);
        if (f && f > msg && (strstr(msg, "(field ") || strstr(msg, "(method "))) {
            lua_pushstring(L, ": the sandbox's string library has no dump, find, match, gmatch or gsub"
                              " (their run time cannot be bounded)");
            return;
        }
    }
    if (!p || !(e = strchr(p + 21, '\'')) || (n = (size_t)(e - (p + 21))) >= sizeof name) {
        lua_pushliteral(L, "");
        return;
    }
    memcpy(name, p + 21, n);
    name[n] = '\0';
    for (i = 0; gone[i]; ++i)
        if (strcmp(name, gone[i]) == 0) {
            lua_pushfstring(L, ": the sandbox has no '%s' (a description can only compute and"
                            " return its network)", name);
            return;
        }
    if (strstr(msg, "attempt to call a nil value (global '") == NULL) {
        lua_pushliteral(L, "");
        return;
    }
    luaL_buffinit(L, &b);
    luaL_addstring(&b, ": no layer kind or function is called '");
    luaL_addstring(&b, name);
    luaL_addstring(&b, "'");
    if (sb_suggest(s->T, name, s->kinds, near, sizeof near)) {
        luaL_addstring(&b, " (did you mean ");
        luaL_addstring(&b, near);
        luaL_addstring(&b, " { ... }?)");
    }
    luaL_addstring(&b, "; the layer kinds are");
    for (i = 0; s->kinds[i]; ++i) {
        luaL_addstring(&b, i == 0 ? " " : s->kinds[i + 1] ? ", " : " and ");
        luaL_addstring(&b, s->kinds[i]);
    }
    luaL_pushresult(&b);
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
    sb_hint(L, s, msg);
    msg = lua_pushfstring(L, "%s%s", msg, lua_tostring(L, -1));
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
    static const char *const string_drop[] = { "dump", "find", "match", "gmatch", "gsub", NULL };
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
    /* string.dump makes bytecode; the pattern functions backtrack inside C,
     * where the instruction budget cannot stop them (a pattern like
     * ("a?"):rep(40) .. ("a"):rep(40) runs for hours) */
    lua_getglobal(L, LUA_STRLIBNAME);
    for (i = 0; string_drop[i]; ++i) {
        lua_pushnil(L);
        lua_setfield(L, -2, string_drop[i]);
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, sb_print);
    lua_setglobal(L, "print");
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, sb_setmetatable, 1);
    lua_setglobal(L, "setmetatable");
    lua_pushcfunction(L, sb_pcall);
    lua_setglobal(L, "pcall");
    lua_pushcfunction(L, sb_xpcall);
    lua_setglobal(L, "xpcall");
    /* RECORDS: weak keys, so records the description drops are collected */
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, RECORDS);
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
    int line;                   /* the line of the innermost record being copied */
    int what_line;              /* ... when the limit was hit (0: none) */
    char buf[160];
} copy;

static int copy_value(lua_State *S, int idx, lua_State *T, int depth, copy *c);

/* Keys the copy gives a meaning to (records and markers). */
static const char *const reserved[] = { "_kind", "_line", "_args", "_unsupported", NULL };

/* S holds RECORDS and the hidden { kind, line, args } on top: pop both,
 * push { _kind, _line, _args = copy of args } onto T. */
static int copy_record(lua_State *S, lua_State *T, int depth, copy *c)
{
    int rc, outer = c->line;
    lua_createtable(T, 0, 3);
    lua_rawgeti(S, -1, 1);
    lua_pushstring(T, lua_tostring(S, -1));
    lua_setfield(T, -2, "_kind");
    lua_rawgeti(S, -2, 2);
    lua_pushinteger(T, lua_tointeger(S, -1));
    lua_setfield(T, -2, "_line");
    c->line = (int)lua_tointeger(S, -1);
    lua_rawgeti(S, -3, 3);
    rc = copy_value(S, -1, T, depth + 1, c);
    c->line = outer;
    if (rc == 0) lua_setfield(T, -2, "_args");
    lua_pop(S, 5);
    return rc;
}

/* Push onto T a plain copy of S's value at idx; 0, or -1 past a limit. */
static int copy_value(lua_State *S, int idx, lua_State *T, int depth, copy *c)
{
    int i;
    if (++c->items > COPY_MAX_ITEMS) {
        c->what = "holds more than a million values";
        c->what_line = c->line;
        return -1;
    }
    if (!lua_checkstack(T, 4) || !lua_checkstack(S, 8)) {
        c->what = "nests too deeply";
        c->what_line = c->line;
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
            c->what_line = c->line;
            return -1;
        }
        idx = lua_absindex(S, idx);
        lua_getfield(S, LUA_REGISTRYINDEX, RECORDS);
        lua_pushvalue(S, idx);
        if (lua_rawget(S, -2) == LUA_TTABLE)        /* a constructor's record */
            return copy_record(S, T, depth, c);
        lua_pop(S, 2);
        for (i = 0; reserved[i]; ++i) {      /* in a fixed order: the same message every run */
            lua_pushstring(S, reserved[i]);
            if (lua_rawget(S, idx) != LUA_TNIL) {
                snprintf(c->buf, sizeof c->buf, "uses the key '%s', which cnngen keeps for its own"
                         " layer records (rename the field)", reserved[i]);
                c->what = c->buf;
                c->what_line = c->line;
                lua_pop(S, 1);
                return -1;
            }
            lua_pop(S, 1);
        }
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

int sandbox_copy(lua_State *S, int idx, lua_State *T, char *err, size_t errlen)
{
    copy c = { 0, NULL, 0, 0, "" };
    int top = lua_gettop(T);
    if (copy_value(S, lua_absindex(S, idx), T, 0, &c) != 0) {
        lua_settop(T, top);
        snprintf(err, errlen, "the network %s", c.what ? c.what : "cannot be copied");
        return -1;
    }
    return 0;
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
    copy c = { 0, NULL, 0, 0, "" };

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
    s->kinds = kinds;
    s->T = T;

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
        if (limits && limits->open_extra) limits->open_extra(L, limits->extra_ud);
        s->L = L;
        s->hook_count = s->used > s->limit ? 1 : HOOK_EVERY;
        lua_sethook(L, sb_hook, LUA_MASKCOUNT, s->hook_count);
        status = lua_pcall(L, 0, 1, 1);
        lua_sethook(L, NULL, 0, 0);
        s->L = NULL;
    }
    if (status == LUA_OK && s->used > s->limit) {   /* went over in its last C call */
        lua_gc(L, LUA_GCCOLLECT, 0);
        if (s->used > s->limit) {
            s->memory_over = 1;
            status = LUA_ERRMEM;
        }
    }
    if (status == LUA_OK) {
        /* the copy runs unprotected: no allocation in L may fail now */
        s->max_steps = LLONG_MAX;
        s->limit = (size_t)-1 / HARD_FACTOR;
        if (copy_value(L, -1, T, 0, &c) == 0) {
            rc = 0;
        } else {
            lua_settop(T, top);
            snprintf(msg, sizeof msg, "%s:%d: the description's result %s", chunk,
                     c.what_line ? c.what_line : *last_line, c.what);
            set_err(err, errlen, msg);
        }
    } else if (s->steps > s->max_steps) {      /* the hook's error, or a refused allocation */
        int line = s->fatal_line ? s->fatal_line : s->last_line;
        if (s->charged > s->steps / 2)
            snprintf(msg, sizeof msg, "%s:%d: the description ran too long: it allocated more than %lld MiB"
                     " in all (an endless loop?)", chunk, line,
                     (s->max_steps << ALLOC_CHARGE_SHIFT) >> 21);   /* at least half of it charged */
        else
            snprintf(msg, sizeof msg, "%s:%d: the description ran for more than %d million instructions"
                     " (an endless loop?)", chunk, line, (int)(s->max_steps / 1000000));
        set_err(err, errlen, msg);
    } else if (s->memory_over || status == LUA_ERRMEM || (status == LUA_ERRERR && s->memory_hit)) {
        snprintf(msg, sizeof msg, "%s:%d: the description used more than %u MiB of memory",
                 chunk, s->fatal_line ? s->fatal_line : s->last_line, (unsigned)(s->limit >> 20));
        set_err(err, errlen, msg);
    } else {
        const char *e = lua_tostring(L, -1);
        size_t n = strlen(chunk);
        /* syntax errors come from the loader, without the message handler;
         * a precompiled chunk is refused there with no position */
        if (e && strstr(e, "attempt to load a binary chunk"))
            snprintf(msg, sizeof msg, "%s:1: this is precompiled Lua; a description must be Lua source text", chunk);
        else if (e && !(strncmp(e, chunk, n) == 0 && e[n] == ':'))
            snprintf(msg, sizeof msg, "%s:1: %s", chunk, e);
        else
            snprintf(msg, sizeof msg, "%s", e ? e : "error");
        for (i = 0; msg[i]; ++i)
            if (msg[i] == '\n' || msg[i] == '\r' || msg[i] == '\t') msg[i] = ' ';
        set_err(err, errlen, msg);
    }
    lua_close(L);
    free(s);
    return rc;
}
