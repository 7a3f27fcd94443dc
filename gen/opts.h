/*
 * opts.h -- the command line's options as cli_parse leaves them, and what
 * the subcommands make of them: the flags a command does not take, the
 * backend it builds with, the generator request (net.h) they ask for.
 * The subcommands read their options here, never from the parser.
 */
#ifndef CNNGEN_OPTS_H
#define CNNGEN_OPTS_H

struct net_request;              /* net.h */

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
    double momentum;            /* run --momentum (has_momentum) */
    int has_momentum;
    const char *expand;         /* run --expand: a name of runtime/expand.h */
    /* check */
    double tolerance;
    int has_tolerance;
} cli_opts;

/* Refuse the flags in `flags` (a NULL-terminated list such as "-o") that o
 * sets but command cmd does not take; prints and returns HOST_USER, or 0. */
int opts_reject_flags(const cli_opts *o, const char *cmd, const char *const *flags);

/* The backend a command builds with: --backend, else dflt; "auto" (the
 * tiered backend, which only `run` has) means cc, the faster of the two
 * once built. */
const char *opts_backend(const cli_opts *o, const char *dflt);

/* Fill rq with the generator request o makes (net.h): the description,
 * --name, --real, --unroll, --chunk, --inference, --weights when baked in
 * (inference code; emit reports them otherwise), --quantize.  The command
 * adds the forms it wants and the rest. */
void opts_request(const cli_opts *o, struct net_request *rq);

#endif
