#!/usr/bin/env bash
# bench_train_scale.sh -- grs train at biobank-like width on the CPU: genotypes plus an omics
# block, one full 100-lambda path, wall time and peak RSS (issue 6's scaling goal: 20,000 x
# 200,000 genotypes + 1,000 omics features within 15 minutes with bounded memory). glmnet is
# not run: its dense double matrix would be 32 GB.
#   benchmarks/bench_train_scale.sh [GRS] [SAMPLES] [VARIANTS] [OMICS] [THREADS]
# Data: plink2 --dummy (seed 1, 1% missing, a quantitative trait) packed with grs pack, and
# OMICS N(0,1) features (numpy seed 11, Debian /usr/bin/python3) in a TSV. Prints one TSV line:
#   n p_geno p_omics threads seconds peak_rss_mib path_seconds nnz_last dev_ratio_last
# Needs plink2, /usr/bin/python3 with numpy, GNU time, about 1.2 GB of disk at the defaults.
set -euo pipefail
GRS=${1:-build/grs}; N=${2:-20000}; P=${3:-200000}; Q=${4:-1000}; TH=${5:-2}
W=$(mktemp -d "${TMPDIR:-/tmp}/bench_train_scale.XXXXXX"); trap 'rm -rf "$W"' EXIT
plink2 --dummy "$N" "$P" 0.01 acgt scalar-pheno --seed 1 --make-bed --out "$W/d" >/dev/null 2>&1
awk 'BEGIN{print "FID\tIID\ty"}{print $1"\t"$2"\t"$6}' "$W/d.fam" > "$W/pheno"
"$GRS" pack --bfile "$W/d" --out "$W/d" 2>/dev/null
rm -f "$W/d.bed"
/usr/bin/python3 - "$W/d.fam" "$Q" "$W/om.tsv" <<'PY'
import sys, numpy as np
fam, q, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
iid = [l.split()[1] for l in open(fam)]
X = np.random.default_rng(11).normal(size=(len(iid), q))
with open(out, "w") as f:
    f.write("IID\t" + "\t".join("om%d" % j for j in range(q)) + "\n")
    for i, name in enumerate(iid):
        f.write(name + "\t" + "\t".join("%.6g" % v for v in X[i]) + "\n")
PY
echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "# grs train --geno d --omics om.tsv --pheno pheno --trait quantitative --alpha 0.5 --folds 0 --threads $TH" >&2
/usr/bin/time -f "%e %M" -o "$W/t" "$GRS" train --geno "$W/d" --omics "$W/om.tsv" --pheno "$W/pheno" \
    --trait quantitative --alpha 0.5 --folds 0 --threads "$TH" --out "$W/m" -v 4 2> "$W/log"
read -r secs rss < "$W/t"
path=$(grep -o 'KKT re-solves, [0-9.]* s' "$W/log" | grep -o '[0-9.]* s' | cut -d' ' -f1)
grep 'path:' "$W/log" | sed 's/^/# /' >&2
read -r nnz dev < <(tail -1 "$W/m.lambda.tsv" | awk -F'\t' '{print $3, $4}')
printf "n\tp_geno\tp_omics\tthreads\tseconds\tpeak_rss_mib\tpath_seconds\tnnz_last\tdev_ratio_last\n"
printf "%s\t%s\t%s\t%s\t%s\t%.0f\t%s\t%s\t%.6f\n" "$N" "$P" "$Q" "$TH" "$secs" "$(echo "$rss / 1024" | bc -l)" "$path" "$nnz" "$dev"
