#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS [TARGET...] -- run each libFuzzer target for SECONDS, one at a time
# (one process each: CI machines have 2 cores). Seeds are made by make_seeds.sh into BUILD_DIR/fuzz-seeds;
# each target's growing corpus is kept in BUILD_DIR/fuzz-corpus/TARGET, crashes go to
# BUILD_DIR/fuzz-crashes/. Logs: BUILD_DIR/fuzz-logs/TARGET.log (the last stats line is printed).
# Exit 1 if any target found a crash, leak or timeout.
set -u
B=${1:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
S=${2:-60}
shift 2 || true
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(cd "$B/tests/fuzz" && ls fuzz_* 2>/dev/null | grep -v '\.' ))
[ ${#targets[@]} -gt 0 ] || { echo "run.sh: no fuzz targets in $B/tests/fuzz (build with -DGRS_FUZZ=ON)" >&2; exit 2; }
[ -d "$B/fuzz-seeds" ] || bash "$here/make_seeds.sh" "$B/grs" "$B/fuzz-seeds" || exit 2
mkdir -p "$B/fuzz-corpus" "$B/fuzz-crashes" "$B/fuzz-logs"
status=0
for t in "${targets[@]}"; do
    exe=$B/tests/fuzz/$t
    [ -x "$exe" ] || { echo "run.sh: $exe not built" >&2; status=1; continue; }
    mkdir -p "$B/fuzz-corpus/$t" "$B/fuzz-seeds/$t"
    # a dictionary per target when one exists (tests/fuzz/TARGET.dict)
    dict=(); [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
    maxlen=65536
    ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:detect_leaks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$exe" "$B/fuzz-corpus/$t" "$B/fuzz-seeds/$t" "${dict[@]}" -max_total_time="$S" \
        -max_len=$maxlen -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$B/fuzz-crashes/$t-" >"$B/fuzz-logs/$t.log" 2>&1
    rc=$?
    last=$(grep -E '^#[0-9]+' "$B/fuzz-logs/$t.log" | tail -1)
    execs=$(grep -E 'stat::average_exec_per_sec' "$B/fuzz-logs/$t.log" | awk '{print $2}')
    echo "$t: exit $rc; ${last:-no stats}; exec/s avg ${execs:-?}"
    [ $rc -eq 0 ] || { status=1; grep -E 'ERROR|SUMMARY|artifact' "$B/fuzz-logs/$t.log" | head -5; }
done
exit $status
