#!/usr/bin/env bash
# bench_bgen.sh -- grs score --bgen vs plink2 --bgen ... ref-first --score, same data, same run.
#   usage: benchmarks/bench_bgen.sh [GRS_BINARY] [N_SAMPLES] [N_VARIANTS] [N_SCORED] [THREADS]
#   defaults: build/grs 5000 100000 20000 2. Data go to $BENCH_DIR (default: a temp dir, removed).
# The BGEN is simulated by plink2 (--dummy with dosages, 1% missing, then --export bgen-1.2
# bits=8 as UK Biobank ships, zlib). The scoring file has N_SCORED variants with positions, so
# grs decodes only those (the other genotype blocks are skipped unread, no .bgi); plink2 imports
# the whole BGEN before scoring. Both scores are compared (compare_sscore.py --full) before the
# timings are printed: wall seconds and peak RSS (/usr/bin/time -f '%e %M'), and the ratios.
set -euo pipefail
GRS=${1:-build/grs}
NS=${2:-5000}
NV=${3:-100000}
NK=${4:-20000}
TH=${5:-2}
SRC=$(cd "$(dirname "$0")/.." && pwd)
command -v plink2 >/dev/null || { echo "plink2 not found" >&2; exit 77; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found" >&2; exit 77; }
GRS=$(readlink -f "$GRS")
if [ -n "${BENCH_DIR:-}" ]; then W=$BENCH_DIR; mkdir -p "$W"; else W=$(mktemp -d); trap 'rm -rf "$W"' EXIT; fi
cd "$W"
if [ ! -f dummy.bgen ]; then
    echo "generating $NS samples x $NV variants with plink2 --dummy (dosages, 1% missing) ..." >&2
    plink2 --dummy "$NS" "$NV" 0.01 dosage-freq=0.5 acgt --seed 1 --threads "$TH" --make-pgen --out dummy >/dev/null
    plink2 --pfile dummy --export bgen-1.2 bits=8 --threads "$TH" --out dummy >/dev/null
fi
# every (NV/NK)-th variant, positions from the .pvar (plink2 --dummy numbers them from 0: skip 0)
awk -v step=$((NV / NK)) 'BEGIN{srand(2); OFS="\t"; print "rsID","chr_name","chr_position","effect_allele","other_allele","effect_weight"}
     !/^#/ && $2 > 0 && (++i % step) == 0 {print $3, $1, $2, $5, $4, sprintf("%.6f", rand() - 0.5)}' dummy.pvar >w.pgs
awk 'BEGIN{OFS="\t"; print "ID","A1","w.pgs"} NR>1 {print $1, $4, $6}' w.pgs >w.plink
run() {  # name command... -> "name wall_s rss_kb"
    local name=$1; shift
    sync
    /usr/bin/time -f '%e %M' -o time.txt "$@" >/dev/null 2>&1 || { echo "$name FAILED" >&2; exit 1; }
    echo "$name $(cat time.txt)"
}
{
run grs_bgen    "$GRS" score --bgen dummy.bgen --sample dummy.sample --score w.pgs --keep-ambiguous \
                --full-precision --threads "$TH" --out g -v 0
run plink2_bgen plink2 --bgen dummy.bgen ref-first --sample dummy.sample --score w.plink 1 2 3 header-read \
                cols=+scoresums,+denom --threads "$TH" --out p
} >results.txt
# (compare_sscore.py wants an exact NAMED_ALLELE_DOSAGE_SUM where plink2 prints a fractional sum
# without a decimal point, e.g. 307.000366 as "307": such a line is reported, not fatal)
/usr/bin/python3 "$SRC/tests/cli/compare_sscore.py" --full g.sscore p.sscore \
    || echo "WARNING: compare_sscore.py reports differences (above)"
echo "# $NS samples x $NV variants (BGEN v1.2, 8 bits, zlib, $(du -m dummy.bgen | cut -f1) MB), $(($(wc -l <w.pgs) - 1)) scored variants, threads=$TH, $(nproc) cores; grs $("$GRS" --version | head -1); $(plink2 --version)"
awk '{ t[$1]=$2; m[$1]=$3; printf "%-12s %8.2f s %10.1f MiB\n", $1, $2, $3/1024 }
     END { printf "BGEN score: plink2/grs time %.2f (grs %.2fx faster), grs/plink2 RSS %.3f\n",
                  t["plink2_bgen"]/t["grs_bgen"], t["plink2_bgen"]/t["grs_bgen"], m["grs_bgen"]/m["plink2_bgen"] }' results.txt
