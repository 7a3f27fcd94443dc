/*
 * atomicfile.h -- write a file so that no reader ever sees half of it.
 *
 * The bytes go to a temporary "<path>.tmp-XXXXXX" in the target's own
 * directory (mkstemp's six characters), which is fsync'd, closed and only
 * then rename()d onto the target; the directory is fsync'd after.  On any
 * failure before the rename the temporary is removed and the target is
 * left as it was.  A process killed part way leaves at worst a
 * "*.tmp-XXXXXX" file beside the target, never a truncated target.
 *
 * Every step returns 0, or the af_stage that failed with errno set (and
 * the temporary already removed), so that each caller keeps its own words
 * for the failure; af_stage_what names the stage in a few words.
 *
 * The steps, for a file written piecewise or produced by someone else:
 *     af_begin   create the temporary
 *     af_write   append bytes to it (any number of times)
 *     af_finish  fsync and close it: complete, but not yet in place
 *     af_commit  rename it onto the target, then sync the directory
 *     af_abort   give up: remove the temporary (safe after any step)
 * af_save does all of them for one buffer.  Several files all-or-nothing:
 * af_begin/af_write/af_finish each, and af_commit them only when every
 * one has finished (gen/outfile.c).
 */
#ifndef CNNGEN_ATOMICFILE_H
#define CNNGEN_ATOMICFILE_H

#include <stddef.h>

#define AF_PATH_MAX 4096

/* Give af_begin this for the mode of the file being replaced (0644 for a
 * new one), instead of fixed permission bits. */
#define AF_KEEP_MODE (-1)

typedef enum af_stage {
    AF_OK = 0,
    AF_CREATE,          /* creating the temporary (path too long: ENAMETOOLONG) */
    AF_MODE,            /* setting its mode */
    AF_WRITE,           /* writing to it */
    AF_SYNC,            /* fsync of the temporary */
    AF_CLOSE,           /* closing it */
    AF_RENAME,          /* renaming it onto the target */
    AF_SYNC_DIR         /* fsync of the directory: the target IS in place */
} af_stage;

typedef struct atomicfile {
    const char *path;               /* the target, as given to af_begin */
    char tmp[AF_PATH_MAX + 16];     /* the temporary's name (kept for messages) */
    int fd;                         /* the temporary, open; -1 once closed */
    int live;                       /* 1 while the temporary exists */
} atomicfile;

/* Create the temporary beside path with permission bits `mode` (umask not
 * applied), or the replaced file's with AF_KEEP_MODE. */
int af_begin(atomicfile *a, const char *path, int mode);

/* Append n bytes (EINTR and short writes handled). */
int af_write(atomicfile *a, const void *data, size_t n);

/* fsync and close the temporary; a->tmp is then complete (a compiler may
 * also be told to write a->tmp itself, between af_finish and af_commit). */
int af_finish(atomicfile *a);

/* Rename the finished temporary onto the target, then fsync its directory
 * (a filesystem that cannot sync a directory, EINVAL, is not a failure).
 * AF_SYNC_DIR means the new file is in place but may not survive a crash. */
int af_commit(atomicfile *a);

/* Close and remove the temporary, if any; errno is preserved. */
void af_abort(atomicfile *a);

/* The whole of data[0..len) to path: af_begin, af_write, af_finish,
 * af_commit.  A failing stage's errno is left in errno. */
int af_save(const char *path, const void *data, size_t len, int mode);

/* A few words for a stage: "cannot create a temporary file beside it",
 * "write failed", "fsync failed", ... */
const char *af_stage_what(int stage);

#endif
