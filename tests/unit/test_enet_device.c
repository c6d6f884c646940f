/* test_enet_device.c -- the CUDA Gᵀr kernel's arithmetic (kernels/enet.cu), replayed on the CPU.
 *
 * kernels/enet.cu gives a warp to a column: 32 lanes of grs_enet_dot_lane (grs/enet_gpu.h), then
 * a shuffle-down tree. enet_replay.h replays exactly that; this test checks the replay against
 * the CPU reference's dot (grs_ref_enet_dot: a different summation order, so within rounding)
 * and against a long-double sum, on blocks with sample counts that are not multiples of 4 or
 * 128, missing calls, constant and all-missing columns. Without a GPU this is what shows the
 * kernel's arithmetic; test_backends checks the device against the replay bit for bit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "enet_replay.h"
#include "grs/enet.h"
#include "grs/geno.h"
#include "../../reference/reference.h"

static void run_case(int64_t n, int64_t p, uint64_t seed)
{
    const int64_t words = (n + 15) / 16;
    uint32_t **rows = (uint32_t **)calloc(p, sizeof(*rows));
    double *center = (double *)calloc(p, 8), *inv = (double *)calloc(p, 8), *r = (double *)malloc(n * 8);
    double *ref = (double *)malloc(p * 8);
    int64_t *cols = (int64_t *)malloc(p * 8);
    for (int64_t j = 0; j < p; j++) {
        rows[j] = (uint32_t *)calloc(words + 1, 4);
        const int kind = (int)(rng_next(&seed) % 12);   /* 0: constant, 1: all missing */
        const double f = 0.05 + 0.9 * rng_unif(&seed), miss = 0.1 * rng_unif(&seed);
        double s1 = 0, s2 = 0, nc = 0;
        for (int64_t s = 0; s < n; s++) {
            uint32_t c;
            if (kind == 1 || rng_unif(&seed) < miss) c = GRS_GENO_MISSING;
            else if (kind == 0) c = 1;
            else c = (rng_unif(&seed) < f) + (rng_unif(&seed) < f);
            rows[j][s / 16] |= c << (2 * (s % 16));
            if (c != GRS_GENO_MISSING) { s1 += c; s2 += (double)c * c; nc++; }
        }
        center[j] = nc ? s1 / nc : 0;
        double var = nc ? (s2 - s1 * s1 / nc) / n : 0;   /* imputed column, 1/n variance */
        inv[j] = var > 1e-12 ? 1 / sqrt(var) : 0;
        cols[j] = (j * 7919) % p;                         /* a permutation when p is not a multiple of 7919 */
    }
    for (int64_t s = 0; s < n; s++) r[s] = rng_unif(&seed) * 2 - 1 + (s % 5 == 0 ? 3.0 : 0.0);
    grs_enet_geno_t g = { n, p, (const uint32_t *const *)rows, center, inv, 2 };
    CHECK(grs_ref_enet_dot(&g, cols, p, r, ref) == 0, "reference dot n=%" PRId64, n);
    double worst_ref = 0, worst_ld = 0;
    for (int64_t k = 0; k < p; k++) {
        const int64_t j = cols[k];
        const double got = enet_replay_dot(&g, j, r);
        long double exact = 0, mag = 0;
        for (int64_t s = 0; s < n; s++) {
            uint32_t c = grs_geno_code(rows[j], s);
            long double x = c == GRS_GENO_MISSING ? 0.0L : ((long double)c - center[j]) * inv[j];
            exact += (long double)r[s] * x;
            mag += fabsl((long double)r[s] * x);
        }
        const double scale = mag > 0 ? (double)mag : 1.0;
        const double e1 = fabs(got - ref[k]) / scale, e2 = fabs(got - (double)exact) / scale;
        if (e1 > worst_ref) worst_ref = e1;
        if (e2 > worst_ld) worst_ld = e2;
        if (inv[j] == 0) CHECK(got == 0.0, "constant or all-missing column %" PRId64 " sums to 0", j);
    }
    CHECK(worst_ref <= 1e-13, "n=%" PRId64 " p=%" PRId64 ": |replay - cpu| / sum|r x| = %.3g", n, p, worst_ref);
    CHECK(worst_ld <= 1e-13, "n=%" PRId64 " p=%" PRId64 ": |replay - exact| / sum|r x| = %.3g", n, p, worst_ld);
    printf("  n=%" PRId64 " p=%" PRId64 ": |gpu replay - cpu| / sum|r x| <= %.3g, vs long double <= %.3g\n", n, p,
           worst_ref, worst_ld);
    for (int64_t j = 0; j < p; j++) free(rows[j]);
    free(rows); free(center); free(inv); free(r); free(ref); free(cols);
}

int main(void)
{
    /* the lane loop itself: 32 lanes over bytes l, l+32, ... cover every sample once */
    {
        uint32_t row[8] = { 0 };
        for (int s = 0; s < 100; s++) row[s / 16] |= 1u << (2 * (s % 16));   /* code 1 */
        double r[100], val[4] = { 0, 1, 0, 0 }, total = 0;
        for (int s = 0; s < 100; s++) r[s] = (double)(s + 1);
        for (int l = 0; l < 32; l++) total += grs_enet_dot_lane((const uint8_t *)row, 100, r, val, l, 32);
        CHECK(total == 5050.0, "lanes cover samples 1..100 once: %g", total);
    }
    int64_t sizes[][2] = { { 1, 40 }, { 3, 33 }, { 127, 600 }, { 129, 513 }, { 1000, 700 }, { 4097, 300 }, { 20001, 64 } };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) run_case(sizes[i][0], sizes[i][1], 900 + i);
    return check_done("test_enet_device");
}
