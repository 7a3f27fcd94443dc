/*
 * test_emit_scale.c -- suite "emit_scale": generating a network costs in
 * proportion to its layers.  Every layer's templates once recomputed the
 * training chunk (shape.chunk), which walks every layer: a network of
 * 1,000 layers took 30 s to generate, 4,000 would have taken ten minutes
 * (found fuzzing descriptions: docs/fuzzing.md).  The test counts the
 * calls of the layer kinds' work() -- what shape.chunk walks -- while
 * generating a network of N layers and one of 2N, in-process.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "lauxlib.h"
#include "host.h"

/* Wrap every kind's work() with a counter in the registry module. */
static const char es_count[] =
    "local r = require('registry')\n"
    "r.work_calls = 0\n"
    "for _, kind in pairs(r.kinds) do\n"
    "  local work = kind.work\n"
    "  kind.work = function(...) r.work_calls = r.work_calls + 1 return work(...) end\n"
    "end\n";

/* work() calls while generating the training code of `layers` dense layers. */
static long es_work_calls(int layers)
{
    char src[512], err[4096];
    lua_State *T = host_new();
    long calls;
    int rc;
    cr_assert_not_null(T);
    cr_assert_eq(luaL_dostring(T, es_count), LUA_OK, "%s", lua_tostring(T, -1));
    snprintf(src, sizeof src,
             "local L = {}\n"
             "for i = 1, %d do L[i] = dense { units = 3, act = 'relu' } end\n"
             "L[#L + 1] = dense { units = 2, act = 'softmax' }\n"
             "return network { name = 'deep', input = { 1, 2, 2 }, layers = L }\n", layers - 1);
    lua_newtable(T);
    rc = host_describe_source(T, src, strlen(src), "deep.lua", "generate", -1, 1, err, sizeof err);
    cr_assert_eq(rc, HOST_OK, "%s", err);
    cr_assert_eq(luaL_dostring(T, "return require('registry').work_calls"), LUA_OK);
    calls = (long)lua_tointeger(T, -1);
    lua_close(T);
    return calls;
}

Test(emit_scale, generating_is_linear_in_the_layers)
{
    long n = es_work_calls(40), n2 = es_work_calls(80);
    cr_assert_gt(n, 40);
    cr_expect_leq(n2, n * 5 / 2, "40 layers: %ld calls of work(), 80 layers: %ld (%.1f times as many)", n, n2,
                  (double)n2 / (double)n);
}
