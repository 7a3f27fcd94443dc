/*
 * tbuf.h -- test support: a growing, NUL-terminated byte buffer.
 */
#ifndef TESTS_TBUF_H
#define TESTS_TBUF_H

#include <stddef.h>

typedef struct tbuf {
    char *s;                    /* malloc'd; NULL until the first tbuf_add */
    size_t len, cap;
} tbuf;

/* Append n bytes to b, keeping it NUL-terminated (n = 0 makes b ""); fails
 * the test when out of memory. */
void tbuf_add(tbuf *b, const char *p, size_t n);

#endif
