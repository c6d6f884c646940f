#!/usr/bin/env bash
# test_single_sample.sh -- one patient's whole-genome VCF, scored alone, gives the values that the
# same sample gets inside its cohort (issue 9, "single-sample path").
#
# Data: the pgsc_calc CINECA chr22 set (2,504 1000 Genomes-named samples x 829 SNPs, ../shared;
# skipped when absent). For each of a few samples (one with a missing call):
#   cohort:  grs score --vcf cohort.vcf.gz --ref-freq cohort.afreq           (plink2 --freq)
#   patient: bcftools view -s S | drop its REF/REF records (a WGS call set does not list them)
#            grs score --vcf patient.vcf.gz --absent-ref sites.vcf.gz --ref-freq cohort.afreq
# The two .sscore rows must be byte-identical at 17 significant digits; without --absent-ref
# the patient's score falls below --min-overlap (the dropped REF/REF sites look unmatched).
# Then the whole per-patient path on a simulated 3-population cohort with a labelled panel (the
# CINECA set has no population labels): the patient's raw score, its projection through the
# saved .pcamodel (grs ancestry --model --target-absent-ref) and its normalization through the
# saved refdist.json (grs normalize --ref-dist) must equal the rows the cohort run gave it, and
# `grs query` must answer the same from the patient's own store as from the cohort's.
. "$(dirname "$0")/lib.sh"
command -v bcftools >/dev/null || { skip "bcftools not installed"; finish; }
command -v plink2 >/dev/null || { skip "plink2 not installed"; finish; }
D=$SHARED/data/pgsc_calc-cineca
if [ ! -f "$D/cineca_synthetic_subset.vcf.gz" ]; then
    skip "../shared/data/pgsc_calc-cineca absent: the 1000 Genomes-named part"
else
V=$D/cineca_synthetic_subset.vcf.gz
P=$D/PGS001229_22.txt

plink2 --vcf "$V" --freq --out "$T/fq" >/dev/null 2>&1 || { bad "plink2 --freq"; finish; }
bcftools view -G "$V" -Oz -o "$T/sites.vcf.gz" 2>/dev/null || { bad "bcftools view -G"; finish; }
check "score the cohort" "$GRS" score --vcf "$V" --score "$P" --ref-freq "$T/fq.afreq" --full-precision --out "$T/cohort" -v 0

for S in HG00097_HG00097 HG00099_HG00099 NA21144_NA21144 HG03006_HG03006; do
    bcftools view -s "$S" "$V" 2>/dev/null | bcftools view -e 'GT="0/0"' -Oz -o "$T/$S.vcf.gz" 2>/dev/null \
        || { bad "bcftools extract $S"; continue; }
    check "score $S alone" "$GRS" score --vcf "$T/$S.vcf.gz" --absent-ref "$T/sites.vcf.gz" --score "$P" \
        --ref-freq "$T/fq.afreq" --full-precision --out "$T/$S" -v 0
    want=$(grep -P "^$S\t" "$T/cohort.sscore"); got=$(tail -n 1 "$T/$S.sscore")
    [ -n "$want" ] && [ "$want" = "$got" ] && ok || bad "$S alone: '$got', in the cohort: '$want'"
done
# the sample with a missing call really has one in its single-sample VCF (mean imputation path)
n_miss=$(bcftools query -i 'GT="mis"' -f '%POS\n' "$T/HG00099_HG00099.vcf.gz" | wc -l)
[ "$n_miss" -ge 1 ] && ok || bad "HG00099 should carry a missing call"

# without --absent-ref the dropped sites are simply unmatched
S=HG00097_HG00097
"$GRS" score --vcf "$T/$S.vcf.gz" --score "$P" --ref-freq "$T/fq.afreq" --out "$T/none" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "min-overlap" "$T/err" && ok || bad "without --absent-ref: exit $rc, $(cat "$T/err")"

# a .bim site list works the same (plink2: A2 is REF)
plink2 --vcf "$V" --make-just-bim --out "$T/sites" >/dev/null 2>&1 \
    && check "score with a .bim site list" "$GRS" score --vcf "$T/$S.vcf.gz" --absent-ref "$T/sites.bim" --score "$P" \
        --ref-freq "$T/fq.afreq" --full-precision --out "$T/bim" -v 0 \
    && { [ "$(tail -n 1 "$T/bim.sscore")" = "$(grep -P "^$S\t" "$T/cohort.sscore")" ] && ok || bad ".bim site list differs"; }

# a site list that names the chromosome "chr22" (the patient's VCF says "22") meets the same sites
bcftools view "$T/sites.vcf.gz" 2>/dev/null | awk 'BEGIN { OFS = "\t" } /^#/ { print; next } { $1 = "chr" $1; print }' > "$T/sites_chr.vcf"
check "score with a chr-prefixed site list" "$GRS" score --vcf "$T/$S.vcf.gz" --absent-ref "$T/sites_chr.vcf" --score "$P" \
    --ref-freq "$T/fq.afreq" --full-precision --out "$T/chr" -v 0
[ "$(tail -n 1 "$T/chr.sscore")" = "$(grep -P "^$S\t" "$T/cohort.sscore")" ] && ok || bad "chr-prefixed site list differs"

# bad site lists: exit 1, the file named, no output
printf '' > "$T/empty.vcf"
expect_error "empty site list" "empty.vcf" "$T/e1.sscore" \
    "$GRS" score --vcf "$T/$S.vcf.gz" --absent-ref "$T/empty.vcf" --score "$P" --out "$T/e1"
printf '22\t100\trs1\tA\tG\n' > "$T/nohdr.vcf"
expect_error "site list without a header" "nohdr.vcf.*line 1" "$T/e2.sscore" \
    "$GRS" score --vcf "$T/$S.vcf.gz" --absent-ref "$T/nohdr.vcf" --score "$P" --out "$T/e2"
printf '#CHROM\tPOS\tID\tREF\tALT\n22\tabc\trs1\tA\tG\n' > "$T/badpos.vcf"
expect_error "site list with a bad position" "badpos.vcf.*line 2.*abc" "$T/e3.sscore" \
    "$GRS" score --vcf "$T/$S.vcf.gz" --absent-ref "$T/badpos.vcf" --score "$P" --out "$T/e3"
printf '#CHROM\tPOS\tID\n22\t1\tx\n' > "$T/nocols.vcf"
expect_error "site list without REF/ALT" "nocols.vcf.*lacks" "$T/e4.sscore" \
    "$GRS" score --vcf "$T/$S.vcf.gz" --absent-ref "$T/nocols.vcf" --score "$P" --out "$T/e4"
expect_error "missing site list" "nosuch.vcf" "$T/e5.sscore" \
    "$GRS" score --vcf "$T/$S.vcf.gz" --absent-ref "$T/nosuch.vcf" --score "$P" --out "$T/e5"
"$GRS" score --bfile "$D/cineca_synthetic_subset" --absent-ref "$T/sites.vcf.gz" --score "$P" --out "$T/e6" 2>/dev/null
[ $? -eq 2 ] && ok || bad "--absent-ref with --bfile should be a usage error (2)"

# an unsorted patient VCF cannot be merged with the site list: a clear error, not a wrong score
S=HG00097_HG00097
{ bcftools view -h "$T/$S.vcf.gz"; bcftools view -H "$T/$S.vcf.gz" | sort -t$'\t' -k2,2nr; } > "$T/unsorted.vcf"
expect_error "unsorted patient VCF" "unsorted.vcf.*position-sorted" "$T/e7.sscore" \
    "$GRS" score --vcf "$T/unsorted.vcf" --absent-ref "$T/sites.vcf.gz" --score "$P" --out "$T/e7"

fi   # CINECA part

# ---- the whole per-patient path on a simulated cohort with a labelled panel ----
W=$T/sim; mkdir -p "$W"
check "simulate" "$GRS" simulate --samples 420 --variants 4000 --populations 3 --fst 0.08 --seed 11 \
    --omics-features 0 --out "$W/sim" -v 0
awk -F'\t' 'NR > 1 && (NR - 2) % 7 != 0 { print $2 }' "$W/sim.covar.tsv" > "$W/panel.ids"   # 360
awk -F'\t' 'NR > 1 && (NR - 2) % 7 == 0 { print $2 }' "$W/sim.covar.tsv" > "$W/cohort.ids"  # 60
awk -F'\t' 'BEGIN { print "IID\tpopulation" } NR > 1 { print $2 "\t" $5 }' "$W/sim.covar.tsv" > "$W/labels.tsv"
bcftools view -S "$W/panel.ids" "$W/sim.vcf.gz" -Oz -o "$W/panel.vcf.gz" 2>/dev/null
bcftools view -S "$W/cohort.ids" "$W/sim.vcf.gz" -Oz -o "$W/cohort.vcf.gz" 2>/dev/null
bcftools view -G "$W/cohort.vcf.gz" -Oz -o "$W/sites.vcf.gz" 2>/dev/null
plink2 --vcf "$W/cohort.vcf.gz" --freq --out "$W/fq" >/dev/null 2>&1 || bad "plink2 --freq (simulated cohort)"
check "ancestry: panel + cohort" "$GRS" ancestry --ref-vcf "$W/panel.vcf.gz" --labels "$W/labels.tsv" \
    --target-vcf "$W/cohort.vcf.gz" --out "$W/anc" -v 0
check "score the panel" "$GRS" score --vcf "$W/panel.vcf.gz" --score "$W/sim.pgs.txt" --full-precision --out "$W/ref" -v 0
check "score the cohort" "$GRS" score --vcf "$W/cohort.vcf.gz" --score "$W/sim.pgs.txt" --ref-freq "$W/fq.afreq" \
    --full-precision --out "$W/tgt" --db "$W/cohort.sqlite" -v 0
check "normalize the cohort" "$GRS" normalize --ref-scores "$W/ref.sscore" --scores "$W/tgt.sscore" \
    --ancestry "$W/anc.ancestry.tsv" --out "$W/norm" --db "$W/cohort.sqlite" -v 0
n_pat=0
for S in $(awk 'NR == 1 || NR == 30 || NR == 60' "$W/cohort.ids"); do
    bcftools view -s "$S" "$W/cohort.vcf.gz" 2>/dev/null | bcftools view -e 'GT="0/0"' -Oz -o "$W/$S.vcf.gz" 2>/dev/null
    check "score patient $S" "$GRS" score --vcf "$W/$S.vcf.gz" --absent-ref "$W/sites.vcf.gz" --score "$W/sim.pgs.txt" \
        --ref-freq "$W/fq.afreq" --full-precision --out "$W/$S" --db "$W/$S.sqlite" -v 0
    [ "$(tail -n 1 "$W/$S.sscore")" = "$(grep -P "^$S\t" "$W/tgt.sscore")" ] && ok || bad "$S: raw score differs from the cohort's"
    check "project patient $S" "$GRS" ancestry --model "$W/anc.pcamodel" --target-vcf "$W/$S.vcf.gz" \
        --target-absent-ref "$W/sites.vcf.gz" --out "$W/$S.anc" -v 0
    want=$(awk -F'\t' -v s="$S" '$2 == s && $3 == "target"' "$W/anc.ancestry.tsv")
    got=$(grep -v '^#' "$W/$S.anc.ancestry.tsv")
    [ -n "$want" ] && [ "$want" = "$got" ] && ok || bad "$S: PCs/population differ from the cohort run"$'\n'"  alone:  $got"$'\n'"  cohort: $want"
    check "normalize patient $S" "$GRS" normalize --ref-dist "$W/norm.refdist.json" --scores "$W/$S.sscore" \
        --ancestry "$W/$S.anc.ancestry.tsv" --out "$W/$S.norm" --db "$W/$S.sqlite" -v 0
    want=$(awk -F'\t' -v s="$S" '$2 == s && $3 == "target"' "$W/norm.norm.tsv")
    got=$(grep -v '^#' "$W/$S.norm.norm.tsv")
    [ -n "$want" ] && [ "$want" = "$got" ] && ok || bad "$S: normalized values differ"$'\n'"  alone:  $got"$'\n'"  cohort: $want"
    # grs query answers the same from the patient's own store as from the cohort's (the first
    # line names the store and the "runs used" section has dates and command lines)
    "$GRS" query --db "$W/cohort.sqlite" --sample "$S" --format text 2>/dev/null | sed '1d; /^runs used:/,$d' > "$W/qc.txt"
    "$GRS" query --db "$W/$S.sqlite" --sample "$S" --format text 2>/dev/null | sed '1d; /^runs used:/,$d' > "$W/qp.txt"
    [ -s "$W/qc.txt" ] && cmp -s "$W/qc.txt" "$W/qp.txt" && ok || { bad "$S: grs query differs between the cohort and the patient's store"; diff "$W/qc.txt" "$W/qp.txt" | head -5 >&2; }
    n_pat=$((n_pat + 1))
done
[ $n_pat -eq 3 ] && ok || bad "expected 3 patients, ran $n_pat"
# without --target-absent-ref the omitted REF/REF sites are missing (panel mean): a different answer
"$GRS" ancestry --model "$W/anc.pcamodel" --target-vcf "$W/$S.vcf.gz" --out "$W/noabs" -v 0 2>/dev/null
[ "$(grep -v '^#' "$W/noabs.ancestry.tsv" 2>/dev/null)" != "$(grep -v '^#' "$W/$S.anc.ancestry.tsv")" ] && ok \
    || bad "dropping REF/REF sites without --target-absent-ref should change the projection"
finish
