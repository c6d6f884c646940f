#!/usr/bin/env bash
# demo.sh -- the main job end to end on a simulated example cohort (fixed seed):
#   simulate (VCF.gz + PGS Catalog scoring file) → pack (.grsm) → score (.sscore, match log, summary)
#   → report (HTML with plots, JSON, TSV); then one patient's answer: ancestry PCA on a labelled
#   panel (9/10 of the cohort) → normalize the other tenth → results store → grs query
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

patient=
if command -v bcftools >/dev/null; then
    echo "== 5. ancestry: PCA of a labelled panel (9/10 of the cohort), the other tenth projected"
    awk -F'\t' 'NR > 1 && (NR - 2) % 10 != 0 { print $2 }' "$OUT/cohort.covar.tsv" > "$OUT/panel.ids"
    awk -F'\t' 'NR > 1 && (NR - 2) % 10 == 0 { print $2 }' "$OUT/cohort.covar.tsv" > "$OUT/targets.ids"
    awk -F'\t' 'BEGIN { print "IID\tpopulation" } NR > 1 { print $2 "\t" $5 }' "$OUT/cohort.covar.tsv" > "$OUT/labels.tsv"
    bcftools view -S "$OUT/panel.ids" "$OUT/cohort.vcf.gz" -Oz -o "$OUT/panel.vcf.gz"
    bcftools view -S "$OUT/targets.ids" "$OUT/cohort.vcf.gz" -Oz -o "$OUT/targets.vcf.gz"
    "$GRS" ancestry --ref-vcf "$OUT/panel.vcf.gz" --labels "$OUT/labels.tsv" --target-vcf "$OUT/targets.vcf.gz" \
        --out "$OUT/anc" -v 4
    echo "== 6. score panel and targets; normalize the targets in their most similar population"
    rm -f "$OUT/results.sqlite"
    "$GRS" score --vcf "$OUT/panel.vcf.gz" --score "$OUT/cohort.pgs.txt" --out "$OUT/panel" -v 3
    "$GRS" score --vcf "$OUT/targets.vcf.gz" --score "$OUT/cohort.pgs.txt" --out "$OUT/targets" \
        --db "$OUT/results.sqlite" -v 3
    "$GRS" normalize --ref-scores "$OUT/panel.sscore" --scores "$OUT/targets.sscore" --ancestry "$OUT/anc.ancestry.tsv" \
        --out "$OUT/norm" --db "$OUT/results.sqlite" -v 4
    patient=$(head -n 1 "$OUT/targets.ids")
    echo "== 7. one patient's risk from the results store: grs query --sample $patient"
    "$GRS" query --db "$OUT/results.sqlite" --sample "$patient" --format html --out "$OUT/patient.html"
    "$GRS" query --db "$OUT/results.sqlite" --sample "$patient" --format text | sed -n '1,16p'
else
    echo "== (bcftools not installed: the ancestry / per-patient part is skipped)"
fi

echo
echo "== outputs"
for f in cohort.grsm cohort.sscore cohort.match.tsv.gz cohort.summary.json cohort.pheno.tsv cohort.covar.tsv \
         report/report.html report/report.json report/report.tsv anc.ancestry.tsv anc.pcamodel norm.norm.tsv \
         norm.refdist.json results.sqlite patient.html; do
    [ -e "$OUT/$f" ] && printf '  %-40s %s\n' "$OUT/$f" "$(du -h "$OUT/$f" | cut -f1)"
done
echo
echo "first lines of $OUT/cohort.sscore:"
head -4 "$OUT/cohort.sscore" | cut -c1-120
