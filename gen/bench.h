/*
 * bench.h -- the parts of `cnngen bench` (cmd_bench.c, the command):
 * measuring (bench_measure.c: statistics, the timing loop, training and
 * inference rates) and reporting (bench_report.c: the rows, the printed
 * table and the JSON file).
 */
#ifndef CNNGEN_BENCH_H
#define CNNGEN_BENCH_H

#include <stddef.h>

#include "dataset.h"
#include "net.h"
#include "opts.h"
#include "peak.h"
#include "train.h"

typedef struct bench_stat {
    double med, lo, hi;         /* of the runs' rates */
    int runs;
} bench_stat;

typedef struct bench_row {
    const char *kind;           /* "peak", "build", "train", "infer" */
    char net[64];
    const char *backend;        /* "tcc", "cc", "auto", or NULL */
    int threads, batch;         /* 0: not applicable */
    double sps;                 /* train: samples/s; infer: images/s */
    double us;                  /* infer: µs per image */
    double gflops, frac;
    bench_stat st;
    double gen_ms, compile_ms;  /* build */
    bench_stat gen_st;
    long samples;               /* auto: length of the cold run */
    double switch_s;            /* auto: seconds from the start to the switch to cc (0: none) */
    double cold_cc, cold_tcc;   /* auto: a cold cc / tcc run of the same length, samples/s */
} bench_row;

/* One `cnngen bench`: its settings, the scratch directory, the data set,
 * the peak and the rows measured so far. */
typedef struct bench {
    const cli_opts *o;
    int runs, cold_runs;
    double min_time;
    int threads[2], nthreads;
    int batches[2], nbatches;
    int want_tcc, want_cc, want_auto;
    int cores;
    peak_result peak;
    char tmp[512];              /* scratch cache directories live here */
    int nscratch;
    dataset ds;
    bench_row *rows;
    int nrows, cap;
} bench;

/* ---- measuring (bench_measure.c) ------------------------------------ */

/* The median, min and max of the n values v (sorted in place) into *st. */
void bench_stats(double *v, int n, bench_stat *st);

/* (max - min) / median: the noise of a figure. */
double bench_spread(const bench_stat *st);

/* Do k units of work. */
typedef void (*bench_work_fn)(void *ctx, long k);

/* Units per second of fn: calibrate k so one run lasts about b->min_time,
 * then b->runs timed runs. */
void bench_measure(const bench *b, bench_work_fn fn, void *ctx, bench_stat *st);

/* Training on b's data set, mini-batch after mini-batch. */
typedef struct bench_train {
    train_ctx tr;
    int cursor;
} bench_train;

/* A training context on api with fresh parameters (init, the
 * description's seed), n's train{} and layer spans, `threads` threads,
 * mini-batches of `batch`.  0, or -1 with the message printed. */
int bench_train_init(const bench *b, const net *n, const net_api *api, int threads, int batch,
                     float *params, bench_train *bt);

/* k mini-batches, gathered from the shuffled order as train_epoch does. */
void bench_train_batches(bench_train *bt, long k);

/* bench_train_batches as a bench_work_fn (ctx: the bench_train). */
void bench_train_work(void *ctx, long k);

/* Images/s of api on `threads` threads, batches of `batch` images of b's
 * test set.  0, or -1 with the message printed. */
int bench_infer_rate(const bench *b, const net_api *api, const float *params, int threads,
                     int batch, bench_stat *st);

/* ---- reporting (bench_report.c) ------------------------------------- */

/* A new row of b (zeroed but for these fields), or NULL (out of memory). */
bench_row *bench_add(bench *b, const char *kind, const char *net, const char *backend,
                     int threads, int batch);

/* A train or infer row from a rate (per second) and MACs per sample, for
 * net; NULL when out of memory. */
bench_row *bench_rate_row(bench *b, const char *net, const char *kind, const char *backend,
                          int threads, int batch, const bench_stat *st, double macs);

/* The lines before the table (the data set, the peak, how figures are
 * taken) and the peak's row. */
void bench_intro(bench *b, const char *data);

void bench_print_header(void);
void bench_print_row(const bench_row *r);

/* A build row: generate and compile times (cold: cc into a fresh cache). */
void bench_print_build(const bench_row *r, int cold);

/* Write b's rows to path as JSON (all or nothing); HOST_OK, or a status
 * with the message printed. */
int bench_write_json(const bench *b, const char *path);

#endif
