/*
 * test_bench.c -- suite "bench": `cnngen bench` end to end on synthetic
 * data (tests/support/runfix.h): it measures every backend, prints and
 * writes the per-layer breakdown and the memory bound, writes its JSON,
 * leaves no scratch cache behind, and checks its flags (and --threads
 * where it means nothing).
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "proc.h"
#include "runfix.h"

TestSuite(bench, .init = rt_setup, .fini = fs_scratch_remove, .timeout = 60);

Test(bench, measures_every_backend_and_writes_json, .timeout = 180)
{
    static const char *const keys[] = { "net", "backend", "threads", "batch",
                                        "train_samples_per_s", "infer_us", "gflops",
                                        "peak_fraction", NULL };
    char n1[256], n2[256], data[256], json[256], tmp[256], tmpenv[300];
    const char *const env[] = { tmpenv, NULL };
    unsigned char *text;
    size_t len;
    const char *p;
    double v[128];
    int k, rows = 0, train = 0, infer = 0, build = 0, peak = 0, layer = 0, memory = 0, barrier = 0;
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
    /* the cc backend's compiler and flags: $CFLAGS, which the fixture sets
     * to -O2 (runfix.c) */
    cr_expect(strstr(o.out, "\ncc backend: ") && strstr(o.out, " -O2\n"), "%s", o.out);
    text = (unsigned char *)fs_slurp(json, &len);
    cr_assert_not_null(text, "cannot read %s", json);
    text[len] = '\0';
    cr_expect(text[0] == '[' && strstr((char *)text, "]\n"), "%s", text);
    for (p = (char *)text; (p = strstr(p, "{\"kind\":\"")) != NULL; ++p) {
        const char *end = strchr(p, '}');
        ++rows;
        train += !strncmp(p + 9, "train\"", 6);     /* p + 9: after {"kind":" */
        infer += !strncmp(p + 9, "infer\"", 6);
        build += !strncmp(p + 9, "build\"", 6);
        peak += !strncmp(p + 9, "peak\"", 5);
        layer += !strncmp(p + 9, "layer\"", 6);
        memory += !strncmp(p + 9, "memory\"", 7);
        barrier += !strncmp(p + 9, "barrier\"", 8);
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
    /* 2 nets x (conv: forward, backward, sgd; maxpool: forward, backward;
     * dense: forward, backward, sgd; the net's cost, zero, sum, step and the
     * profile build's step) */
    cr_expect_eq(layer, 26, "%s", text);
    cr_expect_eq(memory, 2, "%s", text);
    cr_expect_eq(barrier, 1, "%s", text);
    cr_expect_eq(rows, 70);
    cr_expect_eq(rt_json_values((char *)text, "train_samples_per_s", v, 128), 70);
    /* the two threads' barrier (the default --threads 2): timed, and
     * printed before the table */
    cr_expect_eq(rt_json_values((char *)text, "barrier_ns", v, 128), 1);
    cr_expect(isfinite(v[0]) && v[0] > 0 && v[0] < 1e7, "barrier_ns %g", v[0]);
    cr_expect(strstr(o.out, "\nbarrier: 2 threads meet in ") != NULL, "%s", o.out);
    /* the breakdown: a row per pass, each timed, the step beside the sum */
    cr_expect(strstr(o.out, "layers cc, 1 thread, batch 10") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "1 conv     forward") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "3 dense    backward da+dw") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "1 conv     backward dw ") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "3 dense    sgd") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "- net      step ") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "- net      step, profile build") != NULL, "%s", o.out);
    cr_expect_eq(rt_json_values((char *)text, "us_per_sample", v, 128), 26);
    for (k = 0; k < 26; ++k)
        cr_expect(isfinite(v[k]) && v[k] >= 0, "us_per_sample %g", v[k]);
    /* the bounds: positive and finite, and which is nearer said */
    {
        static const char *const bounds[] = { "read_gb_per_s", "update_gb_per_s",
                                              "train_bytes_per_sample", "train_memory_bound_us",
                                              "train_compute_bound_us", "train_us",
                                              "infer_memory_bound_us", "infer_compute_bound_us",
                                              "infer_measured_us", NULL };
        for (k = 0; bounds[k]; ++k) {
            int i, n = rt_json_values((char *)text, bounds[k], v, 128);
            cr_expect_eq(n, 2, "%s: %d values", bounds[k], n);
            for (i = 0; i < n; ++i)
                cr_expect(isfinite(v[i]) && v[i] > 0, "%s = %g", bounds[k], v[i]);
        }
    }
    cr_expect(strstr(o.out, "memory bound") && strstr(o.out, "is nearer"), "%s", o.out);
    /* the peak's clock: unknown (0) or a core clock, and FMAs a cycle that
     * a core can issue (2 vector FMA units at most on any x86 core so far;
     * the clock once read 22.7 GHz on an Intel core that folds chains of
     * adds of an immediate) */
    cr_expect_eq(rt_json_values((char *)text, "ghz", v, 128), 1);
    cr_expect(v[0] == 0 || (v[0] >= 0.5 && v[0] <= 7.0), "the peak's clock: %g GHz", v[0]);
    cr_expect_eq(rt_json_values((char *)text, "fma_per_cycle", v, 128), 1);
    cr_expect(v[0] >= 0 && v[0] <= 3.0, "the peak: %g vector FMAs a cycle", v[0]);
    free(text);
    /* the scratch caches are gone */
    {
        int n;
        free(fs_listing(tmp, &n));
        cr_expect_eq(n, 0, "bench left files in TMPDIR");
    }
}

Test(bench, flags_and_threads_flags_are_checked)
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

/* One thread meets no one: no barrier is timed or reported. */
Test(bench, one_thread_times_no_barrier, .timeout = 120)
{
    char net[256], data[256], json[256], tmp[256], tmpenv[300];
    const char *const env[] = { tmpenv, NULL };
    unsigned char *text;
    size_t len;
    rt_out o;
    rt_standard(300);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(json, sizeof json, "one.json");
    cr_assert_eq(mkdir(rt_path(tmp, sizeof tmp, "tmp"), 0755), 0);
    snprintf(tmpenv, sizeof tmpenv, "TMPDIR=%s", tmp);
    rt_run(&o, (const char *const[]){ "bench", net, "--data", data, "--runs", "1", "--min-time",
                                       "0.01", "--threads", "1", "--backend", "tcc", "--batch",
                                       "10", "--out", json, NULL }, env);
    cr_assert_eq(o.status, 0, "stderr: %s\nstdout: %s", o.err, o.out);
    cr_expect(strstr(o.out, "barrier") == NULL, "%s", o.out);
    cr_expect(strstr(o.out, " train ") != NULL, "%s", o.out);
    text = (unsigned char *)fs_slurp(json, &len);
    cr_assert_not_null(text, "cannot read %s", json);
    text[len] = '\0';
    cr_expect(strstr((char *)text, "\"barrier") == NULL, "%s", text);
    cr_expect(strstr((char *)text, "{\"kind\":\"train\"") != NULL, "%s", text);
    free(text);
}
