/* test_pgs_device.c -- the CUDA scoring kernel's arithmetic and schedule, replayed on the CPU.
 *
 * kernels/pgs.cu stages variants into slabs (reference/pgs_stage.c), launches one thread per
 * genotype byte and score tile running grs_pgs_group() (grs/pgs.h), keeps chunk partials in
 * `part` across launches and flushes them to the fixed-point accumulator at chunk ends. This
 * test runs the same staging, the same GRS_HD function and the same launch/flush schedule on the
 * CPU, thread by thread, and checks:
 *   - one score: bit-identical to the CPU reference (same operations in the same order);
 *   - several scores: within the reference tolerance of the definition;
 *   - allele counts and named dosages: exactly the reference's;
 *   - any slab size (slabs ending inside chunks) and score-group size: identical bits;
 *   - grs_fix128_add_double: the exact floor(x·2^64) of the CPU's __int128 conversion.
 * What it cannot check (needs a GPU: test_backends): CUDA streams, events, copies, launches. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grs/geno.h"
#include "grs/pgs.h"
#include "../../reference/pgs_stage.h"
#include "../../reference/reference.h"
#include "../tolerances.h"
#include "check.h"
#include "pgs_fixture.h"

static int tile_for(int64_t kg) { return kg <= 1 ? 1 : kg <= 2 ? 2 : kg <= 4 ? 4 : 8; }

/* one device thread (g, y) of pgs_kernel, as kernels/pgs.cu writes it */
static void thread_body(int KT, const grs_pgs_var_t *vars, const double *W, int64_t ldw, int64_t v0,
                        int64_t v1, int64_t n, int64_t kg, double *part, int flush, grs_fix128_t *acc,
                        int count, int64_t *ct, double *named, int64_t g, int64_t y, int skip_plain)
{
    const int64_t k0 = y * KT;
    const int do_count = count && y == 0;
    int64_t ns = n - 4 * g;
    if (ns > 4) ns = 4;
    double a[32];
    for (int j = 0; j < 4; j++)
        for (int k = 0; k < KT; k++) a[j * KT + k] = j < ns ? part[(4 * g + j) * ldw + k0 + k] : 0.0;
    int64_t c[4] = { 0, 0, 0, 0 };
    double nm[4] = { 0, 0, 0, 0 };
    /* the kernel's shared-memory tiles: load (all elements, as the block's threads together
     * do), then the group over the tile */
    for (int64_t t0 = v0; t0 < v1; t0 += GRS_PGS_TILE_V) {
        grs_pgs_var_t tv_vars[GRS_PGS_TILE_V];
        double tv_w[GRS_PGS_TILE_V * 8];
        const int tv = (int)(v1 - t0 < GRS_PGS_TILE_V ? v1 - t0 : GRS_PGS_TILE_V);
        grs_pgs_load_tile(vars, W, ldw, t0, tv, k0, KT, tv_vars, tv_w, 0, 1);
        grs_pgs_group(tv_vars, tv_w, KT, 0, tv, g, n, 0, KT, a, do_count, c, nm, skip_plain);
    }
    for (int j = 0; j < ns; j++) {
        int64_t s = 4 * g + j;
        for (int k = 0; k < KT; k++) {
            double x = a[j * KT + k];
            if (!flush) part[s * ldw + k0 + k] = x;
            else {
                part[s * ldw + k0 + k] = 0.0;
                if (k0 + k < kg) grs_fix128_add_double(&acc[s * kg + k0 + k], x);
            }
        }
        if (do_count) { ct[s] += c[j]; named[s] += nm[j]; }
    }
}

/* kernels/pgs_tc.cu over one launch range [a, b) of a slab: the exact limb sums of every
 * (sample, score) into L (n × kg × 4), and at the chunk end their value onto acc, zeroing L */
static void tc_body(const grs_pgs_var_t *vars, const double *W, int64_t ldw, int64_t a, int64_t b, int64_t n,
                    int64_t kg, const double *scale, int32_t *L, int flush, grs_fix128_t *acc)
{
    int8_t (*q)[2][4] = (int8_t (*)[2][4])malloc((size_t)(kg > 0 ? kg : 1) * sizeof(*q));
    for (int64_t v = a; v < b; v++) {
        for (int64_t k = 0; k < kg; k++)
            for (int row = 0; row < 2; row++) grs_pgs_tc_entry(&vars[v], W[v * ldw + k], row, scale[k], q[k][row]);
        for (int64_t s = 0; s < n; s++) {
            int8_t x[2];
            grs_pgs_tc_decode(&vars[v], s, n, x);
            if (!x[0] && !x[1]) continue;
            for (int64_t k = 0; k < kg; k++)
                for (int l = 0; l < 4; l++) L[(s * kg + k) * 4 + l] += x[0] * q[k][0][l] + x[1] * q[k][1][l];
        }
    }
    free(q);
    if (!flush) return;
    for (int64_t s = 0; s < n; s++)
        for (int64_t k = 0; k < kg; k++) {
            int32_t *l4 = &L[(s * kg + k) * 4];
            grs_fix128_add_double(&acc[s * kg + k], grs_pgs_tc_value(l4[0], l4[1], l4[2], l4[3], scale[k]));
            l4[0] = l4[1] = l4[2] = l4[3] = 0;
        }
}

/* grs_cuda_pgs's host loop with the kernels replaced by thread_body (and tc_body, when tc and
 * the score group is large enough) over the whole grid */
static int replay(const grs_pgs_problem_t *p, size_t cap, int64_t kg_max, grs_pgs_result_t *r, int tc)
{
    const int64_t n = p->n_samples, K = p->n_scores;
    if (n <= 0 || p->n_vars <= 0 || K <= 0) return 0;
    void *buf = aligned_alloc(64, cap);
    int64_t *ct = (int64_t *)calloc(n, 8);
    double *named = (double *)calloc(n, 8);
    int ok = 1;
    for (int64_t k0 = 0; k0 < K && ok; k0 += kg_max) {
        const int64_t kg = K - k0 < kg_max ? K - k0 : kg_max;
        const int KT = tile_for(kg);
        const int64_t ldw = (kg + KT - 1) / KT * KT;
        const int count = k0 == 0 && (r->allele_ct || r->named_dosage);
        double *part = (double *)calloc(n * ldw, 8);
        grs_fix128_t *acc = (grs_fix128_t *)calloc(n * kg, sizeof(grs_fix128_t));
        const int use_tc = tc && kg >= GRS_PGS_TC_MIN_SCORES;
        double *scale = NULL;
        int32_t *L = NULL;
        if (use_tc) {
            scale = (double *)malloc(kg * sizeof(double));
            L = (int32_t *)calloc(n * kg * 4, sizeof(int32_t));
            grs_pgs_tc_scales(p, k0, kg, scale);
        }
        for (int64_t v = 0; v < p->n_vars;) {
            grs_pgs_slab_t slab;
            if (grs_pgs_stage(p, v, k0, kg, ldw, buf, cap, (uintptr_t)buf, &slab) == 0) { ok = 0; break; }
            const grs_pgs_var_t *vars = (const grs_pgs_var_t *)((char *)buf + slab.off_vars);
            const double *W = (const double *)((char *)buf + slab.off_w);
            for (int64_t a = 0; a < slab.n_vars;) {
                int64_t chunk_end = ((v + a) / GRS_PGS_CHUNK + 1) * GRS_PGS_CHUNK;
                int64_t b = chunk_end - v < slab.n_vars ? chunk_end - v : slab.n_vars;
                int flush = v + b == chunk_end || v + b == p->n_vars;
                if (use_tc) tc_body(vars, W, ldw, a, b, n, kg, scale, L, flush, acc);
                for (int64_t g = 0; g < (n + 3) / 4; g++)
                    for (int64_t y = 0; y < ldw / KT; y++)
                        thread_body(KT, vars, W, ldw, a, b, n, kg, part, flush, acc, count, ct, named, g, y, use_tc);
                a = b;
            }
            v += slab.n_vars;
        }
        for (int64_t s = 0; s < n; s++)
            for (int64_t k = 0; k < kg; k++) grs_fix128_add_to(&r->acc[s * K + k0 + k], acc[s * kg + k]);
        free(part);
        free(acc);
        free(scale);
        free(L);
    }
    for (int64_t s = 0; s < n; s++) {
        if (r->allele_ct) r->allele_ct[s] += ct[s];
        if (r->named_dosage) r->named_dosage[s] += named[s];
    }
    free(buf); free(ct); free(named);
    return ok ? 0 : -1;
}

static void run_case(int64_t n, int64_t m, int64_t K, uint64_t seed)
{
    prob_t pr;
    make_problem(&pr, n, m, K, seed);
    size_t nsk = (size_t)(n * K + 1);
    double *want = (double *)malloc(nsk * 8);
    double *nm = (double *)malloc((n + 1) * 8), *nm_ref = (double *)calloc(n + 1, 8), *nm_dev = (double *)calloc(n + 1, 8);
    int64_t *ct = (int64_t *)malloc((n + 1) * 8), *ct_ref = (int64_t *)calloc(n + 1, 8), *ct_dev = (int64_t *)calloc(n + 1, 8);
    grs_fix128_t *acc_ref = (grs_fix128_t *)calloc(nsk, sizeof(grs_fix128_t));
    grs_fix128_t *acc_dev = (grs_fix128_t *)malloc(nsk * sizeof(grs_fix128_t));
    grs_fix128_t *acc_first = (grs_fix128_t *)malloc(nsk * sizeof(grs_fix128_t));
    naive(&pr, want, ct, nm);
    grs_pgs_problem_t p = { n, m, K, pr.vars, pr.w, 2 };
    grs_pgs_result_t rr = { acc_ref, ct_ref, nm_ref };
    CHECK(grs_ref_pgs(&p, &rr) == 0, "reference n=%" PRId64, n);

    /* slab capacities: a few variants, ~1000 (slabs end inside chunks), everything */
    size_t per = grs_pgs_stage_var_bytes(&p, 0, 8) + 64;
    size_t caps[3] = { 3 * 64 + 3 * per + 2 * (size_t)n * 2 + 512, 3 * 64 + 1000 * per + 64 * 1024, (size_t)1 << 28 };
    int64_t groups[2] = { 8, 16 };
    for (int ci = 0; ci < 3; ci++) {
        for (int gi = 0; gi < 2; gi++) {
            grs_pgs_result_t rd = { acc_dev, ct_dev, nm_dev };
            memset(acc_dev, 0x5a, nsk * sizeof(grs_fix128_t));    /* poisoned, then zeroed as by a caller */
            memset(acc_dev, 0, nsk * sizeof(grs_fix128_t));
            memset(ct_dev, 0, (n + 1) * 8);
            memset(nm_dev, 0, (n + 1) * 8);
            size_t cap = (caps[ci] + 63) / 64 * 64;
            CHECK(replay(&p, cap, groups[gi], &rd, 0) == 0, "replay staged (cap %zu)", cap);
            CHECK(memcmp(ct_dev, ct_ref, n * 8) == 0, "allele_ct n=%" PRId64 " m=%" PRId64 " cap=%zu", n, m, cap);
            CHECK(memcmp(nm_dev, nm_ref, n * 8) == 0, "named dosage n=%" PRId64 " m=%" PRId64 " cap=%zu", n, m, cap);
            if (K == 1) {
                CHECK(memcmp(acc_dev, acc_ref, n * sizeof(grs_fix128_t)) == 0,
                      "K=1 bit-identical to the CPU reference n=%" PRId64 " m=%" PRId64 " cap=%zu", n, m, cap);
            } else {
                int64_t bad = -1;
                for (int64_t i = 0; i < n * K && bad < 0; i++) {
                    double got = grs_fix128_to_double(acc_dev[i]), err = fabs(got - want[i]);
                    if (!(err <= TOL_PGS_REF_ATOL + TOL_PGS_REF_RTOL * fabs(want[i]))) bad = i;
                }
                CHECK(bad < 0, "K=%" PRId64 " n=%" PRId64 " m=%" PRId64 " cap=%zu within the reference tolerance", K, n, m, cap);
            }
            if (ci == 0 && gi == 0) memcpy(acc_first, acc_dev, nsk * sizeof(grs_fix128_t));
            else CHECK(memcmp(acc_first, acc_dev, n * K * sizeof(grs_fix128_t)) == 0,
                       "identical bits for slab cap %zu and score group %" PRId64, cap, groups[gi]);
        }
    }
    /* the integer tensor-core path (GRS_CUDA_TC=1) for groups of >= 32 scores: counts exact,
     * scores within TOL_PGS_GPU_SD_FRAC of each score's SD, and the same bits for every slab
     * capacity and score grouping (integer sums do not depend on launch boundaries) */
    if (K >= GRS_PGS_TC_MIN_SCORES) {
        double *sd = (double *)calloc(K, sizeof(double));
        for (int64_t k = 0; k < K; k++) {
            double mean = 0, ss = 0;
            for (int64_t s = 0; s < n; s++) mean += grs_fix128_to_double(acc_ref[s * K + k]) / n;
            for (int64_t s = 0; s < n; s++) { double d = grs_fix128_to_double(acc_ref[s * K + k]) - mean; ss += d * d; }
            sd[k] = n > 1 && ss > 0 ? sqrt(ss / (n - 1)) : 1.0;
        }
        int64_t tc_groups[2] = { K, GRS_PGS_TC_MIN_SCORES };
        grs_fix128_t *acc_grp = (grs_fix128_t *)malloc(nsk * sizeof(grs_fix128_t));
        double worst = 0;
        for (int ci = 0; ci < 3; ci++)
            for (int gi = 0; gi < 2; gi++) {
                grs_pgs_result_t rd = { acc_dev, ct_dev, nm_dev };
                memset(acc_dev, 0, nsk * sizeof(grs_fix128_t));
                memset(ct_dev, 0, (n + 1) * 8);
                memset(nm_dev, 0, (n + 1) * 8);
                size_t cap = (caps[ci] + 63) / 64 * 64;
                CHECK(replay(&p, cap, tc_groups[gi], &rd, 1) == 0, "tc replay (cap %zu)", cap);
                CHECK(memcmp(ct_dev, ct_ref, n * 8) == 0 && memcmp(nm_dev, nm_ref, n * 8) == 0,
                      "tc: counts exact n=%" PRId64 " cap=%zu", n, cap);
                for (int64_t s = 0; s < n; s++)
                    for (int64_t k = 0; k < K; k++) {
                        double e = fabs(grs_fix128_to_double(acc_dev[s * K + k]) - grs_fix128_to_double(acc_ref[s * K + k])) / sd[k];
                        if (e > worst) worst = e;
                    }
                /* groupings where every group takes the integer path give the same bits (a
                 * trailing group of < 32 scores takes the fp64 path: compared within grouping) */
                int all_tc = K % tc_groups[gi] == 0 || K % tc_groups[gi] >= GRS_PGS_TC_MIN_SCORES;
                if (ci == 0 && gi == 0) memcpy(acc_first, acc_dev, nsk * sizeof(grs_fix128_t));
                else if (all_tc || ci > 0)
                    CHECK(memcmp(ci > 0 && !all_tc ? acc_grp : acc_first, acc_dev, n * K * sizeof(grs_fix128_t)) == 0,
                          "tc: identical bits for slab cap %zu and score group %" PRId64, cap, tc_groups[gi]);
                if (ci == 0 && gi == 1) memcpy(acc_grp, acc_dev, nsk * sizeof(grs_fix128_t));
            }
        CHECK(worst <= TOL_PGS_GPU_SD_FRAC, "tc n=%" PRId64 " m=%" PRId64 " K=%" PRId64 ": worst |tc-cpu|/SD = %.3g", n, m, K, worst);
        printf("  tc n=%" PRId64 " m=%" PRId64 " K=%" PRId64 ": worst |tc-cpu|/SD = %.3g\n", n, m, K, worst);
        free(sd);
        free(acc_grp);
    }
    free(want); free(nm); free(nm_ref); free(nm_dev); free(ct); free(ct_ref); free(ct_dev);
    free(acc_ref); free(acc_dev); free(acc_first);
    free_problem(&pr);
}

/* the integer path's quantization: limbs rebuild round(w·scale) exactly; scale puts the largest
 * |w| in [2^28, 2^29) */
static void test_tc_limbs(void)
{
    uint64_t seed = 4242;
    int bad_rebuild = 0, bad_scale = 0;
    for (int i = 0; i < 200000; i++) {
        double mx = ldexp(1.0 + rng_unif(&seed), (int)(rng_next(&seed) % 80) - 60);
        double sc = grs_pgs_tc_scale(mx);
        bad_scale += !(mx * sc >= 268435456.0 && mx * sc < 536870912.0);
        double w = (2 * rng_unif(&seed) - 1) * mx;
        if (i % 13 == 0) w = (i & 1) ? mx : -mx;
        int8_t l[4];
        grs_pgs_tc_limbs(w, sc, l);
        int64_t q = l[0] + 256 * (int64_t)l[1] + 65536 * (int64_t)l[2] + 16777216 * (int64_t)l[3];
        double xr = w * sc;
        int64_t want = (int64_t)(xr >= 0 ? floor(xr + 0.5) : -floor(-xr + 0.5));
        bad_rebuild += q != want;
    }
    CHECK(bad_scale == 0, "grs_pgs_tc_scale: %d of 200000 scales outside [2^28, 2^29)", bad_scale);
    CHECK(bad_rebuild == 0, "grs_pgs_tc_limbs: %d of 200000 limb sets do not rebuild round(w*scale)", bad_rebuild);
    CHECK(grs_pgs_tc_scale(0.0) == 1.0, "scale of an all-zero score is 1");
    int8_t z[4];
    grs_pgs_tc_limbs(0.0, 1.0, z);
    CHECK(!z[0] && !z[1] && !z[2] && !z[3], "zero weight -> zero limbs");
    CHECK(grs_pgs_tc_value(-1, 0, 0, 1, 2.0) == (16777216.0 - 1.0) / 2.0, "grs_pgs_tc_value combines limbs");
}

/* grs_fix128_add_double == floor(x·2^64) as a two's-complement 128-bit integer */
static void test_fix128(void)
{
    uint64_t seed = 99;
    int bad = 0;
    __int128 sum = 0;
    grs_fix128_t acc = { 0, 0 };
    for (int i = 0; i < 200000; i++) {
        double mag = ldexp(1.0, (int)(rng_next(&seed) % 100) - 60);
        double x = (rng_unif(&seed) - 0.5) * mag;
        if (i % 7 == 0) x = floor(x);                         /* integers, incl. -0.0 and 0 */
        if (i % 11 == 0) x = -ldexp(1.0, -(int)(rng_next(&seed) % 64));
        grs_fix128_t one = { 0, 0 };
        grs_fix128_add_double(&one, x);
        double fl = floor(x);
        __int128 want = (__int128)(((unsigned __int128)(uint64_t)(int64_t)fl << 64) | (uint64_t)ldexp(x - fl, 64));
        __int128 got = (__int128)(((unsigned __int128)(uint64_t)one.hi << 64) | one.lo);
        bad += got != want;
        sum += want;
        grs_fix128_add_double(&acc, x);
    }
    CHECK(bad == 0, "grs_fix128_add_double: %d of 200000 conversions differ from floor(x*2^64)", bad);
    __int128 got = (__int128)(((unsigned __int128)(uint64_t)acc.hi << 64) | acc.lo);
    CHECK(got == sum, "grs_fix128_add_double accumulates exactly (with carries)");
    grs_fix128_t a = { UINT64_MAX, 0 }, b = { 1, -1 };
    grs_fix128_add_to(&a, b);
    CHECK(a.lo == 0 && a.hi == 0, "grs_fix128_add_to carries: (2^64-1) + (1 - 2^64) = 0");
}

int main(void)
{
    test_fix128();
    test_tc_limbs();
    int64_t sizes[][3] = {
        { 1, 10, 1 }, { 1, 50, 3 }, { 7, 0, 1 }, { 33, 300, 1 }, { 31, 257, 2 }, { 63, 600, 5 },
        { 100, 700, 17 }, { 45, 5000, 1 }, { 37, 4500, 9 }, { 130, 9000, 1 },
        { 33, 600, 32 }, { 70, 4500, 40 }, { 19, 9000, 64 },
    };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        run_case(sizes[i][0], sizes[i][1], sizes[i][2], 7000 + i);
    return check_done("test_pgs_device");
}
