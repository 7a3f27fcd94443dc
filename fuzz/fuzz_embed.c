/*
 * fuzz_embed.c -- fuzz target: the readers of examples/embed's classify
 * (examples/embed/read.c): PGM images and --names files.
 *
 * The first byte of the input chooses: bit 0, a names file (else a PGM
 * image); bits 1-2, the network's shape: the image size (28x28, 1x1,
 * 2x3, 5x4) or the class count (10, 1, 2, 3).  The rest is the file.
 * Every input must end in what the network takes (pixels at most maxval,
 * at most 255; names cut to fit, NUL-terminated) or a one-line message.
 */
#include <string.h>

#include "fuzz.h"
#include "read.h"

static const int fuzz_rows[4] = { 28, 1, 2, 5 }, fuzz_cols[4] = { 28, 1, 3, 4 };
static const int fuzz_classes[4] = { 10, 1, 2, 3 };

/* The adapters. */
static int pgm(const char *path, int rows, int cols, unsigned char *px, long *maxval, char *msg, size_t len)
{
    return read_pgm(path, rows, cols, px, maxval, msg, len);
}

static int names(const char *path, char (*out)[READ_NAME_MAX], int classes, char *msg, size_t len)
{
    return read_names(path, out, classes, msg, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[600], msg[160];
    int shape, i;
    if (size < 1) return 0;
    shape = (data[0] >> 1) & 3;
    fuzz_write(fuzz_path(path, sizeof path, "in"), data + 1, size - 1, 0);
    if (data[0] & 1) {
        char out[10][READ_NAME_MAX];
        int classes = fuzz_classes[shape];
        memset(out, 0, sizeof out);
        if (names(path, out, classes, msg, sizeof msg) != 0) fuzz_check_message("read_names", msg, NULL);
        for (i = 0; i < 10; ++i)
            if (memchr(out[i], '\0', READ_NAME_MAX) == NULL) fuzz_bug("read_names", "a name without its NUL");
        for (i = classes; i < 10; ++i)
            if (out[i][0]) fuzz_bug("read_names", "a name past the class count");
    } else {
        unsigned char px[28 * 28 + 1];
        long maxval = -1;
        int n = fuzz_rows[shape] * fuzz_cols[shape];
        memset(px, 0, sizeof px);
        px[n] = 0xA5;
        if (pgm(path, fuzz_rows[shape], fuzz_cols[shape], px, &maxval, msg, sizeof msg) != 0) {
            fuzz_check_message("read_pgm", msg, NULL);
        } else {
            if (maxval < 1 || maxval > 255) fuzz_bug("read_pgm", "a maxval out of 1..255");
            for (i = 0; i < n; ++i)
                if (px[i] > maxval) fuzz_bug("read_pgm", "a pixel above maxval");
        }
        if (px[n] != 0xA5) fuzz_bug("read_pgm", "wrote past the image");
    }
    return 0;
}
