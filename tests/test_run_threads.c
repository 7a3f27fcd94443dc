/*
 * test_run_threads.c -- suite "run_threads": `cnngen run --threads`, end
 * to end on synthetic data (tests/support/runfix.h): two threads train as
 * one does, and the progress line says how many threads ran.
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

TestSuite(run_threads, .init = rt_setup, .fini = fs_scratch_remove, .timeout = 60);

Test(run_threads, two_threads_train_like_one)
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
