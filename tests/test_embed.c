/*
 * test_embed.c -- suite "embed": shipping a trained net (README, "Shipping
 * a trained net").  A network is trained for a short run with the binary
 * ($CNNGEN) on a synthetic data set, generated as inference code with its
 * weights baked in (`--inference --weights W --name net`) into a copy of
 * examples/embed (from $CNNGEN_ROOT), built there by a plain `make -C`
 * from main.c, read.c, read.h, net.c and net.h alone, and run:
 *
 *   - on the 1,000 test images (an uncompressed IDX file), the program's
 *     class for every image equals `cnngen eval --predictions`'s, and its
 *     probability agrees to 1e-4;
 *   - one image as a binary (P5) and as a plain (P2) PGM file gives the
 *     line the IDX run gave for it; --names adds the class's name;
 *   - net.c and main.c build with -std=c99 -Wall -Wextra -pedantic -Werror;
 *   - with --real double and every --unroll, the inference code builds
 *     warning-free under gcc, clang (-Werror) and tcc (-Werror), and every
 *     build predicts what eval predicts;
 *   - bad images (wrong size, not PGM, gzip'd IDX, truncated) are one line
 *     on stderr and a non-zero exit.
 *
 * The data: 28x28 images of ten simple shapes (bars, squares, diagonals,
 * a cross, an X, a ring, an L), each drawn at a random offset over noise.
 * Work happens in /tmp/cnngen-embed-XXXXXX, removed at the end.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "rng.h"

#include "fsutil.h"
#include "idxw.h"
#include "proc.h"

#define EM_SIDE 28
#define EM_PIXELS (EM_SIDE * EM_SIDE)
#define EM_TRAIN 2000
#define EM_TEST 1000

/* ================================================================ */
/* Scratch directory, files, commands                               */
/* ================================================================ */

static void em_setup(void)
{
    fs_scratch_make("embed");
}

static void em_teardown(void)
{
    fs_scratch_remove();
}

/* ================================================================ */
/* The data set                                                     */
/* ================================================================ */

/* Light pixel (y, x) of a 28x28 image, if inside. */
static void em_dot(unsigned char *im, int y, int x, int v)
{
    if (y >= 0 && y < EM_SIDE && x >= 0 && x < EM_SIDE) im[y * EM_SIDE + x] = (unsigned char)v;
}

/* Shape c (0..9) centred near (14 + dy, 14 + dx). */
static void em_shape(unsigned char *im, int c, int dy, int dx, int v)
{
    int cy = 14 + dy, cx = 14 + dx, i, j;
    for (i = -7; i <= 7; ++i)
        for (j = -7; j <= 7; ++j) {
            int on = 0, r2 = i * i + j * j;
            switch (c) {
            case 0: on = i >= -1 && i <= 1; break;                          /* horizontal bar */
            case 1: on = j >= -1 && j <= 1; break;                          /* vertical bar */
            case 2: on = i >= -4 && i <= 4 && j >= -4 && j <= 4; break;     /* filled square */
            case 3: on = (i <= -6 || i >= 6 || j <= -6 || j >= 6); break;   /* square outline */
            case 4: on = i - j >= -1 && i - j <= 1; break;                  /* diagonal \ */
            case 5: on = i + j >= -1 && i + j <= 1; break;                  /* diagonal / */
            case 6: on = (i >= -1 && i <= 1) || (j >= -1 && j <= 1); break; /* plus */
            case 7: on = (i - j >= -1 && i - j <= 1) || (i + j >= -1 && i + j <= 1); break; /* X */
            case 8: on = r2 >= 25 && r2 <= 49; break;                       /* ring */
            default: on = (j >= -7 && j <= -5) || (i >= 5 && i <= 7); break; /* L */
            }
            if (on) em_dot(im, cy + i, cx + j, v);
        }
}

/* n images with labels, seeded. */
static void em_synth(unsigned char *img, unsigned char *lbl, int n, unsigned long long seed)
{
    rng_state r;
    int s, k;
    rng_seed(&r, seed);
    for (s = 0; s < n; ++s) {
        unsigned char *im = img + (size_t)s * EM_PIXELS;
        int c = rng_uniform_int(&r, 10);
        for (k = 0; k < EM_PIXELS; ++k) im[k] = (unsigned char)rng_uniform_int(&r, 60);
        em_shape(im, c, rng_uniform_int(&r, 7) - 3, rng_uniform_int(&r, 7) - 3, 190 + rng_uniform_int(&r, 66));
        lbl[s] = (unsigned char)c;
    }
}

/* The test images, kept for the PGM checks. */
static unsigned char em_test_img[EM_TEST * EM_PIXELS];

/* <scratch>/data: the data set, gzip'd, as cnngen reads it; and
 * <scratch>/t10k-images-idx3-ubyte, the test images uncompressed, as the
 * product program reads them. */
static void em_make_data(void)
{
    static unsigned char train_img[EM_TRAIN * EM_PIXELS];
    unsigned char train_lbl[EM_TRAIN], test_lbl[EM_TEST];
    unsigned dims[3] = { EM_TRAIN, EM_SIDE, EM_SIDE };
    em_synth(train_img, train_lbl, EM_TRAIN, 11);
    em_synth(em_test_img, test_lbl, EM_TEST, 12);
    cr_assert_eq(mkdir(fs_path("data"), 0755), 0);
    idxw_write(fs_path("data/train-images-idx3-ubyte.gz"), 3, dims, train_img, sizeof train_img, 1);
    idxw_write(fs_path("data/train-labels-idx1-ubyte.gz"), 1, dims, train_lbl, sizeof train_lbl, 1);
    dims[0] = EM_TEST;
    idxw_write(fs_path("data/t10k-images-idx3-ubyte.gz"), 3, dims, em_test_img, sizeof em_test_img, 1);
    idxw_write(fs_path("data/t10k-labels-idx1-ubyte.gz"), 1, dims, test_lbl, sizeof test_lbl, 1);
    idxw_write(fs_path("t10k-images-idx3-ubyte"), 3, dims, em_test_img, sizeof em_test_img, 0);
}

/* <scratch>/shapes.lua: a small conv net for the data. */
static void em_make_net(void)
{
    static const char src[] =
        "return network {\n"
        "  name = \"shapes\",\n"
        "  input = { 1, 28, 28 },\n"
        "  layers = {\n"
        "    conv    { maps = 6, kernel = 5, act = \"relu\" },\n"
        "    maxpool { size = 4 },\n"
        "    dense   { units = 10, act = \"softmax\" },\n"
        "  },\n"
        "  train = { eta = 0.05, batch = 10, l2 = 0.1, seed = 3 },\n"
        "}\n";
    fs_spit(fs_path("shapes.lua"), src, sizeof src - 1);
}

/* Data, net, a short training run (weights in <scratch>/w.bin) and eval's
 * predictions (<scratch>/eval.txt); returns eval's accuracy. */
static double em_train_and_eval(int epochs)
{
    char *out;
    double acc = -1;
    const char *p;
    em_make_data();
    em_make_net();
    out = proc_ok("'%s' run '%s' --data '%s' --epochs %d --backend tcc --save '%s'", fs_env("CNNGEN"),
                fs_path("shapes.lua"), fs_path("data"), epochs, fs_path("w.bin"));
    free(out);
    out = proc_ok("'%s' eval '%s' --data '%s' --weights '%s' --predictions '%s' --json", fs_env("CNNGEN"),
                fs_path("shapes.lua"), fs_path("data"), fs_path("w.bin"), fs_path("eval.txt"));
    p = strstr(out, "\"accuracy\":");
    cr_assert_not_null(p, "eval --json printed no accuracy: %s", out);
    acc = strtod(p + 11, NULL);
    free(out);
    return acc;
}

/* A copy of examples/embed (main.c, read.c, read.h and Makefile only) in
 * <scratch>/sub, with net.c / net.h generated there from the trained
 * weights. */
static void em_ship(const char *sub, const char *real, const char *unroll)
{
    char *text;
    char dst[600];
    static const char *const files[] = { "main.c", "read.c", "read.h", "Makefile" };
    size_t k;
    cr_assert_eq(mkdir(fs_path(sub), 0755), 0, "mkdir %s: %s", fs_path(sub), strerror(errno));
    for (k = 0; k < sizeof files / sizeof *files; ++k) {
        char src[600];
        snprintf(src, sizeof src, "%s/examples/embed/%s", fs_env("CNNGEN_ROOT"), files[k]);
        text = fs_slurp(src, NULL);
        cr_assert_not_null(text, "cannot read %s", src);
        snprintf(dst, sizeof dst, "%s/%s", fs_path(sub), files[k]);
        fs_spit(dst, text, strlen(text));
        free(text);
    }
    snprintf(dst, sizeof dst, "%s/net.c", fs_path(sub));
    text = proc_ok("'%s' '%s' --inference --weights '%s' --name net --real %s --unroll %s -o '%s'", fs_env("CNNGEN"),
                 fs_path("shapes.lua"), fs_path("w.bin"), real, unroll, dst);
    free(text);
}

/* ================================================================ */
/* Comparing predictions                                            */
/* ================================================================ */

typedef struct em_pred {
    int n;
    int idx[EM_TEST + 1], cls[EM_TEST + 1];
    double prob[EM_TEST + 1];
} em_pred;

/* Parse "index class probability" lines (at most EM_TEST + 1). */
static void em_parse(const char *text, em_pred *p, const char *what)
{
    const char *line = text;
    p->n = 0;
    while (*line) {
        const char *end = strchr(line, '\n');
        cr_assert_not_null(end, "%s: last line without a newline", what);
        cr_assert(p->n <= EM_TEST, "%s: more than %d lines", what, EM_TEST);
        cr_assert_eq(sscanf(line, "%d %d %lf", &p->idx[p->n], &p->cls[p->n], &p->prob[p->n]), 3,
                     "%s: line %d is not 'index class probability': %.*s", what, p->n + 1, (int)(end - line),
                     line);
        ++p->n;
        line = end + 1;
    }
}

/* Every image's class equal, every probability within tol; a few classes
 * must occur (a net that says one thing for everything proves nothing). */
static void em_expect_same(const em_pred *got, const em_pred *want, double tol, const char *what)
{
    int k, classes = 0, seen[10] = { 0 };
    cr_assert_eq(got->n, want->n, "%s: %d predictions, eval made %d", what, got->n, want->n);
    for (k = 0; k < want->n; ++k) {
        cr_assert_eq(got->idx[k], k, "%s: line %d has index %d", what, k + 1, got->idx[k]);
        cr_assert_eq(got->cls[k], want->cls[k], "%s: image %d is class %d (p %.6f), eval says %d (p %.6f)", what,
                     k, got->cls[k], got->prob[k], want->cls[k], want->prob[k]);
        cr_assert(fabs(got->prob[k] - want->prob[k]) <= tol, "%s: image %d: probability %.6f, eval's %.6f", what,
                  k, got->prob[k], want->prob[k]);
        if (want->cls[k] >= 0 && want->cls[k] < 10 && !seen[want->cls[k]]++) ++classes;
    }
    cr_assert_geq(classes, 8, "%s: eval predicts only %d distinct classes", what, classes);
}

/* One image of the test set as a PGM file, binary (P5) or plain (P2, with
 * a comment and short lines). */
static void em_write_pgm(const char *path, int k, int plain)
{
    const unsigned char *im = em_test_img + (size_t)k * EM_PIXELS;
    FILE *f = fopen(path, "wb");
    int i;
    cr_assert_not_null(f);
    if (plain) {
        fprintf(f, "P2\n# test image %d\n%d %d\n255\n", k, EM_SIDE, EM_SIDE);
        for (i = 0; i < EM_PIXELS; ++i) fprintf(f, "%d%c", im[i], i % 12 == 11 ? '\n' : ' ');
        fputc('\n', f);
    } else {
        fprintf(f, "P5\n%d %d\n255\n", EM_SIDE, EM_SIDE);
        cr_assert_eq(fwrite(im, 1, EM_PIXELS, f), (size_t)EM_PIXELS);
    }
    cr_assert_eq(fclose(f), 0);
}

/* The line of text (0-based), without its newline, into buf. */
static const char *em_line(const char *text, int n, char *buf, size_t len)
{
    const char *p = text, *end;
    int k;
    for (k = 0; k < n && p; ++k) p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
    cr_assert(p && *p, "no line %d in:\n%s", n, text);
    end = strchr(p, '\n');
    snprintf(buf, len, "%.*s", (int)(end ? end - p : (ptrdiff_t)strlen(p)), p);
    return buf;
}

TestSuite(embed, .init = em_setup, .fini = em_teardown, .timeout = 240);

/* ================================================================ */
/* Tests                                                            */
/* ================================================================ */

Test(embed, product_program_predicts_what_eval_predicts)
{
    em_pred want, got;
    char *text, *idx_out, *eval, dir[600], a[256], b[256];
    proc_result o;
    double acc = em_train_and_eval(3);
    cr_assert_geq(acc, 0.8, "the net did not learn the shapes (accuracy %.3f): the comparison would be weak", acc);
    eval = fs_slurp(fs_path("eval.txt"), NULL);
    cr_assert_not_null(eval, "eval --predictions wrote no file");
    em_parse(eval, &want, "eval --predictions");
    cr_assert_eq(want.n, EM_TEST);

    /* --predictions: eval only; a file that cannot be written is one line, status 1 */
    proc_shf(&o, "'%s' eval '%s' --data '%s' --weights '%s' --predictions /nonexistent/dir/p.txt", fs_env("CNNGEN"),
          fs_path("shapes.lua"), fs_path("data"), fs_path("w.bin"));
    cr_expect_eq(o.status, 1, "exit %d: %s", o.status, o.err);
    cr_expect(strstr(o.err, "/nonexistent/dir/p.txt") && proc_one_line(o.err),
              "%s", o.err);
    proc_free(&o);
    proc_shf(&o, "'%s' run '%s' --predictions p.txt", fs_env("CNNGEN"), fs_path("shapes.lua"));
    cr_expect_eq(o.status, 2);
    cr_expect_str_eq(o.err, "cnngen: --predictions is an option of eval (see cnngen --help)\n");
    proc_free(&o);

    /* ship: the copy holds main.c, read.c, read.h, Makefile, net.c, net.h and nothing else */
    em_ship("embed", "float", "none");
    snprintf(dir, sizeof dir, "%s", fs_path("embed"));
    text = proc_ok("ls '%s' | tr '\\n' ' '", dir);
    cr_expect_str_eq(text, "Makefile main.c net.c net.h read.c read.h ");
    free(text);
    text = proc_ok("make -C '%s' CFLAGS='-O2 -Werror' 2>&1", dir);
    cr_expect_not_null(strstr(text, "-O2 -Werror -std=c99 -Wall -Wextra -pedantic -c -o net.o net.c"),
                       "net.c was not built with -std=c99 -Wall -Wextra -pedantic -Werror:\n%s", text);
    cr_expect_null(strstr(text, "warning"), "%s", text);
    cr_expect_null(strstr(text, " -I"), "the build looked beyond its directory:\n%s", text);
    cr_expect_null(strstr(text, fs_env("CNNGEN_ROOT")), "the build used the repository:\n%s", text);
    free(text);

    /* the 1,000 test images, image for image */
    idx_out = proc_ok("'%s/classify' --idx '%s'", dir, fs_path("t10k-images-idx3-ubyte"));
    em_parse(idx_out, &got, "classify --idx");
    em_expect_same(&got, &want, 1e-4, "classify --idx");
    text = proc_ok("'%s/classify' --idx '%s' --limit 7 | wc -l", dir, fs_path("t10k-images-idx3-ubyte"));
    cr_expect_eq(atoi(text), 7, "--limit 7 printed %s lines", text);
    free(text);

    /* PGM: the same line as the IDX run, but for the file name */
    em_write_pgm(fs_path("img5.pgm"), 5, 0);
    em_write_pgm(fs_path("img6.pgm"), 6, 1);
    text = proc_ok("cd '%s' && '%s/classify' img5.pgm img6.pgm", fs_scratch(), dir);
    snprintf(b, sizeof b, "img5.pgm%s", strchr(em_line(idx_out, 5, a, sizeof a), ' '));
    cr_expect_str_eq(em_line(text, 0, a, sizeof a), b);
    snprintf(b, sizeof b, "img6.pgm%s", strchr(em_line(idx_out, 6, a, sizeof a), ' '));
    cr_expect_str_eq(em_line(text, 1, a, sizeof a), b);
    free(text);
    text = proc_ok("'%s/classify' - < '%s'", dir, fs_path("img5.pgm"));
    cr_expect_eq(strncmp(text, "- ", 2), 0, "stdin: %s", text);
    free(text);

    /* --names: the class's name last */
    {
        static const char names[] = "hbar\nvbar\nsquare\noutline\nbackslash\nslash\nplus\ncross\nring\nell\n";
        fs_spit(fs_path("names.txt"), names, sizeof names - 1);
    }
    text = proc_ok("'%s/classify' --names '%s' '%s'", dir, fs_path("names.txt"), fs_path("img5.pgm"));
    {
        static const char *const names[] = { "hbar", "vbar", "square", "outline", "backslash",
                                             "slash", "plus", "cross", "ring", "ell" };
        size_t tl = strlen(text), nl = strlen(names[want.cls[5]]);
        cr_expect(tl > nl + 1 && !strncmp(text + tl - nl - 1, names[want.cls[5]], nl), "%s", text);
    }
    free(text);

    /* bad input: one line on stderr, non-zero exit */
    {
        static unsigned char px[EM_PIXELS];
        char pgm[64 + sizeof px];
        int n = snprintf(pgm, sizeof pgm, "P5\n27 28\n255\n");
        memcpy(pgm + n, px, 27 * 28);
        fs_spit(fs_path("small.pgm"), pgm, (size_t)n + 27 * 28);
        n = snprintf(pgm, sizeof pgm, "P5\n28 28\n255\n");
        fs_spit(fs_path("short.pgm"), pgm, (size_t)n + 100);
        fs_spit(fs_path("text.pgm"), "hello\n", 6);
    }
    {
        static const char *const cases[][2] = {
            { "small.pgm", "small.pgm: image is 27x28, but the network takes 28x28" },
            { "short.pgm", "short.pgm: truncated or bad pixel data" },
            { "text.pgm", "text.pgm: not a PGM image (P5 or P2)" },
            { "missing.pgm", "missing.pgm: No such file or directory" },
            { "--idx data/t10k-images-idx3-ubyte.gz", "gzip-compressed; decompress it first" },
            { "--idx img5.pgm", "img5.pgm: not an IDX file" },
            { "--bogus", "unknown option '--bogus'" },
        };
        size_t k;
        for (k = 0; k < sizeof cases / sizeof *cases; ++k) {
            proc_shf(&o, "cd '%s' && '%s/classify' %s", fs_scratch(), dir, cases[k][0]);
            cr_expect_neq(o.status, 0, "classify %s: exit 0", cases[k][0]);
            cr_expect_str_eq(o.out, "", "classify %s printed %s", cases[k][0], o.out);
            cr_expect(proc_one_line(o.err), "classify %s: stderr is not one line: %s", cases[k][0], o.err);
            cr_expect(!strncmp(o.err, "classify: ", 10) && strstr(o.err, cases[k][1]),
                      "classify %s: stderr %s, want %s", cases[k][0], o.err, cases[k][1]);
            proc_free(&o);
        }
    }
    /* a truncated IDX: the images before the cut, then the error */
    text = fs_slurp(fs_path("t10k-images-idx3-ubyte"), NULL);
    fs_spit(fs_path("cut-idx"), text, 16 + 3 * EM_PIXELS + 100);
    free(text);
    proc_shf(&o, "'%s/classify' --idx '%s'", dir, fs_path("cut-idx"));
    cr_expect_eq(o.status, 1);
    cr_expect(strstr(o.err, "truncated"), "%s", o.err);
    cr_expect_eq(strncmp(o.out, idx_out, strlen(o.out)), 0, "%s", o.out);
    proc_free(&o);

    /* without a generated net, make says what to do */
    cr_assert_eq(mkdir(fs_path("empty"), 0755), 0);
    proc_shf(&o, "cp '%s/Makefile' '%s/main.c' '%s/read.c' '%s/read.h' '%s' && make -C '%s'", dir, dir, dir, dir,
             fs_path("empty"), fs_path("empty"));
    cr_expect_neq(o.status, 0);
    cr_expect(strstr(o.err, "--inference --weights W --name net"), "%s", o.err);
    proc_free(&o);

    free(idx_out);
    free(eval);
}

/* --real float|double x --unroll none|kernel|full, under gcc, clang and
 * tcc (all -Werror): every build classifies the test images as eval does. */
Test(embed, inference_builds_for_every_real_unroll_and_compiler)
{
    static const char *const reals[] = { "float", "double" };
    static const char *const ccs[][2] = { { "gcc", "-O2 -Werror" }, { "clang", "-O2 -Werror" },
                                          { "tcc", "-Werror" } };
    em_pred want, got;
    char *eval;
    size_t r, u, c;
    double acc = em_train_and_eval(2);
    cr_assert_geq(acc, 0.7, "the net did not learn the shapes (accuracy %.3f)", acc);
    eval = fs_slurp(fs_path("eval.txt"), NULL);
    cr_assert_not_null(eval);
    em_parse(eval, &want, "eval --predictions");
    for (r = 0; r < 2; ++r)
        for (u = 0; u < TB_NUNROLLS; ++u) {
            char sub[64], dir[600], what[700], *text, *h;
            snprintf(sub, sizeof sub, "%s-%s", reals[r], tb_unrolls[u]);
            em_ship(sub, reals[r], tb_unrolls[u]);
            snprintf(dir, sizeof dir, "%s", fs_path(sub));
            snprintf(what, sizeof what, "%s/net.h", dir);
            h = fs_slurp(what, NULL);
            cr_assert_not_null(h);
            snprintf(what, sizeof what, "Options: --real %s --unroll %s --inference", reals[r], tb_unrolls[u]);
            cr_expect_not_null(strstr(h, what), "net.h does not say '%s'", what);
            snprintf(what, sizeof what, "void net_forward(net_work *w, const %s *x, %s *y);", reals[r], reals[r]);
            cr_expect_not_null(strstr(h, what), "net.h does not declare '%s'", what);
            free(h);
            for (c = 0; c < 3; ++c) {
                text = proc_ok("make -C '%s' clean >/dev/null && make -C '%s' CC=%s CFLAGS='%s' 2>&1", dir, dir,
                             ccs[c][0], ccs[c][1]);
                cr_expect_null(strstr(text, "warning"), "%s %s:\n%s", sub, ccs[c][0], text);
                free(text);
                text = proc_ok("'%s/classify' --idx '%s'", dir, fs_path("t10k-images-idx3-ubyte"));
                snprintf(what, sizeof what, "%s built by %s", sub, ccs[c][0]);
                em_parse(text, &got, what);
                em_expect_same(&got, &want, 1e-4, what);
                free(text);
            }
        }
    free(eval);
}
