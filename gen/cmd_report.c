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
 * file.  The description runs once, for the float build and the int8 one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "host.h"
#include "net.h"
#include "quantize.h"
#include "report.h"

typedef struct report_job {
    net_desc desc;
    net net, q8;
    net_api api, q8api;
    dataset ds, q8ds;
    float *params;
    const char *data;
    report_run runs[CLI_MAX_NETS];
    int nruns;
    char **names;
    train_eval_result ev, evq;
    long calibrated;
} report_job;

/* The float net, built with its activation read-out and `cnngen info`'s
 * table, with its weights and the data set. */
static int report_build(lua_State *T, const cli_opts *o, report_job *j)
{
    char err[4096];
    net_request rq;
    int rc;
    opts_request(o, &rq);
    rq.desc = &j->desc;
    rq.forms[rq.nforms++] = opts_backend(o, "cc");
    rq.real = "float";
    rq.quantize = NULL;                 /* the float net; report_build_q8 quantizes */
    rq.activations = 1;
    rq.with_info = 1;
    if ((rc = net_generate(T, &rq, &j->net, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    j->params = malloc(j->net.param_count * sizeof *j->params);
    if (!j->params) {
        fprintf(stderr, "cnngen: out of memory for %zu parameters\n", j->net.param_count);
        return HOST_INTERNAL;
    }
    if (net_weights_data(&j->net, o->weights, o->data, j->params, &j->ds, &j->data, err,
                         sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_USER;
    }
    if (net_compile(&j->net, 0, NULL, &j->api, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    return HOST_OK;
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
    char err[4096], q8data[1024];
    report_in in;
    int k, rc;
    for (k = 0; k < o->nrun_logs; ++k, ++j->nruns)
        if (report_run_read(o->run_logs[k], &j->runs[k], err, sizeof err) != 0) {
            fprintf(stderr, "cnngen: %s\n", err);
            return HOST_USER;
        }
    if ((rc = net_describe(T, o->net, &j->desc, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    if ((rc = report_build(T, o, j)) != HOST_OK)
        return rc;
    if (o->names && report_names_read(o->names, (int)j->net.out_size, &j->names, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_USER;
    }
    if ((rc = report_eval(j, &j->api, j->params, &j->ev)) != HOST_OK)
        return rc;
    if (o->quantize
        && ((rc = quant_build_int8(T, o, &j->desc, HOST_USER, &j->q8, &j->q8api, &j->q8ds, q8data,
                                   sizeof q8data, &j->calibrated)) != HOST_OK
            || (rc = report_eval(j, &j->q8api, NULL, &j->evq)) != HOST_OK))
        return rc;
    memset(&in, 0, sizeof in);
    in.net = &j->net;
    in.api = &j->api;
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
    if ((rc = opts_reject_flags(o, "report", not_for_report)) != 0)
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
    report_names_free(j.names, (int)j.net.out_size);
    train_eval_free(&j.ev);
    train_eval_free(&j.evq);
    free(j.params);
    dataset_free(&j.ds);
    dataset_free(&j.q8ds);
    jit_release(&j.q8api);
    jit_release(&j.api);
    net_free(&j.q8);
    net_free(&j.net);
    net_desc_free(&j.desc);
    return rc;
}
