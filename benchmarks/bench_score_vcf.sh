#!/usr/bin/env bash
# bench_score_vcf.sh -- grs score --vcf vs plink2 --vcf ... --score, straight from a bgzipped VCF.
#   benchmarks/bench_score_vcf.sh [SAMPLES] [VARIANTS] [SCORED] [THREADS]   (default 5000 100000 20000 2)
# Data: plink2 --dummy (1% missing) exported as VCF.gz (the DESIGN §7 file); one score over SCORED
# random variants (PLINK style, by ID). Parity checked with compare_sscore.py in the same run.
set -euo pipefail
N=${1:-5000}; M=${2:-100000}; S=${3:-20000}; TH=${4:-2}
here=$(cd "$(dirname "$0")" && pwd); src=$(dirname "$here")
GRS=${GRS:-$src/build/grs}
W=${BENCH_DIR:-/tmp/grs-bench-score-vcf}
mkdir -p "$W"; cd "$W"
if [ ! -s dummy.vcf.gz ]; then
    plink2 --dummy "$N" "$M" 0.01 acgt --seed 1 --threads "$TH" --export vcf bgz --out dummy >/dev/null
fi
zcat dummy.vcf.gz | awk '!/^#/ { print $3 "\t" $5 }' | /usr/bin/python3 -c "
import random, sys
random.seed(2)
rows = sys.stdin.read().split('\n')[:-1]
pick = sorted(random.sample(range(len(rows)), $S))
print('ID\tA1\tW')
for i in pick: print('%s\t%.6g' % (rows[i], random.gauss(0, 0.01)))
" > w.txt
t() { local name=$1; shift; /usr/bin/time -f "%e %M" -o "$name.time" "$@" >/dev/null 2>"$name.log" || { cat "$name.log"; exit 1; }
      read -r s kb < "$name.time"; printf '%-22s %8.2f s %8.0f MiB\n' "$name" "$s" "$((kb / 1024))"; }
echo "# $N samples x $M variants VCF.gz, $S scored, $TH threads; $(plink2 --version | head -1); $("$GRS" --version | head -1)"
t plink2_vcf_score plink2 --vcf dummy.vcf.gz --score w.txt 1 2 3 header-read cols=+scoresums,+denom --threads "$TH" --out p2
t grs_vcf_score "$GRS" score --vcf dummy.vcf.gz --score w.txt --header-read --match-id --keep-ambiguous --threads "$TH" --out g
/usr/bin/python3 "$src/tests/cli/compare_sscore.py" g.sscore p2.sscore | sed 's/^/    parity: /'
p=$(cut -d' ' -f1 plink2_vcf_score.time); g=$(cut -d' ' -f1 grs_vcf_score.time)
echo "ratio plink2/grs: $(echo "scale=2; $p / $g" | bc)x"
