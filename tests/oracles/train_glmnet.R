# train_glmnet.R -- oracle for `grs train`: refit grs's lambda path with R glmnet and compare.
#
# Usage: Rscript train_glmnet.R RAW PHENO PHENO_COL COVAR|- GRS_PREFIX FAMILY ALPHA [OBJ_TOL COEF_TOL
#        THRESH OMICS]
#   OMICS      an --omics table: penalized numeric columns, NA -> mean over the training samples
#   RAW        plink2 --export A output (.raw): the genotypes, read independently of grs
#   PHENO      phenotype table (FID IID ...), PHENO_COL its column; -9/NA missing
#   COVAR      covariate table or "-": numeric columns as is, text columns one-hot (sorted
#              levels, the first dropped), unpenalized (penalty.factor 0), as grs train does
#   GRS_PREFIX the --out of grs train (reads PREFIX.lambda.tsv and PREFIX.path.tsv)
# The design is rebuilt here: samples with a phenotype (and covariates), genotypes mean-imputed
# over those samples, monomorphic columns dropped. glmnet gets grs's lambda sequence and
# thresh = 1e-14. For every lambda the objective
#   gaussian  1/(2n) RSS + lambda * sum_j vp_j [(1-alpha)/2 b_j^2 + alpha |b_j|]
#   binomial  -loglik/n  + (same penalty)
# with b_j = beta_j * sd_j (standardized coefficients, 1/n SD) and vp the penalty factors
# rescaled to sum to the number of features (glmnet), is computed here for glmnet's and for
# grs's coefficients; prints the largest relative objective difference and the largest
# coefficient difference and exits 1 if they exceed OBJ_TOL [1e-6] / COEF_TOL [1e-4].
suppressMessages(library(glmnet))
a <- commandArgs(trailingOnly = TRUE)
raw_fn <- a[1]; pheno_fn <- a[2]; pheno_col <- a[3]; covar_fn <- a[4]; prefix <- a[5]
family <- a[6]; alpha <- as.numeric(a[7])
obj_tol <- if (length(a) >= 8) as.numeric(a[8]) else 1e-6
coef_tol <- if (length(a) >= 9) as.numeric(a[9]) else 1e-4
thresh <- if (length(a) >= 10) as.numeric(a[10]) else 1e-14
omics_fn <- if (length(a) >= 11) a[11] else "-"

rd <- function(fn) {
  first <- readLines(fn, n = 1)
  sep <- if (grepl("\t", first)) "\t" else if (grepl(",", first)) "," else ""
  read.table(fn, header = TRUE, sep = sep, comment.char = "", check.names = FALSE,
             stringsAsFactors = FALSE, na.strings = c("NA", "", "NaN", "."), quote = "")
}
raw <- read.table(raw_fn, header = TRUE, check.names = FALSE, comment.char = "")
ph <- rd(pheno_fn)
y <- as.numeric(ph[[pheno_col]]); y[!is.na(y) & y == -9] <- NA
names(y) <- ph[[if ("IID" %in% names(ph)) "IID" else 1]]
iid <- raw$IID
keep <- iid %in% names(y) & !is.na(y[as.character(iid)])
cov <- NULL
if (covar_fn != "-") {
  cv <- rd(covar_fn)
  idc <- if ("IID" %in% names(cv)) "IID" else names(cv)[1]
  rownames(cv) <- cv[[idc]]
  cv <- cv[, setdiff(names(cv), c("FID", "#FID", "IID", "#IID", idc)), drop = FALSE]
  for (j in names(cv)) if (!is.character(cv[[j]])) cv[[j]][!is.na(cv[[j]]) & cv[[j]] == -9] <- NA
  keep <- keep & iid %in% rownames(cv)
  keep[keep] <- complete.cases(cv[as.character(iid[keep]), , drop = FALSE])
}
if (omics_fn != "-") {
  om <- rd(omics_fn)
  rownames(om) <- om[[1]]
  om <- om[, -1, drop = FALSE]
  keep <- keep & iid %in% rownames(om)
}
iid <- as.character(iid[keep])
yy <- y[iid]
if (family == "binomial" && all(yy %in% c(1, 2))) yy <- yy - 1
G <- as.matrix(raw[keep, 7:ncol(raw)])
colnames(G) <- sub("_[^_]+$", "", colnames(G))
for (j in seq_len(ncol(G))) { m <- mean(G[, j], na.rm = TRUE); G[is.na(G[, j]), j] <- m }
G <- G[, apply(G, 2, function(x) max(x) > min(x)), drop = FALSE]
colnames(G) <- paste0("geno|", colnames(G), "|.")
X <- G
pf <- rep(1, ncol(G))
if (!is.null(cov)) stop("unreachable")
if (covar_fn != "-") {
  cvk <- cv[iid, , drop = FALSE]
  for (j in names(cvk)) {
    x <- cvk[[j]]
    if (is.character(x)) {
      lev <- sort(unique(x), method = "radix")
      for (l in lev[-1]) {
        X <- cbind(X, as.numeric(x == l)); colnames(X)[ncol(X)] <- paste0("covar|", j, "|", l); pf <- c(pf, 0)
      }
    } else {
      X <- cbind(X, as.numeric(x)); colnames(X)[ncol(X)] <- paste0("covar|", j, "|."); pf <- c(pf, 0)
    }
  }
}
if (omics_fn != "-") {
  for (j in names(om)) {
    x <- as.numeric(om[iid, j]); x[is.na(x)] <- mean(x, na.rm = TRUE)
    X <- cbind(X, x); colnames(X)[ncol(X)] <- paste0("omics1|", j, "|."); pf <- c(pf, 1)
  }
}
n <- nrow(X); p <- ncol(X)
lam <- read.table(paste0(prefix, ".lambda.tsv"), header = TRUE)
path <- read.table(paste0(prefix, ".path.tsv"), header = TRUE, sep = "\t", quote = "",
                   comment.char = "", colClasses = c("integer", "numeric", "character", "character", "character", "numeric", "numeric"))
nl <- nrow(lam)
t0 <- proc.time()[["elapsed"]]
fit <- glmnet(X, yy, family = family, alpha = alpha, lambda = lam$lambda, standardize = TRUE,
              thresh = thresh, maxit = 1e7, penalty.factor = pf)
t_glmnet <- proc.time()[["elapsed"]] - t0
stopifnot(length(fit$lambda) == nl)
# grs coefficients as a p x nl matrix in X's column order
B <- matrix(0, p, nl); A0 <- numeric(nl)
key <- paste(path$block, path$feature, path$level, sep = "|")
icpt <- path$block == "(intercept)"
A0[path$lambda_index[icpt]] <- path$beta[icpt]
col <- match(key[!icpt], colnames(X))
if (anyNA(col)) stop("grs feature not in the R design: ", key[!icpt][is.na(col)][1])
B[cbind(col, path$lambda_index[!icpt])] <- path$beta[!icpt]
sdx <- apply(X, 2, function(x) sqrt(mean((x - mean(x))^2)))
vp <- pf * p / sum(pf)
obj <- function(a0, b, l) {
  eta <- a0 + as.vector(X %*% b)
  loss <- if (family == "gaussian") mean((yy - eta)^2) / 2 else -mean(yy * eta - log1p(exp(eta)))
  bs <- b * sdx
  loss + l * sum(vp * ((1 - alpha) / 2 * bs^2 + alpha * abs(bs)))
}
gb <- as.matrix(fit$beta)
worst_obj <- 0; worst_coef <- 0; worst_self <- 0; worst_icpt <- 0; worst_eta <- 0; signed <- 0
for (k in seq_len(nl)) {
  og <- obj(fit$a0[k], gb[, k], lam$lambda[k])
  om <- obj(A0[k], B[, k], lam$lambda[k])
  if (abs(om - og) / abs(og) > worst_obj) signed <- (om - og) / abs(og)
  worst_obj <- max(worst_obj, abs(om - og) / abs(og))
  worst_eta <- max(worst_eta, abs(as.vector(X %*% (B[, k] - gb[, k])) + A0[k] - fit$a0[k]))
  worst_self <- max(worst_self, abs(om - lam$objective[k]) / abs(om))
  worst_coef <- max(worst_coef, max(abs(B[, k] - gb[, k])))
  worst_icpt <- max(worst_icpt, abs(A0[k] - fit$a0[k]))
}
# A lasso on more features than samples can have many minimizers (collinear genotypes): then
# the objective and the fitted linear predictor are unique, the coefficients need not be.
coef_ok <- worst_coef <= coef_tol && worst_icpt <= coef_tol
nonunique <- !coef_ok && alpha == 1 && p > n && worst_eta <= 1e-3
ok <- worst_obj <= obj_tol && worst_self <= 1e-8 && (coef_ok || nonunique)
cat(sprintf("glmnet parity %s alpha=%g: n=%d p=%d lambdas=%d  max rel objective diff %.3g (grs-glmnet at worst %+.3g)  max |coef diff| %.3g  max |intercept diff| %.3g  max |lp diff| %.3g  grs objective self-check %.3g  glmnet %.2f s  %s%s\n",
            family, alpha, n, p, nl, worst_obj, signed, worst_coef, worst_icpt, worst_eta, worst_self, t_glmnet,
            if (ok) "OK" else "FAIL", if (nonunique) " (lasso minimizer not unique: coefficients differ, objective and fitted values agree)" else ""))
quit(status = if (ok) 0 else 1)
