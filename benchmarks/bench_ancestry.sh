#!/usr/bin/env bash
# bench_ancestry.sh -- `grs ancestry` (QC + LD pruning + randomized SVD + projection) against
# `plink2 --pca approx` (and exact `plink2 --pca`) on the same panel, same variants, same run.
#
# Usage: benchmarks/bench_ancestry.sh [N_SAMPLES=5000] [N_VARIANTS=50000] [THREADS=2] [PCS=10]
# Data: `grs simulate` (3 populations, Fst 0.05), packed to .grsm for grs and converted to .bed for
# plink2 (conversions not timed). plink2 runs on the variants grs kept (--extract of the IDs in
# PREFIX.qc.tsv), so both decompose the same matrix; the top eigenvalues of the two are printed
# side by side. Timings: wall seconds and peak RSS (MiB) from /usr/bin/time.
set -euo pipefail
N=${1:-5000}; M=${2:-50000}; T=${3:-2}; K=${4:-10}
GRS=$(readlink -f "${GRS:-$(dirname "$0")/../build/grs}")
W=$(mktemp -d "${TMPDIR:-/tmp}/bench_ancestry.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W"
# tm LABEL CMD...: run CMD, print LABEL, wall seconds and peak MiB
tm() { local label=$1; shift
       /usr/bin/time -f '%e %M' -o "$W/time" "$@" >/dev/null 2>"$W/log" || { cat "$W/log" >&2; exit 1; }
       read -r s kb < "$W/time"; printf '%s\t%.2f\t%d\n' "$label" "$s" $((kb / 1024)); }
echo "# bench_ancestry: $N samples x $M variants, $T threads, $K PCs; $(nproc) cores; $(date -u +%FT%TZ)"
$GRS simulate --samples "$N" --variants "$M" --populations 3 --fst 0.05 --seed 7 --omics-features 0 \
    --threads "$T" --out sim >/dev/null 2>&1
$GRS pack --vcf sim.vcf.gz --threads "$T" --out sim >/dev/null 2>&1
plink2 --vcf sim.vcf.gz --make-bed --out sim --threads "$T" >/dev/null 2>&1
echo -e "run\twall_s\tpeak_MiB"
tm "grs ancestry (QC+prune+rSVD+projection)" "$GRS" ancestry --ref-geno sim --labels sim.covar.tsv \
    --pcs "$K" --threads "$T" --out g -v 4
grep -E 'QC: .* kept|randomized SVD' "$W/log" | sed 's/^/  /'
grep -v '^#' g.qc.tsv | cut -f3 > kept.ids
tm "plink2 --pca approx" plink2 --bfile sim --extract kept.ids --pca approx "$K" --threads "$T" --out pa
tm "plink2 --pca (exact)" plink2 --bfile sim --extract kept.ids --pca "$K" --threads "$T" --out pe
echo "top eigenvalues: grs | plink2 approx | plink2 exact"
paste <(head -4 g.eigenval) <(head -4 pa.eigenval) <(head -4 pe.eigenval)
