/*
 * host.h -- the trusted Lua state that runs the generator.
 *
 * The generator's Lua modules (gen/lua/) and templates are embedded in the
 * binary; host_new() makes a state where `require("cnngen")` finds them
 * and `require("embedded").read(path)` returns any embedded file;
 * `require("native")` holds what the Lua takes from C (native.fnv1a(text):
 * runtime/hash.h's FNV-1a as 16 hex digits).  Globals
 * are strict: reading or writing an undefined global is an error, so a
 * typo in the generator fails loudly.
 */
#ifndef CNNGEN_HOST_H
#define CNNGEN_HOST_H

#include <stddef.h>
#include "lua.h"
#include "sandbox.h"

/* Exit statuses shared by the whole CLI. */
enum {
    HOST_OK = 0,
    HOST_FAIL = 1,       /* the job ran and failed (check above tolerance, data error) */
    HOST_USER = 2,       /* bad description, flag or input file */
    HOST_INTERNAL = 3    /* a bug in cnngen */
};

/* A new trusted state, or NULL (out of memory). */
lua_State *host_new(void);

/* Run the description src in the sandbox (with `limits`, may be NULL) and
 * push the plain copy of its result onto T.  HOST_OK, or HOST_USER with
 * the one-line message in err. */
int host_sandbox(lua_State *T, const char *src, size_t len, const char *chunk,
                 const sandbox_limits *limits, int *last_line, char *err, size_t errlen);

/* A whole file, malloc'd (*len bytes); NULL with errno set on failure. */
char *host_read_file(const char *path, size_t *len);

/* The characters of a description's source hash (16 hex digits and NUL). */
#define HOST_HASH_HEX 17

/* Read the description file at path and run it in the sandbox (with
 * `limits`, may be NULL), pushing the plain copy of its result onto T;
 * *last_line gets the file's last line and source_hash (HOST_HASH_HEX
 * chars) its FNV-1a hash in hex.  HOST_OK, or HOST_USER with the one-line
 * message in err (an unreadable file: "PATH: cannot read: ..."). */
int host_describe_file(lua_State *T, const char *path, const sandbox_limits *limits,
                       int *last_line, char *source_hash, char *err, size_t errlen);

/* Set what the generator's opts table at opts_idx says of the
 * description: chunk (its name in messages), last_line (when > 0) and
 * source_hash (when not NULL or ""). */
void host_source_opts(lua_State *T, int opts_idx, const char *chunk, int last_line,
                      const char *source_hash);

/* Run the description src (held in memory; `chunk` names it in messages)
 * in the sandbox, then call require("cnngen")[fn](desc, opts) where opts
 * is the table at index `opts_idx` (host_source_opts fills in its chunk,
 * last_line and source_hash); leaves `nres` results on the stack.  Same
 * statuses as host_call. */
int host_describe_source(lua_State *T, const char *src, size_t len, const char *chunk,
                         const char *fn, int opts_idx, int nres, char *err, size_t errlen);

/* Call require("cnngen")[fn] with the nargs values on top of the stack,
 * leaving nres results.  Returns HOST_OK, or HOST_USER / HOST_INTERNAL
 * with the message in err (one line for user errors; for internal ones,
 * with a traceback). */
int host_call(lua_State *T, const char *fn, int nargs, int nres, char *err, size_t errlen);

/* Print an error a host call returned: "<msg>" for user errors (they
 * start with their position), "cnngen: internal error: <msg>" for bugs. */
void host_report(int status, const char *msg);

#endif
