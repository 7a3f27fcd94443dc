/*
 * progress.h -- what `cnngen run` shows while it trains.
 *
 *   - On a terminal (the bar stream is a TTY), a live bar redrawn in place
 *     with "\r" at most ten times a second:
 *         epoch 2/3 [#########...........]  27140/60000  4512 samples/s  ETA 0:07  cost 0.4213  cc
 *     and erased before anything else is printed.
 *   - Always, one line per epoch on the output stream:
 *         epoch 2/3  cost 0.4213  test accuracy 84.31%  13.3 s  4512 samples/s  cc
 *     or, with json, one JSON object per line instead:
 *         {"epoch":2,"cost":0.4213,"accuracy":0.8431,"seconds":13.3,"samples_per_s":4512,"backend":"cc"}
 *     cost is the mean training cost of the epoch (before each step, no L2
 *     term), accuracy the test accuracy (0..1), seconds the training time
 *     of the epoch (test evaluation excluded), samples_per_s the samples
 *     trained divided by seconds; backend is the build that trains ("tcc",
 *     "cc", or "tcc→cc" in the epoch where the tiered backend switched --
 *     the runner updates the field, which the bar and the lines print).
 */
#ifndef CNNGEN_PROGRESS_H
#define CNNGEN_PROGRESS_H

#include <stdio.h>

typedef struct progress {
    FILE *out;                  /* epoch lines */
    FILE *bar;                  /* live bar, or NULL for none */
    int json;
    const char *backend;        /* the build training now (the runner sets it) */
    int epochs;                 /* the last epoch number, for "epoch e/N" */
    int epoch;                  /* current, 1-based */
    double t0, last_draw;       /* of the current epoch / the last redraw */
    int start;                  /* samples already done when the epoch (re)started */
    int drawn;                  /* a bar is on screen */
    int ranks, threads;         /* an mpirun job (ranks > 0): the epoch line adds
                                 * "2 ranks × 1 thread, sum 12%" ("ranks":2,
                                 * "threads":1,"sum_seconds":0.41): the time the
                                 * ranks spent summing the gradients */
    double sum_seconds;         /* of the epoch: the runner sets it */
} progress;

/* Monotonic seconds. */
double progress_now(void);

/* out: epoch lines; bar: where to draw the bar -- used only when it is a
 * terminal (pass stderr; NULL disables it). */
void progress_init(progress *p, FILE *out, FILE *bar, int json, const char *backend,
                   int epochs);

/* Epoch `epoch` (1-based) starts, `start` of its samples already done. */
void progress_epoch_begin(progress *p, int epoch, int start);

/* After a mini-batch: done of total samples, the running mean cost.
 * Matches train_batch_fn, with the progress as ctx. */
void progress_batch(void *p, int done, int total, double batch_cost, double mean_cost);

/* During the test evaluation (same signature): "testing 3000/10000". */
void progress_testing(void *p, int done, int total, double unused1, double unused2);

/* Erase the bar, if one is drawn. */
void progress_clear(progress *p);

/* Print the epoch's line (or JSON object) and flush. */
void progress_epoch_end(progress *p, int epoch, double cost, double accuracy,
                        double seconds, double samples_per_s);

#endif
