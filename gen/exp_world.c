/*
 * exp_world.c -- the experiment module's view of an mpirun job, for
 * sweeps: one script, run by every rank, trains its own share of the
 * configurations and gathers the results to rank 0.
 *
 *   local rank, size = cnngen.world()   -- 0, 1 without mpirun
 *   local all = cnngen.gather(value)    -- rank 0: { value of rank 0, of rank 1, ... };
 *                                       -- the other ranks: nil
 *
 * A value is plain data: nil, a boolean, a number, a string, or a table
 * of those (string or number keys, nested at most EXPW_DEPTH deep, no
 * cycles): the results of runs and model:history() tables.  It crosses
 * as text, numbers exactly (integers in decimal, floats as C's hexadecimal
 * %a), so rank 0 prints the same digits whichever rank trained.
 *
 * Encoding: n (nil), t / f, i<integer>; d<%a>; s<length>:<bytes>,
 * T<key value>...E.
 */
#include "exp_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "world.h"

#define EXPW_DEPTH 16

/* Push the encoding of the value at idx, a string. */
static void expw_put(lua_State *L, int idx, int depth)
{
    size_t len;
    const char *s;
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 8, "gather: value too deep");
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        lua_pushliteral(L, "n");
        return;
    case LUA_TBOOLEAN:
        lua_pushstring(L, lua_toboolean(L, idx) ? "t" : "f");
        return;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            lua_pushfstring(L, "i%I;", lua_tointeger(L, idx));
        else {
            char num[64];
            snprintf(num, sizeof num, "d%a;", (double)lua_tonumber(L, idx));
            lua_pushstring(L, num);
        }
        return;
    case LUA_TSTRING:
        s = lua_tolstring(L, idx, &len);
        lua_pushfstring(L, "s%d:", (int)len);
        lua_pushlstring(L, s, len);
        lua_concat(L, 2);
        return;
    case LUA_TTABLE:
        if (depth >= EXPW_DEPTH)
            luaL_error(L, "gather: tables nested more than %d deep (a cycle?)", EXPW_DEPTH);
        lua_pushliteral(L, "T");                        /* acc */
        lua_pushnil(L);
        while (lua_next(L, idx)) {                      /* acc key value */
            int kt = lua_type(L, -2);
            if (kt != LUA_TSTRING && kt != LUA_TNUMBER)
                luaL_error(L, "gather: a table key must be a string or a number, not a %s",
                           luaL_typename(L, -2));
            expw_put(L, -2, depth + 1);                 /* acc key value enc(key) */
            expw_put(L, -2, depth + 1);                 /* ... enc(key) enc(value) */
            lua_concat(L, 2);
            lua_pushvalue(L, -4);
            lua_insert(L, -2);
            lua_concat(L, 2);                           /* acc key value acc' */
            lua_replace(L, -4);
            lua_pop(L, 1);                              /* acc' key */
        }
        lua_pushliteral(L, "E");
        lua_concat(L, 2);
        return;
    default:
        luaL_error(L, "gather: a %s cannot cross between ranks (plain data only)",
                   luaL_typename(L, idx));
    }
}

/* Push the value encoded at *p (advanced past it); 0, or -1 when the
 * text is not an encoding (a bug: every rank runs this file). */
static int expw_get(lua_State *L, const char **p, const char *end, int depth)
{
    const char *s = *p;
    char *stop;
    if (s >= end || depth > EXPW_DEPTH)
        return -1;
    switch (*s++) {
    case 'n': lua_pushnil(L); break;
    case 't': lua_pushboolean(L, 1); break;
    case 'f': lua_pushboolean(L, 0); break;
    case 'i':
        lua_pushinteger(L, (lua_Integer)strtoll(s, &stop, 10));
        if (*stop != ';') return -1;
        s = stop + 1;
        break;
    case 'd':
        lua_pushnumber(L, (lua_Number)strtod(s, &stop));
        if (*stop != ';') return -1;
        s = stop + 1;
        break;
    case 's': {
        size_t len = (size_t)strtoull(s, &stop, 10);
        if (*stop != ':' || len > (size_t)(end - stop - 1)) return -1;
        lua_pushlstring(L, stop + 1, len);
        s = stop + 1 + len;
        break;
    }
    case 'T':
        lua_newtable(L);
        while (s < end && *s != 'E') {
            if (expw_get(L, &s, end, depth + 1) != 0 || expw_get(L, &s, end, depth + 1) != 0)
                return -1;
            lua_rawset(L, -3);
        }
        if (s >= end) return -1;
        ++s;
        break;
    default:
        return -1;
    }
    *p = s;
    return 0;
}

/* See exp_world.h. */
int exp_world(lua_State *L)
{
    world *w = world_process();
    lua_pushinteger(L, w ? w->rank : 0);
    lua_pushinteger(L, w ? w->size : 1);
    return 2;
}

/* See exp_world.h. */
int exp_gather(lua_State *L)
{
    world *w = world_process();
    char **all;
    size_t *lens;
    size_t len;
    const char *text;
    int r;
    lua_settop(L, 1);
    expw_put(L, 1, 0);
    if (!w) {                           /* one process: a list of one */
        lua_createtable(L, 1, 0);
        lua_pushvalue(L, 1);
        lua_rawseti(L, -2, 1);
        return 1;
    }
    text = lua_tolstring(L, -1, &len);
    lens = calloc((size_t)w->size, sizeof *lens);
    if (!lens)
        return luaL_error(L, "gather: out of memory");
    all = w->gather(w, text, len, lens);
    if (!all) {
        free(lens);
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, w->size, 0);
    for (r = 0; r < w->size; ++r) {
        const char *p = all[r];
        if (expw_get(L, &p, all[r] + lens[r], 0) != 0 || p != all[r] + lens[r]) {
            fprintf(stderr, "cnngen: internal error: rank %d's gathered value does not decode\n", r);
            w->abort(w, 3);
        }
        lua_rawseti(L, -2, r + 1);
        free(all[r]);
    }
    free(all);
    free(lens);
    return 1;
}
