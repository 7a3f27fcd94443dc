/*
 * idx.c -- IDX reader: header validation, gzip/plain input through zlib,
 * and one-line error messages that name the file.
 *
 * The data is read in growing chunks rather than allocated all at once from
 * the header's sizes, so a corrupt header that promises gigabytes costs no
 * more memory than the file actually holds before "truncated" is reported.
 */
#include "errfmt.h"
#include "idx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define IDX_TYPE_UBYTE 0x08
#define IDX_FIRST_CHUNK ((size_t)1 << 20)   /* first data allocation, bytes */
#define IDX_READ_MAX    ((size_t)1 << 30)   /* one gzread call, bytes (fits unsigned/int) */

/* Name of an IDX element type, for the "unsupported type" message; NULL for
 * a byte the format does not define. */
static const char *idx_type_name(int type)
{
    switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default:   return NULL;
    }
}

/* Read up to n bytes from f into buf; *got is how many arrived.  A short
 * count means end of input: for a gzip stream that ended early (zlib's
 * Z_BUF_ERROR) *got is still what was decompressed, and the caller reports
 * "truncated" as for a plain file.  Returns -1 (message in err) on a read
 * error or corrupt compressed data. */
static int idx_read(gzFile f, const char *path, void *buf, size_t n, size_t *got,
                    char *err, size_t errlen)
{
    unsigned char *p = buf;
    *got = 0;
    while (n > 0) {
        unsigned chunk = (unsigned)(n > IDX_READ_MAX ? IDX_READ_MAX : n);
        int r = gzread(f, p, chunk);
        if (r < 0) {
            int code;
            const char *msg = gzerror(f, &code);
            if (code == Z_ERRNO)
                return errfmt(err, errlen, "%s: read error: %s", path, strerror(errno));
            return errfmt(err, errlen, "%s: corrupt gzip data: %s", path, msg);
        }
        if (r == 0)
            break;
        p += r;
        *got += (size_t)r;
        n -= (size_t)r;
    }
    return 0;
}

/* Open path for reading through zlib.  The file is opened with open(2)
 * first so that a directory or a missing file gets strerror's words rather
 * than a later, vaguer read error. */
static gzFile idx_open(const char *path, char *err, size_t errlen)
{
    struct stat st;
    gzFile f;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        errfmt(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errfmt(err, errlen, "%s: cannot open: %s", path, strerror(EISDIR));
        return NULL;
    }
    f = gzdopen(fd, "rb");
    if (!f) {
        close(fd);
        errfmt(err, errlen, "%s: cannot open: out of memory", path);
        return NULL;
    }
    return f;
}

/* Parse and check the magic and dimensions: fills ndims, dims and count of
 * *a.  Returns 0 or -1 with a message. */
static int idx_read_header(gzFile f, const char *path, idx_array *a, char *err, size_t errlen)
{
    unsigned char magic[4], raw[4 * IDX_MAX_DIMS];
    const char *tname;
    size_t got, count = 1;
    int k;

    if (idx_read(f, path, magic, 4, &got, err, errlen) < 0)
        return -1;
    if (got < 4) {
        if (got >= 2 && (magic[0] != 0 || magic[1] != 0))
            return errfmt(err, errlen, "%s: not an IDX file (wrong magic)", path);
        return errfmt(err, errlen, "%s: truncated: %s", path,
                         got == 0 ? "the file is empty" : "the header is incomplete");
    }
    if (magic[0] != 0 || magic[1] != 0)
        return errfmt(err, errlen,
                         "%s: not an IDX file (wrong magic %02X %02X %02X %02X; "
                         "expected 00 00 TYPE NDIMS)",
                         path, magic[0], magic[1], magic[2], magic[3]);
    tname = idx_type_name(magic[2]);
    if (!tname)
        return errfmt(err, errlen, "%s: not an IDX file (unknown element type 0x%02X)",
                         path, magic[2]);
    if (magic[2] != IDX_TYPE_UBYTE)
        return errfmt(err, errlen,
                         "%s: unsupported element type 0x%02X (%s); only 0x08 "
                         "(unsigned byte) is supported", path, magic[2], tname);
    if (magic[3] == 0)
        return errfmt(err, errlen, "%s: the header declares 0 dimensions", path);
    if (magic[3] > IDX_MAX_DIMS)
        return errfmt(err, errlen, "%s: too many dimensions (%d; at most %d are supported)",
                         path, magic[3], IDX_MAX_DIMS);

    a->ndims = magic[3];
    if (idx_read(f, path, raw, (size_t)4 * a->ndims, &got, err, errlen) < 0)
        return -1;
    if (got < (size_t)4 * a->ndims)
        return errfmt(err, errlen, "%s: truncated: the header is incomplete", path);
    for (k = 0; k < a->ndims; ++k) {
        const unsigned char *b = raw + 4 * k;
        unsigned long d = (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16
                        | (unsigned long)b[2] << 8 | (unsigned long)b[3];
        if (d == 0)
            return errfmt(err, errlen, "%s: dimension %d is 0", path, k + 1);
        if (count > SIZE_MAX / d)
            return errfmt(err, errlen, "%s: size overflow: the dimensions multiply "
                             "past what this machine can address", path);
        count *= d;
        a->dims[k] = (unsigned)d;
    }
    a->count = count;
    return 0;
}

/* Read exactly a->count data bytes into a fresh buffer, growing it as data
 * arrives, then make sure nothing follows.  Returns 0 or -1 with a
 * message; on failure a->data is NULL. */
static int idx_read_data(gzFile f, const char *path, idx_array *a, char *err, size_t errlen)
{
    size_t cap = a->count < IDX_FIRST_CHUNK ? a->count : IDX_FIRST_CHUNK;
    size_t have = 0, got;
    unsigned char extra;
    unsigned char *buf = malloc(cap);

    if (!buf)
        return errfmt(err, errlen, "%s: out of memory (%zu bytes)", path, cap);
    for (;;) {
        if (idx_read(f, path, buf + have, cap - have, &got, err, errlen) < 0)
            goto fail;
        have += got;
        if (have < cap) {
            errfmt(err, errlen, "%s: truncated: the header promises %zu data bytes, "
                      "the file holds %zu", path, a->count, have);
            goto fail;
        }
        if (have == a->count)
            break;
        {
            size_t ncap = cap > a->count / 2 ? a->count : cap * 2;
            unsigned char *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                errfmt(err, errlen, "%s: out of memory (%zu bytes)", path, ncap);
                goto fail;
            }
            buf = nbuf;
            cap = ncap;
        }
    }
    if (idx_read(f, path, &extra, 1, &got, err, errlen) < 0)
        goto fail;
    if (got != 0) {
        errfmt(err, errlen, "%s: trailing data after the %zu bytes the header describes",
                  path, a->count);
        goto fail;
    }
    a->data = buf;
    return 0;
fail:
    free(buf);
    return -1;
}

/* See idx.h. */
int idx_load(const char *path, idx_array *out, char *err, size_t errlen)
{
    idx_array a;
    gzFile f;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&a, 0, sizeof a);
    f = idx_open(path, err, errlen);
    if (!f)
        return -1;
    rc = idx_read_header(f, path, &a, err, errlen);
    if (rc == 0)
        rc = idx_read_data(f, path, &a, err, errlen);
    gzclose(f);
    if (rc == 0)
        *out = a;
    return rc;
}

/* See idx.h. */
void idx_free(idx_array *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}
