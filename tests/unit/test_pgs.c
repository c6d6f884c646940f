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

#include "pgs_fixture.h"

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
