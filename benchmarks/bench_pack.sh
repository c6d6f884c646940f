#!/usr/bin/env bash
# bench_pack.sh -- grs pack vs plink2 --make-pgen on the same plink2 --dummy data, same run.
#   usage: benchmarks/bench_pack.sh [GRS_BINARY] [N_SAMPLES] [N_VARIANTS] [THREADS]
#   defaults: build/grs 5000 100000 2. Data go to $BENCH_DIR (default: a temp dir, removed).
# Prints wall seconds and peak RSS (/usr/bin/time -f '%e %M') of each run, and the ratios.
set -euo pipefail
GRS=${1:-build/grs}
NS=${2:-5000}
NV=${3:-100000}
TH=${4:-2}
command -v plink2 >/dev/null || { echo "plink2 not found" >&2; exit 77; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found" >&2; exit 77; }
GRS=$(readlink -f "$GRS")
if [ -n "${BENCH_DIR:-}" ]; then W=$BENCH_DIR; mkdir -p "$W"; else W=$(mktemp -d); trap 'rm -rf "$W"' EXIT; fi
cd "$W"
if [ ! -f dummy.vcf.gz ] || [ ! -f dummy.bed ]; then
    echo "generating $NS samples x $NV variants with plink2 --dummy (1% missing) ..." >&2
    plink2 --dummy "$NS" "$NV" 0.01 acgt --seed 1 --threads "$TH" --export vcf bgz --out dummy >/dev/null
    plink2 --dummy "$NS" "$NV" 0.01 acgt --seed 1 --threads "$TH" --make-bed --out dummy >/dev/null
fi
run() {  # name command... -> "name wall_s rss_kb"
    local name=$1; shift
    sync
    /usr/bin/time -f '%e %M' -o time.txt "$@" >/dev/null 2>&1 || { echo "$name FAILED" >&2; exit 1; }
    echo "$name $(cat time.txt)"
}
{
run grs_vcf    "$GRS" pack --vcf dummy.vcf.gz --threads "$TH" --out g_vcf -v 0
run plink2_vcf plink2 --vcf dummy.vcf.gz --make-pgen --threads "$TH" --out p_vcf
run grs_bed    "$GRS" pack --bfile dummy --threads "$TH" --out g_bed -v 0
run plink2_bed plink2 --bfile dummy --make-pgen --threads "$TH" --out p_bed
} > results.txt
# the two grs packs must hold the same genotypes
[ "$("$GRS" view --geno g_vcf | md5sum)" = "$("$GRS" view --geno g_bed | md5sum)" ] \
    || { echo "grs VCF and .bed packs differ" >&2; exit 1; }
echo "# $NS samples x $NV variants, threads=$TH, $(nproc) cores; grs $("$GRS" --version | head -1); $(plink2 --version)"
awk '{ t[$1]=$2; m[$1]=$3; printf "%-11s %8.2f s %10.1f MiB\n", $1, $2, $3/1024 }
     END { printf "VCF: grs/plink2 time %.2f, RSS %.3f\n", t["grs_vcf"]/t["plink2_vcf"], m["grs_vcf"]/m["plink2_vcf"];
           printf "BED: grs/plink2 time %.2f, RSS %.3f\n", t["grs_bed"]/t["plink2_bed"], m["grs_bed"]/m["plink2_bed"] }' results.txt
