/* normalize.h -- ancestry-aware normalization of polygenic scores (grs normalize; internal).
 *
 * The method is pgsc_calc's pgs_adjust (pgscatalog.calc.lib._ancestry.tools), in C:
 *   empirical  per reference population: percentile of a score in that population's reference
 *              distribution (scipy percentileofscore, kind 'rank') and Z = (x - mean) / std
 *              (ddof 0). Reference samples use their own POP label, targets MostSimilarPop.
 *   mean       Z_norm1 (Khera 2019): PCs standardized with the reference mean and std (ddof 0),
 *              the PGS centred on its reference mean, OLS of PGS on PCs (with intercept) over the
 *              reference; Z_norm1 = (PGS - prediction) / std(reference residuals, ddof 0).
 *   mean+var   Z_norm2 (Khan 2022, pgsc_calc's full-likelihood variant): maximum likelihood of
 *              PGS ~ N(mu(PC), exp(eta(PC))), mu and eta linear in the standardized PCs;
 *              Z_norm2 = (PGS - mu) / sqrt(exp(eta)).
 * The fitted model (grs_norm_model_t) holds everything needed to normalize a new sample without
 * the reference panel, and is saved as PREFIX.refdist.json (grs_norm_write / grs_norm_read).
 * A sample's outputs come from one function, grs_norm_apply, in both the full run and the
 * --ref-dist run, so they are identical (the JSON stores doubles as %.17g, which round-trips).
 *
 * Usage:
 *   grs_norm_model_t *m;
 *   if (grs_norm_fit(&in, &m) < 0) ...;          // in: reference PCs, populations, scores
 *   double o[4];
 *   grs_norm_apply(m, k, x, pc, grs_norm_pop(m, "EUR"), o);  // percentile, Z, Z_norm1, Z_norm2
 *   grs_norm_write(m, "out.refdist.json", &prov); grs_norm_destroy(m);
 */
#ifndef GRS_NORMALIZE_H
#define GRS_NORMALIZE_H

#include <stdint.h>

#include "grs/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRS_NORM_EMPIRICAL 0x1u  /* percentile and Z in the most-similar population       */
#define GRS_NORM_MEAN      0x2u  /* Z_norm1: PC regression of the mean                     */
#define GRS_NORM_MEANVAR   0x4u  /* Z_norm2: PC regression of the mean and the variance    */
#define GRS_REFDIST_VERSION 1    /* "grs_refdist_version" of the files this code writes     */

/** One score's fitted reference distributions and models. */
typedef struct {
    char *name;              /* score name (the .sscore column without _SUM)                */
    int skipped;             /* zero variance over the reference: every output is NaN      */
    int64_t matched_variants;/* from the reference summary.json, -1 when unknown            */
    int64_t *pop_n;          /* n_pops: reference samples of each population                */
    double *pop_mean;        /* n_pops: mean of the score in the population                */
    double *pop_std;         /* n_pops: std (ddof 0); 0 gives a NaN Z                       */
    double **pop_sorted;     /* n_pops arrays of pop_n[p] sorted scores (exact percentiles) */
    double pgs_offset;       /* reference mean, subtracted before both PC models            */
    double *z1_coef;         /* n_pcs + 1: OLS intercept, then one coefficient per PC      */
    double z1_resid_std;     /* std (ddof 0) of the reference residuals                     */
    double *z2_mu;           /* n_pcs + 1: mean model (intercept first)                     */
    double *z2_var;          /* n_pcs + 1: log-variance model (intercept first)             */
    int z2_converged;        /* the Newton/Fisher iteration met its tolerance              */
    int z2_iter;             /* iterations used                                             */
    double z2_grad;          /* final gradient 2-norm of the negative log-likelihood        */
} grs_norm_score_t;

/** A fitted normalization model (the content of PREFIX.refdist.json). */
typedef struct {
    int n_pcs;               /* PCs used by the PC models                                   */
    unsigned methods;        /* GRS_NORM_* bits                                             */
    int n_pops;
    char **pops;             /* population labels, sorted by byte order                     */
    int64_t n_ref;           /* reference samples                                           */
    double *pc_mean;         /* n_pcs: reference mean of each PC                            */
    double *pc_std;          /* n_pcs: reference std (ddof 0) of each PC                    */
    int n_scores;
    grs_norm_score_t *scores;
} grs_norm_model_t;

/** Inputs of grs_norm_fit (all borrowed). */
typedef struct {
    int64_t n_ref;           /* reference samples                                           */
    int n_pcs;
    const double *pcs;       /* n_ref × n_pcs, row-major                                    */
    int n_pops;
    char *const *pops;       /* population labels (copied), sorted                          */
    const int *pop;          /* n_ref: population index of each sample                      */
    int n_scores;
    char *const *names;      /* n_scores score names (copied)                               */
    const double *y;         /* n_scores × n_ref: y[k * n_ref + s]                          */
    const int64_t *matched;  /* n_scores matched-variant counts, or NULL                    */
    unsigned methods;        /* GRS_NORM_* bits                                             */
} grs_norm_input_t;

/** Provenance written into the refdist file (all optional, borrowed). */
typedef struct {
    const char *command, *ref_scores, *ancestry, *target_scores;
} grs_norm_prov_t;

/**
 * Fit the model. Warnings (logged): a score with zero reference variance (skipped), a
 * population with zero variance for a score (its Z is NaN), Z_norm2 not converged.
 * @return GRS_OK; GRS_EDEGENERATE (a PC with zero variance, collinear PCs, a population with
 *         fewer than 2 samples; logged); GRS_ENOMEM. *out: free with grs_norm_destroy.
 */
int grs_norm_fit(const grs_norm_input_t *in, grs_norm_model_t **out) GRS_RESULT_USED;

/**
 * Normalize one value x of score k for a sample with PCs pc[0..n_pcs) and population index pop
 * (-1: unknown, empirical outputs NaN). out[0..4) = percentile_MostSimilarPop,
 * Z_MostSimilarPop, Z_norm1, Z_norm2; NaN where not computed (method off, score skipped).
 */
void grs_norm_apply(const grs_norm_model_t *m, int k, double x, const double *pc, int pop, double out[4]);

/** scipy.stats.percentileofscore(a, x, kind='rank') of a sorted array a[0..n). n > 0. */
double grs_norm_percentile(const double *sorted, int64_t n, double x);

/**
 * Maximum-likelihood fit of y ~ N(b0 + b'X, exp(c0 + c'X)) (X: n × p row-major), started from
 * b (p + 1, in/out; the OLS fit is a good start) and c (p + 1, out). Newton steps on the joint
 * likelihood, Fisher scoring where the Hessian is not positive definite, step halving.
 * @return 1 converged (Newton decrement / n below 1e-20), 0 not converged, GRS_ENOMEM.
 */
int grs_norm_fit_meanvar(int64_t n, int p, const double *X, const double *y, double *b, double *c,
                         int *iter, double *grad_norm);

/** Index of a population label, or -1. */
int grs_norm_pop(const grs_norm_model_t *m, const char *label);

/** Write the model as JSON (temporary name, renamed when complete). @return GRS_OK, GRS_EIO. */
int grs_norm_write(const grs_norm_model_t *m, const char *fn, const grs_norm_prov_t *prov) GRS_RESULT_USED;

/**
 * Read a model written by grs_norm_write. A file with a newer "grs_refdist_version" is
 * rejected. @return GRS_OK, GRS_EIO, GRS_EFORMAT (logged, naming the file), GRS_ENOMEM.
 */
int grs_norm_read(const char *fn, grs_norm_model_t **out) GRS_RESULT_USED;

/** Free a model (accepts NULL). */
void grs_norm_destroy(grs_norm_model_t *m);

/**
 * Matched-variant counts of the scores from the PREFIX.summary.json that grs score wrote beside
 * PREFIX.sscore (per scoring file: "matched"). matched[k] = -1 where unknown.
 * @return 1 when the summary was found and named at least one of the scores, else 0.
 */
int grs_norm_summary_matched(const char *sscore_fn, int n_scores, char *const *names, int64_t *matched);

/* ---- PREFIX.ancestry.tsv ----------------------------------------------------------------- */

/** The ancestry table (the shared format written by grs ancestry). */
typedef struct {
    char *path;
    int64_t n_rows;
    int n_pcs;                /* PC1..PCk columns read (k <= the file's)                     */
    char **fid, **iid;        /* n_rows                                                      */
    int *is_ref;              /* n_rows: DATASET reference (1) or target (0)                 */
    char **pop;               /* n_rows: POP                                                 */
    char **msp, **lowconf;    /* n_rows: MostSimilarPop, MostSimilarPop_LowConfidence        */
    double *pcs;              /* n_rows × n_pcs                                              */
    int64_t *line;            /* n_rows: 1-based line numbers                                */
    char **rowbuf;            /* storage                                                     */
} grs_ancestry_tab_t;

/**
 * Read PREFIX.ancestry.tsv (plain or gzip), keeping PC1..PC{n_pcs}.
 * @return GRS_OK; GRS_EIO; GRS_EFORMAT (no header, missing columns, fewer than n_pcs PCs, a
 *         bad DATASET, a non-numeric PC, a ragged or truncated line, a duplicate sample; each
 *         logged with the file and line); GRS_ENOMEM. Free with grs_ancestry_tab_destroy.
 */
int grs_ancestry_tab_read(const char *fn, int n_pcs, grs_ancestry_tab_t **out) GRS_RESULT_USED;
void grs_ancestry_tab_destroy(grs_ancestry_tab_t *t);

#ifdef __cplusplus
}
#endif
#endif
