/*
 * report.h -- the training report: one self-contained HTML page (images
 * as data: URIs, charts as inline SVG, no URL anywhere) to look at a
 * trained net, for `cnngen report`, `cnngen run --report` and an
 * experiment's model:report.
 *
 * The page's sections, by id:
 *   network     the layer table (from the layer records), a diagram of the
 *               layers (svg#diagram) and `cnngen info`'s text (pre#info)
 *   curves      training cost and test accuracy per epoch, one curve per
 *               run (svg#cost-chart, svg#accuracy-chart); the numbers in
 *               script#runs-data (JSON: {"runs":[{"label","epochs":[...]}]})
 *   filters     each conv layer's filters (div#filters-l<k>): one PNG per
 *               map (img#filter-l<k>-m<m>), its input channels side by
 *               side, each map scaled to its own largest |w| and coloured
 *               by draw_diverging (white at 0), enlarged nearest-neighbour
 *   features    for the first test images (div#features-<i>): the image
 *               and every conv and max-pool layer's maps a^l, one PNG a
 *               layer (img#features-<i>-l<k>): a grid of ceil(sqrt(maps))
 *               maps a row, 3 pixels apart, all scaled to the layer's
 *               range for the image and coloured by draw_viridis
 *   confusion   the confusion matrix as a heat map (svg#confusion-matrix),
 *               per-class accuracy (table#per-class; int8 beside float
 *               with --quantize int8), and the numbers in
 *               script#confusion-data
 *   mistakes    the first misclassified test images (div#mistakes-grid)
 * Each of these elements carries data-key; the page's script writes the
 * bounding box of each of them and of each <svg> into its data-rect
 * ("x y width height") on load.
 */
#ifndef CNNGEN_REPORT_H
#define CNNGEN_REPORT_H

#include <stddef.h>

#include "lua.h"
#include "net.h"
#include "dataset.h"
#include "draw.h"
#include "train.h"

#define REPORT_FEATURE_IMAGES 3     /* test images shown with their feature maps */
#define REPORT_MISTAKES 36          /* misclassified test images shown */

/* ---- runs: epochs of training ----------------------------------------- */

/* One epoch, as `cnngen run --json` prints it (progress.h); cost NaN: null. */
typedef struct report_epoch {
    int epoch;
    double cost, accuracy, seconds, samples_per_s;
} report_epoch;

typedef struct report_run {
    char label[256];
    report_epoch *e;            /* malloc'd */
    int n, cap;
} report_run;

/* Append *e; 0, or -1 (out of memory). */
int report_run_push(report_run *r, const report_epoch *e);
void report_run_free(report_run *r);

/* --runs SPEC: "FILE" or "LABEL=FILE" (when no file is named SPEC), the
 * output of `cnngen run --json`, labelled LABEL or FILE's name.  0, or -1
 * with one line in err naming the file (and the line that is not an epoch). */
int report_run_read(const char *spec, report_run *r, char *err, size_t errlen);

/* ---- class names ------------------------------------------------------ */

/* The names in FILE, one a line, exactly `classes` of them (trailing empty
 * lines ignored) into *names (malloc'd, report_names_free); 0 or -1 + err. */
int report_names_read(const char *path, int classes, char ***names, char *err, size_t errlen);
void report_names_free(char **names, int classes);

/* ---- the page --------------------------------------------------------- */

typedef struct report_in {
    const net *net;             /* its layer records and n->info.text (rq.with_info) */
    const net_api *api;         /* float build of the net (training code) */
    const float *params;
    const ds_split *test;
    const char *data;           /* the data set's name */
    const char *weights;        /* where params came from, or NULL */
    const char *const *names;   /* class names, or NULL: Fashion-MNIST's for
                                   fashion-mnist, else the class numbers */
    const report_run *runs;
    int nruns;
    const train_eval_result *eval;      /* api on test; NULL: none yet */
    const train_eval_result *eval_q8;   /* the int8 code on test, or NULL */
    long q8_calibrated;                 /* its calibration images */
} report_in;

/* The page into *html.  The feature maps need the build's
 * <prefix>_jit_activation (generated with opts.activations); without it
 * the section says so.  0, or -1 with one line in err. */
int report_render(const report_in *in, draw_buf *html, char *err, size_t errlen);

/* report_render, written to path atomically (outfile.h). */
int report_write(const char *path, const report_in *in, char *err, size_t errlen);

/* ---- an experiment's model:report(path, opts) (experiment.c) ---------- */

/* in holds the model's part (net, api, params) and the data's
 * (test, data); opts (an index of the script's state L) may give runs =
 * { { label = ..., epochs = { { epoch =, cost =, accuracy =, ... }, ... } },
 * ... } (else the model's own epochs, own) and names = { ... }.  Evaluates
 * on in->test and writes path; raises the script's error on failure. */
void report_script(lua_State *L, int opts, report_in *in, const report_run *own, train_cost cost,
                   const char *path);

/* ---- `cnngen run --report` -------------------------------------------- */

/* A run's report, rewritten after every epoch from the run's history. */
typedef struct report_live {
    const net *net;
    report_run run;
    const char *path, *data;
} report_live;

/* Write the first page of n's run (no epoch yet, untrained weights): a
 * path that cannot be written fails here, before training.  n must live
 * as long as r.  0, or HOST_USER with the message printed. */
int report_live_start(report_live *r, const net *n, const char *path, const net_api *api,
                      const float *params, const dataset *ds, const char *data);

/* Epoch e is done (ev: its test evaluation): add it and rewrite the page.
 * 0, or -1 with one line in err. */
int report_live_epoch(report_live *r, const report_epoch *e, const net_api *api,
                      const float *params, const dataset *ds, const train_eval_result *ev,
                      char *err, size_t errlen);

void report_live_free(report_live *r);

#endif
