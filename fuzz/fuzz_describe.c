/*
 * fuzz_describe.c -- fuzz target: a network description's source text.
 *
 * The input runs in the sandbox (gen/sandbox.c) as a description named
 * fuzz.lua; what it returns goes through the generator's checks (gen/lua:
 * the DSL, the checks, the shapes: cnngen.resolve) and, for one input in
 * FUZZ_GENERATE (chosen by the input's hash, so an input is always treated
 * the same way) that lists at most FUZZ_GENERATE_LAYERS layers, on to its
 * training code in one form (--real float --unroll none), which tcc
 * compiles: generating costs ten times what checking does, and a network
 * of the most layers a description may have (1,000) takes a minute under
 * the fuzzer's instrumentation.  Every input must end in a user error -- one line,
 * naming fuzz.lua -- or in a network (and code that compiles): an internal
 * error (HOST_INTERNAL, or generated code that tcc refuses) aborts, and so
 * does a message of several lines.
 *
 * The sandbox's budgets are lowered from the defaults (64 MiB, 200 million
 * instructions) to FUZZ_MEMORY and FUZZ_INSTRUCTIONS, so that every input
 * ends in well under a second (a count hook on every instruction makes the
 * sandbox run about 20 ns an instruction).
 */
#include <stdio.h>
#include <string.h>

#include "lauxlib.h"
#include "fuzz.h"
#include "hash.h"
#include "host.h"
#include "jit.h"

#define FUZZ_CHUNK "fuzz.lua"
#define FUZZ_MEMORY (16u << 20)
#define FUZZ_INSTRUCTIONS 5000000LL
#define FUZZ_GENERATE 4
#define FUZZ_GENERATE_LAYERS 16

/* The layers the description's result lists (0 if it is not a network). */
static size_t layer_count(lua_State *T, int desc)
{
    size_t n = 0;
    if (lua_type(T, desc) == LUA_TTABLE && lua_getfield(T, desc, "_args") == LUA_TTABLE &&
        lua_getfield(T, -1, "layers") == LUA_TTABLE)
        n = lua_rawlen(T, -1);
    lua_settop(T, desc);
    return n;
}

/* The adapter: run the description src in the sandbox and call the
 * generator on what it returned: cnngen.generate when *generate is set
 * and the result lists few enough layers (else *generate is cleared),
 * else cnngen.resolve; leaves the result on T's stack. */
static int describe(lua_State *T, const char *src, size_t len, int *generate, char *err, size_t errlen)
{
    sandbox_limits lim = { FUZZ_MEMORY, FUZZ_INSTRUCTIONS, NULL, NULL };
    int last_line, rc = host_sandbox(T, src, len, FUZZ_CHUNK, &lim, &last_line, err, errlen);
    if (rc != HOST_OK) return rc;
    if (layer_count(T, lua_gettop(T)) > FUZZ_GENERATE_LAYERS) *generate = 0;
    lua_newtable(T);
    lua_pushstring(T, FUZZ_CHUNK);
    lua_setfield(T, -2, "chunk");
    lua_pushinteger(T, last_line);
    lua_setfield(T, -2, "last_line");
    lua_pushstring(T, "none");
    lua_setfield(T, -2, "unroll");
    return host_call(T, *generate ? "generate" : "resolve", 2, 1, err, errlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lua_State *T;
    char err[4096];
    int rc, generate;
    if (!T) {
        if (!(T = host_new())) fuzz_bug("host_new", "out of memory");
        fuzz_lua_coverage(T);
    }
    generate = fnv1a(data, size) % FUZZ_GENERATE == 0;
    rc = describe(T, (const char *)data, size, &generate, err, sizeof err);
    if (rc == HOST_INTERNAL) fuzz_bug("internal error", err);
    if (rc != HOST_OK) {
        fuzz_check_message("user error", err, FUZZ_CHUNK);
    } else if (generate) {
        net_api api;
        const char *unit, *name;
        lua_getfield(T, -1, "unit");
        lua_getfield(T, -2, "name");
        unit = lua_tostring(T, -2);
        name = lua_tostring(T, -1);
        if (!unit || !name) fuzz_bug("generate", "no unit or no name in its result");
        if (jit_tcc_build(unit, name, 0, name, &api, err, sizeof err) != 0) fuzz_bug("tcc", err);
        jit_release(&api);
    }
    lua_settop(T, 0);
    return 0;
}
