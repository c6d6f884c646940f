#!/usr/bin/env bash
# grs normalize: parity with pgsc_calc's pgs_adjust (the real pgscatalog-calc package when
# PGSC_CALC_PYTHON names a python that imports it, else a transcription under Debian's python3),
# the --ref-dist round trip (byte-identical rows), zero-variance scores and bad inputs.
. "$(dirname "$0")/lib.sh"

cd "$T"
$GRS simulate --samples 600 --variants 3000 --populations 3 --fst 0.05 --omics-features 0 --out sim >/dev/null 2>&1 \
    || { bad "simulate"; finish; }
# the PGS Catalog score plus a PLINK-style file with two weight columns
awk -F'\t' 'BEGIN{OFS="\t"; print "ID","A1","WA","WB"} /^rs[0-9]/{print $1,$4,$6,(NR%3)*0.01-0.01}' sim.pgs.txt > two.txt
check "score" $GRS score --vcf sim.vcf.gz --score sim.pgs.txt --score two.txt --score-col-nums 3-4 --header-read \
    --match-id --full-precision --out all

# Until grs ancestry writes it: the ancestry file from the simulated covariates. Reference = 2/3
# of the samples (POP = population), targets = the rest (MostSimilarPop = their population).
awk -F'\t' 'BEGIN{OFS="\t"; print "##grs_version=test"; print "##n_pcs=4"
                  print "#FID","IID","DATASET","POP","PC1","PC2","PC3","PC4","MostSimilarPop",
                        "MostSimilarPop_LowConfidence","Mahalanobis_P_POP1","Mahalanobis_P_POP2","Mahalanobis_P_POP3"}
            NR>1 { if ((NR-1)%3) print $1,$2,"reference",$5,$6,$7,$8,$9,$5,"FALSE",0.5,0.5,0.5
                   else          print $1,$2,"target","NA",$6,$7,$8,$9,$5,"FALSE",0.5,0.5,0.5 }' sim.covar.tsv > a.ancestry.tsv
# Two extra score columns: ZERO (constant: zero reference variance, every output NA) and POPZ
# (the PGS, but 0 for every POP1 sample: zero variance within POP1, so its Z is NA there).
split_sscore() {  # $1 = reference|target, $2 = output
    awk -F'\t' -v ds="$1" 'BEGIN{OFS="\t"} NR==FNR { if ($3==ds) keep[$2]=1; next }
        FNR==1 { print $0,"ZERO_SUM","POPZ_SUM"; next }
        ($1 in keep) { print $0, 0, ($1 ~ /^POP1_/ ? 0 : $8) }' a.ancestry.tsv all.sscore > "$2"
}
split_sscore reference ref.sscore
split_sscore target tgt.sscore
cp all.summary.json ref.summary.json
cp all.summary.json tgt.summary.json

check "normalize (full run)" $GRS normalize --ref-scores ref.sscore --scores tgt.sscore --ancestry a.ancestry.tsv --out full
[ -s full.norm.tsv ] && [ -s full.refdist.json ] && ok || bad "outputs missing"
n_rows=$(grep -vc '^#' full.norm.tsv)
[ "$n_rows" = $((600 * 5)) ] && ok || bad "full.norm.tsv has $n_rows rows, expected 3000 (600 samples x 5 scores)"
grep -q "skipping 'ZERO'" "$T/err" && ok || bad "no zero-variance warning for ZERO"
grep -q "zero variance in reference population 'POP1'" "$T/err" && ok || bad "no per-population zero-variance warning"
# POPZ has no mean+var MLE (the variance goes to 0 over POP1): a non-convergence warning, and the
# oracle does not compare its Z_norm2
grep -q "'POPZ': the mean+var likelihood fit did not converge" "$T/err" && ok || bad "no non-convergence warning for POPZ"
awk -F'\t' '$4=="ZERO" && !($8=="NA" && $9=="NA" && $10=="NA" && $11=="NA") {e=1} END{exit e}' full.norm.tsv \
    && ok || bad "ZERO rows are not all NA"
awk -F'\t' '$4=="POPZ" && $2 ~ /^POP1_/ && $9!="NA" {e=1} END{exit e}' full.norm.tsv && ok || bad "POPZ Z in POP1 not NA"
head -5 full.norm.tsv | grep -q '^##n_pcs=4$' && ok || bad "no ##n_pcs provenance line"
grep -q '"grs_refdist_version": 1' full.refdist.json && ok || bad "refdist without grs_refdist_version 1"

# ---- parity with pgsc_calc (tolerance: absolute 1e-6 on percentiles and Z scores)
oracle_py=""
if [ -n "${PGSC_CALC_PYTHON:-}" ] && "$PGSC_CALC_PYTHON" -c 'import pgscatalog.calc' 2>/dev/null; then
    oracle_py=$PGSC_CALC_PYTHON
elif /usr/bin/python3 -c 'import numpy, scipy, sklearn, pandas' 2>/dev/null; then
    oracle_py=/usr/bin/python3
fi
if [ -n "$oracle_py" ]; then
    if "$oracle_py" "$SRC/tests/oracles/normalize_oracle.py" ref.sscore tgt.sscore a.ancestry.tsv 4 full.norm.tsv POPZ \
        >oracle.out 2>&1; then ok; else bad "oracle mismatch"; fi
    echo "test_normalize: $(tail -2 oracle.out | tr '\n' ' ')"
    # a second configuration: 2 PCs, one method subset is not comparable (pgs_adjust runs all three)
    check "normalize --n-pcs 2" $GRS normalize --ref-scores ref.sscore --scores tgt.sscore --ancestry a.ancestry.tsv \
        --n-pcs 2 --out pc2
    if "$oracle_py" "$SRC/tests/oracles/normalize_oracle.py" ref.sscore tgt.sscore a.ancestry.tsv 2 pc2.norm.tsv POPZ \
        >oracle2.out 2>&1; then ok; else bad "oracle mismatch (--n-pcs 2)"; fi
    echo "test_normalize: --n-pcs 2: $(tail -2 oracle2.out | tr '\n' ' ')"
else
    skip "no oracle python (PGSC_CALC_PYTHON with pgscatalog.calc, or /usr/bin/python3 with numpy/scipy/sklearn/pandas)"
fi

# ---- the same with the ancestry file written by grs ancestry (reference panel = the same samples)
if $GRS ancestry --help >/dev/null 2>&1; then
    awk -F'\t' '$3=="reference"{print $2}' a.ancestry.tsv > ref.ids
    awk -F'\t' '$3=="target"{print $2}' a.ancestry.tsv > tgt.ids
    check "pack reference" $GRS pack --vcf sim.vcf.gz --samples ref.ids --out refg
    check "pack targets" $GRS pack --vcf sim.vcf.gz --samples tgt.ids --out tgtg
    check "grs ancestry" $GRS ancestry --ref-geno refg --labels sim.covar.tsv --label-col population \
        --target-geno tgtg --out anc
    check "normalize (grs ancestry file)" $GRS normalize --ref-scores ref.sscore --scores tgt.sscore \
        --ancestry anc.ancestry.tsv --out real
    if [ -n "$oracle_py" ]; then
        if "$oracle_py" "$SRC/tests/oracles/normalize_oracle.py" ref.sscore tgt.sscore anc.ancestry.tsv 4 \
            real.norm.tsv POPZ >oracle3.out 2>&1; then ok; else bad "oracle mismatch (grs ancestry file)"; fi
        echo "test_normalize: grs ancestry file: $(tail -2 oracle3.out | tr '\n' ' ')"
    fi
else
    skip "grs ancestry not available"
fi

# ---- --ref-dist: one target sample alone gives its row of the full run, byte for byte
one=$(awk -F'\t' '$3=="target"{print $2; exit}' a.ancestry.tsv)
awk -F'\t' -v s="$one" '/^##/ || /^#FID/ || $2==s' a.ancestry.tsv > one.ancestry.tsv
awk -F'\t' -v s="$one" 'NR==1 || $1==s' tgt.sscore > one.sscore
check "normalize --ref-dist (one sample)" $GRS normalize --ref-dist full.refdist.json --scores one.sscore \
    --ancestry one.ancestry.tsv --out one
if cmp -s <(grep -v '^#' one.norm.tsv) <(awk -F'\t' -v s="$one" '$2==s' full.norm.tsv) \
   && [ "$(grep -vc '^#' one.norm.tsv)" = 5 ]; then ok; else bad "--ref-dist row of $one differs from the full run"; fi
check "normalize --ref-dist (all targets)" $GRS normalize --ref-dist full.refdist.json --scores tgt.sscore \
    --ancestry a.ancestry.tsv --out alltgt
cmp -s <(grep -v '^#' alltgt.norm.tsv) <(awk -F'\t' '$3=="target"' full.norm.tsv) && ok \
    || bad "--ref-dist target rows differ from the full run"

# ---- matched variant counts that differ between REF and TARGET: a warning
sed 's/"matched": 1000/"matched": 999/' all.summary.json > tgt.summary.json
check "variant-count warning" $GRS normalize --ref-scores ref.sscore --scores tgt.sscore --ancestry a.ancestry.tsv --out vc
grep -q "same variant set" "$T/err" && ok || bad "no warning for different matched variant counts"
cp all.summary.json tgt.summary.json

# ---- bad inputs: exit 1, an [E::] line naming the problem, no output left
E() { expect_error "$@"; }
{ cat tgt.sscore; awk -F'\t' 'NR==2{OFS="\t"; $1="GHOST"; print}' tgt.sscore; } > ghost.sscore
E "sample missing from ancestry" "ghost.sscore.*line 202.*GHOST.*not in the ancestry" "b1.*" \
    $GRS normalize --ref-scores ref.sscore --scores ghost.sscore --ancestry a.ancestry.tsv --out b1
awk -F'\t' '$3!="reference"' a.ancestry.tsv > tonly.ancestry.tsv
E "no reference rows" "no reference rows" "b2.*" \
    $GRS normalize --ref-scores ref.sscore --scores tgt.sscore --ancestry tonly.ancestry.tsv --out b2
awk -F'\t' 'BEGIN{OFS="\t"} $3=="reference" && !d {$4="LONE"; d=1} 1' a.ancestry.tsv > lone.ancestry.tsv
E "population of 1" "population 'LONE' has 1 reference sample" "b3.*" \
    $GRS normalize --ref-scores ref.sscore --scores tgt.sscore --ancestry lone.ancestry.tsv --out b3
awk -F'\t' 'BEGIN{OFS="\t"} $3=="target" {$9="MARS"} 1' one.ancestry.tsv > mars.ancestry.tsv
E "unknown MostSimilarPop (--ref-dist)" "mars.ancestry.tsv.*line 4.*MostSimilarPop 'MARS'" "b4.*" \
    $GRS normalize --ref-dist full.refdist.json --scores one.sscore --ancestry mars.ancestry.tsv --out b4
head -c $(( $(stat -c %s a.ancestry.tsv) - 40 )) a.ancestry.tsv > trunc.ancestry.tsv
E "truncated ancestry" "trunc.ancestry.tsv.*line 603.*fields" "b5.*" \
    $GRS normalize --ref-scores ref.sscore --scores tgt.sscore --ancestry trunc.ancestry.tsv --out b5
: > empty.tsv
E "empty ancestry" "empty.tsv.*empty file" "b6.*" \
    $GRS normalize --ref-scores ref.sscore --scores tgt.sscore --ancestry empty.tsv --out b6
E "empty scores" "empty.tsv" "b7.*" \
    $GRS normalize --ref-scores ref.sscore --scores empty.tsv --ancestry a.ancestry.tsv --out b7
awk -F'\t' 'BEGIN{OFS="\t"} NR==10 {$6="abc"} 1' a.ancestry.tsv > badpc.ancestry.tsv
E "non-numeric PC" "badpc.ancestry.tsv.*line 10.*PC2 is 'abc'" "b8.*" \
    $GRS normalize --ref-scores ref.sscore --scores tgt.sscore --ancestry badpc.ancestry.tsv --out b8
awk -F'\t' 'BEGIN{OFS="\t"} NR==5 {$8="x1"} 1' ref.sscore > badsum.sscore
E "non-numeric score" "badsum.sscore.*line 5.*PGS_SIM000001_SUM is 'x1'" "b9.*" \
    $GRS normalize --ref-scores badsum.sscore --scores tgt.sscore --ancestry a.ancestry.tsv --out b9
cut -f1-10 tgt.sscore > fewer.sscore
E "different score columns" "not have the same score columns" "b10.*" \
    $GRS normalize --ref-scores ref.sscore --scores fewer.sscore --ancestry a.ancestry.tsv --out b10
E "--ref-dist with other scores" "are not the scores of" "b11.*" \
    $GRS normalize --ref-dist full.refdist.json --scores fewer.sscore --ancestry a.ancestry.tsv --out b11
sed 's/"grs_refdist_version": 1/"grs_refdist_version": 2/' full.refdist.json > v2.refdist.json
E "newer refdist" "v2.refdist.json.*grs_refdist_version 2 was written by a newer grs" "b12.*" \
    $GRS normalize --ref-dist v2.refdist.json --scores one.sscore --ancestry one.ancestry.tsv --out b12
head -c 3000 full.refdist.json > cut.refdist.json
E "truncated refdist" "cut.refdist.json.*malformed JSON" "b13.*" \
    $GRS normalize --ref-dist cut.refdist.json --scores one.sscore --ancestry one.ancestry.tsv --out b13
echo '{"hello": 1}' > other.json
E "not a refdist" "other.json.*not a grs reference-distribution file" "b14.*" \
    $GRS normalize --ref-dist other.json --scores one.sscore --ancestry one.ancestry.tsv --out b14
E "ancestry without n PCs" "no PC5 column" "b15.*" \
    $GRS normalize --ref-scores ref.sscore --scores tgt.sscore --ancestry a.ancestry.tsv --n-pcs 5 --out b15
awk -F'\t' 'NR==FNR{if($3=="reference")n++; next} FNR==1 || FNR<=n-3' a.ancestry.tsv ref.sscore > refmiss.sscore
E "reference sample without score" "reference sample '.*' has no score in 'refmiss.sscore'" "b16.*" \
    $GRS normalize --ref-scores refmiss.sscore --scores tgt.sscore --ancestry a.ancestry.tsv --out b16
{ head -4 a.ancestry.tsv; sed -n 4p a.ancestry.tsv; } > dup.ancestry.tsv
E "duplicate sample" "dup.ancestry.tsv.*lines 4 and 5.*appears twice" "b17.*" \
    $GRS normalize --ref-scores ref.sscore --scores tgt.sscore --ancestry dup.ancestry.tsv --out b17
# usage errors: exit 2
$GRS normalize --ref-scores ref.sscore --ref-dist full.refdist.json --scores tgt.sscore --ancestry a.ancestry.tsv \
    --out u1 2>/dev/null; [ $? = 2 ] && ok || bad "--ref-scores with --ref-dist: exit 2"
$GRS normalize --ref-scores ref.sscore --scores tgt.sscore --ancestry a.ancestry.tsv --methods mean,foo --out u2 \
    2>/dev/null; [ $? = 2 ] && ok || bad "unknown method: exit 2"
finish
