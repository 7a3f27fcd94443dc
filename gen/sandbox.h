/*
 * sandbox.h -- run a network description in its own, limited Lua state.
 *
 * A description is untrusted Lua.  It runs in a separate lua_State with a
 * few safe libraries, a memory budget and an instruction budget; what it
 * returns crosses into the trusted (generator's) state as plain data,
 * copied by C with raw access.  See sandbox.c for the rules.
 */
#ifndef CNNGEN_SANDBOX_H
#define CNNGEN_SANDBOX_H

#include <stddef.h>
#include <stdio.h>
#include "lua.h"

typedef struct sandbox_limits {
    size_t memory;              /* bytes the description may allocate */
    long long instructions;     /* VM instructions it may execute */
    /* optional: install more globals (the experiment module of `cnngen
     * run`) after the libraries, before the chunk runs */
    void (*open_extra)(lua_State *L, void *ud);
    void *extra_ud;
} sandbox_limits;

#define SANDBOX_DEFAULT_MEMORY       (64u << 20)
#define SANDBOX_DEFAULT_INSTRUCTIONS 200000000LL

/* Run the description in `source` (len bytes), named `chunk` in messages
 * ("NET.lua"), with the layer constructors named in `kinds` (NULL-ended,
 * e.g. {"conv", "maxpool", "dense", NULL}; `network` is always there).
 * On success push onto the trusted state T a plain-data copy of what the
 * description returned (nil if nothing), set *last_line to the source's last
 * line and return 0.  On a user error push nothing, write the one-line
 * message "CHUNK:LINE: ..." into err and return -1. */
int sandbox_run(lua_State *T, const char *source, size_t len, const char *chunk,
                const char *const *kinds, const sandbox_limits *limits,
                int *last_line, char *err, size_t errlen);

/* Lua's print(...) of the values on L's stack, to f (flushed). */
int sandbox_print_to(lua_State *L, FILE *f);

/* For C functions running inside a sandbox (open_extra's): push onto T a
 * plain-data copy of S's value at idx, by the same rules as the result.
 * 0, or -1 with a one-line message. */
int sandbox_copy(lua_State *S, int idx, lua_State *T, char *err, size_t errlen);

#endif
