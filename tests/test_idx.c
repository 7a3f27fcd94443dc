/*
 * test_idx.c -- suite "idx": the IDX reader (runtime/idx.c) and the data
 * sets built on it (runtime/dataset.c).  Small IDX files, plain and gzip'd,
 * are written into a fresh temporary directory per test (id_setup/
 * id_teardown); the installed Fashion-MNIST is checked when present.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset.h"
#include "idx.h"

#include "fsutil.h"
#include "idxw.h"

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

static void id_setup(void)
{
    fs_scratch_make("idx");
}

/* <scratch>/name in buf. */
static const char *id_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", fs_scratch(), name);
    return buf;
}

/* Pixel p of sample s, and the label of sample s, in the sets written by
 * id_write_split; `salt` tells sets apart. */
static unsigned char id_pixel(int s, int p, int salt)
{
    return (unsigned char)((s * 31 + p * 7 + salt) % 256);
}

static unsigned char id_label(int s, int salt)
{
    return (unsigned char)((s * 3 + salt) % 10);
}

/* Write "<prefix>-images-idx3-ubyte[.gz]" and "<prefix>-labels-idx1-ubyte
 * [.gz]" into dir: n samples of rows x cols. */
static void id_write_split(const char *dir, const char *prefix, int n, int rows, int cols,
                           int gz, int salt)
{
    char path[512];
    unsigned dims[3];
    unsigned char *px = malloc((size_t)n * rows * cols + 1), *lb = malloc((size_t)n + 1);
    int s, p;
    for (s = 0; s < n; ++s) {
        for (p = 0; p < rows * cols; ++p)
            px[s * rows * cols + p] = id_pixel(s, p, salt);
        lb[s] = id_label(s, salt);
    }
    dims[0] = (unsigned)n;
    dims[1] = (unsigned)rows;
    dims[2] = (unsigned)cols;
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte%s", dir, prefix, gz ? ".gz" : "");
    idxw_write(path, 3, dims, px, (size_t)n * rows * cols, gz);
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte%s", dir, prefix, gz ? ".gz" : "");
    idxw_write(path, 1, dims, lb, (size_t)n, gz);
    free(px);
    free(lb);
}

/* idx_load of path must fail with `want` in a one-line message naming
 * path, leaving *out empty. */
static void id_expect_fail(const char *path, const char *want)
{
    char err[512] = "";
    idx_array a;
    cr_assert_eq(idx_load(path, &a, err, sizeof err), -1, "load of %s succeeded", path);
    cr_assert(strstr(err, want), "message \"%s\" lacks \"%s\"", err, want);
    cr_assert(strstr(err, path), "message \"%s\" does not name the file", err);
    cr_assert(!strchr(err, '\n'), "message is not one line: \"%s\"", err);
    cr_assert_null(a.data);
    cr_assert_eq(a.count, 0);
    idx_free(&a);
}

/* dataset_open of name must fail with `want` in the message. */
static void id_expect_open_fail(const char *name, const char *want)
{
    char err[1024] = "";
    dataset ds;
    cr_assert_eq(dataset_open(name, &ds, err, sizeof err), -1, "open of %s succeeded", name);
    cr_assert(strstr(err, want), "message \"%s\" lacks \"%s\"", err, want);
    cr_assert(!strchr(err, '\n'), "message is not one line: \"%s\"", err);
    cr_assert_null(ds.train.x);
    dataset_free(&ds);
}

TestSuite(idx, .init = id_setup, .fini = fs_scratch_remove, .timeout = 30);

/* ---- the IDX reader -------------------------------------------------- */

static void id_check_small(int gz)
{
    unsigned dims[3] = { 2, 3, 4 };
    unsigned char data[24];
    char path[128], err[512] = "";
    idx_array a;
    int i;
    for (i = 0; i < 24; ++i)
        data[i] = (unsigned char)(i * 11);
    id_path(path, sizeof path, gz ? "a.gz" : "a");
    idxw_write(path, 3, dims, data, 24, gz);
    cr_assert_eq(idx_load(path, &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(a.ndims, 3);
    cr_assert_eq(a.dims[0], 2);
    cr_assert_eq(a.dims[1], 3);
    cr_assert_eq(a.dims[2], 4);
    cr_assert_eq(a.count, 24);
    cr_assert(memcmp(a.data, data, 24) == 0, "data differ");
    idx_free(&a);
    cr_assert_null(a.data);
}

Test(idx, reads_plain)
{
    id_check_small(0);
}

Test(idx, reads_gzip)
{
    id_check_small(1);
}

/* More than the reader's first 1 MiB chunk, so its buffer must grow. */
Test(idx, large_file_plain_and_gzip_agree)
{
    unsigned dims[3] = { 3, 700, 701 };
    size_t n = (size_t)3 * 700 * 701, i;
    unsigned char *data = malloc(n);
    char plain[128], gz[128], err[512] = "";
    idx_array a, b;

    for (i = 0; i < n; ++i)
        data[i] = (unsigned char)(i * 2654435761u >> 24);
    idxw_write(id_path(plain, sizeof plain, "big"), 3, dims, data, n, 0);
    idxw_write(id_path(gz, sizeof gz, "big.gz"), 3, dims, data, n, 1);
    cr_assert_eq(idx_load(plain, &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(idx_load(gz, &b, err, sizeof err), 0, "%s", err);
    cr_assert_eq(a.count, n);
    cr_assert_eq(b.count, n);
    cr_assert(memcmp(a.data, data, n) == 0, "plain data differ");
    cr_assert(memcmp(b.data, data, n) == 0, "gzip data differ");
    idx_free(&a);
    idx_free(&b);
    free(data);
}

Test(idx, one_dimensional_labels)
{
    unsigned dims[1] = { 5 };
    unsigned char lab[5] = { 9, 0, 3, 3, 7 };
    char path[128], err[512] = "";
    idx_array a;
    idxw_write(id_path(path, sizeof path, "l.gz"), 1, dims, lab, 5, 1);
    cr_assert_eq(idx_load(path, &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(a.ndims, 1);
    cr_assert_eq(a.count, 5);
    cr_assert(memcmp(a.data, lab, 5) == 0);
    idx_free(&a);
}

Test(idx, truncated_plain)
{
    unsigned dims[3] = { 2, 3, 4 };
    unsigned char data[24] = { 0 };
    char path[128];
    size_t len;
    unsigned char *b = idxw_make(0x08, 3, dims, data, 24, &len);

    id_path(path, sizeof path, "t");
    idxw_write_raw(path, b, len - 4, 0);            /* data short by 4 */
    id_expect_fail(path, "truncated: the header promises 24 data bytes, the file holds 20");
    idxw_write_raw(path, b, 10, 0);                 /* inside the dims */
    id_expect_fail(path, "truncated: the header is incomplete");
    idxw_write_raw(path, b, 2, 0);                  /* inside the magic */
    id_expect_fail(path, "truncated");
    idxw_write_raw(path, b, 0, 0);
    id_expect_fail(path, "truncated: the file is empty");
    free(b);
}

/* A header promising MNIST's size over a tiny file: "truncated", without
 * allocating what the header claims. */
Test(idx, truncated_with_huge_header)
{
    unsigned dims[3] = { 60000, 28, 28 };
    unsigned char data[10] = { 0 };
    char path[128];
    idxw_write(id_path(path, sizeof path, "h"), 3, dims, data, 10, 0);
    id_expect_fail(path, "truncated: the header promises 47040000 data bytes, the file holds 10");
}

Test(idx, truncated_gzip)
{
    unsigned dims[3] = { 2, 3, 4 };
    unsigned char data[24], *gzbytes;
    char path[128], cut[128];
    size_t len;
    FILE *f;
    long glen;
    int i;

    for (i = 0; i < 24; ++i)
        data[i] = (unsigned char)(i * 37 + 1);
    /* the compressed stream is complete but holds too few bytes */
    {
        size_t mlen;
        unsigned char *b = idxw_make(0x08, 3, dims, data, 24, &mlen);
        idxw_write_raw(id_path(path, sizeof path, "short.gz"), b, mlen - 5, 1);
        free(b);
    }
    id_expect_fail(path, "truncated");

    /* the compressed stream itself is cut short */
    idxw_write(id_path(path, sizeof path, "full.gz"), 3, dims, data, 24, 1);
    f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    glen = ftell(f);
    fseek(f, 0, SEEK_SET);
    gzbytes = malloc((size_t)glen);
    cr_assert_eq(fread(gzbytes, 1, (size_t)glen, f), (size_t)glen);
    fclose(f);
    len = (size_t)glen - 14;                      /* the 8-byte trailer and some data */
    idxw_write_raw(id_path(cut, sizeof cut, "cut.gz"), gzbytes, len, 0);
    id_expect_fail(cut, "truncated");
    free(gzbytes);
}

Test(idx, corrupt_gzip_is_an_error)
{
    static const unsigned char junk[] = { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03,
                                          0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    char path[128], err[512] = "";
    idx_array a;
    idxw_write_raw(id_path(path, sizeof path, "junk.gz"), junk, sizeof junk, 0);
    cr_assert_eq(idx_load(path, &a, err, sizeof err), -1);
    cr_assert(strstr(err, path), "%s", err);
    cr_assert(strstr(err, "corrupt gzip data") || strstr(err, "truncated"), "%s", err);
}

Test(idx, wrong_magic)
{
    static const char text[] = "P5\n28 28\n255\nthis is a PGM, not IDX";
    static const unsigned char almost[] = { 0x00, 0x01, 0x08, 0x01, 0, 0, 0, 1, 7 };
    char path[128];
    idxw_write_raw(id_path(path, sizeof path, "x.pgm"), text, sizeof text - 1, 0);
    id_expect_fail(path, "not an IDX file (wrong magic 50 35 0A 32");
    idxw_write_raw(path, almost, sizeof almost, 0);
    id_expect_fail(path, "not an IDX file (wrong magic");
}

Test(idx, wrong_type)
{
    unsigned dims[1] = { 2 };
    unsigned char data[8] = { 0 };
    char path[128];
    size_t len;
    unsigned char *b = idxw_make(0x0D, 1, dims, data, 8, &len);
    idxw_write_raw(id_path(path, sizeof path, "f"), b, len, 0);
    free(b);
    id_expect_fail(path, "unsupported element type 0x0D (float); only 0x08 "
                         "(unsigned byte) is supported");
    b = idxw_make(0x42, 1, dims, data, 2, &len);
    idxw_write_raw(path, b, len, 0);
    free(b);
    id_expect_fail(path, "not an IDX file (unknown element type 0x42)");
}

Test(idx, bad_dimensions)
{
    unsigned dims[5] = { 2, 0, 3, 1, 1 };
    unsigned char data[8] = { 0 };
    char path[128];
    id_path(path, sizeof path, "d");
    idxw_write(path, 0, dims, data, 1, 0);
    id_expect_fail(path, "the header declares 0 dimensions");
    idxw_write(path, 5, dims, data, 0, 0);
    id_expect_fail(path, "too many dimensions (5; at most 4 are supported)");
    idxw_write(path, 3, dims, data, 0, 0);
    id_expect_fail(path, "dimension 2 is 0");
}

Test(idx, size_overflow)
{
    unsigned dims[4] = { 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu };
    unsigned char data[4] = { 0 };
    char path[128];
    idxw_write(id_path(path, sizeof path, "o"), 4, dims, data, 4, 0);
    id_expect_fail(path, "size overflow");
}

Test(idx, trailing_garbage)
{
    unsigned dims[2] = { 2, 2 };
    unsigned char data[5] = { 1, 2, 3, 4, 5 };
    char path[128];
    idxw_write(id_path(path, sizeof path, "g"), 2, dims, data, 5, 0);
    id_expect_fail(path, "trailing data after the 4 bytes the header describes");
    idxw_write(id_path(path, sizeof path, "g.gz"), 2, dims, data, 5, 1);
    id_expect_fail(path, "trailing data");
}

Test(idx, cannot_open)
{
    char path[128];
    id_expect_fail(id_path(path, sizeof path, "missing"), "cannot open: No such file or directory");
    id_expect_fail(fs_scratch(), "cannot open: Is a directory");
}

/* ---- data sets ---------------------------------------------------------- */

Test(idx, dataset_directory_round_trip)
{
    char err[1024] = "";
    dataset ds;
    int s, p;

    id_write_split(fs_scratch(), "train", 12, 4, 5, 0, 1);        /* plain */
    id_write_split(fs_scratch(), "t10k", 7, 4, 5, 1, 2);          /* gzip */
    cr_assert_eq(dataset_open(fs_scratch(), &ds, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(ds.source, fs_scratch());
    cr_assert_str_eq(ds.name, fs_scratch());
    cr_assert_eq(ds.train.n, 12);
    cr_assert_eq(ds.test.n, 7);
    cr_assert_eq(ds.train.rows, 4);
    cr_assert_eq(ds.train.cols, 5);
    cr_assert_eq(ds.test.rows, 4);
    cr_assert_eq(ds.test.cols, 5);
    cr_assert_eq(ds.n_classes, 10);
    for (s = 0; s < 12; ++s) {
        cr_assert_eq(ds.train.y[s], id_label(s, 1));
        for (p = 0; p < 20; ++p)
            cr_assert_eq(ds.train.x[s * 20 + p], (float)id_pixel(s, p, 1) / 255.0f,
                         "train sample %d pixel %d", s, p);
    }
    for (s = 0; s < 7; ++s) {
        cr_assert_eq(ds.test.y[s], id_label(s, 2));
        for (p = 0; p < 20; ++p)
            cr_assert_eq(ds.test.x[s * 20 + p], (float)id_pixel(s, p, 2) / 255.0f);
    }
    cr_assert_eq(dataset_check(&ds, 1, 4, 5, 10, err, sizeof err), 0, "%s", err);

    cr_assert_eq(ds_split_take(&ds.train, -1), -1);
    cr_assert_eq(ds.train.n, 12);
    cr_assert_eq(ds_split_take(&ds.train, 100), 12);
    cr_assert_eq(ds_split_take(&ds.train, 3), 3);
    cr_assert_eq(ds.train.n, 3);
    for (s = 0; s < 3; ++s)
        for (p = 0; p < 20; ++p)
            cr_assert_eq(ds.train.x[s * 20 + p], (float)id_pixel(s, p, 1) / 255.0f);
    cr_assert_eq(ds_split_take(&ds.test, 0), 0);
    cr_assert_eq(ds.test.n, 0);
    cr_assert_eq(dataset_check(&ds, 1, 4, 5, 10, err, sizeof err), 0, "%s", err);
    dataset_free(&ds);
    cr_assert_null(ds.train.x);
    dataset_free(&ds);                              /* twice is harmless */
}

/* A split of more than 2 MiB of pixels (runtime/bigbuf.h: the images
 * are read at random places, so they go in huge pages): on a 2 MiB
 * boundary, every pixel where it belongs, and --limit's shrink keeps it. */
Test(idx, a_large_split_is_aligned_to_a_huge_page)
{
    char err[1024] = "";
    dataset ds;
    int s, p, bad = 0;

    id_write_split(fs_scratch(), "train", 700, 28, 28, 1, 3);    /* 2.2 MB of floats */
    id_write_split(fs_scratch(), "t10k", 5, 28, 28, 0, 4);
    cr_assert_eq(dataset_open(fs_scratch(), &ds, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds.train.n, 700);
    cr_expect_eq((uintptr_t)ds.train.x % ((uintptr_t)2 << 20), 0, "train images at %p",
                 (void *)ds.train.x);
    for (s = 0; s < 700; ++s) {
        bad += ds.train.y[s] != id_label(s, 3);
        for (p = 0; p < 784; ++p)
            bad += ds.train.x[s * 784 + p] != (float)id_pixel(s, p, 3) / 255.0f;
    }
    cr_expect_eq(bad, 0, "%d pixels or labels differ", bad);
    cr_assert_eq(ds_split_take(&ds.train, 650), 650);
    for (s = 640; s < 650; ++s)
        for (p = 0; p < 784; ++p)
            bad += ds.train.x[s * 784 + p] != (float)id_pixel(s, p, 3) / 255.0f;
    cr_expect_eq(bad, 0, "%d pixels differ after the shrink", bad);
    dataset_free(&ds);
}

Test(idx, dataset_prefers_plain_over_gzip)
{
    char err[1024] = "";
    dataset ds;
    id_write_split(fs_scratch(), "train", 4, 3, 3, 0, 5);
    id_write_split(fs_scratch(), "train", 4, 3, 3, 1, 6);
    id_write_split(fs_scratch(), "t10k", 2, 3, 3, 1, 7);
    cr_assert_eq(dataset_open(fs_scratch(), &ds, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds.train.y[1], id_label(1, 5), "the .gz file was read, not the plain one");
    cr_assert_eq(ds.train.x[4], (float)id_pixel(0, 4, 5) / 255.0f);
    dataset_free(&ds);
}

Test(idx, dataset_label_count_mismatch)
{
    char path[256];
    unsigned dims[1] = { 4 };
    unsigned char lab[4] = { 0, 1, 2, 3 };
    id_write_split(fs_scratch(), "train", 5, 2, 2, 0, 0);
    id_write_split(fs_scratch(), "t10k", 2, 2, 2, 0, 0);
    id_path(path, sizeof path, "train-labels-idx1-ubyte");
    idxw_write(path, 1, dims, lab, 4, 0);
    id_expect_open_fail(fs_scratch(), "train-labels-idx1-ubyte has 4 labels but ");
    id_expect_open_fail(fs_scratch(), "train-images-idx3-ubyte has 5 images");
}

Test(idx, dataset_images_must_be_3d_labels_1d)
{
    char path[256];
    unsigned dims[2] = { 2, 4 };
    unsigned char data[8] = { 0 };
    id_write_split(fs_scratch(), "train", 2, 2, 2, 0, 0);
    id_write_split(fs_scratch(), "t10k", 2, 2, 2, 0, 0);
    id_path(path, sizeof path, "t10k-images-idx3-ubyte");
    idxw_write(path, 2, dims, data, 8, 0);
    id_expect_open_fail(fs_scratch(), "t10k-images-idx3-ubyte: images must be 3-D [n][rows][cols]; "
                                "this file has 2 dimensions");
    id_write_split(fs_scratch(), "t10k", 2, 2, 2, 0, 0);
    id_path(path, sizeof path, "t10k-labels-idx1-ubyte");
    idxw_write(path, 2, dims, data, 8, 0);
    id_expect_open_fail(fs_scratch(), "t10k-labels-idx1-ubyte: labels must be 1-D [n]; "
                                "this file has 2 dimensions");
}

Test(idx, dataset_train_and_test_sizes_must_agree)
{
    id_write_split(fs_scratch(), "train", 2, 4, 4, 0, 0);
    id_write_split(fs_scratch(), "t10k", 2, 5, 4, 0, 0);
    id_expect_open_fail(fs_scratch(), "train images are 4x4 but test images are 5x4");
}

Test(idx, dataset_missing_file)
{
    char path[256];
    id_write_split(fs_scratch(), "train", 2, 2, 2, 0, 0);
    id_write_split(fs_scratch(), "t10k", 2, 2, 2, 1, 0);
    unlink(id_path(path, sizeof path, "t10k-labels-idx1-ubyte.gz"));
    id_expect_open_fail(fs_scratch(), "no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz");
}

Test(idx, dataset_bad_file_inside_is_reported)
{
    char path[256];
    id_write_split(fs_scratch(), "train", 2, 2, 2, 0, 0);
    id_write_split(fs_scratch(), "t10k", 2, 2, 2, 0, 0);
    idxw_write_raw(id_path(path, sizeof path, "train-images-idx3-ubyte"), "junk!", 5, 0);
    id_expect_open_fail(fs_scratch(), "train-images-idx3-ubyte: not an IDX file");
}

Test(idx, dataset_check_labels_out_of_range)
{
    char path[256], err[1024] = "";
    unsigned dims[1] = { 9 };
    unsigned char lab[9] = { 0, 1, 2, 3, 4, 5, 6, 12, 10 };
    dataset ds;

    id_write_split(fs_scratch(), "train", 9, 2, 2, 0, 0);
    id_write_split(fs_scratch(), "t10k", 3, 2, 2, 0, 0);
    idxw_write(id_path(path, sizeof path, "train-labels-idx1-ubyte"), 1, dims, lab, 9, 0);
    cr_assert_eq(dataset_open(fs_scratch(), &ds, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ds.n_classes, 13);
    cr_assert_eq(dataset_check(&ds, 1, 2, 2, 10, err, sizeof err), -1);
    cr_assert(strstr(err, "train label at index 7 is 12, but the network has 10 outputs "
                          "(labels must be 0..9)"), "%s", err);
    cr_assert_eq(dataset_check(&ds, 1, 2, 2, 13, err, sizeof err), 0, "%s", err);

    /* the test split is checked too */
    ds.test.y[2] = 10;
    ds.train.y[7] = ds.train.y[8] = 1;
    cr_assert_eq(dataset_check(&ds, 1, 2, 2, 10, err, sizeof err), -1);
    cr_assert(strstr(err, "test label at index 2 is 10"), "%s", err);
    dataset_free(&ds);
}

Test(idx, dataset_check_image_size_mismatch)
{
    char err[1024] = "", want[512];
    dataset ds;
    id_write_split(fs_scratch(), "train", 2, 28, 28, 1, 0);
    id_write_split(fs_scratch(), "t10k", 2, 28, 28, 1, 0);
    cr_assert_eq(dataset_open(fs_scratch(), &ds, err, sizeof err), 0, "%s", err);
    cr_assert_eq(dataset_check(&ds, 3, 32, 32, 10, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: data has 28x28 images but the network takes [3][32][32]",
             fs_scratch());
    cr_assert_str_eq(err, want);
    cr_assert_eq(dataset_check(&ds, 3, 28, 28, 10, err, sizeof err), -1, "channels ignored");
    cr_assert_eq(dataset_check(&ds, 1, 28, 27, 10, err, sizeof err), -1, "width ignored");
    cr_assert_eq(dataset_check(&ds, 1, 28, 28, 10, err, sizeof err), 0, "%s", err);
    dataset_free(&ds);
}

Test(idx, fashion_mnist_missing_message)
{
    char err[1024] = "", want[512];
    dataset ds;
    cr_assert_eq(setenv("CNNGEN_DATASETS_DIR", fs_scratch(), 1), 0);
    cr_assert_eq(dataset_open("fashion-mnist", &ds, err, sizeof err), -1);
    snprintf(want, sizeof want, "fashion-mnist: data not found in %s/fashion-mnist "
             "(install it: apt-get install dataset-fashion-mnist)", fs_scratch());
    cr_assert_str_eq(err, want);
}

Test(idx, fashion_mnist_name_uses_datasets_dir)
{
    char dir[128], err[1024] = "";
    dataset ds;
    snprintf(dir, sizeof dir, "%s/fashion-mnist", fs_scratch());
    cr_assert_eq(mkdir(dir, 0755), 0);
    id_write_split(dir, "train", 6, 3, 3, 1, 0);
    id_write_split(dir, "t10k", 2, 3, 3, 1, 0);
    cr_assert_eq(setenv("CNNGEN_DATASETS_DIR", fs_scratch(), 1), 0);
    cr_assert_eq(dataset_open("fashion-mnist", &ds, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(ds.name, "fashion-mnist");
    cr_assert_str_eq(ds.source, dir);
    cr_assert_eq(ds.train.n, 6);
    dataset_free(&ds);
}

Test(idx, unknown_dataset_name)
{
    char path[256];
    id_expect_open_fail("no-such-data-set", "no-such-data-set: unknown data set "
                        "(known: fashion-mnist) and not a directory: No such file or directory");
    idxw_write_raw(id_path(path, sizeof path, "file"), "x", 1, 0);
    id_expect_open_fail(path, "unknown data set (known: fashion-mnist) and not a directory");
}

Test(idx, installed_fashion_mnist, .timeout = 120)
{
    char err[1024] = "";
    dataset ds;
    int i, bad = 0;
    float lo = 1.0f, hi = 0.0f;
    struct stat st;

    if (stat(FASHION_DIR, &st) != 0)
        cr_skip_test("%s is not installed (apt-get install dataset-fashion-mnist)",
                     FASHION_DIR);
    unsetenv("CNNGEN_DATASETS_DIR");
    cr_assert_eq(dataset_open("fashion-mnist", &ds, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(ds.source, FASHION_DIR);
    cr_assert_eq(ds.train.n, 60000);
    cr_assert_eq(ds.test.n, 10000);
    cr_assert_eq(ds.train.rows, 28);
    cr_assert_eq(ds.train.cols, 28);
    cr_assert_eq(ds.test.rows, 28);
    cr_assert_eq(ds.test.cols, 28);
    cr_assert_eq(ds.n_classes, 10);
    for (i = 0; i < ds.train.n; ++i)
        bad += ds.train.y[i] < 0 || ds.train.y[i] >= 10;
    for (i = 0; i < ds.test.n; ++i)
        bad += ds.test.y[i] < 0 || ds.test.y[i] >= 10;
    cr_assert_eq(bad, 0, "%d labels outside 0..9", bad);
    for (i = 0; i < ds.test.n * 28 * 28; ++i) {
        if (ds.test.x[i] < lo) lo = ds.test.x[i];
        if (ds.test.x[i] > hi) hi = ds.test.x[i];
    }
    cr_assert_eq(lo, 0.0f);
    cr_assert_eq(hi, 1.0f);
    cr_assert_eq(dataset_check(&ds, 1, 28, 28, 10, err, sizeof err), 0, "%s", err);
    cr_assert_eq(dataset_check(&ds, 3, 32, 32, 10, err, sizeof err), -1);
    cr_assert_str_eq(err, "fashion-mnist: data has 28x28 images but the network takes [3][32][32]");
    cr_assert_eq(dataset_check(&ds, 1, 28, 28, 9, err, sizeof err), -1);
    cr_assert(strstr(err, "fashion-mnist: train label at index "), "%s", err);
    dataset_free(&ds);
}
