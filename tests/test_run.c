/*
 * test_run.c -- suite "run": `cnngen run` and `cnngen eval` end to end
 * (the built binary, $CNNGEN), and the runtime they stand on
 * (runtime/train.c, runtime/progress.c) in-process.
 *
 * Every test makes its own synthetic data (tests/support/runfix.h).  The
 * one test that needs Fashion-MNIST skips, saying so, when the Debian
 * package is not installed.
 *
 * Properties covered: progress output (one line / one JSON object per
 * epoch), learning, weights round trip through the CLI (run --save, eval
 * --weights, run --load), resume bit-identical to an uninterrupted run
 * (after a clean stop and after Ctrl-C mid-epoch), tcc vs cc, the tiered
 * backend (auto), and every CLI error: one line on stderr, the documented
 * status, no file left.  Threads, --chunk, bench and experiment scripts
 * have their own files (test_run_threads.c, test_chunk.c, test_bench.c,
 * test_experiment.c).
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "checkpoint.h"
#include "dataset.h"
#include "jit.h"
#include "rng.h"
#include "train.h"

#include "fsutil.h"
#include "idxw.h"
#include "proc.h"
#include "runfix.h"

TestSuite(run, .init = rt_setup, .fini = fs_scratch_remove, .timeout = 60);

/* ================================================================ */
/* Training end to end                                              */
/* ================================================================ */

Test(run, synthetic_data_reaches_high_accuracy_with_one_json_object_per_epoch)
{
    char net[256], data[256];
    double acc[8], cost[8], secs[8], rate[8], ep[8];
    rt_out o;
    rt_standard(2000);
    rt_run(&o, (const char *const[]){ "run", rt_path(net, sizeof net, "syn.lua"), "--data",
                                       rt_path(data, sizeof data, "data"), "--epochs", "3",
                                       "--json", NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert_eq(rt_json_values(o.out, "epoch", ep, 8), 3, "stdout: %s", o.out);
    cr_assert_eq(rt_json_values(o.out, "accuracy", acc, 8), 3);
    cr_assert_eq(rt_json_values(o.out, "cost", cost, 8), 3);
    cr_assert_eq(rt_json_values(o.out, "seconds", secs, 8), 3);
    cr_assert_eq(rt_json_values(o.out, "samples_per_s", rate, 8), 3);
    cr_expect(strstr(o.out, "\"backend\":\"tcc\"") != NULL, "%s", o.out);
    cr_expect(ep[0] == 1 && ep[1] == 2 && ep[2] == 3);
    cr_expect(acc[2] >= 0.95, "accuracy after 3 epochs %g", acc[2]);
    cr_expect(cost[2] < cost[0], "cost did not fall: %g -> %g", cost[0], cost[2]);
    cr_expect(secs[0] > 0 && rate[0] > 0);
    /* stdout is JSON lines and nothing else */
    cr_expect(o.out[0] == '{' && !strstr(o.out, "\n\n") && !strchr(o.out, '\r'), "%s", o.out);
}

Test(run, text_mode_prints_one_line_per_epoch_and_no_bar_off_a_terminal)
{
    char net[256], data[256];
    const char *p;
    int lines = 0;
    rt_out o;
    rt_standard(300);
    rt_run(&o, (const char *const[]){ "run", rt_path(net, sizeof net, "syn.lua"), "--data",
                                       rt_path(data, sizeof data, "data"), "--epochs", "2",
                                       "--limit", "100", NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_expect(strstr(o.out, "100 training, 400 test samples") != NULL, "--limit: %s", o.out);
    for (p = o.out; (p = strstr(p, "\nepoch ")) != NULL; ++p) {
        ++lines;
        cr_expect(strstr(p, "test accuracy") && strstr(p, "samples/s"), "%s", p);
    }
    cr_expect_eq(lines, 2, "%s", o.out);
    cr_expect(strstr(o.out, "epoch 2/2  cost ") != NULL, "%s", o.out);
    cr_expect(!strchr(o.out, '\r') && !strchr(o.err, '\r'), "a bar was drawn off a TTY");
    cr_expect_str_empty(o.err);
}

Test(run, save_then_eval_reports_the_same_accuracy_and_a_confusion_matrix)
{
    char net[256], data[256], w[256];
    double acc_run[4], acc_eval[2];
    long rows[4] = { 0 }, total = 0;
    const char *p;
    int k, c;
    rt_out o;
    rt_standard(600);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(w, sizeof w, "w.bin");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "1", "--json",
                                       "--save", w, NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert_eq(rt_json_values(o.out, "accuracy", acc_run, 4), 1);
    rt_run(&o, (const char *const[]){ "eval", net, "--weights", w, "--data", data, "--json",
                                       NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert_eq(rt_json_values(o.out, "accuracy", acc_eval, 2), 1, "%s", o.out);
    cr_expect(strstr(o.out, "\"n\":400") != NULL, "%s", o.out);
    cr_expect_eq(acc_eval[0], acc_run[0], "eval %g, run %g", acc_eval[0], acc_run[0]);

    /* text: the matrix has one row per class summing to the test set */
    rt_run(&o, (const char *const[]){ "eval", net, "--weights", w, "--data", data, NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    p = strstr(o.out, "confusion matrix");
    cr_assert_not_null(p, "%s", o.out);
    p = strchr(p, '\n');
    p = strchr(p + 1, '\n');        /* skip the column header */
    for (k = 0; k < 4; ++k) {
        char *end;
        long label = strtol(p + 1, &end, 10), v;
        cr_assert_eq(label, k, "%s", o.out);
        for (c = 0; c < 4; ++c) {
            v = strtol(end, &end, 10);
            rows[k] += v;
        }
        total += rows[k];
        p = strchr(end, '\n');
        cr_assert_not_null(p);
    }
    cr_expect_eq(total, 400, "%s", o.out);
    cr_expect(strstr(o.out, "test accuracy ") != NULL && strstr(o.out, "cost ") != NULL);
}

/* Epoch by epoch with a reload in between == straight through, bit for bit. */
Test(run, resumed_run_ends_with_bit_identical_weights)
{
    char net[256], data[256], a[256], b[256];
    rt_out o;
    rt_standard(500);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(a, sizeof a, "a.bin");
    rt_path(b, sizeof b, "b.bin");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "2",
                                       "--seed", "7", "--save", a, "--json", NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "1",
                                       "--seed", "7", "--save", b, "--json", NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(rt_exists("b.bin.state"));
    cr_assert(!rt_same_file(a, b), "one epoch and two gave the same weights");
    /* the seed comes back from the state file: no --seed here */
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "2",
                                       "--load", b, "--save", b, "--json", NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_expect(strstr(o.out, "\"epoch\":2") && !strstr(o.out, "\"epoch\":1"), "%s", o.out);
    cr_expect(rt_same_file(a, b), "resumed weights differ from the uninterrupted run's");
    /* nothing left to do */
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "2",
                                       "--load", b, "--save", b, NULL }, NULL);
    cr_expect_eq(o.status, 0);
    cr_expect(strstr(o.err, "already been trained for 2 epochs") != NULL, "%s", o.err);
    cr_expect(rt_same_file(a, b));
}

/* Ctrl-C mid-epoch: status 130, the weights saved at the end of the
 * mini-batch, and the resumed run is still bit-identical. */
Test(run, ctrl_c_saves_exits_130_and_resumes_bit_identically)
{
    char net[256], data[256], a[256], b[256], line[512], errp[256], errtext[1024];
    const char *args[16];
    char *const *envp;
    int fd[2], st, k = 0;
    size_t got = 0;
    pid_t pid;
    rt_out o;
    rt_make_data("data", 100000, 50, 8, 8, 4, 0);   /* epochs long enough (~0.2 s) that Ctrl-C lands inside epoch 2 on a loaded machine */
    rt_make_net("syn.lua", "sigmoid", 8, 4);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(a, sizeof a, "a.bin");
    rt_path(b, sizeof b, "b.bin");
    rt_path(errp, sizeof errp, "stderr.txt");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "3",
                                       "--batch", "1", "--save", a, "--json", NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);

    /* the same run, interrupted during epoch 2 (after epoch 1's line) */
    args[k++] = rt_bin();
    args[k++] = "run"; args[k++] = "--backend"; args[k++] = "tcc"; args[k++] = net; args[k++] = "--data"; args[k++] = data;
    args[k++] = "--epochs"; args[k++] = "3"; args[k++] = "--batch"; args[k++] = "1";
    args[k++] = "--save"; args[k++] = b; args[k++] = "--json"; args[k] = NULL;
    cr_assert_eq(pipe(fd), 0);
    envp = rt_env(NULL);
    fflush(NULL);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd[1], 1);
        dup2(fe, 2);
        close(fd[0]);
        execve(args[0], (char *const *)args, envp);
        _exit(127);
    }
    close(fd[1]);
    while (got < sizeof line - 1 && read(fd[0], line + got, 1) == 1 && line[got] != '\n')
        ++got;
    line[got] = '\0';
    cr_assert(strstr(line, "\"epoch\":1") != NULL, "first line: %s", line);
    /* past what follows epoch 1's line (its save, the parameters' check):
     * well inside epoch 2, which takes ~0.2 s */
    usleep(50000);
    kill(pid, SIGINT);
    close(fd[0]);
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st), "killed by signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    cr_assert_eq(WEXITSTATUS(st), 130);
    rt_slurp(errp, errtext, sizeof errtext);
    cr_expect(strstr(errtext, "interrupted in epoch 2 after ") != NULL, "stderr: %s", errtext);
    unlink(errp);
    cr_assert(!rt_same_file(a, b));

    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "3",
                                       "--batch", "1", "--load", b, "--save", b, "--json",
                                       NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_expect(rt_same_file(a, b), "weights after Ctrl-C and resume differ");
}

/* kill -9 while weights are being saved after every (tiny) epoch: the file
 * left is complete, and the sidecar describes it, so the run resumes. */
Test(run, kill_9_leaves_complete_weights_that_the_state_file_describes)
{
    static const int delays_ms[3] = { 10, 45, 90 };
    char net[256], data[256], w[256], err[512], c;
    const char *args[16];
    int k, t;
    rt_make_data("data", 20, 20, 8, 8, 4, 0);
    rt_make_net("syn.lua", "sigmoid", 8, 4);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(w, sizeof w, "w.bin");
    for (t = 0; t < 3; ++t) {
        ckpt_info info;
        train_state st;
        char *const *envp;
        float *p;
        pid_t pid;
        int status, fd[2];
        k = 0;
        args[k++] = rt_bin();
        args[k++] = "run"; args[k++] = "--backend"; args[k++] = "tcc"; args[k++] = net; args[k++] = "--data"; args[k++] = data;
        args[k++] = "--epochs"; args[k++] = "1000000"; args[k++] = "--save"; args[k++] = w;
        args[k++] = "--json";
        if (t > 0) { args[k++] = "--load"; args[k++] = w; }
        args[k] = NULL;
        cr_assert_eq(pipe(fd), 0);
        envp = rt_env(NULL);
        fflush(NULL);
        pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
            int fn = open("/dev/null", O_WRONLY);
            dup2(fd[1], 1);
            dup2(fn, 2);
            close(fd[0]);
            execve(args[0], (char *const *)args, envp);
            _exit(127);
        }
        close(fd[1]);
        /* the first epoch's line comes after its save; then let it run on */
        while (read(fd[0], &c, 1) == 1 && c != '\n')
            ;
        usleep(delays_ms[t] * 1000);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        close(fd[0]);
        cr_assert(WIFSIGNALED(status), "the run ended before the kill (delay %d ms)",
                  delays_ms[t]);
        cr_assert_eq(ckpt_peek(w, &info, err, sizeof err), 0, "after kill %d: %s", t, err);
        p = malloc(info.count * sizeof *p);
        cr_assert_eq(ckpt_load(w, p, info.count, 4, info.arch_hash, err, sizeof err), 0,
                     "after kill %d: %s", t, err);
        cr_assert_eq(train_state_load(w, &st, err, sizeof err), 1, "%s", err);
        cr_expect_not_null(train_state_find(&st, train_params_hash(p, info.count)),
                           "after kill %d the state file does not describe the weights", t);
        free(p);
    }
}

/* Both backends train the same: the epochs' costs agree to float rounding. */
Test(run, tcc_and_cc_backends_report_the_same_costs)
{
    char net[256], data[256];
    double ct[4], cc[4], at[4], ac[4];
    int k;
    rt_out o;
    rt_standard(400);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "2", "--json",
                                       "--backend", "tcc", NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert_eq(rt_json_values(o.out, "cost", ct, 4), 2);
    rt_json_values(o.out, "accuracy", at, 4);
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "2", "--json",
                                       "--backend", "cc", NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert_eq(rt_json_values(o.out, "cost", cc, 4), 2);
    rt_json_values(o.out, "accuracy", ac, 4);
    cr_expect(strstr(o.out, "\"backend\":\"cc\"") != NULL);
    for (k = 0; k < 2; ++k) {
        cr_expect(fabs(ct[k] - cc[k]) <= 1e-4 * fabs(ct[k]) + 1e-6,
                  "epoch %d cost: tcc %.9g, cc %.9g", k + 1, ct[k], cc[k]);
        cr_expect(fabs(at[k] - ac[k]) <= 0.01, "epoch %d accuracy: tcc %g, cc %g", k + 1,
                  at[k], ac[k]);
    }
}

/* The same, batch by batch, in-process through train_epoch. */
static void rt_record(void *ctx, int done, int total, double batch_cost, double mean)
{
    double *v = ctx;
    (void)total;
    (void)mean;
    v[(done - 1) / 10] = batch_cost;
}

Test(run, tcc_and_cc_give_the_same_batch_costs_in_process)
{
    static const char *src =
        "return network { name = \"bk\", input = {1, 8, 8}, layers = {\n"
        "  conv { maps = 3, kernel = 3, act = \"tanh\" }, maxpool { size = 2 },\n"
        "  dense { units = 4, act = \"softmax\" } } }\n";
    net_api t, c;
    ds_split d;
    char err[1024];
    float *pt, *pc;
    double bt[30], bc[30];
    unsigned char img[300 * 64], lbl[300];
    rng_state r;
    train_ctx xt, xc;
    train_epoch_result rt, rc;
    int k;
    cr_assert_eq(tb_build(src, "float", NULL, "tcc", NULL, &t, err, sizeof err), 0, "%s", err);
    cr_assert_eq(tb_build(src, "float", NULL, "cc", "-O2", &c, err, sizeof err), 0, "%s", err);
    rng_seed(&r, 5);
    rt_synth(img, lbl, 300, 8, 8, 4, &r);
    memset(&d, 0, sizeof d);
    d.n = 300;
    d.rows = d.cols = 8;
    d.x = malloc(sizeof(float) * 300 * 64);
    d.y = malloc(sizeof(int) * 300);
    for (k = 0; k < 300 * 64; ++k)
        d.x[k] = img[k] / 255.0f;
    for (k = 0; k < 300; ++k)
        d.y[k] = lbl[k];
    pt = malloc(t.param_count * sizeof *pt);
    pc = malloc(c.param_count * sizeof *pc);
    t.init.f(pt, 9);
    c.init.f(pc, 9);
    cr_assert_eq(train_init(&xt, &t, pt, &d, 10, 0.3f, 0.1f, 9, err, sizeof err), 0, "%s", err);
    cr_assert_eq(train_init(&xc, &c, pc, &d, 10, 0.3f, 0.1f, 9, err, sizeof err), 0, "%s", err);
    train_epoch(&xt, 0, 0, rt_record, bt, &rt);
    train_epoch(&xc, 0, 0, rt_record, bc, &rc);
    cr_assert_eq(rt.samples, 300);
    for (k = 0; k < 30; ++k)
        cr_expect(fabs(bt[k] - bc[k]) <= 1e-4 * fabs(bt[k]) + 1e-6,
                  "batch %d: tcc %.9g, cc %.9g", k, bt[k], bc[k]);
    train_free(&xt);
    train_free(&xc);
    free(pt);
    free(pc);
    ds_split_free(&d);
    jit_release(&t);
    jit_release(&c);
}

/* ================================================================ */
/* The runtime in-process                                           */
/* ================================================================ */

Test(run, epoch_order_is_a_permutation_fixed_by_seed_and_epoch)
{
    int a[100], b[100], c[100], seen[100] = { 0 }, k, same = 1;
    train_order(a, 100, 42, 3);
    train_order(b, 100, 42, 3);
    train_order(c, 100, 42, 4);
    cr_assert_eq(memcmp(a, b, sizeof a), 0, "not reproducible");
    for (k = 0; k < 100; ++k) {
        cr_assert(a[k] >= 0 && a[k] < 100 && !seen[a[k]]);
        seen[a[k]] = 1;
        same &= a[k] == c[k];
    }
    cr_expect(!same, "epochs 3 and 4 share an order");
    train_order(c, 100, 43, 3);
    cr_expect(memcmp(a, c, sizeof a) != 0, "seeds 42 and 43 share an order");
}

Test(run, state_file_round_trips_and_keeps_the_last_two_saves)
{
    char w[256];
    train_state s, l;
    train_pos p;
    char err[512];
    int k;
    memset(&s, 0, sizeof s);
    s.arch_hash = 0x0123456789abcdefULL;
    s.seed = 18446744073709551615ULL;
    for (k = 1; k <= 3; ++k) {
        p.weights = 0x1000ULL * k;
        p.epoch = k;
        p.sample = 10 * k;
        train_state_push(&s, &p);
    }
    cr_assert_eq(s.n, 2);
    rt_path(w, sizeof w, "w.bin");
    cr_assert_eq(train_state_save(w, &s, err, sizeof err), 0, "%s", err);
    cr_assert_eq(rt_count_files(), 1, "a temporary was left");
    cr_assert_eq(train_state_load(w, &l, err, sizeof err), 1, "%s", err);
    cr_expect_eq(l.arch_hash, s.arch_hash);
    cr_expect_eq(l.seed, s.seed);
    cr_assert_eq(l.n, 2);
    cr_expect(l.pos[0].weights == 0x3000 && l.pos[0].epoch == 3 && l.pos[0].sample == 30);
    cr_expect(l.pos[1].weights == 0x2000 && l.pos[1].epoch == 2);
    cr_expect_null(train_state_find(&l, 0x1000));
    cr_expect_eq(train_state_find(&l, 0x2000)->epoch, 2);
    /* none, and a foreign one */
    rt_path(w, sizeof w, "none.bin");
    cr_expect_eq(train_state_load(w, &l, err, sizeof err), 0);
    rt_write("bad.bin.state", "hello\n");
    rt_path(w, sizeof w, "bad.bin");
    cr_expect_eq(train_state_load(w, &l, err, sizeof err), -1);
    cr_expect(strstr(err, "not a cnngen training state file") != NULL, "%s", err);
}

/* The sidecar's checksum of the weights is the one the weights file holds. */
Test(run, params_hash_is_the_weights_file_checksum)
{
    char w[256], err[512];
    float p[1000];
    unsigned char *data, *t;
    unsigned long long h = 0;
    size_t len;
    int k;
    for (k = 0; k < 1000; ++k)
        p[k] = (float)sin(k * 0.37) * 3.0f;
    rt_path(w, sizeof w, "w.bin");
    cr_assert_eq(ckpt_save(w, p, 1000, 4, 77, err, sizeof err), 0, "%s", err);
    data = (unsigned char *)fs_slurp(w, &len);
    cr_assert_not_null(data, "cannot read %s", w);
    t = data + len - 8;
    for (k = 7; k >= 0; --k)
        h = h << 8 | t[k];
    free(data);
    cr_expect_eq(train_params_hash(p, 1000), h);
}

/* Evaluation's cost, computed from the outputs, agrees with loss_grad's
 * (computed from z in the generated code) for every cost function. */
Test(run, evaluation_cost_matches_loss_grad_for_each_cost)
{
    static const char *const nets[3] = {
        "return network { name = \"c1\", input = {1, 8, 8}, cost = \"log-likelihood\",\n"
        "  layers = { dense { units = 5, act = \"sigmoid\" }, dense { units = 4, act = \"softmax\" } } }\n",
        "return network { name = \"c2\", input = {1, 8, 8}, cost = \"cross-entropy\",\n"
        "  layers = { dense { units = 5, act = \"tanh\" }, dense { units = 4, act = \"sigmoid\" } } }\n",
        "return network { name = \"c3\", input = {1, 8, 8}, cost = \"quadratic\",\n"
        "  layers = { dense { units = 5, act = \"relu\" }, dense { units = 4, act = \"sigmoid\" } } }\n",
    };
    static const train_cost kinds[3] = {
        TRAIN_COST_LOGLIK, TRAIN_COST_CROSSENTROPY, TRAIN_COST_QUADRATIC
    };
    unsigned char img[50 * 64], lbl[50];
    ds_split d;
    rng_state r;
    int i, k;
    memset(&d, 0, sizeof d);
    rng_seed(&r, 8);
    rt_synth(img, lbl, 50, 8, 8, 4, &r);
    d.n = 50;
    d.rows = d.cols = 8;
    d.x = malloc(sizeof(float) * 50 * 64);
    d.y = malloc(sizeof(int) * 50);
    for (k = 0; k < 50 * 64; ++k)
        d.x[k] = img[k] / 255.0f;
    for (k = 0; k < 50; ++k)
        d.y[k] = lbl[k];
    for (i = 0; i < 3; ++i) {
        net_api a;
        char err[1024];
        float *p, *g;
        void *w;
        double lc;
        train_eval_result ev;
        long sum = 0;
        cr_assert_eq(tb_build(nets[i], "float", NULL, "tcc", NULL, &a, err, sizeof err), 0,
                     "%s", err);
        p = malloc(a.param_count * sizeof *p);
        g = malloc(a.param_count * sizeof *g);
        w = malloc(a.work_size);
        a.init.f(p, 1);
        lc = a.loss_grad.f(p, w, d.x, d.y, d.n, g);
        cr_assert_eq(train_eval(&a, p, &d, kinds[i], NULL, NULL, &ev, err, sizeof err), 0);
        cr_expect(fabs(ev.cost - lc) <= 1e-5 * fabs(lc) + 1e-6, "net %d: eval %.9g, loss_grad %.9g",
                  i + 1, ev.cost, lc);
        cr_expect_eq(ev.n, 50);
        for (k = 0; k < 16; ++k)
            sum += ev.confusion[k];
        cr_expect_eq(sum, 50);
        for (k = 0, sum = 0; k < 4; ++k)
            sum += ev.confusion[k * 4 + k];
        cr_expect_eq(sum, ev.correct);
        train_eval_free(&ev);
        free(p);
        free(g);
        free(w);
        jit_release(&a);
    }
    ds_split_free(&d);
}

/* ================================================================ */
/* Errors: one line, the status, nothing left behind                */
/* ================================================================ */

Test(run, weights_of_another_architecture_are_refused)
{
    char net[256], other[256], data[256], w[256];
    rt_out o;
    rt_standard(100);
    rt_make_net("other.lua", "tanh", 8, 4);       /* same parameter count */
    rt_path(net, sizeof net, "syn.lua");
    rt_path(other, sizeof other, "other.lua");
    rt_path(data, sizeof data, "data");
    rt_path(w, sizeof w, "w.bin");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "1", "--save", w,
                                       "--json", NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    rt_run(&o, (const char *const[]){ "run", other, "--data", data, "--load", w, NULL }, NULL);
    rt_expect_error(&o, 1, "different network architecture");
    rt_run(&o, (const char *const[]){ "eval", other, "--data", data, "--weights", w, NULL }, NULL);
    rt_expect_error(&o, 1, "different network architecture");
    /* another parameter count */
    rt_make_net("five.lua", "sigmoid", 8, 5);
    rt_path(other, sizeof other, "five.lua");
    rt_run(&o, (const char *const[]){ "eval", other, "--data", data, "--weights", w, NULL }, NULL);
    rt_expect_error(&o, 1, "parameters");
}

Test(run, truncated_foreign_and_missing_weights_are_refused)
{
    char net[256], data[256], w[256], t[256], f[256], m[256];
    unsigned char *bytes;
    size_t len;
    FILE *fp;
    rt_out o;
    rt_standard(100);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(w, sizeof w, "w.bin");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "1", "--save", w,
                                       "--json", NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    bytes = (unsigned char *)fs_slurp(w, &len);
    cr_assert_not_null(bytes, "cannot read %s", w);
    fp = fopen(rt_path(t, sizeof t, "trunc.bin"), "wb");
    fwrite(bytes, 1, len - 9, fp);
    fclose(fp);
    free(bytes);
    rt_write("foreign.bin", "this is not a weights file, but it is long enough to have a header\n");
    rt_path(f, sizeof f, "foreign.bin");
    rt_path(m, sizeof m, "missing.bin");
    rt_run(&o, (const char *const[]){ "eval", net, "--data", data, "--weights", t, NULL }, NULL);
    rt_expect_error(&o, 1, "trunc.bin");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--load", t, NULL }, NULL);
    rt_expect_error(&o, 1, "trunc.bin");
    rt_run(&o, (const char *const[]){ "eval", net, "--data", data, "--weights", f, NULL }, NULL);
    rt_expect_error(&o, 1, "foreign.bin");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--load", m, NULL }, NULL);
    rt_expect_error(&o, 1, "missing.bin");
}

Test(run, data_that_does_not_fit_the_net_is_refused_before_training)
{
    char net[256], big[256], data[256], bad[256], w[256];
    int before;
    rt_out o;
    rt_standard(100);
    rt_make_data("badlabels", 100, 50, 8, 8, 4, 1);    /* test labels up to 4 */
    rt_make_net("big.lua", "sigmoid", 10, 4);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(big, sizeof big, "big.lua");
    rt_path(data, sizeof data, "data");
    rt_path(bad, sizeof bad, "badlabels");
    rt_path(w, sizeof w, "w.bin");
    before = rt_count_files();
    rt_run(&o, (const char *const[]){ "run", big, "--data", data, "--save", w, NULL }, NULL);
    rt_expect_error(&o, 1, "data has 8x8 images but the network takes [1][10][10]");
    rt_run(&o, (const char *const[]){ "run", net, "--data", bad, "--save", w, NULL }, NULL);
    rt_expect_error(&o, 1, "test label at index");
    cr_expect_eq(rt_count_files(), before, "a file was left behind");
}

Test(run, missing_data_says_how_to_get_it)
{
    char net[256], nod[256];
    rt_out o;
    rt_make_net("syn.lua", "sigmoid", 8, 4);
    rt_path(net, sizeof net, "syn.lua");
    rt_run(&o, (const char *const[]){ "run", net, "--data", "fashion-mnist", NULL },
           (const char *const[]){ "CNNGEN_DATASETS_DIR=/nonexistent-cnngen", NULL });
    rt_expect_error(&o, 1, "apt-get install dataset-fashion-mnist");
    /* the description's default data set is fashion-mnist */
    rt_run(&o, (const char *const[]){ "eval", net, "--weights", net, NULL },
           (const char *const[]){ "CNNGEN_DATASETS_DIR=/nonexistent-cnngen", NULL });
    cr_expect_eq(o.status, 1, "%s", o.err);     /* the weights are checked first */
    cr_assert_eq(mkdir(rt_path(nod, sizeof nod, "empty"), 0755), 0);
    rt_run(&o, (const char *const[]){ "run", net, "--data", nod, NULL }, NULL);
    rt_expect_error(&o, 1, "train-images-idx3-ubyte");
    rt_path(nod, sizeof nod, "no-such-dir");
    rt_run(&o, (const char *const[]){ "run", net, "--data", nod, NULL }, NULL);
    rt_expect_error(&o, 1, "unknown data set");
}

Test(run, bad_flags_exit_2_with_one_line)
{
    char net[256], data[256], w[256];
    rt_out o;
    rt_standard(100);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(w, sizeof w, "w.bin");
    rt_run(&o, (const char *const[]){ "run", net, "--epochs", "0", NULL }, NULL);
    rt_expect_error(&o, 2, "--epochs");
    rt_run(&o, (const char *const[]){ "run", net, "--eta", "fast", NULL }, NULL);
    rt_expect_error(&o, 2, "--eta");
    rt_run(&o, (const char *const[]){ "run", net, "--backend", "gcc", NULL }, NULL);
    rt_expect_error(&o, 2, "--backend");
    rt_run(&o, (const char *const[]){ "run", net, "--bogus", NULL }, NULL);
    rt_expect_error(&o, 2, "--bogus");
    rt_run(&o, (const char *const[]){ "run", net, "--batch", NULL }, NULL);
    rt_expect_error(&o, 2, "--batch needs a value");
    rt_run(&o, (const char *const[]){ "run", net, "-o", w, NULL }, NULL);
    rt_expect_error(&o, 2, "run does not take -o");
    rt_run(&o, (const char *const[]){ "run", net, "--real", "double", NULL }, NULL);
    rt_expect_error(&o, 2, "--real double");
    rt_run(&o, (const char *const[]){ "eval", net, "--data", data, NULL }, NULL);
    rt_expect_error(&o, 2, "eval needs --weights");
    rt_run(&o, (const char *const[]){ "eval", net, "--weights", w, "--epochs", "3", NULL }, NULL);
    rt_expect_error(&o, 2, "eval does not take --epochs");
    rt_run(&o, (const char *const[]){ "run", NULL }, NULL);
    rt_expect_error(&o, 2, "no network description");
    rt_write("broken.lua", "return network {\n  name = 3,\n}\n");
    rt_path(net, sizeof net, "broken.lua");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, NULL }, NULL);
    rt_expect_error(&o, 2, "broken.lua:");
    cr_expect(!rt_exists("w.bin"));
}

Test(run, save_to_a_path_it_cannot_write_fails_before_training)
{
    char net[256], data[256], w[256];
    rt_out o;
    rt_standard(100);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(w, sizeof w, "nowhere/w.bin");
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--save", w, NULL }, NULL);
    rt_expect_error(&o, 1, "nowhere");
    cr_expect_eq(strstr(o.out, "epoch 1/"), NULL, "it trained: %s", o.out);
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--save", data, NULL }, NULL);
    rt_expect_error(&o, 1, "is a directory");
    cr_expect_eq(strstr(o.out, "epoch 1/"), NULL, "it trained: %s", o.out);
}

/* ================================================================ */
/* The tiered backend (auto)                                        */
/* ================================================================ */

/* auto, with the switch pinned before mini-batch 6 (CNNGEN_AUTO_SWITCH_AT)
 * and a cache of its own: epoch 1 says tcc→cc, epoch 2 cc, and the run
 * ends where a cc run ends, to float rounding. */
Test(run, auto_starts_on_tcc_switches_to_cc_and_ends_like_a_cc_run, .timeout = 120)
{
    char net[256], data[256], wa[256], wc[256], xdg[300], cache[256];
    const char *const env[] = { xdg, "CNNGEN_AUTO_SWITCH_AT=5", NULL };
    rt_out oa, oc;
    rt_standard(400);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(wa, sizeof wa, "wa.bin");
    rt_path(wc, sizeof wc, "wc.bin");
    snprintf(xdg, sizeof xdg, "XDG_CACHE_HOME=%s", rt_path(cache, sizeof cache, "cache"));
    rt_run(&oa, (const char *const[]){ "run", net, "--data", data, "--epochs", "2", "--json",
                                        "--backend", "auto", "--save", wa, NULL }, env);
    cr_assert_eq(oa.status, 0, "stderr: %s", oa.err);
    cr_expect_str_empty(oa.err);
    cr_expect(strstr(oa.out, "\"epoch\":1,") && strstr(oa.out, "\"backend\":\"tcc\xe2\x86\x92"
                                                          "cc\"}\n{\"epoch\":2,"),
              "epoch 1 should report the switch: %s", oa.out);
    cr_expect(strstr(oa.out, "\"epoch\":2,") && strstr(oa.out, "\"backend\":\"cc\"}\n"),
              "epoch 2 should run on cc: %s", oa.out);
    rt_run(&oc, (const char *const[]){ "run", net, "--data", data, "--epochs", "2", "--json",
                                        "--backend", "cc", "--save", wc, NULL }, env);
    cr_assert_eq(oc.status, 0, "stderr: %s", oc.err);
    rt_expect_same_costs(oc.out, oa.out, 2, 1e-4);
    rt_expect_close_weights(wc, wa, 1e-4);

    /* on two threads too, from a cache of its own (so that it starts on
     * tcc: on a machine of 2 cores or fewer on one thread, then both) */
    snprintf(xdg, sizeof xdg, "XDG_CACHE_HOME=%s", rt_path(cache, sizeof cache, "cache2"));
    rt_run(&oa, (const char *const[]){ "run", net, "--data", data, "--epochs", "2", "--json",
                                        "--backend", "auto", "--threads", "2", "--save", wa,
                                        NULL }, env);
    cr_assert_eq(oa.status, 0, "stderr: %s", oa.err);
    cr_expect_str_empty(oa.err);
    cr_expect(strstr(oa.out, "\"backend\":\"tcc\xe2\x86\x92" "cc\"}\n{\"epoch\":2,"),
              "epoch 1 should report the switch: %s", oa.out);
    rt_expect_same_costs(oc.out, oa.out, 2, 1e-4);
    rt_expect_close_weights(wc, wa, 1e-4);
}

/* auto is the default of run; the header and the epoch lines say what
 * runs; once the cc build is in the cache, auto starts on it. */
Test(run, auto_is_the_default_and_the_progress_names_the_backend, .timeout = 120)
{
    char net[256], data[256], xdg[300], cache[256];
    const char *const env[] = { xdg, "CNNGEN_AUTO_SWITCH_AT=2", NULL };
    rt_out o;
    rt_standard(300);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    snprintf(xdg, sizeof xdg, "XDG_CACHE_HOME=%s", rt_path(cache, sizeof cache, "cache"));
    rt_run_as_is(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "2", NULL },
                 env);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_expect(strstr(o.out, "backend tcc (cc compiling in the background)") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "samples/s  tcc\xe2\x86\x92" "cc\nepoch 2/2") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "samples/s  cc\n") != NULL, "%s", o.out);
    rt_run_as_is(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "1", NULL },
                 env);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_expect(strstr(o.out, "backend cc (cached)") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "samples/s  cc\n") != NULL, "%s", o.out);
}

/* A run that ends before the cc build does not wait for it: the compiler
 * (here made to take 30 s) is stopped, so the cache holds no object and no
 * temporaries (had the run waited, the object would be there); a cc build
 * that fails leaves training on tcc with a note. */
Test(run, auto_does_not_wait_for_a_slow_cc_and_survives_a_failing_one, .timeout = 60)
{
    char net[256], data[256], xdg[300], cache[256], sub[512];
    const char *const slow[] = { xdg, "CC=sleep 30; cc", NULL };
    const char *const failing[] = { xdg, "CC=false", "CNNGEN_AUTO_SWITCH_AT=1", NULL };
    char **names;
    int leftovers = 0, n, i;
    rt_out o;
    rt_standard(100);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    snprintf(xdg, sizeof xdg, "XDG_CACHE_HOME=%s", rt_path(cache, sizeof cache, "cache"));
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "1", "--json",
                                       "--backend", "auto", NULL }, slow);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_expect(strstr(o.out, "\"backend\":\"tcc\"") != NULL, "%s", o.out);
    snprintf(sub, sizeof sub, "%s/cnngen", cache);
    n = fs_names(sub, &names);
    for (i = 0; i < n; ++i) {
        if (strstr(names[i], ".so") || strstr(names[i], "tmp"))
            ++leftovers, fprintf(stderr, "left in the cache: %s\n", names[i]);
        free(names[i]);
    }
    free(names);
    cr_expect_eq(leftovers, 0);

    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "1", "--json",
                                       "--backend", "auto", NULL }, failing);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_expect(strstr(o.err, "training goes on with tcc") != NULL, "%s", o.err);
    cr_expect(strstr(o.out, "\"backend\":\"tcc\"") != NULL, "%s", o.out);
}

/* ================================================================ */
/* Fashion-MNIST (skipped when the package is absent)               */
/* ================================================================ */

Test(run, nielsen1_learns_fashion_mnist_with_the_cc_backend, .timeout = 120)
{
    char net[512], w[256];
    const char *root = getenv("CNNGEN_ROOT"), *ds = getenv("CNNGEN_DATASETS_DIR");
    char fm[512];
    double acc_run[2], acc_eval[2];
    struct stat st;
    rt_out o;
    snprintf(fm, sizeof fm, "%s/fashion-mnist", ds && *ds ? ds : "/usr/share/datasets");
    if (stat(fm, &st) != 0) {
        cr_skip_test("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        return;
    }
    snprintf(net, sizeof net, "%s/examples/nielsen1.lua", root && *root ? root : ".");
    rt_path(w, sizeof w, "n1.bin");
    rt_run(&o, (const char *const[]){ "run", net, "--epochs", "1", "--limit", "3000",
                                       "--backend", "cc", "--json", "--save", w, NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert_eq(rt_json_values(o.out, "accuracy", acc_run, 2), 1, "%s", o.out);
    cr_expect(acc_run[0] > 0.3, "accuracy %g after 3000 samples", acc_run[0]);
    rt_run(&o, (const char *const[]){ "eval", net, "--weights", w, "--backend", "cc",
                                       "--json", NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert_eq(rt_json_values(o.out, "accuracy", acc_eval, 2), 1, "%s", o.out);
    cr_expect_eq(acc_eval[0], acc_run[0]);
    cr_expect(strstr(o.out, "\"n\":10000") != NULL, "%s", o.out);
}
