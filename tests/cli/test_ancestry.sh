#!/usr/bin/env bash
# grs ancestry against independent computations at test time (tests/oracles/pca_oracle.py:
# its own VCF GT parser, numpy.linalg.svd, numpy covariance + scipy chi2.sf) and plink2 --pca.
# Data: `grs simulate --samples 600 --variants 5000 --populations 3 --fst 0.05 --seed 7`; the
# .covar.tsv population column is the label file. 50 samples are held out (packed apart with
# `grs pack --samples`) to check the projection and its shrinkage correction.
# Tolerances: the population-structure PCs (1-2) within 1e-6 relative (eigenvalues) and
# 1 - |cos| < 1e-6 (loadings, scores) at the default settings; PCs 3-10 lie in the noise bulk
# where randomized SVD converges slowly (5e-2 at the defaults; 1e-6 with --oversample 100
# --power-iters 25, also checked); Mahalanobis P values 1e-9 relative; projection of the panel
# onto itself 1e-9 relative; --model vs panel run and --threads 1 vs 2: identical bytes.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
O=$SRC/tests/oracles/pca_oracle.py
if ! $PY -c 'import numpy, scipy' 2>/dev/null; then
    skip "Debian python3 with numpy/scipy not installed"; finish
fi
cd "$T"
check "simulate panel" $GRS simulate --samples 600 --variants 5000 --populations 3 --fst 0.05 --seed 7 \
    --omics-features 0 --threads 2 --out sim
awk 'NR>1{print $2}' sim.covar.tsv > all.ids
awk 'NR%12==5' all.ids > held.ids              # 50 held-out samples, all populations
grep -vxF -f held.ids all.ids > sub.ids
head -1 held.ids > one.ids
check "pack panel" $GRS pack --vcf sim.vcf.gz --threads 2 --out sim
check "pack sub-panel" $GRS pack --vcf sim.vcf.gz --samples sub.ids --threads 2 --out sub
check "pack held-out" $GRS pack --vcf sim.vcf.gz --samples held.ids --threads 2 --out held
check "pack one sample" $GRS pack --vcf sim.vcf.gz --samples one.ids --threads 2 --out one

# ---- full panel (VCF input) + the held-out samples as targets --------------------------------
check "ancestry full panel" $GRS ancestry --ref-vcf sim.vcf.gz --labels sim.covar.tsv \
    --target-geno held --threads 2 --out full
for f in ancestry.tsv eigenval eigenvec.var pcamodel qc.tsv; do
    [ -s full.$f ] && ok || bad "full.$f missing"
done
if [ "$(grep -v '^##' full.ancestry.tsv | head -1 | cut -f1-5,15-)" = \
     "$(printf '#FID\tIID\tDATASET\tPOP\tPC1\tMostSimilarPop\tMostSimilarPop_LowConfidence\tMahalanobis_P_POP1\tMahalanobis_P_POP2\tMahalanobis_P_POP3')" ]; then ok
else bad "ancestry.tsv header: $(grep -v '^##' full.ancestry.tsv | head -1)"; fi
[ "$(grep -c $'\treference\t' full.ancestry.tsv)" = 600 ] && [ "$(grep -c $'\ttarget\tNA\t' full.ancestry.tsv)" = 50 ] \
    && ok || bad "ancestry.tsv: expected 600 reference and 50 target rows"
check "oracle: PCA vs numpy SVD (defaults)" $PY $O pca sim.vcf.gz full
cat "$T/out"
check "oracle: Mahalanobis vs numpy/scipy" $PY $O mahal full.ancestry.tsv 4 --truth-iid
cat "$T/out"

# ---- convergence of every PC with a larger subspace -------------------------------------------
check "ancestry, oversample 100, 25 power iterations" $GRS ancestry --ref-geno sim --labels sim.covar.tsv \
    --oversample 100 --power-iters 25 --threads 2 --out big
check "oracle: all 10 PCs vs numpy SVD" $PY $O pca sim.vcf.gz big --strict 10
grep -E '^PC(3|10) eig|OK' "$T/out"

# ---- plink2 --pca eigenvalues (no missing calls: plink2 scales the GRM for missingness) --------
if command -v plink2 >/dev/null; then
    check "simulate without missing calls" $GRS simulate --samples 600 --variants 5000 --populations 3 \
        --fst 0.05 --seed 7 --missing-rate 0 --omics-features 0 --threads 2 --out nm
    check "ancestry nm" $GRS ancestry --ref-vcf nm.vcf.gz --labels nm.covar.tsv --oversample 100 \
        --power-iters 25 --threads 2 --out nm
    grep -v '^#' nm.qc.tsv | cut -f3 > nm.ids
    check "plink2 --pca" plink2 --vcf nm.vcf.gz --extract nm.ids --pca 10 --threads 2 --out p2
    if paste p2.eigenval nm.eigenval | awk '{r=($1-$2)/$2; if (r<0) r=-r; if (r>m) m=r} END{print "plink2 --pca eigenvalues: max rel diff " m; exit !(m < 1e-5)}'; then ok
    else bad "eigenvalues differ from plink2 --pca (6 printed digits)"; paste p2.eigenval nm.eigenval >&2; fi
    # the same panel as a PLINK .bed gives the same ancestry.tsv
    check "plink2 --make-bed" plink2 --vcf sim.vcf.gz --make-bed --threads 2 --out simb
    check "ancestry --ref-bfile" $GRS ancestry --ref-bfile simb --labels sim.covar.tsv --target-geno held \
        --threads 2 --out bf
    cmp -s <(grep -v '^##' bf.ancestry.tsv) <(grep -v '^##' full.ancestry.tsv) && ok || bad "--ref-bfile vs --ref-vcf differ"
else
    skip "plink2 not installed"
fi

# ---- projection of the panel onto itself reproduces its scores ---------------------------------
check "ancestry, panel as its own target" $GRS ancestry --ref-geno sim --labels sim.covar.tsv \
    --target-geno sim --threads 2 --out self
check "oracle: self-projection" $PY $O selfproj self
cat "$T/out"

# ---- held-out samples: shrinkage correction -----------------------------------------------------
check "ancestry, panel minus 50" $GRS ancestry --ref-geno sub --labels sim.covar.tsv --target-geno held \
    --threads 2 --out sub
check "oracle: shrinkage correction of held-out scores" $PY $O shrink full sub
cat "$T/out"
check "oracle: held-out Mahalanobis" $PY $O mahal sub.ancestry.tsv 4 --truth-iid
cat "$T/out"

# ---- --model: a saved model projects a sample exactly as the panel run did ----------------------
check "ancestry --model, one sample" $GRS ancestry --model full.pcamodel --target-geno one --out m1
check "oracle: --model row == panel-run row" $PY $O same full.ancestry.tsv m1.ancestry.tsv
check "ancestry --model, 50 samples from the VCF" $GRS ancestry --model full.pcamodel --target-vcf sim.vcf.gz --out m2
grep -q $'\treference\t' m2.ancestry.tsv && bad "--model wrote reference rows" || ok
check "oracle: --model (VCF) rows == panel-run rows" $PY $O same full.ancestry.tsv m2.ancestry.tsv

# ---- determinism: same bytes for --threads 1 and 2 ----------------------------------------------
check "ancestry --threads 1" $GRS ancestry --ref-vcf sim.vcf.gz --labels sim.covar.tsv --target-geno held \
    --threads 1 --out t1
for f in ancestry.tsv eigenval eigenvec.var pcamodel qc.tsv; do
    if cmp -s <(grep -v '^##\(command\|created\)=' t1.$f) <(grep -v '^##\(command\|created\)=' full.$f); then ok
    else bad "--threads 1 vs 2: $f differs"; fi
done

# ---- bad input: exit 1, an [E::] line naming the file, nothing left ------------------------------
cut -f1,2 sim.covar.tsv > nolab.tsv
expect_error "panel without labels" "nolab.tsv.*no population labels" "bad1.*" \
    $GRS ancestry --ref-geno sim --labels nolab.tsv --out bad1
grep -v -e POP2_000207 -e POP3_000411 sim.covar.tsv > missing.tsv
expect_error "label file missing samples" "missing.tsv.*2 panel samples have no population label.*POP2_000207" "bad2.*" \
    $GRS ancestry --ref-geno sim --labels missing.tsv --out bad2
: > empty.tsv
expect_error "empty label file" "empty.tsv" "bad3.*" $GRS ancestry --ref-geno sim --labels empty.tsv --out bad3
head -c 20000 sim.covar.tsv > trunc.tsv
expect_error "truncated label file" "trunc.tsv" "bad4.*" $GRS ancestry --ref-geno sim --labels trunc.tsv --out bad4
sed '1s/=1$/=2/' full.pcamodel > newer.pcamodel
expect_error "newer .pcamodel" "newer.pcamodel.*version 2 is newer" "bad5.*" \
    $GRS ancestry --model newer.pcamodel --target-geno one --out bad5
head -n 200 full.pcamodel > trunc.pcamodel
expect_error "truncated .pcamodel" "trunc.pcamodel.*truncated" "bad6.*" \
    $GRS ancestry --model trunc.pcamodel --target-geno one --out bad6
zcat sim.vcf.gz | awk -F'\t' 'BEGIN{OFS="\t"} /^#/{print; next} {$2=$2+1; print}' > shifted.vcf
expect_error "target sharing no variants (panel run)" "shifted.vcf.*none of the panel" "bad7.*" \
    $GRS ancestry --ref-geno sim --labels sim.covar.tsv --target-vcf shifted.vcf --out bad7
expect_error "target sharing no variants (--model)" "shifted.vcf.*none of the" "bad8.*" \
    $GRS ancestry --model full.pcamodel --target-vcf shifted.vcf --out bad8
$GRS ancestry --ref-geno sim --out bad9 >/dev/null 2>&1; [ $? = 2 ] && ok || bad "no --labels: exit 2 expected"
# imputed panels: calls with a fractional DS are code 3 in the 2-bit rows; the PCA takes their
# best-guess hard call instead of counting them missing (every variant failed --max-missing before)
$GRS simulate --samples 300 --variants 3000 --populations 3 --seed 5 --dosage --dosage-frac 0.3 \
    --omics-features 0 --out dos -v 0 && $GRS pack --vcf dos.vcf.gz --out dos -v 0
awk -F'\t' 'BEGIN { print "IID\tpopulation" } NR > 1 { print $2 "\t" $5 }' dos.covar.tsv > dos.labels
check "ancestry on an imputed (DS) panel" $GRS ancestry --ref-geno dos --labels dos.labels --out dosanc -v 0
kept=$(grep -vc '^#' dosanc.qc.tsv 2>/dev/null || echo 0)
[ "$kept" -gt 500 ] && ok || bad "imputed panel: only $kept variants kept"
right=$(awk -F'\t' '!/^#/ && $4 == $(NF - 4) { c++ } END { print c + 0 }' dosanc.ancestry.tsv)
[ "$right" -ge 285 ] && ok || bad "imputed panel: $right of 300 assigned to their own population"
finish
