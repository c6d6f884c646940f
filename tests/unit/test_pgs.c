/* test_pgs.c -- the CPU reference scorer against a naive per-sample loop written from the
 * definition in grs/pgs.h, on seeded random problems: missing calls, dosage rows, haploid
 * samples, flipped alleles, dominant/recessive models; K = 1 (table path) and K > 1 (dgemm
 * path); and bit-identical output for any thread count. */
#include <stdlib.h>
#include <string.h>

#include "grs/geno.h"
#include "grs/pgs.h"
#include "../../reference/reference.h"
#include "../tolerances.h"
#include "check.h"

typedef struct {
    int64_t n_samples, n_vars, K;
    uint8_t *mem;          /* all rows */
    grs_pgs_var_t *vars;
    double *w;
} prob_t;

static void make_problem(prob_t *pr, int64_t n_samples, int64_t n_vars, int64_t K, uint64_t seed)
{
    int64_t rb = grs_geno_row_bytes(n_samples), db = grs_dosage_row_bytes(n_samples),
            hb = grs_haploid_row_bytes(n_samples);
    int64_t stride = rb + db + hb;
    pr->n_samples = n_samples; pr->n_vars = n_vars; pr->K = K;
    pr->mem = (uint8_t *)aligned_alloc(64, (size_t)(n_vars * stride + 64));
    pr->vars = (grs_pgs_var_t *)calloc(n_vars + 1, sizeof(grs_pgs_var_t));
    pr->w = (double *)malloc((n_vars * K + 1) * sizeof(double));
    for (int64_t v = 0; v < n_vars; v++) {
        uint8_t *row = pr->mem + v * stride;
        uint16_t *dos = (uint16_t *)(row + rb);
        uint8_t *hap = row + rb + db;
        int kind = (int)(rng_next(&seed) % 10);     /* 0: dosage row, 1: haploid, 2: all missing */
        double miss = rng_unif(&seed) * 0.2;
        memset(row, 0xff, rb);
        memset(hap, 0, hb);
        for (int64_t s = 0; s < n_samples; s++) {
            int h = kind == 1 && rng_next(&seed) % 2;
            int ploidy = h ? 1 : 2;
            uint32_t c = (uint32_t)(rng_next(&seed) % (ploidy + 1));
            if (kind == 2 || rng_unif(&seed) < miss) c = GRS_GENO_MISSING;
            row[s / 4] &= (uint8_t)~(3u << (2 * (s % 4)));
            row[s / 4] |= (uint8_t)(c << (2 * (s % 4)));
            if (h) hap[s / 8] |= (uint8_t)(1u << (s % 8));
            dos[s] = c == GRS_GENO_MISSING ? GRS_DOSAGE_MISSING
                     : (uint16_t)(rng_next(&seed) % (ploidy * GRS_DOSAGE_ONE + 1));
        }
        grs_pgs_var_t *var = &pr->vars[v];
        var->codes = (const uint32_t *)row;
        var->dosage = kind == 0 ? dos : NULL;
        var->haploid = kind == 1 ? hap : NULL;
        var->flip = (int32_t)(rng_next(&seed) % 2);
        var->model = (int32_t)(rng_next(&seed) % 6 == 0 ? 1 + rng_next(&seed) % 2 : 0);
        var->impute[0] = rng_unif(&seed);
        var->impute[1] = 2 * rng_unif(&seed);
        for (int64_t k = 0; k < K; k++)
            pr->w[v * K + k] = rng_unif(&seed) < 0.1 ? 0.0 : (rng_unif(&seed) - 0.5) * 0.2;
    }
}

static void free_problem(prob_t *pr) { free(pr->mem); free(pr->vars); free(pr->w); }

/* the definition, one sample at a time */
static void naive(const prob_t *pr, double *sums, int64_t *ct, double *named)
{
    for (int64_t s = 0; s < pr->n_samples; s++) {
        ct[s] = 0; named[s] = 0;
        for (int64_t k = 0; k < pr->K; k++) sums[s * pr->K + k] = 0;
        for (int64_t v = 0; v < pr->n_vars; v++) {
            const grs_pgs_var_t *var = &pr->vars[v];
            int ploidy = grs_geno_is_haploid(var->haploid, s) ? 1 : 2;
            double e, d = -1;
            if (var->dosage) {
                e = grs_pgs_dosage_value(var->dosage[s], ploidy, var);
                if (var->dosage[s] != GRS_DOSAGE_MISSING) d = var->dosage[s] / 16384.0;
            } else {
                uint32_t c = grs_geno_code(var->codes, s);
                e = grs_pgs_code_value(c, ploidy, var);
                if (c != GRS_GENO_MISSING) d = c;
            }
            if (d >= 0) { ct[s] += ploidy; named[s] += var->flip ? ploidy - d : d; }
            for (int64_t k = 0; k < pr->K; k++) sums[s * pr->K + k] += pr->w[v * pr->K + k] * e;
        }
    }
}

static void run_case(int64_t n_samples, int64_t n_vars, int64_t K, uint64_t seed)
{
    prob_t pr;
    make_problem(&pr, n_samples, n_vars, K, seed);
    size_t nsk = (size_t)(n_samples * K + 1);
    double *want = (double *)malloc(nsk * 8), *got = (double *)malloc(nsk * 8), *got1 = (double *)malloc(nsk * 8);
    double *nm = (double *)malloc((n_samples + 1) * 8), *nm_got = (double *)malloc((n_samples + 1) * 8);
    int64_t *ct = (int64_t *)malloc((n_samples + 1) * 8), *ct_got = (int64_t *)malloc((n_samples + 1) * 8);
    naive(&pr, want, ct, nm);
    grs_pgs_problem_t p = { n_samples, n_vars, K, pr.vars, pr.w, 1 };
    grs_fix128_t *acc = (grs_fix128_t *)malloc(nsk * sizeof(grs_fix128_t));
    for (int threads = 1; threads <= 4; threads++) {
        grs_pgs_result_t r = { acc, ct_got, nm_got };
        p.n_threads = threads;
        memset(acc, 0, nsk * sizeof(*acc));
        memset(ct_got, 0, (n_samples + 1) * 8);
        memset(nm_got, 0, (n_samples + 1) * 8);
        if (threads == 4 && n_vars > GRS_PGS_CHUNK) {
            /* two calls over whole chunks accumulate to the same bits as one call */
            grs_pgs_problem_t a = p, b = p;
            a.n_vars = GRS_PGS_CHUNK;
            b.n_vars = n_vars - GRS_PGS_CHUNK;
            b.vars += GRS_PGS_CHUNK;
            b.weights += GRS_PGS_CHUNK * K;
            CHECK(grs_ref_pgs(&b, &r) == 0 && grs_ref_pgs(&a, &r) == 0, "grs_ref_pgs split");
        } else {
            CHECK(grs_ref_pgs(&p, &r) == 0, "grs_ref_pgs");
        }
        for (int64_t i = 0; i < n_samples * K; i++) got[i] = grs_fix128_to_double(acc[i]);
        int64_t bad = -1;
        double worst = 0;
        for (int64_t i = 0; i < n_samples * K; i++) {
            double err = fabs(got[i] - want[i]);
            if (!(err <= TOL_PGS_REF_ATOL + TOL_PGS_REF_RTOL * fabs(want[i])) && (bad < 0 || err > worst)) {
                bad = i;
                worst = err;
            }
        }
        CHECK(bad < 0, "n=%" PRId64 " m=%" PRId64 " K=%" PRId64 " T=%d: worst at %" PRId64 ": %.17g vs %.17g",
              n_samples, n_vars, K, threads, bad, bad >= 0 ? got[bad] : 0, bad >= 0 ? want[bad] : 0);
        CHECK(memcmp(ct, ct_got, n_samples * 8) == 0, "allele_ct n=%" PRId64 " T=%d", n_samples, threads);
        int nm_ok = 1;
        for (int64_t s = 0; s < n_samples; s++) nm_ok &= fabs(nm[s] - nm_got[s]) < 1e-9;
        CHECK(nm_ok, "named dosage n=%" PRId64 " T=%d", n_samples, threads);
        if (threads == 1) memcpy(got1, got, nsk * 8);
        else CHECK(memcmp(got1, got, n_samples * K * 8) == 0, "bit-identical for %d threads%s", threads,
                   threads == 4 ? " and two calls" : "");
    }
    free(acc);
    free(want); free(got); free(got1); free(nm); free(nm_got); free(ct); free(ct_got);
    free_problem(&pr);
}

int main(void)
{
    int64_t sizes[][3] = {
        { 1, 10, 1 }, { 1, 300, 3 }, { 7, 0, 1 }, { 13, 257, 1 }, { 33, 513, 1 },
        { 100, 600, 2 }, { 257, 700, 17 }, { 500, 1000, 1 }, { 300, 300, 40 }, { 2100, 260, 5 }, { 50, 2100, 3 }, { 70, 2500, 1 }, { 40, 9000, 3 }, { 30, 8500, 1 },
        { 9, 33000, 1 }, { 10, 33000, 2 },   /* > 16000 variants: the 16-bit count lanes flush */
    };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        run_case(sizes[i][0], sizes[i][1], sizes[i][2], 1000 + i);
    return check_done("test_pgs");
}
