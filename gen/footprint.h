/*
 * footprint.h -- what inference code costs on a target, measured by
 * compiling it (`cnngen info NET.lua --inference`).
 *
 * The generated <name>.c and <name>.h are written to a temporary directory
 * and compiled as a product would compile them, `$CC -O2 -c` (CC defaults
 * to cc), with -fstack-usage when the compiler has it.  From the object
 * (ELF, read here: no binutils needed) come the code size (every
 * executable section), the read-only data (allocated, non-writable,
 * non-executable sections but .eh_frame and notes: the weights and the
 * compiler's constant pools) and sizeof the work struct (the size of a
 * probe array `char [sizeof(<name>_work)]` appended to the unit, read
 * from the symbol table).  From the .su file comes the stack of forward.
 */
#ifndef CNNGEN_FOOTPRINT_H
#define CNNGEN_FOOTPRINT_H

#include <stddef.h>

typedef struct footprint {
    char cc[256];               /* the compiler command as run ("cc -O2") */
    char machine[32];           /* the object's architecture ("x86-64") */
    int compiled;               /* 1: the object was built and read */
    char why[512];              /* compiled == 0: the reason, one line */
    int has_work;               /* work_bytes measured */
    size_t work_bytes;          /* sizeof(<name>_work) */
    size_t text_bytes;          /* executable sections */
    size_t rodata_bytes;        /* read-only data sections, weights included */
    int has_stack;              /* stack_bytes measured (-fstack-usage) */
    int stack_bounded;          /* 0: a function has a dynamic frame (at least stack_bytes) */
    size_t stack_bytes;         /* forward's deepest chain, libm calls not counted */
    char stack_chain[512];      /* "net_forward 32 + net_forward_pass 144 + ..." */
    char stack_why[256];        /* has_stack == 0: the reason */
} footprint;

/* Compile the unit (c, h; the .c includes header_name) whose symbols start
 * with `name` and fill *fp.  Never fails: what could not be measured is
 * marked (compiled, has_work, has_stack 0) with the reason. */
void footprint_measure(const char *name, const char *c, size_t clen, const char *h, size_t hlen,
                       const char *header_name, footprint *fp);

/* ---- the pieces, exposed for tests ---- */

/* Sizes from an ELF object in memory: executable and read-only data
 * sections, and the st_size of symbol `sym` (NULL: none).  Returns 0, or
 * -1 with a reason in why (not ELF, truncated, foreign byte order). */
int footprint_elf(const unsigned char *obj, size_t len, const char *sym, size_t *text,
                  size_t *rodata, int *has_sym, size_t *sym_size, char *machine, size_t mlen,
                  char *why, size_t whylen);

/* The stack of <name>_forward (or _predict, the larger) from the text of a
 * .su file: the entry's frame + <name>_forward_pass's (when not inlined) +
 * the largest frame of any other function listed (the layer functions,
 * which call nothing but libm).  Fills has_stack, stack_bounded,
 * stack_bytes and stack_chain of *fp; returns 0, or -1 when the entry
 * point is not listed. */
int footprint_stack(const char *name, const char *su, footprint *fp);

#endif
