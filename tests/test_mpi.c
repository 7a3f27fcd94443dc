/*
 * test_mpi.c -- suite "mpi": `mpirun -np N cnngen run` on this machine
 * (mpirun --oversubscribe, tests/support/mpirun.h), on synthetic data
 * (tests/support/runfix.h) and the tcc backend.
 *
 * Properties covered: N ranks of one thread train exactly as --threads N
 * (bit for bit), run after run; ranks times threads train as one process
 * does, to rounding; the epoch line names ranks and threads; a run
 * stopped and resumed under 2 ranks ends where an unbroken one does, and
 * resumes without mpirun; a rank killed mid-epoch ends the job within
 * seconds and the last save loads; a rank that cannot set up, or whose
 * parameters drift, ends the job with one line naming it; a plain run
 * neither links nor looks for MPI.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "mpirun.h"
#include "proc.h"
#include "runfix.h"

TestSuite(mpi, .init = rt_setup, .fini = fs_scratch_remove, .timeout = 120);

/* A run of the standard fixture, under mpirun with np ranks (0: without
 * mpirun) and `threads` threads each, saving to <scratch>/save. */
static void mpi_train(rt_out *o, int np, int threads, int epochs, const char *save,
                      const char *load)
{
    char net[256], data[256], w[256], l[256], n[16], t[16], e[16];
    const char *args[32];
    int k = 0;
    snprintf(n, sizeof n, "%d", np);
    snprintf(t, sizeof t, "%d", threads);
    snprintf(e, sizeof e, "%d", epochs);
    if (np > 0) {
        args[k++] = "-np";
        args[k++] = n;
        args[k++] = "@";
    }
    args[k++] = "run";
    args[k++] = rt_path(net, sizeof net, "syn.lua");
    args[k++] = "--data";
    args[k++] = rt_path(data, sizeof data, "data");
    args[k++] = "--backend";
    args[k++] = "tcc";
    args[k++] = "--epochs";
    args[k++] = e;
    args[k++] = "--threads";
    args[k++] = t;
    args[k++] = "--json";
    args[k++] = "--save";
    args[k++] = rt_path(w, sizeof w, save);
    if (load) {
        args[k++] = "--load";
        args[k++] = rt_path(l, sizeof l, load);
    }
    args[k] = NULL;
    if (np > 0)
        rt_mpirun(o, 1, args, NULL, NULL);
    else
        rt_run_as_is(o, args, NULL);
    cr_assert_eq(o->status, 0, "np %d, %d threads: status %d, stderr: %s", np, threads,
                 o->status, o->err);
}

static int same(const char *a, const char *b)
{
    char pa[256], pb[256];
    return rt_same_file(rt_path(pa, sizeof pa, a), rt_path(pb, sizeof pb, b));
}

Test(mpi, two_ranks_train_exactly_as_two_threads)
{
    rt_out o;
    rt_standard(400);
    mpi_train(&o, 2, 1, 2, "ranks.bin", NULL);
    cr_expect(strstr(o.out, "\"ranks\":2,\"threads\":1") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "\"epoch\":2") != NULL, "%s", o.out);
    mpi_train(&o, 0, 2, 2, "threads.bin", NULL);
    cr_expect(!strstr(o.out, "ranks"), "a plain run names ranks: %s", o.out);
    cr_expect(same("ranks.bin", "threads.bin"), "2 ranks and --threads 2 differ");
    mpi_train(&o, 0, 1, 2, "one.bin", NULL);
    cr_expect(!same("ranks.bin", "one.bin"), "the split made no difference: the test is blind");
}

Test(mpi, three_ranks_give_the_same_weights_run_after_run)
{
    rt_out o;
    rt_standard(400);
    mpi_train(&o, 3, 1, 2, "a.bin", NULL);
    mpi_train(&o, 3, 1, 2, "b.bin", NULL);
    cr_expect(same("a.bin", "b.bin"), "two 3-rank runs differ");
    mpi_train(&o, 0, 3, 2, "t.bin", NULL);
    cr_expect(same("a.bin", "t.bin"), "3 ranks and --threads 3 differ");
}

Test(mpi, ranks_times_threads_train_as_one_process_does)
{
    char a[256], b[256];
    double acc1[4], acc2[4];
    rt_out o1, o2;
    rt_standard(400);
    mpi_train(&o1, 2, 2, 2, "rt.bin", NULL);
    cr_expect(strstr(o1.out, "\"ranks\":2,\"threads\":2") != NULL, "%s", o1.out);
    mpi_train(&o2, 0, 1, 2, "one.bin", NULL);
    cr_assert_eq(rt_json_values(o1.out, "accuracy", acc1, 4), 2, "%s", o1.out);
    cr_assert_eq(rt_json_values(o2.out, "accuracy", acc2, 4), 2, "%s", o2.out);
    cr_expect_eq(acc1[1], acc2[1], "accuracy %g under 2x2, %g alone", acc1[1], acc2[1]);
    rt_expect_same_costs(o1.out, o2.out, 2, 1e-4);
    rt_expect_close_weights(rt_path(a, sizeof a, "rt.bin"), rt_path(b, sizeof b, "one.bin"), 1e-4);
}

Test(mpi, a_stopped_job_resumes_under_mpirun_or_without_it)
{
    char w[256], c[256];
    rt_out o;
    rt_standard(400);
    mpi_train(&o, 2, 1, 3, "whole.bin", NULL);
    mpi_train(&o, 2, 1, 1, "part.bin", NULL);
    cr_assert(!same("whole.bin", "part.bin"));
    /* a copy for the plain run, with its state file */
    rt_path(w, sizeof w, "part.bin");
    rt_path(c, sizeof c, "plain.bin");
    free(proc_ok("cp '%s' '%s' && cp '%s.state' '%s.state'", w, c, w, c));
    mpi_train(&o, 2, 1, 3, "part.bin", "part.bin");
    cr_expect(!strstr(o.out, "\"epoch\":1,"), "epoch 1 trained again: %s", o.out);
    cr_expect(same("whole.bin", "part.bin"), "resumed under 2 ranks: not the unbroken run's weights");
    /* nothing left to do: said once, by rank 0 */
    mpi_train(&o, 2, 1, 3, "part.bin", "part.bin");
    rt_expect_error(&o, 0, "already been trained for 3 epochs");
    /* without mpirun: a plain run from epoch 2 (with two threads, the same split) */
    mpi_train(&o, 0, 2, 3, "plain.bin", "plain.bin");
    cr_expect(!strstr(o.out, "\"epoch\":1,") && strstr(o.out, "\"epoch\":3,"), "%s", o.out);
    cr_expect(!strstr(o.out, "ranks"), "%s", o.out);
    cr_expect(same("whole.bin", "plain.bin"), "resumed without mpirun: not the 2-rank run's weights");
}

Test(mpi, a_rank_killed_mid_epoch_ends_the_job_and_the_last_save_loads)
{
    char net[256], data[256], w[256];
    double secs = 0;
    rt_out o;
    rt_standard(400);                   /* 40 mini-batches an epoch: dies in epoch 2 */
    rt_mpirun(&o, 0, (const char *const[]){ "-x", "CNNGEN_WORLD_KILL", "-np", "2", "@", "run",
                                            rt_path(net, sizeof net, "syn.lua"), "--data",
                                            rt_path(data, sizeof data, "data"), "--backend",
                                            "tcc", "--epochs", "50", "--save",
                                            rt_path(w, sizeof w, "w.bin"), NULL },
              (const char *const[]){ "CNNGEN_WORLD_KILL=1:60", NULL }, &secs);
    cr_expect_neq(o.status, 0, "the job went on without rank 1");
    cr_expect(secs < 30, "the job took %.1f s to end", secs);
    cr_expect(strstr(o.err, "rank 1") && strstr(o.err, "signal 9"), "no line names the rank: %s",
              o.err);
    cr_expect(strstr(o.out, "epoch 1/50") && !strstr(o.out, "epoch 2/50"), "%s", o.out);
    rt_run(&o, (const char *const[]){ "eval", net, "--weights", w, "--data", data, NULL }, NULL);
    cr_expect_eq(o.status, 0, "the last save does not load: %s", o.err);
    rt_run(&o, (const char *const[]){ "run", net, "--data", data, "--epochs", "2", "--load", w,
                                       "--json", NULL }, NULL);
    cr_expect_eq(o.status, 0, "%s", o.err);
    cr_expect(strstr(o.out, "\"epoch\":2,") && !strstr(o.out, "\"epoch\":1,"), "%s", o.out);
}

Test(mpi, a_rank_that_cannot_set_up_ends_the_job_with_one_line_naming_it)
{
    char net[256], data[256], nope[256];
    rt_out o;
    rt_standard(100);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    rt_path(nope, sizeof nope, "nope");
    /* rank 0 finds the data, rank 1 does not */
    rt_mpirun(&o, 1, (const char *const[]){ "-np", "1", "@", "run", net, "--data", data,
                                            "--backend", "tcc", ":", "-np", "1", "@", "run", net,
                                            "--data", nope, "--backend", "tcc", NULL },
              NULL, NULL);
    rt_expect_error(&o, 1, "cnngen: rank 1: ");
    cr_expect(strstr(o.err, "nope") != NULL, "%s", o.err);
    cr_expect(!strstr(o.out, "epoch"), "%s", o.out);
    /* a bad description: every rank fails; one line, from rank 0 */
    rt_write("bad.lua", "return network { name = \"x\" }\n");
    rt_path(net, sizeof net, "bad.lua");
    rt_mpirun(&o, 1, (const char *const[]){ "-np", "2", "@", "run", net, "--data", data, NULL },
              NULL, NULL);
    rt_expect_error(&o, 2, "cnngen: rank 0: ");
    cr_expect(strstr(o.err, "bad.lua:1: ") != NULL, "%s", o.err);
}

Test(mpi, ranks_whose_parameters_drift_apart_stop_with_one_line)
{
    char net[256], data[256];
    rt_out o;
    rt_standard(100);
    rt_path(net, sizeof net, "syn.lua");
    rt_path(data, sizeof data, "data");
    /* rank 1 is given another learning rate: its copy of the parameters drifts */
    rt_mpirun(&o, 1, (const char *const[]){ "-np", "1", "@", "run", net, "--data", data,
                                            "--backend", "tcc", ":", "-np", "1", "@", "run", net,
                                            "--data", data, "--backend", "tcc", "--eta", "0.4",
                                            NULL }, NULL, NULL);
    rt_expect_error(&o, 1, "rank 1's parameters differ from rank 0's after epoch 1");
    cr_expect(!strstr(o.out, "epoch 1/"), "%s", o.out);
}

Test(mpi, a_plain_run_neither_links_nor_looks_for_mpi)
{
    char net[256], data[256], *ldd;
    rt_out o;
    rt_standard(100);
    ldd = proc_ok("ldd '%s'", rt_bin());
    cr_expect(!strstr(ldd, "libmpi"), "cnngen links MPI: %s", ldd);
    free(ldd);
    rt_run(&o, (const char *const[]){ "run", rt_path(net, sizeof net, "syn.lua"), "--data",
                                       rt_path(data, sizeof data, "data"), "--epochs", "1", NULL },
           (const char *const[]){ "CNNGEN_MPI_PLUGIN=/nonexistent/cnngen_mpi.so", NULL });
    cr_expect_eq(o.status, 0, "%s", o.err);
    cr_expect(!strstr(o.out, "rank"), "%s", o.out);
}

/* ================================================================ */
/* Sweeps: cnngen.world() and cnngen.gather()                       */
/* ================================================================ */

/* The lines of out from the table's header on. */
static const char *mpi_table(const char *out)
{
    const char *t = strstr(out, "   eta   test accuracy");
    cr_assert_not_null(t, "no table: %s", out);
    return t;
}

Test(mpi, the_sweep_example_prints_the_same_table_under_two_ranks)
{
    char ex[512], script[256], data[256], html[256], one[2048];
    rt_out o;
    rt_make_data("fm", 200, 100, 28, 28, 4, 0);
    snprintf(ex, sizeof ex, "%s/examples/sweep.lua", fs_env("CNNGEN_ROOT"));
    /* the example on a small data set, built with tcc, its report in the scratch directory */
    free(proc_ok("sed -e 's|\"fashion-mnist\"|\"%s\"|' -e 's|backend = \"cc\"|backend = \"tcc\"|' "
                 "-e 's|\"sweep.html\"|\"%s\"|' '%s' > '%s'", rt_path(data, sizeof data, "fm"),
                 rt_path(html, sizeof html, "sweep.html"), ex,
                 rt_path(script, sizeof script, "sweep.lua")));
    rt_run(&o, (const char *const[]){ "run", script, NULL }, NULL);
    cr_assert_eq(o.status, 0, "%s", o.err);
    snprintf(one, sizeof one, "%s", mpi_table(o.out));
    cr_expect(strstr(one, "0.03") && strstr(one, "0.10") && strstr(one, "0.30"), "%s", one);
    rt_mpirun(&o, 1, (const char *const[]){ "-np", "2", "@", "run", script, NULL }, NULL, NULL);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_expect_str_eq(mpi_table(o.out), one);
    cr_expect(strstr(o.out, "report: sweep.html") != NULL, "%s", o.out);
    cr_expect(rt_exists("sweep.html"), "no report");
}

Test(mpi, gather_brings_every_ranks_plain_data_to_rank_zero_exactly)
{
    char script[256];
    rt_out o;
    rt_write("g.lua",
             "local rank, size = cnngen.world()\n"
             "local v = { rank = rank, third = rank + 1 / 3, s = \"a\\0b\" .. rank, ok = rank == 0,\n"
             "            list = { 1, 2.5, { deep = -0.1 } } }\n"
             "local all = cnngen.gather(v)\n"
             "if rank ~= 0 then assert(all == nil) return end\n"
             "for r, x in ipairs(all) do\n"
             "  assert(x.rank == r - 1 and x.third == (r - 1) + 1 / 3 and x.s == \"a\\0b\" .. (r - 1))\n"
             "  assert(x.ok == (r == 1) and x.list[2] == 2.5 and x.list[3].deep == -0.1)\n"
             "  assert(math.type(x.rank) == \"integer\")\n"
             "end\n"
             "print(\"gathered\", size, #all)\n"
             "return cnngen.gather(print)\n");
    rt_path(script, sizeof script, "g.lua");
    rt_mpirun(&o, 1, (const char *const[]){ "-np", "3", "@", "run", script, NULL }, NULL, NULL);
    cr_expect(strstr(o.out, "gathered\t3\t3") != NULL, "out: %s err: %s", o.out, o.err);
    cr_expect(strstr(o.err, "gather: a function cannot cross between ranks") != NULL, "%s", o.err);
    rt_run(&o, (const char *const[]){ "run", script, NULL }, NULL);
    cr_expect(strstr(o.out, "gathered\t1\t1") != NULL, "out: %s err: %s", o.out, o.err);
}
