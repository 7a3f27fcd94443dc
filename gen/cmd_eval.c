/*
 * cmd_eval.c -- `cnngen eval NET.lua --weights W [--data D]`: the test
 * accuracy, mean cost and confusion matrix of trained weights.
 *
 * Output (text): a summary line, then the matrix, rows the true label and
 * columns the predicted one.  With --json, one object:
 *   {"accuracy":0.8431,"cost":0.4512,"n":10000,"backend":"cc",
 *    "confusion":[[850,2,...],...]}
 * --predictions FILE also writes one line per test image, "index class
 * probability" (the arg-max output, the first on ties as predict; and its
 * value), the format of examples/embed's program, so the two compare line
 * by line.
 * Built with cc (cached; 10,000 images run ~10x faster than under tcc)
 * unless --backend tcc.  --quantize int8 [--calibrate N] evaluates the int8
 * inference code instead (calibrated first, quantize.h).
 * Statuses: 2 bad flags or description, 1 data or weights problems.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dataset.h"
#include "host.h"
#include "net.h"
#include "outfile.h"
#include "quantize.h"
#include "train.h"

/* Write --predictions: "index class probability" for every sample of s. */
static int eval_predictions(const net_api *api, const float *params, const ds_split *s,
                            const char *path, char *err, size_t errlen)
{
    size_t classes = api->out_size, cap = (size_t)s->n * 80 + 1, len = 0;  /* a float in %.6f: < 50 chars */
    char *text = malloc(cap);
    float *y = malloc(classes * sizeof *y);
    void *work = net_work_new(api);
    outfile_item item;
    int i, rc = -1;
    if (!text || !y || !work) {
        snprintf(err, errlen, "out of memory for --predictions");
        goto done;
    }
    for (i = 0; i < s->n; ++i) {
        size_t j, best = 0;
        api->forward.f(params, work, s->x + (size_t)i * api->in_size, y);
        for (j = 1; j < classes; ++j)
            if (y[j] > y[best]) best = j;
        len += (size_t)snprintf(text + len, cap - len, "%d %d %.6f\n", i, (int)best, (double)y[best]);
    }
    item.path = path;
    item.data = text;
    item.len = len;
    rc = outfile_write(&item, 1, err, errlen);
done:
    free(text);
    free(y);
    free(work);
    return rc;
}

/* The result; calibrated > 0: of the int8 code, calibrated on that many
 * training images. */
static void eval_print(const cli_opts *o, const net *n, const net_api *api, const char *data,
                       long calibrated, const train_eval_result *r)
{
    int i, k;
    if (o->json) {
        printf("{\"accuracy\":%.6g,\"cost\":%.6g,\"n\":%d,\"backend\":\"%s\",",
               r->accuracy, r->cost, r->n, api->backend);
        if (calibrated > 0)
            printf("\"quantize\":\"int8\",\"calibrate\":%ld,", calibrated);
        printf("\"confusion\":[");
        for (i = 0; i < r->classes; ++i) {
            printf("%s[", i ? "," : "");
            for (k = 0; k < r->classes; ++k)
                printf("%s%ld", k ? "," : "", r->confusion[(size_t)i * r->classes + k]);
            printf("]");
        }
        printf("]}\n");
        return;
    }
    printf("%s: weights %s", n->name, o->weights);
    if (calibrated > 0)
        printf(" as int8 (calibrated on %ld training images)", calibrated);
    printf(", %s test set (%d samples)\n", data, r->n);
    printf("test accuracy %.2f%% (%d/%d), cost %.4f\n", 100.0 * r->accuracy, r->correct, r->n,
           r->cost);
    printf("confusion matrix (rows: true label, columns: predicted)\n      ");
    for (k = 0; k < r->classes; ++k)
        printf(" %6d", k);
    printf("\n");
    for (i = 0; i < r->classes; ++i) {
        printf("  %3d ", i);
        for (k = 0; k < r->classes; ++k)
            printf(" %6ld", r->confusion[(size_t)i * r->classes + k]);
        printf("\n");
    }
}

/* The float code; the weights and the data are checked before the
 * (slower) build. */
static int eval_build_float(lua_State *T, const cli_opts *o, net *n, net_api *api, dataset *ds,
                            float **params, const char **data)
{
    char err[4096];
    net_request rq;
    int rc;
    opts_request(o, &rq);
    rq.forms[rq.nforms++] = opts_backend(o, "cc");
    rq.real = "float";
    if ((rc = net_generate(T, &rq, n, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    *params = malloc(n->param_count * sizeof **params);
    if (!*params) {
        fprintf(stderr, "cnngen: out of memory for %zu parameters\n", n->param_count);
        return HOST_FAIL;
    }
    if (net_weights_data(n, o->weights, o->data, *params, ds, data, err, sizeof err) != 0
        || net_compile(n, 0, NULL, api, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    return HOST_OK;
}

int cmd_eval(lua_State *T, const cli_opts *o)
{
    static const char *const not_for_eval[] = {
        "-o", "--save", "--load", "--tolerance", "--inference", "--epochs", "--eta",
        "--batch", "--l2", "--seed", "--limit", NULL
    };
    char err[4096], data_name[1024];
    net n;
    net_api api;
    dataset ds;
    train_eval_result r;
    train_cost kind;
    float *params = NULL;
    const char *data = data_name;
    long calibrated = 0;
    int rc;

    if ((rc = opts_reject_flags(o, "eval", not_for_eval)) != 0)
        return rc;
    if (!o->weights) {
        fprintf(stderr, "cnngen: eval needs --weights W (a file written by run --save)\n");
        return HOST_USER;
    }
    if (o->real && strcmp(o->real, "float") != 0) {
        fprintf(stderr, "cnngen: eval runs in float; --real %s is for emit and check\n", o->real);
        return HOST_USER;
    }
    memset(&n, 0, sizeof n);
    memset(&api, 0, sizeof api);
    memset(&ds, 0, sizeof ds);
    memset(&r, 0, sizeof r);
    rc = o->quantize ? quant_build_int8(T, o, NULL, HOST_FAIL, &n, &api, &ds, data_name, sizeof data_name,
                                        &calibrated)
                     : eval_build_float(T, o, &n, &api, &ds, &params, &data);
    if (rc != HOST_OK)
        goto done;
    rc = HOST_FAIL;
    if (train_cost_parse(n.cost, &kind) != 0)
        kind = TRAIN_COST_LOGLIK;
    if (train_eval(&api, params, &ds.test, kind, NULL, NULL, &r, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        goto done;
    }
    if (o->predictions
        && eval_predictions(&api, params, &ds.test, o->predictions, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        goto done;
    }
    eval_print(o, &n, &api, data, calibrated, &r);
    rc = HOST_OK;
done:
    train_eval_free(&r);
    free(params);
    dataset_free(&ds);
    jit_release(&api);
    net_free(&n);
    return rc;
}
