/*
 * opts.c -- the check every subcommand makes of the flags it does not
 * take (see opts.h).
 */
#include "opts.h"

#include <stdio.h>
#include <string.h>

#include "host.h"
#include "net.h"

/* See opts.h. */
int opts_reject_flags(const cli_opts *o, const char *cmd, const char *const *flags)
{
    for (; *flags; ++flags) {
        const char *f = *flags;
        int set =
            !strcmp(f, "-o") ? o->output != NULL :
            !strcmp(f, "--weights") ? o->weights != NULL :
            !strcmp(f, "--save") ? o->save != NULL :
            !strcmp(f, "--load") ? o->load != NULL :
            !strcmp(f, "--data") ? o->data != NULL :
            !strcmp(f, "--json") ? o->json :
            !strcmp(f, "--inference") ? o->inference :
            !strcmp(f, "--tolerance") ? o->has_tolerance :
            !strcmp(f, "--epochs") ? o->has_epochs :
            !strcmp(f, "--eta") ? o->has_eta :
            !strcmp(f, "--batch") ? o->has_batch :
            !strcmp(f, "--l2") ? o->has_l2 :
            !strcmp(f, "--seed") ? o->has_seed :
            !strcmp(f, "--limit") ? o->has_limit : 0;
        if (set) {
            fprintf(stderr, "cnngen: %s does not take %s (see cnngen --help)\n", cmd, f);
            return HOST_USER;
        }
    }
    return 0;
}

/* See opts.h. */
const char *opts_backend(const cli_opts *o, const char *dflt)
{
    const char *b = o->backend ? o->backend : dflt;
    return strcmp(b, "auto") ? b : "cc";
}

/* See opts.h. */
void opts_request(const cli_opts *o, net_request *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->path = o->net;
    rq->name = o->name;
    rq->real = o->real;
    rq->unroll = o->unroll;
    rq->chunk = o->chunk;
    rq->batch = o->has_batch ? o->batch : 0;
    rq->inference = o->inference;
    if (o->inference || !strcmp(o->cmd, "emit"))
        rq->weights = o->weights;
    rq->quantize = o->quantize;
}
