/*
 * checkpoint.h -- the weights file: a network's flat parameter vector on
 * disk, written atomically and checked thoroughly on the way back.
 *
 * Format, every integer and real little-endian, reals IEEE 754:
 *
 *   offset size
 *        0    8  magic "CNNGENW\0"
 *        8    4  uint32 version: 1 (the weights alone) or 2 (and a velocity)
 *       12    4  uint32 real size: 4 (float) or 8 (double)
 *       16    8  uint64 parameter count N
 *       24    8  uint64 architecture hash (the caller's hash of the
 *                network's shapes, e.g. by fnv1a of hash.h)
 *   version 1:
 *       32  N*r  the parameters, in the network's flat order
 *   32+N*r    8  uint64 FNV-1a (64-bit, hash.h) of the N*r parameter bytes
 *   version 2 (a run with momentum, momentum.h):
 *       32    4  uint32 vectors K of N reals that follow: 2
 *       36    4  uint32 0
 *       40 K*N*r the parameters, then the velocity, in the same order
 * 40+K*N*r    8  uint64 FNV-1a of the K*N*r bytes
 *
 * and nothing after.  A file without a velocity is written as version 1,
 * byte for byte what this format always was; every reader of weights
 * reads both versions.  A file of either precision loads into a network of
 * either precision: float -> double is exact, double -> float rounds (a
 * weight beyond float's range is an error rather than an infinity).
 */
#ifndef CNNGEN_CHECKPOINT_H
#define CNNGEN_CHECKPOINT_H

#include <stddef.h>

#define CKPT_VERSION     2          /* the newest version read and written */
#define CKPT_HEADER_SIZE 32         /* version 1's header; version 2's is 40 */
#define CKPT_HEADER2_SIZE 40

/* The header of a weights file, as ckpt_peek reads it. */
typedef struct ckpt_info {
    unsigned version;
    int real_size;                  /* 4 or 8 */
    unsigned long long count;       /* parameters */
    unsigned long long arch_hash;
    unsigned long long file_size;   /* bytes; what the header implies */
    int vectors;                    /* 1: the weights; 2: and a velocity */
    int header_size;                /* bytes before the vectors: 32 or 40 */
} ckpt_info;

/* Write count parameters (float when real_size is 4, double when 8) to
 * path, with arch_hash in the header.  The file is written to a temporary
 * "<path>.tmp-XXXXXX" in the same directory, flushed, fsync'd, closed and
 * renamed over path, then the directory is fsync'd.  On any failure before
 * the rename the temporary is removed and a previous file at path is left
 * untouched.  The new file takes the mode of the file it replaces, or 0644.
 * Returns 0, or -1 with a one-line message naming path in err. */
int ckpt_save(const char *path, const void *params, size_t count, int real_size,
              unsigned long long arch_hash, char *err, size_t errlen);

/* Read the weights file at path into params (count reals of real_size
 * bytes), converting precision if the file's differs.  Fails, with a
 * one-line message naming path, if the file cannot be opened, is not a
 * cnngen weights file, has another version, has a parameter count other
 * than count ("weights file has N parameters, the network has M"), was
 * saved with another arch_hash ("weights were trained for a different
 * network architecture"), is truncated, fails its checksum, or has
 * trailing data.  params is written only when every check has passed.
 * Returns 0 or -1. */
int ckpt_load(const char *path, void *params, size_t count, int real_size,
              unsigned long long arch_hash, char *err, size_t errlen);

/* ckpt_save with a velocity (count reals of real_size, momentum.h)
 * saved beside the weights: version 2.  velocity NULL: ckpt_save, version
 * 1. */
int ckpt_save_velocity(const char *path, const void *params, const void *velocity, size_t count,
                       int real_size, unsigned long long arch_hash, char *err, size_t errlen);

/* ckpt_load, and the file's velocity into velocity (count reals of
 * real_size) with *has_velocity = 1 when it has one; otherwise, or when
 * velocity is NULL, *has_velocity = 0 and velocity is not written. */
int ckpt_load_velocity(const char *path, void *params, void *velocity, int *has_velocity,
                       size_t count, int real_size, unsigned long long arch_hash,
                       char *err, size_t errlen);

/* Read and check only the header of the weights file at path into *info
 * (magic, version, real size, and -- for a regular file -- that its length
 * is what the header implies; the checksum is not verified).  Returns 0, or
 * -1 with a message as ckpt_load's. */
int ckpt_peek(const char *path, ckpt_info *info, char *err, size_t errlen);

#endif
