/* bench_pgs.c -- CPU reference scoring throughput on seeded synthetic packed rows.
 *   bench_pgs [--quick] [--samples N] [--variants M] [--scores K] [--threads T] [--tsv]
 * Prints one line per run: genotypes/s and effective GB/s of 2-bit data. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grs/geno.h"
#include "grs/pgs.h"
#include "../reference/reference.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int64_t n = 20000, m = 20000, K = 1;
    int T = 2, tsv = 0, reps = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) { n = 1000; m = 2000; reps = 1; }
        else if (!strcmp(argv[i], "--samples") && i + 1 < argc) n = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--variants") && i + 1 < argc) m = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--scores") && i + 1 < argc) K = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) T = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--tsv")) tsv = 1;
    }
    int64_t rb = grs_geno_row_bytes(n);
    uint8_t *mem = (uint8_t *)aligned_alloc(64, (size_t)(m * rb));
    grs_pgs_var_t *vars = (grs_pgs_var_t *)calloc(m, sizeof(*vars));
    double *w = (double *)malloc(m * K * sizeof(double));
    grs_fix128_t *acc = (grs_fix128_t *)calloc(n * K, sizeof(grs_fix128_t));
    int64_t *ct = (int64_t *)malloc(n * sizeof(int64_t));
    double *nm = (double *)malloc(n * sizeof(double));
    uint64_t x = 12345;
    for (int64_t i = 0; i < m * rb; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint8_t b = (uint8_t)x;
        /* avoid code 3 (missing) mostly: map 3 -> 0 in 15 of 16 cases */
        for (int j = 0; j < 4; j++)
            if (((b >> (2 * j)) & 3) == 3 && ((x >> (8 + j)) & 15)) b &= (uint8_t)~(3u << (2 * j));
        mem[i] = b;
    }
    for (int64_t v = 0; v < m; v++) {
        vars[v].codes = (const uint32_t *)(mem + v * rb);
        vars[v].impute[0] = 0.3; vars[v].impute[1] = 0.6;
        vars[v].flip = (int32_t)(v % 3 == 0);
        for (int64_t k = 0; k < K; k++) w[v * K + k] = ((v * 31 + k * 17) % 101 - 50) * 1e-3;
    }
    grs_pgs_problem_t p = { n, m, K, vars, w, T };
    grs_pgs_result_t r = { acc, ct, nm };
    double best = 1e30;
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        if (grs_ref_pgs(&p, &r) != 0) { fprintf(stderr, "failed\n"); return 1; }
        double t = now() - t0;
        if (t < best) best = t;
    }
    double geno = (double)n * m;
    if (tsv)
        printf("pgs\tcpu\t0\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%.3f\t%.3f\t%.3g\n", n, m, K,
               best * 1e3, geno / 4 / best / 1e9, geno / best);
    else
        printf("bench_pgs cpu: %" PRId64 " samples x %" PRId64 " variants x %" PRId64 " scores, %d threads: "
               "%.3f s, %.3g genotypes/s, %.2f GB/s of 2-bit data\n", n, m, K, T, best, geno / best,
               geno / 4 / best / 1e9);
    free(mem); free(vars); free(w); free(acc); free(ct); free(nm);
    return 0;
}
