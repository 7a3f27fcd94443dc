/*
 * cli.c -- parse the command line and dispatch to a subcommand.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "expand.h"
#include "host.h"

static const char usage[] =
    "usage: cnngen NET.lua -o OUT.c [--unroll none|kernel|full] [--real float|double] [--name NAME]\n"
    "                          [--backend tcc|cc] [--chunk N]\n"
    "       cnngen NET.lua --inference --weights W [--quantize int8 [--calibrate N] [--data D]] -o OUT.c\n"
    "       cnngen info NET.lua [--real float|double] [--chunk N] [--inference [--unroll MODE] [--quantize int8]]\n"
    "       cnngen check NET.lua [--unroll MODE] [--tolerance T] [--seed N] [--backend tcc|cc]\n"
    "       cnngen run NET.lua [--epochs N] [--eta X] [--batch N] [--l2 X] [--seed N] [--limit N]\n"
    "                          [--momentum M] [--expand none|shift1]\n"
    "                          [--data fashion-mnist|DIR] [--backend tcc|cc|auto] [--threads N]\n"
    "                          [--chunk N] [--save W] [--load W] [--json] [--report REPORT.html]\n"
    "       cnngen eval NET.lua --weights W[,W2,...] [--data fashion-mnist|DIR] [--backend tcc|cc|auto] [--json]\n"
    "                           [--predictions FILE] [--quantize int8 [--calibrate N]]\n"
    "       cnngen report NET.lua --weights W [--runs [LABEL=]RUN.jsonl ...] [--data fashion-mnist|DIR]\n"
    "                           [--names FILE] [--backend tcc|cc] [--quantize int8 [--calibrate N]] -o REPORT.html\n"
    "       cnngen bench NET.lua... [--out PATH] [--runs N] [--min-time S] [--threads N]\n"
    "                          [--backend tcc|cc|auto] [--batch N] [--data fashion-mnist|DIR]\n"
    "       cnngen --help | --version\n";

static int bad(const char *fmt, const char *a)
{
    fprintf(stderr, "cnngen: ");
    fprintf(stderr, fmt, a);
    fprintf(stderr, " (see cnngen --help)\n");
    return HOST_USER;
}

static int parse_long(const char *flag, const char *v, long lo, long *out)
{
    char *end;
    long x;
    errno = 0;
    x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo) {
        fprintf(stderr, "cnngen: %s needs an integer >= %ld, not '%s'\n", flag, lo, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_double(const char *flag, const char *v, double lo, double *out)
{
    char *end;
    double x;
    errno = 0;
    x = strtod(v, &end);
    if (errno || end == v || *end || !(x >= lo) || x > 1e300) {
        fprintf(stderr, "cnngen: %s needs a number >= %g, not '%s'\n", flag, lo, v);
        return -1;
    }
    *out = x;
    return 0;
}

/* Is flag one of the options that take a value?  (Only for the message
 * when the last argument is a flag: unknown, or missing its value.) */
static int takes_value(const char *flag)
{
    static const char *const known[] = { "-o", "--output", "--unroll", "--real", "--name", "--backend",
                                         "--data", "--save", "--load", "--weights", "--epochs", "--batch",
                                         "--limit", "--seed", "--eta", "--l2", "--tolerance", "--predictions",
                                         "--threads", "--out", "--runs", "--min-time", "--quantize",
                                         "--calibrate", "--chunk", "--report", "--names", "--momentum",
                                         "--expand", NULL };
    int i;
    for (i = 0; known[i]; ++i)
        if (!strcmp(flag, known[i])) return 1;
    return 0;
}

int cli_parse(int argc, char **argv, cli_opts *o)
{
    int i = 1;
    memset(o, 0, sizeof *o);
    o->cmd = "emit";
    if (argc > 1 && (!strcmp(argv[1], "info") || !strcmp(argv[1], "check") ||
                     !strcmp(argv[1], "run") || !strcmp(argv[1], "eval") ||
                     !strcmp(argv[1], "bench") || !strcmp(argv[1], "report"))) {
        o->cmd = argv[1];
        i = 2;
    }
    for (; i < argc; ++i) {
        const char *a = argv[i], *v = NULL;
        char flag[64];
        const char *eq;
        if (a[0] != '-' || !strcmp(a, "-")) {
            if (!strcmp(o->cmd, "bench") && o->nnets < CLI_MAX_NETS) {  /* several nets */
                o->nets[o->nnets++] = a;
                if (!o->net) o->net = a;
                continue;
            }
            if (o->net) return bad("unexpected argument '%s'", a);
            o->net = a;
            continue;
        }
        /* --flag=value or --flag value */
        eq = strchr(a, '=');
        if (eq && (size_t)(eq - a) < sizeof flag) {
            memcpy(flag, a, (size_t)(eq - a));
            flag[eq - a] = '\0';
            v = eq + 1;
        } else {
            snprintf(flag, sizeof flag, "%s", a);
        }
        if (!strcmp(flag, "--json")) { o->json = 1; continue; }
        if (!strcmp(flag, "--inference")) { o->inference = 1; continue; }
        if (!strcmp(flag, "--help") || !strcmp(flag, "-h") || !strcmp(flag, "--version"))
            return bad("%s must come alone", flag);
        if (!v) {
            if (i + 1 >= argc) return bad(takes_value(flag) ? "%s needs a value" : "unknown option '%s'", flag);
            v = argv[++i];
        }
        if (!strcmp(flag, "-o") || !strcmp(flag, "--output")) o->output = v;
        else if (!strcmp(flag, "--unroll")) o->unroll = v;
        else if (!strcmp(flag, "--real")) o->real = v;
        else if (!strcmp(flag, "--name")) o->name = v;
        else if (!strcmp(flag, "--backend")) o->backend = v;
        else if (!strcmp(flag, "--data")) o->data = v;
        else if (!strcmp(flag, "--save")) o->save = v;
        else if (!strcmp(flag, "--load")) o->load = v;
        else if (!strcmp(flag, "--weights")) o->weights = v;
        else if (!strcmp(flag, "--predictions")) o->predictions = v;
        else if (!strcmp(flag, "--report")) o->report = v;
        else if (!strcmp(flag, "--names")) o->names = v;
        else if (!strcmp(flag, "--runs") && !strcmp(o->cmd, "report")) {
            if (o->nrun_logs == CLI_MAX_NETS) return bad("at most %s --runs files", "16");
            o->run_logs[o->nrun_logs++] = v;
        }
        else if (!strcmp(flag, "--quantize")) o->quantize = v;
        else if (!strcmp(flag, "--calibrate")) {
            if (parse_long(flag, v, 1, &o->calibrate)) return HOST_USER;
            o->has_calibrate = 1;
        }
        else if (!strcmp(flag, "--epochs")) {
            if (parse_long(flag, v, 1, &o->epochs)) return HOST_USER;
            o->has_epochs = 1;
        } else if (!strcmp(flag, "--batch")) {
            if (parse_long(flag, v, 1, &o->batch)) return HOST_USER;
            o->has_batch = 1;
        } else if (!strcmp(flag, "--limit")) {
            if (parse_long(flag, v, 1, &o->limit)) return HOST_USER;
            o->has_limit = 1;
        } else if (!strcmp(flag, "--seed")) {
            long s;
            if (parse_long(flag, v, 0, &s)) return HOST_USER;
            o->seed = (unsigned long long)s;
            o->has_seed = 1;
        } else if (!strcmp(flag, "--eta")) {
            if (parse_double(flag, v, 1e-300, &o->eta)) return HOST_USER;
            o->has_eta = 1;
        } else if (!strcmp(flag, "--l2")) {
            if (parse_double(flag, v, 0, &o->l2)) return HOST_USER;
            o->has_l2 = 1;
        } else if (!strcmp(flag, "--momentum")) {
            if (parse_double(flag, v, 0, &o->momentum)) return HOST_USER;
            if (o->momentum >= 1) return bad("--momentum %s: the momentum must be below 1", v);
            o->has_momentum = 1;
        } else if (!strcmp(flag, "--expand")) {
            expand_kind k;
            if (expand_parse(v, &k)) return bad("--expand must be one of " EXPAND_NAMES ", not '%s'", v);
            o->expand = v;
        } else if (!strcmp(flag, "--tolerance")) {
            if (parse_double(flag, v, 1e-300, &o->tolerance)) return HOST_USER;
            o->has_tolerance = 1;
        } else if (!strcmp(flag, "--chunk")) {
            if (parse_long(flag, v, 1, &o->chunk)) return HOST_USER;
            if (o->chunk > CLI_MAX_CHUNK) return bad("--chunk %s: at most " CLI_MAX_CHUNK_TEXT " samples", v);
        } else if (!strcmp(flag, "--threads")) {
            if (parse_long(flag, v, 1, &o->threads)) return HOST_USER;
            if (o->threads > 256) return bad("--threads %s: at most 256", v);
        } else if (!strcmp(flag, "--runs")) {
            if (parse_long(flag, v, 1, &o->runs)) return HOST_USER;
        } else if (!strcmp(flag, "--min-time")) {
            if (parse_double(flag, v, 1e-3, &o->min_time)) return HOST_USER;
        } else if (!strcmp(flag, "--out")) {
            o->out = v;
        } else
            return bad("unknown option '%s'", flag);
    }
    if (!o->net) return bad("%s", "no network description given");
    if (o->threads && strcmp(o->cmd, "run") && strcmp(o->cmd, "bench"))
        return bad("--threads is an option of run and bench, not %s", o->cmd);
    if ((o->out || o->runs || o->min_time > 0) && strcmp(o->cmd, "bench"))
        return bad("%s is an option of bench", o->out ? "--out" : o->runs ? "--runs" : "--min-time");
    if (o->chunk && strcmp(o->cmd, "emit") && strcmp(o->cmd, "info") && strcmp(o->cmd, "run"))
        return bad("--chunk is an option of emit, info and run, not %s", o->cmd);
    if (o->chunk && o->inference)
        return bad("%s", "--chunk sizes training code; inference code holds one sample");
    if ((o->has_momentum || o->expand) && strcmp(o->cmd, "run"))
        return bad("%s is an option of run", o->has_momentum ? "--momentum" : "--expand");
    if (o->report && strcmp(o->cmd, "run"))
        return bad("%s", "--report is an option of run (cnngen report makes one from saved weights)");
    if (o->names && strcmp(o->cmd, "report"))
        return bad("%s", "--names is an option of report");
    if (o->predictions && strcmp(o->cmd, "eval"))
        return bad("%s", "--predictions is an option of eval");
    if (o->unroll && strcmp(o->unroll, "none") && strcmp(o->unroll, "kernel") && strcmp(o->unroll, "full"))
        return bad("--unroll must be none, kernel or full, not '%s'", o->unroll);
    if (o->real && strcmp(o->real, "float") && strcmp(o->real, "double"))
        return bad("--real must be float or double, not '%s'", o->real);
    if (o->backend && strcmp(o->backend, "tcc") && strcmp(o->backend, "cc") && strcmp(o->backend, "auto"))
        return bad("--backend must be tcc, cc or auto, not '%s'", o->backend);
    if (o->backend && !strcmp(o->backend, "auto") && (!strcmp(o->cmd, "emit") || !strcmp(o->cmd, "info")))
        return bad("%s", "--backend here names the compiler the code is for: tcc or cc, not auto");
    if (o->quantize) {
        if (strcmp(o->quantize, "int8"))
            return bad("--quantize must be int8, not '%s'", o->quantize);
        if (strcmp(o->cmd, "emit") && strcmp(o->cmd, "eval") && strcmp(o->cmd, "info") && strcmp(o->cmd, "report"))
            return bad("--quantize is for inference code (emit with --inference, eval, info, report), not %s", o->cmd);
        if (strcmp(o->cmd, "eval") && strcmp(o->cmd, "report") && !o->inference)
            return bad("%s", "--quantize int8 quantizes inference code: add --inference");
        if (o->unroll && strcmp(o->unroll, "none"))
            return bad("--quantize int8 generates one loop form, --unroll none, not --unroll %s", o->unroll);
    }
    if (o->has_calibrate && !o->quantize)
        return bad("%s", "--calibrate N needs --quantize int8 (N: the training images that calibrate its ranges)");
    if (o->has_calibrate && !strcmp(o->cmd, "info"))
        return bad("%s", "--calibrate: info does not calibrate (its footprint needs no data)");
    return 0;
}

int cli_main(int argc, char **argv)
{
    cli_opts o;
    lua_State *T;
    int rc;
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        return HOST_OK;
    }
    if (argc == 2 && !strcmp(argv[1], "--version")) {
        puts("cnngen 0.1");
        return HOST_OK;
    }
    if (argc < 2) {
        fputs(usage, stderr);
        return HOST_USER;
    }
    if ((rc = cli_parse(argc, argv, &o)) != 0) return rc;
    T = host_new();
    if (!T) {
        fprintf(stderr, "cnngen: out of memory\n");
        return HOST_INTERNAL;
    }
    if (o.name) {
        /* the rule a description's name follows (gen/lua/check.lua), for every command */
        char err[512];
        lua_pushstring(T, o.name);
        rc = host_call(T, "check_name", 1, 0, err, sizeof err);
        if (rc != HOST_OK) {
            if (rc == HOST_USER) fprintf(stderr, "cnngen: %s\n", err);
            else host_report(rc, err);
            lua_close(T);
            return rc;
        }
    }
    if (!strcmp(o.cmd, "emit")) rc = cmd_emit(T, &o);
    else if (!strcmp(o.cmd, "info")) rc = cmd_info(T, &o);
    else if (!strcmp(o.cmd, "run")) rc = cmd_run(T, &o);
    else if (!strcmp(o.cmd, "eval")) rc = cmd_eval(T, &o);
    else if (!strcmp(o.cmd, "check")) rc = cmd_check(T, &o);
    else if (!strcmp(o.cmd, "bench")) rc = cmd_bench(T, &o);
    else if (!strcmp(o.cmd, "report")) rc = cmd_report(T, &o);
    else {
        fprintf(stderr, "cnngen: '%s' is not built yet\n", o.cmd);
        rc = HOST_USER;
    }
    lua_close(T);
    return rc;
}
