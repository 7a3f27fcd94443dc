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

#include "cmd.h"
#include "footprint.h"
#include "host.h"
#include "net.h"

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

/* Measure and print the footprint of the code in i (cnngen.lua info's
 * second result). */
static void info_footprint(const net_info *i)
{
    size_t work = i->work_bytes, weights = i->weights_bytes, consts = 0;
    char note[700];
    footprint fp;

    footprint_measure(i->name, i->c, i->clen, i->h, i->hlen, i->header_name, &fp);
    if (fp.compiled)
        printf("inference footprint (%s), %s, %s:\n", i->options, fp.cc, fp.machine);
    else
        printf("inference footprint (%s): code and stack unknown: %s\n", i->options, fp.why);

    if (fp.has_work) {
        snprintf(note, sizeof note, "sizeof(%s_work)", i->name);
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

    snprintf(note, sizeof note, "%s%s", i->weights_note,
             fp.compiled && fp.rodata_bytes < weights ? " (this compiler puts them in writable data)" : "");
    info_row("weights", 1, weights, note);
    info_row("code", fp.compiled, fp.text_bytes, fp.compiled ? "executable sections" : "");
    if (fp.compiled && fp.rodata_bytes > weights) consts = fp.rodata_bytes - weights;
    info_row("constants", fp.compiled, consts, fp.compiled ? "other read-only data" : "");
    info_row("read-only", fp.compiled, weights + fp.text_bytes + consts,
             fp.compiled ? "" : "weights + code + constants");
}

int cmd_info(lua_State *T, const cli_opts *o)
{
    char err[4096];
    net_request rq;
    net n;
    int rc;
    opts_request(o, &rq);
    rq.forms[rq.nforms++] = o->backend;
    rq.info = 1;
    if ((rc = net_generate(T, &rq, &n, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    fputs(n.info.text, stdout);
    if (n.info.measured) {
        fflush(stdout);
        info_footprint(&n.info);
    }
    net_free(&n);
    return HOST_OK;
}
