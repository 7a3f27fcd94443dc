/*
 * train_world.c -- the ranks of an mpirun job around the training loop
 * (contracts in train_world.h).
 */
#include "train_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errfmt.h"

/* See train_world.h. */
void train_world_share(world *w, float *params, size_t count, int *vals, int nvals)
{
    w->bcast(w, params, count * sizeof *params);
    w->bcast(w, vals, (size_t)nvals * sizeof *vals);
}

/* See train_world.h.  The sums go as doubles: the counts exactly, the
 * costs as the shards' sums. */
int train_world_eval(world *w, const net_api *api, const float *params, const ds_split *s,
                     train_cost kind, train_eval_result *r, char *err, size_t errlen)
{
    ds_split shard = *s;
    size_t in = (size_t)s->rows * (size_t)s->cols, cells, k;
    double *v;
    int off, len, rc;
    train_slice(s->n, w->size, w->rank, &off, &len);
    shard.n = len;
    shard.x = s->x + (size_t)off * in;
    shard.y = s->y + off;
    rc = train_eval(api, params, &shard, kind, NULL, NULL, r, err, errlen);
    cells = (size_t)api->out_size * api->out_size;
    v = calloc(cells + 2, sizeof *v);
    if (rc == 0 && !v) {
        train_eval_free(r);
        rc = errfmt(err, errlen, "out of memory for evaluation");
    }
    if (rc != 0) {
        free(v);
        return -1;
    }
    v[0] = r->correct;
    v[1] = r->cost * r->n;
    for (k = 0; k < cells; ++k)
        v[2 + k] = (double)r->confusion[k];
    w->sum_d(w, v, cells + 2);
    r->n = s->n;
    r->correct = (int)v[0];
    r->accuracy = s->n ? v[0] / s->n : 0.0;
    r->cost = s->n ? v[1] / s->n : 0.0;
    for (k = 0; k < cells; ++k)
        r->confusion[k] = (long)v[2 + k];
    free(v);
    return 0;
}

/* See train_world.h: rank 0's hash to all; each rank marks its own slot
 * when its hash differs; the marks summed. */
int train_world_check(world *w, const float *params, size_t count)
{
    unsigned long long mine = train_params_hash(params, count), first = mine;
    double *bad = calloc((size_t)w->size, sizeof *bad);
    int r, which = -1;
    w->bcast(w, &first, sizeof first);
    if (!bad) {
        fprintf(stderr, "cnngen: rank %d: out of memory\n", w->rank);
        w->abort(w, 1);
    }
    bad[w->rank] = mine != first;
    w->sum_d(w, bad, (size_t)w->size);
    for (r = 0; r < w->size && which < 0; ++r)
        if (bad[r] > 0)
            which = r;
    free(bad);
    return which;
}
