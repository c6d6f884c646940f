/* stats.c -- regression, AUROC, intervals and R² for `grs report` (see stats.h). */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grs/status.h"

#define Z975 1.959963984540054   /* Φ⁻¹(0.975), as scipy.stats.norm.ppf(0.975) */

/* ---- distributions -------------------------------------------------------------------------- */
double grs_stats_dnorm(double z) { return exp(-0.5 * z * z) / sqrt(2 * M_PI); }

double grs_stats_pnorm(double z) { return 0.5 * erfc(-z / M_SQRT2); }

/* Wichura (1988) AS241 PPND16, then one Newton step on erfc as a guard. */
double grs_stats_qnorm(double p)
{
    if (!(p > 0 && p < 1)) return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
    double q = p - 0.5, r, x;
    if (fabs(q) <= 0.425) {
        r = 0.180625 - q * q;
        x = q * (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r
                   + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                  + 133.14166789178437745) * r + 3.387132872796366608)
            / (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r
                   + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                  + 42.313330701600911252) * r + 1.0);
    } else {
        r = sqrt(-log(q < 0 ? p : 1 - p));
        if (r <= 5) {
            r -= 1.6;
            x = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                     + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                  + 4.6303378461565452959) * r + 1.42343711074968357734)
                / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                       + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                    + 2.05319162663775882187) * r + 1.0);
        } else {
            r -= 5;
            x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                     + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                  + 5.4637849111641143699) * r + 6.6579046435011037772)
                / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                       + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                    + 0.59983220655588793769) * r + 1.0);
        }
        if (q < 0) x = -x;
    }
    /* Newton on the tail that is computed without cancellation */
    double d = grs_stats_dnorm(x);
    if (d > 0) {
        double e = x < 0 ? grs_stats_pnorm(x) - p : (1 - p) - grs_stats_pnorm(-x);
        x -= e / d;
    }
    return x;
}

/* continued fraction for I_x(a, b) (modified Lentz) */
static double betacf(double a, double b, double x)
{
    const double fpmin = 1e-300;
    double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap, h;
    if (fabs(d) < fpmin) d = fpmin;
    d = 1 / d;
    h = d;
    for (int m = 1; m <= 100000; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d; if (fabs(d) < fpmin) d = fpmin;
        c = 1 + aa / c; if (fabs(c) < fpmin) c = fpmin;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d; if (fabs(d) < fpmin) d = fpmin;
        c = 1 + aa / c; if (fabs(c) < fpmin) c = fpmin;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16) break;
    }
    return h;
}

/* I_x(a, b) given both x and y = 1 - x, so that neither is formed by cancellation */
static double ibeta2(double x, double y, double a, double b)
{
    if (x <= 0) return 0;
    if (y <= 0) return 1;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y);
    if (x < (a + 1) / (a + b + 2)) return exp(lbt) * betacf(a, b, x) / a;
    return 1 - exp(lbt) * betacf(b, a, y) / b;
}

double grs_stats_ibeta(double x, double a, double b) { return ibeta2(x, 1 - x, a, b); }

double grs_stats_pt(double t, double df)
{
    if (isnan(t) || !(df > 0)) return NAN;
    if (isinf(t)) return t > 0 ? 1 : 0;
    /* the smaller tail is I_x(df/2, 1/2) / 2 with x = df/(df+t²); 1 - x = t²/(df+t²) is passed
     * exactly, so tiny tails keep their relative precision (p-values of 1e-80 are reported) */
    double tail = 0.5 * ibeta2(df / (df + t * t), t * t / (df + t * t), df / 2, 0.5);
    return t > 0 ? 1 - tail : tail;
}

static double dt(double t, double df)
{
    return exp(lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * M_PI)
               - (df + 1) / 2 * log1p(t * t / df));
}

double grs_stats_qt(double p, double df)
{
    if (!(p > 0 && p < 1) || !(df > 0)) return NAN;
    if (p == 0.5) return 0;
    if (p > 0.5) return -grs_stats_qt(1 - p, df);
    /* lower half: bracket [lo, hi] with hi <= 0, then safeguarded Newton */
    double hi = 0, lo = grs_stats_qnorm(p) - 1;
    while (grs_stats_pt(lo, df) > p) { hi = lo; lo *= 2; if (lo < -1e300) return -INFINITY; }
    double x = grs_stats_qnorm(p);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    for (int it = 0; it < 200; it++) {
        double f = grs_stats_pt(x, df) - p;
        if (f > 0) hi = x; else lo = x;
        double nx = x - f / dt(x, df);
        if (!(nx > lo && nx < hi)) nx = 0.5 * (lo + hi);
        if (fabs(nx - x) <= 1e-15 * (1 + fabs(x))) { x = nx; break; }
        x = nx;
    }
    return x;
}

/* ---- small dense linear algebra (p×p, row-major) ---------------------------------------------- */
/* In-place Cholesky A = L Lᵀ (lower triangle). A pivot below 1e-10 of its original diagonal
 * means the columns are (numerically) collinear. */
static int cholesky(double *A, int p)
{
    for (int j = 0; j < p; j++) {
        double d = A[j * p + j], d0 = d;
        for (int k = 0; k < j; k++) d -= A[j * p + k] * A[j * p + k];
        if (!(d > 1e-10 * d0) || !(d0 > 0)) return GRS_EDEGENERATE;
        d = sqrt(d);
        A[j * p + j] = d;
        for (int i = j + 1; i < p; i++) {
            double s = A[i * p + j];
            for (int k = 0; k < j; k++) s -= A[i * p + k] * A[j * p + k];
            A[i * p + j] = s / d;
        }
    }
    return GRS_OK;
}

/* solve L Lᵀ x = b in place */
static void chol_solve(const double *L, int p, double *b)
{
    for (int i = 0; i < p; i++) {
        double s = b[i];
        for (int k = 0; k < i; k++) s -= L[i * p + k] * b[k];
        b[i] = s / L[i * p + i];
    }
    for (int i = p - 1; i >= 0; i--) {
        double s = b[i];
        for (int k = i + 1; k < p; k++) s -= L[k * p + i] * b[k];
        b[i] = s / L[i * p + i];
    }
}

/* diagonal of (L Lᵀ)⁻¹ into dg (work: p doubles) */
static void chol_inv_diag(const double *L, int p, double *dg, double *work)
{
    for (int j = 0; j < p; j++) {
        memset(work, 0, p * sizeof(double));
        work[j] = 1;
        chol_solve(L, p, work);
        dg[j] = work[j];
    }
}

void grs_fit_free(grs_fit_t *f)
{
    if (!f) return;
    free(f->beta);
    f->beta = f->se = f->stat = f->pval = f->lo = f->hi = NULL;
}

static int fit_alloc(grs_fit_t *f, int64_t n, int p)
{
    memset(f, 0, sizeof(*f));
    f->n = n;
    f->p = p;
    if (!(f->beta = (double *)calloc(6 * (size_t)p + 1, sizeof(double)))) return GRS_ENOMEM;
    f->se = f->beta + p; f->stat = f->se + p; f->pval = f->stat + p;
    f->lo = f->pval + p; f->hi = f->lo + p;
    f->df_resid = (double)(n - p);
    return GRS_OK;
}

/* log(1 + e^x) without overflow */
static double log1pexp(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

static double logit_loglik(int64_t n, int p, const double *X, const double *off, const double *y,
                           const double *b)
{
    double ll = 0;
    for (int64_t i = 0; i < n; i++) {
        const double *x = X + i * p;
        double eta = off ? off[i] : 0;
        for (int j = 0; j < p; j++) eta += x[j] * b[j];
        ll += y[i] * eta - log1pexp(eta);
    }
    return ll;
}

/* information XᵀWX (full p×p) and score Xᵀ(y - μ) at b */
static void logit_info(int64_t n, int p, const double *X, const double *off, const double *y,
                       const double *b, double *H, double *g)
{
    memset(H, 0, (size_t)p * p * sizeof(double));
    memset(g, 0, p * sizeof(double));
    for (int64_t i = 0; i < n; i++) {
        const double *x = X + i * p;
        double eta = off ? off[i] : 0;
        for (int j = 0; j < p; j++) eta += x[j] * b[j];
        double mu = 1 / (1 + exp(-eta)), w = mu * (1 - mu), r = y[i] - mu;
        for (int j = 0; j < p; j++) {
            double wx = w * x[j];
            g[j] += r * x[j];
            for (int k = 0; k <= j; k++) H[j * p + k] += wx * x[k];
        }
    }
    for (int j = 0; j < p; j++)
        for (int k = j + 1; k < p; k++) H[j * p + k] = H[k * p + j];
}

int grs_stats_logistic(int64_t n, int p, const double *X, const double *y, grs_fit_t *fit)
{
    return grs_stats_logistic_offset(n, p, X, NULL, y, fit);
}

int grs_stats_logistic_offset(int64_t n, int p, const double *X, const double *off, const double *y,
                              grs_fit_t *fit)
{
    int ret = fit_alloc(fit, n, p), converged = 0;
    double *H = NULL, *g = NULL, *bn = NULL, *work = NULL;
    if (ret < 0) return ret;
    if (n <= p) { ret = GRS_EDEGENERATE; goto fail; }
    H = (double *)malloc(((size_t)p * p + 3 * (size_t)p) * sizeof(double));
    if (!H) { ret = GRS_ENOMEM; goto fail; }
    g = H + (size_t)p * p; bn = g + p; work = bn + p;
    double *b = fit->beta, ll = logit_loglik(n, p, X, off, y, b);
    for (fit->iter = 1; fit->iter <= 100; fit->iter++) {
        logit_info(n, p, X, off, y, b, H, g);
        if ((ret = cholesky(H, p)) < 0) goto fail;
        chol_solve(H, p, g);                 /* g is now the Newton step */
        double step = 1, lln = ll, dmax = 0;
        for (int j = 0; j < p; j++) dmax = fmax(dmax, fabs(g[j]));
        for (int h = 0; h < 40; h++, step *= 0.5) {
            for (int j = 0; j < p; j++) bn[j] = b[j] + step * g[j];
            lln = logit_loglik(n, p, X, off, y, bn);
            if (lln >= ll - 1e-12 * fabs(ll)) break;
        }
        memcpy(b, bn, p * sizeof(double));
        ll = lln;
        if (dmax * step < 1e-8) { converged = 1; break; }
    }
    if (!converged) { ret = GRS_EDEGENERATE; goto fail; }
    /* separation shows as fitted probabilities of exactly 0 or 1 with diverging coefficients */
    for (int j = 0; j < p; j++) if (!isfinite(b[j]) || fabs(b[j]) > 1e6) { ret = GRS_EDEGENERATE; goto fail; }
    logit_info(n, p, X, off, y, b, H, g);
    if ((ret = cholesky(H, p)) < 0) goto fail;
    chol_inv_diag(H, p, fit->se, work);
    fit->loglik = ll;
    for (int j = 0; j < p; j++) {
        fit->se[j] = sqrt(fit->se[j]);
        fit->stat[j] = b[j] / fit->se[j];
        fit->pval[j] = erfc(fabs(fit->stat[j]) / M_SQRT2);
        fit->lo[j] = b[j] - Z975 * fit->se[j];
        fit->hi[j] = b[j] + Z975 * fit->se[j];
    }
    free(H);
    return GRS_OK;
fail:
    free(H);
    grs_fit_free(fit);
    return ret;
}

int grs_stats_ols(int64_t n, int p, const double *X, const double *y, grs_fit_t *fit)
{
    int ret = fit_alloc(fit, n, p);
    double *A = NULL, *r = NULL, *d, *work;
    if (ret < 0) return ret;
    if (n <= p) { ret = GRS_EDEGENERATE; goto fail; }
    A = (double *)calloc((size_t)p * p + 2 * (size_t)p, sizeof(double));
    r = (double *)malloc(n * sizeof(double));
    if (!A || !r) { ret = GRS_ENOMEM; goto fail; }
    d = A + (size_t)p * p; work = d + p;
    double *b = fit->beta;
    for (int64_t i = 0; i < n; i++) {
        const double *x = X + i * p;
        for (int j = 0; j < p; j++) {
            b[j] += x[j] * y[i];
            for (int k = 0; k <= j; k++) A[j * p + k] += x[j] * x[k];
        }
    }
    for (int j = 0; j < p; j++)
        for (int k = j + 1; k < p; k++) A[j * p + k] = A[k * p + j];
    if ((ret = cholesky(A, p)) < 0) goto fail;
    chol_solve(A, p, b);
    /* two rounds of iterative refinement on the residuals recover what the normal equations
     * lose to cond(X)² */
    for (int round = 0; round < 3; round++) {
        memset(d, 0, p * sizeof(double));
        fit->rss = 0;
        for (int64_t i = 0; i < n; i++) {
            const double *x = X + i * p;
            double e = y[i];
            for (int j = 0; j < p; j++) e -= x[j] * b[j];
            r[i] = e;
            fit->rss += e * e;
            if (round < 2) for (int j = 0; j < p; j++) d[j] += x[j] * e;
        }
        if (round == 2) break;
        chol_solve(A, p, d);
        for (int j = 0; j < p; j++) b[j] += d[j];
    }
    double ym = 0;
    for (int64_t i = 0; i < n; i++) ym += y[i];
    ym /= n;
    fit->tss = 0;
    for (int64_t i = 0; i < n; i++) fit->tss += (y[i] - ym) * (y[i] - ym);
    fit->r2 = fit->tss > 0 ? 1 - fit->rss / fit->tss : NAN;
    fit->loglik = -0.5 * n * (log(2 * M_PI * fit->rss / n) + 1);
    double s2 = fit->rss / fit->df_resid, tq = grs_stats_qt(0.975, fit->df_resid);
    chol_inv_diag(A, p, fit->se, work);
    for (int j = 0; j < p; j++) {
        fit->se[j] = sqrt(s2 * fit->se[j]);
        fit->stat[j] = b[j] / fit->se[j];
        fit->pval[j] = 2 * grs_stats_pt(-fabs(fit->stat[j]), fit->df_resid);
        fit->lo[j] = b[j] - tq * fit->se[j];
        fit->hi[j] = b[j] + tq * fit->se[j];
    }
    free(A); free(r);
    return GRS_OK;
fail:
    free(A); free(r);
    grs_fit_free(fit);
    return ret;
}

/* ---- AUROC with DeLong's variance ----------------------------------------------------------- */
static const double *sort_key;
static int cmp_idx(const void *a, const void *b)
{
    double x = sort_key[*(const int64_t *)a], y = sort_key[*(const int64_t *)b];
    return x < y ? -1 : x > y;
}

/* midranks (1-based, ties averaged) of v[idx[0..m)] into rk[idx[i]] */
static void midranks(const double *v, int64_t *idx, int64_t m, double *rk)
{
    sort_key = v;               /* qsort has no user pointer in C11; single-threaded use */
    qsort(idx, m, sizeof(int64_t), cmp_idx);
    for (int64_t i = 0; i < m;) {
        int64_t j = i;
        while (j + 1 < m && v[idx[j + 1]] == v[idx[i]]) j++;
        double r = 0.5 * (double)(i + j) + 1;
        for (int64_t k = i; k <= j; k++) rk[idx[k]] = r;
        i = j + 1;
    }
}

int grs_stats_auc(int64_t n, const double *score, const double *y, double *auc, double *se,
                  double *lo, double *hi)
{
    int64_t n1 = 0, n0 = 0;
    for (int64_t i = 0; i < n; i++) n1 += y[i] != 0;
    n0 = n - n1;
    *auc = *se = *lo = *hi = NAN;
    if (n1 < 1 || n0 < 1) return GRS_EDEGENERATE;
    int64_t *idx = (int64_t *)malloc((n + 1) * sizeof(int64_t));
    double *rall = (double *)malloc((n + 1) * sizeof(double)), *rgrp = (double *)malloc((n + 1) * sizeof(double));
    if (!idx || !rall || !rgrp) { free(idx); free(rall); free(rgrp); return GRS_ENOMEM; }
    for (int64_t i = 0; i < n; i++) idx[i] = i;
    midranks(score, idx, n, rall);
    int64_t a = 0, b = n1;      /* cases first, then controls, in idx */
    for (int64_t i = 0; i < n; i++) { if (y[i] != 0) idx[a++] = i; else idx[b++] = i; }
    midranks(score, idx, n1, rgrp);
    midranks(score, idx + n1, n0, rgrp);
    /* V10 (case i): share of controls below it; V01 (control j): share of cases above it */
    double s10 = 0, s01 = 0;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = idx[k];
        double below = rall[i] - rgrp[i];          /* other-class scores below, ties 1/2 */
        if (k < n1) { rgrp[i] = below / n0; s10 += rgrp[i]; }
        else { rgrp[i] = 1 - below / n1; s01 += rgrp[i]; }
    }
    double m10 = s10 / n1, m01 = s01 / n0, v10 = 0, v01 = 0;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = idx[k];
        if (k < n1) v10 += (rgrp[i] - m10) * (rgrp[i] - m10);
        else v01 += (rgrp[i] - m01) * (rgrp[i] - m01);
    }
    *auc = m10;
    if (n1 >= 2 && n0 >= 2) {
        *se = sqrt(v10 / (n1 - 1) / n1 + v01 / (n0 - 1) / n0);
        *lo = fmax(0, *auc - Z975 * *se);
        *hi = fmin(1, *auc + Z975 * *se);
    }
    free(idx); free(rall); free(rgrp);
    return GRS_OK;
}

/* ---- proportions, means ---------------------------------------------------------------------- */
void grs_stats_wilson(int64_t x, int64_t n, double *lo, double *hi)
{
    if (n <= 0) { *lo = *hi = NAN; return; }
    double z2 = Z975 * Z975, ph = (double)x / n;
    double c = (ph + z2 / (2.0 * n)) / (1 + z2 / n);
    double h = Z975 / (1 + z2 / n) * sqrt(ph * (1 - ph) / n + z2 / (4.0 * n * n));
    *lo = c - h;
    *hi = c + h;
}

void grs_stats_mean_ci(int64_t n, const double *v, double *mean, double *sd, double *lo, double *hi)
{
    double m = 0, ss = 0;
    for (int64_t i = 0; i < n; i++) m += v[i];
    m = n ? m / n : NAN;
    for (int64_t i = 0; i < n; i++) ss += (v[i] - m) * (v[i] - m);
    *mean = m;
    *sd = n > 1 ? sqrt(ss / (n - 1)) : NAN;
    if (n > 1) {
        double h = grs_stats_qt(0.975, (double)(n - 1)) * *sd / sqrt((double)n);
        *lo = m - h;
        *hi = m + h;
    } else {
        *lo = *hi = NAN;
    }
}

/* ---- R² -------------------------------------------------------------------------------------- */
double grs_stats_coxsnell(double ll, double ll0, int64_t n) { return 1 - exp(2 * (ll0 - ll) / n); }

double grs_stats_nagelkerke(double ll, double ll0, int64_t n)
{
    return grs_stats_coxsnell(ll, ll0, n) / (1 - exp(2 * ll0 / n));
}

double grs_stats_liability_r2(double r2_obs, double K, double P)
{
    if (!(K > 0 && K < 1) || !(P > 0 && P < 1)) return NAN;
    double t = grs_stats_qnorm(1 - K), z = grs_stats_dnorm(t), i = z / K;
    double C = K * (1 - K) / (z * z) * K * (1 - K) / (P * (1 - P));
    double a = i * (P - K) / (1 - K), theta = a * (a - t);
    return r2_obs * C / (1 + r2_obs * theta * C);
}

double grs_stats_quantile_sorted(const double *s, int64_t n, double q)
{
    if (n <= 0) return NAN;
    double h = (n - 1) * q;
    int64_t lo = (int64_t)floor(h);
    if (lo >= n - 1) return s[n - 1];
    if (lo < 0) return s[0];
    return s[lo] + (h - lo) * (s[lo + 1] - s[lo]);
}
