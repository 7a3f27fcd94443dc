/*
 * test_checkpoint.c -- suite "checkpoint": weights files (runtime/
 * checkpoint.c) round-trip in both precisions, match the documented byte
 * format, and every kind of bad file is refused with its own message and
 * without touching the caller's parameters; saves are atomic (no temporary
 * left behind, the old file intact after a failed save).
 *
 * Each test gets a fresh temporary directory (ck_setup/ck_teardown).
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "checkpoint.h"

#define ARCH 0x1234abcd5678ef00ULL

static void ck_setup(void)
{
    fs_scratch_make("ckpt");
}

/* <scratch>/name in buf. */
static const char *ck_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", fs_scratch(), name);
    return buf;
}

/* count floats with varied magnitudes and signs. */
static void ck_fill_float(float *p, size_t count, float scale)
{
    size_t i;
    for (i = 0; i < count; ++i)
        p[i] = scale * (float)sin((double)i * 0.7) * (float)(i % 7 + 1);
}

/* A fixed sentinel pattern, to check that failed loads write nothing. */
static void ck_sentinel(float *p, size_t count)
{
    size_t i;
    for (i = 0; i < count; ++i)
        p[i] = 12345.0f + (float)i;
}

static int ck_is_sentinel(const float *p, size_t count)
{
    size_t i;
    for (i = 0; i < count; ++i)
        if (p[i] != 12345.0f + (float)i)
            return 0;
    return 1;
}

/* Load path expecting failure with `want` in the message and params left
 * alone. */
static void ck_expect_fail(const char *path, size_t count, const char *want)
{
    char err[512] = "";
    float *p = malloc(count * sizeof *p + 1);
    ck_sentinel(p, count);
    cr_assert_eq(ckpt_load(path, p, count, 4, ARCH, err, sizeof err), -1,
                 "load of %s succeeded; expected \"%s\"", path, want);
    cr_assert(strstr(err, want), "message \"%s\" lacks \"%s\"", err, want);
    cr_assert(strstr(err, path), "message \"%s\" does not name the file", err);
    cr_assert(!strchr(err, '\n'), "message is not one line: \"%s\"", err);
    cr_assert(ck_is_sentinel(p, count), "failed load wrote into params (%s)", want);
    free(p);
}

TestSuite(checkpoint, .init = ck_setup, .fini = fs_scratch_remove, .timeout = 20);

Test(checkpoint, round_trip_float)
{
    enum { N = 1000 };
    static float a[N], b[N];
    char path[128], err[512] = "";
    ckpt_info info;
    struct stat st;

    ck_fill_float(a, N, 1.0f);
    a[0] = -0.0f;
    a[1] = 1e-40f;                          /* subnormal */
    a[2] = FLT_MAX;
    a[3] = -INFINITY;
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, a, N, 4, ARCH, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ckpt_load(path, b, N, 4, ARCH, err, sizeof err), 0, "%s", err);
    cr_assert(memcmp(a, b, sizeof a) == 0, "float round trip is not bit-exact");

    cr_assert_eq(ckpt_peek(path, &info, err, sizeof err), 0, "%s", err);
    cr_assert_eq(info.version, 1);
    cr_assert_eq(info.real_size, 4);
    cr_assert_eq(info.count, N);
    cr_assert_eq(info.arch_hash, ARCH);
    cr_assert_eq(info.file_size, 32 + 4 * N + 8);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq((unsigned long long)st.st_size, info.file_size);
    cr_assert_eq(st.st_mode & 0777, 0644, "new file mode %o", (unsigned)(st.st_mode & 0777));
}

Test(checkpoint, round_trip_double)
{
    enum { N = 777 };
    static double a[N], b[N];
    char path[128], err[512] = "";
    ckpt_info info;
    size_t i;

    for (i = 0; i < N; ++i)
        a[i] = sin((double)i) * 1e-3 + (double)i * 1e10;
    a[0] = 0.1;
    a[1] = -DBL_MIN / 4;                    /* subnormal */
    a[2] = DBL_MAX;
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, a, N, 8, ARCH, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ckpt_load(path, b, N, 8, ARCH, err, sizeof err), 0, "%s", err);
    cr_assert(memcmp(a, b, sizeof a) == 0, "double round trip is not bit-exact");
    cr_assert_eq(ckpt_peek(path, &info, err, sizeof err), 0, "%s", err);
    cr_assert_eq(info.real_size, 8);
    cr_assert_eq(info.file_size, 32 + 8 * N + 8);
}

Test(checkpoint, round_trip_zero_parameters)
{
    char path[128], err[512] = "";
    float dummy = 7.0f;
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, &dummy, 0, 4, ARCH, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ckpt_load(path, &dummy, 0, 4, ARCH, err, sizeof err), 0, "%s", err);
    cr_assert_eq(dummy, 7.0f);
}

/* The documented byte layout, checked against bytes computed by hand
 * (checksum by an independent Python FNV-1a). */
Test(checkpoint, byte_format_is_as_documented)
{
    static const unsigned char want[] = {
        'C', 'N', 'N', 'G', 'E', 'N', 'W', 0,
        1, 0, 0, 0,                                 /* version */
        4, 0, 0, 0,                                 /* real size */
        2, 0, 0, 0, 0, 0, 0, 0,                     /* count */
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,   /* arch hash */
        0x00, 0x00, 0x80, 0x3f,                     /* 1.0f */
        0x00, 0x00, 0x00, 0xc0,                     /* -2.0f */
        0x58, 0x28, 0xa2, 0x2d, 0xee, 0xe9, 0x79, 0x09,   /* FNV-1a of the 8 bytes */
    };
    float p[2] = { 1.0f, -2.0f };
    char path[128], err[512] = "";
    unsigned char *got;
    size_t len;

    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, p, 2, 4, 0x0102030405060708ULL, err, sizeof err), 0,
                 "%s", err);
    got = (unsigned char *)fs_slurp(path, &len);
    cr_assert_eq(len, sizeof want);
    cr_assert(memcmp(got, want, len) == 0, "bytes differ from the documented format");
    free(got);
}

Test(checkpoint, float_file_loads_into_double_network)
{
    enum { N = 100 };
    float a[N];
    double b[N];
    char path[128], err[512] = "";
    size_t i;
    ck_fill_float(a, N, 3.0f);
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, a, N, 4, ARCH, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ckpt_load(path, b, N, 8, ARCH, err, sizeof err), 0, "%s", err);
    for (i = 0; i < N; ++i)
        cr_assert_eq(b[i], (double)a[i], "parameter %zu", i);
}

Test(checkpoint, double_file_loads_into_float_network)
{
    enum { N = 100 };
    double a[N];
    float b[N];
    char path[128], err[512] = "";
    size_t i;
    for (i = 0; i < N; ++i)
        a[i] = 0.1 * (double)i - 3.0;
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, a, N, 8, ARCH, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ckpt_load(path, b, N, 4, ARCH, err, sizeof err), 0, "%s", err);
    for (i = 0; i < N; ++i)
        cr_assert_eq(b[i], (float)a[i], "parameter %zu", i);
}

Test(checkpoint, double_beyond_float_range_is_refused)
{
    double a[4] = { 1.0, 2.0, 1e300, 4.0 };
    char path[128];
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, a, 4, 8, ARCH, NULL, 0), 0);
    ck_expect_fail(path, 4, "parameter 2 (1e+300) is beyond the range of float");
}

Test(checkpoint, count_mismatch)
{
    float a[10];
    char path[128];
    ck_fill_float(a, 10, 1.0f);
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, a, 10, 4, ARCH, NULL, 0), 0);
    ck_expect_fail(path, 11, "weights file has 10 parameters, the network has 11");
    ck_expect_fail(path, 9, "weights file has 10 parameters, the network has 9");
}

Test(checkpoint, arch_mismatch)
{
    float a[10];
    char path[128], err[512] = "";
    ck_fill_float(a, 10, 1.0f);
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, a, 10, 4, ARCH + 1, NULL, 0), 0);
    ck_expect_fail(path, 10, "weights were trained for a different network architecture");
    cr_assert_eq(ckpt_load(path, a, 10, 4, ARCH + 1, err, sizeof err), 0, "%s", err);
}

Test(checkpoint, truncated_at_many_lengths)
{
    enum { N = 50 };
    static const size_t cuts[] = { 0, 1, 7, 8, 9, 12, 16, 24, 31, 32, 33, 36, 32 + 4 * 25,
                                   32 + 4 * N - 1, 32 + 4 * N, 32 + 4 * N + 1,
                                   32 + 4 * N + 7 };
    float a[N];
    char path[128], cut[128], err[512];
    unsigned char *bytes;
    size_t len, c;
    ckpt_info info;

    ck_fill_float(a, N, 1.0f);
    ck_path(path, sizeof path, "w.bin");
    ck_path(cut, sizeof cut, "cut.bin");
    cr_assert_eq(ckpt_save(path, a, N, 4, ARCH, NULL, 0), 0);
    bytes = (unsigned char *)fs_slurp(path, &len);
    cr_assert_eq(len, 32 + 4 * N + 8);
    for (c = 0; c < sizeof cuts / sizeof cuts[0]; ++c) {
        fs_spit(cut, bytes, cuts[c]);
        ck_expect_fail(cut, N, "truncated");
        cr_assert_eq(ckpt_peek(cut, &info, err, sizeof err), -1, "peek at %zu bytes", cuts[c]);
        cr_assert(strstr(err, "truncated"), "peek at %zu bytes: %s", cuts[c], err);
    }
    free(bytes);
}

/* Truncation seen through a pipe (no file size to compare up front) is
 * caught by the reads themselves. */
Test(checkpoint, truncated_through_a_fifo)
{
    enum { N = 50 };
    float a[N];
    char path[128], fifo[128];
    unsigned char *bytes;
    size_t len;
    pid_t pid;

    ck_fill_float(a, N, 1.0f);
    ck_path(path, sizeof path, "w.bin");
    ck_path(fifo, sizeof fifo, "fifo");
    cr_assert_eq(ckpt_save(path, a, N, 4, ARCH, NULL, 0), 0);
    bytes = (unsigned char *)fs_slurp(path, &len);
    cr_assert_eq(mkfifo(fifo, 0600), 0, "mkfifo: %s", strerror(errno));
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        FILE *f = fopen(fifo, "wb");
        if (f) {
            fwrite(bytes, 1, len - 3, f);
            fclose(f);
        }
        _exit(0);
    }
    ck_expect_fail(fifo, N, "truncated");
    waitpid(pid, NULL, 0);
    free(bytes);
}

Test(checkpoint, foreign_file)
{
    static const char text[] = "This is a text file, not weights. It is long enough to "
                               "fill a header and then some.\n";
    static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                                         0, 0, 0, 13, 'I', 'H', 'D', 'R' };
    char path[128];
    ck_path(path, sizeof path, "notes.txt");
    fs_spit(path, text, sizeof text - 1);
    ck_expect_fail(path, 10, "not a cnngen weights file");
    ck_path(path, sizeof path, "image.png");
    fs_spit(path, png, sizeof png);
    ck_expect_fail(path, 10, "not a cnngen weights file");
    ck_path(path, sizeof path, "short");
    fs_spit(path, "CNX", 3);           /* too short, and already wrong */
    ck_expect_fail(path, 10, "not a cnngen weights file");
}

Test(checkpoint, checksum_corruption)
{
    enum { N = 64 };
    float a[N];
    char path[128];
    unsigned char *bytes;
    size_t len;

    ck_fill_float(a, N, 1.0f);
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, a, N, 4, ARCH, NULL, 0), 0);
    bytes = (unsigned char *)fs_slurp(path, &len);

    bytes[32 + 4 * 17 + 1] ^= 0x10;         /* one bit of parameter 17 */
    fs_spit(path, bytes, len);
    ck_expect_fail(path, N, "checksum mismatch");

    bytes[32 + 4 * 17 + 1] ^= 0x10;         /* restore; now damage the checksum */
    bytes[len - 1] ^= 0x01;
    fs_spit(path, bytes, len);
    ck_expect_fail(path, N, "checksum mismatch");
    free(bytes);
}

Test(checkpoint, trailing_data)
{
    enum { N = 8 };
    float a[N];
    char path[128];
    unsigned char *bytes, *more;
    size_t len;

    ck_fill_float(a, N, 1.0f);
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, a, N, 4, ARCH, NULL, 0), 0);
    bytes = (unsigned char *)fs_slurp(path, &len);
    more = malloc(len + 1);
    memcpy(more, bytes, len);
    more[len] = '\n';
    fs_spit(path, more, len + 1);
    ck_expect_fail(path, N, "trailing data");
    free(bytes);
    free(more);
}

Test(checkpoint, unsupported_version_and_bad_real_size)
{
    enum { N = 8 };
    float a[N];
    char path[128];
    unsigned char *bytes;
    size_t len;

    ck_fill_float(a, N, 1.0f);
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, a, N, 4, ARCH, NULL, 0), 0);
    bytes = (unsigned char *)fs_slurp(path, &len);
    bytes[8] = 3;
    fs_spit(path, bytes, len);
    ck_expect_fail(path, N, "unsupported weights file version 3");
    bytes[8] = 1;
    bytes[12] = 2;
    fs_spit(path, bytes, len);
    ck_expect_fail(path, N, "real size 2");
    free(bytes);
}

Test(checkpoint, cannot_open)
{
    char path[128];
    ck_path(path, sizeof path, "missing.bin");
    ck_expect_fail(path, 4, "cannot open: No such file or directory");
    ck_path(path, sizeof path, "adir");
    cr_assert_eq(mkdir(path, 0755), 0);
    ck_expect_fail(path, 4, "cannot open: Is a directory");
}

Test(checkpoint, save_over_existing_leaves_no_temp_files)
{
    enum { N = 300 };
    float a[N], b[N], c[N];
    char path[128], err[512] = "";
    int k;

    ck_fill_float(a, N, 1.0f);
    ck_fill_float(b, N, -2.0f);
    ck_path(path, sizeof path, "w.bin");
    for (k = 0; k < 3; ++k) {
        cr_assert_eq(ckpt_save(path, k % 2 ? b : a, N, 4, ARCH, err, sizeof err), 0, "%s", err);
        fs_expect_listing(fs_scratch(), "w.bin");
    }
    cr_assert_eq(ckpt_load(path, c, N, 4, ARCH, err, sizeof err), 0, "%s", err);
    cr_assert(memcmp(c, a, sizeof c) == 0, "the last save did not win");
}

Test(checkpoint, save_keeps_mode_of_replaced_file)
{
    float a[4] = { 1, 2, 3, 4 };
    char path[128];
    struct stat st;
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, a, 4, 4, ARCH, NULL, 0), 0);
    cr_assert_eq(chmod(path, 0600), 0);
    cr_assert_eq(ckpt_save(path, a, 4, 4, ARCH, NULL, 0), 0);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", (unsigned)(st.st_mode & 0777));
}

Test(checkpoint, save_into_missing_directory_fails)
{
    float a[4] = { 1, 2, 3, 4 };
    char path[128], err[512] = "";
    ck_path(path, sizeof path, "no/such/dir/w.bin");
    cr_assert_eq(ckpt_save(path, a, 4, 4, ARCH, err, sizeof err), -1);
    cr_assert(strstr(err, path), "message does not name the file: %s", err);
    cr_assert(strstr(err, "No such file or directory"), "%s", err);
    fs_expect_listing(fs_scratch(), "");
}

/* A write that fails part way (file size limit: EFBIG, as a full disk
 * would give ENOSPC) leaves the old weights loadable and no temporary. */
Test(checkpoint, failed_write_keeps_old_file)
{
    enum { OLD = 16, BIG = 20000 };
    static float old[OLD], big[BIG], back[OLD];
    char path[128], err[512] = "";
    struct rlimit rl;

    ck_fill_float(old, OLD, 5.0f);
    ck_fill_float(big, BIG, 1.0f);
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, old, OLD, 4, ARCH, err, sizeof err), 0, "%s", err);

    signal(SIGXFSZ, SIG_IGN);
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = 4096;
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0, "setrlimit: %s", strerror(errno));
    cr_assert_eq(ckpt_save(path, big, BIG, 4, ARCH, err, sizeof err), -1,
                 "save beyond the file size limit succeeded");
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_FSIZE, &rl);

    cr_assert(strstr(err, path) && strstr(err, "File too large"), "%s", err);
    fs_expect_listing(fs_scratch(), "w.bin");
    cr_assert_eq(ckpt_load(path, back, OLD, 4, ARCH, err, sizeof err), 0, "%s", err);
    cr_assert(memcmp(back, old, sizeof old) == 0, "old weights changed");
}

/* A rename that fails (the target is a non-empty directory) removes the
 * temporary and leaves the target alone. */
Test(checkpoint, failed_rename_leaves_target_and_no_temp)
{
    float a[4] = { 1, 2, 3, 4 };
    char path[128], inner[160], err[512] = "";
    struct stat st;

    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(inner, sizeof inner, "%s/keep", path);
    fs_spit(inner, "x", 1);
    cr_assert_eq(ckpt_save(path, a, 4, 4, ARCH, err, sizeof err), -1);
    cr_assert(strstr(err, path), "%s", err);
    fs_expect_listing(fs_scratch(), "w.bin");
    cr_assert_eq(stat(inner, &st), 0, "the target's contents were disturbed");
}

Test(checkpoint, bad_real_size_argument)
{
    float a[1] = { 0 };
    char path[128], err[512] = "";
    ck_path(path, sizeof path, "w.bin");
    cr_assert_eq(ckpt_save(path, a, 1, 2, ARCH, err, sizeof err), -1);
    cr_assert(strstr(err, "real size 2"), "%s", err);
    cr_assert_eq(ckpt_load(path, a, 1, 16, ARCH, err, sizeof err), -1);
}
