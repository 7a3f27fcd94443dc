/*
 * calib.c -- a calibration for --quantize int8 (see calib.h).
 */
#include "calib.h"

#include <stdlib.h>
#include <string.h>

void quant_calib_free(quant_calib *c)
{
    free(c->lo);
    free(c->hi);
    memset(c, 0, sizeof *c);
}

/* See calib.h. */
void quant_calib_push(lua_State *T, const quant_calib *c)
{
    int t;
    lua_createtable(T, 0, 3);
    lua_pushinteger(T, (lua_Integer)c->n);
    lua_setfield(T, -2, "n");
    lua_pushstring(T, c->data);
    lua_setfield(T, -2, "data");
    lua_newtable(T);
    for (t = 0; t < c->ntensors; ++t) {
        if (!(c->lo[t] <= c->hi[t]))
            continue;
        lua_createtable(T, 0, 2);
        lua_pushnumber(T, c->lo[t]);
        lua_setfield(T, -2, "lo");
        lua_pushnumber(T, c->hi[t]);
        lua_setfield(T, -2, "hi");
        lua_rawseti(T, -2, t);
    }
    lua_setfield(T, -2, "ranges");
    lua_setfield(T, -2, "calibration");
}
