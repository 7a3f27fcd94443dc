/*
 * calib.h -- a calibration for --quantize int8: the range of every tensor
 * a conv or dense layer reads, measured by quantize.h on training images.
 * A leaf, so that the generator's call (net.h) can pass one to the
 * generator (gen/lua/quant.lua turns the ranges into scales) without
 * depending on the calibrating code.
 */
#ifndef CNNGEN_CALIB_H
#define CNNGEN_CALIB_H

#include "lua.h"

typedef struct quant_calib {
    long n;                     /* images run */
    char data[1024];            /* the data set, as named */
    int ntensors;               /* layers + 1: a^0 .. a^L */
    float *lo, *hi;             /* [ntensors], malloc'd; lo > hi: not a calibrated tensor */
} quant_calib;

void quant_calib_free(quant_calib *c);

/* Set opts.calibration = { n, data, ranges = { [t] = { lo, hi } } } on the
 * generator's opts table at the top of T's stack. */
void quant_calib_push(lua_State *T, const quant_calib *c);

#endif
