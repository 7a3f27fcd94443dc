/*
 * ensemble.c -- trained nets of one architecture voting (ensemble.h).
 */
#include "errfmt.h"
#include "ensemble.h"

#include <stdlib.h>
#include <string.h>

/* The arg-max of y[0..classes), the first on ties (as predict). */
static int ensemble_argmax(const float *y, int classes)
{
    int j, best = 0;
    for (j = 1; j < classes; ++j)
        if (y[j] > y[best])
            best = j;
    return best;
}

/* See ensemble.h. */
int ensemble_vote(const float *y, int members, int classes)
{
    int c, m, best = 0, best_votes = -1;
    double best_sum = 0.0;
    for (c = 0; c < classes; ++c) {
        int votes = 0;
        double sum = 0.0;
        for (m = 0; m < members; ++m) {
            votes += ensemble_argmax(y + (size_t)m * classes, classes) == c;
            sum += y[(size_t)m * classes + c];
        }
        if (votes > best_votes || (votes == best_votes && sum > best_sum)) {
            best = c;
            best_votes = votes;
            best_sum = sum;
        }
    }
    return best;
}

/* Fold one sample's prediction into r (label out of range: counted as
 * wrong, with no cost, as train_eval does). */
static void ensemble_count(train_eval_result *r, train_cost kind, const float *y, int best,
                           int label, double *sum)
{
    if (label >= 0 && label < r->classes) {
        r->confusion[(size_t)label * (size_t)r->classes + (size_t)best]++;
        *sum += train_sample_cost(kind, y, r->classes, label);
    }
    r->correct += best == label;
}

static void ensemble_close(train_eval_result *r, int n, double sum)
{
    r->n = n;
    r->accuracy = n ? (double)r->correct / n : 0.0;
    r->cost = n ? sum / n : 0.0;
}

/* See ensemble.h. */
int ensemble_eval(const net_api *api, const float *const *params, int members, const ds_split *s,
                  train_cost kind, ensemble_result *r, char *err, size_t errlen)
{
    int classes = (int)api->out_size, i, m, j, ok;
    size_t cc = (size_t)classes * (size_t)classes;
    float *y, *mean;
    double *sum;
    void *work;

    memset(r, 0, sizeof *r);
    if (api->is_double || members < 1)
        return errfmt(err, errlen, "internal error: an ensemble needs the float build and members");
    if ((size_t)s->rows * (size_t)s->cols != api->in_size)
        return errfmt(err, errlen, "samples have %d values but the network takes %zu",
                      s->rows * s->cols, api->in_size);
    r->members = members;
    y = malloc((size_t)members * (size_t)classes * sizeof *y);
    mean = malloc((size_t)classes * sizeof *mean);
    sum = calloc((size_t)members + 1, sizeof *sum);
    work = net_work_new(api);
    r->member = calloc((size_t)members, sizeof *r->member);
    r->vote.confusion = calloc(cc, sizeof *r->vote.confusion);
    r->predicted = malloc((size_t)(s->n > 0 ? s->n : 1) * sizeof *r->predicted);
    r->probability = malloc((size_t)(s->n > 0 ? s->n : 1) * sizeof *r->probability);
    ok = y && mean && sum && work && r->member && r->vote.confusion && r->predicted
         && r->probability;
    for (m = 0; ok && m < members; ++m) {
        r->member[m].classes = classes;
        ok = (r->member[m].confusion = calloc(cc, sizeof *r->member[m].confusion)) != NULL;
    }
    if (!ok) {
        free(y);
        free(mean);
        free(sum);
        free(work);
        ensemble_free(r);
        return errfmt(err, errlen, "out of memory for evaluation");
    }
    r->vote.classes = classes;
    for (i = 0; i < s->n; ++i) {
        int label = s->y[i], v;
        for (j = 0; j < classes; ++j)
            mean[j] = 0.0f;
        for (m = 0; m < members; ++m) {
            float *ym = y + (size_t)m * classes;
            api->forward.f(params[m], work, s->x + (size_t)i * api->in_size, ym);
            ensemble_count(&r->member[m], kind, ym, ensemble_argmax(ym, classes), label, &sum[m]);
            for (j = 0; j < classes; ++j)
                mean[j] += ym[j] / (float)members;
        }
        v = ensemble_vote(y, members, classes);
        ensemble_count(&r->vote, kind, mean, v, label, &sum[members]);
        r->predicted[i] = v;
        r->probability[i] = mean[v];
    }
    for (m = 0; m < members; ++m)
        ensemble_close(&r->member[m], s->n, sum[m]);
    ensemble_close(&r->vote, s->n, sum[members]);
    free(y);
    free(mean);
    free(sum);
    free(work);
    return 0;
}

void ensemble_free(ensemble_result *r)
{
    int m;
    for (m = 0; r->member && m < r->members; ++m)
        train_eval_free(&r->member[m]);
    free(r->member);
    train_eval_free(&r->vote);
    free(r->predicted);
    free(r->probability);
    memset(r, 0, sizeof *r);
}
