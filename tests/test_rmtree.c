/*
 * test_rmtree.c -- suite "rmtree": runtime/rmtree.c, rm -rf as cnngen
 * (the cc backend's temporary directories, info's scratch) and the tests
 * use it: a nested tree goes, a symbolic link is removed and not followed,
 * a missing path is no failure.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

static void rt_setup(void)
{
    fs_scratch_make("rmtree");
}

TestSuite(rmtree, .init = rt_setup, .fini = fs_scratch_remove, .timeout = 20);

Test(rmtree, removes_a_nested_tree_but_not_what_links_point_to)
{
    struct stat st;
    cr_assert_eq(mkdir(fs_path("keep"), 0755), 0);
    fs_spit(fs_path("keep/file"), "k", 1);
    cr_assert_eq(mkdir(fs_path("t"), 0755), 0);
    cr_assert_eq(mkdir(fs_path("t/a"), 0755), 0);
    cr_assert_eq(mkdir(fs_path("t/a/b"), 0700), 0);
    cr_assert_eq(mkdir(fs_path("t/empty"), 0755), 0);
    fs_spit(fs_path("t/top"), "1", 1);
    fs_spit(fs_path("t/a/b/deep"), "2", 1);
    cr_assert_eq(symlink(fs_path("keep"), fs_path("t/a/link")), 0);
    cr_assert_eq(rm_tree(fs_path("t")), 0, "%s", strerror(errno));
    cr_expect_neq(lstat(fs_path("t"), &st), 0, "the tree is still there");
    fs_expect_listing(fs_scratch(), "keep");
    fs_expect_listing(fs_path("keep"), "file");
}

Test(rmtree, a_file_goes_and_a_missing_path_is_no_failure)
{
    fs_spit(fs_path("f"), "x", 1);
    cr_expect_eq(rm_tree(fs_path("f")), 0);
    cr_expect_eq(rm_tree(fs_path("f")), 0);
    cr_expect_eq(rm_tree(fs_path("never/was")), 0);
    fs_expect_listing(fs_scratch(), "");
}
