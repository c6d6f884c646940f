#!/usr/bin/env bash
# Parity of `grs train` with R glmnet, run at test time (tests/oracles/train_glmnet.R): grs's
# lambda path is refitted by glmnet (thresh 1e-14) on a design R builds itself from plink2's
# --export A genotypes; per lambda the objective must agree within 1e-6 (relative) and every
# coefficient within 1e-4. Gaussian and binomial, alpha 1 and 0.5, on real data from
# ../shared/data (ldpred-sim, regenie-example with categorical covariates, lassosum).
. "$(dirname "$0")/lib.sh"
D=$SHARED/data
ORACLE="Rscript $SRC/tests/oracles/train_glmnet.R"
command -v plink2 >/dev/null || { skip "plink2 not installed"; finish; }
command -v Rscript >/dev/null && Rscript -e 'suppressMessages(library(glmnet))' 2>/dev/null \
    || { skip "R glmnet not installed (r-cran-glmnet)"; finish; }
[ -d "$D" ] || { skip "no ../shared/data"; finish; }

# $1 bfile prefix, $2 output name: grs matrix and an ALT-counted plink2 .raw of the same data
prep() {
    awk '{print $2"\t"$5}' "$1.bim" > "$T/$2.allele"
    plink2 --bfile "$1" --export A --export-allele "$T/$2.allele" --out "$T/$2" >/dev/null 2>&1 || bad "plink2 export $2"
    "$GRS" pack --bfile "$1" --out "$T/$2" 2>/dev/null || bad "pack $2"
}
# $1 name, $2 data, $3 pheno, $4 pheno col, $5 covar or -, $6 trait, $7 alpha, $8... extra train options
parity() {
    local name=$1 data=$2 pheno=$3 col=$4 covar=$5 trait=$6 alpha=$7; shift 7
    local fam=gaussian cv=()
    [ "$trait" = binary ] && fam=binomial
    [ "$covar" != - ] && cv=(--covar "$covar")
    [ "${OMICS:--}" != - ] && cv+=(--omics "$OMICS")
    if ! "$GRS" train --geno "$T/$data" --pheno "$pheno" --pheno-col "$col" "${cv[@]}" --trait "$trait" \
            --alpha "$alpha" --folds 0 --tol 1e-16 --out "$T/$name" "$@" 2>"$T/err"; then
        bad "train $name"; cat "$T/err" >&2; return
    fi
    if $ORACLE "$T/$data.raw" "$pheno" "$col" "$covar" "$T/$name" "$fam" "$alpha" 1e-6 1e-4 1e-14 "${OMICS:--}" >"$T/out" 2>&1; then ok
    else bad "glmnet parity $name"; fi
    echo "$name: $(cat "$T/out")"
}

L=$D/ldpred-sim
if [ -d "$L" ]; then
    # the first 600 of sim2's 5,000 SNPs keep glmnet's thresh=1e-14 runs short
    plink2 --bfile "$L/sim2_0_test" --from SNP_ID_1_1 --to SNP_ID_1_600 --make-bed --out "$T/s2k" >/dev/null 2>&1
    prep "$T/s2k" s2k
    awk 'BEGIN{print "FID\tIID\ty"}{print $1"\t"$2"\t"$6}' "$L/sim2_0_test.fam" > "$T/s2.pheno"
    awk 'NR==1{print;next}{print $1"\t"$2"\t"($3>0?1:0)}' "$T/s2.pheno" > "$T/s2b.pheno"
    parity ldpred_gauss_a1 s2k "$T/s2.pheno" y - quantitative 1 --nlambda 15 --lambda-min-ratio 0.05
    parity ldpred_gauss_a05 s2k "$T/s2.pheno" y - quantitative 0.5 --nlambda 15 --lambda-min-ratio 0.05
    parity ldpred_binom_a1 s2k "$T/s2b.pheno" y - binary 1 --nlambda 15 --lambda-min-ratio 0.05
    parity ldpred_binom_a05 s2k "$T/s2b.pheno" y - binary 0.5 --nlambda 15 --lambda-min-ratio 0.05
else skip "no ldpred-sim"; fi

R=$D/regenie-example
if [ -d "$R" ]; then
    prep "$R/example" rg
    parity regenie_binom_cov_a1 rg "$R/phenotype_bin.txt" Y1 "$R/covariates_wBin.txt" binary 1 --nlambda 15 --lambda-min-ratio 0.05
    parity regenie_binom_na_a05 rg "$R/phenotype_bin_wNA.txt" Y2 "$R/covariates.txt" binary 0.5 --nlambda 15 --lambda-min-ratio 0.05
    parity regenie_gauss_cov_a05 rg "$R/phenotype.txt" Y1 "$R/covariates_wBin.txt" quantitative 0.5 --nlambda 20 --lambda-min-ratio 0.02
    parity regenie_gauss_a1 rg "$R/phenotype.txt" Y2 - quantitative 1 --nlambda 20 --lambda-min-ratio 0.02
    # a simulated omics block (20 features, 3% NA, fixed seed) beside genotypes and covariates
    awk 'BEGIN{srand(11); printf "IID"; for(j=1;j<=20;j++) printf "\tprot%d", j; print ""}
         {printf "%s", $2; for(j=1;j<=20;j++) printf "\t%s", (rand()<0.03 ? "NA" : sprintf("%.5f", rand()*2-1+(j<=3?0.001*$2:0))); print ""}' \
        "$R/example.fam" > "$T/om.tsv"
    OMICS=$T/om.tsv parity regenie_omics_gauss_a05 rg "$R/phenotype.txt" Y1 "$R/covariates_wBin.txt" quantitative 0.5 --nlambda 15 --lambda-min-ratio 0.02
    OMICS=$T/om.tsv parity regenie_omics_binom_a1 rg "$R/phenotype_bin.txt" Y1 - binary 1 --nlambda 15 --lambda-min-ratio 0.05
else skip "no regenie-example"; fi

S=$D/lassosum
if [ -d "$S" ]; then
    prep "$S/testsample" ls
    # its covariate columns are both named "rnorm(nrow(COVAR))", which grs refuses: rename them
    sed '1s/.*/FID\tIID\tc1\tc2/' "$S/testsample.covar.txt" > "$T/ls.covar"
    parity lassosum_binom_cov_a1 ls "$S/testsample.pheno.txt" pheno "$T/ls.covar" binary 1 --nlambda 20 --lambda-min-ratio 0.1
    parity lassosum_binom_a05 ls "$S/testsample.pheno.txt" pheno - binary 0.5 --nlambda 20 --lambda-min-ratio 0.1
else skip "no lassosum"; fi
finish
