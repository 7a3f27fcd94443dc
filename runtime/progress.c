/*
 * progress.c -- the live bar and the per-epoch lines (see progress.h).
 */
#include "progress.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_WIDTH 24           /* characters of the bar itself */
#define PROGRESS_REDRAW 0.1         /* seconds between redraws */

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void progress_init(progress *p, FILE *out, FILE *bar, int json, const char *backend,
                   int epochs)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->bar = bar && isatty(fileno(bar)) ? bar : NULL;
    p->json = json;
    p->backend = backend ? backend : "?";
    p->epochs = epochs;
}

void progress_epoch_begin(progress *p, int epoch, int start)
{
    p->epoch = epoch;
    p->start = start;
    p->t0 = progress_now();
    p->last_draw = p->t0;      /* the first rate is measured over a redraw interval */
}

/* "m:ss" or "h:mm:ss" into buf. */
static void progress_hms(char *buf, size_t len, double s)
{
    long t = s > 0 && s < 1e9 ? (long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

void progress_batch(void *ctx, int done, int total, double batch_cost, double mean_cost)
{
    progress *p = ctx;
    char bar[PROGRESS_WIDTH + 1], eta[32];
    double now, rate;
    int k, fill;
    (void)batch_cost;
    if (!p->bar)
        return;
    now = progress_now();
    if (done < total && now - p->last_draw < PROGRESS_REDRAW)
        return;
    p->last_draw = now;
    rate = now > p->t0 ? (done - p->start) / (now - p->t0) : 0.0;
    fill = total > 0 ? (int)((double)done * PROGRESS_WIDTH / total) : 0;
    for (k = 0; k < PROGRESS_WIDTH; ++k)
        bar[k] = k < fill ? '#' : '.';
    bar[PROGRESS_WIDTH] = '\0';
    if (rate > 0)
        progress_hms(eta, sizeof eta, (total - done) / rate);
    else
        snprintf(eta, sizeof eta, "?");
    fprintf(p->bar, "\repoch %d/%d [%s] %6d/%d  %.0f samples/s  ETA %s  cost %.4f  %s\033[K",
            p->epoch, p->epochs, bar, done, total, rate, eta, mean_cost, p->backend);
    fflush(p->bar);
    p->drawn = 1;
}

void progress_testing(void *ctx, int done, int total, double unused1, double unused2)
{
    progress *p = ctx;
    (void)unused1;
    (void)unused2;
    if (!p->bar)
        return;
    fprintf(p->bar, "\repoch %d/%d  testing %d/%d\033[K", p->epoch, p->epochs, done, total);
    fflush(p->bar);
    p->drawn = 1;
}

void progress_clear(progress *p)
{
    if (p->bar && p->drawn) {
        fputs("\r\033[K", p->bar);
        fflush(p->bar);
    }
    p->drawn = 0;
}

/* v as a JSON number, or null (JSON has no NaN or infinity). */
static const char *progress_json_num(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        return "null";
    snprintf(buf, len, "%.6g", v);
    return buf;
}

void progress_epoch_end(progress *p, int epoch, double cost, double accuracy,
                        double seconds, double samples_per_s)
{
    char num[64], team[96] = "";
    progress_clear(p);
    if (p->ranks > 0 && p->json)        /* an mpirun job: say how many ran */
        snprintf(team, sizeof team, ",\"ranks\":%d,\"threads\":%d,\"sum_seconds\":%.3f",
                 p->ranks, p->threads, p->sum_seconds);
    else if (p->ranks > 0)
        snprintf(team, sizeof team, "  %d rank%s \xc3\x97 %d thread%s, sum %.0f%%", p->ranks,
                 p->ranks == 1 ? "" : "s", p->threads, p->threads == 1 ? "" : "s",
                 seconds > 0 ? 100.0 * p->sum_seconds / seconds : 0.0);
    if (p->json)
        fprintf(p->out, "{\"epoch\":%d,\"cost\":%s,\"accuracy\":%.6g,\"seconds\":%.3f,"
                "\"samples_per_s\":%.1f,\"backend\":\"%s\"%s}\n",
                epoch, progress_json_num(num, sizeof num, cost), accuracy, seconds,
                samples_per_s, p->backend, team);
    else
        fprintf(p->out, "epoch %d/%d  cost %.4f  test accuracy %.2f%%  %.1f s  %.0f samples/s  %s%s\n",
                epoch, p->epochs, cost, 100.0 * accuracy, seconds, samples_per_s, p->backend, team);
    fflush(p->out);
}
