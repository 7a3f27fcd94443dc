/*
 * idxw.h -- test support: write IDX files (plain or gzip'd), well-formed
 * or deliberately broken, for the tests of the readers and the data sets.
 */
#ifndef TESTS_IDXW_H
#define TESTS_IDXW_H

#include <stddef.h>

/* An IDX file in a malloc'd buffer: the magic 00 00 `type` `ndims`, the
 * dims big-endian, then plen payload bytes. *len gets the total. */
unsigned char *idxw_make(int type, int ndims, const unsigned *dims, const void *payload, size_t plen,
                         size_t *len);

/* Write len bytes to path, gzip-compressed when gz; fails the test on error. */
void idxw_write_raw(const char *path, const void *data, size_t len, int gz);

/* Write an IDX file of unsigned bytes (type 0x08) to path. */
void idxw_write(const char *path, int ndims, const unsigned *dims, const void *payload, size_t plen, int gz);

#endif
