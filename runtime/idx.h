/*
 * idx.h -- read IDX files (the MNIST format), plain or gzip'd.
 *
 * An IDX file is
 *
 *   0x00 0x00 TYPE NDIMS      magic: two zero bytes, element type, rank
 *   NDIMS x uint32 big-endian the dimensions, outermost first
 *   data                      product(dims) elements, row-major
 *
 * Only TYPE 0x08 (unsigned byte) is supported: it is what every MNIST-style
 * data set uses for both images and labels.  Files are read through zlib, so
 * a gzip'd file and a plain one are read the same way.
 */
#ifndef CNNGEN_IDX_H
#define CNNGEN_IDX_H

#include <stddef.h>

#define IDX_MAX_DIMS 4

typedef struct idx_array {
    int ndims;                  /* 1..IDX_MAX_DIMS */
    unsigned dims[IDX_MAX_DIMS];   /* dims[0] outermost (the sample count); unused 0 */
    unsigned char *data;        /* count bytes, malloc'd; owned by the array */
    size_t count;               /* product of dims (every dim is >= 1) */
} idx_array;

/* Read the IDX file at `path` (plain or gzip) into *out.  Returns 0, or -1
 * with a one-line message naming `path` in err (cannot open, not an IDX
 * file, unsupported element type, bad dimensions, size overflow, truncated,
 * trailing data, corrupt gzip data).  On failure *out is left empty (safe to
 * idx_free).  err may be NULL or errlen 0 when no message is wanted. */
int idx_load(const char *path, idx_array *out, char *err, size_t errlen);

/* Release a->data and reset *a to empty.  Accepts an empty array. */
void idx_free(idx_array *a);

#endif
