/*
 * fsutil.h -- test support: file-system chores the tests share.
 */
#ifndef TESTS_FSUTIL_H
#define TESTS_FSUTIL_H

/* rm -r path: files, links and directories; missing paths are ignored. */
void fs_rm_tree(const char *path);

#endif
