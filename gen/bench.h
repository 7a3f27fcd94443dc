/*
 * bench.h -- the parts of `cnngen bench` (cmd_bench.c, the command):
 * measuring (bench_measure.c: statistics, the timing loop, training and
 * inference rates), the per-layer breakdown and the memory bound
 * (bench_profile.c) and reporting (bench_report.c: the rows, the printed
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
    const char *kind;           /* "peak", "barrier", "build", "train", "infer", "layer", "memory" */
    char net[64];
    const char *backend;        /* "tcc", "cc", "auto", or NULL */
    int threads, batch;         /* 0: not applicable */
    double sps;                 /* train: samples/s; infer: images/s */
    double us;                  /* infer: µs per image; barrier: ns per barrier */
    double gflops, frac;
    bench_stat st;
    double gen_ms, compile_ms;  /* build */
    bench_stat gen_st;
    long samples;               /* auto: length of the cold run */
    double switch_s;            /* auto: seconds from the start to the switch to cc (0: none) */
    double cold_cc, cold_tcc;   /* auto: a cold cc / tcc run of the same length, samples/s */
    /* layer: one pass of one layer (or of the net: the cost, zeroing g) */
    int layer;                  /* 1-based; 0: a step of the net's own */
    char layer_kind[16];
    const char *pass;           /* "forward", "backward", "sgd", "cost", "zero", "sum", "step" */
    double share;               /* of the sum of the steps */
    int da;                     /* a backward's function computes 0: ∂C/∂w, ∂C/∂b alone
                                   (layer 1's), 1: ∂C/∂a^{l−1} too, 2: ∂C/∂a^{l−1} alone
                                   (no parameters); 3, 4: 1, 0 and the SGD step of w
                                   (train_chunk's fused step); -1: not a backward */
    int steps_b_only;           /* an sgd row whose w is stepped in the backward */
    int done_by;                /* a pass with no function of its own: the layer whose
                                   function does it (a max-pool's backward, by the conv's) */
    /* memory: the bounds of a training step (per sample) and of batch-1
     * inference (per image), against what was measured */
    double param_bytes, read_gbs, update_gbs;
    double train_bytes, train_mem_us, train_flop_us, train_us;
    double infer_bytes, infer_mem_us, infer_flop_us, infer_us;
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

/* The next mini-batch of bt's order (from its cursor; one that would run
 * past the end starts the order again) into its xbuf and ybuf. */
void bench_train_gather(bench_train *bt);

/* bench_train_batches as a bench_work_fn (ctx: the bench_train). */
void bench_train_work(void *ctx, long k);

/* Images/s of api on `threads` threads, batches of `batch` images of b's
 * test set.  0, or -1 with the message printed. */
int bench_infer_rate(const bench *b, const net_api *api, const float *params, int threads,
                     int batch, bench_stat *st);

/* Barriers per second of a team of `threads` threads (pool_sync, as the
 * team step meets at its phases), into *st.  0, or -1 with the message
 * printed. */
int bench_barrier(const bench *b, int threads, bench_stat *st);

/* ---- the per-layer breakdown and the memory bound (bench_profile.c) -- */

/* For the net n of request rq (its cc build api, its batch-1 inference
 * measured at infer_us per image, 0: not measured): generate and build its
 * profile form (rq with profile on), time a training step layer by layer
 * (one thread, the description's batch) against api's train_batch, measure
 * the streaming bandwidth at the size of its parameters, and print and
 * add the rows ("layer", "memory").  HOST_OK or a status, the message
 * printed. */
int bench_profile(bench *b, lua_State *T, const net_request *rq, const net *n,
                  const net_api *api, double infer_us);

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

/* The barrier's line and row: `threads` threads met at st's rate. */
void bench_print_barrier(bench *b, int threads, const bench_stat *st);

void bench_print_header(void);
void bench_print_row(const bench_row *r);

/* A build row: generate and compile times (cold: cc into a fresh cache). */
void bench_print_build(const bench_row *r, int cold);

/* The breakdown's table: its header, then a layer row. */
void bench_print_layer_header(const bench_row *r, double step_us);
void bench_print_layer(const bench_row *r);

/* A memory row: the bandwidths and the bounds. */
void bench_print_memory(const bench_row *r);

/* Write b's rows to path as JSON (all or nothing); HOST_OK, or a status
 * with the message printed. */
int bench_write_json(const bench *b, const char *path);

#endif
