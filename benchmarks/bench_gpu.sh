#!/usr/bin/env bash
# bench_gpu.sh -- grs --backend cuda vs --backend cpu vs plink2 --score, same data, same run.
#   benchmarks/bench_gpu.sh [SAMPLES] [VARIANTS] [KS]        (default 100000 200000 "1 10 100 1000")
# Validates before it times: every K is first scored on both backends and compared with
# tests/cli/compare_sscore.py (exit 1 on a mismatch). Then reports, per K: wall seconds of each
# tool, genotypes/s and effective GB/s of 2-bit data (n·m/4 bytes) on the GPU, and the ratios.
# Needs a CUDA device (exit 77 without one); plink2 is optional (its column is skipped).
set -euo pipefail
N=${1:-100000}; M=${2:-200000}; KS=${3:-"1 10 100 1000"}
here=$(cd "$(dirname "$0")" && pwd); src=$(dirname "$here")
GRS=${GRS:-$src/build/grs}
PY=${PY:-/usr/bin/python3}
W=${BENCH_DIR:-/tmp/grs-bench-gpu}
TH=${THREADS:-$(nproc)}
mkdir -p "$W"; cd "$W"
"$GRS" version | grep -q cuda || { echo "grs built without CUDA" >&2; exit 77; }
command -v nvidia-smi >/dev/null && nvidia-smi -L | grep -q GPU || { echo "no CUDA device" >&2; exit 77; }
have_plink2=0; command -v plink2 >/dev/null && have_plink2=1
if [ ! -s d.grsm ]; then
    if [ $have_plink2 = 1 ]; then
        plink2 --dummy "$N" "$M" 0.01 acgt --make-bed --out d --threads "$TH" >/dev/null
        "$GRS" pack --bfile d --out d --threads "$TH" -v 0
    else
        "$GRS" simulate --samples "$N" --variants "$M" --seed 1 --out d --threads "$TH" -v 0
        "$GRS" pack --vcf d.vcf.gz --out d --threads "$TH" -v 0
    fi
fi
"$GRS" view --geno d --variants | awk 'NR > 1 { print $3 "\t" $5 }' > ids.txt
"$PY" - ids.txt $KS <<'PY'
import random, sys
ids = [l.rstrip("\n") for l in open(sys.argv[1])]
for K in map(int, sys.argv[2:]):
    random.seed(K)
    with open("w%d.txt" % K, "w") as f:
        f.write("ID\tA1\t" + "\t".join("S%d" % k for k in range(1, K + 1)) + "\n")
        for x in ids: f.write(x + "\t" + "\t".join("%.6g" % random.gauss(0, 0.01) for _ in range(K)) + "\n")
PY
t() { local name=$1; shift; /usr/bin/time -f "%e %M" -o "$name.time" "$@" >/dev/null 2>"$name.log" || { cat "$name.log"; exit 1; }; cut -d' ' -f1 "$name.time"; }
echo "# $N samples x $M variants; $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader)"
echo "# $("$GRS" version | head -2 | tr '\n' ' ')"
printf '%6s %10s %10s %10s %12s %10s %10s %10s\n' K cuda_s cpu_s plink2_s genotypes/s GB/s cpu/cuda plink2/cuda
for K in $KS; do
    cols=$([ "$K" = 1 ] && echo "" || echo "--score-col-nums 3-$((K + 2))")
    common=(score --geno d --score "w$K.txt" --header-read --match-id --keep-ambiguous --threads "$TH")
    "$GRS" "${common[@]}" --backend cuda --out "cuda$K" -v 0
    "$GRS" "${common[@]}" --backend cpu --out "cpu$K" -v 0
    "$PY" "$src/tests/cli/compare_sscore.py" "cuda$K.sscore" "cpu$K.sscore" >/dev/null || { echo "K=$K: cuda and cpu disagree" >&2; exit 1; }
    tc=$(t "cuda$K" "$GRS" "${common[@]}" --backend cuda --out "cuda$K")
    tp=$(t "cpu$K" "$GRS" "${common[@]}" --backend cpu --out "cpu$K")
    t2=NA
    if [ $have_plink2 = 1 ] && [ -s d.bed ]; then
        t2=$(t "plink2_$K" plink2 --bfile d --score "w$K.txt" 1 2 header-read cols=+scoresums,+denom $cols --threads "$TH" --out "p2_$K")
    fi
    awk -v K="$K" -v tc="$tc" -v tp="$tp" -v t2="$t2" -v n="$N" -v m="$M" 'BEGIN {
        g = n * m / tc; printf "%6d %10.2f %10.2f %10s %12.3g %10.2f %10.2f %10s\n", K, tc, tp, t2, g, g / 4 / 1e9, tp / tc,
            (t2 == "NA" ? "NA" : sprintf("%.2f", t2 / tc)) }'
done
echo "# wall times include reading the weights and writing outputs; kernel-only throughput: nsys or -v 4 logs"
