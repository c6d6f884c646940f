#!/usr/bin/env bash
# bench_query.sh [N_SAMPLES [N_SCORES [N_QUERIES]]] -- time `grs query` on a large results store.
#
# Builds a store of N_SAMPLES (default 100,000) x N_SCORES (default 100) through `grs store`
# from a generated .sscore (ALLELE_CT/DENOM/…_AVG/…_SUM) and a long-format norm.tsv (one row per
# sample per score, 100 reference individuals per population summarised), then runs `grs query`
# for N_QUERIES (default 200) random samples in text and in json format, one process per query
# (what a user or a pipeline pays), and prints the median and p95 wall milliseconds of each.
# Target (issue 9): under 50 ms per query. Environment: GRS (default build/grs), WORK (scratch
# directory, default a new one under /tmp, removed at the end unless KEEP=1).
set -euo pipefail
N=${1:-100000}
K=${2:-100}
Q=${3:-200}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GRS=${GRS:-$ROOT/build/grs}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/bench_query.XXXXXX")}
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK"
cd "$WORK"
echo "# bench_query: $N samples x $K scores, $Q queries per format; $(nproc) cores; $(date -u +%FT%TZ)"
if [ -n "${STORE:-}" ]; then   # time the queries only, on a store built by an earlier run (KEEP=1)
    ln -sf "$STORE" r.sqlite
else
rm -f r.sqlite
t0=$(date +%s.%N)
awk -v N="$N" -v K="$K" 'BEGIN { srand(1); OFS = "\t"
    printf "#IID\tALLELE_CT\tDENOM\tNAMED_ALLELE_DOSAGE_SUM"
    for (k = 1; k <= K; k++) printf "\tS%d_AVG", k
    for (k = 1; k <= K; k++) printf "\tS%d_SUM", k
    printf "\n"
    for (i = 1; i <= N; i++) {
        line = sprintf("S%07d\t%d\t20000\t10000", i, 19900 + int(rand() * 100))
        for (k = 1; k <= K; k++) { v[k] = rand() - 0.5; line = line sprintf("\t%.6g", v[k] / 20000) }
        for (k = 1; k <= K; k++) line = line sprintf("\t%.6g", v[k])
        print line } }' > big.sscore
awk -v N="$N" -v K="$K" 'BEGIN { srand(2); OFS = "\t"
    print "##grs_version=bench_query.sh"
    print "#FID", "IID", "DATASET", "SCORE", "SUM", "MostSimilarPop", "MostSimilarPop_LowConfidence",
          "percentile_MostSimilarPop", "Z_MostSimilarPop", "Z_norm1", "Z_norm2"
    split("AFR EAS EUR", pop, " ")
    for (p = 1; p <= 3; p++) for (k = 1; k <= K; k++) for (i = 0; i < 100; i++)
        printf "R%s_%d\tR%s_%d\treference\tS%d\t%.6g\t%s\tFALSE\tNA\tNA\tNA\tNA\n", pop[p], i, pop[p], i, k, rand() - 0.5, pop[p]
    for (i = 1; i <= N; i++) { q = pop[1 + i % 3]; lc = i % 17 == 0 ? "TRUE" : "FALSE"
        for (k = 1; k <= K; k++) { z = 2 * (rand() - 0.5)
            printf "S%07d\tS%07d\ttarget\tS%d\t%.6g\t%s\t%s\t%.4g\t%.6g\t%.6g\t%.6g\n", i, i, k, z / 4, q, lc, 50 + 40 * z, z, z, z } } }' > big.norm.tsv
t1=$(date +%s.%N)
/usr/bin/time -f '%e %M' -o ingest.time "$GRS" store --db r.sqlite --scores big.sscore --norm big.norm.tsv
read -r ingest_s ingest_kb < ingest.time
printf 'generate inputs: %.1f s (.sscore %s MB, norm.tsv %s MB)\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
    "$(( $(stat -c %s big.sscore) / 1000000 ))" "$(( $(stat -c %s big.norm.tsv) / 1000000 ))"
printf 'grs store (ingest, one transaction): %s s wall, %s MiB peak; store %s MB\n' "$ingest_s" \
    "$(( ingest_kb / 1024 ))" "$(( $(stat -c %s r.sqlite) / 1000000 ))"
rm -f big.sscore big.norm.tsv
fi

# random samples (seeded), the same list for both formats; one warm-up query
awk -v N="$N" -v Q="$Q" 'BEGIN { srand(3); for (q = 0; q < Q; q++) printf "S%07d\n", 1 + int(rand() * N) }' > samples.txt
"$GRS" query --db r.sqlite --sample S0000001 --format json > /dev/null
for fmt in text json; do
    : > "ms.$fmt"
    while read -r s; do
        a=${EPOCHREALTIME/./}     # bash 5: microseconds, no subprocess inside the timed interval
        "$GRS" query --db r.sqlite --sample "$s" --format "$fmt" > /dev/null
        b=${EPOCHREALTIME/./}
        echo $(( b - a )) >> "ms.$fmt"
    done < samples.txt
    sort -n "ms.$fmt" | awk -v fmt="$fmt" '{ v[NR] = $1 / 1000 } END {
        med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        p95 = v[int(0.95 * NR + 0.999999)]
        printf "grs query --format %s: %d queries, median %.1f ms, p95 %.1f ms, max %.1f ms\n", fmt, NR, med, p95, v[NR] }'
done
# the size of one answer (this sample's K scores)
"$GRS" query --db r.sqlite --sample S0000002 --format json | wc -c | awk '{ printf "one json answer: %d bytes\n", $1 }'
