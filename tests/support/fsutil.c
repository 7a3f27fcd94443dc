/*
 * fsutil.c -- test support: file-system chores (fsutil.h).
 */
#include "fsutil.h"
#include "tbuf.h"

#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fs_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int fs_names(const char *dir, char ***names)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0, cap = 0;
    *names = NULL;
    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            *names = realloc(*names, cap * sizeof **names);
            cr_assert_not_null(*names);
        }
        (*names)[n] = strdup(e->d_name);
        cr_assert_not_null((*names)[n++]);
    }
    if (d)
        closedir(d);
    if (n)
        qsort(*names, n, sizeof **names, fs_cmp_names);
    return (int)n;
}

char *fs_listing(const char *dir, int *count)
{
    char **names;
    int n = fs_names(dir, &names), i;
    tbuf b = { NULL, 0, 0 };
    tbuf_add(&b, "", 0);
    for (i = 0; i < n; ++i) {
        if (i)
            tbuf_add(&b, ", ", 2);
        tbuf_add(&b, names[i], strlen(names[i]));
        free(names[i]);
    }
    free(names);
    if (count)
        *count = n;
    return b.s;
}

void fs_expect_listing(const char *dir, const char *want)
{
    char *got = fs_listing(dir, NULL);
    cr_expect_str_eq(got, want, "%s holds [%s], want [%s]", dir, got, want);
    free(got);
}

char *fs_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

void fs_spit(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s: %s", path, strerror(errno));
    cr_assert_eq(fwrite(data, 1, len, f), len, "cannot write %s", path);
    cr_assert_eq(fclose(f), 0, "cannot write %s: %s", path, strerror(errno));
}

static char fs_scratch_dir[128];

const char *fs_scratch_make(const char *what)
{
    snprintf(fs_scratch_dir, sizeof fs_scratch_dir, "/tmp/cnngen-%s-XXXXXX", what);
    cr_assert_not_null(mkdtemp(fs_scratch_dir), "mkdtemp: %s", strerror(errno));
    return fs_scratch_dir;
}

const char *fs_scratch(void)
{
    return fs_scratch_dir;
}

const char *fs_path(const char *name)
{
    static char bufs[8][512];
    static int k;
    char *p = bufs[k++ % 8];
    snprintf(p, sizeof bufs[0], "%s/%s", fs_scratch_dir, name);
    return p;
}

void fs_scratch_remove(void)
{
    if (fs_scratch_dir[0])
        rm_tree(fs_scratch_dir);
    fs_scratch_dir[0] = '\0';
}

const char *fs_env(const char *name)
{
    const char *v = getenv(name);
    cr_assert(v && *v, "%s is not set; run the tests with `make test`", name);
    return v;
}
