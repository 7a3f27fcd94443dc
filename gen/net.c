/*
 * net.c -- the generator, called once (see net.h): run the description in
 * the sandbox, call cnngen.build (gen/lua/build.lua) with the request as
 * the generator's opts, and read its result into a struct net.
 */
#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "host.h"
#include "weights.h"

/* ------------------------------------------------------- descriptions */

/* See net.h. */
int net_describe(lua_State *T, const char *path, net_desc *d, char *err, size_t errlen)
{
    char hash[HOST_HASH_HEX];
    int last_line, rc;
    memset(d, 0, sizeof *d);
    d->ref = LUA_NOREF;
    rc = host_describe_file(T, path, NULL, &last_line, hash, err, errlen);
    if (rc == HOST_OK)
        net_desc_keep(T, last_line, hash, d);
    return rc;
}

/* See net.h. */
void net_desc_keep(lua_State *T, int last_line, const char *source_hash, net_desc *d)
{
    memset(d, 0, sizeof *d);
    d->T = T;
    d->ref = luaL_ref(T, LUA_REGISTRYINDEX);
    d->last_line = last_line;
    snprintf(d->source_hash, sizeof d->source_hash, "%s", source_hash ? source_hash : "");
}

/* See net.h. */
void net_desc_free(net_desc *d)
{
    if (d->T)
        luaL_unref(d->T, LUA_REGISTRYINDEX, d->ref);
    memset(d, 0, sizeof *d);
    d->ref = LUA_NOREF;
}

/* ------------------------------------------------------------ request */

static void net_set_str(lua_State *T, const char *k, const char *v)
{
    if (v) {
        lua_pushstring(T, v);
        lua_setfield(T, -2, k);
    }
}

/* Push the generator's opts table for rq (cnngen.lua's normalize reads
 * them; build.lua's forms and info). */
static void net_push_opts(lua_State *T, const net_request *rq, const net_desc *d)
{
    int k;
    lua_newtable(T);
    net_set_str(T, "name", rq->name);
    net_set_str(T, "real", rq->real);
    net_set_str(T, "unroll", rq->unroll);
    if (rq->chunk) {
        lua_pushinteger(T, rq->chunk);
        lua_setfield(T, -2, "chunk_size");
    }
    if (rq->batch) {
        lua_pushinteger(T, rq->batch);
        lua_setfield(T, -2, "batch");
    }
    net_set_str(T, "mode", rq->inference ? "inference" : NULL);
    if (rq->info) {
        lua_pushboolean(T, 1);
        lua_setfield(T, -2, "info");
        net_set_str(T, "backend", rq->nforms ? rq->forms[0] : NULL);
    } else {
        lua_createtable(T, rq->nforms, 0);
        for (k = 0; k < rq->nforms; ++k) {
            if (rq->forms[k])
                lua_pushstring(T, rq->forms[k]);
            else
                lua_pushboolean(T, 0);
            lua_rawseti(T, -2, k + 1);
        }
        lua_setfield(T, -2, "forms");
    }
    net_set_str(T, "source", rq->path);
    net_set_str(T, "weights_path", rq->weights);
    net_set_str(T, "quantize", rq->quantize);
    if (rq->calib)
        quant_calib_push(T, rq->calib);
    if (rq->ranges) {
        lua_pushboolean(T, 1);
        lua_setfield(T, -2, "ranges");
    }
    if (rq->activations) {
        lua_pushboolean(T, 1);
        lua_setfield(T, -2, "activations");
    }
    if (rq->profile) {
        lua_pushboolean(T, 1);
        lua_setfield(T, -2, "profile");
    }
    if (rq->momentum) {
        lua_pushboolean(T, 1);
        lua_setfield(T, -2, "momentum");
    }
    if (rq->with_info) {
        lua_pushboolean(T, 1);
        lua_setfield(T, -2, "with_info");
    }
    net_set_str(T, "header_name", rq->header_name);
    net_set_str(T, "c_name", rq->c_name);
    lua_pushcfunction(T, weights_lua_load);
    lua_setfield(T, -2, "load_weights");
    host_source_opts(T, -1, rq->path, d->last_line, d->source_hash);
}

/* ------------------------------------------------------------- result */

/* Field k of the table at idx as a string copied into out ("" if none). */
static void net_str(lua_State *T, int idx, const char *k, char *out, size_t len)
{
    const char *s;
    lua_getfield(T, idx, k);
    s = lua_tostring(T, -1);
    snprintf(out, len, "%s", s ? s : "");
    lua_pop(T, 1);
}

/* Field k of the table at idx as a malloc'd string (*len bytes); NULL
 * when out of memory, "" when there is none. */
static char *net_dup(lua_State *T, int idx, const char *k, size_t *len)
{
    size_t n = 0;
    const char *s;
    char *out;
    lua_getfield(T, idx, k);
    s = lua_tolstring(T, -1, &n);
    out = malloc(n + 1);
    if (out) {
        memcpy(out, s ? s : "", n);
        out[n] = '\0';
    }
    if (len)
        *len = n;
    lua_pop(T, 1);
    return out;
}

static double net_num(lua_State *T, int idx, const char *k)
{
    double v;
    lua_getfield(T, idx, k);
    v = lua_tonumber(T, -1);
    lua_pop(T, 1);
    return v;
}

static long long net_int(lua_State *T, int idx, const char *k)
{
    long long v;
    lua_getfield(T, idx, k);
    v = lua_isinteger(T, -1) ? (long long)lua_tointeger(T, -1) : (long long)lua_tonumber(T, -1);
    lua_pop(T, 1);
    return v;
}

/* The train{} at the top of T's stack into *t: every field but limit is
 * there (the generator's defaults).  0, or -1 naming the missing field. */
static int net_read_train(lua_State *T, net_train *t, char *err, size_t errlen)
{
    static const char *const needed[] = { "eta", "l2", "momentum", "batch", "epochs", "seed", "data",
                                          "expand", NULL };
    int idx = lua_gettop(T), k;
    for (k = 0; needed[k]; ++k) {
        int missing;
        lua_getfield(T, idx, needed[k]);
        missing = lua_isnil(T, -1);
        lua_pop(T, 1);
        if (missing) {
            snprintf(err, errlen, "internal error: the generator's train{} has no %s", needed[k]);
            return -1;
        }
    }
    t->eta = net_num(T, idx, "eta");
    t->l2 = net_num(T, idx, "l2");
    t->momentum = net_num(T, idx, "momentum");
    t->batch = (long)net_int(T, idx, "batch");
    t->epochs = (long)net_int(T, idx, "epochs");
    t->limit = (long)net_int(T, idx, "limit");
    t->seed = (unsigned long long)net_int(T, idx, "seed");
    net_str(T, idx, "data", t->data, sizeof t->data);
    net_str(T, idx, "expand", t->expand, sizeof t->expand);
    return 0;
}

/* s = t[k], a {c, h, w} list (ones where absent). */
static void net_shape(lua_State *T, int idx, const char *k, int *s)
{
    int i;
    lua_getfield(T, idx, k);
    for (i = 0; i < 3; ++i) {
        s[i] = 1;
        if (lua_istable(T, -1)) {
            lua_rawgeti(T, -1, i + 1);
            if (lua_isinteger(T, -1))
                s[i] = (int)lua_tointeger(T, -1);
            lua_pop(T, 1);
        }
    }
    lua_pop(T, 1);
}

/* The layer records at the top of T's stack into n. */
static int net_read_layers(lua_State *T, net *n)
{
    int idx = lua_gettop(T), k, count = (int)lua_rawlen(T, idx);
    n->layers = calloc(count ? (size_t)count : 1, sizeof *n->layers);
    if (!n->layers)
        return -1;
    for (k = 0; k < count; ++k) {
        net_layer *L = &n->layers[k];
        lua_rawgeti(T, idx, k + 1);
        net_str(T, -1, "kind", L->kind, sizeof L->kind);
        net_str(T, -1, "act", L->act, sizeof L->act);
        net_str(T, -1, "desc", L->desc, sizeof L->desc);
        L->index = (int)net_int(T, -1, "index");
        L->woff = (size_t)net_int(T, -1, "woff");
        L->wcount = (size_t)net_int(T, -1, "wcount");
        L->boff = (size_t)net_int(T, -1, "boff");
        L->bcount = (size_t)net_int(T, -1, "bcount");
        net_shape(T, -1, "inshape", L->in);
        net_shape(T, -1, "out", L->out);
        L->kh = (int)net_int(T, -1, "kh");
        L->kw = (int)net_int(T, -1, "kw");
        L->macs_fwd = net_num(T, -1, "macs_fwd");
        L->macs_bwd = net_num(T, -1, "macs_bwd");
        lua_pop(T, 1);
    }
    n->nlayers = count;
    return 0;
}

/* The form (generate's result) at the top of T's stack into f. */
static int net_read_form(lua_State *T, int files, const char *backend, net_form *f)
{
    int idx = lua_gettop(T);
    memset(f, 0, sizeof *f);
    f->backend = backend;
    if (!files)
        return (f->unit = net_dup(T, idx, "unit", NULL)) ? 0 : -1;
    f->c = net_dup(T, idx, "c", &f->clen);
    f->h = net_dup(T, idx, "h", &f->hlen);
    return f->c && f->h ? 0 : -1;
}

/* build's result at res (code) into n. */
static int net_read(lua_State *T, int res, const net_request *rq, net *n, char *err,
                    size_t errlen)
{
    char arch[32];
    int k, bad = 0;
    net_str(T, res, "name", n->name, sizeof n->name);
    net_str(T, res, "cost", n->cost, sizeof n->cost);
    net_str(T, res, "arch_hash", arch, sizeof arch);
    n->arch_hash = strtoull(arch, NULL, 16);
    n->param_count = (size_t)net_int(T, res, "param_count");
    n->in_size = (size_t)net_int(T, res, "in_size");
    n->out_size = (size_t)net_int(T, res, "out_size");
    n->macs_fwd = net_num(T, res, "macs_fwd");
    n->macs_bwd = net_num(T, res, "macs_bwd");
    lua_getfield(T, res, "input");
    lua_rawgeti(T, -1, 1);
    lua_rawgeti(T, -2, 2);
    lua_rawgeti(T, -3, 3);
    n->in_c = (int)lua_tointeger(T, -3);
    n->in_h = (int)lua_tointeger(T, -2);
    n->in_w = (int)lua_tointeger(T, -1);
    lua_pop(T, 4);
    lua_getfield(T, res, "train");
    bad = net_read_train(T, &n->train, err, errlen);
    lua_pop(T, 1);
    if (bad)
        return -1;
    lua_getfield(T, res, "layers");
    bad = net_read_layers(T, n);
    lua_pop(T, 1);
    if (!bad && rq->with_info && !(n->info.text = net_dup(T, res, "info", NULL)))
        bad = 1;
    lua_getfield(T, res, "forms");
    for (k = 0; k < rq->nforms && !bad; ++k) {
        lua_rawgeti(T, -1, k + 1);
        bad = net_read_form(T, rq->files, rq->forms[k], &n->form[k]);
        lua_pop(T, 1);
        n->nforms = k + 1;
    }
    lua_pop(T, 1);
    if (bad)
        snprintf(err, errlen, "out of memory");
    return bad ? -1 : 0;
}

/* build's result at res (info) into i. */
static int net_read_info(lua_State *T, int res, net_info *i, char *err, size_t errlen)
{
    int m;
    if (!(i->text = net_dup(T, res, "info", NULL))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    lua_getfield(T, res, "measure");
    m = lua_gettop(T);
    if (lua_istable(T, m)) {
        i->measured = 1;
        i->c = net_dup(T, m, "c", &i->clen);
        i->h = net_dup(T, m, "h", &i->hlen);
        net_str(T, m, "name", i->name, sizeof i->name);
        net_str(T, m, "header_name", i->header_name, sizeof i->header_name);
        net_str(T, m, "options", i->options, sizeof i->options);
        net_str(T, m, "weights_note", i->weights_note, sizeof i->weights_note);
        i->work_bytes = (size_t)net_int(T, m, "work_bytes");
        i->weights_bytes = (size_t)net_int(T, m, "weights_bytes");
    }
    lua_pop(T, 1);
    if (i->measured && (!i->c || !i->h)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* --------------------------------------------------------------- calls */

/* See net.h. */
int net_generate(lua_State *T, const net_request *rq, net *n, char *err, size_t errlen)
{
    net_desc own;
    const net_desc *d = rq->desc;
    int top = lua_gettop(T), rc;

    memset(n, 0, sizeof *n);
    n->ref = LUA_NOREF;
    memset(&own, 0, sizeof own);
    if (!d) {
        if ((rc = net_describe(T, rq->path, &own, err, errlen)) != HOST_OK)
            return rc;
        d = &own;
    }
    lua_rawgeti(T, LUA_REGISTRYINDEX, d->ref);
    net_push_opts(T, rq, d);
    rc = host_call(T, "build", 2, 1, err, errlen);
    net_desc_free(&own);
    if (rc != HOST_OK) {
        lua_settop(T, top);
        return rc;
    }
    n->files = rq->files;
    n->is_double = rq->real && !strcmp(rq->real, "double");
    if ((rq->info ? net_read_info(T, lua_gettop(T), &n->info, err, errlen)
                  : net_read(T, lua_gettop(T), rq, n, err, errlen)) != 0) {
        lua_settop(T, top);
        net_free(n);
        return HOST_INTERNAL;
    }
    if (rq->more) {
        n->T = T;
        n->ref = luaL_ref(T, LUA_REGISTRYINDEX);
    }
    lua_settop(T, top);
    return HOST_OK;
}

/* See net.h. */
int net_more(net *n, const char *backend, char *err, size_t errlen)
{
    lua_State *T = n->T;
    int top, rc;
    if (!T || n->nforms >= NET_MAX_FORMS) {
        snprintf(err, errlen, "internal error: net_more without rq.more, or past %d forms",
                 NET_MAX_FORMS);
        return HOST_INTERNAL;
    }
    top = lua_gettop(T);
    lua_rawgeti(T, LUA_REGISTRYINDEX, n->ref);
    if (backend)
        lua_pushstring(T, backend);
    else
        lua_pushboolean(T, 0);
    rc = host_call(T, "build_more", 2, 1, err, errlen);
    if (rc == HOST_OK) {
        if (net_read_form(T, n->files, backend, &n->form[n->nforms]) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = HOST_INTERNAL;
        }
        ++n->nforms;                    /* freed by net_free, read or not */
    }
    lua_settop(T, top);
    return rc;
}

/* See net.h. */
void net_free(net *n)
{
    int k;
    for (k = 0; k < n->nforms; ++k) {
        free(n->form[k].unit);
        free(n->form[k].c);
        free(n->form[k].h);
    }
    free(n->info.text);
    free(n->info.c);
    free(n->info.h);
    free(n->layers);
    if (n->T)
        luaL_unref(n->T, LUA_REGISTRYINDEX, n->ref);
    memset(n, 0, sizeof *n);
    n->ref = LUA_NOREF;
}
