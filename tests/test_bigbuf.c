/*
 * test_bigbuf.c -- suite "bigbuf": large arrays in huge pages
 * (runtime/bigbuf.c): malloc's memory below 2 MiB, 2 MiB-aligned memory
 * from there up, every byte of it usable, released with free(); a size
 * whose rounding to whole huge pages overflows is refused.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bigbuf.h"

#define BB_PAGE ((size_t)2 << 20)

/* every byte of p[0..n) written and read back */
static void bb_expect_usable(unsigned char *p, size_t n)
{
    size_t i, bad = 0;
    for (i = 0; i < n; ++i)
        p[i] = (unsigned char)(i * 7 + 3);
    for (i = 0; i < n; ++i)
        bad += p[i] != (unsigned char)(i * 7 + 3);
    cr_expect_eq(bad, 0, "%zu of %zu bytes did not read back", bad, n);
}

Test(bigbuf, small_sizes_are_ordinary_memory)
{
    static const size_t sizes[] = { 1, 64, 4096, BB_PAGE - 1 };
    size_t k;
    for (k = 0; k < sizeof sizes / sizeof *sizes; ++k) {
        unsigned char *p = bigbuf_alloc(sizes[k]);
        cr_assert_not_null(p, "%zu bytes", sizes[k]);
        bb_expect_usable(p, sizes[k]);
        free(p);
    }
}

Test(bigbuf, large_sizes_are_aligned_to_a_huge_page)
{
    static const size_t sizes[] = { BB_PAGE, BB_PAGE + 1, 3 * BB_PAGE - 4, 188160000 / 16 };
    size_t k;
    for (k = 0; k < sizeof sizes / sizeof *sizes; ++k) {
        unsigned char *p = bigbuf_alloc(sizes[k]);
        cr_assert_not_null(p, "%zu bytes", sizes[k]);
        cr_expect_eq((uintptr_t)p % BB_PAGE, 0, "%zu bytes at %p: not on a 2 MiB boundary", sizes[k],
                     (void *)p);
        bb_expect_usable(p, sizes[k]);
        free(p);
    }
}

Test(bigbuf, a_size_that_cannot_be_rounded_up_is_refused)
{
    cr_expect_null(bigbuf_alloc(SIZE_MAX));
    cr_expect_null(bigbuf_alloc(SIZE_MAX - BB_PAGE + 2));
}
