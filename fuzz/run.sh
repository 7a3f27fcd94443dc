#!/bin/sh
# fuzz/run.sh BUILD SECONDS TARGET... -- `make fuzz`: run each fuzz target
# (BUILD/bin/fuzz_TARGET, built with libFuzzer) for SECONDS, one after the
# other, and report what each did.
#
# Each target starts from its seed corpus (fuzz/corpus/TARGET, and the
# directories listed in fuzz/corpus/TARGET.dirs) and its regression inputs
# (fuzz/regress/TARGET), reads fuzz/dict/TARGET.dict if there is one, and keeps what it finds in BUILD/work/TARGET (reused by
# the next run); an input that crashes, leaks, runs past 10 s or uses more
# than 2 GB is written to BUILD/crashes/TARGET/ and stops that target.
# The log of each is BUILD/logs/TARGET.log.  Allocations above 1 GiB fail
# (return NULL) rather than end the run: the program must report them as
# "out of memory".  Prints one line per target: the executions (libFuzzer's
# final stats) and the crashes; exits 1 if any target crashed.
set -u
build=$1
secs=$2
shift 2
status=0
printf '%-12s %12s %8s  %s\n' target executions crashes "input (see the log)"
for t in "$@"; do
    work=$build/work/$t
    art=$build/crashes/$t
    log=$build/logs/$t.log
    rm -rf "$art"
    mkdir -p "$work" "$art" "$build/logs"
    set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=3 -print_final_stats=1 \
        -artifact_prefix="$art/" "$work" "fuzz/corpus/$t"
    [ -d "fuzz/regress/$t" ] && set -- "$@" "fuzz/regress/$t"
    [ -f "fuzz/corpus/$t.dirs" ] && set -- "$@" $(cat "fuzz/corpus/$t.dirs")
    [ -f "fuzz/dict/$t.dict" ] && set -- -dict="fuzz/dict/$t.dict" "$@"
    ASAN_OPTIONS="allocator_may_return_null=1:max_allocation_size_mb=1024${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
        "$build/bin/fuzz_$t" "$@" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    crashes=$(ls "$art" | wc -l)
    found=$(ls "$art" | head -n 1)
    if [ "$rc" != 0 ] && [ "$crashes" = 0 ]; then
        crashes=1
        found="(exit status $rc, no input saved)"
    fi
    [ "$crashes" != 0 ] && status=1
    printf '%-12s %12s %8s  %s\n' "$t" "${execs:-?}" "$crashes" "${found:+$art/$found}"
done
exit $status
