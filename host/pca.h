/* pca.h -- reference-panel PCA for `grs ancestry` (internal): randomized SVD of the standardized
 * genotype matrix, projection with shrinkage correction, most-similar population, and the
 * .pcamodel file that carries all of it.
 *
 * The standardized matrix X (n_samples × n_vars) is plink2 --pca's: for variant j with ALT
 * frequency p_j (over called genotypes of the panel), X[s][j] = (g - 2 p_j) / sqrt(2 p_j (1-p_j))
 * for an ALT count g, and 0 for a missing call (mean imputation after centring). X is never held
 * as doubles: the kept variants stay packed (2-bit rows, grs codes) and are decoded a block of
 * GRS_PCA_BLOCK variants at a time through a per-variant table of the four code values.
 *
 * Scales (stated once, used everywhere):
 *   X = U S V^T (thin SVD); eigenvalues = S^2 / M (those of plink2's GRM X X^T / M);
 *   loadings = V (unit-norm columns, M × K), written to PREFIX.eigenvec.var;
 *   PC score of a sample with standardized row x: x · V[:,k] / sqrt(M) (= U[s,k]·sqrt(eigval_k)
 *   for a panel sample), so the scores do not depend on how many variants were kept.
 */
#ifndef GRS_HOST_PCA_H
#define GRS_HOST_PCA_H

#include <stdint.h>

#include "grs/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRS_PCA_BLOCK 64          /* variants decoded per block (fixed: results do not depend on threads) */
#define GRS_PCA_ROUND 16          /* blocks per reduction round (fixed, same reason)             */
#define GRS_PCAMODEL_VERSION 1    /* ##grs_pcamodel_version= written and the newest one read       */

/* ---- long-range LD regions --------------------------------------------------------------- */
/** Whether (chrom, pos) lies in a long-range LD region of genome build `build` (37 or 38).
 *  chrom is normalised ("6", not "chr6"). */
int grs_pca_long_range_ld(int build, const char *chrom, int64_t pos);
/** Number of regions in the table for a build (0 for an unknown build). */
int grs_pca_n_long_range_ld(int build);

/* ---- statistics --------------------------------------------------------------------------- */
/** Upper tail of the chi-square distribution: P(X > x), X ~ chi2(df), df > 0. */
double grs_pca_chi2_sf(double x, double df);

/* ---- the packed standardized matrix ------------------------------------------------------- */
typedef struct grs_pca_mat_t {
    int64_t n_samples, n_vars;
    int64_t row_words;            /* uint32 words per packed row                             */
    const uint32_t *rows;         /* n_vars rows of grs codes                                */
    const double *lut;            /* n_vars × 4: the standardized value of codes 0, 1, 2, 3  */
} grs_pca_mat_t;

/** Decode variants [v0, v0+nv) of X into out, column-major n_samples × nv. */
void grs_pca_decode(const grs_pca_mat_t *X, int64_t v0, int64_t nv, double *out);

/** Options of the randomized SVD (Halko, Martinsson & Tropp 2011, algorithm 4.4). */
typedef struct grs_pca_rsvd_opts_t {
    int k;                        /* components wanted                                       */
    int oversample;               /* extra columns of the test matrix                        */
    int power_iters;              /* subspace iterations, each re-orthonormalised by QR      */
    uint64_t seed;                /* seed of the Gaussian test matrix                        */
    int threads;                  /* worker threads (results do not depend on it)            */
} grs_pca_rsvd_opts_t;

/**
 * Top-k singular triplets of X by randomized SVD.
 * @param sv   k singular values, decreasing
 * @param V    n_vars × k, column-major (ld n_vars): right singular vectors (unit norm); each
 *             column's sign is fixed so that its largest-magnitude entry is positive
 * @param U    NULL, or n_samples × k column-major: left singular vectors
 * @return GRS_OK, GRS_ENOMEM, GRS_EINVAL (k too large for the matrix), GRS_EDEGENERATE (LAPACK
 *         failed). Logged.
 */
int grs_pca_rsvd(const grs_pca_mat_t *X, const grs_pca_rsvd_opts_t *o, double *sv, double *V,
                 double *U) GRS_RESULT_USED;

/**
 * Project samples: scores[s*k + c] = sum_j x[s][j] V[j][c] / sqrt(M), summed over variants in
 * order (deterministic for any thread count). X may be a target matrix whose rows are aligned
 * to the model's variants (lut of an absent variant all 0).
 */
int grs_pca_project(const grs_pca_mat_t *X, const double *V, int64_t ldv, int k, int64_t m_model,
                    int threads, double *scores) GRS_RESULT_USED;

/**
 * Shrinkage factors of projected PC scores (Lee, Zou & Wright 2010): d[c] = expected ratio of a
 * new sample's projected score SD to a panel sample's own score SD, from the covariance
 * eigenvalues mu_c = s_c^2 / n, the noise level sigma^2 = (||X||_F^2/n - sum mu) / (M - k) and
 * gamma = M / n. See pca.c for the formula.
 */
void grs_pca_shrinkage(int64_t n, int64_t m, int k, const double *sv, double frob2, double *d);

/* ---- most-similar population (pgsc_calc's Mahalanobis method) ---------------------------- */
typedef struct grs_pca_pop_t {
    char *name;
    int64_t n;                    /* reference samples                                       */
    double *mean;                 /* n_assign                                                */
    double *cov;                  /* n_assign × n_assign, MLE (ddof 0)                       */
} grs_pca_pop_t;

/** Fit mean and covariance of each population from reference scores (row-major n × k, the
 *  first n_assign columns). pop_of[s] indexes pops. @return GRS_OK or GRS_EDEGENERATE (a
 *  singular covariance, logged naming the population). */
int grs_pca_pops_fit(int64_t n, int k, const double *scores, const int *pop_of, int n_pops,
                     int n_assign, grs_pca_pop_t *pops) GRS_RESULT_USED;
/** P values (n_pops) of one sample's scores (first n_assign used): chi2 sf of the squared
 *  Mahalanobis distance with n_assign - 1 degrees of freedom. @return index of the max P. */
int grs_pca_pops_assign(const double *score, const grs_pca_pop_t *pops, int n_pops, int n_assign,
                        double *p);
void grs_pca_pops_free(grs_pca_pop_t *pops, int n_pops);

/* ---- .pcamodel ---------------------------------------------------------------------------- */
typedef struct grs_pca_model_t {
    int k, n_assign;
    int64_t n_vars, n_ref;        /* kept variants, reference samples                        */
    double p_threshold;
    char **chrom, **id, **ref, **alt;  /* n_vars                                             */
    int64_t *pos;
    double *freq, *scale;         /* ALT frequency, 1/sqrt(2p(1-p))                         */
    double *V;                    /* n_vars × k column-major loadings                       */
    double *eigval, *shrink;      /* k                                                       */
    int n_pops;
    grs_pca_pop_t *pops;
    char **prov;                  /* provenance "##key=value" lines (without ##), n_prov      */
    int n_prov;
} grs_pca_model_t;

/** Write the model to FN (temporary name, renamed when complete). @return GRS_OK or GRS_EIO. */
int grs_pca_model_write(const grs_pca_model_t *m, const char *fn) GRS_RESULT_USED;
/** Read a model; every failure names the file and the line. @return GRS_OK, GRS_EIO,
 *  GRS_EFORMAT (malformed or truncated), GRS_EUNSUPPORTED (newer version), GRS_ENOMEM. */
int grs_pca_model_read(const char *fn, grs_pca_model_t **out) GRS_RESULT_USED;
void grs_pca_model_destroy(grs_pca_model_t *m);

#ifdef __cplusplus
}
#endif
#endif
