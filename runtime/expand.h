/*
 * expand.h -- the expanded training set (Nielsen, chapter 6), made on the
 * fly: train{ expand = "shift1" } trains on every image and on four copies
 * of it shifted by one pixel up, down, left and right, the row or column
 * shifted in filled with zeros -- five times the data, never stored.
 *
 * Sample i of the expanded set of n images (0 <= i < factor·n) is image
 * i mod n in variant i div n: 0 itself, 1 up, 2 down, 3 left, 4 right.
 * An epoch shuffles the whole index space [0, factor·n) (train_order, from
 * (seed, epoch) alone), so it is reproducible and independent of threads,
 * chunk and backend; --limit keeps the first n images, then expands them.
 */
#ifndef CNNGEN_EXPAND_H
#define CNNGEN_EXPAND_H

typedef enum expand_kind {
    EXPAND_NONE = 0,            /* the images as they are */
    EXPAND_SHIFT1               /* and shifted by one pixel, 4 ways: 5x */
} expand_kind;

/* The names a description and --expand use: "none", "shift1". */
#define EXPAND_NAMES "none, shift1"

/* name -> *kind; 0, or -1 for a name that is none of EXPAND_NAMES. */
int expand_parse(const char *name, expand_kind *kind);

/* kind's name ("none", "shift1"). */
const char *expand_name(expand_kind kind);

/* How many samples each image becomes: 1 or 5. */
int expand_factor(expand_kind kind);

/* The variants of shift1. */
enum { EXPAND_SAME, EXPAND_UP, EXPAND_DOWN, EXPAND_LEFT, EXPAND_RIGHT };

/* dst = src (rows x cols) shifted one pixel in direction `variant`
 * (EXPAND_UP: dst[r][c] = src[r+1][c], ...), the pixels shifted in 0. */
void expand_shift(float *dst, const float *src, int rows, int cols, int variant);

/* Sample i of the expanded set of the n images x (rows x cols each) into
 * dst; returns the index of its image (for its label). */
int expand_sample(float *dst, const float *x, int n, int rows, int cols, expand_kind kind, int i);

#endif
