#!/usr/bin/env bash
# bench_train.sh -- grs train against R glmnet on the same data, the same lambda path and the
# same cores, in one run.
#   benchmarks/bench_train.sh [GRS] [SAMPLES] [VARIANTS] [ALPHA] [FAMILY] [THREADS]
# Data: plink2 --dummy (seeded, random genotypes, 1% missing, a quantitative or binary trait).
# grs fits the full path (nlambda 100, glmnet's default lambda.min.ratio, thresh 1e-7, no CV)
# from the packed matrix; glmnet (same alpha, thresh 1e-7 default, standardize = TRUE) gets
# grs's lambda sequence and a dense double matrix (ALT counts, missing -> column mean, constant
# columns dropped) decoded in R from the same .bed with readBin (decoding is not timed by
# R's system.time, only the glmnet() call; the Rscript's wall time and peak RSS include it).
# Both processes run under GNU time (elapsed, maximum resident set size); the BLAS/OpenMP
# thread variables are set to THREADS for R (glmnet's coordinate descent is single-threaded).
# Prints a TSV:
#   tool n p alpha family seconds process_seconds peak_rss_mb process_peak_rss_mb nnz_last dev_ratio_last
# (grs: seconds and peak RSS of the whole command; glmnet: seconds = the glmnet() call,
# peak_rss_mb = the high-water mark during that call (X included: Linux clear_refs reset before
# it), process_* = the whole Rscript including decoding), the largest |dev_ratio difference| along the path (the two fits
# solve the same problem) and the ratio glmnet/grs. Needs plink2, Rscript with glmnet, GNU time.
set -euo pipefail
GRS=${1:-build/grs}; N=${2:-2000}; P=${3:-5000}; ALPHA=${4:-0.5}; FAM=${5:-gaussian}; TH=${6:-2}
W=$(mktemp -d "${TMPDIR:-/tmp}/bench_train.XXXXXX"); trap 'rm -rf "$W"' EXIT
trait=quantitative; pheno_opt="scalar-pheno"
[ "$FAM" = binomial ] && { trait=binary; pheno_opt=""; }
plink2 --dummy "$N" "$P" 0.01 acgt $pheno_opt --seed 1 --make-bed --out "$W/d" >/dev/null 2>&1
awk 'BEGIN{print "FID\tIID\ty"}{print $1"\t"$2"\t"$6}' "$W/d.fam" > "$W/pheno"
"$GRS" pack --bfile "$W/d" --out "$W/d" 2>/dev/null
echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "# grs train --geno d --pheno pheno --trait $trait --alpha $ALPHA --folds 0 --threads $TH" >&2
/usr/bin/time -f "%e %M" -o "$W/t.grs" "$GRS" train --geno "$W/d" --pheno "$W/pheno" --trait $trait \
    --alpha "$ALPHA" --folds 0 --threads "$TH" --out "$W/m" 2>/dev/null
read -r t_grs rss_grs < "$W/t.grs"
echo "# grs done: $t_grs s; glmnet next (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
OPENBLAS_NUM_THREADS=$TH OMP_NUM_THREADS=$TH /usr/bin/time -f "%e %M" -o "$W/t.r" \
    Rscript - "$W" "$FAM" "$ALPHA" > "$W/r.out" <<'R'
suppressMessages(library(glmnet))
a <- commandArgs(trailingOnly = TRUE); W <- a[1]; fam <- a[2]; alpha <- as.numeric(a[3])
fam_t <- read.table(file.path(W, "d.fam"))
n <- nrow(fam_t); p <- length(readLines(file.path(W, "d.bim")))
nb <- (n + 3) %/% 4
con <- file(file.path(W, "d.bed"), "rb")
magic <- readBin(con, "raw", 3)
# .bed 2-bit codes: 0 = two A1, 1 = missing, 2 = one A1, 3 = no A1; A1 is grs's ALT.
# Decoded 2,000 variants at a time (missing -> column mean), so X is the only big allocation.
lut <- c(2, NA, 1, 0)
X <- matrix(0, n, p); keep <- logical(p)
for (j0 in seq(1, p, by = 2000)) {
    j1 <- min(p, j0 + 1999)
    B <- matrix(as.integer(readBin(con, "raw", nb * (j1 - j0 + 1))), nb)
    Xc <- matrix(0, nb * 4, ncol(B))
    for (k in 0:3) Xc[seq(k + 1, nb * 4, 4), ] <- lut[bitwAnd(bitwShiftR(B, 2 * k), 3L) + 1L]
    Xc <- Xc[seq_len(n), , drop = FALSE]
    m <- colMeans(Xc, na.rm = TRUE)
    na <- which(is.na(Xc), arr.ind = TRUE); Xc[na] <- m[na[, 2]]
    X[, j0:j1] <- Xc
    keep[j0:j1] <- apply(Xc, 2, function(x) max(x) > min(x))
}
close(con); rm(B, Xc, na); invisible(gc())
y <- fam_t$V6
if (fam == "binomial") y <- y - 1
if (!all(keep)) X <- X[, keep, drop = FALSE]   # constant columns (grs leaves them out too)
invisible(gc())
lam <- read.table(file.path(W, "m.lambda.tsv"), header = TRUE)$lambda
# peak RSS of the glmnet() call alone: reset the process's high-water mark (Linux clear_refs 5)
# just before it and read VmHWM after (it then counts X, which glmnet needs, plus its own work)
hwm <- function() as.numeric(sub("[^0-9]*([0-9]+).*", "\\1", grep("^VmHWM", readLines("/proc/self/status"), value = TRUE))) / 1024
reset <- tryCatch({ cat("5", file = "/proc/self/clear_refs"); TRUE }, error = function(e) FALSE)
t <- system.time(fit <- glmnet(X, y, family = fam, alpha = alpha, lambda = lam))[["elapsed"]]
cat(t, ncol(X), length(fit$lambda), fit$df[length(fit$df)], fit$dev.ratio[length(fit$dev.ratio)],
    if (reset) round(hwm()) else NA, "\n")
cat(fit$dev.ratio, "\n")
R
read -r t_rproc rss_r < "$W/t.r"
read -r t_r p_r nl_r nnz_r dev_r rss_call < <(sed -n 1p "$W/r.out")
sed -n 2p "$W/r.out" | tr ' ' '\n' | sed '/^$/d' > "$W/r.dev"
read -r nnz_g dev_g < <(tail -1 "$W/m.lambda.tsv" | awk -F'\t' '{print $3, $4}')
maxd=$(tail -n +2 "$W/m.lambda.tsv" | cut -f4 | paste - "$W/r.dev" |
       awk 'NF == 2 {d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d} END{printf "%.3g", m}')
rss_g=$(echo "$rss_grs / 1024" | bc -l | xargs printf "%.0f"); rss_rp=$(echo "$rss_r / 1024" | bc -l | xargs printf "%.0f")
printf "tool\tn\tp\talpha\tfamily\tseconds\tprocess_seconds\tpeak_rss_mb\tprocess_peak_rss_mb\tnnz_last\tdev_ratio_last\n"
printf "grs\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.6f\n" "$N" "$P" "$ALPHA" "$FAM" "$t_grs" "$t_grs" \
    "$rss_g" "$rss_g" "$nnz_g" "$dev_g"
printf "glmnet\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.6f\n" "$N" "$p_r" "$ALPHA" "$FAM" "$t_r" "$t_rproc" \
    "$rss_call" "$rss_rp" "$nnz_r" "$dev_r"
echo "lambdas: grs $(($(wc -l < "$W/m.lambda.tsv") - 1)), glmnet $nl_r; max |dev_ratio(grs) - dev_ratio(glmnet)| along the path: $maxd"
echo "glmnet/grs time ratio (glmnet() call / whole grs command): $(echo "scale=2; $t_r / $t_grs" | bc -l)"
