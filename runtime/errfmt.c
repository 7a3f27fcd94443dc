/*
 * errfmt.c -- format a one-line error into a caller's buffer (errfmt.h).
 */
#include "errfmt.h"

#include <stdarg.h>
#include <stdio.h>

int errfmt(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (err && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}
