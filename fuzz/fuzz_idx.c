/*
 * fuzz_idx.c -- fuzz target: IDX files, plain and gzip'd (runtime/idx.c),
 * and the data sets made of them (runtime/dataset.c).
 *
 * The first byte of the input chooses:
 *   bit 0  gzip what follows before the readers see it (they must read a
 *          gzip'd file as the plain one; the raw bytes may be gzip too)
 *   bit 1  a data set: the rest is the directory's four files, each as a
 *          2-byte big-endian length and that many bytes (the last one
 *          takes what is left; a length of 0xFFFF leaves the file out)
 *          given to dataset_open, then dataset_check and ds_split_take;
 *          else the rest is one file given to idx_load.
 * Every input must end in a loaded array that agrees with its header or
 * in a one-line message.
 */
#include <stdio.h>
#include <string.h>

#include "dataset.h"
#include "fuzz.h"
#include "idx.h"

static const char *const fuzz_idx_files[4] = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
};

/* The adapters: one file, a data set directory. */
static int load_file(const char *path, idx_array *a, char *err, size_t errlen)
{
    return idx_load(path, a, err, errlen);
}

static int load_dir(const char *dir, dataset *ds, char *err, size_t errlen)
{
    return dataset_open(dir, ds, err, errlen);
}

static void one_file(const uint8_t *data, size_t size, int gz)
{
    char path[600], err[1024];
    idx_array a;
    size_t count = 1;
    int k;
    fuzz_write(fuzz_path(path, sizeof path, "f.idx"), data, size, gz);
    if (load_file(path, &a, err, sizeof err) != 0) {
        fuzz_check_message("idx_load", err, path);
        if (a.data || a.count) fuzz_bug("idx_load", "failed but left data");
        return;
    }
    for (k = 0; k < a.ndims; ++k) count *= a.dims[k];
    if (a.ndims < 1 || a.ndims > IDX_MAX_DIMS || count != a.count || !a.data)
        fuzz_bug("idx_load", "the array does not agree with its dimensions");
    idx_free(&a);
}

/* Write the next of the four files (see the top) as dir/base[.gz]; both
 * names are removed first (a plain file would win over a .gz). */
static void next_file(const char *dir, const char *base, const uint8_t **data, size_t *size, int last, int gz)
{
    char path[700];
    size_t n = *size;
    int absent = 0;
    snprintf(path, sizeof path, "%s/%s.gz", dir, base);
    remove(path);
    path[strlen(path) - 3] = '\0';
    remove(path);
    if (!last && *size >= 2) {
        n = (size_t)(*data)[0] << 8 | (*data)[1];
        *data += 2;
        *size -= 2;
        absent = n == 0xFFFF;
        if (absent || n > *size) n = absent ? 0 : *size;
    }
    if (!absent) {
        if (gz) strcat(path, ".gz");
        fuzz_write(path, *data, n, gz);
    }
    *data += n;
    *size -= n;
}

static void data_set(const uint8_t *data, size_t size, int gz)
{
    char dir[600], err[1024];
    dataset ds;
    int k, half;
    fuzz_mkdir(fuzz_path(dir, sizeof dir, "ds"));
    for (k = 0; k < 4; ++k) next_file(dir, fuzz_idx_files[k], &data, &size, k == 3, gz);
    if (load_dir(dir, &ds, err, sizeof err) != 0) {
        fuzz_check_message("dataset_open", err, NULL);
        return;
    }
    if (ds.train.n < 1 || ds.test.n < 1 || ds.n_classes < 1 || ds.n_classes > 256)
        fuzz_bug("dataset_open", "a data set that disagrees with its files");
    if (dataset_check(&ds, 1, ds.train.rows, ds.train.cols, 10, err, sizeof err) != 0)
        fuzz_check_message("dataset_check", err, dir);
    if (dataset_check(&ds, 3, 2, 2, 1, err, sizeof err) == 0) fuzz_bug("dataset_check", "took 3 channels");
    fuzz_check_message("dataset_check", err, dir);
    half = ds.train.n / 2;
    if (ds_split_take(&ds.train, half) != half || ds.train.n != half) fuzz_bug("ds_split_take", "a wrong count");
    dataset_free(&ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if (data[0] & 2)
        data_set(data + 1, size - 1, data[0] & 1);
    else
        one_file(data + 1, size - 1, data[0] & 1);
    return 0;
}
