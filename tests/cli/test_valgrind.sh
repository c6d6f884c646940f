#!/usr/bin/env bash
# Valgrind memcheck over representative CLI runs (issue 10): pack (.bed, VCF with dosages,
# BCF), view, score (--geno, --bfile, --vcf, --ref-freq, multi-score), and a few bad inputs
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
finish
