/*
 * weights.h -- weights files as the generator sees them: a Lua function
 * that loads one into a table, checked against the network's layout.
 */
#ifndef CNNGEN_WEIGHTS_H
#define CNNGEN_WEIGHTS_H

#include "lua.h"

/* Lua: load_weights(path, count, arch_hash_hex, real) -> values, file_hash_hex
 * values is a list of `count` numbers (1-based; converted to `real`,
 * "float" or "double"); raises a user error for a missing, foreign,
 * truncated or mismatched file. */
int weights_lua_load(lua_State *L);

#endif
