/*
 * read.c -- the readers of classify: PGM images and --names files (see
 * read.h).  Plain C99 and stdio, like the rest of the program.
 */
#include "read.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* See read.h. */
int read_check_size(long rows, long cols, int want_rows, int want_cols, char *msg, size_t len)
{
    if (rows == want_rows && cols == want_cols) return 0;
    snprintf(msg, len, "image is %ldx%ld, but the network takes %dx%d", cols, rows, want_cols, want_rows);
    return -1;
}

/* ---- PGM --------------------------------------------------------------- */

/* The next header integer of a PGM file (whitespace and # comments before
 * it), or -1. */
static long pgm_int(FILE *f)
{
    int ch;
    long v = 0;
    for (;;) {
        ch = getc(f);
        if (ch == '#')
            while (ch != '\n' && ch != EOF) ch = getc(f);
        else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
            break;
    }
    if (ch < '0' || ch > '9') return -1;
    while (ch >= '0' && ch <= '9') {
        if (v > 1000000) return -1;
        v = v * 10 + (ch - '0');
        ch = getc(f);
    }
    if (ch != EOF && ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') return -1;
    return v;   /* P5: the one whitespace after maxval is consumed */
}

/* See read.h. */
int read_pgm(const char *path, int rows, int cols, unsigned char *px, long *maxval,
             char *msg, size_t len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    long w, h, i;
    int c1, c2, ok = 0;
    if (!f) {
        snprintf(msg, len, "%s", strerror(errno));
        return -1;
    }
    c1 = getc(f);
    c2 = getc(f);
    if (c1 != 'P' || (c2 != '5' && c2 != '2')) {
        snprintf(msg, len, "not a PGM image (P5 or P2)");
        goto done;
    }
    w = pgm_int(f);
    h = pgm_int(f);
    *maxval = pgm_int(f);
    if (w <= 0 || h <= 0 || *maxval <= 0) {
        snprintf(msg, len, "bad PGM header");
        goto done;
    }
    if (*maxval > 255) {
        snprintf(msg, len, "16-bit PGM is not supported (maxval > 255)");
        goto done;
    }
    if (read_check_size(h, w, rows, cols, msg, len) != 0) goto done;
    for (i = 0; i < w * h; ++i) {
        long v = c2 == '5' ? (long)getc(f) : pgm_int(f);
        if (v < 0 || v > *maxval) {
            snprintf(msg, len, "%s", v == EOF || c2 == '2' ? "truncated or bad pixel data" : "pixel above maxval");
            goto done;
        }
        px[i] = (unsigned char)v;
    }
    ok = 1;
done:
    if (f != stdin) fclose(f);
    return ok ? 0 : -1;
}

/* ---- class names --------------------------------------------------------- */

/* See read.h. */
int read_names(const char *path, char (*names)[READ_NAME_MAX], int classes, char *msg, size_t len)
{
    FILE *f = fopen(path, "r");
    char line[256];
    int k = 0;
    if (!f) {
        snprintf(msg, len, "%s", strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (k == classes) {
            fclose(f);
            snprintf(msg, len, "more names than the network has classes");
            return -1;
        }
        line[READ_NAME_MAX - 1] = '\0';         /* a longer name is cut */
        memcpy(names[k++], line, READ_NAME_MAX);
    }
    fclose(f);
    return 0;
}
