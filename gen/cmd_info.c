/*
 * cmd_info.c -- `cnngen info NET.lua`: the layer table (shapes, parameters,
 * MACs, work-struct bytes) and totals.
 *
 * With --inference, the table counts the inference work struct, and the
 * footprint of the inference code follows, measured by compiling it
 * (footprint.h) with stand-in weights, so no weights file is needed (with
 * --quantize int8, the int8 code, with stand-in ranges too):
 *
 *   inference footprint (--real float --unroll none --inference), cc -O2, x86-64:
 *     work struct      121,880 bytes  sizeof(nielsen1_work)
 *     stack                720 bytes  nielsen1_forward 32 + ... (libm calls not counted)
 *     RAM              122,600 bytes
 *     weights        1,158,520 bytes  289,630 float
 *     code               1,489 bytes  executable sections
 *     constants             56 bytes  other read-only data
 *     read-only      1,160,065 bytes
 *
 * A number that cannot be measured (no C compiler, no -fstack-usage) is
 * printed as "unknown" with the reason; the computable ones still appear.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "footprint.h"
#include "host.h"

/* n with thousands separators, into buf. */
static const char *info_commas(size_t n, char *buf, size_t len)
{
    char digits[32];
    size_t k, d, o = 0;
    d = (size_t)snprintf(digits, sizeof digits, "%zu", n);
    for (k = 0; k < d && o + 2 < len; ++k) {
        if (k && (d - k) % 3 == 0) buf[o++] = ',';
        buf[o++] = digits[k];
    }
    buf[o] = '\0';
    return buf;
}

static void info_row(const char *what, int known, size_t bytes, const char *note)
{
    char b[40];
    if (known)
        printf("  %-12s %13s bytes%s%s\n", what, info_commas(bytes, b, sizeof b), *note ? "  " : "", note);
    else
        printf("  %-12s %13s%s%s\n", what, "unknown", *note ? "        " : "", note);
}

static size_t info_field(lua_State *T, int idx, const char *key)
{
    lua_Integer v;
    lua_getfield(T, idx, key);
    v = lua_tointeger(T, -1);
    lua_pop(T, 1);
    return v > 0 ? (size_t)v : 0;
}

/* Measure and print the footprint from the table at idx (cnngen.lua info's
 * second result). */
static void info_footprint(lua_State *T, int idx)
{
    const char *c, *h, *name, *header, *options, *wnote;
    size_t clen, hlen, work, weights, consts = 0;
    char note[700];
    footprint fp;
    idx = lua_absindex(T, idx);
    lua_getfield(T, idx, "c");
    c = lua_tolstring(T, -1, &clen);
    lua_getfield(T, idx, "h");
    h = lua_tolstring(T, -1, &hlen);
    lua_getfield(T, idx, "name");
    name = lua_tostring(T, -1);
    lua_getfield(T, idx, "header_name");
    header = lua_tostring(T, -1);
    lua_getfield(T, idx, "options");
    options = lua_tostring(T, -1);
    lua_getfield(T, idx, "weights_note");
    wnote = lua_tostring(T, -1);
    work = info_field(T, idx, "work_bytes");
    weights = info_field(T, idx, "weights_bytes");

    footprint_measure(name, c, clen, h, hlen, header, &fp);
    if (fp.compiled)
        printf("inference footprint (%s), %s, %s:\n", options, fp.cc, fp.machine);
    else
        printf("inference footprint (%s): code and stack unknown: %s\n", options, fp.why);

    if (fp.has_work) {
        snprintf(note, sizeof note, "sizeof(%s_work)", name);
        work = fp.work_bytes;
    } else {
        snprintf(note, sizeof note, "the sum of its fields (not compiled)");
    }
    info_row("work struct", 1, work, note);
    if (fp.has_stack)
        snprintf(note, sizeof note, "%s%s (libm calls not counted)", fp.stack_bounded ? "" : "at least: ",
                 fp.stack_chain);
    else
        snprintf(note, sizeof note, "%s", fp.compiled ? fp.stack_why : "not compiled");
    info_row("stack", fp.has_stack, fp.stack_bytes, note);
    info_row("RAM", fp.has_stack, work + fp.stack_bytes, fp.has_stack ? "" : "work struct + stack");

    snprintf(note, sizeof note, "%s%s", wnote,
             fp.compiled && fp.rodata_bytes < weights ? " (this compiler puts them in writable data)" : "");
    info_row("weights", 1, weights, note);
    info_row("code", fp.compiled, fp.text_bytes, fp.compiled ? "executable sections" : "");
    if (fp.compiled && fp.rodata_bytes > weights) consts = fp.rodata_bytes - weights;
    info_row("constants", fp.compiled, consts, fp.compiled ? "other read-only data" : "");
    info_row("read-only", fp.compiled, weights + fp.text_bytes + consts,
             fp.compiled ? "" : "weights + code + constants");
    lua_pop(T, 6);
}

int cmd_info(lua_State *T, const cli_opts *o)
{
    char err[4096];
    int rc;
    cli_push_gen_opts(T, o);
    rc = host_describe_call(T, o->net, "info", -1, 2, err, sizeof err);
    if (rc != HOST_OK) {
        cli_error(rc, err);
        return rc;
    }
    fputs(lua_tostring(T, -2), stdout);
    if (lua_istable(T, -1)) {
        fflush(stdout);
        info_footprint(T, -1);
    }
    return HOST_OK;
}
