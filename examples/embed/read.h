/*
 * read.h -- the readers of classify (main.c): PGM images and the class
 * names of --names.  They know nothing of net.h (the sizes are arguments)
 * and never exit: on failure they return -1 with the reason in msg, the
 * part of the message after "FILE: ", and main.c prints it.
 */
#ifndef EMBED_READ_H
#define EMBED_READ_H

#include <stddef.h>

#define READ_NAME_MAX 64        /* bytes of a class name, with its NUL */

/* 0 when rows x cols is want_rows x want_cols, else -1 with the message. */
int read_check_size(long rows, long cols, int want_rows, int want_cols, char *msg, size_t len);

/* Read the PGM file path (- for stdin), which must be rows x cols, into
 * px[rows*cols] (pixel values, each <= *maxval <= 255).  0, or -1. */
int read_pgm(const char *path, int rows, int cols, unsigned char *px, long *maxval,
             char *msg, size_t len);

/* Read one class name a line from path into names[0..classes) (a longer
 * name is cut to READ_NAME_MAX - 1 bytes).  0, or -1 (more names than
 * classes; names already read stay). */
int read_names(const char *path, char (*names)[READ_NAME_MAX], int classes, char *msg, size_t len);

#endif
