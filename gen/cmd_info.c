/*
 * cmd_info.c -- `cnngen info NET.lua`: the layer table (shapes, parameters,
 * MACs, work-struct bytes) and totals.
 */
#include <stdio.h>

#include "cli.h"
#include "host.h"

int cmd_info(lua_State *T, const cli_opts *o)
{
    char err[4096];
    int rc;
    cli_push_gen_opts(T, o);
    rc = host_describe_call(T, o->net, "info", -1, 1, err, sizeof err);
    if (rc != HOST_OK) {
        cli_error(rc, err);
        return rc;
    }
    fputs(lua_tostring(T, -1), stdout);
    return HOST_OK;
}
