/*
 * test_run.c -- suite "run": `cnngen run` and `cnngen eval` end to end
 * (the built binary, $CNNGEN), and the runtime they stand on
 * (runtime/train.c, runtime/progress.c) in-process.
 *
 * Every test makes its own data: small IDX files of synthetic images in a
 * fresh temporary directory (4 classes on 8x8 images: each class lights a
 * 3x3 patch in its own corner, over noise), so a tiny conv net learns it in
 * a few epochs.  The one test that needs Fashion-MNIST skips, saying so,
 * when the Debian package is not installed.
 *
 * Properties covered: progress output (one line / one JSON object per
 * epoch), learning, weights round trip through the CLI (run --save, eval
 * --weights, run --load), resume bit-identical to an uninterrupted run
 * (after a clean stop and after Ctrl-C mid-epoch), tcc vs cc, and every
 * CLI error: one line on stderr, the documented status, no file left.
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

/* ================================================================ */
/* Fixtures: a temporary directory, data, descriptions              */
/* ================================================================ */

static char rt_dir[64];

static void rt_setup(void)
{
    strcpy(rt_dir, "/tmp/cnngen_run_XXXXXX");
    cr_assert_not_null(mkdtemp(rt_dir), "mkdtemp: %s", strerror(errno));
}

static void rt_teardown(void)
{
    rm_tree(rt_dir);
}

/* rt_dir/name into buf. */
static const char *rt_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", rt_dir, name);
    return buf;
}

static void rt_write(const char *name, const char *text)
{
    char p[256];
    FILE *f = fopen(rt_path(p, sizeof p, name), "w");
    cr_assert_not_null(f, "%s: %s", p, strerror(errno));
    fputs(text, f);
    fclose(f);
}

static int rt_exists(const char *name)
{
    char p[256];
    struct stat st;
    return stat(rt_path(p, sizeof p, name), &st) == 0;
}

/* Number of entries in rt_dir (to see that nothing was left behind). */
static int rt_count_files(void)
{
    int n;
    free(fs_listing(rt_dir, &n));
    return n;
}

/* Synthetic images of `classes` (≤ 4) classes, rows x cols (≥ 8x8): class
 * c lights the 3x3 patch at corner c, over noise in [0, 80). */
static void rt_synth(unsigned char *img, unsigned char *lbl, int n, int rows, int cols,
                     int classes, rng_state *r)
{
    static const int py[4] = { 1, 1, 4, 4 }, px[4] = { 1, 4, 1, 4 };
    int s, y, x;
    for (s = 0; s < n; ++s) {
        int c = rng_uniform_int(r, classes);
        unsigned char *im = img + (size_t)s * rows * cols;
        lbl[s] = (unsigned char)c;
        for (y = 0; y < rows; ++y)
            for (x = 0; x < cols; ++x) {
                int v = rng_uniform_int(r, 80);
                if (y >= py[c] && y < py[c] + 3 && x >= px[c] && x < px[c] + 3)
                    v += 170;
                im[y * cols + x] = (unsigned char)v;
            }
    }
}

/* A data set directory rt_dir/sub with ntrain / ntest synthetic samples;
 * label_bump is added to every test label (to make out-of-range labels).
 * The training images are gzip'd, the rest plain. */
static void rt_make_data(const char *sub, int ntrain, int ntest, int rows, int cols,
                         int classes, int label_bump)
{
    char dir[256], p[512];
    unsigned char *img, *lbl;
    unsigned dims[3];
    rng_state r;
    int s, n = ntrain > ntest ? ntrain : ntest;
    rt_path(dir, sizeof dir, sub);
    cr_assert_eq(mkdir(dir, 0755), 0, "mkdir %s: %s", dir, strerror(errno));
    img = malloc((size_t)n * rows * cols);
    lbl = malloc((size_t)n);
    cr_assert(img && lbl);
    rng_seed(&r, 12345);
    rt_synth(img, lbl, ntrain, rows, cols, classes, &r);
    dims[0] = (unsigned)ntrain;
    dims[1] = (unsigned)rows;
    dims[2] = (unsigned)cols;
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", dir);
    idxw_write(p, 3, dims, img, (size_t)ntrain * rows * cols, 1);
    snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte", dir);
    idxw_write(p, 1, dims, lbl, (size_t)ntrain, 0);
    rt_synth(img, lbl, ntest, rows, cols, classes, &r);
    for (s = 0; s < ntest; ++s)
        lbl[s] = (unsigned char)(lbl[s] + label_bump);
    dims[0] = (unsigned)ntest;
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", dir);
    idxw_write(p, 3, dims, img, (size_t)ntest * rows * cols, 0);
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", dir);
    idxw_write(p, 1, dims, lbl, (size_t)ntest, 0);
    free(img);
    free(lbl);
}

/* The synthetic net's description, written to rt_dir/name. act: the conv
 * layer's activation (changing it keeps the parameter count and changes
 * the architecture); side: input size. */
static void rt_make_net(const char *name, const char *act, int side, int classes)
{
    char text[1024];
    snprintf(text, sizeof text,
             "return network {\n"
             "  name = \"syn\",\n"
             "  input = { 1, %d, %d },\n"
             "  layers = {\n"
             "    conv { maps = 4, kernel = 3, act = \"%s\" },\n"
             "    maxpool { size = 2 },\n"
             "    dense { units = %d, act = \"softmax\" },\n"
             "  },\n"
             "  cost = \"log-likelihood\",\n"
             "  train = { eta = 0.5, batch = 10, l2 = 0.1, epochs = 2, seed = 3 },\n"
             "}\n", side, side, act, classes);
    rt_write(name, text);
}

/* The usual fixture: data in rt_dir/data, the net in rt_dir/syn.lua. */
static void rt_standard(int ntrain)
{
    rt_make_data("data", ntrain, 400, 8, 8, 4, 0);
    rt_make_net("syn.lua", "sigmoid", 8, 4);
}

/* ================================================================ */
/* Running the binary                                               */
/* ================================================================ */

typedef struct rt_out {
    int status;                 /* exit status, or 128 + signal */
    char out[16384], err[4096];
} rt_out;

static const char *rt_bin(void)
{
    const char *b = getenv("CNNGEN");
    return b && *b ? b : "build/cnngen";
}

static void rt_slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    if (f) {
        n = fread(buf, 1, len - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
}

/* The child's environment, built before fork (the child only execs):
 * ours, with the cc cache in the shared test directory and modest flags
 * (tests care about agreement, not speed), plus extra "K=V" entries.
 * Returns a static array. */
extern char **environ;

static char *const *rt_env(const char *const *extra)
{
    static char cache[300], cflags[] = "CFLAGS=-O2";
    static char *env[256];
    char dir[256];
    int n = 0, k;
    snprintf(dir, sizeof dir, "%s/xdg", tb_tmpdir());
    mkdir(dir, 0700);
    snprintf(cache, sizeof cache, "XDG_CACHE_HOME=%s", dir);
    for (k = 0; extra && extra[k]; ++k)         /* a test's own cache replaces the shared one */
        if (!strncmp(extra[k], "XDG_CACHE_HOME=", 15))
            cache[0] = '\0';
    for (k = 0; environ[k] && n < 240; ++k) {
        const char *const *x;
        int keep = strncmp(environ[k], "XDG_CACHE_HOME=", 15) && strncmp(environ[k], "CFLAGS=", 7);
        for (x = extra; keep && x && *x; ++x) {
            size_t len = strcspn(*x, "=") + 1;      /* "K=" */
            keep = strncmp(environ[k], *x, len) != 0;
        }
        if (keep)
            env[n++] = environ[k];
    }
    if (cache[0])
        env[n++] = cache;
    env[n++] = cflags;
    for (; extra && *extra && n < 255; ++extra)
        env[n++] = (char *)*extra;
    env[n] = NULL;
    return env;
}

/* Run cnngen with args (NULL-terminated, without argv[0]) and extra
 * environment entries "K=V"; capture stdout and stderr. Runs in rt_dir's
 * parent so relative paths do not matter: callers pass absolute ones.
 *
 * A `run` that names no backend gets `--backend tcc` (right after "run",
 * so it cannot become another flag's value): these tests are about
 * training, resuming and output, and compare runs bit for bit; the default
 * backend, auto, switches to cc at a moment that depends on timing.  The
 * tests of auto name it. */
static int rt_as_is;             /* 1: rt_run adds no --backend (rt_run_as_is) */

static void rt_run(rt_out *o, const char *const *args, const char *const *env)
{
    const char *argv[44];
    proc_result r;
    int k = 0, i, named = 0;
    argv[k++] = rt_bin();
    for (i = 0; args[i]; ++i)
        named |= !strcmp(args[i], "--backend") || !strncmp(args[i], "--backend=", 10);
    for (i = 0; args[i] && k < 41; ++i) {
        argv[k++] = args[i];
        if (i == 0 && !strcmp(args[0], "run") && !named && !rt_as_is) {
            argv[k++] = "--backend";
            argv[k++] = "tcc";
        }
    }
    argv[k] = NULL;
    proc_run(&r, NULL, (char *const *)argv, rt_env(env), 0);
    o->status = r.signal ? 128 + r.signal : r.status;
    snprintf(o->out, sizeof o->out, "%s", r.out);
    snprintf(o->err, sizeof o->err, "%s", r.err);
    proc_free(&r);
}

/* Exactly one line on stderr, containing `want`, and the status. */
static void rt_expect_error(const rt_out *o, int status, const char *want)
{
    cr_expect_eq(o->status, status, "status %d, want %d; stderr: %s", o->status, status, o->err);
    cr_expect(proc_one_line(o->err), "not exactly one line on stderr: [%s]", o->err);
    cr_expect(strstr(o->err, want) != NULL, "stderr [%s] lacks [%s]", o->err, want);
}

/* The values of key in each JSON line of text (at most max); returns how
 * many lines had it. */
static int rt_json_values(const char *text, const char *key, double *v, int max)
{
    char pat[64];
    int n = 0;
    const char *p = text;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    while (n < max && (p = strstr(p, pat)) != NULL) {
        p += strlen(pat);
        v[n++] = strtod(p, NULL);
    }
    return n;
}

static void rt_read_file(const char *path, unsigned char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    long n;
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *data = malloc((size_t)n + 1);
    *len = fread(*data, 1, (size_t)n, f);
    fclose(f);
}

/* 1 when two files have the same bytes. */
static int rt_same_file(const char *a, const char *b)
{
    unsigned char *x, *y;
    size_t nx, ny;
    int same;
    rt_read_file(a, &x, &nx);
    rt_read_file(b, &y, &ny);
    same = nx == ny && memcmp(x, y, nx) == 0;
    free(x);
    free(y);
    return same;
}

TestSuite(run, .init = rt_setup, .fini = rt_teardown, .timeout = 60);

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
    rt_read_file(w, &data, &len);
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
    rt_read_file(w, &bytes, &len);
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
/* Threads, the tiered backend (auto), bench                        */
/* ================================================================ */

/* rt_run, exactly these arguments (the default backend stays the default). */
static void rt_run_as_is(rt_out *o, const char *const *args, const char *const *env)
{
    rt_as_is = 1;
    rt_run(o, args, env);
    rt_as_is = 0;
}

/* The parameters of a weights file (malloc'd), *count of them. */
static float *rt_weights(const char *path, size_t *count)
{
    char err[512];
    ckpt_info info;
    float *p;
    cr_assert_eq(ckpt_peek(path, &info, err, sizeof err), 0, "%s", err);
    p = malloc((size_t)info.count * sizeof *p);
    cr_assert_not_null(p);
    cr_assert_eq(ckpt_load(path, p, (size_t)info.count, 4, info.arch_hash, err, sizeof err), 0,
                 "%s", err);
    *count = (size_t)info.count;
    return p;
}

/* Two weights files agree to tol (relative to max(1, |w|)). */
static void rt_expect_close_weights(const char *a, const char *b, double tol)
{
    size_t na, nb, i, worst = 0;
    float *x = rt_weights(a, &na), *y = rt_weights(b, &nb);
    double wd = 0.0;
    cr_assert_eq(na, nb);
    for (i = 0; i < na; ++i) {
        double d = fabs((double)x[i] - (double)y[i]) / fmax(1.0, fabs((double)x[i]));
        if (!(d <= wd)) {
            wd = d;
            worst = i;
        }
    }
    cr_expect(wd <= tol, "%s and %s: parameter %zu: %.9g vs %.9g", a, b, worst, x[worst],
              y[worst]);
    free(x);
    free(y);
}

/* The epochs' costs of two JSON outputs agree to tol. */
static void rt_expect_same_costs(const char *out1, const char *out2, int epochs, double tol)
{
    double c1[8], c2[8];
    int k;
    cr_assert_eq(rt_json_values(out1, "cost", c1, 8), epochs, "%s", out1);
    cr_assert_eq(rt_json_values(out2, "cost", c2, 8), epochs, "%s", out2);
    for (k = 0; k < epochs; ++k)
        cr_expect(fabs(c1[k] - c2[k]) <= tol * fabs(c1[k]) + 1e-6, "epoch %d cost %.9g vs %.9g",
                  k + 1, c1[k], c2[k]);
}

Test(run, two_threads_train_like_one)
{
    char net[256], data[256], w1[256], w2[256];
    rt_out o1, o2;
    rt_standard(600);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(w1, sizeof w1, "w1.bin");
    rt_path(w2, sizeof w2, "w2.bin");
    rt_run(&o1, (const char *const[]){ "run", net, "--data", data, "--epochs", "2", "--json",
                                        "--save", w1, NULL }, NULL);
    cr_assert_eq(o1.status, 0, "stderr: %s", o1.err);
    rt_run(&o2, (const char *const[]){ "run", net, "--data", data, "--epochs", "2", "--json",
                                        "--threads", "2", "--save", w2, NULL }, NULL);
    cr_assert_eq(o2.status, 0, "stderr: %s", o2.err);
    rt_expect_same_costs(o1.out, o2.out, 2, 1e-4);
    rt_expect_close_weights(w1, w2, 1e-4);
    rt_run(&o2, (const char *const[]){ "run", net, "--data", data, "--epochs", "1", "--threads",
                                        "3", "--batch", "7", NULL }, NULL);
    cr_assert_eq(o2.status, 0, "stderr: %s", o2.err);
    cr_expect(strstr(o2.out, ", 3 threads;") != NULL, "%s", o2.out);
}

/* --chunk changes the work struct, not the training: the same weights
 * bit for bit with a chunk of 3 as with the description's batch of 10
 * (the generated code sums in one order whatever the chunk), on each
 * backend. */
Test(run, chunk_changes_the_work_struct_not_the_results)
{
    static const char *const backends[] = { "tcc", "cc" };
    char p[4][256];             /* the net, the data, the weights of each run */
    rt_out o[2];
    size_t b;
    rt_standard(300);
    rt_path(p[0], sizeof p[0], "syn.lua");
    rt_path(p[1], sizeof p[1], "data");
    for (b = 0; b < 2; ++b) {
        rt_path(p[2], sizeof p[2], "whole.bin");
        rt_path(p[3], sizeof p[3], "chunk3.bin");
        rt_run(&o[0], (const char *const[]){ "run", p[0], "--data", p[1], "--epochs", "1", "--json",
                                              "--backend", backends[b], "--save", p[2], NULL }, NULL);
        rt_run(&o[1], (const char *const[]){ "run", p[0], "--data", p[1], "--epochs", "1", "--json",
                                              "--backend", backends[b], "--chunk", "3", "--save", p[3],
                                              NULL }, NULL);
        cr_assert(o[0].status == 0 && o[1].status == 0, "stderr: %s / %s", o[0].err, o[1].err);
        rt_expect_same_costs(o[0].out, o[1].out, 1, 0.0);
        rt_expect_close_weights(p[2], p[3], 0.0);
    }
}

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

Test(run, bench_measures_every_backend_and_writes_json, .timeout = 180)
{
    static const char *const keys[] = { "net", "backend", "threads", "batch",
                                        "train_samples_per_s", "infer_us", "gflops",
                                        "peak_fraction", NULL };
    char n1[256], n2[256], data[256], json[256], tmp[256], tmpenv[300];
    const char *const env[] = { tmpenv, NULL };
    unsigned char *text;
    size_t len;
    const char *p;
    double v[64];
    int k, rows = 0, train = 0, infer = 0, build = 0, peak = 0;
    rt_out o;
    rt_standard(600);
    rt_make_net("syn2.lua", "tanh", 8, 4);
    rt_path(n1, sizeof n1, "syn.lua");
    rt_path(n2, sizeof n2, "syn2.lua");
    rt_path(data, sizeof data, "data");
    rt_path(json, sizeof json, "bench.json");
    cr_assert_eq(mkdir(rt_path(tmp, sizeof tmp, "tmp"), 0755), 0);
    snprintf(tmpenv, sizeof tmpenv, "TMPDIR=%s", tmp);
    rt_run(&o, (const char *const[]){ "bench", n1, n2, "--data", data, "--runs", "1",
                                       "--min-time", "0.01", "--out", json, NULL }, env);
    cr_assert_eq(o.status, 0, "stderr: %s\nstdout: %s", o.err, o.out);
    cr_expect(strstr(o.out, "peak: ") && strstr(o.out, "GFLOPS"), "%s", o.out);
    cr_expect(strstr(o.out, "medians of 1 runs") != NULL, "%s", o.out);
    rt_read_file(json, &text, &len);
    text[len] = '\0';
    cr_expect(text[0] == '[' && strstr((char *)text, "]\n"), "%s", text);
    for (p = (char *)text; (p = strstr(p, "{\"kind\":\"")) != NULL; ++p) {
        const char *end = strchr(p, '}');
        ++rows;
        train += !strncmp(p + 9, "train\"", 6);     /* p + 9: after {"kind":" */
        infer += !strncmp(p + 9, "infer\"", 6);
        build += !strncmp(p + 9, "build\"", 6);
        peak += !strncmp(p + 9, "peak\"", 5);
        for (k = 0; keys[k]; ++k) {
            char key[64];
            const char *at;
            snprintf(key, sizeof key, "\"%s\":", keys[k]);
            at = strstr(p, key);
            cr_expect(at && at < end, "a row lacks %s: %.200s", keys[k], p);
        }
    }
    /* 2 nets x (3 backends x 2 threads x 2 batches) training rows;
     * 2 nets x 2 backends x (batch 1 + batch 256 on 1 and 2 threads) */
    cr_expect_eq(train, 24, "%s", text);
    cr_expect_eq(infer, 12, "%s", text);
    cr_expect_eq(build, 4, "%s", text);
    cr_expect_eq(peak, 1, "%s", text);
    cr_expect_eq(rows, 41);
    cr_expect_eq(rt_json_values((char *)text, "train_samples_per_s", v, 64), 41);
    free(text);
    /* the scratch caches are gone */
    {
        int n;
        free(fs_listing(tmp, &n));
        cr_expect_eq(n, 0, "bench left files in TMPDIR");
    }
}

Test(run, bench_and_threads_flags_are_checked)
{
    char net[256], w[256];
    rt_out o;
    rt_standard(100);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(w, sizeof w, "b.json");
    rt_run(&o, (const char *const[]){ "bench", net, "--json", w, NULL }, NULL);
    rt_expect_error(&o, 2, "--out");
    rt_run(&o, (const char *const[]){ "bench", net, "--runs", "0", NULL }, NULL);
    rt_expect_error(&o, 2, "--runs");
    rt_run(&o, (const char *const[]){ "bench", net, "--save", w, NULL }, NULL);
    rt_expect_error(&o, 2, "bench does not take --save");
    rt_run(&o, (const char *const[]){ "run", net, "--out", w, NULL }, NULL);
    rt_expect_error(&o, 2, "--out is an option of bench");
    rt_run(&o, (const char *const[]){ "run", net, "--threads", "0", NULL }, NULL);
    rt_expect_error(&o, 2, "--threads");
    rt_run(&o, (const char *const[]){ "info", net, "--threads", "2", NULL }, NULL);
    rt_expect_error(&o, 2, "--threads is an option of run and bench");
    rt_run(&o, (const char *const[]){ "run", net, net, NULL }, NULL);
    rt_expect_error(&o, 2, "unexpected argument");
    cr_expect(!rt_exists("b.json"));
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

/* ================================================================ */
/* Experiments: scripts that drive the cnngen module                */
/* ================================================================ */

/* A script that splits, compiles, trains, evaluates, saves, loads and
 * predicts; every step prints something the test checks. */
Test(run, experiment_script_drives_the_cnngen_module, .timeout = 120)
{
    char script[2048], data[256], w[256], path[256];
    rt_out o;
    double acc_train, acc_eval, acc_loaded;
    int ntr, nva, cls;
    rt_make_data("data", 1200, 400, 8, 8, 4, 0);
    rt_path(data, sizeof data, "data");
    rt_path(w, sizeof w, "exp.bin");
    snprintf(script, sizeof script,
             "local function net()\n"
             "  return network { name = \"syn\", input = { 1, 8, 8 },\n"
             "    layers = { conv { maps = 4, kernel = 3, act = \"relu\" }, maxpool { size = 2 },\n"
             "               dense { units = 4, act = \"softmax\" } },\n"
             "    train = { eta = 0.1, batch = 10, seed = 2 } }\n"
             "end\n"
             "local d = cnngen.data(\"%s\")\n"
             "local tr, va = d:split(1000)\n"
             "print(\"sizes\", tr:size())\n"
             "local m = cnngen.compile(net(), { backend = \"tcc\" })\n"
             "print(\"trained\", m:train(tr, { epochs = 3 }))\n"
             "print(\"evaluated\", (m:evaluate(tr)))\n"
             "m:save(\"%s\")\n"
             "local m2 = cnngen.compile(net())\n"
             "m2:load(\"%s\")\n"
             "print(\"loaded\", (m2:evaluate(tr)))\n"
             "local img = {} for i = 1, 64 do img[i] = 0 end\n"
             "for y = 1, 3 do for x = 1, 3 do img[(y + 0) * 8 + x + 1] = 1 end end\n"
             "print(\"class\", (m2:predict(img)))\n", data, w, w);
    rt_write("exp.lua", script);
    rt_run(&o, (const char *const[]){ "run", rt_path(path, sizeof path, "exp.lua"), NULL }, NULL);
    cr_assert_eq(o.status, 0, "stderr: %s\nstdout: %s", o.err, o.out);
    cr_assert(sscanf(strstr(o.out, "sizes"), "sizes %d %d", &ntr, &nva) == 2, "%s", o.out);
    cr_expect_eq(ntr, 1000);
    cr_expect_eq(nva, 200);
    cr_assert(strstr(o.out, "epoch 3/3") != NULL, "%s", o.out);
    cr_assert(sscanf(strstr(o.out, "trained"), "trained %lf", &acc_train) == 1, "%s", o.out);
    cr_assert(sscanf(strstr(o.out, "evaluated"), "evaluated %lf", &acc_eval) == 1, "%s", o.out);
    cr_assert(sscanf(strstr(o.out, "loaded"), "loaded %lf", &acc_loaded) == 1, "%s", o.out);
    cr_assert(sscanf(strstr(o.out, "class"), "class %d", &cls) == 1, "%s", o.out);
    cr_expect(acc_train > 0.9, "validation accuracy %g", acc_train);
    cr_expect_eq(acc_eval, acc_train, "evaluate gives what train reported");
    cr_expect_eq(acc_loaded, acc_train, "the saved and loaded weights give the same accuracy");
    cr_expect_eq(cls, 0, "a bright top-left patch is class 0");
    cr_expect(rt_exists("exp.bin"));
}

/* A mistake inside a script: one line naming the script's line, exit 2. */
Test(run, experiment_errors_name_the_script_line, .timeout = 60)
{
    char path[256];
    rt_out o;
    rt_write("bad.lua",
             "local m = cnngen.compile(network { name = \"t\", input = { 1, 8, 8 },\n"
             "  layers = { dense { units = 4, act = \"softmax\" } } })\n"
             "m:train(cnngen.data(\"/nonexistent/dir\"))\n");
    rt_run(&o, (const char *const[]){ "run", rt_path(path, sizeof path, "bad.lua"), NULL }, NULL);
    cr_assert_eq(o.status, 2, "stderr: %s", o.err);
    cr_assert(proc_one_line(o.err), "one line: %s", o.err);
    cr_expect(strstr(o.err, "bad.lua:3: ") != NULL, "%s", o.err);
}
