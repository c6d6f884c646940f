/* test_backends.c -- every op on every available backend against the CPU reference (STYLE G7).
 * With GRS_CUDA_TC=1 in the environment the CUDA backend takes its integer tensor-core path for
 * the sizes with >= 32 scores (kernels/pgs_tc.cu).
 * Without a backend other than the reference it prints SKIP and returns 77 (CTest: Not Run).
 * Options: -o OP (pgs), -b BACKEND (cuda), --seed N. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grs/backend.h"
#include "grs/backend_ops.h"
#include "grs/log.h"
#include "grs/status.h"
#include "../reference/reference.h"
#include "tolerances.h"
#include "unit/check.h"
#include "unit/pgs_fixture.h"
#include "unit/enet_replay.h"

/* Score on the backend twice (outputs poisoned before each run) and on the reference: counts
 * exactly equal, scores within TOL_PGS_GPU_SD_FRAC of each score's SD, run to run identical. */
static void compare_pgs(grs_backend_t *be, int64_t n, int64_t m, int64_t K, uint64_t seed)
{
    prob_t pr;
    make_problem(&pr, n, m, K, seed);
    size_t nsk = (size_t)(n * K + 1);
    grs_pgs_problem_t p = { n, m, K, pr.vars, pr.w, 2 };
    grs_fix128_t *ref = (grs_fix128_t *)calloc(nsk, sizeof(*ref)), *got[2];
    int64_t *ct_ref = (int64_t *)calloc(n + 1, 8), *ct[2];
    double *nm_ref = (double *)calloc(n + 1, 8), *nm[2];
    grs_pgs_result_t rr = { ref, ct_ref, nm_ref };
    CHECK(grs_ref_pgs(&p, &rr) == 0, "reference n=%" PRId64 " m=%" PRId64 " K=%" PRId64, n, m, K);
    /* poison: every output starts at a pseudo-random nonzero value P and must end at P + result
     * ("added to" semantics). A backend that skips a sample, overwrites instead of adding, or
     * writes past n leaves a difference the comparisons below catch. */
    grs_fix128_t *poison = (grs_fix128_t *)malloc(nsk * sizeof(grs_fix128_t));
    int64_t *ct_poison = (int64_t *)malloc((n + 1) * 8);
    double *nm_poison = (double *)malloc((n + 1) * 8);
    uint64_t z = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < nsk; i++) {
        z ^= z << 13; z ^= z >> 7; z ^= z << 17;
        poison[i].lo = z;
        poison[i].hi = (int64_t)(z >> 40) - (1 << 23);
    }
    for (int64_t s = 0; s <= n; s++) { ct_poison[s] = 1000003 * (s + 1); nm_poison[s] = 4096.0 * (double)(s % 17 + 1); }
    for (int run = 0; run < 2; run++) {
        got[run] = (grs_fix128_t *)malloc(nsk * sizeof(grs_fix128_t));
        ct[run] = (int64_t *)malloc((n + 1) * 8);
        nm[run] = (double *)malloc((n + 1) * 8);
        memcpy(got[run], poison, nsk * sizeof(grs_fix128_t));
        memcpy(ct[run], ct_poison, (n + 1) * 8);
        memcpy(nm[run], nm_poison, (n + 1) * 8);
        grs_pgs_result_t r = { got[run], ct[run], nm[run] };
        CHECK(be->ops->pgs(be, &p, &r) == 0, "%s pgs n=%" PRId64 " m=%" PRId64 " K=%" PRId64, grs_backend_name(be), n, m, K);
        /* remove the poison (exact: two's complement and multiples of 2^-14 below 2^40) */
        for (size_t i = 0; i < nsk; i++) {
            grs_fix128_t neg = { ~poison[i].lo + 1, ~poison[i].hi + (poison[i].lo == 0 ? 1 : 0) };
            grs_fix128_add_to(&got[run][i], neg);
        }
        CHECK(ct[run][n] == ct_poison[n] && nm[run][n] == nm_poison[n], "nothing written past sample n=%" PRId64, n);
        for (int64_t s = 0; s < n; s++) { ct[run][s] -= ct_poison[s]; nm[run][s] -= nm_poison[s]; }
    }
    CHECK(memcmp(&got[0][n * K], &ref[n * K], sizeof(grs_fix128_t)) == 0, "nothing written past acc[n*K] n=%" PRId64, n);
    CHECK(memcmp(got[0], got[1], n * K * sizeof(grs_fix128_t)) == 0, "run-to-run identical n=%" PRId64 " K=%" PRId64, n, K);
    CHECK(memcmp(ct[0], ct_ref, n * 8) == 0, "allele_ct equal n=%" PRId64 " m=%" PRId64, n, m);
    CHECK(memcmp(nm[0], nm_ref, n * 8) == 0, "named dosage equal n=%" PRId64 " m=%" PRId64, n, m);
    double worst = 0;
    for (int64_t k = 0; k < K; k++) {
        double mean = 0, ss = 0;
        for (int64_t s = 0; s < n; s++) mean += grs_fix128_to_double(ref[s * K + k]) / n;
        for (int64_t s = 0; s < n; s++) { double d = grs_fix128_to_double(ref[s * K + k]) - mean; ss += d * d; }
        double sd = n > 1 ? sqrt(ss / (n - 1)) : 0, scale = sd > 0 ? sd : 1;
        for (int64_t s = 0; s < n; s++) {
            double e = fabs(grs_fix128_to_double(got[0][s * K + k]) - grs_fix128_to_double(ref[s * K + k])) / scale;
            if (e > worst) worst = e;
        }
    }
    CHECK(worst <= TOL_PGS_GPU_SD_FRAC, "n=%" PRId64 " m=%" PRId64 " K=%" PRId64 ": worst |gpu-cpu|/SD = %.3g", n, m, K, worst);
    printf("  pgs n=%" PRId64 " m=%" PRId64 " K=%" PRId64 ": worst |%s-cpu|/SD = %.3g%s\n", n, m, K, grs_backend_name(be),
           worst, K == 1 && memcmp(got[0], ref, n * sizeof(grs_fix128_t)) == 0 ? " (bit-identical)" : "");
    /* "added to": a second evaluation into the same result doubles every sum */
    grs_pgs_result_t r2 = { got[1], ct[1], nm[1] };
    CHECK(be->ops->pgs(be, &p, &r2) == 0, "second pass");
    int twice = 1;
    for (int64_t s = 0; s < n; s++) twice &= ct[1][s] == 2 * ct_ref[s];
    CHECK(twice, "results are added to (allele_ct doubles) n=%" PRId64, n);
    for (int run = 0; run < 2; run++) { free(got[run]); free(ct[run]); free(nm[run]); }
    free(poison); free(ct_poison); free(nm_poison);
    free(ref); free(ct_ref); free(nm_ref);
    free_problem(&pr);
}

/* Training's Gᵀr (enet_dot) on the backend: with >= 512 columns the CUDA backend computes it on
 * the device, which must equal the CPU replay of its kernel (enet_replay.h) bit for bit and the
 * reference within 1e-13 of Σ|r·x̃|; with few columns it falls back to the reference exactly. */
static void compare_enet(grs_backend_t *be, int64_t n, int64_t p, uint64_t seed, int is_gpu)
{
    if (!be->ops->enet_dot) return;
    const int64_t words = (n + 15) / 16;
    uint32_t **rows = (uint32_t **)calloc(p, sizeof(*rows));
    double *center = (double *)calloc(p, 8), *inv = (double *)calloc(p, 8), *r = (double *)malloc(n * 8);
    double *ref = (double *)malloc(p * 8), *got = (double *)malloc(p * 8), *again = (double *)malloc(p * 8);
    int64_t *cols = (int64_t *)malloc(p * 8);
    for (int64_t j = 0; j < p; j++) {
        rows[j] = (uint32_t *)calloc(words + 1, 4);
        for (int64_t s = 0; s < n; s++) {
            uint32_t c = (uint32_t)(rng_next(&seed) % 16);
            c = c < 1 ? GRS_GENO_MISSING : c < 8 ? 0 : c < 13 ? 1 : 2;
            rows[j][s / 16] |= c << (2 * (s % 16));
        }
        center[j] = 0.4 + 0.001 * (double)(j % 97);
        inv[j] = j % 50 == 0 ? 0.0 : 1.3 + 0.01 * (double)(j % 13);
        cols[j] = p - 1 - j;
    }
    for (int64_t s = 0; s < n; s++) r[s] = rng_unif(&seed) - 0.5;
    grs_enet_geno_t g = { n, p, (const uint32_t *const *)rows, center, inv, 2 };
    for (int64_t m = 100; m <= p; m = m == 100 ? p : p + 1) {        /* few columns, then all */
        for (int64_t k = 0; k < m; k++) got[k] = again[k] = NAN;       /* poisoned */
        CHECK(grs_ref_enet_dot(&g, cols, m, r, ref) == 0, "reference enet_dot");
        CHECK(be->ops->enet_dot(be, &g, cols, m, r, got) == 0, "%s enet_dot n=%" PRId64 " cols=%" PRId64, grs_backend_name(be), n, m);
        CHECK(be->ops->enet_dot(be, &g, cols, m, r, again) == 0, "%s enet_dot (again)", grs_backend_name(be));
        CHECK(memcmp(got, again, m * 8) == 0, "enet_dot run-to-run identical n=%" PRId64 " cols=%" PRId64, n, m);
        double worst = 0;
        int64_t replay_diff = 0;
        for (int64_t k = 0; k < m; k++) {
            double mag = 0;
            for (int64_t s = 0; s < n; s++) mag += fabs(r[s]) * 3.0 * inv[cols[k]];
            double e = fabs(got[k] - ref[k]) / (mag > 0 ? mag : 1);
            if (!(e <= worst)) worst = e;                               /* NaN (unwritten) -> worst */
            if (is_gpu && m >= 512) replay_diff += got[k] != enet_replay_dot(&g, cols[k], r);
        }
        CHECK(worst <= 1e-13, "enet_dot n=%" PRId64 " cols=%" PRId64 ": |%s-cpu| = %.3g of sum|r x|", n, m, grs_backend_name(be), worst);
        if (is_gpu && m >= 512)
            CHECK(replay_diff == 0, "enet_dot on the device equals its CPU replay bit for bit (%" PRId64 " differ)", replay_diff);
        if (m < 512) CHECK(memcmp(got, ref, m * 8) == 0, "enet_dot with %" PRId64 " columns is the CPU reference's", m);
        printf("  enet_dot n=%" PRId64 " cols=%" PRId64 ": worst |%s-cpu| / sum|r x| = %.3g%s\n", n, m, grs_backend_name(be), worst,
               is_gpu && m >= 512 ? (replay_diff ? " (REPLAY DIFFERS)" : " (= replay bit for bit)") : "");
    }
    for (int64_t j = 0; j < p; j++) free(rows[j]);
    free(rows); free(center); free(inv); free(r); free(ref); free(got); free(again); free(cols);
}

int main(int argc, char **argv)
{
    const char *only_backend = NULL;
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-b") == 0 && i + 1 < argc) only_backend = argv[++i];
        else if (strcmp(argv[i], "-q") == 0) quick = 1;
        else {
            fprintf(stderr, "usage: test_backends [-b cuda|cpu] [-q]\n"
                            "  -b cpu: run the harness against the CPU reference itself (a self-check)\n"
                            "  -q: small sizes only (for compute-sanitizer)\n");
            return 2;
        }
    }
    setenv("GRS_CUDA_ENET", "1", 1);        /* the opt-in GPU training op is what is tested */
    grs_set_log_level(GRS_LOG_WARNING);
    grs_backend_t *be = NULL;
    int kind = GRS_BACKEND_CUDA;
    if (only_backend && strcmp(only_backend, "cpu") == 0) kind = GRS_BACKEND_CPU;
    else if (only_backend && strcmp(only_backend, "cuda") != 0) {
        fprintf(stderr, "unknown backend '%s'\n", only_backend);
        return 2;
    }
    grs_set_log_level(GRS_LOG_OFF);
    if (grs_backend_open(kind, &be) != GRS_OK) {
        printf("SKIP: no accelerator backend (built: %s)\n", grs_backend_built());
        return 77;
    }
    grs_set_log_level(GRS_LOG_WARNING);
    printf("backend %s: %s\n", grs_backend_name(be), grs_backend_device(be));
    if (!be->ops->pgs) {
        printf("SKIP: backend %s has no pgs op\n", grs_backend_name(be));
        grs_backend_close(be);
        return 77;
    }
    /* edge sizes: 1 sample, counts not a multiple of 32, 0 variants, > 1 chunk, many scores;
     * the fixture has all-missing rows, dosage rows and haploid rows */
    int64_t sizes[][3] = {
        { 1, 10, 1 }, { 1, 300, 3 }, { 7, 0, 1 }, { 33, 257, 1 }, { 31, 513, 2 }, { 100, 600, 8 },
        { 257, 700, 17 }, { 129, 700, 48 }, { 1000, 5000, 1 }, { 999, 4500, 9 }, { 4097, 9000, 1 }, { 2000, 3000, 100 },
        { 500, 2000, 1000 },
    };
    size_t n_sizes = sizeof(sizes) / sizeof(sizes[0]);
    if (quick) n_sizes = 8;                 /* up to 257 x 700 x 48: minutes under memcheck */
    for (size_t i = 0; i < n_sizes; i++) compare_pgs(be, sizes[i][0], sizes[i][1], sizes[i][2], 500 + i);
    const int is_gpu = kind == GRS_BACKEND_CUDA;
    compare_enet(be, 1, 600, 77, is_gpu);
    compare_enet(be, 3001, quick ? 700 : 2000, 78, is_gpu);
    if (!quick) compare_enet(be, 20000, 1500, 79, is_gpu);
    grs_backend_close(be);
    return check_done("test_backends");
}
