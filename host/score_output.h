/* score_output.h -- the per-sample score table of a run and its .sscore writer (internal).
 *
 * `grs score` fills one table from the backend's exact accumulators; `grs merge` fills one
 * from the shards' partial files. Both write it with grs_sscore_write, so a merged .sscore
 * is byte-identical to a single run's. */
#ifndef GRS_HOST_SCORE_OUTPUT_H
#define GRS_HOST_SCORE_OUTPUT_H

#include <stdint.h>

#include "grs/defs.h"
#include "grs/pgs.h"
#include "util.h"

/** Scores of n_samples samples (rows) × n_scores scores. */
typedef struct grs_score_table_t {
    int64_t n_samples, n_scores;
    char **names;             /* n_scores score names (may be NULL for partial reads)        */
    char **fid, **iid;        /* n_samples sample IDs; FID "0" when the source has none      */
    int64_t *allele_ct;       /* n_samples: ALLELE_CT                                        */
    double *denom;            /* n_samples: DENOM                                            */
    double *named;            /* n_samples: NAMED_ALLELE_DOSAGE_SUM                          */
    grs_fix128_t *acc;        /* n_samples × n_scores, sample-major: exact Σ W·e             */
    grs_fix128_t *offset;     /* n_scores: exact constant added to every sum (centering)     */
    int owns;                 /* grs_score_table_free frees the ID strings and names too     */
} grs_score_table_t;

/** Allocate the arrays of a table of n_samples × n_scores (zeroed; IDs and names NULL).
 *  @return GRS_OK or GRS_ENOMEM. */
int grs_score_table_alloc(grs_score_table_t *t, int64_t n_samples, int64_t n_scores) GRS_RESULT_USED;
/** Free what grs_score_table_alloc allocated (and the strings when t->owns). */
void grs_score_table_free(grs_score_table_t *t);

/** *a += b, exactly (two's complement 128-bit). */
static inline void grs_score_fix_add(grs_fix128_t *a, grs_fix128_t b)
{
    uint64_t lo = a->lo + b.lo;
    a->hi = (int64_t)((uint64_t)a->hi + (uint64_t)b.hi + (lo < b.lo));
    a->lo = lo;
}

/** *a += floor(x · 2^64) · 2^-64: the CPU reference's rounding of a chunk partial (|x| < 2^62). */
static inline void grs_score_fix_add_double(grs_fix128_t *a, double x)
{
    grs_fix128_t f;
    int64_t hi = (int64_t)x;
    hi -= (double)hi > x;
    f.hi = hi;
    f.lo = (uint64_t)((x - (double)hi) * 0x1p64);
    grs_score_fix_add(a, f);
}

/**
 * Open fn under its temporary name and write the table in plink2's .sscore layout
 * (`#FID IID` when any FID is not "0", else `#IID`; ALLELE_CT, DENOM, NAMED_ALLELE_DOSAGE_SUM,
 * every <score>_AVG then every <score>_SUM; %g, or %.17g with full_precision). The output is
 * left open so that the caller commits it together with its other outputs.
 * @return the open output, or NULL (logged).
 */
grs_out_t *grs_sscore_write(const char *fn, const grs_score_table_t *t, int full_precision);

#endif
