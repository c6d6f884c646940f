/* stats.h -- the statistics behind `grs report` (internal to host/).
 *
 * Pure C, double precision throughout, no external linear algebra: the models here have a few
 * to a few dozen columns, so p×p normal equations solved by Cholesky are enough, and the n×p
 * passes dominate. Every function is checked against an independent implementation at test
 * time (tests/oracles/report_oracle.py: statsmodels, scikit-learn, scipy; report_delong.R: pROC).
 *
 * Conventions: design matrices are row-major n×p (X[i*p + j]); the caller supplies the
 * intercept column. Two-sided 95% intervals use z = Φ⁻¹(0.975) (Wald, DeLong, Wilson) or the t
 * quantile with the residual degrees of freedom (OLS), as statsmodels does. */
#ifndef GRS_HOST_STATS_H
#define GRS_HOST_STATS_H

#include <stdint.h>

#include "grs/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- distributions ------------------------------------------------------------------------ */
double grs_stats_dnorm(double z);                 /* standard normal density                */
double grs_stats_pnorm(double z);                 /* Φ(z), lower tail                        */
double grs_stats_qnorm(double p);                 /* Φ⁻¹(p), Wichura AS241 (~1e-16 relative) */
double grs_stats_pt(double t, double df);         /* Student t lower tail, df > 0            */
double grs_stats_qt(double p, double df);         /* Student t quantile                      */
/** Regularized incomplete beta I_x(a, b) (continued fraction; ~1e-15). */
double grs_stats_ibeta(double x, double a, double b);

/* ---- regression ----------------------------------------------------------------------------- */
/** A fitted linear or logistic model. Arrays have p entries and are owned by the fit. */
typedef struct {
    int64_t n;            /* observations                                                   */
    int p;                /* columns                                                        */
    double *beta;         /* coefficients                                                   */
    double *se;           /* standard errors (Wald, from the inverse information / X'X)     */
    double *stat;         /* z (logistic) or t (OLS) statistics                             */
    double *pval;         /* two-sided p-values (normal for logistic, t for OLS)            */
    double *lo, *hi;      /* 95% confidence interval of beta                                */
    double loglik;        /* logistic: log-likelihood; OLS: Gaussian log-likelihood         */
    double rss, tss, r2;  /* OLS: residual / centred total sum of squares, R² = 1 - rss/tss */
    double df_resid;      /* n - p                                                          */
    int iter;             /* logistic: Newton iterations used                               */
} grs_fit_t;

/** Free a fit's arrays (accepts NULL; the struct itself is the caller's). */
void grs_fit_free(grs_fit_t *f);

/**
 * Logistic regression of y (0/1) on X by Newton-Raphson (IRLS) with step halving.
 * Converges when the largest coefficient change is below 1e-10 (at most 100 iterations).
 * @return GRS_OK; GRS_EDEGENERATE when the information matrix is singular (collinear columns,
 *         a constant column besides the intercept) or the fit does not converge (separation:
 *         fitted probabilities reach 0 or 1); GRS_ENOMEM. Nothing is logged: the caller knows
 *         which model it was and says so.
 */
int grs_stats_logistic(int64_t n, int p, const double *X, const double *y, grs_fit_t *fit)
    GRS_RESULT_USED;
/** The same with a fixed offset added to the linear predictor (offset may be NULL): the
 *  calibration intercept is the intercept-only fit with offset logit(predicted risk). */
int grs_stats_logistic_offset(int64_t n, int p, const double *X, const double *offset,
                              const double *y, grs_fit_t *fit) GRS_RESULT_USED;

/** Ordinary least squares of y on X (X must hold an intercept column for r2 to be the usual
 *  R²). @return GRS_OK, GRS_EDEGENERATE (singular X'X or n <= p), GRS_ENOMEM. */
int grs_stats_ols(int64_t n, int p, const double *X, const double *y, grs_fit_t *fit)
    GRS_RESULT_USED;

/* ---- discrimination --------------------------------------------------------------------- */
/**
 * AUROC of score for y (1 = case, 0 = control), ties counted one half (Mann-Whitney), with
 * DeLong's variance from the placement values (DeLong et al. 1988; the O(n log n) midrank form
 * of Sun & Xu 2014). The 95% CI is auc ± z·se clipped to [0, 1], as pROC's ci.auc(method =
 * "delong"). @return GRS_OK, GRS_EDEGENERATE (no cases or no controls; se needs >= 2 of each),
 * GRS_ENOMEM.
 */
int grs_stats_auc(int64_t n, const double *score, const double *y, double *auc, double *se,
                  double *lo, double *hi) GRS_RESULT_USED;

/* ---- proportions and means ------------------------------------------------------------------ */
/** Wilson score interval for x successes in n trials (95%). n == 0 gives NaNs. */
void grs_stats_wilson(int64_t x, int64_t n, double *lo, double *hi);
/** Mean, sample SD (n-1) and the t-based 95% CI of the mean. */
void grs_stats_mean_ci(int64_t n, const double *v, double *mean, double *sd, double *lo,
                       double *hi);

/* ---- variance explained ------------------------------------------------------------------ */
/** Nagelkerke's R² of a model with log-likelihood ll against the null ll0 (n observations). */
double grs_stats_nagelkerke(double ll, double ll0, int64_t n);
/** Cox-Snell R². */
double grs_stats_coxsnell(double ll, double ll0, int64_t n);
/**
 * Lee et al. (2012, Genet Epidemiol 36:214) transformation of an observed-scale R² (from a
 * linear model of the 0/1 trait) to the liability scale, for population prevalence K and case
 * proportion P in the sample: t = Φ⁻¹(1-K), z = φ(t), i = z/K,
 * C = K(1-K)/z² · K(1-K)/(P(1-P)), θ = i(P-K)/(1-K) · (i(P-K)/(1-K) - t),
 * R²_liab = R²_obs·C / (1 + R²_obs·θ·C).
 */
double grs_stats_liability_r2(double r2_obs, double K, double P);

/* ---- quantiles -------------------------------------------------------------------------------- */
/** The q-quantile (0..1) of sorted[0..n) by linear interpolation (R type 7, numpy's default). */
double grs_stats_quantile_sorted(const double *sorted, int64_t n, double q);

#ifdef __cplusplus
}
#endif
#endif
