/*
 * dataset.h -- data sets for training and evaluation: a train and a test
 * split of grey-scale images with integer labels, loaded from MNIST-style
 * IDX files.
 *
 * A data set is named either
 *   - "fashion-mnist": the Debian package dataset-fashion-mnist, files under
 *     /usr/share/datasets/fashion-mnist (the root /usr/share/datasets can be
 *     replaced by the environment variable CNNGEN_DATASETS_DIR, for tests);
 *   - or a directory holding the four files
 *       train-images-idx3-ubyte  train-labels-idx1-ubyte
 *       t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
 *     each plain or with a .gz suffix.  When both forms of a file exist the
 *     plain one is read (it is the faster, and `gunzip -k` leaves both).
 * A known name wins over a directory of that name in the current directory;
 * write ./fashion-mnist to mean the directory.
 *
 * Images become floats in [0, 1] (pixel / 255), one sample after another,
 * each [rows][cols] -- the [channel][row][col] layout of a 1-channel network
 * input.
 */
#ifndef CNNGEN_DATASET_H
#define CNNGEN_DATASET_H

#include <stddef.h>

#define DS_NAME_MAX 256
#define DS_PATH_MAX 4096

typedef struct ds_split {
    int n;              /* samples */
    int rows, cols;     /* image size; one sample is rows*cols floats */
    float *x;           /* n*rows*cols, malloc'd, sample s at x + s*rows*cols */
    int *y;             /* n labels, malloc'd */
} ds_split;

typedef struct dataset {
    ds_split train, test;
    int n_classes;              /* 1 + the largest label in either split */
    char name[DS_NAME_MAX];     /* as given to dataset_open; prefixes messages */
    char source[DS_PATH_MAX];   /* the directory the files were read from */
} dataset;

/* Load the data set `name_or_dir` (see above) into *ds.  Returns 0, or -1
 * with a one-line message in err: unknown name, missing files (for
 * fashion-mnist: "fashion-mnist: data not found in DIR (install it: apt-get
 * install dataset-fashion-mnist)"), any idx_load error, images not 3-D,
 * labels not 1-D, label count != image count, train and test image sizes
 * that differ.  On failure *ds is left empty (safe to dataset_free). */
int dataset_open(const char *name_or_dir, dataset *ds, char *err, size_t errlen);

/* Free both splits' arrays (with free(), so a ds_split filled by hand with
 * malloc'd x and y may be released the same way) and empty *ds. */
void dataset_free(dataset *ds);

/* Check that ds fits a network whose input is [in_c][in_h][in_w] and which
 * has out_size outputs: the images must be 1 x rows x cols with the same
 * sizes, and every label in [0, out_size).  Returns 0, or -1 with e.g.
 *   "fashion-mnist: data has 28x28 images but the network takes [3][32][32]"
 *   "fashion-mnist: train label at index 17 is 10, but the network has 10
 *    outputs (labels must be 0..9)"
 * (the first bad label of the train split, then of the test split). */
int dataset_check(const dataset *ds, int in_c, int in_h, int in_w, int out_size,
                  char *err, size_t errlen);

/* Keep only the first n samples of s (for --limit); the arrays shrink to
 * fit.  n >= s->n leaves s unchanged.  Returns the new s->n, or -1 (s
 * unchanged) when n < 0. */
int ds_split_take(ds_split *s, int n);

/* Release s's arrays and empty it. */
void ds_split_free(ds_split *s);

#endif
