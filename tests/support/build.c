/*
 * build.c -- test support: description text -> generated C -> net_api.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lauxlib.h"
#include "host.h"
#include "net.h"

const char *const tb_unrolls[TB_NUNROLLS] = { "none", "kernel", "full" };

static char *dup_field(lua_State *T, int idx, const char *k)
{
    size_t n;
    const char *s;
    char *r;
    lua_getfield(T, idx, k);
    s = lua_tolstring(T, -1, &n);
    r = malloc(n + 1);
    if (r && s) memcpy(r, s, n + 1);
    lua_pop(T, 1);
    return r;
}

static size_t int_field(lua_State *T, int idx, const char *k)
{
    size_t v;
    lua_getfield(T, idx, k);
    v = (size_t)lua_tointeger(T, -1);
    lua_pop(T, 1);
    return v;
}

static int tb_generate_chunk(const char *src, const char *real, const char *unroll, int chunk,
                             const char *backend, tb_gen *g, char *err, size_t errlen);

static const char *tb_prelude;

void tb_set_prelude(const char *lua)
{
    tb_prelude = lua;
}

int tb_generate(const char *src, const char *real, const char *unroll, tb_gen *g,
                char *err, size_t errlen)
{
    return tb_generate_chunk(src, real, unroll, 0, NULL, g, err, errlen);
}

/* backend: the compiler the code is for, as the runner generates it
 * (e^x and tanh for tcc differ from those for cc); NULL: cc's */
static int tb_generate_chunk(const char *src, const char *real, const char *unroll, int chunk,
                             const char *backend, tb_gen *g, char *err, size_t errlen)
{
    lua_State *T = host_new();
    int rc;
    memset(g, 0, sizeof *g);
    if (!T) {
        snprintf(err, errlen, "out of memory");
        return HOST_INTERNAL;
    }
    if (tb_prelude && luaL_dostring(T, tb_prelude) != LUA_OK) {
        snprintf(err, errlen, "the prelude: %s", lua_tostring(T, -1));
        lua_close(T);
        return HOST_INTERNAL;
    }
    lua_newtable(T);
    if (real) { lua_pushstring(T, real); lua_setfield(T, -2, "real"); }
    if (unroll) { lua_pushstring(T, unroll); lua_setfield(T, -2, "unroll"); }
    if (chunk > 0) { lua_pushinteger(T, chunk); lua_setfield(T, -2, "chunk_size"); }
    if (backend) { lua_pushstring(T, backend); lua_setfield(T, -2, "backend"); }
    lua_pushstring(T, "test.lua");
    lua_setfield(T, -2, "source");
    rc = host_describe_source(T, src, strlen(src), "test.lua", "generate", -1, 1, err, errlen);
    if (rc == HOST_OK) {
        g->c = dup_field(T, -1, "c");
        g->h = dup_field(T, -1, "h");
        g->unit = dup_field(T, -1, "unit");
        lua_getfield(T, -1, "name");
        snprintf(g->name, sizeof g->name, "%s", lua_tostring(T, -1));
        lua_pop(T, 1);
        g->param_count = int_field(T, -1, "param_count");
        g->in_size = int_field(T, -1, "in_size");
        g->out_size = int_field(T, -1, "out_size");
    }
    lua_close(T);
    return rc;
}

void tb_gen_free(tb_gen *g)
{
    free(g->c);
    free(g->h);
    free(g->unit);
    memset(g, 0, sizeof *g);
}

/* The cc backend's cache for tests: shared by every test process (entries
 * are keyed by a hash of source and flags, so sharing is safe). */
const char *tb_tmpdir(void)
{
    static char dir[256];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/cnngen-tests-%ld", (long)getuid());
        mkdir(dir, 0700);
    }
    return dir;
}

int tb_build(const char *src, const char *real, const char *unroll, const char *backend,
             const char *cflags, net_api *api, char *err, size_t errlen)
{
    return tb_build_chunk(src, real, unroll, 0, backend, cflags, api, err, errlen);
}

int tb_build_chunk(const char *src, const char *real, const char *unroll, int chunk, const char *backend,
                   const char *cflags, net_api *api, char *err, size_t errlen)
{
    tb_gen g;
    int rc, dbl = real && !strcmp(real, "double");
    memset(api, 0, sizeof *api);
    if (tb_generate_chunk(src, real, unroll, chunk, backend, &g, err, errlen) != 0) return -1;
    if (!strcmp(backend, "tcc")) {
        rc = jit_tcc_build(g.unit, g.name, dbl, g.name, api, err, errlen);
    } else {
        jit_cc_opts o;
        memset(&o, 0, sizeof o);
        o.cc = "cc";
        o.cflags = cflags ? cflags : "-O2";
        o.cache_dir = tb_tmpdir();
        o.quiet = 1;
        rc = jit_cc_build(g.unit, g.name, dbl, g.name, &o, api, err, errlen);
    }
    tb_gen_free(&g);
    return rc;
}

/* See build.h. */
int tb_net(const char *path, const char *src, net *n, net_api *api, char *err, size_t errlen)
{
    lua_State *T;
    net_request rq;
    FILE *f = fopen(path, "w");
    int rc;
    if (!f || fputs(src, f) == EOF || fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    if (!(T = host_new())) {
        snprintf(err, errlen, "cannot start the generator");
        return -1;
    }
    memset(&rq, 0, sizeof rq);
    rq.path = path;
    rq.forms[rq.nforms++] = "tcc";
    rq.real = "float";
    rq.activations = 1;
    rc = net_generate(T, &rq, n, err, errlen);
    lua_close(T);
    if (rc != HOST_OK)
        return -1;
    return api ? net_compile(n, 0, NULL, api, err, errlen) : 0;
}
