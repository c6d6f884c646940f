#!/usr/bin/env bash
# gpu-validate.sh -- everything issue 4 must show on a lent GPU, in three device calls.
#
#   scripts/gpu-validate.sh bundle        here: build Release with CUDA (build/), bundle grs,
#                                         test_backends, test_pgs_device and plink2 with their
#                                         libraries into .device/ (git-ignored)
#   scripts/gpu-validate.sh run PHASE [N M]  on the GPU machine (device tool: command
#                                         "scripts/gpu-validate.sh run tests", carry [".device"])
# PHASE: tests (equivalence at every size, fp64 kernel and GRS_CUDA_TC=1, and training's
# enet_dot against its CPU replay bit for bit; the CPU replays),
# sanitize (compute-sanitizer memcheck, racecheck, initcheck, synccheck on `test_backends -q`,
# both paths), bench (benchmarks/bench_gpu.sh, which validates before it times: cuda vs cpu vs
# plink2 for K = 1, 10, 100 at N x M (default 100,000 x 50,000), K = 1,000 on a tenth of the
# variants, and the tensor-core path at K = 100, 1,000), or all. Each phase fits one 10-minute
# device call; logs and summary-PHASE.txt go under $OUT (or ./gpu-out), the summary printed last.
# Exit status 1 if any check failed. The bundle is about 60 MB (OpenBLAS alone is 37 MB): under
# the 64 MiB a call may carry.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd); src=$(dirname "$here")
mode=${1:-}
case "$mode" in
bundle)
    set -e
    cd "$src"
    grep -qx '/.device/' .git/info/exclude 2>/dev/null || { mkdir -p .git/info; echo '/.device/' >> .git/info/exclude; }
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGRS_CUDA=ON >/dev/null
    cmake --build build -j "$(nproc)" --target grs test_backends test_pgs_device test_enet_device >/dev/null
    rm -rf .device
    p2=$(ls /usr/lib/plink2/plink2-avx2 2>/dev/null || true)
    bash ../shared/tools/device-bundle.sh .device build/grs build/tests/test_backends \
        build/tests/test_pgs_device build/tests/test_enet_device ${p2:+"$p2"} >/dev/null
    [ -n "$p2" ] && mv .device/bin/plink2-avx2 .device/bin/plink2
    du -sh .device | awk '{print "bundle: " $1 " in .device/"}'
    echo "next: device runs with command \"scripts/gpu-validate.sh run tests\" (then sanitize, bench) and carry [\".device\"]"
    ;;
run)
    phase=${2:-all}; N=${3:-100000}; M=${4:-50000}
    cd "$src"
    [ -f .device/env.sh ] || { echo "no .device/ bundle: run 'scripts/gpu-validate.sh bundle' first" >&2; exit 2; }
    . .device/env.sh
    O=${OUT:-$src/gpu-out}; mkdir -p "$O"
    S=$O/summary-$phase.txt; : > "$S"
    fail=0
    note() { echo "$*" | tee -a "$S"; }
    nvidia-smi > "$O/nvidia-smi.txt" 2>&1
    note "device: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"
    note "grs: $(grs version 2>&1 | head -1)"
    if [ "$phase" = tests ] || [ "$phase" = all ]; then
        # equivalence at every size (fp64 kernel, then the int8 tensor-core path), the CPU replay
        for tc in 0 1; do
            GRS_CUDA_TC=$tc timeout 200 test_backends > "$O/test_backends_tc$tc.log" 2>&1; rc=$?
            note "test_backends GRS_CUDA_TC=$tc: exit $rc; $(tail -1 "$O/test_backends_tc$tc.log")"
            [ $rc -eq 0 ] || fail=1
            grep 'worst' "$O/test_backends_tc$tc.log" | sed "s/^/  tc$tc /" >> "$S"
        done
        for t in test_pgs_device test_enet_device; do
            timeout 120 $t > "$O/$t.log" 2>&1; rc=$?
            note "$t: exit $rc; $(tail -1 "$O/$t.log")"
            [ $rc -eq 0 ] || fail=1
        done
    fi
    if [ "$phase" = sanitize ] || [ "$phase" = all ]; then
        # compute-sanitizer on the small sizes (test_backends -q), both paths
        if command -v compute-sanitizer >/dev/null; then
            for tool in memcheck racecheck initcheck synccheck; do
                extra=(); [ $tool = memcheck ] && extra=(--leak-check full)
                for tc in 0 1; do
                    GRS_CUDA_TC=$tc timeout 70 compute-sanitizer --tool $tool "${extra[@]}" --error-exitcode 9 test_backends -q \
                        > "$O/sanitizer-$tool-tc$tc.log" 2>&1; rc=$?
                    note "compute-sanitizer $tool GRS_CUDA_TC=$tc: exit $rc; $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$O/sanitizer-$tool-tc$tc.log" | tail -1)"
                    [ $rc -eq 0 ] || fail=1
                done
            done
        else
            note "compute-sanitizer: not found"; fail=1
        fi
    fi
    if [ "$phase" = bench ] || [ "$phase" = all ]; then
        # validates before timing; K = 1000 on a tenth of the variants; then the tensor-core path
        export GRS=$src/.device/bin/grs PY=${PY:-python3} BENCH_DIR=/tmp/grs-bench-gpu
        timeout 300 bash benchmarks/bench_gpu.sh "$N" "$M" "1 10 100" > "$O/bench.log" 2>&1; rc=$?
        note "bench_gpu.sh $N $M (1 10 100): exit $rc"; [ $rc -eq 0 ] || fail=1
        export BENCH_DIR=/tmp/grs-bench-gpu-1000
        timeout 120 bash benchmarks/bench_gpu.sh "$N" $((M / 10)) "1000" >> "$O/bench.log" 2>&1; rc=$?
        note "bench_gpu.sh $N $((M / 10)) (1000): exit $rc"; [ $rc -eq 0 ] || fail=1
        GRS_CUDA_TC=1 timeout 120 bash benchmarks/bench_gpu.sh "$N" $((M / 10)) "100 1000" > "$O/bench_tc.log" 2>&1; rc=$?
        note "bench_gpu.sh $N $((M / 10)) (100 1000) GRS_CUDA_TC=1: exit $rc"; [ $rc -eq 0 ] || fail=1
        grep -vE '^\s*$' "$O/bench.log" | tail -12 >> "$S"
        grep -vE '^\s*$' "$O/bench_tc.log" | tail -4 | sed 's/^/  tc /' >> "$S"
    fi
    echo "---- summary ($phase) ----"; cat "$S"
    exit $fail
    ;;
*)
    sed -n '2,19p' "$0" >&2; exit 2 ;;
esac
