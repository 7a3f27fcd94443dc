/*
 * hash.h -- 64-bit FNV-1a, cnngen's one hash: the weights file's checksum,
 * the training state's hash of the weights, architecture hashes, the cc
 * backend's cache keys and the description hash of the generated front
 * matter (the generator's Lua reaches it as require("native").fnv1a).
 * Values are stored on disk: they must never change.
 */
#ifndef CNNGEN_HASH_H
#define CNNGEN_HASH_H

#include <stddef.h>

#define FNV1A_INIT 0xcbf29ce484222325ULL    /* the 64-bit offset basis */

/* Fold n bytes of data into h (start from FNV1A_INIT). */
unsigned long long fnv1a_update(unsigned long long h, const void *data, size_t n);

/* The hash of n bytes of data: fnv1a_update(FNV1A_INIT, data, n). */
unsigned long long fnv1a(const void *data, size_t n);

#endif
