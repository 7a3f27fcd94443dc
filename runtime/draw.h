/*
 * draw.h -- pictures for `cnngen report`, with no dependency on the
 * generator: a growable text buffer (HTML-escaped text, base64), colour
 * maps, RGB images and grids of tiles encoded as PNG in memory (libpng),
 * and SVG line charts, a heat map and a chain of boxes as text.
 *
 * Every SVG is written for inline use in an HTML page: no xmlns (an HTML
 * parser puts <svg> in the SVG namespace itself), so the page holds no URL.
 */
#ifndef CNNGEN_DRAW_H
#define CNNGEN_DRAW_H

#include <stddef.h>

/* ---- text ------------------------------------------------------------- */

/* A growing NUL-terminated string.  Start from { 0 }.  Running out of
 * memory sets failed and makes every later call a no-op. */
typedef struct draw_buf {
    char *s;
    size_t len, cap;
    int failed;
} draw_buf;

void draw_add(draw_buf *b, const char *s, size_t n);
void draw_puts(draw_buf *b, const char *s);
#ifdef __GNUC__
__attribute__((format(printf, 2, 3)))
#endif
void draw_printf(draw_buf *b, const char *fmt, ...);
/* s with & < > " ' escaped, for HTML text and attribute values. */
void draw_text(draw_buf *b, const char *s);
/* n bytes as base64 (RFC 4648, with padding). */
void draw_base64(draw_buf *b, const void *data, size_t n);
void draw_buf_free(draw_buf *b);

/* ---- colour maps: t in [0, 1], clamped; linear between anchors --------- */

typedef struct draw_rgb {
    unsigned char r, g, b;
} draw_rgb;

typedef draw_rgb (*draw_colour_fn)(double t);

draw_rgb draw_diverging(double t);  /* blue (0), white (0.5), red (1): signed values */
draw_rgb draw_viridis(double t);    /* dark violet to yellow: activations */
draw_rgb draw_blues(double t);      /* white to dark blue: the heat map */
draw_rgb draw_ink(double t);        /* white (0) to black (1): input images */

/* (v - lo) / (hi - lo) clamped to [0, 1]; 0.5 when hi <= lo. */
double draw_unit(double v, double lo, double hi);

/* ---- images ----------------------------------------------------------- */

typedef struct draw_image {
    int w, h;
    unsigned char *rgb;         /* w*h*3 bytes, row after row */
} draw_image;

/* A w x h image filled with bg; 0, or -1 (out of memory, or too large). */
int draw_image_init(draw_image *im, int w, int h, draw_rgb bg);
void draw_image_free(draw_image *im);

/* A grid of n tiles on white: tile k is the rows x cols values at
 * v + k*rows*cols, each value v drawn as a scale x scale square of
 * colour(draw_unit(v, lo[k], hi[k])); per_row tiles to a row, gap pixels
 * between tiles.  0, or -1 (out of memory). */
int draw_grid(draw_image *im, const float *v, int n, int rows, int cols, int per_row, int scale,
              int gap, const double *lo, const double *hi, draw_colour_fn colour);

/* The image as a PNG file in memory (malloc'd, *len bytes); 0 or -1. */
int draw_png(const draw_image *im, unsigned char **png, size_t *len);

/* Append "data:image/png;base64,..." for im. */
void draw_png_uri(draw_buf *b, const draw_image *im);

/* ---- SVG -------------------------------------------------------------- */

/* One curve of a line chart: y[k] at x[k]; non-finite y are gaps. */
typedef struct draw_series {
    const char *label;
    const double *x, *y;
    int n;
} draw_series;

/* A line chart of ns series with markers at the points, axes with ticks
 * and a legend; percent: y in [0, 1] labelled as percentages.  The <svg>
 * gets id, and data-points="n1 n2 ..." (each series' point count). */
void draw_svg_lines(draw_buf *b, const char *id, const char *title, const char *xlabel,
                    const char *ylabel, const draw_series *s, int ns, int percent);

/* An n x n heat map of counts m[row][col] (rows: true class, columns:
 * predicted), each cell shaded by its share of its row and showing its
 * count (a <text class="n">, row after row), labels down the side and
 * along the top. */
void draw_svg_heatmap(draw_buf *b, const char *id, const long *m, int n,
                      const char *const *labels);

/* n boxes left to right joined by arrows, box k titled title[k] over
 * sub[k] (either may be ""). */
void draw_svg_chain(draw_buf *b, const char *id, const char *const *title,
                    const char *const *sub, int n);

#endif
