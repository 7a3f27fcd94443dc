/*
 * bench_report.c -- what `cnngen bench` reports (see bench.h): its rows,
 * the table printed row by row as measured, and the JSON file (--out).
 */
#include "bench.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "jit.h"
#include "outfile.h"

/* ================================================================ */
/* Rows                                                             */
/* ================================================================ */

/* See bench.h. */
bench_row *bench_add(bench *b, const char *kind, const char *net, const char *backend,
                     int threads, int batch)
{
    bench_row *r;
    if (b->nrows == b->cap) {
        int cap = b->cap ? 2 * b->cap : 64;
        bench_row *nr = realloc(b->rows, (size_t)cap * sizeof *nr);
        if (!nr)
            return NULL;
        b->rows = nr;
        b->cap = cap;
    }
    r = &b->rows[b->nrows++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    snprintf(r->net, sizeof r->net, "%s", net ? net : "");
    r->backend = backend;
    r->threads = threads;
    r->batch = batch;
    return r;
}

/* The peak of `threads` threads: one core's, times the cores they can use. */
static double bench_peak(const bench *b, int threads)
{
    int use = threads < b->cores ? threads : b->cores;
    return b->peak.gflops * (use > 0 ? use : 1);
}

/* ================================================================ */
/* The table                                                        */
/* ================================================================ */

/* The CPU's model name (/proc/cpuinfo's first), or "?", into cpu[0..len)
 * without quotes or backslashes (it goes into the JSON as it is). */
static void bench_cpu(char *cpu, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    snprintf(cpu, len, "?");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
                char *v = strchr(line, ':') + 1;
                while (*v == ' ')
                    ++v;
                v[strcspn(v, "\n\"\\")] = '\0';
                snprintf(cpu, len, "%s", v);
                break;
            }
        fclose(f);
    }
}

/* See bench.h. */
void bench_intro(bench *b, const char *data)
{
    bench_row *r;
    char cpu[256], flags[4096];
    const char *cc;
    bench_cpu(cpu, sizeof cpu);
    printf("cnngen bench: %d net%s on %s (%d training, %d test images); %d core%s of %s\n",
           b->o->nnets, b->o->nnets == 1 ? "" : "s", data, b->ds.train.n, b->ds.test.n, b->cores,
           b->cores == 1 ? "" : "s", cpu);
    if (jit_cc_command(NULL, &cc, flags, sizeof flags) == 0)
        printf("cc backend: %s %s\n", cc, flags);
    printf("peak: %.1f GFLOPS FP32 per core (%s: %d lanes, %d accumulators; %.2f FMA/cycle at "
           "%.2f GHz), spread %.1f%% over %d runs", b->peak.gflops, b->peak.isa, b->peak.lanes,
           b->peak.accumulators, b->peak.fma_per_cycle, b->peak.ghz, 100.0 * b->peak.spread,
           b->peak.runs);
    if (b->peak.gflops_avx2 > 0 && b->peak.gflops_avx512 > 0)
        printf("; AVX2+FMA %.1f, AVX-512 %.1f GFLOPS", b->peak.gflops_avx2, b->peak.gflops_avx512);
    printf("\n");
    printf("runs: medians of %d runs of >= %.2f s of work each (builds and auto: %d runs; auto "
           "runs are cold: every build included); spread = (max - min) / median; peak = "
           "GFLOPS / (threads x one core's peak)\n", b->runs, b->min_time, b->cold_runs);
    r = bench_add(b, "peak", NULL, NULL, 1, 0);
    if (r) {
        r->gflops = b->peak.gflops;
        r->frac = 1.0;
        r->st.runs = b->peak.runs;
        r->st.med = 1.0;
        r->st.lo = 1.0 - b->peak.spread / 2;     /* carries the spread into the JSON */
        r->st.hi = 1.0 + b->peak.spread / 2;
    }
}

/* See bench.h. */
void bench_print_barrier(bench *b, int threads, const bench_stat *st)
{
    bench_row *r = bench_add(b, "barrier", NULL, NULL, threads, 0);
    const double ns = st->med > 0 ? 1e9 / st->med : 0.0;
    printf("barrier: %d threads meet in %.0f ns, spread %.1f%% (about the time a cache line written "
           "on one core takes to reach another; a step on %d threads meets at several and passes "
           "lines between them)\n", threads, ns, 100.0 * bench_spread(st), threads);
    if (r) {
        r->us = ns;
        r->st = *st;
    }
}

/* See bench.h. */
void bench_print_header(void)
{
    printf("%-10s %-6s %-7s %3s %5s %12s %11s %8s %7s %7s %4s\n", "net", "what", "backend",
           "thr", "batch", "samples/s", "us/sample", "GFLOPS", "peak", "spread", "runs");
}

/* See bench.h. */
void bench_print_row(const bench_row *r)
{
    printf("%-10s %-6s %-7s %3d %5d %12.1f %11.2f %8.3f %6.2f%% %6.1f%% %4d", r->net, r->kind,
           r->backend, r->threads, r->batch, r->sps, r->sps > 0 ? 1e6 / r->sps : 0.0,
           r->gflops, 100.0 * r->frac, 100.0 * bench_spread(&r->st), r->st.runs);
    if (r->samples > 0) {
        printf("   cold, %ld samples: ", r->samples);
        if (r->switch_s > 0)
            printf("on cc after %.2f s; ", r->switch_s);
        else
            printf("never switched; ");
        printf("cold cc %.0f/s, cold tcc %.0f/s", r->cold_cc, r->cold_tcc);
    }
    printf("\n");
    fflush(stdout);
}

/* See bench.h. */
bench_row *bench_rate_row(bench *b, const char *net, const char *kind, const char *backend,
                          int threads, int batch, const bench_stat *st, double macs)
{
    bench_row *r = bench_add(b, kind, net, backend, threads, batch);
    if (!r)
        return NULL;
    r->st = *st;
    r->sps = st->med;
    if (!strcmp(kind, "infer"))
        r->us = st->med > 0 ? 1e6 / st->med : 0.0;
    r->gflops = 2.0 * macs * st->med * 1e-9;
    r->frac = r->gflops / bench_peak(b, threads);
    return r;
}

/* See bench.h. */
void bench_print_build(const bench_row *r, int cold)
{
    printf("%-10s build  %-7s   generate %.1f ms (spread %.0f%%, %d runs), compile %.1f ms "
           "(spread %.0f%%, %d runs)%s\n", r->net, r->backend, r->gen_ms,
           100.0 * bench_spread(&r->gen_st), r->gen_st.runs, r->compile_ms,
           100.0 * bench_spread(&r->st), r->st.runs, cold ? ", cold cache" : ", in memory");
    fflush(stdout);
}

/* See bench.h. */
void bench_print_layer_header(const bench_row *r, double step_us)
{
    printf("%-10s layers cc, 1 thread, batch %d (train.batch): per pass, medians of %d runs "
           "alternating with train_batch's (%.2f us/sample); da: the function computes "
           "dC/da^(l-1), dw: dC/dw and dC/db\n", r->net, r->batch, r->st.runs, step_us);
    printf("%-10s %5s %-8s %-28s %11s %8s %7s %7s %7s\n", "", "layer", "kind", "pass",
           "us/sample", "GFLOPS", "peak", "share", "spread");
}

/* See bench.h. */
void bench_print_layer(const bench_row *r)
{
    char layer[16], pass[64];
    static const char *const what[5] = { " dw", " da+dw", " da", " dw+step w", " da+dw+step w" };
    snprintf(pass, sizeof pass, "%s%s", !strcmp(r->pass, "step_profile_build")
             ? "step, profile build" : r->pass, r->da >= 0 && r->da < 5 ? what[r->da]
                                                : r->steps_b_only ? " b" : "");
    if (r->done_by > 0)
        snprintf(pass, sizeof pass, "%s (in layer %d's)", r->pass, r->done_by);
    if (r->layer > 0)
        snprintf(layer, sizeof layer, "%d", r->layer);
    else
        snprintf(layer, sizeof layer, "-");
    printf("%-10s %5s %-8s %-28s %11.3f %8.3f %6.2f%% %6.1f%% %6.1f%%\n", r->net, layer,
           r->layer_kind, pass, r->us, r->gflops, 100.0 * r->frac, 100.0 * r->share,
           100.0 * bench_spread(&r->st));
    fflush(stdout);
}

/* "memory" or "compute": the bound that allows the less speed (the larger time) */
static const char *bench_nearer(double mem_us, double flop_us)
{
    return mem_us > flop_us ? "memory" : "compute";
}

/* See bench.h. */
void bench_print_memory(const bench_row *r)
{
    double tb = r->train_mem_us > r->train_flop_us ? r->train_mem_us : r->train_flop_us;
    double ib = r->infer_mem_us > r->infer_flop_us ? r->infer_mem_us : r->infer_flop_us;
    printf("%-10s memory  parameters %.0f KB; streamed at that size (cc, 1 thread): read %.1f "
           "GB/s, update p = a*p - b*g %.1f GB/s\n", r->net, r->param_bytes / 1024.0,
           r->read_gbs, r->update_gbs);
    printf("%-10s bound   train (batch %d): %.0f bytes/sample moved -> memory bound %.3f "
           "us/sample, compute bound %.3f; %s is nearer; measured %.3f (%.0f%% of the "
           "bound's speed)\n", r->net, r->batch, r->train_bytes, r->train_mem_us,
           r->train_flop_us, bench_nearer(r->train_mem_us, r->train_flop_us), r->train_us,
           r->train_us > 0 ? 100.0 * tb / r->train_us : 0.0);
    printf("%-10s bound   infer (batch 1): %.0f bytes/image read -> memory bound %.3f us, "
           "compute bound %.3f; %s is nearer", r->net, r->infer_bytes, r->infer_mem_us,
           r->infer_flop_us, bench_nearer(r->infer_mem_us, r->infer_flop_us));
    if (r->infer_us > 0)
        printf("; measured %.3f (%.0f%% of the bound's speed)", r->infer_us,
               100.0 * ib / r->infer_us);
    printf("\n");
    fflush(stdout);
}

/* ================================================================ */
/* JSON                                                             */
/* ================================================================ */

typedef struct bench_buf {
    char *s;
    size_t len, cap;
    int oom;
} bench_buf;

static void bench_put(bench_buf *w, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (w->oom)
        return;
    for (;;) {
        size_t room = w->cap - w->len;
        va_start(ap, fmt);
        n = vsnprintf(w->s ? w->s + w->len : NULL, w->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            w->oom = 1;
            return;
        }
        if (w->s && (size_t)n < room) {
            w->len += (size_t)n;
            return;
        }
        {
            size_t cap = (w->cap + (size_t)n + 1) * 2;
            char *ns = realloc(w->s, cap);
            if (!ns) {
                w->oom = 1;
                return;
            }
            w->s = ns;
            w->cap = cap;
        }
    }
}

/* ,"key":v with null for "not applicable" (v < 0 or not finite). */
static void bench_num(bench_buf *w, const char *key, double v)
{
    if (v >= 0 && v < 1e300)
        bench_put(w, ",\"%s\":%.6g", key, v);
    else
        bench_put(w, ",\"%s\":null", key);
}

static void bench_int(bench_buf *w, const char *key, int v)
{
    if (v > 0)
        bench_put(w, ",\"%s\":%d", key, v);
    else
        bench_put(w, ",\"%s\":null", key);
}

/* See bench.h. */
int bench_write_json(const bench *b, const char *path)
{
    char err[4096], cpu[256];
    bench_buf w = { NULL, 0, 0, 0 };
    outfile_item item;
    int i, rc;
    bench_cpu(cpu, sizeof cpu);
    bench_put(&w, "[\n");
    for (i = 0; i < b->nrows; ++i) {
        const bench_row *r = &b->rows[i];
        int train = !strcmp(r->kind, "train"), infer = !strcmp(r->kind, "infer");
        bench_put(&w, "  {\"kind\":\"%s\"", r->kind);
        if (r->net[0])
            bench_put(&w, ",\"net\":\"%s\"", r->net);
        else
            bench_put(&w, ",\"net\":null");
        if (r->backend)
            bench_put(&w, ",\"backend\":\"%s\"", r->backend);
        else
            bench_put(&w, ",\"backend\":null");
        bench_int(&w, "threads", r->threads);
        bench_int(&w, "batch", r->batch);
        bench_num(&w, "train_samples_per_s", train ? r->sps : -1);
        bench_num(&w, "infer_us", infer ? r->us : -1);
        bench_num(&w, "gflops", train || infer || !strcmp(r->kind, "peak") ? r->gflops : -1);
        bench_num(&w, "peak_fraction", train || infer || !strcmp(r->kind, "peak") ? r->frac : -1);
        if (infer)
            bench_num(&w, "infer_images_per_s", r->sps);
        bench_put(&w, ",\"runs\":%d", r->st.runs);
        bench_num(&w, "spread", bench_spread(&r->st));
        if (train || infer) {
            bench_num(&w, "min", r->st.lo);
            bench_num(&w, "max", r->st.hi);
        }
        if (!strcmp(r->kind, "build")) {
            bench_num(&w, "generate_ms", r->gen_ms);
            bench_num(&w, "compile_ms", r->compile_ms);
            bench_put(&w, ",\"generate_runs\":%d", r->gen_st.runs);
            bench_num(&w, "generate_spread", bench_spread(&r->gen_st));
        }
        if (r->samples > 0) {
            bench_put(&w, ",\"cold_samples\":%ld", r->samples);
            bench_num(&w, "switch_s", r->switch_s > 0 ? r->switch_s : -1);   /* null: no switch */
            bench_num(&w, "cold_cc_samples_per_s", r->cold_cc);
            bench_num(&w, "cold_tcc_samples_per_s", r->cold_tcc);
        }
        if (!strcmp(r->kind, "layer")) {
            bench_put(&w, ",\"layer\":%d,\"layer_kind\":\"%s\",\"pass\":\"%s\"", r->layer,
                      r->layer_kind, r->pass);
            bench_num(&w, "us_per_sample", r->us);
            bench_num(&w, "layer_gflops", r->gflops);
            bench_num(&w, "layer_peak_fraction", r->frac);
            bench_num(&w, "share", r->share);
            if (r->done_by > 0)
                bench_put(&w, ",\"done_by_layer\":%d", r->done_by);
            if (r->da >= 0)
                bench_put(&w, ",\"computes_da\":%s,\"computes_dw\":%s,\"steps_w\":%s",
                          r->da % 3 ? "true" : "false", r->da % 3 < 2 ? "true" : "false",
                          r->da >= 3 ? "true" : "false");
            if (r->steps_b_only)
                bench_put(&w, ",\"w_stepped_in_backward\":true");
        }
        if (!strcmp(r->kind, "memory")) {
            bench_num(&w, "param_bytes", r->param_bytes);
            bench_num(&w, "read_gb_per_s", r->read_gbs);
            bench_num(&w, "update_gb_per_s", r->update_gbs);
            bench_num(&w, "train_bytes_per_sample", r->train_bytes);
            bench_num(&w, "train_memory_bound_us", r->train_mem_us);
            bench_num(&w, "train_compute_bound_us", r->train_flop_us);
            bench_num(&w, "train_us", r->train_us);
            bench_put(&w, ",\"train_nearer\":\"%s\"",
                      bench_nearer(r->train_mem_us, r->train_flop_us));
            bench_num(&w, "infer_bytes_per_image", r->infer_bytes);
            bench_num(&w, "infer_memory_bound_us", r->infer_mem_us);
            bench_num(&w, "infer_compute_bound_us", r->infer_flop_us);
            bench_num(&w, "infer_measured_us", r->infer_us > 0 ? r->infer_us : -1);
            bench_put(&w, ",\"infer_nearer\":\"%s\"",
                      bench_nearer(r->infer_mem_us, r->infer_flop_us));
        }
        if (!strcmp(r->kind, "barrier"))
            bench_num(&w, "barrier_ns", r->us);
        if (!strcmp(r->kind, "peak"))
            bench_put(&w, ",\"isa\":\"%s\",\"lanes\":%d,\"accumulators\":%d,\"ghz\":%.4g,"
                      "\"fma_per_cycle\":%.4g,\"gflops_avx2\":%.6g,\"gflops_avx512\":%.6g,"
                      "\"cores\":%d,\"cpu\":\"%s\"",
                      b->peak.isa, b->peak.lanes, b->peak.accumulators, b->peak.ghz,
                      b->peak.fma_per_cycle, b->peak.gflops_avx2, b->peak.gflops_avx512,
                      b->cores, cpu);
        bench_put(&w, "}%s\n", i + 1 < b->nrows ? "," : "");
    }
    bench_put(&w, "]\n");
    if (w.oom) {
        free(w.s);
        fprintf(stderr, "cnngen: out of memory writing %s\n", path);
        return HOST_INTERNAL;
    }
    item.path = path;
    item.data = w.s;
    item.len = w.len;
    rc = outfile_write(&item, 1, err, sizeof err);
    free(w.s);
    if (rc != 0) {
        fprintf(stderr, "cnngen: %s\n", err);
        return HOST_FAIL;
    }
    return HOST_OK;
}
