/*
 * errfmt.h -- the runtime's way of reporting a failure: format one line
 * into the caller's buffer and return -1.
 */
#ifndef CNNGEN_ERRFMT_H
#define CNNGEN_ERRFMT_H

#include <stddef.h>

/* vsnprintf(err, errlen, fmt, ...) when err has room; always returns -1,
 * so callers can write `return errfmt(err, errlen, "...", ...);`. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int errfmt(char *err, size_t errlen, const char *fmt, ...);

#endif
