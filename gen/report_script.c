/*
 * report_script.c -- an experiment's model:report(path, opts) (see
 * experiment.c): the runs and class names from the script's table opts,
 *
 *   runs  = { { label = "eta 0.1", epochs = model:history() }, ... }
 *   names = { "T-shirt/top", "Trouser", ... }
 *
 * then the test evaluation and the page (report.h).  The table is checked
 * whole before anything is allocated, so an error raised at the script
 * leaks nothing.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"

/* t[k] of the table at t (a number, or nil when optional: dflt). */
static double script_num(lua_State *L, int t, const char *k, int optional, double dflt, int run, int ep)
{
    double v = dflt;
    lua_getfield(L, t, k);
    if (lua_type(L, -1) == LUA_TNUMBER)
        v = lua_tonumber(L, -1);
    else if (!optional || !lua_isnil(L, -1))
        luaL_error(L, "report: runs[%d].epochs[%d].%s must be a number", run, ep, k);
    lua_pop(L, 1);
    return v;
}

/* Check opts.runs (at index runs) whole; fill r (nruns entries) when r is
 * not NULL.  Returns the number of runs, or -1 out of memory. */
static int script_runs(lua_State *L, int runs, report_run *r)
{
    int n = (int)luaL_len(L, runs), i, k;
    for (i = 1; i <= n; ++i) {
        int run, eps, m;
        lua_rawgeti(L, runs, i);
        run = lua_gettop(L);
        if (!lua_istable(L, run)) luaL_error(L, "report: runs[%d] must be { label = ..., epochs = ... }", i);
        lua_getfield(L, run, "label");
        if (!lua_isstring(L, -1)) luaL_error(L, "report: runs[%d].label must be a string", i);
        if (r) snprintf(r[i - 1].label, sizeof r[i - 1].label, "%s", lua_tostring(L, -1));
        lua_getfield(L, run, "epochs");
        eps = lua_gettop(L);
        if (!lua_istable(L, eps)) luaL_error(L, "report: runs[%d].epochs must be a list (model:history())", i);
        m = (int)luaL_len(L, eps);
        for (k = 1; k <= m; ++k) {
            report_epoch e;
            int t;
            lua_rawgeti(L, eps, k);
            t = lua_gettop(L);
            if (!lua_istable(L, t)) luaL_error(L, "report: runs[%d].epochs[%d] must be a table", i, k);
            e.epoch = (int)script_num(L, t, "epoch", 1, k, i, k);
            e.cost = script_num(L, t, "cost", 1, NAN, i, k);
            e.accuracy = script_num(L, t, "accuracy", 0, 0, i, k);
            e.seconds = script_num(L, t, "seconds", 1, 0, i, k);
            e.samples_per_s = script_num(L, t, "samples_per_s", 1, 0, i, k);
            if (r && report_run_push(&r[i - 1], &e) != 0) return -1;
            lua_pop(L, 1);
        }
        lua_settop(L, run - 1);
    }
    return n;
}

/* Check opts.names (at index t) for `classes` strings; fill names when not NULL. */
static void script_names(lua_State *L, int t, int classes, const char **names)
{
    int k;
    if ((int)luaL_len(L, t) != classes)
        luaL_error(L, "report: names must list the network's %d classes, not %d", classes, (int)luaL_len(L, t));
    for (k = 1; k <= classes; ++k) {
        lua_rawgeti(L, t, k);
        if (!lua_isstring(L, -1)) luaL_error(L, "report: names[%d] must be a string", k);
        if (names) names[k - 1] = lua_tostring(L, -1);    /* the table keeps it */
        lua_pop(L, 1);
    }
}

void report_script(lua_State *L, int opts, report_in *in, const report_run *own, train_cost cost,
                   const char *path)
{
    char err[1024];
    int runs, names, nruns = 1, classes = (int)in->api->out_size, rc = -1, k;
    report_run *r = NULL;
    const char **nm = NULL;
    train_eval_result ev;
    opts = lua_absindex(L, opts);
    lua_getfield(L, opts, "runs");
    runs = lua_gettop(L);
    lua_getfield(L, opts, "names");
    names = lua_gettop(L);
    if (!lua_isnil(L, runs)) {
        luaL_checktype(L, runs, LUA_TTABLE);
        nruns = script_runs(L, runs, NULL);
    }
    if (!lua_isnil(L, names)) {
        luaL_checktype(L, names, LUA_TTABLE);
        script_names(L, names, classes, NULL);
    }
    /* checked: from here on nothing raises until the end */
    memset(&ev, 0, sizeof ev);
    r = calloc(nruns ? (size_t)nruns : 1, sizeof *r);
    nm = calloc((size_t)classes, sizeof *nm);
    snprintf(err, sizeof err, "report: out of memory");
    if (!r || !nm || (!lua_isnil(L, runs) && script_runs(L, runs, r) < 0))
        goto done;
    if (lua_isnil(L, runs)) {           /* the model's own epochs */
        snprintf(r[0].label, sizeof r[0].label, "%s", own->label);
        for (k = 0; k < own->n; ++k)
            if (report_run_push(&r[0], &own->e[k]) != 0) goto done;
    }
    if (!lua_isnil(L, names)) {
        script_names(L, names, classes, nm);
        in->names = nm;
    }
    in->runs = r;
    in->nruns = nruns;
    if (train_eval(in->api, in->params, in->test, cost, NULL, NULL, &ev, err, sizeof err) != 0)
        goto done;
    in->eval = &ev;
    rc = report_write(path, in, err, sizeof err);
done:
    train_eval_free(&ev);
    for (k = 0; r && k < nruns; ++k)
        report_run_free(&r[k]);
    free(r);
    free(nm);
    lua_settop(L, runs - 1);
    if (rc != 0) luaL_error(L, "%s", err);
}
