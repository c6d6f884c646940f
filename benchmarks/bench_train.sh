#!/usr/bin/env bash
# bench_train.sh -- grs train against R glmnet on the same data, the same lambda path and the
# same cores, in one run.
#   benchmarks/bench_train.sh [GRS] [SAMPLES] [VARIANTS] [ALPHA] [FAMILY]
# Data: plink2 --dummy (seeded, random genotypes, 1% missing, a quantitative or binary trait).
# grs fits the full path (nlambda 100, glmnet's default lambda.min.ratio, thresh 1e-7, no CV)
# from the packed matrix; glmnet gets grs's lambda sequence and a dense double matrix read from
# plink2 --export A (reading is not timed, only the glmnet() call). Prints one TSV row:
#   tool n p alpha family seconds peak_rss_mb  (grs: wall of the whole command)
# and the ratio glmnet/grs. Needs plink2, Rscript with glmnet, GNU time.
set -euo pipefail
GRS=${1:-build/grs}; N=${2:-2000}; P=${3:-5000}; ALPHA=${4:-0.5}; FAM=${5:-gaussian}
W=$(mktemp -d "${TMPDIR:-/tmp}/bench_train.XXXXXX"); trap 'rm -rf "$W"' EXIT
trait=quantitative; pheno_opt="scalar-pheno"
[ "$FAM" = binomial ] && { trait=binary; pheno_opt=""; }
plink2 --dummy "$N" "$P" 0.01 acgt $pheno_opt --seed 1 --make-bed --out "$W/d" >/dev/null 2>&1
awk 'BEGIN{print "FID\tIID\ty"}{print $1"\t"$2"\t"$6}' "$W/d.fam" > "$W/pheno"
"$GRS" pack --bfile "$W/d" --out "$W/d" 2>/dev/null
/usr/bin/time -f "%e %M" -o "$W/t.grs" "$GRS" train --geno "$W/d" --pheno "$W/pheno" --trait $trait \
    --alpha "$ALPHA" --folds 0 --threads 2 --out "$W/m" 2>/dev/null
read -r t_grs rss_grs < "$W/t.grs"
awk '{print $2"\t"$5}' "$W/d.bim" > "$W/allele"
plink2 --bfile "$W/d" --export A --export-allele "$W/allele" --out "$W/d" >/dev/null 2>&1
OPENBLAS_NUM_THREADS=2 Rscript - "$W" "$FAM" "$ALPHA" > "$W/r.out" <<'R'
suppressMessages(library(glmnet))
a <- commandArgs(trailingOnly = TRUE); W <- a[1]; fam <- a[2]; alpha <- as.numeric(a[3])
raw <- read.table(file.path(W, "d.raw"), header = TRUE, check.names = FALSE)
y <- read.table(file.path(W, "pheno"), header = TRUE)$y
X <- as.matrix(raw[, 7:ncol(raw)]); storage.mode(X) <- "double"
keep <- !is.na(y)
for (j in seq_len(ncol(X))) { m <- mean(X[keep, j], na.rm = TRUE); X[is.na(X[, j]), j] <- m }
X <- X[keep, apply(X[keep, ], 2, function(x) max(x) > min(x))]; y <- y[keep]
if (fam == "binomial") y <- y - 1
lam <- read.table(file.path(W, "m.lambda.tsv"), header = TRUE)$lambda
t <- system.time(fit <- glmnet(X, y, family = fam, alpha = alpha, lambda = lam))[["elapsed"]]
cat(t, ncol(X), "\n")
R
read -r t_r p_r < "$W/r.out"
printf "tool\tn\tp\talpha\tfamily\tseconds\tpeak_rss_mb\n"
printf "grs\t%s\t%s\t%s\t%s\t%s\t%.0f\n" "$N" "$P" "$ALPHA" "$FAM" "$t_grs" "$(echo "$rss_grs / 1024" | bc -l)"
printf "glmnet\t%s\t%s\t%s\t%s\t%s\tNA\n" "$N" "$p_r" "$ALPHA" "$FAM" "$t_r"
echo "glmnet/grs time ratio: $(echo "scale=2; $t_r / $t_grs" | bc -l)"
