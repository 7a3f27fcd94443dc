/*
 * draw.c -- pictures for `cnngen report` (see draw.h).
 *
 * PNG encoding is libpng's (its simplified write-to-memory API): a
 * well-kept encoder, installed everywhere, and nothing here needs more
 * than 8-bit RGB.  Base64, the colour maps and the SVG are a few lines
 * each, written here.
 */
#include "draw.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

/* ================================================================ */
/* Text                                                             */
/* ================================================================ */

static int draw_grow(draw_buf *b, size_t more)
{
    size_t want;
    char *s;
    if (b->failed) return -1;
    want = b->len + more + 1;
    if (want <= b->cap) return 0;
    want = want < 2 * b->cap ? 2 * b->cap : want + 4096;
    s = realloc(b->s, want);
    if (!s) {
        b->failed = 1;
        return -1;
    }
    b->s = s;
    b->cap = want;
    return 0;
}

void draw_add(draw_buf *b, const char *s, size_t n)
{
    if (draw_grow(b, n) != 0) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void draw_puts(draw_buf *b, const char *s)
{
    draw_add(b, s, strlen(s));
}

void draw_printf(draw_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || draw_grow(b, (size_t)n) != 0) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void draw_text(draw_buf *b, const char *s)
{
    for (; *s; ++s) {
        switch (*s) {
        case '&': draw_puts(b, "&amp;"); break;
        case '<': draw_puts(b, "&lt;"); break;
        case '>': draw_puts(b, "&gt;"); break;
        case '"': draw_puts(b, "&quot;"); break;
        case '\'': draw_puts(b, "&#39;"); break;
        default: draw_add(b, s, 1);
        }
    }
}

void draw_base64(draw_buf *b, const void *data, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    size_t i;
    char *o;
    if (draw_grow(b, (n + 2) / 3 * 4) != 0) return;
    o = b->s + b->len;
    for (i = 0; i + 2 < n; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 | p[i + 2];
        *o++ = abc[v >> 18 & 63];
        *o++ = abc[v >> 12 & 63];
        *o++ = abc[v >> 6 & 63];
        *o++ = abc[v & 63];
    }
    if (i < n) {
        unsigned long v = (unsigned long)p[i] << 16 | (i + 1 < n ? (unsigned long)p[i + 1] << 8 : 0);
        *o++ = abc[v >> 18 & 63];
        *o++ = abc[v >> 12 & 63];
        *o++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
        *o++ = '=';
    }
    b->len = (size_t)(o - b->s);
    b->s[b->len] = '\0';
}

void draw_buf_free(draw_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

/* ================================================================ */
/* Colour maps                                                      */
/* ================================================================ */

/* t in [0, 1] along n evenly spaced anchors. */
static draw_rgb draw_ramp(const unsigned char (*a)[3], int n, double t)
{
    draw_rgb c;
    double x;
    int k;
    if (!(t > 0)) t = 0;                /* NaN too */
    if (t > 1) t = 1;
    x = t * (n - 1);
    k = (int)x;
    if (k >= n - 1) k = n - 2;
    x -= k;
    c.r = (unsigned char)lround(a[k][0] + x * (a[k + 1][0] - a[k][0]));
    c.g = (unsigned char)lround(a[k][1] + x * (a[k + 1][1] - a[k][1]));
    c.b = (unsigned char)lround(a[k][2] + x * (a[k + 1][2] - a[k][2]));
    return c;
}

draw_rgb draw_diverging(double t)
{
    static const unsigned char a[][3] = {           /* ColorBrewer RdBu, reversed */
        { 5, 48, 97 }, { 67, 147, 195 }, { 247, 247, 247 }, { 214, 96, 77 }, { 103, 0, 31 } };
    return draw_ramp(a, 5, t);
}

draw_rgb draw_viridis(double t)
{
    static const unsigned char a[][3] = {
        { 68, 1, 84 }, { 72, 40, 120 }, { 62, 74, 137 }, { 49, 104, 142 }, { 38, 130, 142 },
        { 31, 158, 137 }, { 53, 183, 121 }, { 109, 205, 89 }, { 180, 222, 44 }, { 253, 231, 37 } };
    return draw_ramp(a, 10, t);
}

draw_rgb draw_blues(double t)
{
    static const unsigned char a[][3] = {
        { 247, 251, 255 }, { 198, 219, 239 }, { 107, 174, 214 }, { 33, 113, 181 }, { 8, 48, 107 } };
    return draw_ramp(a, 5, t);
}

draw_rgb draw_ink(double t)
{
    static const unsigned char a[][3] = { { 255, 255, 255 }, { 0, 0, 0 } };
    return draw_ramp(a, 2, t);
}

double draw_unit(double v, double lo, double hi)
{
    double t;
    if (!(hi > lo)) return 0.5;
    t = (v - lo) / (hi - lo);
    return t < 0 ? 0 : t > 1 ? 1 : t;
}

/* ================================================================ */
/* Images                                                           */
/* ================================================================ */

int draw_image_init(draw_image *im, int w, int h, draw_rgb bg)
{
    size_t k, n;
    im->w = w;
    im->h = h;
    im->rgb = NULL;
    if (w < 1 || h < 1 || w > 16384 || h > 16384) return -1;
    n = (size_t)w * (size_t)h;
    im->rgb = malloc(n * 3);
    if (!im->rgb) return -1;
    for (k = 0; k < n; ++k) {
        im->rgb[3 * k] = bg.r;
        im->rgb[3 * k + 1] = bg.g;
        im->rgb[3 * k + 2] = bg.b;
    }
    return 0;
}

void draw_image_free(draw_image *im)
{
    free(im->rgb);
    memset(im, 0, sizeof *im);
}

int draw_grid(draw_image *im, const float *v, int n, int rows, int cols, int per_row, int scale,
              int gap, const double *lo, const double *hi, draw_colour_fn colour)
{
    static const draw_rgb white = { 255, 255, 255 };
    int across = n < per_row ? n : per_row, down = (n + per_row - 1) / per_row, k;
    int tw = cols * scale, th = rows * scale;
    if (draw_image_init(im, across * tw + (across - 1) * gap, down * th + (down - 1) * gap, white) != 0)
        return -1;
    for (k = 0; k < n; ++k) {
        int x0 = k % per_row * (tw + gap), y0 = k / per_row * (th + gap), y, x;
        const float *t = v + (size_t)k * rows * cols;
        for (y = 0; y < th; ++y)
            for (x = 0; x < tw; ++x) {
                draw_rgb c = colour(draw_unit(t[y / scale * cols + x / scale], lo[k], hi[k]));
                unsigned char *p = im->rgb + 3 * ((size_t)(y0 + y) * im->w + x0 + x);
                p[0] = c.r;
                p[1] = c.g;
                p[2] = c.b;
            }
    }
    return 0;
}

int draw_png(const draw_image *im, unsigned char **png, size_t *len)
{
    png_image p;
    png_alloc_size_t size = 0;
    *png = NULL;
    *len = 0;
    memset(&p, 0, sizeof p);
    p.version = PNG_IMAGE_VERSION;
    p.width = (png_uint_32)im->w;
    p.height = (png_uint_32)im->h;
    p.format = PNG_FORMAT_RGB;
    if (!png_image_write_get_memory_size(p, size, 0, im->rgb, 0, NULL))
        return -1;
    *png = malloc(size);
    if (!*png) return -1;
    if (!png_image_write_to_memory(&p, *png, &size, 0, im->rgb, 0, NULL)) {
        free(*png);
        *png = NULL;
        return -1;
    }
    *len = size;
    return 0;
}

void draw_png_uri(draw_buf *b, const draw_image *im)
{
    unsigned char *png;
    size_t len;
    if (draw_png(im, &png, &len) != 0) {
        b->failed = 1;
        return;
    }
    draw_puts(b, "data:image/png;base64,");
    draw_base64(b, png, len);
    free(png);
}

/* ================================================================ */
/* SVG                                                              */
/* ================================================================ */

static const char *const draw_palette[] = {        /* Tableau 10 */
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac" };

/* A step of 1, 2 or 5 times a power of ten giving about `ticks` ticks over span. */
static double draw_step(double span, int ticks)
{
    double raw = span / ticks, p = pow(10, floor(log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/* A tick label for v on an axis of the given step. */
static void draw_tick(char *out, size_t len, double v, double step, int percent)
{
    int dec;
    if (percent) {
        v *= 100;
        step *= 100;
    }
    dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (fabs(v) < step * 1e-6) v = 0;
    snprintf(out, len, "%.*f%s", dec, v, percent ? "%" : "");
}

void draw_svg_lines(draw_buf *b, const char *id, const char *title, const char *xlabel,
                    const char *ylabel, const draw_series *s, int ns, int percent)
{
    const double W = 560, L = 64, R = 20, T = 34, PH = 220;
    double xmin = HUGE_VAL, xmax = -HUGE_VAL, ymin = HUGE_VAL, ymax = -HUGE_VAL;
    double xstep, ystep, v, H = T + PH + 50 + 18.0 * ns, PW = W - L - R;
    char lab[64];
    int i, k;
    for (i = 0; i < ns; ++i)
        for (k = 0; k < s[i].n; ++k) {
            if (!isfinite(s[i].y[k])) continue;
            if (s[i].x[k] < xmin) xmin = s[i].x[k];
            if (s[i].x[k] > xmax) xmax = s[i].x[k];
            if (s[i].y[k] < ymin) ymin = s[i].y[k];
            if (s[i].y[k] > ymax) ymax = s[i].y[k];
        }
    if (xmin > xmax) {                  /* nothing to plot: an empty frame */
        xmin = 1;
        xmax = 2;
        ymin = 0;
        ymax = 1;
    }
    if (xmax - xmin < 1) {
        xmin -= 0.5;
        xmax += 0.5;
    }
    v = ymax - ymin;
    if (v <= 0) v = fabs(ymax) > 0 ? fabs(ymax) * 0.2 : 1;
    ymin -= 0.08 * v;
    ymax += 0.08 * v;
    if (percent && ymin < 0) ymin = 0;
    if (percent && ymax > 1) ymax = 1;
    xstep = draw_step(xmax - xmin, 8);
    if (xstep < 1) xstep = 1;
    ystep = draw_step(ymax - ymin, 5);
#define DRAW_X(x) (L + ((x) - xmin) / (xmax - xmin) * PW)
#define DRAW_Y(y) (T + (ymax - (y)) / (ymax - ymin) * PH)
    draw_printf(b, "<svg id=\"%s\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
                "role=\"img\" data-points=\"", id, W, H, W, H);
    for (i = 0; i < ns; ++i)
        draw_printf(b, "%s%d", i ? " " : "", s[i].n);
    draw_puts(b, "\">\n<text class=\"title\" x=\"");
    draw_printf(b, "%.0f\" y=\"20\">", L);
    draw_text(b, title);
    draw_puts(b, "</text>\n");
    /* grid and ticks */
    for (v = ceil(ymin / ystep - 1e-9) * ystep; v <= ymax + 1e-12; v += ystep) {
        draw_tick(lab, sizeof lab, v, ystep, percent);
        draw_printf(b, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                    "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    L, L + PW, DRAW_Y(v), DRAW_Y(v), L - 6, DRAW_Y(v) + 4, lab);
    }
    for (v = ceil(xmin / xstep - 1e-9) * xstep; v <= xmax + 1e-12; v += xstep)
        draw_printf(b, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                    "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n",
                    DRAW_X(v), DRAW_X(v), T + PH, T + PH + 5, DRAW_X(v), T + PH + 18, v);
    draw_printf(b, "<rect class=\"frame\" x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\"/>\n",
                L, T, PW, PH);
    draw_printf(b, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", L + PW / 2, T + PH + 36);
    draw_text(b, xlabel);
    draw_printf(b, "</text>\n<text class=\"label\" transform=\"translate(14 %.1f) rotate(-90)\" "
                "text-anchor=\"middle\">", T + PH / 2);
    draw_text(b, ylabel);
    draw_puts(b, "</text>\n");
    /* the curves: a polyline for each run of finite points, a marker at each */
    for (i = 0; i < ns; ++i) {
        const char *col = draw_palette[i % 10];
        int open = 0;
        draw_printf(b, "<g class=\"series\" stroke=\"%s\" fill=\"%s\">\n", col, col);
        for (k = 0; k <= s[i].n; ++k) {
            int ok = k < s[i].n && isfinite(s[i].y[k]);
            if (ok && !open) draw_puts(b, "<polyline fill=\"none\" points=\"");
            if (ok) draw_printf(b, "%.1f,%.1f ", DRAW_X(s[i].x[k]), DRAW_Y(s[i].y[k]));
            if (!ok && open) draw_puts(b, "\"/>\n");
            open = ok;
        }
        for (k = 0; k < s[i].n; ++k) {
            if (!isfinite(s[i].y[k])) continue;
            draw_printf(b, "<circle r=\"3\" cx=\"%.1f\" cy=\"%.1f\"><title>", DRAW_X(s[i].x[k]),
                        DRAW_Y(s[i].y[k]));
            draw_text(b, s[i].label);
            if (percent)
                draw_printf(b, ": epoch %.0f, %.2f%%</title></circle>\n", s[i].x[k], 100 * s[i].y[k]);
            else
                draw_printf(b, ": epoch %.0f, %.4f</title></circle>\n", s[i].x[k], s[i].y[k]);
        }
        draw_puts(b, "</g>\n");
    }
    /* the legend, under the axis label */
    for (i = 0; i < ns; ++i) {
        double y = T + PH + 56 + 18.0 * i;
        draw_printf(b, "<line stroke=\"%s\" stroke-width=\"2\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                    "<text class=\"legend\" x=\"%.0f\" y=\"%.1f\">", draw_palette[i % 10], L, L + 24,
                    y - 4, y - 4, L + 30, y);
        draw_text(b, s[i].label);
        draw_puts(b, "</text>\n");
    }
    draw_puts(b, "</svg>\n");
#undef DRAW_X
#undef DRAW_Y
}

void draw_svg_heatmap(draw_buf *b, const char *id, const long *m, int n, const char *const *labels)
{
    const int C = n > 12 ? 26 : 36, L = 120, T = 110;
    int W = L + n * C + 70, H = T + n * C + 10, i, k;
    draw_printf(b, "<svg id=\"%s\" class=\"heatmap\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">\n",
                id, W, H, W, H);
    draw_printf(b, "<text class=\"label\" x=\"%d\" y=\"14\" text-anchor=\"middle\">predicted</text>\n"
                "<text class=\"label\" transform=\"translate(14 %d) rotate(-90)\" text-anchor=\"middle\">true</text>\n",
                L + n * C / 2, T + n * C / 2);
    for (k = 0; k < n; ++k) {
        draw_printf(b, "<text class=\"tick\" transform=\"translate(%d %d) rotate(-50)\">", L + k * C + C / 2 + 4, T - 6);
        draw_text(b, labels[k]);
        draw_printf(b, "</text>\n<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">", L - 6, T + k * C + C / 2 + 4);
        draw_text(b, labels[k]);
        draw_puts(b, "</text>\n");
    }
    for (i = 0; i < n; ++i) {
        long row = 0;
        for (k = 0; k < n; ++k) row += m[(size_t)i * n + k];
        for (k = 0; k < n; ++k) {
            long c = m[(size_t)i * n + k];
            double t = row > 0 ? (double)c / (double)row : 0;
            draw_rgb col = draw_blues(t);
            int x = L + k * C, y = T + i * C;
            draw_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%02x%02x%02x\">"
                        "<title>true %d, predicted %d: %ld</title></rect>"
                        "<text class=\"n\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%ld</text>\n",
                        x, y, C, C, col.r, col.g, col.b, i, k, c, x + C / 2, y + C / 2 + 4,
                        t > 0.55 ? "#fff" : "#222", c);
        }
    }
    draw_printf(b, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n</svg>\n",
                L, T, n * C, n * C);
}

void draw_svg_chain(draw_buf *b, const char *id, const char *const *title, const char *const *sub, int n)
{
    const int BW = 164, BH = 56, GAP = 34, Y = 8;
    int W = n * BW + (n - 1) * GAP + 16, H = BH + 2 * Y, k;
    draw_printf(b, "<svg id=\"%s\" class=\"chain\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">\n",
                id, W, H, W, H);
    for (k = 0; k < n; ++k) {
        int x = 8 + k * (BW + GAP);
        draw_printf(b, "<rect class=\"box\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\"/>"
                    "<text class=\"boxtitle\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
                    x, Y, BW, BH, x + BW / 2, Y + 23);
        draw_text(b, title[k]);
        draw_printf(b, "</text><text class=\"boxsub\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x + BW / 2, Y + 42);
        draw_text(b, sub[k]);
        draw_puts(b, "</text>\n");
        if (k + 1 < n)
            draw_printf(b, "<path class=\"arrow\" d=\"M%d %d h%d m-6 -5 l6 5 l-6 5\"/>\n",
                        x + BW + 4, Y + BH / 2, GAP - 8);
    }
    draw_puts(b, "</svg>\n");
}
