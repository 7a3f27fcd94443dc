/*
 * tbuf.c -- test support: growing buffers (tbuf.h).
 */
#include "tbuf.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

void tbuf_add(tbuf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        b->s = realloc(b->s, cap);
        cr_assert_not_null(b->s, "out of memory");
        b->cap = cap;
    }
    if (n) memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}
