/* enet.h -- elastic-net path fitting with glmnet's objective and conventions (internal).
 *
 * Objective, on the standardized scale (glmnet standardize = TRUE), with observation weights
 * v normalized to Σv = 1 (v = 1/n on the training samples, 0 elsewhere):
 *   gaussian:  ½ Σ_s v_s (y_s - η_s)²                           + λ Σ_j vp_j [(1-α)/2 β̃_j² + α|β̃_j|]
 *   binomial:  -Σ_s v_s [y_s η_s - log(1 + e^η_s)]              + (same penalty)
 * with η_s = β̃_0 + Σ_j β̃_j x̃_sj, x̃ the column standardized to weighted mean 0 and weighted
 * (1/n) variance 1 over the training samples (a missing value becomes the mean, x̃ = 0), and the
 * penalty factors vp rescaled to sum to the number of features (glmnet). Coefficients are
 * reported on the original scale too: β_j = β̃_j / sd_j, β_0 = β̃_0 - Σ β_j mean_j.
 * glmnet's gaussian quirk, reproduced: glmnet fits y/sd(y) with λ/sd(y) and scales back, so the
 * ridge part it actually minimizes is λ(1-α)/(2·sd(y))·β̃², not λ(1-α)/2·β̃² (the same when
 * α = 1 or sd(y) = 1). We minimize what glmnet minimizes, and report the objective above.
 *
 * Algorithm (Friedman, Hastie & Tibshirani 2010; Tibshirani et al. 2012): a path of λ values
 * with warm starts; at each λ the sequential strong rule proposes a working set, cyclic
 * coordinate descent solves on it (sweeps over the whole set alternating with sweeps over the
 * nonzero coefficients), and a KKT check over every feature adds violators until none remain.
 * Binomial uses glmnet's Newton outer loop (a weighted least-squares quadratic approximation,
 * IRLS). A sweep has converged when max_j xv_j Δβ̃_j² < tol · scale, which bounds the decrease
 * of the objective a further sweep could bring (each coordinate update lowers it by at least
 * ½ xv_j Δβ̃_j²); scale is the weighted variance of y (gaussian, glmnet's thresh on a
 * standardized y) or 1 (binomial). The genotype block goes through the backend ops of
 * grs/enet.h, so it is never densified.
 *
 * Threads: the gradient passes (strong rule, KKT check) split columns; coordinate descent,
 * sequential by nature, splits the samples instead: a team of threads (n_threads, at most one
 * per 2 GRS_ENET_BLOCK blocks) runs the same sweeps, each over its range of the residual, and
 * meets once per coordinate to add the dot product's block partials in block order. Every
 * result is the same bits for any thread count.
 */
#ifndef GRS_HOST_ENET_H
#define GRS_HOST_ENET_H

#include <stdint.h>

#include "grs/backend.h"
#include "grs/defs.h"
#include "grs/enet.h"

#ifdef __cplusplus
extern "C" {
#endif

enum grs_enet_family {
    GRS_ENET_GAUSSIAN = 0,   /* quantitative trait, squared error */
    GRS_ENET_BINOMIAL = 1,   /* binary trait (y ∈ {0, 1}), logistic */
};

/** The design: n samples; a genotype block (packed) then a dense block (column-major). */
typedef struct grs_enet_data_t {
    int64_t n;                    /* samples (rows)                                          */
    int64_t n_geno;               /* genotype columns (0: none)                              */
    const uint32_t *const *codes; /* n_geno packed rows over the n samples                   */
    int64_t n_dense;              /* dense columns                                           */
    const double *dense;          /* n × n_dense, column-major, NaN = missing (→ mean)       */
    const double *y;              /* n responses (binomial: 0/1); ignored where weight 0      */
    grs_backend_t *be;            /* ops for the genotype block                               */
    int n_threads;
} grs_enet_data_t;

typedef struct grs_enet_opts_t {
    int family;                   /* enum grs_enet_family                                    */
    double alpha;                 /* 0 < α ≤ 1 (glmnet: α = 0 is ridge; we require α > 0)     */
    int64_t nlambda;              /* path length when lambda == NULL                         */
    double lambda_min_ratio;      /* ≤ 0: glmnet default (1e-4 if n > p else 0.01)           */
    const double *lambda;         /* NULL, or a user path (decreasing) of n_lambda values     */
    int64_t n_lambda;
    const double *penalty;        /* NULL (all 1), or n_geno + n_dense raw penalty factors    */
    double tol;                   /* convergence threshold (glmnet thresh); default 1e-7      */
    int64_t max_sweeps;           /* per λ; default 100000                                   */
} grs_enet_opts_t;

/** A fitted path. Coefficients are stored sparsely per λ, on the standardized scale. */
typedef struct grs_enet_path_t {
    int family;
    int64_t n_lambda, n_features, n_geno;
    double *lambda;               /* n_lambda                                                */
    double *a0;                   /* intercepts, original scale                              */
    double *a0_std;               /* intercepts, standardized scale                          */
    double *dev_ratio, *objective, *deviance;  /* per λ: 1 - dev/nulldev, objective, dev    */
    double nulldev;               /* deviance of the intercept-only model (weighted, × n)    */
    int64_t *nnz_off;             /* n_lambda + 1 offsets into idx/beta                      */
    int64_t *idx;                 /* feature index of each nonzero                          */
    double *beta_std;             /* its coefficient, standardized scale                     */
    double *center, *scale;       /* n_features: training mean and SD (0 for constant)       */
    double *vp;                   /* n_features: penalty factors after rescaling             */
    int64_t n_train;              /* samples with weight > 0                                 */
    int64_t n_sweeps;             /* coordinate-descent sweeps, all λ                        */
    int64_t n_kkt_fail;           /* KKT checks that found violators                         */
    int64_t n_coord;              /* coordinate updates computed (genotype or not), all λ    */
    double sec_cd, sec_grad;      /* wall seconds in coordinate descent / gradient passes    */
} grs_enet_path_t;

/**
 * Fit the path on the samples with w[s] > 0 (w NULL: all; w must be 0/1).
 * @return GRS_OK, GRS_ENOMEM, GRS_EDEGENERATE (no variance in y, fewer than 2 samples, one
 *         class), GRS_EINVAL (bad options), GRS_EINTR. Logged at detection.
 */
int grs_enet_fit(const grs_enet_data_t *d, const double *w, const grs_enet_opts_t *o,
                 grs_enet_path_t **out) GRS_RESULT_USED;

void grs_enet_path_destroy(grs_enet_path_t *p);

/** Original-scale coefficient of a nonzero: beta_std / scale. */
static inline double grs_enet_beta(const grs_enet_path_t *p, int64_t k)
{
    return p->beta_std[k] / p->scale[p->idx[k]];
}

/**
 * Linear predictor η_s at path index l for every sample s (any weight), with the path's
 * training standardization. @return GRS_OK or GRS_ENOMEM.
 */
int grs_enet_predict(const grs_enet_data_t *d, const grs_enet_path_t *p, int64_t l,
                     double *eta) GRS_RESULT_USED;

/** Deviance contribution of one observation (gaussian (y-η)², binomial -2 loglik). */
double grs_enet_dev1(int family, double y, double eta);

#ifdef __cplusplus
}
#endif
#endif
