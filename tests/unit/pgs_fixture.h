/* pgs_fixture.h -- seeded random scoring problems for the unit tests (every row kind: hard
 * calls with missing values, dosage planes, haploid samples, all-missing rows, flipped alleles,
 * dominant/recessive models, zero weights) and the definition of the sum, one sample at a time. */
#ifndef GRS_TEST_PGS_FIXTURE_H
#define GRS_TEST_PGS_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "grs/geno.h"
#include "grs/pgs.h"
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
GRS_UNUSED static void naive(const prob_t *pr, double *sums, int64_t *ct, double *named)
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

#endif
