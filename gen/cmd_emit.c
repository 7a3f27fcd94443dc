/*
 * cmd_emit.c -- `cnngen NET.lua -o OUT.c`: write OUT.c and OUT.h.  With
 * --quantize int8, the float net is calibrated first (quantize.h); the
 * description runs once for both.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "host.h"
#include "net.h"
#include "outfile.h"
#include "quantize.h"

static int emit_write(lua_State *T, const cli_opts *o, const net_desc *d, const quant_calib *cal);

int cmd_emit(lua_State *T, const cli_opts *o)
{
    char err[4096];
    quant_calib cal;
    net_desc d;
    int rc;
    if (!o->quantize || !o->output)
        return emit_write(T, o, NULL, NULL);    /* (no -o: its message) */
    if ((rc = net_describe(T, o->net, &d, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    if ((rc = quant_calibrate(T, o, &d, HOST_USER, NULL, &cal)) == HOST_OK) {
        rc = emit_write(T, o, &d, &cal);
        quant_calib_free(&cal);
    }
    net_desc_free(&d);
    return rc;
}

static int emit_write(lua_State *T, const cli_opts *o, const net_desc *d, const quant_calib *cal)
{
    char err[4096], hpath[4096], cname[4096];
    const char *base;
    size_t len;
    int rc;
    outfile_item items[2];
    net_request rq;
    net n;
    if (!o->output) {
        fprintf(stderr, "cnngen: missing -o OUT.c (where to write the generated code)\n");
        return HOST_USER;
    }
    len = strlen(o->output);
    if (len < 3 || strcmp(o->output + len - 2, ".c") != 0 || len + 1 > sizeof hpath) {
        fprintf(stderr, "cnngen: -o %s: the output must be a .c file (its header goes beside it, as .h)\n", o->output);
        return HOST_USER;
    }
    memcpy(hpath, o->output, len + 1);
    hpath[len - 1] = 'h';
    base = strrchr(hpath, '/');
    base = base ? base + 1 : hpath;
    snprintf(cname, sizeof cname, "%s", base);
    cname[strlen(cname) - 1] = 'c';

    opts_request(o, &rq);
    rq.desc = d;
    rq.forms[rq.nforms++] = o->backend;
    rq.calib = cal;
    rq.header_name = base;
    rq.c_name = cname;
    rq.files = 1;
    if ((rc = net_generate(T, &rq, &n, err, sizeof err)) != HOST_OK) {
        host_report(rc, err);
        return rc;
    }
    items[0].path = o->output;
    items[0].data = n.form[0].c;
    items[0].len = n.form[0].clen;
    items[1].path = hpath;
    items[1].data = n.form[0].h;
    items[1].len = n.form[0].hlen;
    rc = HOST_OK;
    if (outfile_write(items, 2, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        rc = HOST_USER;
    }
    net_free(&n);
    return rc;
}
