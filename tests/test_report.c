/*
 * test_report.c -- suite "report": `cnngen report`, `cnngen run --report`
 * and an experiment's model:report, end to end (the built binary,
 * $CNNGEN), and the page as a real browser renders it (headless
 * Chromium, which .ci/install-deps installs: a machine without it fails
 * these tests rather than skipping them).
 *
 * Each test trains a tiny net (conv + max-pool + dense) for a few epochs
 * on a small synthetic data set it writes itself (4 classes of 8x8
 * images: class c lights column pair c, over noise), with the tcc backend.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <png.h>

#include "checkpoint.h"
#include "dataset.h"
#include "draw.h"
#include "fsutil.h"
#include "idxw.h"
#include "proc.h"
#include "rng.h"

#define RP_SECONDS 120          /* a child that takes longer is killed */

/* ================================================================ */
/* Fixtures                                                         */
/* ================================================================ */

static const char rp_net[] =
    "return network {\n"
    "  name = \"tiny\",\n"
    "  input = { 1, 8, 8 },\n"
    "  layers = {\n"
    "    conv { maps = 4, kernel = 3, act = \"relu\" },\n"
    "    maxpool { size = 2 },\n"
    "    dense { units = 4, act = \"softmax\" },\n"
    "  },\n"
    "  cost = \"log-likelihood\",\n"
    "  train = { eta = 0.3, batch = 10, l2 = 0.1, epochs = 3, seed = 5 },\n"
    "}\n";

#define RP_PARAMS 188           /* conv 4*9 + 4, dense 4*36 + 4 */

/* n images of 8x8 and their labels: class c brightens columns 2c and 2c+1
 * of the middle rows; one in eight images is pure noise (hard cases). */
static void rp_images(unsigned char *img, unsigned char *lbl, int n, rng_state *r)
{
    int s, y, x;
    for (s = 0; s < n; ++s) {
        int c = rng_uniform_int(r, 4), lit = rng_uniform_int(r, 8) != 0;
        lbl[s] = (unsigned char)c;
        for (y = 0; y < 8; ++y)
            for (x = 0; x < 8; ++x) {
                int v = rng_uniform_int(r, 100);
                if (lit && y >= 2 && y < 6 && x / 2 == c) v += 150;
                img[(s * 8 + y) * 8 + x] = (unsigned char)v;
            }
    }
}

/* The data set in <scratch>/data: 200 training and 100 test images. */
static void rp_make_data(void)
{
    unsigned char img[200 * 64], lbl[200];
    unsigned dims[3] = { 200, 8, 8 };
    rng_state r;
    cr_assert_eq(mkdir(fs_path("data"), 0755), 0);
    rng_seed(&r, 77);
    rp_images(img, lbl, 200, &r);
    idxw_write(fs_path("data/train-images-idx3-ubyte"), 3, dims, img, sizeof img, 0);
    idxw_write(fs_path("data/train-labels-idx1-ubyte"), 1, dims, lbl, 200, 0);
    dims[0] = 100;
    rp_images(img, lbl, 100, &r);
    idxw_write(fs_path("data/t10k-images-idx3-ubyte"), 3, dims, img, 100 * 64, 0);
    idxw_write(fs_path("data/t10k-labels-idx1-ubyte"), 1, dims, lbl, 100, 0);
}

static void rp_setup(void)
{
    fs_scratch_make("report");
    rp_make_data();
    fs_spit(fs_path("tiny.lua"), rp_net, strlen(rp_net));
}

static void rp_teardown(void)
{
    fs_scratch_remove();
}

TestSuite(report, .init = rp_setup, .fini = rp_teardown, .timeout = 300);

/* ================================================================ */
/* Running cnngen and Chromium                                      */
/* ================================================================ */

/* <scratch>/name, in a buffer of its own (malloc'd, freed at exit). */
static char *rp_path(const char *name)
{
    char *p = strdup(fs_path(name));
    cr_assert_not_null(p);
    return p;
}

/* Run argv (argv[0] a path, NULL-terminated); r gets the result. */
static void rp_exec(proc_result *r, const char *const *argv)
{
    proc_run(r, fs_scratch(), (char *const *)argv, NULL, RP_SECONDS);
    cr_assert(!r->timed_out, "%s %s timed out", argv[0], argv[1]);
}

/* Run cnngen with args (NULL-terminated, without argv[0]). */
static void rp_cnngen(proc_result *r, const char *const *args)
{
    const char *argv[40];
    int k = 0;
    argv[k++] = fs_env("CNNGEN");
    while (*args && k < 39) argv[k++] = *args++;
    argv[k] = NULL;
    rp_exec(r, argv);
}

/* The same, which must succeed; returns its stdout (malloc'd). */
static char *rp_cnngen_ok(const char *const *args)
{
    proc_result r;
    char *out;
    rp_cnngen(&r, args);
    cr_assert_eq(r.status, 0, "cnngen %s failed (%d): %s", args[0], r.status, r.err);
    out = strdup(r.out);
    proc_free(&r);
    return out;
}

/* Train tiny.lua for `epochs` into <scratch>/w.bin, the --json log into
 * <scratch>/run.jsonl. */
static void rp_train(const char *epochs)
{
    const char *args[] = { "run", "tiny.lua", "--backend", "tcc", "--data", "data", "--epochs", epochs,
                           "--save", "w.bin", "--json", NULL };
    char *out = rp_cnngen_ok(args);
    fs_spit(fs_path("run.jsonl"), out, strlen(out));
    free(out);
}

/* Status 2 and exactly one line on stderr holding `want`. */
static void rp_expect_user_error(const proc_result *r, const char *want)
{
    const char *nl = strchr(r->err, '\n');
    cr_expect_eq(r->status, 2, "status %d, want 2; stderr: %s", r->status, r->err);
    cr_expect(nl && nl[1] == '\0', "not exactly one line on stderr: [%s]", r->err);
    cr_expect(strstr(r->err, want) != NULL, "stderr [%s] lacks [%s]", r->err, want);
}

/* Chromium's path; fails the test when it is not installed. */
static const char *rp_chromium(void)
{
    static const char *const where[] = { "/usr/bin/chromium", "/usr/bin/chromium-browser", NULL };
    int k;
    for (k = 0; where[k]; ++k)
        if (access(where[k], X_OK) == 0) return where[k];
    cr_assert_fail("headless Chromium is needed (apt-get install chromium; .ci/install-deps installs it)");
    return NULL;
}

/* Run headless Chromium on the page at path with one more flag (and an
 * optional second): its stdout (malloc'd). */
static char *rp_browse(const char *path, const char *flag, const char *flag2)
{
    char profile[600], url[600], dir[40];
    const char *argv[20];
    proc_result r;
    char *out;
    int k = 0;
    snprintf(dir, sizeof dir, "profile-XXXXXX");
    snprintf(profile, sizeof profile, "--user-data-dir=%s/%s", fs_scratch(), dir);
    cr_assert_not_null(mkdtemp(profile + strlen("--user-data-dir=")), "mkdtemp: %s", strerror(errno));
    snprintf(url, sizeof url, "file://%s", path);
    argv[k++] = rp_chromium();
    argv[k++] = "--headless";
    argv[k++] = "--no-sandbox";
    argv[k++] = "--disable-gpu";
    argv[k++] = "--disable-quic";
    argv[k++] = "--no-first-run";
    argv[k++] = "--disable-background-networking";
    argv[k++] = "--disable-component-update";
    argv[k++] = "--disable-sync";
    argv[k++] = profile;
    argv[k++] = flag;
    if (flag2) argv[k++] = flag2;
    argv[k++] = url;
    argv[k] = NULL;
    rp_exec(&r, argv);
    cr_assert_eq(r.status, 0, "chromium failed (%d): %s", r.status, r.err);
    out = strdup(r.out);
    proc_free(&r);
    return out;
}

/* ================================================================ */
/* Reading the page                                                 */
/* ================================================================ */

/* The value of attribute attr of the element whose id is id (malloc'd),
 * or NULL. */
static char *rp_attr(const char *html, const char *id, const char *attr)
{
    char pat[128];
    const char *p, *tag, *end, *a;
    size_t n;
    char *v;
    snprintf(pat, sizeof pat, "id=\"%s\"", id);
    p = strstr(html, pat);
    if (!p) return NULL;
    for (tag = p; tag > html && *tag != '<'; --tag) {}
    end = strchr(p, '>');
    snprintf(pat, sizeof pat, " %s=\"", attr);
    a = strstr(tag, pat);
    if (!a || !end || a > end) return NULL;
    a += strlen(pat);
    n = strcspn(a, "\"");
    v = malloc(n + 1);
    cr_assert_not_null(v);
    memcpy(v, a, n);
    v[n] = '\0';
    return v;
}

/* The JSON inside <script ... id="id">, parsed (cJSON_Delete it). */
static cJSON *rp_json(const char *html, const char *id)
{
    char pat[128];
    const char *p, *end;
    cJSON *j;
    snprintf(pat, sizeof pat, "id=\"%s\">", id);
    p = strstr(html, pat);
    cr_assert_not_null(p, "the page has no %s", id);
    p += strlen(pat);
    end = strstr(p, "</script>");
    cr_assert_not_null(end);
    j = cJSON_ParseWithLength(p, (size_t)(end - p));
    cr_assert_not_null(j, "%s is not JSON", id);
    return j;
}

/* base64 text (up to a '"' or NUL) into bytes (malloc'd, *len). */
static unsigned char *rp_unbase64(const char *s, size_t *len)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strcspn(s, "\""), k, o = 0;
    unsigned char *out = malloc(n / 4 * 3 + 3);
    unsigned long acc = 0;
    int bits = 0;
    cr_assert_not_null(out);
    for (k = 0; k < n && s[k] != '='; ++k) {
        const char *c = strchr(abc, s[k]);
        cr_assert(c && *c, "not base64 at %zu", k);
        acc = acc << 6 | (unsigned long)(c - abc);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits & 0xff);
        }
    }
    *len = o;
    return out;
}

/* A PNG in memory as 8-bit RGB (malloc'd), its size in *w, *h. */
static unsigned char *rp_png_rgb(const void *png, size_t len, int *w, int *h)
{
    png_image im;
    unsigned char *rgb;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    cr_assert(png_image_begin_read_from_memory(&im, png, len), "not a PNG: %s", im.message);
    im.format = PNG_FORMAT_RGB;
    rgb = malloc(PNG_IMAGE_SIZE(im));
    cr_assert_not_null(rgb);
    cr_assert(png_image_finish_read(&im, NULL, rgb, 0, NULL), "PNG: %s", im.message);
    *w = (int)im.width;
    *h = (int)im.height;
    return rgb;
}

/* The image of <img id=id> in the page, decoded. */
static unsigned char *rp_img(const char *html, const char *id, int *w, int *h)
{
    char *src = rp_attr(html, id, "src");
    unsigned char *png, *rgb;
    size_t len;
    const char *prefix = "data:image/png;base64,";
    cr_assert_not_null(src, "no <img id=\"%s\">", id);
    cr_assert(!strncmp(src, prefix, strlen(prefix)), "%s is not an embedded PNG", id);
    png = rp_unbase64(src + strlen(prefix), &len);
    rgb = rp_png_rgb(png, len, w, h);
    free(png);
    free(src);
    return rgb;
}

/* The numbers of a JSON matrix (rows of integers) into m (row-major); returns n*n. */
static int rp_matrix(const cJSON *j, long *m, int max)
{
    const cJSON *row, *x;
    int k = 0;
    cr_assert(cJSON_IsArray(j));
    cJSON_ArrayForEach(row, j)
        cJSON_ArrayForEach(x, row) {
            cr_assert(k < max && cJSON_IsNumber(x));
            m[k++] = (long)x->valuedouble;
        }
    return k;
}

/* ================================================================ */
/* The page in a browser                                            */
/* ================================================================ */

Test(report, page_renders_in_a_browser_with_its_parts_in_place)
{
    const char *args[] = { "report", "tiny.lua", "--backend", "tcc", "--data", "data", "--weights", "w.bin",
                           "--runs", "first=run.jsonl", "--runs", "run.jsonl", "-o", "r.html", NULL };
    static const char *const keys[] = { "network", "diagram", "curves", "cost-chart", "accuracy-chart",
                                        "filters", "filters-l1", "features", "features-0",
                                        "confusion", "confusion-matrix", "mistakes", NULL };
    char *html, *dom, *shot = rp_path("shot.png"), *page = rp_path("r.html"), arg[700];
    unsigned char *png, *rgb;
    size_t len, k, n, ink = 0, colours = 0;
    static unsigned char seen[1 << 15];     /* 15-bit colours met */
    int w, h, i;
    cJSON *runs;

    rp_train("3");
    free(rp_cnngen_ok(args));
    html = fs_slurp(page, NULL);
    cr_assert_not_null(html);
    cr_expect(!strstr(html, "http://") && !strstr(html, "https://"), "the page names a URL");
    runs = rp_json(html, "runs-data");
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(runs, "runs")), 2);
    cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(runs, "runs"), 0), "label")->valuestring,
                     "first");
    cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(runs, "runs"), 1), "label")->valuestring,
                     "run.jsonl");
    cJSON_Delete(runs);

    /* where the page says its parts are, after its script ran */
    dom = rp_browse(page, "--dump-dom", NULL);
    cr_assert(strstr(dom, "data-laid-out=\""), "the page's script did not run: %.300s", dom);
    for (i = 0; keys[i]; ++i) {
        char *rect = rp_attr(dom, keys[i], "data-rect");
        double x, y, rw, rh;
        cr_assert_not_null(rect, "no #%s with a data-rect in the rendered page", keys[i]);
        cr_assert_eq(sscanf(rect, "%lf %lf %lf %lf", &x, &y, &rw, &rh), 4, "#%s: data-rect \"%s\"", keys[i], rect);
        cr_expect(rw > 0 && rh > 0, "#%s is laid out %s (x y width height)", keys[i], rect);
        free(rect);
    }
    free(dom);

    /* the screenshot, with every host name unresolvable: not blank */
    snprintf(arg, sizeof arg, "--screenshot=%s", shot);
    free(rp_browse(page, arg, "--host-resolver-rules=MAP * ~NOTFOUND"));
    png = (unsigned char *)fs_slurp(shot, &len);
    cr_assert_not_null(png, "no screenshot");
    rgb = rp_png_rgb(png, len, &w, &h);
    n = (size_t)w * h;
    for (k = 0; k < n; ++k) {
        const unsigned char *p = rgb + 3 * k;
        unsigned c = (unsigned)(p[0] >> 3) << 10 | (unsigned)(p[1] >> 3) << 5 | (unsigned)(p[2] >> 3);
        if (p[0] < 235 || p[1] < 235 || p[2] < 235) ++ink;
        if (!seen[c]) {
            seen[c] = 1;
            ++colours;
        }
    }
    cr_expect(ink > n / 20, "the screenshot is nearly blank: %zu of %zu pixels not white", ink, n);
    cr_expect(colours > 100, "the screenshot has only %zu colours", colours);
    free(rgb);
    free(png);
    free(html);
    free(shot);
    free(page);
}

/* ================================================================ */
/* Its numbers and pictures                                         */
/* ================================================================ */

Test(report, first_filter_png_is_the_weights_in_the_diverging_colour_map)
{
    const char *args[] = { "report", "tiny.lua", "--backend", "tcc", "--data", "data", "--weights", "w.bin",
                           "-o", "r.html", NULL };
    char err[512], *html;
    float w[RP_PARAMS];
    double a = 0, lo, hi;
    unsigned char *rgb;
    ckpt_info info;
    int iw, ih, x, y, k, scale, bad = 0;

    rp_train("2");
    free(rp_cnngen_ok(args));
    cr_assert_eq(ckpt_peek(fs_path("w.bin"), &info, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ckpt_load(fs_path("w.bin"), w, RP_PARAMS, 4, info.arch_hash, err, sizeof err), 0, "%s", err);
    html = fs_slurp(fs_path("r.html"), NULL);
    rgb = rp_img(html, "filter-l1-m0", &iw, &ih);
    scale = iw / 3;                             /* map 0: w[0..8], 3x3, one channel */
    cr_assert(scale >= 8 && iw == 3 * scale && ih == 3 * scale, "a %dx%d image for a 3x3 filter", iw, ih);
    for (k = 0; k < 9; ++k)
        if (w[k] > a || -w[k] > a) a = w[k] > 0 ? w[k] : -w[k];
    lo = -a;
    hi = a;
    for (y = 0; y < ih; ++y)
        for (x = 0; x < iw; ++x) {
            draw_rgb c = draw_diverging(draw_unit(w[y / scale * 3 + x / scale], lo, hi));
            const unsigned char *p = rgb + 3 * (y * iw + x);
            bad += p[0] != c.r || p[1] != c.g || p[2] != c.b;
        }
    cr_expect_eq(bad, 0, "%d pixels of the first filter differ from the colour map of its weights", bad);
    free(rgb);
    free(html);
}

/* Compare <img id=id> with the maps a[maps][side][side] as the page draws
 * them: ceil(sqrt(maps)) a row, each value `scale` pixels wide, 3 apart,
 * coloured by draw_viridis over the layer's range; returns the pixels off
 * by more than 1 in a channel (float sums may round differently). */
static int rp_maps_differ(const char *html, const char *id, const double *a, int maps, int side)
{
    int per_row = 2, scale = 48 / side, w, h, m, y, x, bad = 0, k;
    double lo = a[0], hi = a[0];
    unsigned char *rgb = rp_img(html, id, &w, &h);
    for (k = 1; k < maps * side * side; ++k) {
        if (a[k] < lo) lo = a[k];
        if (a[k] > hi) hi = a[k];
    }
    cr_assert_eq(w, per_row * side * scale + 3, "#%s is %d pixels wide", id, w);
    for (m = 0; m < maps; ++m)
        for (y = 0; y < side * scale; ++y)
            for (x = 0; x < side * scale; ++x) {
                int px = m % per_row * (side * scale + 3) + x, py = m / per_row * (side * scale + 3) + y;
                draw_rgb c = draw_viridis(draw_unit(a[(m * side + y / scale) * side + x / scale], lo, hi));
                const unsigned char *p = rgb + 3 * (py * w + px);
                bad += abs(p[0] - c.r) > 1 || abs(p[1] - c.g) > 1 || abs(p[2] - c.b) > 1;
            }
    free(rgb);
    return bad;
}

Test(report, feature_maps_are_the_activations_of_the_forward_pass)
{
    const char *args[] = { "report", "tiny.lua", "--backend", "tcc", "--data", "data", "--weights", "w.bin",
                           "-o", "r.html", NULL };
    char err[512], *html;
    float w[RP_PARAMS];
    double a1[4 * 36], a2[4 * 9];
    ckpt_info info;
    dataset ds;
    int m, y, x, i, j;

    rp_train("2");
    free(rp_cnngen_ok(args));
    cr_assert_eq(ckpt_peek(fs_path("w.bin"), &info, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ckpt_load(fs_path("w.bin"), w, RP_PARAMS, 4, info.arch_hash, err, sizeof err), 0, "%s", err);
    cr_assert_eq(dataset_open(fs_path("data"), &ds, err, sizeof err), 0, "%s", err);
    /* test image 0 through conv 4@3x3 relu (w[0..35], b[36..39]) and the 2x2 pool */
    for (m = 0; m < 4; ++m)
        for (y = 0; y < 6; ++y)
            for (x = 0; x < 6; ++x) {
                double z = w[36 + m];
                for (i = 0; i < 3; ++i)
                    for (j = 0; j < 3; ++j)
                        z += (double)w[m * 9 + i * 3 + j] * ds.test.x[(y + i) * 8 + x + j];
                a1[(m * 6 + y) * 6 + x] = z > 0 ? z : 0;
            }
    for (m = 0; m < 4; ++m)
        for (y = 0; y < 3; ++y)
            for (x = 0; x < 3; ++x) {
                double v = a1[(m * 6 + 2 * y) * 6 + 2 * x];
                for (i = 0; i < 2; ++i)
                    for (j = 0; j < 2; ++j)
                        if (a1[(m * 6 + 2 * y + i) * 6 + 2 * x + j] > v) v = a1[(m * 6 + 2 * y + i) * 6 + 2 * x + j];
                a2[(m * 3 + y) * 3 + x] = v;
            }
    dataset_free(&ds);
    html = fs_slurp(fs_path("r.html"), NULL);
    cr_expect_eq(rp_maps_differ(html, "features-0-l1", a1, 4, 6), 0, "the conv maps differ from a^1");
    cr_expect_eq(rp_maps_differ(html, "features-0-l2", a2, 4, 3), 0, "the pool maps differ from a^2");
    free(html);
}

Test(report, confusion_matrix_shows_the_numbers_of_eval)
{
    const char *rep[] = { "report", "tiny.lua", "--backend", "tcc", "--data", "data", "--weights", "w.bin",
                          "-o", "r.html", NULL };
    const char *ev[] = { "eval", "tiny.lua", "--backend", "tcc", "--data", "data", "--weights", "w.bin",
                         "--json", NULL };
    long want[16], page[16], shown[16];
    char *html, *out, *svg, *end;
    const char *p;
    cJSON *e, *c;
    int n, k = 0;

    rp_train("2");
    free(rp_cnngen_ok(rep));
    out = rp_cnngen_ok(ev);
    e = cJSON_Parse(out);
    cr_assert_not_null(e, "eval --json: %s", out);
    n = rp_matrix(cJSON_GetObjectItem(e, "confusion"), want, 16);
    cr_assert_eq(n, 16);
    html = fs_slurp(fs_path("r.html"), NULL);
    c = rp_json(html, "confusion-data");
    cr_expect_eq(rp_matrix(cJSON_GetObjectItem(c, "float"), page, 16), 16);
    cr_expect_arr_eq(page, want, sizeof want, "the page's confusion data differ from eval's");
    /* the counts the heat map shows, row after row */
    svg = strstr(html, "id=\"confusion-matrix\"");
    cr_assert_not_null(svg);
    end = strstr(svg, "</svg>");
    for (p = svg; (p = strstr(p, "class=\"n\"")) != NULL && p < end && k < 16; ++k) {
        p = strchr(p, '>') + 1;
        shown[k] = strtol(p, NULL, 10);
    }
    cr_assert_eq(k, 16, "the heat map shows %d counts", k);
    cr_expect_arr_eq(shown, want, sizeof want, "the heat map's counts differ from eval's");
    cJSON_Delete(c);
    cJSON_Delete(e);
    free(html);
    free(out);
}

Test(report, int8_accuracy_stands_beside_the_float_one)
{
    const char *rep[] = { "report", "tiny.lua", "--backend", "tcc", "--data", "data", "--weights", "w.bin",
                          "--quantize", "int8", "-o", "r.html", NULL };
    const char *ev[] = { "eval", "tiny.lua", "--backend", "tcc", "--data", "data", "--weights", "w.bin",
                         "--quantize", "int8", "--json", NULL };
    long want[16], page[16];
    char *html, *out;
    cJSON *e, *c;

    rp_train("2");
    free(rp_cnngen_ok(rep));
    out = rp_cnngen_ok(ev);
    e = cJSON_Parse(out);
    cr_assert_not_null(e, "eval --json: %s", out);
    cr_assert_eq(rp_matrix(cJSON_GetObjectItem(e, "confusion"), want, 16), 16);
    html = fs_slurp(fs_path("r.html"), NULL);
    c = rp_json(html, "confusion-data");
    cr_expect_eq(rp_matrix(cJSON_GetObjectItem(c, "int8"), page, 16), 16);
    cr_expect_arr_eq(page, want, sizeof want, "the page's int8 confusion differs from eval's");
    cr_expect(strstr(html, "<th>int8</th>") != NULL, "no int8 column in the per-class table");
    cr_expect(strstr(html, "the int8 code: <b>") != NULL, "no int8 accuracy beside the float one");
    cJSON_Delete(c);
    cJSON_Delete(e);
    free(html);
    free(out);
}

/* ================================================================ */
/* Bad input                                                        */
/* ================================================================ */

/* report with weights W, --runs R (or none), -o O: must fail (status 2,
 * one line holding want) and leave the scratch directory as it was. */
static void rp_refused(const char *weights, const char *runs, const char *out, const char *want)
{
    const char *args[] = { "report", "tiny.lua", "--backend", "tcc", "--data", "data", "--weights", weights,
                           "-o", out, runs ? "--runs" : NULL, runs, NULL };
    char before[4096], *after;
    proc_result r;
    char *ls = proc_ok("ls -A %s | tr '\\n' ' '", fs_scratch());
    snprintf(before, sizeof before, "%s", ls);
    free(ls);
    rp_cnngen(&r, args);
    rp_expect_user_error(&r, want);
    proc_free(&r);
    after = proc_ok("ls -A %s | tr '\\n' ' '", fs_scratch());
    cr_expect_str_eq(after, before, "files left behind");
    free(after);
}

Test(report, bad_input_is_one_line_status_2_and_no_file)
{
    float p[RP_PARAMS] = { 0 };
    char err[512];
    static const char text[] = "{\"epoch\":1,\"cost\":0.5,\"accuracy\":0.9,\"seconds\":1,\"samples_per_s\":9}\n"
                               "epoch 2/3  cost 0.41  test accuracy 91.00%  1.0 s  900 samples/s  tcc\n";
    static const char wrong[] = "{\"epoch\":\"one\",\"cost\":0.5,\"accuracy\":0.9}\n";
    const char *names[] = { "report", "tiny.lua", "--backend", "tcc", "--data", "data", "--weights", "w.bin",
                            "--names", "names.txt", "-o", "r.html", NULL };
    proc_result r;

    rp_train("1");
    cr_assert_eq(ckpt_save(fs_path("other.bin"), p, RP_PARAMS, 4, 0x1234, err, sizeof err), 0, "%s", err);
    fs_spit(fs_path("text.log"), text, strlen(text));
    fs_spit(fs_path("wrong.jsonl"), wrong, strlen(wrong));
    fs_spit(fs_path("afile"), "x", 1);
    rp_refused("other.bin", NULL, "r.html", "different network architecture");
    rp_refused("w.bin", "text.log", "r.html", "text.log:2:");
    rp_refused("w.bin", "wrong.jsonl", "r.html", "wrong.jsonl:1:");
    rp_refused("w.bin", "missing.jsonl", "r.html", "missing.jsonl");
    rp_refused("w.bin", NULL, "afile/r.html", "afile/r.html");
    rp_refused("w.bin", NULL, "no-such-dir/r.html", "no-such-dir/r.html");
    {   /* flags: -o missing, --report and --names on the wrong command */
        const char *no_o[] = { "report", "tiny.lua", "--weights", "w.bin", NULL };
        const char *rep[] = { "eval", "tiny.lua", "--weights", "w.bin", "--report", "x.html", NULL };
        const char *nam[] = { "run", "tiny.lua", "--names", "names.txt", NULL };
        rp_cnngen(&r, no_o);
        rp_expect_user_error(&r, "-o REPORT.html");
        proc_free(&r);
        rp_cnngen(&r, rep);
        rp_expect_user_error(&r, "--report is an option of run");
        proc_free(&r);
        rp_cnngen(&r, nam);
        rp_expect_user_error(&r, "--names is an option of report");
        proc_free(&r);
    }
    /* three names for four classes */
    fs_spit(fs_path("names.txt"), "a\nb\nc\n", 6);
    rp_cnngen(&r, names);
    rp_expect_user_error(&r, "3 names, but the network has 4 classes");
    cr_expect(access(fs_path("r.html"), F_OK) != 0, "a report was written");
    proc_free(&r);
}

/* ================================================================ */
/* run --report, model:report                                       */
/* ================================================================ */

/* The epochs of each run in the page's runs-data, into counts; returns the runs. */
static int rp_run_points(const char *html, int *counts, int max, char labels[][64])
{
    cJSON *j = rp_json(html, "runs-data"), *run;
    int n = 0;
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(j, "runs")) {
        cr_assert(n < max);
        counts[n] = cJSON_GetArraySize(cJSON_GetObjectItem(run, "epochs"));
        snprintf(labels[n], 64, "%s", cJSON_GetObjectItem(run, "label")->valuestring);
        ++n;
    }
    cJSON_Delete(j);
    return n;
}

Test(report, run_report_is_rewritten_after_every_epoch)
{
    const char *args[] = { "run", "tiny.lua", "--backend", "tcc", "--data", "data", "--epochs", "2",
                           "--report", "live.html", NULL };
    const char *bad[] = { "run", "tiny.lua", "--backend", "tcc", "--data", "data", "--epochs", "1",
                          "--report", "no-such-dir/live.html", NULL };
    char labels[4][64], *html, *pts;
    int counts[4];
    proc_result r;

    free(rp_cnngen_ok(args));
    html = fs_slurp(fs_path("live.html"), NULL);
    cr_assert_not_null(html, "run --report wrote no page");
    cr_assert_eq(rp_run_points(html, counts, 4, labels), 1);
    cr_expect_eq(counts[0], 2, "the curves have %d points after 2 epochs", counts[0]);
    cr_expect_str_eq(labels[0], "tiny");
    pts = rp_attr(html, "cost-chart", "data-points");
    cr_expect(pts && !strcmp(pts, "2"), "the cost chart draws [%s] points", pts ? pts : "no");
    cr_expect(strstr(html, "id=\"features-0\"") && strstr(html, "layer 1 conv"), "no feature maps");
    cr_expect(strstr(html, "id=\"confusion-matrix\"") != NULL, "no confusion matrix");
    free(pts);
    free(html);
    /* a page it cannot write stops the run before training */
    rp_cnngen(&r, bad);
    rp_expect_user_error(&r, "no-such-dir/live.html");
    cr_expect(!strstr(r.out, "epoch"), "it trained: %s", r.out);
    proc_free(&r);
}

Test(report, experiment_report_compares_its_runs)
{
    char script[2048], labels[4][64], *html;
    const char *args[] = { "run", "sweep.lua", NULL };
    int counts[4], n;
    snprintf(script, sizeof script,
             "local function net()\n  return network { name = \"exp\", input = { 1, 8, 8 }, layers = {\n"
             "    conv { maps = 2, kernel = 3, act = \"sigmoid\" }, maxpool { size = 2 },\n"
             "    dense { units = 4, act = \"softmax\" } } }\nend\n"
             "local d = cnngen.data(\"%s\")\nlocal runs, m = {}, nil\n"
             "for _, eta in ipairs({ 0.1, 1.0 }) do\n"
             "  m = cnngen.compile(net(), { backend = \"tcc\" })\n"
             "  m:train(d, { epochs = 2, eta = eta })\n"
             "  runs[#runs + 1] = { label = \"eta \" .. eta, epochs = m:history() }\n"
             "end\n"
             "m:report(\"sweep.html\", { data = d, runs = runs, names = { \"a\", \"b\", \"c\", \"d\" } })\n"
             "m:report(\"own.html\", { data = d })\n", fs_path("data"));
    fs_spit(fs_path("sweep.lua"), script, strlen(script));
    free(rp_cnngen_ok(args));
    html = fs_slurp(fs_path("sweep.html"), NULL);
    cr_assert_not_null(html, "model:report wrote no page");
    n = rp_run_points(html, counts, 4, labels);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(labels[0], "eta 0.1");
    cr_expect_str_eq(labels[1], "eta 1.0");
    cr_expect(counts[0] == 2 && counts[1] == 2, "%d and %d points", counts[0], counts[1]);
    cr_expect(strstr(html, ">a</text>") != NULL, "the class names are not on the heat map");
    free(html);
    html = fs_slurp(fs_path("own.html"), NULL);
    cr_assert_not_null(html);
    n = rp_run_points(html, counts, 4, labels);
    cr_expect(n == 1 && counts[0] == 2, "the model's own history: %d runs", n);
    free(html);
}
