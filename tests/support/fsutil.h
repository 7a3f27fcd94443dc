/*
 * fsutil.h -- test support: file-system chores the tests share.
 */
#ifndef TESTS_FSUTIL_H
#define TESTS_FSUTIL_H

#include <stddef.h>

#include "rmtree.h"             /* rm_tree(path): rm -rf, as cnngen itself removes trees */

/* The names in dir other than "." and "..", sorted, as a malloc'd array
 * of malloc'd strings in *names; returns how many (0, and *names NULL,
 * when dir is empty or cannot be read). */
int fs_names(const char *dir, char ***names);

/* The names in dir other than "." and "..", sorted, joined by ", "
 * ("a.c, a.h"; "" when dir is empty or cannot be read), malloc'd; *count,
 * when not NULL, gets how many. */
char *fs_listing(const char *dir, int *count);

/* Expect (cr_expect) dir to hold exactly the names in want, as fs_listing
 * gives them. */
void fs_expect_listing(const char *dir, const char *want);

/* A scratch directory for the tests of one process (a suite's .init and
 * .fini): fs_scratch_make("embed") creates /tmp/cnngen-embed-XXXXXX
 * (failing the test if it cannot) and returns its path, which
 * fs_scratch() returns after; fs_path("x") is "<scratch>/x" (one of 8
 * rotating static buffers); fs_scratch_remove() removes the tree. */
const char *fs_scratch_make(const char *what);
const char *fs_scratch(void);
const char *fs_path(const char *name);
void fs_scratch_remove(void);

/* getenv(name), failing the test when it is unset or empty (the tests
 * find the binary and the tree through CNNGEN and CNNGEN_ROOT). */
const char *fs_env(const char *name);

/* The whole file, NUL-terminated (*len, when not NULL, gets its length),
 * malloc'd; NULL when it cannot be read. */
char *fs_slurp(const char *path, size_t *len);

/* Write len bytes to path (created or truncated); fails the test on error. */
void fs_spit(const char *path, const void *data, size_t len);

#endif
