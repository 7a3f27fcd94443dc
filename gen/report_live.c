/*
 * report_live.c -- `cnngen run --report FILE`: the run's page, written
 * before training and rewritten after every epoch from the epochs so far
 * (see report.h).
 */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "host.h"

/* The page of a run: its epochs so far, ev (NULL before the first). */
static int report_live_write(report_live *r, const net_api *api, const float *params,
                             const dataset *ds, const train_eval_result *ev, char *err, size_t errlen)
{
    report_in in;
    memset(&in, 0, sizeof in);
    in.net = r->net;
    in.api = api;
    in.params = params;
    in.test = &ds->test;
    in.data = r->data;
    in.runs = &r->run;
    in.nruns = 1;
    in.eval = ev;
    return report_write(r->path, &in, err, errlen);
}

int report_live_start(report_live *r, const net *n, const char *path, const net_api *api,
                      const float *params, const dataset *ds, const char *data)
{
    char err[4096];
    memset(r, 0, sizeof *r);
    r->net = n;
    r->path = path;
    r->data = data;
    snprintf(r->run.label, sizeof r->run.label, "%s", n->name);
    if (report_live_write(r, api, params, ds, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: --report %s\n", err);
        return HOST_USER;
    }
    return 0;
}

int report_live_epoch(report_live *r, const report_epoch *e, const net_api *api,
                      const float *params, const dataset *ds, const train_eval_result *ev,
                      char *err, size_t errlen)
{
    if (report_run_push(&r->run, e) != 0) {
        snprintf(err, errlen, "out of memory for the report");
        return -1;
    }
    return report_live_write(r, api, params, ds, ev, err, errlen);
}

void report_live_free(report_live *r)
{
    report_run_free(&r->run);
    memset(r, 0, sizeof *r);
}
