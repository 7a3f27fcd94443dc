/*
 * test_ensemble.c -- suite "ensemble": nets of one architecture voting
 * (runtime/ensemble.h), with hand-made weights on data made here, where
 * every member errs on one sample and the vote on none: the rule itself
 * (majority of arg-max, ties by summed outputs, not summed outputs
 * alone), ensemble_eval in-process, `cnngen eval --weights A,B,C` (text
 * and --json), a member of another net (one line, status 2), and
 * cnngen.vote in an experiment.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "checkpoint.h"
#include "ensemble.h"
#include "fsutil.h"
#include "idxw.h"
#include "net.h"
#include "proc.h"
#include "runfix.h"

TestSuite(ensemble, .init = rt_setup, .fini = fs_scratch_remove, .timeout = 60);

Test(ensemble, the_vote_is_a_majority_of_arg_max_with_ties_broken_by_summed_outputs)
{
    /* two weak votes for 0 beat one strong vote for 1 (summed outputs
     * alone would say 1: 0.7 + 0.7 + 0.99 against 0.75 + 0.75 + 0) */
    static const float majority[] = { 0.75f, 0.7f, 0.0f,
                                      0.75f, 0.7f, 0.0f,
                                      0.0f, 0.99f, 0.01f };
    /* one vote each for 0 and 1: the larger sum, 1 (0.6 + 0.1 < 0.4 + 0.9) */
    static const float tie[] = { 0.6f, 0.4f, 0.0f,
                                 0.1f, 0.9f, 0.0f };
    /* a member's own tie goes to its first class, as predict */
    static const float first[] = { 0.5f, 0.5f, 0.0f };
    cr_expect_eq(ensemble_vote(majority, 3, 3), 0);
    cr_expect_eq(ensemble_vote(tie, 2, 3), 1);
    cr_expect_eq(ensemble_vote(first, 1, 3), 0);
}

/* The net: a linear dense layer on a 1x3 input.  Sample i is the one-hot
 * e_i, so member m's output for it is column i of its weights (biases 0):
 * out[m][i][j] = w[j][i].  Labels 0, 1, 2. */
static const char net_src[] =
    "return network { name = \"vt\", input = { 1, 1, 3 },\n"
    "  layers = { dense { units = 3, act = \"linear\" } }, cost = \"quadratic\" }\n";

/* Each member's outputs per sample: member 1 errs on sample 2, member 2
 * on sample 1, member 3 on sample 0; the vote errs on none.  On sample 2
 * member 1 is so sure that summed outputs would follow it (0.99 + 0 +
 * 0.1 for class 0 against 0.01 + 0.4 + 0.4): the majority does not. */
static const float outputs[3][3][3] = {
    { { 0.9f, 0.1f, 0.0f }, { 0.2f, 0.8f, 0.0f }, { 0.99f, 0.0f, 0.01f } },
    { { 0.8f, 0.0f, 0.2f }, { 0.1f, 0.3f, 0.6f }, { 0.0f, 0.1f, 0.4f } },
    { { 0.3f, 0.6f, 0.1f }, { 0.0f, 0.9f, 0.1f }, { 0.1f, 0.2f, 0.4f } },
};

/* Member m's 12 parameters: w[j][i] (unit j, input i), then 3 biases. */
static void vt_params(int m, float *p)
{
    int i, j;
    for (j = 0; j < 3; ++j)
        for (i = 0; i < 3; ++i)
            p[j * 3 + i] = outputs[m][i][j];
    p[9] = p[10] = p[11] = 0.0f;
}

/* The net generated (float, tcc) and built; its architecture hash. */
static unsigned long long vt_build(net_api *api)
{
    char path[256], err[4096];
    net n;
    unsigned long long h;
    cr_assert_eq(tb_net(rt_path(path, sizeof path, "vt.lua"), net_src, &n, api, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(n.param_count, 12);
    h = n.arch_hash;
    net_free(&n);
    return h;
}

Test(ensemble, the_vote_is_right_where_every_member_errs_once)
{
    static const float x[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
    static const int y[3] = { 0, 1, 2 };
    char err[512];
    net_api api;
    float p[3][12];
    const float *pp[3] = { p[0], p[1], p[2] };
    ds_split s;
    ensemble_result r;
    int m;
    memset(&api, 0, sizeof api);
    vt_build(&api);
    for (m = 0; m < 3; ++m)
        vt_params(m, p[m]);
    memset(&s, 0, sizeof s);
    s.n = 3;
    s.rows = 1;
    s.cols = 3;
    s.x = (float *)x;
    s.y = (int *)y;
    cr_assert_eq(ensemble_eval(&api, pp, 3, &s, TRAIN_COST_QUADRATIC, &r, err, sizeof err), 0, "%s", err);
    for (m = 0; m < 3; ++m) {
        cr_expect_eq(r.member[m].correct, 2, "member %d", m + 1);
        cr_expect_eq(r.member[m].confusion[(size_t)(2 - m) * 4], 0, "member %d errs on sample %d",
                     m + 1, 2 - m);
    }
    cr_expect_eq(r.vote.correct, 3);
    cr_expect_eq(r.vote.accuracy, 1.0);
    cr_expect_eq(r.predicted[0], 0);
    cr_expect_eq(r.predicted[1], 1);
    cr_expect_eq(r.predicted[2], 2);
    cr_expect_float_eq(r.probability[1], (0.8f + 0.3f + 0.9f) / 3, 1e-6, "the members' mean");
    ensemble_free(&r);
    /* one member: the net alone */
    cr_assert_eq(ensemble_eval(&api, pp, 1, &s, TRAIN_COST_QUADRATIC, &r, err, sizeof err), 0, "%s", err);
    cr_expect_eq(r.vote.correct, 2);
    cr_expect_eq(r.predicted[2], 0);
    ensemble_free(&r);
    jit_release(&api);
}

/* The data set (the same three one-hot samples for training and test)
 * and the three members' weights files a.bin, b.bin, c.bin; other.bin
 * holds weights of another net. */
static void vt_files(void)
{
    static const unsigned char img[9] = { 255, 0, 0, 0, 255, 0, 0, 0, 255 };
    static const unsigned char lbl[3] = { 0, 1, 2 };
    static const unsigned dims[3] = { 3, 1, 3 };
    static const char *const names[] = { "a.bin", "b.bin", "c.bin" };
    char dir[256], path[512], err[512];
    float p[12];
    unsigned long long h = vt_build(NULL);
    int m;
    rt_path(dir, sizeof dir, "data");
    cr_assert_eq(mkdir(dir, 0755), 0, "mkdir %s", dir);
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", dir);
    idxw_write(path, 3, dims, img, sizeof img, 0);
    snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte", dir);
    idxw_write(path, 3, dims, img, sizeof img, 0);
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", dir);
    idxw_write(path, 1, dims, lbl, sizeof lbl, 0);
    snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte", dir);
    idxw_write(path, 1, dims, lbl, sizeof lbl, 0);
    for (m = 0; m < 3; ++m) {
        vt_params(m, p);
        cr_assert_eq(ckpt_save(rt_path(path, sizeof path, names[m]), p, 12, 4, h, err, sizeof err),
                     0, "%s", err);
    }
    cr_assert_eq(ckpt_save(rt_path(path, sizeof path, "other.bin"), p, 12, 4, h ^ 1, err, sizeof err),
                 0, "%s", err);
}

static void vt_eval(rt_out *o, const char *weights, int json)
{
    char net[256], data[256];
    const char *args[12];
    int k = 0;
    args[k++] = "eval";
    args[k++] = rt_path(net, sizeof net, "vt.lua");
    args[k++] = "--weights";
    args[k++] = weights;
    args[k++] = "--data";
    args[k++] = rt_path(data, sizeof data, "data");
    args[k++] = "--backend";
    args[k++] = "tcc";
    if (json)
        args[k++] = "--json";
    args[k] = NULL;
    rt_run_as_is(o, args, NULL);
}

/* "A,B,C" of the scratch directory's files. */
static const char *vt_list(char *buf, size_t len, const char *a, const char *b, const char *c)
{
    char pa[256], pb[256], pc[256];
    snprintf(buf, len, "%s,%s,%s", rt_path(pa, sizeof pa, a), rt_path(pb, sizeof pb, b),
             rt_path(pc, sizeof pc, c));
    return buf;
}

Test(ensemble, eval_reports_each_member_and_the_vote)
{
    char list[1024];
    rt_out o;
    vt_files();
    vt_eval(&o, vt_list(list, sizeof list, "a.bin", "b.bin", "c.bin"), 0);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_expect(strstr(o.out, "vt: an ensemble of 3, weights ") == o.out, "%s", o.out);
    cr_expect(strstr(o.out, "\nmember 1, ") && strstr(o.out, "a.bin: test accuracy 66.67% (2/3)"),
              "%s", o.out);
    cr_expect(strstr(o.out, "c.bin: test accuracy 66.67% (2/3)") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "\ntest accuracy 100.00% (3/3), cost ") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "(the vote: most members' arg-max, ties by summed outputs)\n") != NULL,
              "%s", o.out);
    vt_eval(&o, vt_list(list, sizeof list, "a.bin", "b.bin", "c.bin"), 1);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_expect(strstr(o.out, "{\"accuracy\":1,") == o.out, "%s", o.out);
    cr_expect(strstr(o.out, "\"vote\":\"majority\",\"members\":[{\"weights\":\"") != NULL, "%s", o.out);
    cr_expect(strchr(o.out, '\n')[1] == '\0', "one line: %s", o.out);
    cr_expect(strstr(o.out, "c.bin\",\"accuracy\":0.666667,\"cost\":") != NULL, "%s", o.out);
    /* --predictions: the vote and the members' mean output for it */
    {
        char net[256], data[256], pred[256], text[256];
        rt_run_as_is(&o, (const char *const[]){ "eval", rt_path(net, sizeof net, "vt.lua"), "--weights",
                                                list, "--data", rt_path(data, sizeof data, "data"),
                                                "--backend", "tcc", "--predictions",
                                                rt_path(pred, sizeof pred, "pred.txt"), NULL }, NULL);
        cr_assert_eq(o.status, 0, "%s", o.err);
        rt_slurp(pred, text, sizeof text);
        cr_expect_str_eq(text, "0 0 0.666667\n1 1 0.666667\n2 2 0.270000\n");
    }
    /* one file: as before, no members */
    vt_eval(&o, rt_path(list, sizeof list, "a.bin"), 0);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_expect(strstr(o.out, "vt: weights ") == o.out, "%s", o.out);
    cr_expect(strstr(o.out, "\ntest accuracy 66.67% (2/3), cost ") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "member") == NULL, "%s", o.out);
}

Test(ensemble, a_member_of_another_net_is_one_line_and_status_2)
{
    char list[1024];
    rt_out o;
    vt_files();
    vt_eval(&o, vt_list(list, sizeof list, "a.bin", "other.bin", "c.bin"), 0);
    rt_expect_error(&o, 2, "cnngen: --weights: member 2, ");
    cr_expect(strstr(o.err, "other.bin, holds the weights of another net (12 parameters, "
                            "architecture ") != NULL, "%s", o.err);
    cr_expect(strstr(o.err, "an ensemble's members share one architecture\n") != NULL, "%s", o.err);
    cr_expect_str_eq(o.out, "");
    vt_eval(&o, "a.bin,", 0);
    rt_expect_error(&o, 2, "an empty file name");
}

Test(ensemble, cnngen_vote_in_an_experiment)
{
    char script[2048], data[256], a[256], b[256], c[256], path[256];
    rt_out o;
    vt_files();
    snprintf(script, sizeof script,
             "local d = cnngen.data(\"%s\")\n"
             "local function model(w)\n"
             "  local m = cnngen.compile(network { name = \"vt\", input = { 1, 1, 3 },\n"
             "    layers = { dense { units = 3, act = \"linear\" } }, cost = \"quadratic\" })\n"
             "  m:load(w)\n"
             "  return m\n"
             "end\n"
             "local acc, each = cnngen.vote({ model(\"%s\"), model(\"%s\"), model(\"%s\") }, d)\n"
             "print(string.format(\"vote %%.4f members %%.4f %%.4f %%.4f\", acc, each[1], each[2], each[3]))\n"
             "local other = cnngen.compile(network { name = \"wide\", input = { 1, 1, 3 },\n"
             "  layers = { dense { units = 3, act = \"sigmoid\" } }, cost = \"quadratic\" })\n"
             "cnngen.vote({ model(\"%s\"), other }, d)\n",
             rt_path(data, sizeof data, "data"), rt_path(a, sizeof a, "a.bin"),
             rt_path(b, sizeof b, "b.bin"), rt_path(c, sizeof c, "c.bin"), a);
    rt_write("exp.lua", script);
    rt_run(&o, (const char *const[]){ "run", rt_path(path, sizeof path, "exp.lua"), NULL }, NULL);
    cr_expect(strstr(o.out, "vote 1.0000 members 0.6667 0.6667 0.6667\n") != NULL, "%s", o.out);
    rt_expect_error(&o, 2, "exp.lua:12: vote: member 2 (wide) is another net than member 1 (vt): "
                           "the members of an ensemble share one architecture");
}
