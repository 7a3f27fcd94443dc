/*
 * test_chapter6.c -- suite "chapter6": the descriptions of
 * examples/chapter6 (Nielsen's chapter 6 step by step) are valid nets of
 * the sizes the chapter gives, counted here by hand:
 *
 *   shallow  784·100 + 100 + 100·10 + 10                          =    79,510
 *   conv1    20·25 + 20 + 2880·100 + 100 + 1,010                   =   289,630
 *   conv2    520 + 40·20·25 + 40 + 640·100 + 100 + 1,010           =    85,670
 *   relu, expanded: conv2's layers                                =    85,670
 *   fc2      85,670 + 100·100 + 100                               =    95,770
 *   dropout  520 + 20,040 + 640·1000 + 1000 + 1000·1000 + 1000 + 1000·10 + 10
 *                                                                 = 1,672,570
 *   fast     520 + 20,040 + 640·200 + 200 + 200·10 + 10           =   150,770
 *
 * (make chapter6 trains them on the real data set; no test needs it.)
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "proc.h"

struct ch6 {
    char file[16];
    long params;
};

static struct ch6 nets[] = {
    { "shallow", 79510 }, { "conv1", 289630 }, { "conv2", 85670 }, { "relu", 85670 },
    { "expanded", 85670 }, { "fc2", 95770 }, { "dropout", 1672570 }, { "fast", 150770 },
};

ParameterizedTestParameters(chapter6, each_step_is_a_net_of_the_chapters_size)
{
    return cr_make_param_array(struct ch6, nets, sizeof nets / sizeof nets[0]);
}

/* the number in "    total   1,234,567 ..." without its commas */
static long total_params(const char *out)
{
    const char *p = strstr(out, "    total");
    long v = 0;
    if (!p) return -1;
    for (p += 9; *p == ' '; ++p) {}
    for (; (*p >= '0' && *p <= '9') || *p == ','; ++p)
        if (*p != ',') v = 10 * v + (*p - '0');
    return v;
}

ParameterizedTest(struct ch6 *c, chapter6, each_step_is_a_net_of_the_chapters_size, .timeout = 60)
{
    char cmd[2048], *out = NULL;
    int st;
    snprintf(cmd, sizeof cmd, "'%s' info '%s/examples/chapter6/%s.lua'", fs_env("CNNGEN"),
             fs_env("CNNGEN_ROOT"), c->file);
    st = proc_sh_merged(cmd, &out);
    cr_assert(out, "cannot run %s", cmd);
    cr_assert_eq(st, 0, "%s: exit %d:\n%s", cmd, st, out);
    cr_expect_eq(total_params(out), c->params, "%s: %s", c->file, out);
    free(out);
}
