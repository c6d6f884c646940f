# report_delong.R -- AUROC and its DeLong 95% CI with pROC, the oracle for `grs report`.
#   Rscript report_delong.R IN OUT
# IN: tab-separated with a header "name score y" (y 1 = case, 0 = control), one row per sample
# and score. OUT: one line per score: name auc ci_lo ci_hi se (17 significant digits).
# direction "<" fixes controls < cases (pROC would otherwise pick the direction from the data).
suppressMessages(library(pROC))
args <- commandArgs(trailingOnly = TRUE)
d <- read.table(args[1], header = TRUE, sep = "\t", colClasses = c("character", "numeric", "numeric"))
out <- file(args[2], "w")
for (nm in unique(d$name)) {
    s <- d[d$name == nm, ]
    r <- roc(s$y, s$score, levels = c(0, 1), direction = "<", quiet = TRUE)
    ci <- ci.auc(r, method = "delong", conf.level = 0.95)
    se <- sqrt(var(r, method = "delong"))
    cat(sprintf("%s %.17g %.17g %.17g %.17g\n", nm, as.numeric(auc(r)), ci[1], ci[3], se), file = out)
}
close(out)
