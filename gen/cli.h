/*
 * cli.h -- the command line: options, and one function per subcommand.
 *
 *   cnngen NET.lua -o OUT.c [--unroll none|kernel|full] [--real float|double] [--name NAME]
 *   cnngen NET.lua --inference --weights W [--quantize int8 [--calibrate N] [--data D]] -o OUT.c
 *   cnngen info NET.lua [--real T] [--inference [--unroll M] [--quantize int8]]
 *   cnngen check NET.lua [--unroll M] [--tolerance T] [--seed N] [--backend B]
 *   cnngen run NET.lua [training flags]
 *   cnngen eval NET.lua --weights W [--data D] [--backend B] [--json] [--predictions FILE]
 *                       [--quantize int8 [--calibrate N]]
 *   cnngen report NET.lua --weights W [--runs [LABEL=]RUN.jsonl ...] [--data D] [--names FILE]
 *                         [--quantize int8 [--calibrate N]] -o REPORT.html
 *
 * Every subcommand returns an exit status (host.h: HOST_*) and prints its
 * errors as one line on stderr; nothing below main() calls exit().
 */
#ifndef CNNGEN_CLI_H
#define CNNGEN_CLI_H

#include <stddef.h>

#include "lua.h"
#include "jit.h"

struct dataset;                 /* runtime/dataset.h */
struct quant_calib;             /* quantize.h */

#define CLI_MAX_NETS 16           /* descriptions one `cnngen bench` takes */
#define CLI_MAX_CHUNK 1024        /* --chunk: samples a training work struct may hold */
#define CLI_MAX_CHUNK_TEXT "1024"

typedef struct cli_opts {
    const char *cmd;            /* "emit", "info", "check", "run", "eval", "bench", "report" */
    const char *net;            /* the description file */
    const char *output;         /* -o */
    const char *unroll, *real, *name;
    /* run / eval */
    const char *backend, *data, *save, *load, *weights;
    const char *predictions;    /* eval --predictions FILE: one line per test image */
    int json;
    int inference;              /* --inference: forward/predict only, weights baked */
    const char *quantize;       /* --quantize: "int8" (emit --inference, eval, info) */
    long calibrate;             /* --calibrate N: training images for the int8 ranges */
    int has_calibrate;
    long chunk;                 /* --chunk N: samples the training work struct holds; 0: not given */
    /* report, run --report (report.h) */
    const char *report;         /* run --report FILE: rewritten after every epoch */
    const char *names;          /* report --names FILE */
    const char *run_logs[CLI_MAX_NETS];  /* report --runs [LABEL=]FILE, each given */
    int nrun_logs;
    /* set by commands on their own copies, never by the command line */
    int jit_ranges;             /* the unit gets <name>_jit_ranges (calibration) */
    int jit_activations;        /* the unit gets <name>_jit_activation (report) */
    const struct quant_calib *calib;   /* the calibration to generate int8 code with */
    int has_epochs, has_eta, has_batch, has_l2, has_seed, has_limit;
    long epochs, batch, limit;
    long threads;               /* --threads (run, bench); 0: not given */
    /* bench: every description given, --out, --runs, --min-time */
    const char *nets[CLI_MAX_NETS];
    int nnets;
    const char *out;
    long runs;                  /* 0: not given */
    double min_time;            /* 0: not given */
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
int cmd_run(lua_State *T, const cli_opts *o);
int cmd_eval(lua_State *T, const cli_opts *o);
int cmd_bench(lua_State *T, const cli_opts *o);
int cmd_report(lua_State *T, const cli_opts *o);

/* A network described, generated and built in-process, for run, eval and
 * check (cmd_run.c): the API, what the description says, and its layers'
 * parameter ranges. */
typedef struct cli_layer {
    char kind[16];
    int index;                  /* 1-based, as in Nielsen */
    size_t woff, wcount, boff, bcount;
} cli_layer;

typedef struct cli_net {
    net_api api;
    char name[64], cost[32], backend[8];
    unsigned long long arch_hash;
    double macs_fwd, macs_bwd;  /* per sample (`cnngen info`) */
    int in_c, in_h, in_w;
    /* the description's train{} (defaults filled in by the generator) */
    double eta, l2;
    long batch, epochs, limit;  /* limit 0: none */
    unsigned long long seed;
    char data[1024];
    cli_layer *layers;          /* malloc'd */
    int nlayers;
} cli_net;

/* Describe, generate (double when is_double) and build o->net with the
 * backend o->backend, else default_backend ("tcc" or "cc"; "auto" means cc
 * for now).  Prints its error; returns HOST_OK or an exit status. */
int cli_net_build(lua_State *T, const cli_opts *o, int is_double, const char *default_backend,
                  cli_net *n);
void cli_net_free(cli_net *n);

/* cli_net_build's second half: build `unit` (from cli_net_generate, freed
 * here) with n->backend into n->api.  Prints its error (and frees n);
 * returns HOST_OK or HOST_FAIL. */
int cli_net_compile(int is_double, cli_net *n, char *unit);

/* cli_net_build's first half: describe and generate o->net for `backend`
 * ("tcc" or "cc": it picks the default --unroll), filling n but for its
 * api, and return the generated unit in *unit (malloc'd; the caller frees
 * it).  Prints its error; returns HOST_OK or an exit status. */
int cli_net_generate(lua_State *T, const cli_opts *o, int is_double, const char *backend,
                     cli_net *n, char **unit);

/* Train t on `threads` threads from now on (train.h: train_threads), the
 * parameter spans from n's layer records.  0, or -1 with a message. */
struct train_ctx;
int cli_net_threads(const cli_net *n, struct train_ctx *t, int threads, char *err, size_t errlen);

/* Load o->weights into params (n's parameter count, float) and the data
 * set -- o->data, else the description's train.data, else fashion-mnist;
 * *data gets its name -- into *ds, checked against n's input and outputs.
 * The weights first, so a wrong file is reported before the data is read.
 * Prints its error; 0, or -1 (*ds left empty). */
int cli_load_weights_data(const cli_opts *o, const cli_net *n, float *params, struct dataset *ds,
                          const char **data);

/* Refuse the flags in `flags` (a NULL-terminated list such as "-o") that o
 * sets but command cmd does not take; prints and returns HOST_USER, or 0. */
int cli_reject_flags(const cli_opts *o, const char *cmd, const char *const *flags);

/* Push the generator's opts table for o (name, real, unroll, ...). */
void cli_push_gen_opts(lua_State *T, const cli_opts *o);

/* Print "cnngen: <msg>" (internal errors) or "<msg>" (user errors, which
 * already start with their position) on stderr. */
void cli_error(int status, const char *msg);

#endif
