/*
 * dataset.c -- data set names to files, IDX arrays to float images and int
 * labels, and the checks that a data set fits a network.
 *
 * Policy lives here (which name means which directory, which file names a
 * directory must hold, plain before .gz); the file format lives in idx.c.
 */
#include "bigbuf.h"
#include "errfmt.h"
#include "dataset.h"
#include "idx.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DS_FASHION_NAME    "fashion-mnist"
#define DS_FASHION_PACKAGE "dataset-fashion-mnist"
#define DS_DEFAULT_ROOT    "/usr/share/datasets"
#define DS_ROOT_ENV        "CNNGEN_DATASETS_DIR"

/* The four files of a data set directory, in the order they are looked up. */
enum { DS_TRAIN_IMAGES, DS_TRAIN_LABELS, DS_TEST_IMAGES, DS_TEST_LABELS, DS_NFILES };
static const char *const ds_file_base[DS_NFILES] = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",  "t10k-labels-idx1-ubyte",
};

/* Find dir/base, else dir/base.gz (plain first: see dataset.h), and write
 * the path found into out.  Returns 0, or -1 when neither exists or the
 * path does not fit in outlen. */
static int ds_find_file(const char *dir, const char *base, char *out, size_t outlen)
{
    static const char *const suffix[2] = { "", ".gz" };
    struct stat st;
    int k;
    for (k = 0; k < 2; ++k) {
        int len = snprintf(out, outlen, "%s/%s%s", dir, base, suffix[k]);
        if (len < 0 || (size_t)len >= outlen)
            return -1;
        if (stat(out, &st) == 0)
            return 0;
    }
    return -1;
}

/* Load one split from its images and labels files into *s (empty on
 * failure).  Checks the ranks, that the counts agree, and that the sizes
 * fit in int (so n*rows*cols may be computed in int by callers). */
static int ds_load_split(const char *img_path, const char *lbl_path, ds_split *s,
                         char *err, size_t errlen)
{
    idx_array im, lb;
    size_t i;
    int rc = -1;

    memset(s, 0, sizeof *s);
    if (idx_load(img_path, &im, err, errlen) < 0)
        return -1;
    if (idx_load(lbl_path, &lb, err, errlen) < 0) {
        idx_free(&im);
        return -1;
    }
    if (im.ndims != 3) {
        errfmt(err, errlen, "%s: images must be 3-D [n][rows][cols]; this file has "
                 "%d dimension%s", img_path, im.ndims, im.ndims == 1 ? "" : "s");
        goto done;
    }
    if (lb.ndims != 1) {
        errfmt(err, errlen, "%s: labels must be 1-D [n]; this file has %d dimensions",
                 lbl_path, lb.ndims);
        goto done;
    }
    if (lb.dims[0] != im.dims[0]) {
        errfmt(err, errlen, "%s has %u labels but %s has %u images",
                 lbl_path, lb.dims[0], img_path, im.dims[0]);
        goto done;
    }
    if (im.count > (size_t)INT_MAX) {
        errfmt(err, errlen, "%s: too large (%u images of %ux%u; at most %d pixels "
                 "in all are supported)", img_path, im.dims[0], im.dims[1], im.dims[2],
                 INT_MAX);
        goto done;
    }
    s->x = bigbuf_alloc(im.count * sizeof *s->x);   /* read at random places: huge pages */
    s->y = malloc(lb.count * sizeof *s->y);
    if (!s->x || !s->y) {
        errfmt(err, errlen, "%s: out of memory", img_path);
        ds_split_free(s);
        goto done;
    }
    for (i = 0; i < im.count; ++i)
        s->x[i] = (float)im.data[i] / 255.0f;
    for (i = 0; i < lb.count; ++i)
        s->y[i] = lb.data[i];
    s->n = (int)im.dims[0];
    s->rows = (int)im.dims[1];
    s->cols = (int)im.dims[2];
    rc = 0;
done:
    idx_free(&im);
    idx_free(&lb);
    return rc;
}

/* Largest label of s, or -1 when s is empty. */
static int ds_max_label(const ds_split *s)
{
    int i, m = -1;
    for (i = 0; i < s->n; ++i)
        if (s->y[i] > m)
            m = s->y[i];
    return m;
}

/* Resolve name_or_dir to the directory to read into dir.  known is set to
 * 1 for a built-in name, whose missing files get the install hint.
 * Returns 0 or -1 with a message. */
static int ds_resolve(const char *name, char *dir, size_t dirlen, int *known,
                      char *err, size_t errlen)
{
    struct stat st;
    int len;

    *known = 0;
    if (strcmp(name, DS_FASHION_NAME) == 0) {
        const char *root = getenv(DS_ROOT_ENV);
        if (!root || !*root)
            root = DS_DEFAULT_ROOT;
        *known = 1;
        len = snprintf(dir, dirlen, "%s/%s", root, DS_FASHION_NAME);
    } else {
        if (stat(name, &st) != 0)
            return errfmt(err, errlen, "%s: unknown data set (known: %s) and not a "
                            "directory: %s", name, DS_FASHION_NAME, strerror(errno));
        if (!S_ISDIR(st.st_mode))
            return errfmt(err, errlen, "%s: unknown data set (known: %s) and not a "
                            "directory", name, DS_FASHION_NAME);
        len = snprintf(dir, dirlen, "%s", name);
    }
    if (len < 0 || (size_t)len >= dirlen)
        return errfmt(err, errlen, "%s: path too long", name);
    return 0;
}

/* See dataset.h. */
int dataset_open(const char *name_or_dir, dataset *ds, char *err, size_t errlen)
{
    char path[DS_NFILES][DS_PATH_MAX + 64];
    int k, known, m;

    memset(ds, 0, sizeof *ds);
    if (ds_resolve(name_or_dir, ds->source, sizeof ds->source, &known, err, errlen) < 0)
        return -1;
    snprintf(ds->name, sizeof ds->name, "%s", name_or_dir);
    for (k = 0; k < DS_NFILES; ++k) {
        if (ds_find_file(ds->source, ds_file_base[k], path[k], sizeof path[k]) == 0)
            continue;
        if (known)
            errfmt(err, errlen, "%s: data not found in %s (install it: apt-get install %s)",
                     name_or_dir, ds->source, DS_FASHION_PACKAGE);
        else
            errfmt(err, errlen, "%s: no %s or %s.gz (a data set directory holds "
                     "train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                     "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or .gz)",
                     ds->source, ds_file_base[k], ds_file_base[k]);
        memset(ds, 0, sizeof *ds);
        return -1;
    }
    if (ds_load_split(path[DS_TRAIN_IMAGES], path[DS_TRAIN_LABELS], &ds->train,
                      err, errlen) < 0
        || ds_load_split(path[DS_TEST_IMAGES], path[DS_TEST_LABELS], &ds->test,
                         err, errlen) < 0) {
        dataset_free(ds);
        return -1;
    }
    if (ds->train.rows != ds->test.rows || ds->train.cols != ds->test.cols) {
        errfmt(err, errlen, "%s: train images are %dx%d but test images are %dx%d",
                 name_or_dir, ds->train.rows, ds->train.cols, ds->test.rows, ds->test.cols);
        dataset_free(ds);
        return -1;
    }
    m = ds_max_label(&ds->train);
    k = ds_max_label(&ds->test);
    ds->n_classes = (m > k ? m : k) + 1;
    return 0;
}

/* See dataset.h. */
void ds_split_free(ds_split *s)
{
    free(s->x);
    free(s->y);
    memset(s, 0, sizeof *s);
}

/* See dataset.h. */
void dataset_free(dataset *ds)
{
    ds_split_free(&ds->train);
    ds_split_free(&ds->test);
    memset(ds, 0, sizeof *ds);
}

/* Check one split's labels against out_size: the first bad one is named
 * with the split and its index. */
static int ds_check_labels(const dataset *ds, const ds_split *s, const char *split,
                           int out_size, char *err, size_t errlen)
{
    int i;
    for (i = 0; i < s->n; ++i)
        if (s->y[i] < 0 || s->y[i] >= out_size)
            return errfmt(err, errlen, "%s%s%s label at index %d is %d, but the network "
                            "has %d output%s (labels must be 0..%d)",
                            ds->name, *ds->name ? ": " : "", split, i, s->y[i],
                            out_size, out_size == 1 ? "" : "s", out_size - 1);
    return 0;
}

/* See dataset.h. */
int dataset_check(const dataset *ds, int in_c, int in_h, int in_w, int out_size,
                  char *err, size_t errlen)
{
    const char *sep = *ds->name ? ": " : "";
    if (in_c != 1 || in_h != ds->train.rows || in_w != ds->train.cols)
        return errfmt(err, errlen, "%s%sdata has %dx%d images but the network takes "
                        "[%d][%d][%d]", ds->name, sep, ds->train.rows, ds->train.cols,
                        in_c, in_h, in_w);
    if (ds_check_labels(ds, &ds->train, "train", out_size, err, errlen) < 0
        || ds_check_labels(ds, &ds->test, "test", out_size, err, errlen) < 0)
        return -1;
    return 0;
}

/* See dataset.h. */
int ds_split_take(ds_split *s, int n)
{
    if (n < 0)
        return -1;
    if (n >= s->n)
        return s->n;
    if (n == 0) {
        int rows = s->rows, cols = s->cols;
        ds_split_free(s);
        s->rows = rows;
        s->cols = cols;
        return 0;
    }
    {
        size_t per = (size_t)s->rows * (size_t)s->cols;
        float *x = realloc(s->x, (size_t)n * per * sizeof *x);
        int *y = realloc(s->y, (size_t)n * sizeof *y);
        if (x)          /* shrinking: on failure the old, larger block stays valid */
            s->x = x;
        if (y)
            s->y = y;
    }
    s->n = n;
    return n;
}
