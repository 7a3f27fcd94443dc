/*
 * test_experiment.c -- suite "experiment": experiment scripts, which drive
 * the cnngen module from `cnngen run SCRIPT.lua`, end to end on synthetic
 * data (tests/support/runfix.h): every step of a script does what it
 * says, and a mistake in a script is one line naming the script's line.
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

TestSuite(experiment, .init = rt_setup, .fini = fs_scratch_remove, .timeout = 60);

/* A script that splits, compiles, trains, evaluates, saves, loads and
 * predicts; every step prints something the test checks. */
Test(experiment, script_drives_the_cnngen_module, .timeout = 120)
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
Test(experiment, errors_name_the_script_line, .timeout = 60)
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

/* cnngen.network(file): a description beside the script, compiled with
 * its train{} as train()'s defaults (two epochs here); threads = 2 trains
 * the same steps split in two, to the same accuracy up to rounding; a
 * mistake in the file names the file and its line, not the script's. */
Test(experiment, network_files_and_threads, .timeout = 120)
{
    char data[256], script[1024], path[256];
    rt_out o;
    double a1, a2;
    rt_make_data("data", 600, 200, 8, 8, 4, 0);
    rt_path(data, sizeof data, "data");
    rt_write("syn.lua",
             "return network { name = \"syn\", input = { 1, 8, 8 },\n"
             "  layers = { conv { maps = 4, kernel = 3, act = \"relu\" }, maxpool { size = 2 },\n"
             "             dense { units = 4, act = \"softmax\" } },\n"
             "  train = { eta = 0.1, batch = 10, seed = 2, epochs = 2 } }\n");
    rt_write("badnet.lua",
             "return network { name = \"bad\", input = { 1, 8, 8 },\n"
             "  layers = { dense { units = 4, act = \"softmx\" } } }\n");
    snprintf(script, sizeof script,
             "local d = cnngen.data(\"%s\")\n"
             "local n = cnngen.network(\"syn.lua\")\n"
             "print(\"one\", cnngen.compile(n):train(d))\n"
             "print(\"two\", cnngen.compile(n):train(d, { threads = 2 }))\n"
             "cnngen.compile(cnngen.network(\"badnet.lua\"))\n", data);
    rt_write("exp2.lua", script);
    rt_run(&o, (const char *const[]){ "run", rt_path(path, sizeof path, "exp2.lua"), NULL }, NULL);
    cr_assert_eq(o.status, 2, "stderr: %s\nstdout: %s", o.err, o.out);
    cr_assert(strstr(o.out, "epoch 2/2") != NULL, "the description's epochs: %s", o.out);
    cr_assert(strstr(o.out, "epoch 3/") == NULL, "%s", o.out);
    cr_assert(sscanf(strstr(o.out, "one"), "one %lf", &a1) == 1, "%s", o.out);
    cr_assert(sscanf(strstr(o.out, "two"), "two %lf", &a2) == 1, "%s", o.out);
    cr_expect(a1 > 0.8, "accuracy %g", a1);
    cr_expect(fabs(a1 - a2) <= 0.02, "one thread %g, two %g", a1, a2);
    cr_assert(proc_one_line(o.err), "one line: %s", o.err);
    cr_expect(strstr(o.err, "badnet.lua:2: ") != NULL, "%s", o.err);
}

/* model:train at a batch other than the description's builds the code
 * again for that batch (as run --batch does: a batch of exactly the chunk
 * takes the fused step), keeping the parameters: a model trained at batch
 * 4 ends where one described with batch 4 ends, bit for bit, and a file's
 * model at batch 64 gets a chunk of 32. */
Test(experiment, train_builds_the_code_for_its_batch, .timeout = 180)
{
    char data[256], script[2048], path[256], cache[256], env[300];
    rt_out o;
    double a1, a2, a3;
    rt_make_data("data", 600, 200, 8, 8, 4, 0);
    rt_path(data, sizeof data, "data");
    rt_path(cache, sizeof cache, "cache");
    snprintf(env, sizeof env, "XDG_CACHE_HOME=%s", cache);
    rt_write("syn.lua",
             "return network { name = \"syn\", input = { 1, 8, 8 },\n"
             "  layers = { conv { maps = 4, kernel = 3, act = \"relu\" }, maxpool { size = 2 },\n"
             "             dense { units = 12, act = \"sigmoid\" }, dense { units = 4, act = \"softmax\" } },\n"
             "  train = { eta = 0.1, batch = 10, seed = 2, epochs = 1 } }\n");
    snprintf(script, sizeof script,
             "local function net(batch)\n"
             "  return network { name = \"syn\", input = { 1, 8, 8 },\n"
             "    layers = { conv { maps = 4, kernel = 3, act = \"relu\" }, maxpool { size = 2 },\n"
             "               dense { units = 12, act = \"sigmoid\" }, dense { units = 4, act = \"softmax\" } },\n"
             "    train = { eta = 0.1, batch = batch, seed = 2, epochs = 2 } }\n"
             "end\n"
             "local d = cnngen.data(\"%s\")\n"
             "local m = cnngen.compile(net(10), { backend = \"cc\" })\n"
             "print(\"rebuilt\", string.format(\"%%.17g\", m:train(d, { batch = 4 })))\n"
             "print(\"described\", string.format(\"%%.17g\", cnngen.compile(net(4), { backend = \"cc\" }):train(d)))\n"
             "local f = cnngen.compile(cnngen.network(\"syn.lua\"), { backend = \"cc\" })\n"
             "print(\"file\", string.format(\"%%.17g\", f:train(d, { batch = 64 })))\n", data);
    rt_write("exp3.lua", script);
    rt_run(&o, (const char *const[]){ "run", rt_path(path, sizeof path, "exp3.lua"), NULL },
           (const char *const[]){ env, NULL });
    cr_assert_eq(o.status, 0, "stderr: %s\nstdout: %s", o.err, o.out);
    cr_assert(sscanf(strstr(o.out, "rebuilt"), "rebuilt %lf", &a1) == 1, "%s", o.out);
    cr_assert(sscanf(strstr(o.out, "described"), "described %lf", &a2) == 1, "%s", o.out);
    cr_assert(sscanf(strstr(o.out, "file"), "file %lf", &a3) == 1, "%s", o.out);
    cr_expect_eq(a1, a2, "trained at batch 4: %.17g rebuilt, %.17g described so", a1, a2);
    cr_expect(a1 > 0.8 && a3 > 0.0, "accuracies %g, %g", a1, a3);
    strcat(cache, "/cnngen");
    cr_expect_eq(rt_cached_chunks(cache, NULL), (1ULL << 10) | (1ULL << 4) | (1ULL << 32),
                 "chunks built: %#llx (want 10, 4 and 32)", rt_cached_chunks(cache, NULL));
}
