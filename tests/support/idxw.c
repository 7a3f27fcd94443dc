/*
 * idxw.c -- test support: writing IDX files (idxw.h).
 */
#include "idxw.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

unsigned char *idxw_make(int type, int ndims, const unsigned *dims, const void *payload, size_t plen,
                         size_t *len)
{
    unsigned char *b = malloc(4 + 4 * (size_t)ndims + plen + 1);
    int k;
    cr_assert_not_null(b, "out of memory");
    b[0] = 0;
    b[1] = 0;
    b[2] = (unsigned char)type;
    b[3] = (unsigned char)ndims;
    for (k = 0; k < ndims; ++k) {
        b[4 + 4 * k] = (unsigned char)(dims[k] >> 24);
        b[5 + 4 * k] = (unsigned char)(dims[k] >> 16);
        b[6 + 4 * k] = (unsigned char)(dims[k] >> 8);
        b[7 + 4 * k] = (unsigned char)dims[k];
    }
    if (plen)
        memcpy(b + 4 + 4 * ndims, payload, plen);
    *len = 4 + 4 * (size_t)ndims + plen;
    return b;
}

void idxw_write_raw(const char *path, const void *data, size_t len, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        cr_assert_not_null(f, "gzopen %s", path);
        if (len > 0)
            cr_assert_eq(gzwrite(f, data, (unsigned)len), (int)len);
        cr_assert_eq(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f, "create %s: %s", path, strerror(errno));
        cr_assert_eq(fwrite(data, 1, len, f), len);
        cr_assert_eq(fclose(f), 0);
    }
}

void idxw_write(const char *path, int ndims, const unsigned *dims, const void *payload, size_t plen, int gz)
{
    size_t len;
    unsigned char *b = idxw_make(0x08, ndims, dims, payload, plen, &len);
    idxw_write_raw(path, b, len, gz);
    free(b);
}
