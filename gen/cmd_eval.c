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

#include "checkpoint.h"
#include "cli.h"
#include "dataset.h"
#include "host.h"
#include "outfile.h"
#include "quantize.h"
#include "train.h"

/* Write --predictions: "index class probability" for every sample of s. */
static int eval_predictions(const cli_net *n, const float *params, const ds_split *s,
                            const char *path, char *err, size_t errlen)
{
    size_t classes = n->api.out_size, cap = (size_t)s->n * 80 + 1, len = 0;  /* a float in %.6f: < 50 chars */
    char *text = malloc(cap);
    float *y = malloc(classes * sizeof *y);
    void *work = net_work_new(&n->api);
    outfile_item item;
    int i, rc = -1;
    if (!text || !y || !work) {
        snprintf(err, errlen, "out of memory for --predictions");
        goto done;
    }
    for (i = 0; i < s->n; ++i) {
        size_t j, best = 0;
        n->api.forward.f(params, work, s->x + (size_t)i * n->api.in_size, y);
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
static void eval_print(const cli_opts *o, const cli_net *n, const char *data, long calibrated,
                       const train_eval_result *r)
{
    int i, k;
    if (o->json) {
        printf("{\"accuracy\":%.6g,\"cost\":%.6g,\"n\":%d,\"backend\":\"%s\",",
               r->accuracy, r->cost, r->n, n->backend);
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

int cmd_eval(lua_State *T, const cli_opts *o)
{
    static const char *const not_for_eval[] = {
        "-o", "--save", "--load", "--tolerance", "--inference", "--epochs", "--eta",
        "--batch", "--l2", "--seed", "--limit", NULL
    };
    char err[4096];
    cli_net n;
    dataset ds;
    train_eval_result r;
    train_cost kind;
    float *params = NULL;
    const char *data;
    char data_name[1024];
    long calibrated = 0;
    int rc;

    if ((rc = cli_reject_flags(o, "eval", not_for_eval)) != 0)
        return rc;
    if (!o->weights) {
        fprintf(stderr, "cnngen: eval needs --weights W (a file written by run --save)\n");
        return HOST_USER;
    }
    if (o->real && strcmp(o->real, "float") != 0) {
        fprintf(stderr, "cnngen: eval runs in float; --real %s is for emit and check\n", o->real);
        return HOST_USER;
    }
    memset(&ds, 0, sizeof ds);
    memset(&r, 0, sizeof r);
    if (o->quantize) {
        /* the int8 inference code, from the float net calibrated on ds's
         * training images (its parameters are baked in: none to pass) */
        quant_calib cal;
        cli_opts q = *o;
        if ((rc = quant_calibrate(T, o, HOST_FAIL, &ds, &cal)) != HOST_OK)
            return rc;
        snprintf(data_name, sizeof data_name, "%s", cal.data);
        data = data_name;
        q.inference = 1;
        q.calib = &cal;
        calibrated = cal.n;
        rc = cli_net_build(T, &q, 0, "cc", &n);
        quant_calib_free(&cal);
        if (rc != HOST_OK) {
            dataset_free(&ds);
            return rc;
        }
        rc = HOST_FAIL;
    } else {
        /* the weights and the data are checked before the (slower) build */
        char *unit;
        const char *backend = o->backend && strcmp(o->backend, "auto") ? o->backend : "cc";
        if ((rc = cli_net_generate(T, o, 0, backend, &n, &unit)) != HOST_OK)
            return rc;
        rc = HOST_FAIL;
        params = malloc(n.api.param_count * sizeof *params);
        if (!params) {
            fprintf(stderr, "cnngen: out of memory for %zu parameters\n", n.api.param_count);
            free(unit);
            goto done;
        }
        if (cli_load_weights_data(o, &n, params, &ds, &data) != 0) {
            free(unit);
            goto done;
        }
        if (cli_net_compile(0, &n, unit) != HOST_OK)
            goto done;
    }
    if (train_cost_parse(n.cost, &kind) != 0)
        kind = TRAIN_COST_LOGLIK;
    if (train_eval(&n.api, params, &ds.test, kind, NULL, NULL, &r, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        goto done;
    }
    if (o->predictions
        && eval_predictions(&n, params, &ds.test, o->predictions, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        goto done;
    }
    eval_print(o, &n, data, calibrated, &r);
    rc = HOST_OK;
done:
    train_eval_free(&r);
    free(params);
    dataset_free(&ds);
    cli_net_free(&n);
    return rc;
}
