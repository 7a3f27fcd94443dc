/*
 * quantize.h -- calibration for --quantize int8 (cnngen NET.lua
 * --inference --quantize int8, eval --quantize int8).
 *
 * The int8 code needs the range of every tensor a conv or dense layer
 * reads (its input a^{l-1}; a^0 = x).  Calibration builds the float
 * network in-process (training code, with the weights as parameters, and
 * a generated <name>_jit_ranges that widens per-tensor ranges after a
 * forward pass), runs it on the first N training images of the data set
 * and records each tensor's min and max.  The generator (gen/lua/quant.lua)
 * turns them into scales.
 */
#ifndef CNNGEN_QUANTIZE_H
#define CNNGEN_QUANTIZE_H

#include "lua.h"
#include "calib.h"
#include "net.h"
#include "opts.h"

struct dataset;                 /* runtime/dataset.h */

#define QUANT_DEFAULT_IMAGES 1000

/* Calibrate for o (its --weights, --data, --calibrate; the data set as
 * net_weights_data picks it; N defaults to QUANT_DEFAULT_IMAGES, or the
 * whole training set when smaller) the description d (NULL: o->net, run
 * now).  The float build uses o->backend (auto: cc), tcc by default.
 * The data set is left in *ds for the caller (ds NULL: freed); its name
 * is c->data.  Errors are one line on stderr: a
 * flag's (N past the training set) returns HOST_USER, the weights' or the
 * data's input_status; HOST_OK fills *c. */
int quant_calibrate(lua_State *T, const cli_opts *o, const net_desc *d, int input_status,
                    struct dataset *ds, quant_calib *c);

/* The int8 inference code of o->net (the description d, or NULL: run it
 * now), calibrated as quant_calibrate does (its data set left in *ds, its
 * name in data, the images in *calibrated), generated with --backend's
 * form (cc by default) and built into *api.  Errors are printed;
 * input_status as quant_calibrate's.  HOST_OK, or a status (then free *n,
 * *api and *ds as usual). */
int quant_build_int8(lua_State *T, const cli_opts *o, const net_desc *d, int input_status, net *n,
                     net_api *api, struct dataset *ds, char *data, size_t datalen, long *calibrated);

#endif
