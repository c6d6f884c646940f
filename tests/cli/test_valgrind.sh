#!/usr/bin/env bash
# Valgrind memcheck over representative CLI runs (issue 10): pack (.bed, VCF with dosages,
# BCF), view, score (--geno, --bfile, --vcf, --ref-freq, multi-score), a few bad inputs, and every
# other command on a tiny simulated cohort (simulate, report, shards + merge, train, predict,
# ancestry, normalize, store, query, pack --bgen, pack --bam)
# (their error paths free what they allocated). Every run must be memcheck-clean: no invalid
# read/write, no use of uninitialised values, no definite leak (--errors-for-leak-kinds=definite;
# htslib's and OpenBLAS's process-lifetime allocations are "still reachable", not reported).
# Labelled "valgrind" and excluded from the default ctest run by the Makefile only if slow.
. "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { skip "valgrind not installed"; finish; }
ldd "$GRS" 2>/dev/null | grep -q libasan && { skip "an ASan build cannot run under valgrind"; finish; }
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite)
# vg "desc" expected-exit args...
vg() {
    local d=$1 want=$2; shift 2
    OPENBLAS_NUM_THREADS=1 "${VG[@]}" "$GRS" "$@" >"$T/out" 2>"$T/err"; local rc=$?
    if [ $rc -eq 99 ] || grep -q '^==[0-9]*== ' "$T/err"; then bad "$d: valgrind errors"; grep '^==' "$T/err" | head -20 >&2
    elif [ $rc -ne "$want" ]; then bad "$d: exit $rc, expected $want"; tail -3 "$T/err" >&2
    else ok; fi
}
D=$T/small; bash "$SRC/tests/data/make_small.sh" "$D"
vg "pack VCF (DS)" 0 pack --vcf "$D/small.vcf" --dosage DS --out "$T/ds"
vg "pack VCF (GT, samples, regions)" 0 pack --vcf "$D/small.vcf" --samples "$D/keep.txt" --regions chr1 --out "$T/gt"
vg "view" 0 view --geno "$T/ds"
vg "view --dosage" 0 view --geno "$T/ds" --dosage
vg "view --variants" 0 view --geno "$T/ds" --variants
vg "view --meta" 0 view --geno "$T/ds" --meta
vg "view of a missing file" 1 view --geno "$T/nope"
printf 'chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n1\t100\tG\tA\tnan\n' > "$T/nan.txt"
vg "score: NaN weight" 1 score --geno "$T/ds" --score "$T/nan.txt" --out "$T/bad"
C=$SHARED/data/pgsc_calc-cineca
if [ -f "$C/cineca_synthetic_subset.bed" ]; then
    B=$C/cineca_synthetic_subset
    vg "pack .bed" 0 pack --bfile "$B" --out "$T/cin"
    vg "score --geno" 0 score --geno "$T/cin" --score "$C/PGS001229_22.txt" --out "$T/s1"
    vg "score --bfile" 0 score --bfile "$B" --score "$C/PGS001229_22.txt" --out "$T/s2"
    vg "score --vcf" 0 score --vcf "$B.vcf.gz" --score "$C/PGS001229_22.txt" --out "$T/s3"
    vg "score multi-file, --missing zero" 0 score --geno "$T/cin" --score "$C/PGS001229_22.txt" --score "$C/scorefile.txt" \
        --missing zero --min-overlap 0 --out "$T/s4"
    if command -v plink2 >/dev/null; then
        plink2 --bfile "$B" --freq --out "$T/fr" >/dev/null 2>&1
        vg "score --ref-freq" 0 score --geno "$T/cin" --score "$C/PGS001229_22.txt" --ref-freq "$T/fr.afreq" --out "$T/s5"
    fi
    vg "score: duplicate_* matching" 0 score --geno "$T/cin" --score "$C/PGS001229_22_duplicate.txt" --out "$T/s6"
    if command -v bcftools >/dev/null; then
        bcftools view -Ob -o "$T/c.bcf" "$B.vcf.gz" 2>/dev/null
        vg "pack BCF" 0 pack --vcf "$T/c.bcf" --out "$T/bcf"
    fi
else
    skip "no cineca data"
fi

# ---- every other command, on a tiny simulated cohort (150 samples x 1,500 variants, 3
# populations, dosages, 20 omics features): simulate, report, sharded score + merge, train with
# omics and covariates + predict, ancestry, normalize, store, query, BGEN and BAM packing
P=$T/pipe; mkdir -p "$P"
vg "simulate" 0 simulate --samples 150 --variants 1500 --populations 3 --seed 5 --dosage --score-variants 100 \
    --omics-features 20 --out "$P/sim"
"$GRS" pack --vcf "$P/sim.vcf.gz" --out "$P/g" -v 0 || bad "pack (plain run)"
vg "score --db" 0 score --geno "$P/g" --score "$P/sim.pgs.txt" --out "$P/s" --db "$P/r.sqlite"
vg "report (groups, covariates, match)" 0 report --scores "$P/s.sscore" --pheno "$P/sim.pheno.tsv" --pheno-col trait_bin \
    --covar "$P/sim.covar.tsv" --group population --match "$P/s.summary.json" --out "$P/rep"
vg "score --shard 1/2" 0 score --geno "$P/g" --score "$P/sim.pgs.txt" --shard 1/2 --out "$P/sh"
vg "score --shard 2/2" 0 score --geno "$P/g" --score "$P/sim.pgs.txt" --shard 2/2 --out "$P/sh"
vg "merge" 0 merge --out "$P/shm" "$P/sh"
vg "train (binary, omics, covariates, 3-fold CV)" 0 train --geno "$P/g" --pheno "$P/sim.pheno.tsv" --pheno-col trait_bin \
    --trait binary --omics "$P/sim.omics.tsv.gz" --covar "$P/sim.covar.tsv" --folds 3 --nlambda 8 --out "$P/m"
vg "predict --explain --db" 0 predict --model "$P/m" --geno "$P/g" --omics "$P/sim.omics.tsv.gz" --covar "$P/sim.covar.tsv" \
    --explain 3 --out "$P/p" --db "$P/r.sqlite"
awk -F'\t' 'NR>1 && (NR-1)%3 {print $2}' "$P/sim.covar.tsv" > "$P/ref.ids"
awk -F'\t' 'NR>1 && !((NR-1)%3) {print $2}' "$P/sim.covar.tsv" > "$P/tgt.ids"
for w in ref tgt; do
    "$GRS" pack --vcf "$P/sim.vcf.gz" --samples "$P/$w.ids" --out "$P/${w}g" -v 0 || bad "pack $w"
    "$GRS" score --geno "$P/${w}g" --score "$P/sim.pgs.txt" --out "$P/$w" -v 0 || bad "score $w"
done
vg "ancestry" 0 ancestry --ref-geno "$P/refg" --labels "$P/sim.covar.tsv" --label-col population \
    --target-geno "$P/tgtg" --pcs 4 --out "$P/anc"
vg "normalize --db" 0 normalize --ref-scores "$P/ref.sscore" --scores "$P/tgt.sscore" --ancestry "$P/anc.ancestry.tsv" \
    --out "$P/norm" --db "$P/r.sqlite"
vg "store" 0 store --db "$P/r2.sqlite" --scores "$P/tgt.sscore" --norm "$P/norm.norm.tsv" --ancestry "$P/anc.ancestry.tsv"
pt=$(head -n 1 "$P/tgt.ids")
vg "query text --explain" 0 query --db "$P/r.sqlite" --sample "$pt" --format text --explain 3
vg "query html" 0 query --db "$P/r.sqlite" --sample "$pt" --format html --out "$P/q.html"
vg "query json" 0 query --db "$P/r2.sqlite" --sample "$pt" --format json
vg "query: unknown sample" 1 query --db "$P/r.sqlite" --sample NOBODY --format text
B=$SHARED/data/regenie-example
if [ -f "$B/example.bgen" ]; then
    vg "pack --bgen" 0 pack --bgen "$B/example.bgen" --out "$P/bgen"
else
    skip "no BGEN example data"
fi
M=$SHARED/data/bcftools-mpileup/mpileup
if [ -f "$M/mpileup.1.bam" ] && command -v bcftools >/dev/null; then
    ls "$M"/mpileup.{1,2,3}.bam > "$P/bams.txt"
    REF=$M/mpileup.ref.fa
    bcftools mpileup -f "$REF" "$M"/mpileup.{1,2,3}.bam 2>/dev/null | bcftools call -mv -Oz -o "$P/calls.vcf.gz" 2>/dev/null \
        && tabix -f "$P/calls.vcf.gz"
    vg "pack --bam" 0 pack --bam "$P/bams.txt" --sites "$P/calls.vcf.gz" --fasta "$REF" --out "$P/bam"
else
    skip "no BAM example data"
fi
finish
