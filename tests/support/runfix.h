/*
 * runfix.h -- test support: the fixtures of the tests that run the cnngen
 * binary ($CNNGEN) on synthetic data (suites run, run_threads, chunk,
 * bench, experiment).
 *
 * Every test makes its own data in a fresh scratch directory (rt_setup:
 * fs_scratch_make; fs_scratch_remove removes it): small IDX files of
 * synthetic images, 4 classes on 8x8 images, each class lighting a 3x3
 * patch in its own corner over noise, so a tiny conv net learns it in a
 * few epochs.
 */
#ifndef TESTS_RUNFIX_H
#define TESTS_RUNFIX_H

#include <stddef.h>

#include "rng.h"

/* A fresh scratch directory for the test (the suites' .init). */
void rt_setup(void);

/* <scratch>/name into buf. */
const char *rt_path(char *buf, size_t len, const char *name);

/* Write text to <scratch>/name; 1 when <scratch>/name exists. */
void rt_write(const char *name, const char *text);
int rt_exists(const char *name);

/* Number of entries in the scratch directory (nothing left behind). */
int rt_count_files(void);

/* n synthetic images of `classes` (at most 4) classes, rows x cols (at
 * least 8x8), into img, their labels into lbl. */
void rt_synth(unsigned char *img, unsigned char *lbl, int n, int rows, int cols,
              int classes, rng_state *r);

/* A data set directory <scratch>/sub with ntrain / ntest synthetic
 * samples; label_bump is added to every test label (to make out-of-range
 * labels).  The training images are gzip'd, the rest plain. */
void rt_make_data(const char *sub, int ntrain, int ntest, int rows, int cols,
                  int classes, int label_bump);

/* The synthetic net's description, written to <scratch>/name.  act: the
 * conv layer's activation (changing it keeps the parameter count and
 * changes the architecture); side: input size. */
void rt_make_net(const char *name, const char *act, int side, int classes);

/* The usual fixture: data in <scratch>/data, the net in <scratch>/syn.lua. */
void rt_standard(int ntrain);

/* What a run of the binary printed, and how it ended. */
typedef struct rt_out {
    int status;                 /* exit status, or 128 + signal */
    char out[16384], err[4096];
} rt_out;

/* The binary: $CNNGEN, else build/cnngen. */
const char *rt_bin(void);

/* The file at path into buf[0..len), NUL-terminated ("" if unreadable). */
void rt_slurp(const char *path, char *buf, size_t len);

/* The child's environment (a static array, built before fork): ours, with
 * the cc cache in the shared test directory and CFLAGS=-O2, plus extra
 * "K=V" entries (an XDG_CACHE_HOME among them replaces the shared cache). */
char *const *rt_env(const char *const *extra);

/* Run cnngen with args (NULL-terminated, without argv[0]) and extra
 * environment entries; capture stdout and stderr.  A `run` that names no
 * backend gets `--backend tcc` (runs are compared bit for bit, and auto
 * switches to cc at a moment that depends on timing); rt_run_as_is passes
 * the arguments exactly. */
void rt_run(rt_out *o, const char *const *args, const char *const *env);
void rt_run_as_is(rt_out *o, const char *const *args, const char *const *env);

/* Exactly one line on stderr, containing `want`, and the status. */
void rt_expect_error(const rt_out *o, int status, const char *want);

/* The values of key in each JSON line of text (at most max); returns how
 * many lines had it. */
int rt_json_values(const char *text, const char *key, double *v, int max);

/* The chunks of the units a cc cache directory (<XDG_CACHE_HOME>/cnngen)
 * holds, as a bit set: bit n for a unit whose NAME_CHUNK is n (n < 64);
 * *units, when not NULL, the number of units. */
unsigned long long rt_cached_chunks(const char *dir, int *units);
/* 1 when two files have the same bytes. */
int rt_same_file(const char *a, const char *b);

/* The parameters of a weights file (malloc'd), *count of them. */
float *rt_weights(const char *path, size_t *count);

/* Two weights files agree to tol (relative to max(1, |w|)). */
void rt_expect_close_weights(const char *a, const char *b, double tol);

/* The epochs' costs of two JSON outputs agree to tol. */
void rt_expect_same_costs(const char *out1, const char *out2, int epochs, double tol);

#endif
