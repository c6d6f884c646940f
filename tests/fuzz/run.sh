#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS [TARGET...] -- run each libFuzzer target for SECONDS, FUZZ_JOBS at a time
# (default: nproc, so two on the 2-core CI machine; FUZZ_JOBS=1 for timings one at a time).
# Seeds are made by make_seeds.sh into BUILD_DIR/fuzz-seeds (again when make_seeds.sh is newer);
# each target's growing corpus is kept in BUILD_DIR/fuzz-corpus/TARGET, crashes go to
# BUILD_DIR/fuzz-crashes/. Logs: BUILD_DIR/fuzz-logs/TARGET.log; one summary line per target
# (the last stats line and the average exec/s) is printed as each target ends.
# Exit 1 if any target found a crash, leak, timeout or blow-up (its artifact path and first
# ERROR lines are printed), 2 on bad usage or when the seeds cannot be made.
set -u
B=${1:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
S=${2:-60}
shift 2 || true
here=$(cd "$(dirname "$0")" && pwd)
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
case $jobs in ''|*[!0-9]*|0) echo "run.sh: FUZZ_JOBS must be a positive integer" >&2; exit 2;; esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(cd "$B/tests/fuzz" 2>/dev/null && ls fuzz_* 2>/dev/null | grep -v '\.' ))
[ ${#targets[@]} -gt 0 ] || { echo "run.sh: no fuzz targets in $B/tests/fuzz (build with -DGRS_FUZZ=ON)" >&2; exit 2; }
if [ ! -f "$B/fuzz-seeds/.stamp" ] || [ "$here/make_seeds.sh" -nt "$B/fuzz-seeds/.stamp" ]; then
    bash "$here/make_seeds.sh" "$B/grs" "$B/fuzz-seeds" && touch "$B/fuzz-seeds/.stamp" || exit 2
fi
mkdir -p "$B/fuzz-corpus" "$B/fuzz-crashes" "$B/fuzz-logs"

# run_one TARGET: run it, print its summary in one write (lines of parallel jobs do not mix),
# leave its exit status in fuzz-logs/TARGET.rc
run_one() {
    local t=$1 exe=$B/tests/fuzz/$1 log=$B/fuzz-logs/$1.log rc
    if [ ! -x "$exe" ]; then
        echo "run.sh: $exe not built" >&2; echo 1 > "$B/fuzz-logs/$t.rc"; return
    fi
    mkdir -p "$B/fuzz-corpus/$t" "$B/fuzz-seeds/$t"
    # a dictionary per target when one exists (tests/fuzz/TARGET.dict)
    local dict=(); [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
    ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:detect_leaks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$exe" "$B/fuzz-corpus/$t" "$B/fuzz-seeds/$t" "${dict[@]}" -max_total_time="$S" \
        -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$B/fuzz-crashes/$t-" >"$log" 2>&1
    rc=$?
    local last execs msg
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    execs=$(grep -E 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
    msg="$t: exit $rc; ${last:-no stats}; exec/s avg ${execs:-?}"
    if [ $rc -ne 0 ]; then
        msg+=$'\n'"$(grep -E 'ERROR|SUMMARY|Test unit written|artifact' "$log" | head -6)"
        msg+=$'\n'"  (log: $log)"
    fi
    printf '%s\n' "$msg"
    echo $rc > "$B/fuzz-logs/$t.rc"
}

for t in "${targets[@]}"; do rm -f "$B/fuzz-logs/$t.rc"; done
running=0
for t in "${targets[@]}"; do
    if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
    run_one "$t" &
    running=$((running + 1))
done
wait
status=0
for t in "${targets[@]}"; do
    rc=$(cat "$B/fuzz-logs/$t.rc" 2>/dev/null || echo 1)
    [ "$rc" = 0 ] || { status=1; echo "run.sh: $t FAILED (exit $rc)"; }
done
exit $status
