/*
 * expand.c -- the expanded training set, made sample by sample (expand.h).
 */
#include "expand.h"

#include <stddef.h>
#include <string.h>

static const char *const expand_names[] = { "none", "shift1" };

/* See expand.h. */
int expand_parse(const char *name, expand_kind *kind)
{
    int k;
    for (k = 0; k < (int)(sizeof expand_names / sizeof *expand_names); ++k)
        if (!strcmp(name, expand_names[k])) {
            *kind = (expand_kind)k;
            return 0;
        }
    return -1;
}

const char *expand_name(expand_kind kind)
{
    return expand_names[kind];
}

int expand_factor(expand_kind kind)
{
    return kind == EXPAND_SHIFT1 ? 5 : 1;
}

/* See expand.h.  Up: row r of dst is row r + 1 of src, the last row 0;
 * left: column c is column c + 1, the last column 0; down and right the
 * mirror images. */
void expand_shift(float *dst, const float *src, int rows, int cols, int variant)
{
    size_t w = (size_t)cols, plane = (size_t)rows * w, r;
    switch (variant) {
    case EXPAND_UP:
        memcpy(dst, src + w, (plane - w) * sizeof *dst);
        memset(dst + plane - w, 0, w * sizeof *dst);
        break;
    case EXPAND_DOWN:
        memset(dst, 0, w * sizeof *dst);
        memcpy(dst + w, src, (plane - w) * sizeof *dst);
        break;
    case EXPAND_LEFT:
        for (r = 0; r < plane; r += w) {
            memcpy(dst + r, src + r + 1, (w - 1) * sizeof *dst);
            dst[r + w - 1] = 0.0f;
        }
        break;
    case EXPAND_RIGHT:
        for (r = 0; r < plane; r += w) {
            dst[r] = 0.0f;
            memcpy(dst + r + 1, src + r, (w - 1) * sizeof *dst);
        }
        break;
    default:
        memcpy(dst, src, plane * sizeof *dst);
        break;
    }
}

/* See expand.h. */
int expand_sample(float *dst, const float *x, int n, int rows, int cols, expand_kind kind, int i)
{
    size_t plane = (size_t)rows * (size_t)cols;
    int image = i % n, variant = kind == EXPAND_SHIFT1 ? i / n : EXPAND_SAME;
    expand_shift(dst, x + (size_t)image * plane, rows, cols, variant);
    return image;
}
