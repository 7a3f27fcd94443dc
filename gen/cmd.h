/*
 * cmd.h -- the subcommands, one file each (cmd_<name>.c), dispatched by
 * cli.c.  T is a fresh trusted state (host_new); each returns an exit
 * status (host.h: HOST_*) with its errors printed, one line on stderr.
 */
#ifndef CNNGEN_CMD_H
#define CNNGEN_CMD_H

#include "lua.h"
#include "opts.h"

int cmd_emit(lua_State *T, const cli_opts *o);
int cmd_info(lua_State *T, const cli_opts *o);
int cmd_check(lua_State *T, const cli_opts *o);
int cmd_run(lua_State *T, const cli_opts *o);
int cmd_eval(lua_State *T, const cli_opts *o);
int cmd_bench(lua_State *T, const cli_opts *o);
int cmd_report(lua_State *T, const cli_opts *o);

#endif
