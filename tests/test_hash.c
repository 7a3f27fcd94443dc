/*
 * test_hash.c -- suite "hash": runtime/hash.c, the one 64-bit FNV-1a
 * behind weights checksums, training-state and architecture hashes and
 * the cc cache keys: the published test vectors, piecewise hashing equal
 * to whole, and the generator's Lua getting the same digits from
 * require("native").fnv1a as from C and from shape.lua's own fnv1a.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "lauxlib.h"
#include "lua.h"

#include "hash.h"
#include "host.h"

Test(hash, known_vectors)
{
    cr_assert_eq(fnv1a("", 0), FNV1A_INIT);
    cr_assert_eq(fnv1a("a", 1), 0xaf63dc4c8601ec8cULL);
    cr_assert_eq(fnv1a("foobar", 6), 0x85944171f73967e8ULL);
    cr_assert_eq(fnv1a_update(fnv1a("foo", 3), "bar", 3), 0x85944171f73967e8ULL,
                 "hashing in pieces differs");
    cr_assert_eq(fnv1a_update(FNV1A_INIT, "a", 1), fnv1a("a", 1));
}

/* native.fnv1a(s) in the generator's state, for s of every kind of byte. */
Test(hash, lua_native_fnv1a_is_the_c_hash)
{
    static const char *const texts[] = { "", "a", "foobar", "network { name = 'x' }\n", "\xff\x01" };
    lua_State *T = host_new();
    size_t k;
    cr_assert_not_null(T);
    for (k = 0; k < sizeof texts / sizeof *texts; ++k) {
        char want[17];
        snprintf(want, sizeof want, "%016llx", fnv1a(texts[k], strlen(texts[k])));
        lua_settop(T, 0);
        cr_assert_eq(luaL_loadstring(T, "local t = ...\n"
                                        "return require('native').fnv1a(t), require('shape').fnv1a(t)"), LUA_OK);
        lua_pushstring(T, texts[k]);
        cr_assert_eq(lua_pcall(T, 1, 2, 0), LUA_OK, "%s", lua_tostring(T, -1));
        cr_expect_str_eq(lua_tostring(T, 1), want, "native.fnv1a of text %zu", k);
        cr_expect_str_eq(lua_tostring(T, 2), want, "shape.fnv1a of text %zu", k);
    }
    lua_close(T);
}
