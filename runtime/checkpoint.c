/*
 * checkpoint.c -- weights files (format in checkpoint.h): little-endian
 * encoding, the FNV-1a checksum (hash.h) and precision conversion on load; the file
 * is written through atomicfile.h.
 */
#include "atomicfile.h"
#include "errfmt.h"
#include "checkpoint.h"
#include "hash.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The encoding copies reals bit for bit into 32- and 64-bit integers. */
typedef char ckpt_float_is_32_bits[sizeof(float) == 4 ? 1 : -1];
typedef char ckpt_double_is_64_bits[sizeof(double) == 8 ? 1 : -1];

static const unsigned char ckpt_magic[8] = { 'C', 'N', 'N', 'G', 'E', 'N', 'W', '\0' };

#define CKPT_CHUNK 65536        /* bytes encoded, hashed and written at a time */

/* ---- little-endian encoding ------------------------------------------ */

static void ckpt_put_u32(unsigned char *b, uint32_t v)
{
    int k;
    for (k = 0; k < 4; ++k)
        b[k] = (unsigned char)(v >> 8 * k);
}

static void ckpt_put_u64(unsigned char *b, uint64_t v)
{
    int k;
    for (k = 0; k < 8; ++k)
        b[k] = (unsigned char)(v >> 8 * k);
}

static uint32_t ckpt_get_u32(const unsigned char *b)
{
    uint32_t v = 0;
    int k;
    for (k = 3; k >= 0; --k)
        v = v << 8 | b[k];
    return v;
}

static uint64_t ckpt_get_u64(const unsigned char *b)
{
    uint64_t v = 0;
    int k;
    for (k = 7; k >= 0; --k)
        v = v << 8 | b[k];
    return v;
}

/* Encode params[i] (a float when real_size is 4, else a double) into b. */
static void ckpt_put_real(unsigned char *b, const void *params, size_t i, int real_size)
{
    if (real_size == 4) {
        uint32_t u;
        memcpy(&u, (const float *)params + i, 4);
        ckpt_put_u32(b, u);
    } else {
        uint64_t u;
        memcpy(&u, (const double *)params + i, 8);
        ckpt_put_u64(b, u);
    }
}

/* ---- writing --------------------------------------------------------- */

/* Report a failed step of the atomic write (atomicfile.h) as one line
 * naming path; the temporary is already gone. */
static int ckpt_write_failed(const char *path, int stage, char *err, size_t errlen)
{
    return errfmt(err, errlen, "%s: %s: %s", path, af_stage_what(stage), strerror(errno));
}

/* ---- save ------------------------------------------------------------- */

/* See checkpoint.h: the vectors vec[0..nvec) (the weights, then the
 * velocity), version 1 for the weights alone. */
static int ckpt_save_vectors(const char *path, const void *const *vec, int nvec, size_t count,
                             int real_size, unsigned long long arch_hash, char *err, size_t errlen)
{
    unsigned char head[CKPT_HEADER2_SIZE], tail[8];
    unsigned char *buf;
    uint64_t sum = FNV1A_INIT;
    size_t i = 0, fill, hs = nvec > 1 ? CKPT_HEADER2_SIZE : CKPT_HEADER_SIZE;
    atomicfile o;
    int rc, v;

    if (real_size != 4 && real_size != 8)
        return errfmt(err, errlen, "%s: internal error: real size %d (must be 4 or 8)",
                          path, real_size);
    buf = malloc(CKPT_CHUNK);
    if (!buf)
        return errfmt(err, errlen, "%s: out of memory", path);
    memcpy(head, ckpt_magic, 8);
    ckpt_put_u32(head + 8, nvec > 1 ? 2 : 1);
    ckpt_put_u32(head + 12, (uint32_t)real_size);
    ckpt_put_u64(head + 16, (uint64_t)count);
    ckpt_put_u64(head + 24, (uint64_t)arch_hash);
    ckpt_put_u32(head + 32, (uint32_t)nvec);
    ckpt_put_u32(head + 36, 0);
    rc = af_begin(&o, path, AF_KEEP_MODE);
    if (rc == AF_OK)
        rc = af_write(&o, head, hs);
    for (v = 0; v < nvec; ++v)
        for (i = 0; rc == AF_OK && i < count;) {
            for (fill = 0; i < count && fill + (size_t)real_size <= CKPT_CHUNK;
                 ++i, fill += (size_t)real_size)
                ckpt_put_real(buf + fill, vec[v], i, real_size);
            sum = fnv1a_update(sum, buf, fill);
            rc = af_write(&o, buf, fill);
        }
    free(buf);
    ckpt_put_u64(tail, sum);
    if (rc == AF_OK)
        rc = af_write(&o, tail, sizeof tail);
    if (rc == AF_OK)
        rc = af_finish(&o);
    if (rc == AF_OK)
        rc = af_commit(&o);
    return rc == AF_OK ? 0 : ckpt_write_failed(path, rc, err, errlen);
}

/* See checkpoint.h. */
int ckpt_save(const char *path, const void *params, size_t count, int real_size,
              unsigned long long arch_hash, char *err, size_t errlen)
{
    return ckpt_save_vectors(path, &params, 1, count, real_size, arch_hash, err, errlen);
}

/* See checkpoint.h. */
int ckpt_save_velocity(const char *path, const void *params, const void *velocity, size_t count,
                       int real_size, unsigned long long arch_hash, char *err, size_t errlen)
{
    const void *vec[2];
    vec[0] = params;
    vec[1] = velocity;
    return ckpt_save_vectors(path, vec, velocity ? 2 : 1, count, real_size, arch_hash, err, errlen);
}

/* ---- load ------------------------------------------------------------- */

/* Open path for reading; directories are refused here, since fopen
 * accepts them and the first read would fail less clearly.  *size is the
 * file's length, or -1 when it is not a regular file. */
static FILE *ckpt_open(const char *path, long long *size, char *err, size_t errlen)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f) {
        errfmt(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    *size = -1;
    if (fstat(fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            fclose(f);
            errfmt(err, errlen, "%s: cannot open: %s", path, strerror(EISDIR));
            return NULL;
        }
        if (S_ISREG(st.st_mode))
            *size = (long long)st.st_size;
    }
    return f;
}

/* Read n bytes; -1 with "truncated" (or the read error) if fewer arrive. */
static int ckpt_read(FILE *f, const char *path, void *buf, size_t n, char *err, size_t errlen)
{
    if (fread(buf, 1, n, f) == n)
        return 0;
    if (ferror(f))
        return errfmt(err, errlen, "%s: read error: %s", path, strerror(errno));
    return errfmt(err, errlen, "%s: truncated weights file", path);
}

/* Read and check the header: magic, version, real size; fill *info,
 * file_size being what the header implies. */
static int ckpt_read_header(FILE *f, const char *path, ckpt_info *info,
                            char *err, size_t errlen)
{
    unsigned char head[CKPT_HEADER2_SIZE];
    size_t got = fread(head, 1, CKPT_HEADER_SIZE, f);
    uint32_t rs;

    if (got < CKPT_HEADER_SIZE && ferror(f))
        return errfmt(err, errlen, "%s: read error: %s", path, strerror(errno));
    if (memcmp(head, ckpt_magic, got < 8 ? got : 8) != 0)
        return errfmt(err, errlen, "%s: not a cnngen weights file (bad magic)", path);
    if (got < CKPT_HEADER_SIZE)
        return errfmt(err, errlen, "%s: truncated weights file (%zu bytes; the header "
                          "alone is %d)", path, got, CKPT_HEADER_SIZE);
    info->version = ckpt_get_u32(head + 8);
    if (info->version < 1 || info->version > CKPT_VERSION)
        return errfmt(err, errlen, "%s: unsupported weights file version %u (this "
                          "cnngen reads versions 1 to %d)", path, info->version, CKPT_VERSION);
    rs = ckpt_get_u32(head + 12);
    if (rs != 4 && rs != 8)
        return errfmt(err, errlen, "%s: corrupt weights file: real size %lu (must be "
                          "4 or 8)", path, (unsigned long)rs);
    info->real_size = (int)rs;
    info->count = ckpt_get_u64(head + 16);
    info->arch_hash = ckpt_get_u64(head + 24);
    info->vectors = 1;
    info->header_size = CKPT_HEADER_SIZE;
    if (info->version == 2) {
        got = fread(head + CKPT_HEADER_SIZE, 1, CKPT_HEADER2_SIZE - CKPT_HEADER_SIZE, f);
        if (got < CKPT_HEADER2_SIZE - CKPT_HEADER_SIZE && ferror(f))
            return errfmt(err, errlen, "%s: read error: %s", path, strerror(errno));
        if (got < CKPT_HEADER2_SIZE - CKPT_HEADER_SIZE)
            return errfmt(err, errlen, "%s: truncated weights file (%zu bytes; the header "
                              "alone is %d)", path, CKPT_HEADER_SIZE + got, CKPT_HEADER2_SIZE);
        if (ckpt_get_u32(head + 32) != 2 || ckpt_get_u32(head + 36) != 0)
            return errfmt(err, errlen, "%s: corrupt weights file: %lu vectors (must be 2)",
                          path, (unsigned long)ckpt_get_u32(head + 32));
        info->vectors = 2;
        info->header_size = CKPT_HEADER2_SIZE;
    }
    if (info->count > (UINT64_MAX - CKPT_HEADER2_SIZE - 8) / rs / (unsigned)info->vectors)
        return errfmt(err, errlen, "%s: corrupt weights file: parameter count %llu "
                          "is impossible", path, info->count);
    info->file_size = (unsigned long long)info->header_size
                      + info->count * rs * (unsigned)info->vectors + 8;
    return 0;
}

/* Compare a regular file's length with what its header implies (size < 0:
 * not a regular file, nothing to compare). */
static int ckpt_check_size(const char *path, const ckpt_info *info, long long size,
                           char *err, size_t errlen)
{
    if (size < 0 || (unsigned long long)size == info->file_size)
        return 0;
    if ((unsigned long long)size < info->file_size)
        return errfmt(err, errlen, "%s: truncated weights file (%lld bytes; its header "
                          "implies %llu)", path, size, info->file_size);
    return errfmt(err, errlen, "%s: trailing data after the weights (%lld bytes; its "
                      "header implies %llu)", path, size, info->file_size);
}

/* See checkpoint.h. */
int ckpt_peek(const char *path, ckpt_info *info, char *err, size_t errlen)
{
    long long size;
    int rc;
    FILE *f = ckpt_open(path, &size, err, errlen);

    memset(info, 0, sizeof *info);
    if (!f)
        return -1;
    rc = ckpt_read_header(f, path, info, err, errlen);
    if (rc == 0)
        rc = ckpt_check_size(path, info, size, err, errlen);
    fclose(f);
    return rc;
}

/* The i-th real of a file's raw parameter bytes (reals of file_size
 * bytes), widened to double (exact for a float). */
static double ckpt_get_real(const unsigned char *raw, size_t i, int file_size)
{
    if (file_size == 4) {
        uint32_t u = ckpt_get_u32(raw + 4 * i);
        float fl;
        memcpy(&fl, &u, 4);
        return fl;
    } else {
        uint64_t u = ckpt_get_u64(raw + 8 * i);
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
}

/* Narrowing double to float: every one of the count reals of raw (of
 * file_size bytes) must fit, checked before anything is written.  what:
 * "parameter" or "velocity". */
static int ckpt_check_range(const char *path, const char *what, const unsigned char *raw,
                            int file_size, size_t count, int real_size, char *err, size_t errlen)
{
    size_t i;
    if (real_size == 4 && file_size == 8)
        for (i = 0; i < count; ++i) {
            double d = ckpt_get_real(raw, i, file_size);
            if (isfinite(d) && (d > FLT_MAX || d < -FLT_MAX))
                return errfmt(err, errlen, "%s: %s %zu (%g) is beyond the range "
                                  "of float; load it into a double network", path, what, i, d);
        }
    return 0;
}

/* Decode count reals of raw (of file_size bytes) into params (reals of
 * real_size bytes); ckpt_check_range has passed. */
static void ckpt_decode(const unsigned char *raw, int file_size, void *params, size_t count,
                        int real_size)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        double d;
        if (real_size == 4 && file_size == 4) {     /* bit for bit, NaN payloads too */
            uint32_t u = ckpt_get_u32(raw + 4 * i);
            memcpy((float *)params + i, &u, 4);
            continue;
        }
        d = ckpt_get_real(raw, i, file_size);
        if (real_size == 8)
            ((double *)params)[i] = d;
        else
            ((float *)params)[i] = (float)d;
    }
}

/* See checkpoint.h. */
int ckpt_load(const char *path, void *params, size_t count, int real_size,
              unsigned long long arch_hash, char *err, size_t errlen)
{
    int has;
    return ckpt_load_velocity(path, params, NULL, &has, count, real_size, arch_hash, err, errlen);
}

/* See checkpoint.h. */
int ckpt_load_velocity(const char *path, void *params, void *velocity, int *has_velocity,
                       size_t count, int real_size, unsigned long long arch_hash,
                       char *err, size_t errlen)
{
    ckpt_info info;
    unsigned char tail[8], *raw = NULL;
    size_t nraw, nvec;
    long long size;
    FILE *f;
    int rc = -1;

    *has_velocity = 0;
    if (real_size != 4 && real_size != 8)
        return errfmt(err, errlen, "%s: internal error: real size %d (must be 4 or 8)",
                          path, real_size);
    f = ckpt_open(path, &size, err, errlen);
    if (!f)
        return -1;
    if (ckpt_read_header(f, path, &info, err, errlen) < 0)
        goto done;
    if (info.count != (unsigned long long)count) {
        errfmt(err, errlen, "%s: weights file has %llu parameters, the network has %zu",
                   path, info.count, count);
        goto done;
    }
    if (info.arch_hash != arch_hash) {
        errfmt(err, errlen, "%s: weights were trained for a different network "
                   "architecture (file's hash %016llx, network's %016llx)",
                   path, info.arch_hash, arch_hash);
        goto done;
    }
    if (ckpt_check_size(path, &info, size, err, errlen) < 0)
        goto done;
    nvec = count * (size_t)info.real_size;
    nraw = nvec * (size_t)info.vectors;
    raw = malloc(nraw ? nraw : 1);
    if (!raw) {
        errfmt(err, errlen, "%s: out of memory (%zu bytes)", path, nraw);
        goto done;
    }
    if (ckpt_read(f, path, raw, nraw, err, errlen) < 0
        || ckpt_read(f, path, tail, sizeof tail, err, errlen) < 0)
        goto done;
    if (getc(f) != EOF) {
        errfmt(err, errlen, "%s: trailing data after the weights", path);
        goto done;
    }
    if (ckpt_get_u64(tail) != fnv1a(raw, nraw)) {
        errfmt(err, errlen, "%s: checksum mismatch: the weights file is corrupt", path);
        goto done;
    }
    if (!velocity || info.vectors < 2)
        velocity = NULL;                /* not asked for, or not there */
    if (ckpt_check_range(path, "parameter", raw, info.real_size, count, real_size, err, errlen) < 0
        || (velocity && ckpt_check_range(path, "velocity", raw + nvec, info.real_size, count,
                                         real_size, err, errlen) < 0))
        goto done;                      /* nothing written */
    ckpt_decode(raw, info.real_size, params, count, real_size);
    if (velocity) {
        ckpt_decode(raw + nvec, info.real_size, velocity, count, real_size);
        *has_velocity = 1;
    }
    rc = 0;
done:
    free(raw);
    fclose(f);
    return rc;
}
