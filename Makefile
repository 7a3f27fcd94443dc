# cnngen -- build, test, demo, benchmark.
#
#   make            install missing Debian packages, build build/cnngen
#   make demo       build, then train examples/nielsen1.lua on Fashion-MNIST
#   make test       build and run every test (Criterion, 2 jobs)
#   make test-asan  the same tests under -fsanitize=address,undefined
#   make stress     the warning property test on STRESS_NETS random nets
#   make bench      the benchmark (writes build/bench.json)
#   make install    copy build/cnngen to $(PREFIX)/bin, its MPI plugin to
#                   $(PREFIX)/lib/cnngen
#
# Every C file in gen/ (but gen/embed.c, a build tool, which links
# runtime/atomicfile.c alone) and runtime/ is part of cnngen; every
# tests/*.c and tests/support/*.c is part of build/tests.
# Adding a file needs no edit here.  runtime/mpi/cnngen_mpi.c is the one
# exception: the MPI plugin, built with mpicc into build/lib/cnngen_mpi.so,
# which cnngen loads only under mpirun (runtime/world.h), so that cnngen
# itself never links MPI.

CC      ?= cc
MPICC   ?= mpicc
PREFIX  ?= /usr/local
OPT     ?= -O2 -g
WARN     = -std=c99 -Wall -Wextra -pedantic -Wno-overlength-strings
DEFS     = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
INCS     = -I/usr/include/lua5.4 -Igen -Iruntime -Ibuild -Itests/support
CFLAGS_ALL = $(OPT) $(WARN) $(DEFS) $(INCS) $(EXTRA_CFLAGS)
# libpng encodes the report's images (cnngen report) and decodes them in the
# tests: Debian's well-kept PNG codec, rather than an encoder of our own;
# cJSON reads the `run --json` logs a report draws its curves from.
LIBS     = -llua5.4 -ltcc -lz -lpng -lcjson -ldl -lm -lpthread

B        = build
GEN_SRC  = $(filter-out gen/embed.c gen/main.c,$(wildcard gen/*.c))
RT_SRC   = $(wildcard runtime/*.c)
TEST_SRC = $(wildcard tests/*.c tests/support/*.c)
EMBEDDED = $(wildcard gen/lua/*.lua gen/lua/*/*.lua templates/*.tpl)
HDRS     = $(wildcard gen/*.h runtime/*.h tests/support/*.h)

LIB_OBJ  = $(GEN_SRC:%.c=$(B)/obj/%.o) $(RT_SRC:%.c=$(B)/obj/%.o) $(B)/obj/embedded.o
TEST_OBJ = $(TEST_SRC:%.c=$(B)/obj/%.o)

DEPS_STAMP = $(B)/.deps-ok

.PHONY: all demo test test-asan test-accept stress bench chapter6 install clean deps
all: $(B)/cnngen $(B)/lib/cnngen_mpi.so

deps: $(DEPS_STAMP)
$(DEPS_STAMP): .ci/install-deps
	@mkdir -p $(B)
	@sh .ci/install-deps
	@touch $@

$(B)/embed: gen/embed.c runtime/atomicfile.c runtime/atomicfile.h | $(DEPS_STAMP)
	$(CC) $(OPT) $(WARN) $(DEFS) -Iruntime -o $@ gen/embed.c runtime/atomicfile.c

$(B)/embedded.c: $(B)/embed $(EMBEDDED)
	$(B)/embed $@ $(EMBEDDED)

$(B)/obj/embedded.o: $(B)/embedded.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(B)/obj/%.o: %.c $(HDRS) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(B)/cnngen: $(B)/obj/gen/main.o $(LIB_OBJ)
	$(CC) $(OPT) -o $@ $^ $(LIBS) -rdynamic

$(B)/lib/cnngen_mpi.so: runtime/mpi/cnngen_mpi.c runtime/world.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MPICC) $(OPT) $(WARN) $(DEFS) -Iruntime -fPIC -shared -o $@ $<

$(B)/tests: $(TEST_OBJ) $(LIB_OBJ) $(B)/cnngen
	$(CC) $(OPT) -o $@ $(TEST_OBJ) $(LIB_OBJ) $(LIBS) -lcriterion -rdynamic

# Tests run the built binary too, so they need to know where it is.
test: $(B)/tests $(B)/cnngen $(B)/lib/cnngen_mpi.so
	CNNGEN=$(CURDIR)/$(B)/cnngen CNNGEN_ROOT=$(CURDIR) $(B)/tests --jobs 2 $(TEST_ARGS)

# The same tests, sanitized, in their own build tree.
test-asan:
	$(MAKE) B=build/asan OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LIBS="$(LIBS) -fsanitize=address,undefined" build/asan/tests build/asan/cnngen \
	    build/asan/lib/cnngen_mpi.so
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	    CNNGEN=$(CURDIR)/build/asan/cnngen CNNGEN_ROOT=$(CURDIR) \
	    build/asan/tests --jobs 2 $(TEST_ARGS)

# Rewrite the expected messages of tests/errors/*.lua from what cnngen
# prints now; review the diff before committing.
test-accept: $(B)/tests $(B)/cnngen
	CNNGEN_ACCEPT=1 CNNGEN=$(CURDIR)/$(B)/cnngen CNNGEN_ROOT=$(CURDIR) $(B)/tests --filter 'dsl/*'

# The warning property test (tests/test_werror.c) on STRESS_NETS random
# nets, from a new seed each run (WERROR_SEED=N repeats one); every form of
# each compiled with gcc, clang and tcc -Werror.  docs/hacking.md, "Tests",
# says how long it takes.
STRESS_NETS ?= 500
stress: $(B)/tests $(B)/cnngen
	@seed=$${WERROR_SEED:-$$(date +%s)}; echo "make stress: $(STRESS_NETS) nets from WERROR_SEED=$$seed"; \
	    WERROR_NETS=$(STRESS_NETS) WERROR_SEED=$$seed CNNGEN=$(CURDIR)/$(B)/cnngen CNNGEN_ROOT=$(CURDIR) \
	    $(B)/tests --filter 'werror/random*' --jobs 2 $(TEST_ARGS)

demo: $(B)/cnngen
	$(B)/cnngen run examples/nielsen1.lua --epochs 1 --backend cc

# Nielsen's chapter 6 step by step on Fashion-MNIST, with the table at the
# end (examples/chapter6/run.lua; docs/chapter6.md has it as measured).
chapter6: $(B)/cnngen
	$(B)/cnngen run examples/chapter6/run.lua

bench: $(B)/cnngen
	$(B)/cnngen bench examples/nielsen1.lua examples/nielsen2.lua examples/lenet5.lua --out $(B)/bench.json

install: $(B)/cnngen $(B)/lib/cnngen_mpi.so
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(B)/cnngen $(DESTDIR)$(PREFIX)/bin/cnngen

clean:
	rm -rf $(B)

# ---- Fuzzing (docs/fuzzing.md) ---------------------------------------------
#
#   make fuzz       build every fuzz/fuzz_<target>.c with clang's libFuzzer
#                   and the address and undefined sanitizers (in build/fuzz),
#                   run each for FUZZ_SECONDS on its corpus, report the
#                   executions and crashes of each
#
# `make test` replays fuzz/corpus/<target> and fuzz/regress/<target>
# (tests/test_fuzz_replay.c) through fuzz/replay.c instead of libFuzzer:
# build/replay/bin/fuzz_<target>, the whole program built with the
# sanitizers, so that a regression that is only undefined behaviour (a
# float cast out of range: gcc checks those only when asked) or a leak
# fails too.

FUZZ_SECONDS ?= 60
FUZZ_TARGETS  = $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SUPPORT  = fuzz/fuzz.c examples/embed/read.c
FUZZ_SUP_OBJ  = $(FUZZ_SUPPORT:%.c=$(B)/obj/%.o)
FUZZ_HDRS     = fuzz/fuzz.h examples/embed/read.h $(HDRS)
FUZZ_CFLAGS   = $(CFLAGS_ALL) -Ifuzz -Iexamples/embed
FUZZ_SAN      = -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer
REPLAY_B      = build/replay

.PHONY: fuzz fuzz-build fuzz-replay replay-build
export CNNGEN_REPLAY = $(CURDIR)/$(REPLAY_B)/bin

$(FUZZ_SUP_OBJ): $(B)/obj/%.o: %.c $(FUZZ_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_CFLAGS) -c -o $@ $<

# The fuzzers: the whole program compiled with clang, the sanitizers and
# the fuzzer's coverage, each target linked with libFuzzer.
fuzz:
	@sh fuzz/install-deps
	$(MAKE) B=build/fuzz CC=clang OPT="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN) -DFUZZ_COVERAGE" fuzz-build
	sh fuzz/run.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_TARGETS:%=$(B)/bin/fuzz_%)

build/fuzz/bin/fuzz_%: fuzz/fuzz_%.c $(FUZZ_HDRS) $(FUZZ_SUP_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_SUP_OBJ) $(LIB_OBJ) $(LIBS) -rdynamic

# The replay drivers.
test test-asan: fuzz-replay
fuzz-replay:
	$(MAKE) B=$(REPLAY_B) OPT="-O1 -g $(FUZZ_SAN)" LIBS="$(LIBS) $(FUZZ_SAN)" replay-build

replay-build: $(FUZZ_TARGETS:%=$(B)/bin/fuzz_%)

$(REPLAY_B)/bin/fuzz_%: fuzz/fuzz_%.c fuzz/replay.c $(FUZZ_HDRS) $(FUZZ_SUP_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_CFLAGS) -o $@ $< fuzz/replay.c $(FUZZ_SUP_OBJ) $(LIB_OBJ) $(LIBS) -rdynamic
