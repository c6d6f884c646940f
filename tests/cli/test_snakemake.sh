#!/usr/bin/env bash
# The Snakemake example (issue 7): examples/snakemake/Snakefile on a `grs simulate` cohort with
# `snakemake --cores 2`: pack -> 3 score shards -> merge -> report. The merged .sscore must be
# byte-identical to one unsharded `grs score` run, and the report must be written.
# Skipped (77) without Debian's snakemake.
. "$(dirname "$0")/lib.sh"
command -v snakemake >/dev/null || { skip "snakemake not installed"; finish; }
"$GRS" simulate --help >/dev/null 2>&1 || { skip "grs simulate not available"; finish; }
check "simulate" "$GRS" simulate --samples 600 --variants 6000 --score-variants 5000 --omics-features 0 --seed 3 \
    --out "$T/sim"
mkdir -p "$T/wf"
if snakemake -s "$SRC/examples/snakemake/Snakefile" --directory "$T/wf" --cores 2 --quiet \
    --config grs="$GRS" vcf="$T/sim.vcf.gz" scores="$T/sim.pgs.txt" pheno="$T/sim.pheno.tsv" out=res/cohort shards=3 \
    report_opts="--pheno-col trait_bin" mem_mb=500 >"$T/sm.log" 2>&1; then ok; else bad "snakemake failed"; tail -20 "$T/sm.log" >&2; fi
W=$T/wf/res
check "single run" "$GRS" score --geno "$W/cohort" --score "$T/sim.pgs.txt" --out "$T/single"
cmp -s "$T/single.sscore" "$W/cohort.sscore" && ok || bad "pipeline .sscore differs from the single run"
[ "$(ls "$W"/cohort.shard*-of-3.manifest.json 2>/dev/null | wc -l)" = 3 ] && ok || bad "expected 3 shard manifests"
[ -s "$W/cohort.report/report.html" ] && [ -s "$W/cohort.report/report.json" ] && ok || bad "no report written"
# a second run has nothing to do
snakemake -s "$SRC/examples/snakemake/Snakefile" --directory "$T/wf" --cores 2 --dry-run --quiet \
    --config grs="$GRS" vcf="$T/sim.vcf.gz" scores="$T/sim.pgs.txt" pheno="$T/sim.pheno.tsv" out=res/cohort shards=3 \
    report_opts="--pheno-col trait_bin" mem_mb=500 >"$T/dry.log" 2>&1
grep -qi "nothing to be done" "$T/dry.log" && ok || { bad "a second run would redo work"; cat "$T/dry.log" >&2; }
finish
