/*
 * test_atomicfile.c -- suite "atomicfile": runtime/atomicfile.c, the one
 * writer behind every file cnngen writes (weights, training state,
 * generated C, the cc backend's cache, build/embedded.c).  A save puts
 * exactly the bytes in place with the asked-for mode and leaves no
 * temporary; a failure at any stage leaves the old file as it was and no
 * temporary; several files are committed only once all are finished.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <signal.h>

#include "atomicfile.h"
#include "fsutil.h"

static void af_setup(void)
{
    fs_scratch_make("atomicfile");
}

TestSuite(atomicfile, .init = af_setup, .fini = fs_scratch_remove, .timeout = 20);

Test(atomicfile, save_writes_the_bytes_with_the_mode_and_no_temporary)
{
    struct stat st;
    char *text;
    size_t len;
    cr_assert_eq(af_save(fs_path("a.txt"), "hello\n", 6, 0640), AF_OK, "%s", strerror(errno));
    text = fs_slurp(fs_path("a.txt"), &len);
    cr_assert(text && len == 6 && !memcmp(text, "hello\n", 6));
    free(text);
    cr_assert_eq(stat(fs_path("a.txt"), &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0640, "mode %o", (unsigned)(st.st_mode & 0777));
    fs_expect_listing(fs_scratch(), "a.txt");
}

Test(atomicfile, keep_mode_takes_the_replaced_files_mode_else_0644)
{
    struct stat st;
    cr_assert_eq(af_save(fs_path("k"), "1", 1, AF_KEEP_MODE), AF_OK);
    cr_assert_eq(stat(fs_path("k"), &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0644, "mode %o", (unsigned)(st.st_mode & 0777));
    cr_assert_eq(chmod(fs_path("k"), 0600), 0);
    cr_assert_eq(af_save(fs_path("k"), "2", 1, AF_KEEP_MODE), AF_OK);
    cr_assert_eq(stat(fs_path("k"), &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600, "mode %o", (unsigned)(st.st_mode & 0777));
}

Test(atomicfile, each_failing_stage_is_named_and_leaves_nothing)
{
    static char big[20000];
    struct rlimit rl;
    char *text;
    int rc;

    /* no such directory: the temporary cannot be created */
    errno = 0;
    cr_expect_eq(af_save(fs_path("no/such/f"), "x", 1, 0644), AF_CREATE);
    cr_expect_eq(errno, ENOENT, "%s", strerror(errno));
    /* a write beyond the file size limit, over an old file */
    cr_assert_eq(af_save(fs_path("old"), "old", 3, 0644), AF_OK);
    signal(SIGXFSZ, SIG_IGN);
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = 4096;
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    rc = af_save(fs_path("old"), big, sizeof big, 0644);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_FSIZE, &rl);
    cr_expect_eq(rc, AF_WRITE);
    cr_expect_eq(errno, EFBIG, "%s", strerror(errno));
    /* a rename onto a non-empty directory */
    cr_assert_eq(mkdir(fs_path("d"), 0755), 0);
    fs_spit(fs_path("d/keep"), "k", 1);
    cr_expect_eq(af_save(fs_path("d"), "x", 1, 0644), AF_RENAME);
    fs_expect_listing(fs_scratch(), "d, old");
    text = fs_slurp(fs_path("old"), NULL);
    cr_expect_str_eq(text, "old");
    free(text);
    cr_expect_str_eq(af_stage_what(AF_RENAME), "cannot rename the temporary file onto it");
}

/* Several files: every one finished under its temporary before any is
 * renamed; an abort after af_finish removes the finished temporary. */
Test(atomicfile, finished_files_appear_only_on_commit)
{
    atomicfile a, b;
    cr_assert_eq(af_begin(&a, fs_path("a"), 0644), AF_OK);
    cr_assert_eq(af_begin(&b, fs_path("b"), 0644), AF_OK);
    cr_assert_eq(af_write(&a, "A", 1), AF_OK);
    cr_assert_eq(af_write(&b, "B", 1), AF_OK);
    cr_assert_eq(af_finish(&a), AF_OK);
    cr_assert_eq(af_finish(&b), AF_OK);
    cr_expect(strstr(a.tmp, "/a.tmp-") != NULL, "temporary %s", a.tmp);
    {
        int n;
        free(fs_listing(fs_scratch(), &n));
        cr_expect_eq(n, 2, "two temporaries, no targets yet");
    }
    cr_assert_eq(af_commit(&a), AF_OK);
    af_abort(&b);
    fs_expect_listing(fs_scratch(), "a");
    af_abort(&a);                       /* after a commit: nothing to do */
    fs_expect_listing(fs_scratch(), "a");
}
