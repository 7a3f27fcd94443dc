/*
 * rmtree.h -- remove a file or a whole directory tree, like rm -rf: the
 * one way cnngen (the cc backend's temporary directories, bench's and
 * info's scratch directories) and its tests clean up after themselves.
 */
#ifndef CNNGEN_RMTREE_H
#define CNNGEN_RMTREE_H

/* Remove path: a file, a symbolic link (not followed) or a directory with
 * everything below it.  Best effort: whatever can be removed is.  Returns
 * 0 when path is gone (or was never there), else -1 with errno of the
 * first failure. */
int rm_tree(const char *path);

#endif
