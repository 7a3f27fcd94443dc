/*
 * fuzz_weights.c -- fuzz target: weights files (runtime/checkpoint.c's
 * reading side: ckpt_peek and ckpt_load).
 *
 * The input is the file.  It is peeked at, then loaded into a network of
 * each precision whose parameter count and architecture hash are the
 * header's (or 3 and 0 when the header is refused, or its count is above
 * FUZZ_MAX_COUNT), and loaded again with a count one less.  When the input
 * is long enough to hold a header and a checksum, the same is done with
 * its last 8 bytes replaced by the right checksum, so that the fuzzer
 * gets past the checksum to the values.  Every input must end in a load
 * or a one-line message; a refused load leaves the parameters untouched.
 */
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "hash.h"
#include "fuzz.h"

#define FUZZ_MAX_COUNT (1u << 20)
#define FUZZ_FILL 0x5a

/* The adapters. */
static int peek(const char *path, ckpt_info *info, char *err, size_t errlen)
{
    return ckpt_peek(path, info, err, errlen);
}

static int load(const char *path, void *params, size_t count, int real_size, unsigned long long arch,
                char *err, size_t errlen)
{
    return ckpt_load(path, params, count, real_size, arch, err, errlen);
}

/* Load path into count reals of real_size bytes, and its velocity into as
 * many more; a refusal must leave both as they were, and a file without a
 * velocity the second. */
static void load_as(const char *path, size_t count, int real_size, unsigned long long arch)
{
    size_t bytes = count * (size_t)real_size, i;
    unsigned char *p = malloc(bytes + 1), *v = malloc(bytes + 1);
    char err[1024];
    int has = -1;
    if (!p || !v) fuzz_bug("harness", "out of memory");
    memset(p, FUZZ_FILL, bytes + 1);
    memset(v, FUZZ_FILL, bytes + 1);
    if (load(path, p, count, real_size, arch, err, sizeof err) != 0) {
        fuzz_check_message("ckpt_load", err, path);
        for (i = 0; i < bytes; ++i)
            if (p[i] != FUZZ_FILL) fuzz_bug("ckpt_load", "failed but wrote parameters");
    }
    if (p[bytes] != FUZZ_FILL) fuzz_bug("ckpt_load", "wrote past the parameters");
    if (ckpt_load_velocity(path, p, v, &has, count, real_size, arch, err, sizeof err) != 0) {
        fuzz_check_message("ckpt_load_velocity", err, path);
        if (has != 0) fuzz_bug("ckpt_load_velocity", "failed but says it read a velocity");
    }
    if (has != 1)
        for (i = 0; i < bytes; ++i)
            if (v[i] != FUZZ_FILL) fuzz_bug("ckpt_load_velocity", "wrote a velocity it did not read");
    if (v[bytes] != FUZZ_FILL) fuzz_bug("ckpt_load_velocity", "wrote past the velocity");
    free(p);
    free(v);
}

static void one_file(const uint8_t *data, size_t size)
{
    char path[600], err[1024];
    ckpt_info info;
    unsigned long long count = 3, arch = 0;
    fuzz_write(fuzz_path(path, sizeof path, "w.bin"), data, size, 0);
    if (peek(path, &info, err, sizeof err) != 0) {
        fuzz_check_message("ckpt_peek", err, path);
    } else {
        if (info.real_size != 4 && info.real_size != 8) fuzz_bug("ckpt_peek", "a real size not 4 or 8");
        if (info.file_size != size) fuzz_bug("ckpt_peek", "accepted a file whose size is not its header's");
        arch = info.arch_hash;
        if (info.count <= FUZZ_MAX_COUNT) count = info.count;
    }
    load_as(path, (size_t)count, 4, arch);
    load_as(path, (size_t)count, 8, arch);
    if (count > 0) load_as(path, (size_t)count - 1, 4, arch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the header's size: version 2's (a velocity) is longer */
    size_t hs = size > 8 && data[8] == 2 ? CKPT_HEADER2_SIZE : CKPT_HEADER_SIZE;
    one_file(data, size);
    if (size >= hs + 8) {
        unsigned char *fixed = malloc(size);
        unsigned long long h;
        int k;
        if (!fixed) fuzz_bug("harness", "out of memory");
        memcpy(fixed, data, size);
        h = fnv1a(fixed + hs, size - hs - 8);
        for (k = 0; k < 8; ++k) fixed[size - 8 + k] = (unsigned char)(h >> 8 * k);
        one_file(fixed, size);
        free(fixed);
    }
    return 0;
}
