/*
 * cli.h -- the command line: parse it and dispatch to a subcommand
 * (cmd.h).
 *
 *   cnngen NET.lua -o OUT.c [--unroll none|kernel|full] [--real float|double] [--name NAME]
 *   cnngen NET.lua --inference --weights W [--quantize int8 [--calibrate N] [--data D]] -o OUT.c
 *   cnngen info NET.lua [--real T] [--inference [--unroll M] [--quantize int8]]
 *   cnngen check NET.lua [--unroll M] [--tolerance T] [--seed N] [--backend B]
 *   cnngen run NET.lua [training flags]
 *   cnngen eval NET.lua --weights W[,W2,...] [--data D] [--backend B] [--json] [--predictions FILE]
 *                       [--quantize int8 [--calibrate N]]
 *   cnngen bench NET.lua... [--out PATH] [--runs N] [--min-time S] [--threads N]
 *   cnngen report NET.lua --weights W [--runs [LABEL=]RUN.jsonl ...] [--data D] [--names FILE]
 *                         [--quantize int8 [--calibrate N]] -o REPORT.html
 *
 * Every subcommand returns an exit status (host.h: HOST_*) and prints its
 * errors as one line on stderr; nothing below main() calls exit().
 */
#ifndef CNNGEN_CLI_H
#define CNNGEN_CLI_H

#include "opts.h"

/* Parse argv; 0, or HOST_USER with the message printed. */
int cli_parse(int argc, char **argv, cli_opts *o);

/* The whole program: returns the exit status. */
int cli_main(int argc, char **argv);

#endif
