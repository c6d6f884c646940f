#!/usr/bin/env bash
# bench_score.sh -- grs score vs plink2 --score, same machine, same run, same threads.
#   benchmarks/bench_score.sh [SAMPLES] [VARIANTS] [THREADS]     (default 20000 200000 2)
# Data: plink2 --dummy (random genotypes, 1% missing) as a PLINK .bed. Scores: 1 and 100
# weight columns over every variant (PLINK style, matched by ID). Each tool is timed with
# /usr/bin/time (wall seconds, peak RSS); outputs are compared with compare_sscore.py.
set -euo pipefail
N=${1:-20000}; M=${2:-200000}; TH=${3:-2}
here=$(cd "$(dirname "$0")" && pwd); src=$(dirname "$here")
GRS=${GRS:-$src/build/grs}
W=${BENCH_DIR:-/tmp/grs-bench-score}
mkdir -p "$W"; cd "$W"
if [ ! -s d.bed ] || [ "$(wc -l < d.fam)" != "$N" ] || [ "$(wc -l < d.bim)" != "$M" ]; then
    plink2 --dummy "$N" "$M" 0.01 acgt --make-bed --out d --threads "$TH" >/dev/null
fi
/usr/bin/python3 - "$M" <<'PY'
import random, sys
random.seed(1)
ids = [l.split()[1] + "\t" + l.split()[4] for l in open("d.bim")]
with open("w1.txt", "w") as f:
    f.write("ID\tA1\tS1\n")
    for x in ids: f.write("%s\t%.6g\n" % (x, random.gauss(0, 0.01)))
with open("w100.txt", "w") as f:
    f.write("ID\tA1\t" + "\t".join("S%d" % k for k in range(1, 101)) + "\n")
    for x in ids: f.write(x + "\t" + "\t".join("%.5g" % random.gauss(0, 0.01) for _ in range(100)) + "\n")
PY
t() { local name=$1; shift; /usr/bin/time -f "%e %M" -o "$name.time" "$@" >/dev/null 2>"$name.log" || { cat "$name.log"; exit 1; }
      read -r s kb < "$name.time"; printf '%-28s %8.2f s %8.0f MiB\n' "$name" "$s" "$((kb / 1024))"; }
echo "# $N samples x $M variants, $TH threads, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# $(plink2 --version | head -1); $("$GRS" --version | head -1) ($("$GRS" --version | sed -n 2p))"
for k in 1 100; do
    cols=$([ $k = 1 ] && echo "" || echo "--score-col-nums 3-102")
    t "plink2_score_k$k" plink2 --bfile d --score "w$k.txt" 1 2 header-read cols=+scoresums,+denom $cols \
        --threads "$TH" --out "p2_k$k"
    t "grs_score_bfile_k$k" "$GRS" score --bfile d --score "w$k.txt" --header-read --match-id --keep-ambiguous \
        --threads "$TH" --backend cpu --out "grs_k$k"
    /usr/bin/python3 "$src/tests/cli/compare_sscore.py" "grs_k$k.sscore" "p2_k$k.sscore" | sed 's/^/    parity: /'
done
t "grs_pack_bfile" "$GRS" pack --bfile d --out d --threads "$TH"
for k in 1 100; do
    t "grs_score_geno_k$k" "$GRS" score --geno d --score "w$k.txt" --header-read --match-id --keep-ambiguous \
        --threads "$TH" --backend cpu --out "grsg_k$k"
done
for k in 1 100; do
    p=$(cut -d' ' -f1 "plink2_score_k$k.time"); g=$(cut -d' ' -f1 "grs_score_bfile_k$k.time"); h=$(cut -d' ' -f1 "grs_score_geno_k$k.time")
    echo "ratio plink2/grs at K=$k: --bfile $(echo "scale=2; $p / $g" | bc)x, --geno $(echo "scale=2; $p / $h" | bc)x"
done
