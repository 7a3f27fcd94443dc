/*
 * cmd_emit.c -- `cnngen NET.lua -o OUT.c`: write OUT.c and OUT.h.  With
 * --quantize int8, the float net is calibrated first (quantize.h).
 */
#include <stdio.h>
#include <string.h>

#include "lauxlib.h"
#include "cli.h"
#include "host.h"
#include "outfile.h"
#include "quantize.h"

static int emit_write(lua_State *T, const cli_opts *o);

int cmd_emit(lua_State *T, const cli_opts *o)
{
    quant_calib cal;
    cli_opts q;
    int rc;
    if (!o->quantize)
        return emit_write(T, o);
    if (!o->output)
        return emit_write(T, o);            /* its message */
    if ((rc = quant_calibrate(T, o, HOST_USER, NULL, &cal)) != HOST_OK)
        return rc;
    q = *o;
    q.calib = &cal;
    rc = emit_write(T, &q);
    quant_calib_free(&cal);
    return rc;
}

static int emit_write(lua_State *T, const cli_opts *o)
{
    char err[4096], hpath[4096], cname[4096];
    const char *base, *c, *h;
    size_t clen, hlen, n;
    int rc;
    outfile_item items[2];
    if (!o->output) {
        fprintf(stderr, "cnngen: missing -o OUT.c (where to write the generated code)\n");
        return HOST_USER;
    }
    n = strlen(o->output);
    if (n < 3 || strcmp(o->output + n - 2, ".c") != 0 || n + 1 > sizeof hpath) {
        fprintf(stderr, "cnngen: -o %s: the output must be a .c file (its header goes beside it, as .h)\n", o->output);
        return HOST_USER;
    }
    memcpy(hpath, o->output, n + 1);
    hpath[n - 1] = 'h';
    base = strrchr(hpath, '/');
    base = base ? base + 1 : hpath;
    snprintf(cname, sizeof cname, "%s", base);
    cname[strlen(cname) - 1] = 'c';

    cli_push_gen_opts(T, o);
    lua_pushstring(T, base);
    lua_setfield(T, -2, "header_name");
    lua_pushstring(T, cname);
    lua_setfield(T, -2, "c_name");
    rc = host_describe_call(T, o->net, "generate", -1, 1, err, sizeof err);
    if (rc != HOST_OK) {
        cli_error(rc, err);
        return rc;
    }
    lua_getfield(T, -1, "c");
    c = lua_tolstring(T, -1, &clen);
    lua_getfield(T, -2, "h");
    h = lua_tolstring(T, -1, &hlen);
    items[0].path = o->output;
    items[0].data = c;
    items[0].len = clen;
    items[1].path = hpath;
    items[1].data = h;
    items[1].len = hlen;
    if (outfile_write(items, 2, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_USER;
    }
    return HOST_OK;
}
