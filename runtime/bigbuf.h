/*
 * bigbuf.h -- memory for a large array that is read at random places: the
 * data set's images, which training gathers in a shuffled order, ten or
 * so scattered images a mini-batch.  In 4 KiB pages each image fetched
 * from a 188 MB array is a miss in the TLB and a walk of the page tables
 * (under a hypervisor, a walk of two); the array aligned to 2 MiB and
 * backed, where the kernel offers them, by transparent huge pages
 * (madvise, Linux) takes that walk out (docs/performance.md, "Zen 5
 * again": nielsen1 trained 1.26x as fast).
 */
#ifndef CNNGEN_BIGBUF_H
#define CNNGEN_BIGBUF_H

#include <stddef.h>

/* bytes of memory, uninitialized, or NULL when there is none: from 2 MiB
 * up aligned to 2 MiB with huge pages asked for, below that malloc's.
 * Release it with free(). */
void *bigbuf_alloc(size_t bytes);

#endif
