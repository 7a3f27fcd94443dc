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
 *
 * An ensemble: --weights A,B,C,... (comma-separated) evaluates each
 * member and their vote (ensemble.h: a majority of the members' arg-max,
 * ties broken by the summed outputs).  The text adds a line per member
 * and the matrix is the vote's; --json adds
 *   "vote":"majority","members":[{"weights":"A","accuracy":...,"cost":...},...]
 * with accuracy, cost and confusion the vote's (cost: of the members'
 * mean output), and --predictions gives the vote and that mean.  Every
 * member must be a weights file of this net (parameter count and
 * architecture hash), or it is one line and status 2.
 * Statuses: 2 bad flags or description (an ensemble member of another
 * net), 1 data or weights problems.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cmd.h"
#include "dataset.h"
#include "ensemble.h"
#include "host.h"
#include "net.h"
#include "outfile.h"
#include "quantize.h"
#include "train.h"

/* The most members --weights lists. */
#define EVAL_MAX_MEMBERS 64

/* Write --predictions: "index class probability" for every sample (the
 * vote, or the one net's arg-max, and its output). */
static int eval_predictions(const ensemble_result *r, const char *path, char *err, size_t errlen)
{
    size_t cap = (size_t)r->vote.n * 80 + 1, len = 0;  /* a float in %.6f: < 50 chars */
    char *text = malloc(cap);
    outfile_item item;
    int i, rc;
    if (!text) {
        snprintf(err, errlen, "out of memory for --predictions");
        return -1;
    }
    for (i = 0; i < r->vote.n; ++i)
        len += (size_t)snprintf(text + len, cap - len, "%d %d %.6f\n", i, r->predicted[i],
                                (double)r->probability[i]);
    item.path = path;
    item.data = text;
    item.len = len;
    rc = outfile_write(&item, 1, err, errlen);
    free(text);
    return rc;
}

/* s as a JSON string's contents (quotes and backslashes escaped). */
static void eval_json_str(const char *s)
{
    for (; *s; ++s) {
        if (*s == '"' || *s == '\\')
            putchar('\\');
        if ((unsigned char)*s >= 0x20)
            putchar(*s);
    }
}

/* --weights, split at its commas: the members of an ensemble, or one net. */
typedef struct eval_members {
    char *list;                 /* a copy of --weights, cut at the commas */
    const char *path[EVAL_MAX_MEMBERS];
    float *params[EVAL_MAX_MEMBERS];
    int n;
} eval_members;

static int eval_split(const char *weights, eval_members *mb)
{
    char *p;
    memset(mb, 0, sizeof *mb);
    if (!(mb->list = malloc(strlen(weights) + 1))) {
        fprintf(stderr, "cnngen: out of memory\n");
        return HOST_FAIL;
    }
    strcpy(mb->list, weights);
    for (p = mb->list;; ++p) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (!*p || mb->n == EVAL_MAX_MEMBERS) {
            fprintf(stderr, "cnngen: --weights %s: %s\n", weights,
                    *p ? "too many members (at most 64)" : "an empty file name");
            return HOST_USER;
        }
        mb->path[mb->n++] = p;
        if (!comma)
            return HOST_OK;
        p = comma;
    }
}

static void eval_members_free(eval_members *mb)
{
    int m;
    for (m = 0; m < mb->n; ++m)
        free(mb->params[m]);
    free(mb->list);
    memset(mb, 0, sizeof *mb);
}

/* One line of accuracy and cost. */
static void eval_line(const train_eval_result *r)
{
    printf("test accuracy %.2f%% (%d/%d), cost %.4f", 100.0 * r->accuracy, r->correct, r->n,
           r->cost);
}

/* The result (the vote's, members' lines for an ensemble); calibrated >
 * 0: of the int8 code, calibrated on that many training images. */
static void eval_print(const cli_opts *o, const net *n, const net_api *api, const char *data,
                       long calibrated, const eval_members *mb, const ensemble_result *er)
{
    const train_eval_result *r = &er->vote;
    int i, k;
    if (o->json) {
        printf("{\"accuracy\":%.6g,\"cost\":%.6g,\"n\":%d,\"backend\":\"%s\",",
               r->accuracy, r->cost, r->n, api->backend);
        if (calibrated > 0)
            printf("\"quantize\":\"int8\",\"calibrate\":%ld,", calibrated);
        if (mb->n > 1) {
            printf("\"vote\":\"majority\",\"members\":[");
            for (k = 0; k < mb->n; ++k) {
                printf("%s{\"weights\":\"", k ? "," : "");
                eval_json_str(mb->path[k]);
                printf("\",\"accuracy\":%.6g,\"cost\":%.6g}", er->member[k].accuracy,
                       er->member[k].cost);
            }
            printf("],");
        }
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
    if (mb->n > 1)
        printf("%s: an ensemble of %d, weights %s", n->name, mb->n, o->weights);
    else
        printf("%s: weights %s", n->name, o->weights);
    if (calibrated > 0)
        printf(" as int8 (calibrated on %ld training images)", calibrated);
    printf(", %s test set (%d samples)\n", data, r->n);
    for (k = 0; mb->n > 1 && k < mb->n; ++k) {
        printf("member %d, %s: ", k + 1, mb->path[k]);
        eval_line(&er->member[k]);
        printf("\n");
    }
    eval_line(r);
    printf("%s\n", mb->n > 1 ? " (the vote: most members' arg-max, ties by summed outputs)" : "");
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

/* Every member of an ensemble is a weights file of n: its header's
 * parameter count and architecture hash, or one line and HOST_USER.  (A
 * file that is no weights file at all is the loading's error, below.) */
static int eval_check_members(const net *n, const eval_members *mb)
{
    char err[1024];
    ckpt_info info;
    int m;
    for (m = 0; mb->n > 1 && m < mb->n; ++m)
        if (ckpt_peek(mb->path[m], &info, err, sizeof err) == 0
            && (info.count != n->param_count || info.arch_hash != n->arch_hash)) {
            fprintf(stderr, "cnngen: --weights: member %d, %s, holds the weights of another net "
                    "(%llu parameters, architecture %016llx; %s has %zu, %016llx): an ensemble's "
                    "members share one architecture\n", m + 1, mb->path[m], info.count,
                    info.arch_hash, n->name, n->param_count, n->arch_hash);
            return HOST_USER;
        }
    return HOST_OK;
}

/* The float code; the weights and the data are checked before the
 * (slower) build. */
static int eval_build_float(lua_State *T, const cli_opts *o, net *n, net_api *api, dataset *ds,
                            eval_members *mb, const char **data)
{
    char err[4096];
    net_request rq;
    int rc, m;
    opts_request(o, &rq);
    rq.forms[rq.nforms++] = opts_backend(o, "cc");
    rq.real = "float";
    if ((rc = net_generate(T, &rq, n, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    if ((rc = eval_check_members(n, mb)) != HOST_OK)
        return rc;
    for (m = 0; m < mb->n; ++m)
        if (!(mb->params[m] = malloc(n->param_count * sizeof *mb->params[m]))) {
            fprintf(stderr, "cnngen: out of memory for %zu parameters\n", n->param_count);
            return HOST_FAIL;
        }
    rc = net_weights_data(n, mb->path[0], o->data, mb->params[0], ds, data, err, sizeof err);
    for (m = 1; rc == 0 && m < mb->n; ++m)
        rc = ckpt_load(mb->path[m], mb->params[m], n->param_count, 4, n->arch_hash, err,
                       sizeof err);
    if (rc != 0 || net_compile(n, 0, NULL, api, err, sizeof err) != 0) {
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
    ensemble_result r;
    eval_members mb;
    train_cost kind;
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
    if ((rc = eval_split(o->weights, &mb)) != HOST_OK)
        goto done;
    if (o->quantize && mb.n > 1) {
        fprintf(stderr, "cnngen: --quantize evaluates one net; give --weights one file, not %d\n",
                mb.n);
        rc = HOST_USER;
        goto done;
    }
    rc = o->quantize ? quant_build_int8(T, o, NULL, HOST_FAIL, &n, &api, &ds, data_name, sizeof data_name,
                                        &calibrated)
                     : eval_build_float(T, o, &n, &api, &ds, &mb, &data);
    if (rc != HOST_OK)
        goto done;
    rc = HOST_FAIL;
    if (train_cost_parse(n.cost, &kind) != 0)
        kind = TRAIN_COST_LOGLIK;
    if (ensemble_eval(&api, (const float *const *)mb.params, mb.n, &ds.test, kind, &r, err,
                      sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        goto done;
    }
    if (o->predictions && eval_predictions(&r, o->predictions, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        goto done;
    }
    eval_print(o, &n, &api, data, calibrated, &mb, &r);
    rc = HOST_OK;
done:
    ensemble_free(&r);
    eval_members_free(&mb);
    dataset_free(&ds);
    jit_release(&api);
    net_free(&n);
    return rc;
}
