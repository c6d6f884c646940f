#!/usr/bin/env bash
# demo.sh -- the main job end to end on a simulated example cohort (fixed seed):
#   simulate (VCF.gz + PGS Catalog scoring file) → pack (.grsm) → score (.sscore, match log, summary)
#   → report (HTML with plots, JSON, TSV)
# Usage: scripts/demo.sh [path/to/grs]   (make demo builds grs first)
set -euo pipefail
GRS=${1:-build/grs}
OUT=${DEMO_OUT:-out/demo}
mkdir -p "$OUT"
echo "== grs demo: outputs in $OUT/"
"$GRS" --version | head -1

echo "== 1. simulate 2,000 samples x 20,000 variants in 3 populations (seed 7)"
"$GRS" simulate --samples 2000 --variants 20000 --populations 3 --seed 7 --dosage \
    --score-variants 2000 --out "$OUT/cohort"

echo "== 2. pack the VCF into a 2-bit matrix"
"$GRS" pack --vcf "$OUT/cohort.vcf.gz" --out "$OUT/cohort" -v 4

echo "== 3. score with the PGS Catalog-format scoring file"
"$GRS" score --geno "$OUT/cohort" --score "$OUT/cohort.pgs.txt" --out "$OUT/cohort" -v 4

echo "== 4. report the score against the simulated binary trait, by population"
"$GRS" report --scores "$OUT/cohort.sscore" --pheno "$OUT/cohort.pheno.tsv" --pheno-col trait_bin \
    --covar "$OUT/cohort.covar.tsv" --group population --match "$OUT/cohort.summary.json" \
    --out "$OUT/report" -v 4

echo
echo "== outputs"
for f in cohort.grsm cohort.sscore cohort.match.tsv.gz cohort.summary.json cohort.pheno.tsv cohort.covar.tsv \
         report/report.html report/report.json report/report.tsv; do
    [ -e "$OUT/$f" ] && printf '  %-40s %s\n' "$OUT/$f" "$(du -h "$OUT/$f" | cut -f1)"
done
echo
echo "first lines of $OUT/cohort.sscore:"
head -4 "$OUT/cohort.sscore" | cut -c1-120
