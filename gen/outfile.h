/*
 * outfile.h -- write output files all-or-nothing.
 *
 * Each file is written to a temporary in its target directory, flushed
 * and fsync'd; only when every file is complete are they renamed into
 * place.  On any failure the temporaries are removed and no target is
 * touched, so an error never leaves a truncated or half-written file.
 */
#ifndef CNNGEN_OUTFILE_H
#define CNNGEN_OUTFILE_H

#include <stddef.h>

typedef struct outfile_item {
    const char *path;
    const char *data;
    size_t len;
} outfile_item;

/* Write n files; 0 on success, -1 with one line in err. */
int outfile_write(const outfile_item *items, int n, char *err, size_t errlen);

#endif
