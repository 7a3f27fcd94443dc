/*
 * outfile.c -- write output files all-or-nothing (see outfile.h), each
 * through runtime/atomicfile.h.
 */
#include "outfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "atomicfile.h"

#define OUTFILE_MAX 8

int outfile_write(const outfile_item *items, int n, char *err, size_t errlen)
{
    atomicfile f[OUTFILE_MAX];
    int i, made, bad = -1;
    if (n > OUTFILE_MAX) {
        snprintf(err, errlen, "internal error: too many output files");
        return -1;
    }
    for (i = 0; i < n && bad < 0; ++i)         /* every file complete under its temporary */
        if (af_begin(&f[i], items[i].path, 0644) != AF_OK ||
            af_write(&f[i], items[i].data, items[i].len) != AF_OK || af_finish(&f[i]) != AF_OK)
            bad = i;
    made = i;
    for (i = 0; i < n && bad < 0; ++i) {        /* then each in place */
        int rc = af_commit(&f[i]);
        if (rc != AF_OK && rc != AF_SYNC_DIR)   /* AF_SYNC_DIR: in place all the same */
            bad = i;
    }
    if (bad < 0)
        return 0;
    snprintf(err, errlen, "%s: cannot write: %s", items[bad].path, strerror(errno));
    for (i = 0; i < made; ++i)
        af_abort(&f[i]);
    return -1;
}
