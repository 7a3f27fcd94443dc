/*
 * hash.c -- 64-bit FNV-1a (see hash.h).
 */
#include "hash.h"

unsigned long long fnv1a_update(unsigned long long h, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t i;
    for (i = 0; i < n; ++i) {
        h ^= p[i];
        h = (h * 0x100000001b3ULL) & 0xffffffffffffffffULL;
    }
    return h;
}

unsigned long long fnv1a(const void *data, size_t n)
{
    return fnv1a_update(FNV1A_INIT, data, n);
}
