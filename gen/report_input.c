/*
 * report_input.c -- what a report is made from besides the weights and the
 * data (see report.h): the runs' epochs (`cnngen run --json` logs, read
 * with cJSON), the class names, and the net's layer records and `cnngen
 * info` text from the generator.
 */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "host.h"

/* ================================================================ */
/* Runs                                                             */
/* ================================================================ */

int report_run_push(report_run *r, const report_epoch *e)
{
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 16;
        report_epoch *p = realloc(r->e, (size_t)cap * sizeof *p);
        if (!p) return -1;
        r->e = p;
        r->cap = cap;
    }
    r->e[r->n++] = *e;
    return 0;
}

void report_run_free(report_run *r)
{
    free(r->e);
    memset(r, 0, sizeof *r);
}

/* The number j[key] into *v: 0; absent and optional: 0 with *v = dflt; else -1. */
static int report_num(const cJSON *j, const char *key, int null_ok, int optional, double dflt, double *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, key);
    *v = dflt;
    if (!x) return optional ? 0 : -1;
    if (null_ok && cJSON_IsNull(x)) {
        *v = NAN;
        return 0;
    }
    if (!cJSON_IsNumber(x)) return -1;
    *v = x->valuedouble;
    return 0;
}

/* One line of `run --json` into *e; 0 or -1. */
static int report_epoch_parse(const char *line, size_t len, report_epoch *e)
{
    cJSON *j = cJSON_ParseWithLength(line, len);
    double epoch;
    int rc = -1;
    if (j && cJSON_IsObject(j)
        && report_num(j, "epoch", 0, 0, 0, &epoch) == 0 && epoch >= 1 && epoch <= 1e9 && epoch == floor(epoch)
        && report_num(j, "cost", 1, 0, 0, &e->cost) == 0
        && report_num(j, "accuracy", 0, 0, 0, &e->accuracy) == 0
        && report_num(j, "seconds", 0, 1, 0, &e->seconds) == 0
        && report_num(j, "samples_per_s", 0, 1, 0, &e->samples_per_s) == 0) {
        e->epoch = (int)epoch;
        rc = 0;
    }
    cJSON_Delete(j);
    return rc;
}

int report_run_read(const char *spec, report_run *r, char *err, size_t errlen)
{
    const char *path = spec, *eq = strchr(spec, '='), *base;
    struct stat st;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, rc = -1;
    FILE *f;
    memset(r, 0, sizeof *r);
    if (eq && stat(spec, &st) != 0) {           /* LABEL=FILE */
        snprintf(r->label, sizeof r->label, "%.*s", (int)(eq - spec), spec);
        path = eq + 1;
    } else {
        base = strrchr(path, '/');
        snprintf(r->label, sizeof r->label, "%s", base ? base + 1 : path);
    }
    f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "--runs %s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        report_epoch e;
        ++lineno;
        if (strspn(line, " \t\r\n") == (size_t)len) continue;
        if (report_epoch_parse(line, (size_t)len, &e) != 0) {
            snprintf(err, errlen, "%s:%d: not an epoch of `cnngen run --json` output (an object with "
                     "\"epoch\", \"cost\", \"accuracy\", ...)", path, lineno);
            goto done;
        }
        if (report_run_push(r, &e) != 0) {
            snprintf(err, errlen, "--runs %s: out of memory", path);
            goto done;
        }
    }
    if (ferror(f)) {
        snprintf(err, errlen, "--runs %s: cannot read: %s", path, strerror(errno));
        goto done;
    }
    if (r->n == 0) {
        snprintf(err, errlen, "%s: no epochs in it (give the output of `cnngen run --json`)", path);
        goto done;
    }
    rc = 0;
done:
    free(line);
    fclose(f);
    if (rc != 0) report_run_free(r);
    return rc;
}

/* ================================================================ */
/* Class names                                                      */
/* ================================================================ */

void report_names_free(char **names, int classes)
{
    int k;
    for (k = 0; names && k < classes; ++k)
        free(names[k]);
    free(names);
}

int report_names_read(const char *path, int classes, char ***out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char **names = calloc((size_t)classes, sizeof *names), *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int n = 0, blank = 0, rc = -1;
    *out = NULL;
    if (!f || !names) {
        snprintf(err, errlen, "--names %s: cannot read: %s", path, f ? "out of memory" : strerror(errno));
        goto done;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0) {                 /* only trailing empty lines may be */
            ++blank;
            continue;
        }
        if (blank || n == classes) {
            snprintf(err, errlen, "%s:%d: %s", path, n + blank + 1,
                     blank ? "an empty line among the names (one name a line)"
                           : "more names than the network's classes");
            goto done;
        }
        if (!(names[n++] = strdup(line))) {
            snprintf(err, errlen, "--names %s: out of memory", path);
            goto done;
        }
    }
    if (n != classes) {
        snprintf(err, errlen, "%s: %d names, but the network has %d classes (one name a line)", path, n, classes);
        goto done;
    }
    *out = names;
    names = NULL;
    rc = 0;
done:
    if (f) fclose(f);
    free(line);
    report_names_free(names, classes);
    return rc;
}

/* ================================================================ */
/* The net                                                          */
/* ================================================================ */

static double report_field(lua_State *T, int idx, const char *k)
{
    double v;
    lua_getfield(T, idx, k);
    v = lua_isnumber(T, -1) ? lua_tonumber(T, -1) : 0;
    lua_pop(T, 1);
    return v;
}

static void report_string(lua_State *T, int idx, const char *k, char *out, size_t len)
{
    lua_getfield(T, idx, k);
    snprintf(out, len, "%s", lua_isstring(T, -1) ? lua_tostring(T, -1) : "");
    lua_pop(T, 1);
}

/* s = t[k], a {c, h, w} list. */
static void report_triple(lua_State *T, int idx, const char *k, int *s)
{
    int i;
    lua_getfield(T, idx, k);
    for (i = 0; i < 3; ++i) {
        s[i] = 1;
        if (lua_istable(T, -1)) {
            lua_rawgeti(T, -1, i + 1);
            if (lua_isinteger(T, -1)) s[i] = (int)lua_tointeger(T, -1);
            lua_pop(T, 1);
        }
    }
    lua_pop(T, 1);
}

/* The resolved net at idx into n (not its info). */
static int report_net_fill(lua_State *T, int idx, report_net *n)
{
    int k;
    idx = lua_absindex(T, idx);
    report_string(T, idx, "name", n->name, sizeof n->name);
    report_string(T, idx, "cost", n->cost, sizeof n->cost);
    report_triple(T, idx, "input", n->in);
    lua_getfield(T, idx, "layers");
    n->nlayers = lua_istable(T, -1) ? (int)lua_rawlen(T, -1) : 0;
    n->layers = calloc(n->nlayers ? (size_t)n->nlayers : 1, sizeof *n->layers);
    if (!n->layers) {
        lua_pop(T, 1);
        return -1;
    }
    for (k = 0; k < n->nlayers; ++k) {
        report_layer *L = &n->layers[k];
        int t;
        lua_rawgeti(T, -1, k + 1);
        t = lua_gettop(T);
        report_string(T, t, "kind", L->kind, sizeof L->kind);
        report_string(T, t, "act", L->act, sizeof L->act);
        report_string(T, t, "desc", L->desc, sizeof L->desc);
        L->index = k + 1;
        report_triple(T, t, "inshape", L->in);
        report_triple(T, t, "out", L->out);
        L->kh = (int)report_field(T, t, "kh");
        L->kw = (int)report_field(T, t, "kw");
        L->woff = (size_t)report_field(T, t, "woff");
        L->wcount = (size_t)report_field(T, t, "wcount");
        L->bcount = (size_t)report_field(T, t, "bcount");
        L->macs_fwd = report_field(T, t, "macs_fwd");
        L->macs_bwd = report_field(T, t, "macs_bwd");
        lua_pop(T, 1);
    }
    lua_pop(T, 1);
    return 0;
}

/* The info text at the top of T's stack into n->info. */
static int report_net_info(lua_State *T, report_net *n)
{
    const char *s = lua_tostring(T, -1);
    n->info = strdup(s ? s : "");
    return n->info ? 0 : -1;
}

int report_net_describe(lua_State *T, const cli_opts *o, report_net *n, char *err, size_t errlen)
{
    cli_opts d = *o;                    /* the training net's table */
    int top = lua_gettop(T), rc;
    memset(n, 0, sizeof *n);
    err[0] = '\0';
    d.quantize = NULL;
    d.calib = NULL;
    d.inference = 0;
    d.jit_ranges = 0;
    cli_push_gen_opts(T, &d);
    rc = host_describe_call(T, o->net, "resolve", -1, 1, err, errlen);
    if (rc == HOST_OK && report_net_fill(T, -1, n) != 0) rc = HOST_INTERNAL;
    lua_settop(T, top);
    if (rc == HOST_OK) {
        cli_push_gen_opts(T, &d);
        rc = host_describe_call(T, o->net, "info", -1, 2, err, errlen);
        if (rc == HOST_OK) {
            lua_pop(T, 1);
            if (report_net_info(T, n) != 0) rc = HOST_INTERNAL;
        }
        lua_settop(T, top);
    }
    if (rc == HOST_INTERNAL && !err[0]) snprintf(err, errlen, "out of memory");
    if (rc != HOST_OK) report_net_free(n);
    return rc;
}

int report_net_of(lua_State *T, int desc, const char *chunk, report_net *n, char *err, size_t errlen)
{
    int top = lua_gettop(T), rc, pass;
    memset(n, 0, sizeof *n);
    desc = lua_absindex(T, desc);
    err[0] = '\0';
    for (pass = 0; pass < 2; ++pass) {
        lua_pushvalue(T, desc);
        lua_createtable(T, 0, 2);
        lua_pushstring(T, chunk);
        lua_setfield(T, -2, "chunk");
        lua_pushstring(T, chunk);
        lua_setfield(T, -2, "source");
        rc = host_call(T, pass ? "info" : "resolve", 2, pass ? 2 : 1, err, errlen);
        if (rc == HOST_OK) {
            if (pass) lua_pop(T, 1);
            if (pass ? report_net_info(T, n) : report_net_fill(T, -1, n)) rc = HOST_INTERNAL;
        }
        lua_settop(T, top);
        if (rc != HOST_OK) break;
    }
    if (rc == HOST_INTERNAL && !err[0]) snprintf(err, errlen, "out of memory");
    if (rc != HOST_OK) report_net_free(n);
    return rc;
}

void report_net_free(report_net *n)
{
    free(n->layers);
    free(n->info);
    memset(n, 0, sizeof *n);
}
