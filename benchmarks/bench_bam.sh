#!/usr/bin/env bash
# bench_bam.sh -- genotyping sites from reads: `grs pack --bam` against
# `bcftools mpileup -f REF -T SITES BAMs | bcftools call -m` on the same sites and reads, in one run.
#
# Usage: benchmarks/bench_bam.sh [GRS] [LIST SITES.vcf.gz REF] [REPS]
#   default input: ../shared/data/bcftools-mpileup (3 real 1000 Genomes BAMs, chr17:1-4200) with the
#   sites bcftools calls there (`mpileup | call -mv`, SNPs and the indel); REPS runs of each tool
#   (default 20, because one run on this tiny input is dominated by start-up).
# Prints one TSV row per tool (tool, reps, total wall s, per-run ms, sites, files) and the ratio
# bcftools / grs. Both tools run single-threaded (grs --threads 1) so the ratio compares work, not cores.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
GRS=${1:-$SRC/build/grs}
D=${SHARED:-$SRC/../shared}/data/bcftools-mpileup/mpileup
W=$(mktemp -d "${TMPDIR:-/tmp}/bench_bam.XXXXXX")
trap 'rm -rf "$W"' EXIT
if [ $# -ge 4 ]; then
    LIST=$2; SITES=$3; REF=$4; REPS=${5:-3}
else
    REF=$D/mpileup.ref.fa; REPS=${2:-20}
    [ -f "$D/mpileup.1.bam" ] || { echo "no $D; give LIST SITES REF" >&2; exit 77; }
    LIST=$W/bams.txt
    printf '%s\n' "$D/mpileup.1.bam" "$D/mpileup.2.bam" "$D/mpileup.3.bam" > "$LIST"
    SITES=$W/sites.vcf.gz
    bcftools mpileup -f "$REF" -b "$LIST" 2>/dev/null | bcftools call -mv -Oz -o "$SITES" 2>/dev/null
    tabix -f "$SITES"
fi
n_sites=$(bcftools view -H "$SITES" | wc -l)
n_files=$(grep -vc '^#' "$LIST")
now() { date +%s.%N; }

t0=$(now)
for ((i = 0; i < REPS; i++)); do
    "$GRS" pack --bam "$LIST" --sites "$SITES" --fasta "$REF" --threads 1 --out "$W/g" -v 0
done
t1=$(now)
for ((i = 0; i < REPS; i++)); do
    bcftools mpileup -f "$REF" -T "$SITES" -b "$LIST" -Ou 2>/dev/null | bcftools call -m -Ob -o "$W/b.bcf" 2>/dev/null
done
t2=$(now)

printf 'tool\treps\twall_s\tms_per_run\tsites\tfiles\n'
awk -v a="$t0" -v b="$t1" -v c="$t2" -v r="$REPS" -v s="$n_sites" -v f="$n_files" 'BEGIN {
    g = b - a; k = c - b;
    printf "grs pack --bam\t%d\t%.3f\t%.1f\t%d\t%d\n", r, g, 1000 * g / r, s, f;
    printf "bcftools mpileup -T | call -m\t%d\t%.3f\t%.1f\t%d\t%d\n", r, k, 1000 * k / r, s, f;
    printf "ratio bcftools/grs: %.2f\n", k / g }'
