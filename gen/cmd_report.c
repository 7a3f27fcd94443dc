/*
 * cmd_report.c -- `cnngen report NET.lua --weights W -o report.html`: the
 * training report of trained weights (report.h), with
 *   --runs [LABEL=]FILE   a `cnngen run --json` log to draw (repeatable:
 *                         one curve each)
 *   --data D              the data set (as eval: else the description's)
 *   --names FILE          class names, one a line
 *   --quantize int8 [--calibrate N]   the int8 code's accuracy beside
 *   --backend tcc|cc      the build (cc by default, as eval)
 * Bad input -- a flag, the weights of another net, a --runs file that is
 * not `run --json` output, names that do not fit, an output path that
 * cannot be written -- is one line on stderr and status 2, and leaves no
 * file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "host.h"
#include "quantize.h"
#include "report.h"

typedef struct report_job {
    cli_net net, q8;
    report_net desc;
    dataset ds;
    float *params;
    const char *data;
    report_run runs[CLI_MAX_NETS];
    int nruns;
    char **names;
    train_eval_result ev, evq;
    long calibrated;
} report_job;

/* The float net, built with its activation read-out, with its weights and
 * the data set: the one place this command builds a net. */
static int report_build(lua_State *T, const cli_opts *o, report_job *j)
{
    cli_opts a = *o;
    char *unit;
    const char *backend = o->backend && strcmp(o->backend, "auto") ? o->backend : "cc";
    int rc;
    a.jit_activations = 1;
    a.quantize = NULL;                  /* the float net; report_build_q8 quantizes */
    if ((rc = cli_net_generate(T, &a, 0, backend, &j->net, &unit)) != HOST_OK)
        return rc;
    j->params = malloc(j->net.api.param_count * sizeof *j->params);
    if (!j->params) {
        fprintf(stderr, "cnngen: out of memory for %zu parameters\n", j->net.api.param_count);
        free(unit);
        return HOST_INTERNAL;
    }
    if (cli_load_weights_data(o, &j->net, j->params, &j->ds, &j->data) != 0) {
        free(unit);
        return HOST_USER;
    }
    return cli_net_compile(0, &j->net, unit);
}

/* --quantize int8: the int8 inference code, calibrated, as eval builds it. */
static int report_build_q8(lua_State *T, const cli_opts *o, report_job *j)
{
    quant_calib cal;
    cli_opts q = *o;
    int rc;
    if ((rc = quant_calibrate(T, o, HOST_USER, NULL, &cal)) != HOST_OK)
        return rc;
    q.inference = 1;
    q.calib = &cal;
    j->calibrated = cal.n;
    rc = cli_net_build(T, &q, 0, "cc", &j->q8);
    quant_calib_free(&cal);
    return rc;
}

/* Evaluate api (params NULL: inference code) on the test images. */
static int report_eval(const report_job *j, const net_api *api, const float *params, train_eval_result *r)
{
    char err[512];
    train_cost kind;
    if (train_cost_parse(j->net.cost, &kind) != 0)
        kind = TRAIN_COST_LOGLIK;
    if (train_eval(api, params, &j->ds.test, kind, NULL, NULL, r, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    return HOST_OK;
}

static int report_make(lua_State *T, const cli_opts *o, report_job *j)
{
    char err[4096];
    report_in in;
    int k, rc;
    for (k = 0; k < o->nrun_logs; ++k, ++j->nruns)
        if (report_run_read(o->run_logs[k], &j->runs[k], err, sizeof err) != 0) {
            fprintf(stderr, "cnngen: %s\n", err);
            return HOST_USER;
        }
    if ((rc = report_build(T, o, j)) != HOST_OK)
        return rc;
    if (o->names && report_names_read(o->names, (int)j->net.api.out_size, &j->names, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_USER;
    }
    if ((rc = report_net_describe(T, o, &j->desc, err, sizeof err)) != HOST_OK) {
        cli_error(rc, err);
        return rc;
    }
    if ((rc = report_eval(j, &j->net.api, j->params, &j->ev)) != HOST_OK)
        return rc;
    if (o->quantize && ((rc = report_build_q8(T, o, j)) != HOST_OK
                        || (rc = report_eval(j, &j->q8.api, NULL, &j->evq)) != HOST_OK))
        return rc;
    memset(&in, 0, sizeof in);
    in.net = &j->desc;
    in.prefix = j->net.name;
    in.api = &j->net.api;
    in.params = j->params;
    in.test = &j->ds.test;
    in.data = j->data;
    in.weights = o->weights;
    in.names = (const char *const *)j->names;
    in.runs = j->runs;
    in.nruns = j->nruns;
    in.eval = &j->ev;
    in.eval_q8 = o->quantize ? &j->evq : NULL;
    in.q8_calibrated = j->calibrated;
    if (report_write(o->output, &in, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_USER;
    }
    return HOST_OK;
}

int cmd_report(lua_State *T, const cli_opts *o)
{
    static const char *const not_for_report[] = {
        "--save", "--load", "--tolerance", "--inference", "--epochs", "--eta", "--batch", "--l2",
        "--seed", "--limit", "--json", NULL
    };
    report_job j;
    int rc, k;
    if ((rc = cli_reject_flags(o, "report", not_for_report)) != 0)
        return rc;
    if (!o->weights || !o->output) {
        fprintf(stderr, "cnngen: report needs --weights W (a file written by run --save) and -o REPORT.html\n");
        return HOST_USER;
    }
    if (o->real && strcmp(o->real, "float") != 0) {
        fprintf(stderr, "cnngen: report runs in float; --real %s is for emit and check\n", o->real);
        return HOST_USER;
    }
    memset(&j, 0, sizeof j);
    rc = report_make(T, o, &j);
    for (k = 0; k < j.nruns; ++k)
        report_run_free(&j.runs[k]);
    report_names_free(j.names, (int)j.net.api.out_size);
    report_net_free(&j.desc);
    train_eval_free(&j.ev);
    train_eval_free(&j.evq);
    free(j.params);
    dataset_free(&j.ds);
    cli_net_free(&j.q8);
    cli_net_free(&j.net);
    return rc;
}
