/*
 * report_input.c -- what a report is made from besides the weights and the
 * data (see report.h): the runs' epochs (`cnngen run --json` logs, read
 * with cJSON) and the class names.
 */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>


/* ================================================================ */
/* Runs                                                             */
/* ================================================================ */

int report_run_push(report_run *r, const report_epoch *e)
{
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 16;
        report_epoch *p = realloc(r->e, (size_t)cap * sizeof *p);
        if (!p) return -1;
        r->e = p;
        r->cap = cap;
    }
    r->e[r->n++] = *e;
    return 0;
}

void report_run_free(report_run *r)
{
    free(r->e);
    memset(r, 0, sizeof *r);
}

/* The number j[key] into *v: 0; absent and optional: 0 with *v = dflt; else -1. */
static int report_num(const cJSON *j, const char *key, int null_ok, int optional, double dflt, double *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, key);
    *v = dflt;
    if (!x) return optional ? 0 : -1;
    if (null_ok && cJSON_IsNull(x)) {
        *v = NAN;
        return 0;
    }
    if (!cJSON_IsNumber(x)) return -1;
    *v = x->valuedouble;
    return 0;
}

/* One line of `run --json` into *e; 0 or -1. */
static int report_epoch_parse(const char *line, size_t len, report_epoch *e)
{
    cJSON *j = cJSON_ParseWithLength(line, len);
    double epoch;
    int rc = -1;
    if (j && cJSON_IsObject(j)
        && report_num(j, "epoch", 0, 0, 0, &epoch) == 0 && epoch >= 1 && epoch <= 1e9 && epoch == floor(epoch)
        && report_num(j, "cost", 1, 0, 0, &e->cost) == 0
        && report_num(j, "accuracy", 0, 0, 0, &e->accuracy) == 0
        && report_num(j, "seconds", 0, 1, 0, &e->seconds) == 0
        && report_num(j, "samples_per_s", 0, 1, 0, &e->samples_per_s) == 0) {
        e->epoch = (int)epoch;
        rc = 0;
    }
    cJSON_Delete(j);
    return rc;
}

int report_run_read(const char *spec, report_run *r, char *err, size_t errlen)
{
    const char *path = spec, *eq = strchr(spec, '='), *base;
    struct stat st;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, rc = -1;
    FILE *f;
    memset(r, 0, sizeof *r);
    if (eq && stat(spec, &st) != 0) {           /* LABEL=FILE */
        snprintf(r->label, sizeof r->label, "%.*s", (int)(eq - spec), spec);
        path = eq + 1;
    } else {
        base = strrchr(path, '/');
        snprintf(r->label, sizeof r->label, "%s", base ? base + 1 : path);
    }
    f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "--runs %s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        report_epoch e;
        ++lineno;
        if (strspn(line, " \t\r\n") == (size_t)len) continue;
        if (report_epoch_parse(line, (size_t)len, &e) != 0) {
            snprintf(err, errlen, "%s:%d: not an epoch of `cnngen run --json` output (an object with "
                     "\"epoch\", \"cost\", \"accuracy\", ...)", path, lineno);
            goto done;
        }
        if (report_run_push(r, &e) != 0) {
            snprintf(err, errlen, "--runs %s: out of memory", path);
            goto done;
        }
    }
    if (ferror(f)) {
        snprintf(err, errlen, "--runs %s: cannot read: %s", path, strerror(errno));
        goto done;
    }
    if (r->n == 0) {
        snprintf(err, errlen, "%s: no epochs in it (give the output of `cnngen run --json`)", path);
        goto done;
    }
    rc = 0;
done:
    free(line);
    fclose(f);
    if (rc != 0) report_run_free(r);
    return rc;
}

/* ================================================================ */
/* Class names                                                      */
/* ================================================================ */

void report_names_free(char **names, int classes)
{
    int k;
    for (k = 0; names && k < classes; ++k)
        free(names[k]);
    free(names);
}

int report_names_read(const char *path, int classes, char ***out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char **names = calloc((size_t)classes, sizeof *names), *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int n = 0, blank = 0, rc = -1;
    *out = NULL;
    if (!f || !names) {
        snprintf(err, errlen, "--names %s: cannot read: %s", path, f ? "out of memory" : strerror(errno));
        goto done;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0) {                 /* only trailing empty lines may be */
            ++blank;
            continue;
        }
        if (blank || n == classes) {
            snprintf(err, errlen, "%s:%d: %s", path, n + blank + 1,
                     blank ? "an empty line among the names (one name a line)"
                           : "more names than the network's classes");
            goto done;
        }
        if (!(names[n++] = strdup(line))) {
            snprintf(err, errlen, "--names %s: out of memory", path);
            goto done;
        }
    }
    if (n != classes) {
        snprintf(err, errlen, "%s: %d names, but the network has %d classes (one name a line)", path, n, classes);
        goto done;
    }
    *out = names;
    names = NULL;
    rc = 0;
done:
    if (f) fclose(f);
    free(line);
    report_names_free(names, classes);
    return rc;
}
