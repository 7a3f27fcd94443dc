/*
 * main.c -- classify images with one trained network, the way a product
 * ships it: this file, its readers (read.c), and the net.c / net.h that
 * cnngen generated with the weights baked in -- no cnngen header, library
 * or Lua.
 *
 *   cnngen NET.lua --inference --weights W --name net -o examples/embed/net.c
 *   make -C examples/embed
 *   examples/embed/classify shoe.pgm                    shoe.pgm 7 0.981234
 *   examples/embed/classify --idx t10k-images-idx3-ubyte --limit 3
 *                                                       0 9 0.912345 ...
 *
 * Usage:
 *   classify [--names FILE] IMAGE.pgm ...   (- reads one image from stdin)
 *   classify [--names FILE] [--limit N] --idx IMAGES
 *
 * One line per image on stdout: the file name (PGM) or the index (IDX,
 * from 0), the class (the largest output, the first one on ties), its
 * output value -- with a softmax output layer, the probability the net
 * gives that class -- and, with --names FILE (one class name per line),
 * the class's name.  For an IDX file the format is that of `cnngen eval
 * --predictions`, so the two can be compared line by line.
 *
 * Images: binary (P5) or plain (P2) PGM with maxval up to 255, and IDX
 * files of unsigned bytes ([n][rows][cols], uncompressed: gunzip first).
 * They must have exactly the network's input size; pixels become
 * pixel / 255 (pixel / maxval), as in training.
 *
 * Errors: one line on stderr, "classify: ..."; exit status 2 for a bad
 * command line, 1 for an image that cannot be read.
 *
 * What this needs from net.h: NET_IN_SIZE, NET_IN_C / NET_IN_H / NET_IN_W
 * (the input's shape), NET_OUT_SIZE, net_real (float or double, as
 * generated with --real), net_work and net_forward.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "read.h"

typedef net_real real;

#if NET_IN_C != 1
#error "examples/embed reads grey-scale images: the network must take one channel"
#endif

/* The work struct holds every activation of one sample: fixed size, so it
 * is static here (no malloc, and no risk for a small stack). */
static net_work work;
static real x[NET_IN_SIZE], y[NET_OUT_SIZE];
static char names[NET_OUT_SIZE][READ_NAME_MAX];
static int have_names;

/* One line on stderr: "classify: " and the message. */
static void fail(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "classify: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* x -> the class with the largest output (the first on ties); *p = its output. */
static int classify(real *p)
{
    int j, best = 0;
    net_forward(&work, x, y);
    for (j = 1; j < NET_OUT_SIZE; ++j)
        if (y[j] > y[best]) best = j;
    *p = y[best];
    return best;
}

static void print_result(const char *what, int k)
{
    real p;
    int c = classify(&p);
    if (what) printf("%s %d %.6f", what, c, (double)p);
    else printf("%d %d %.6f", k, c, (double)p);
    if (have_names && names[c][0]) printf(" %s", names[c]);
    putchar('\n');
}

/* ---- PGM --------------------------------------------------------------- */

/* Read the PGM file path (- for stdin) into x.  0, or -1 (message printed). */
static int pgm_read(const char *path)
{
    static unsigned char px[NET_IN_SIZE];
    char msg[160];
    long maxval, i;
    if (read_pgm(path, NET_IN_H, NET_IN_W, px, &maxval, msg, sizeof msg) != 0) {
        fail("%s: %s", path, msg);
        return -1;
    }
    for (i = 0; i < NET_IN_SIZE; ++i)
        x[i] = maxval == 255 ? (real)px[i] / (real)255.0 : (real)px[i] / (real)maxval;
    return 0;
}

/* ---- IDX --------------------------------------------------------------- */

static unsigned long be32(const unsigned char *b)
{
    return (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 | (unsigned long)b[2] << 8 | b[3];
}

/* Classify the first `limit` images (all when limit < 0) of an IDX file.
 * 0, or -1 (message printed). */
static int idx_run(const char *path, long limit)
{
    FILE *f = fopen(path, "rb");
    unsigned char head[16], px[NET_IN_SIZE];
    char msg[160];
    unsigned long n, k;
    int i, rc = -1;
    if (!f) {
        fail("%s: %s", path, strerror(errno));
        return -1;
    }
    if (fread(head, 1, 4, f) != 4) {
        fail("%s: not an IDX file (too short)", path);
        goto done;
    }
    if (head[0] == 0x1f && head[1] == 0x8b) {
        fail("%s: gzip-compressed; decompress it first (gunzip -k)", path);
        goto done;
    }
    if (head[0] || head[1] || head[2] != 0x08 || head[3] != 3) {
        fail("%s: not an IDX file of images (unsigned bytes, 3 dimensions)", path);
        goto done;
    }
    if (fread(head + 4, 1, 12, f) != 12) {
        fail("%s: truncated header", path);
        goto done;
    }
    n = be32(head + 4);
    if (read_check_size((long)be32(head + 8), (long)be32(head + 12), NET_IN_H, NET_IN_W, msg, sizeof msg) != 0) {
        fail("%s: %s", path, msg);
        goto done;
    }
    if (limit >= 0 && (unsigned long)limit < n) n = (unsigned long)limit;
    for (k = 0; k < n; ++k) {
        if (fread(px, 1, sizeof px, f) != sizeof px) {
            fail("%s: truncated: fewer images than the header says", path);
            goto done;
        }
        for (i = 0; i < NET_IN_SIZE; ++i) x[i] = (real)px[i] / (real)255.0;
        print_result(NULL, (int)k);
    }
    rc = 0;
done:
    fclose(f);
    return rc;
}

/* ---- class names --------------------------------------------------------- */

static int names_read(const char *path)
{
    char msg[160];
    if (read_names(path, names, NET_OUT_SIZE, msg, sizeof msg) != 0) {
        fail("%s: %s", path, msg);
        return -1;
    }
    have_names = 1;
    return 0;
}

/* ---- main ---------------------------------------------------------------- */

static int usage(FILE *to)
{
    fprintf(to, "usage: classify [--names FILE] IMAGE.pgm ...\n"
                "       classify [--names FILE] [--limit N] --idx IMAGES\n");
    return 2;
}

/* Options with a value. */
static int takes_value(const char *a)
{
    return !strcmp(a, "--idx") || !strcmp(a, "--limit") || !strcmp(a, "--names");
}

int main(int argc, char **argv)
{
    const char *idx = NULL;
    long limit = -1;
    int i, files = 0, status = 0;
    /* the options, anywhere on the line; every other argument is a PGM file */
    for (i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (takes_value(a)) {
            char *end;
            if (!v) {
                fail("%s needs a value", a);
                return 2;
            }
            ++i;
            if (!strcmp(a, "--idx")) {
                idx = v;
            } else if (!strcmp(a, "--names")) {
                if (names_read(v) != 0) return 2;
            } else {
                limit = strtol(v, &end, 10);
                if (end == v || *end || limit < 0) {
                    fail("--limit needs a count, not '%s'", v);
                    return 2;
                }
            }
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fail("unknown option '%s' (see --help)", a);
            return 2;
        } else {
            ++files;
        }
    }
    if (idx && files) {
        fail("give either --idx or PGM files, not both");
        return 2;
    }
    if (idx) return idx_run(idx, limit) == 0 ? 0 : 1;
    if (!files) return usage(stderr);
    for (i = 1; i < argc; ++i) {
        if (takes_value(argv[i])) {
            ++i;
            continue;
        }
        if (pgm_read(argv[i]) == 0) print_result(argv[i], 0);
        else status = 1;
    }
    return status;
}
