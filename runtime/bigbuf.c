/*
 * bigbuf.c -- large arrays in huge pages (see bigbuf.h).
 */
#include "bigbuf.h"

#include <stdlib.h>
#include <sys/mman.h>

#define BIGBUF_PAGE ((size_t)2 << 20)   /* an x86-64 huge page: 2 MiB */

/* See bigbuf.h.  The size is rounded up to whole huge pages (at most one
 * page more than asked for); madvise is a request, and where the kernel
 * refuses it (transparent huge pages off) the memory is ordinary pages,
 * as malloc's would be. */
void *bigbuf_alloc(size_t bytes)
{
    size_t whole;
    void *p = NULL;
    if (bytes < BIGBUF_PAGE)
        return malloc(bytes);
    whole = (bytes + BIGBUF_PAGE - 1) / BIGBUF_PAGE * BIGBUF_PAGE;
    if (whole < bytes || posix_memalign(&p, BIGBUF_PAGE, whole) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, whole, MADV_HUGEPAGE);
#endif
    return p;
}
