/*
 * fuzz.h -- what the fuzz targets (fuzz/fuzz_*.c) share: a private
 * temporary directory for the files a reader is given, and the way a
 * target reports a bug.
 *
 * Each target defines LLVMFuzzerTestOneInput: built with clang's libFuzzer
 * by `make fuzz`, and compiled into the test binary under another name
 * (fuzz_replay_<target>, tests/test_fuzz_replay.c) to replay the corpus
 * and the regression inputs in `make test`.  See docs/fuzzing.md.
 */
#ifndef CNNGEN_FUZZ_H
#define CNNGEN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The target's entry point, by whatever name it was compiled under. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The process's temporary directory ($TMPDIR or /tmp,
 * cnngen-fuzz-XXXXXX), made on the first call; removed at exit or by
 * fuzz_cleanup. */
const char *fuzz_dir(void);

/* "<fuzz_dir()>/name" in out[0..len). */
const char *fuzz_path(char *out, size_t len, const char *name);

/* mkdir path (an existing directory is fine). */
void fuzz_mkdir(const char *path);

/* Write len bytes to path, gzip-compressed when gz (created or replaced). */
void fuzz_write(const char *path, const void *data, size_t len, int gz);

/* Remove the temporary directory and everything in it. */
void fuzz_cleanup(void);

/* Count the Lua lines T runs (the generator's modules) as coverage the
 * fuzzer sees: libFuzzer instruments only the C code, and the system's
 * Lua library is not instrumented.  A line hook, in the fuzzers' build
 * (-DFUZZ_COVERAGE); a no-op in the replay. */
struct lua_State;
void fuzz_lua_coverage(struct lua_State *T);

/* A bug: print "fuzz: BUG: what: detail" on stderr and abort(), which
 * libFuzzer reports as a crash (and the replay test as a failure). */
void fuzz_bug(const char *what, const char *detail);

/* A message must be one non-empty line, starting with `place` (a file's
 * path; NULL: anything) and a colon: fuzz_bug otherwise. */
void fuzz_check_message(const char *what, const char *msg, const char *place);

#endif
