/*
 * cli.h -- the command line: options, and one function per subcommand.
 *
 *   cnngen NET.lua -o OUT.c [--unroll none|kernel|full] [--real float|double] [--name NAME]
 *   cnngen info NET.lua [--real T]
 *   cnngen check NET.lua [--unroll M]
 *   cnngen run NET.lua [training flags]
 *   cnngen eval NET.lua --weights W [--data D]
 *
 * Every subcommand returns an exit status (host.h: HOST_*) and prints its
 * errors as one line on stderr; nothing below main() calls exit().
 */
#ifndef CNNGEN_CLI_H
#define CNNGEN_CLI_H

#include "lua.h"

typedef struct cli_opts {
    const char *cmd;            /* "emit", "info", "check", "run", "eval" */
    const char *net;            /* the description file */
    const char *output;         /* -o */
    const char *unroll, *real, *name;
    /* run / eval */
    const char *backend, *data, *save, *load, *weights;
    int json;
    int inference;              /* --inference: forward/predict only, weights baked */
    int has_epochs, has_eta, has_batch, has_l2, has_seed, has_limit;
    long epochs, batch, limit;
    unsigned long long seed;
    double eta, l2;
    /* check */
    double tolerance;
    int has_tolerance;
} cli_opts;

/* Parse argv; 0, or HOST_USER with the message printed. */
int cli_parse(int argc, char **argv, cli_opts *o);

/* The whole program: returns the exit status. */
int cli_main(int argc, char **argv);

/* Subcommands (cmd_<name>.c). T is a fresh trusted state (host_new). */
int cmd_emit(lua_State *T, const cli_opts *o);
int cmd_info(lua_State *T, const cli_opts *o);
int cmd_check(lua_State *T, const cli_opts *o);

/* Push the generator's opts table for o (name, real, unroll, ...). */
void cli_push_gen_opts(lua_State *T, const cli_opts *o);

/* Print "cnngen: <msg>" (internal errors) or "<msg>" (user errors, which
 * already start with their position) on stderr. */
void cli_error(int status, const char *msg);

#endif
