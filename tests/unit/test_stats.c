/* test_stats.c -- host/stats.c on small cases with known answers. The reference values were
 * computed with scipy 1.10 / statsmodels 0.13 (named beside each); the full oracle comparison on
 * simulated cohorts is tests/cli/test_report.sh. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "grs/status.h"
#include "stats.h"

static int close_rel(double a, double b, double tol) { return fabs(a - b) <= tol * fmax(1, fabs(b)); }

static void test_distributions(void)
{
    /* scipy.stats.norm.ppf */
    CHECK(close_rel(grs_stats_qnorm(0.975), 1.959963984540054, 1e-15), "%.17g", grs_stats_qnorm(0.975));
    CHECK(close_rel(grs_stats_qnorm(0.001), -3.090232306167813, 1e-14), "%.17g", grs_stats_qnorm(0.001));
    CHECK(close_rel(grs_stats_qnorm(1e-10), -6.361340902404056, 1e-13), "%.17g", grs_stats_qnorm(1e-10));
    CHECK(close_rel(grs_stats_qnorm(0.3), -0.5244005127080409, 1e-14), "%.17g", grs_stats_qnorm(0.3));
    CHECK(grs_stats_qnorm(0.5) == 0, "%g", grs_stats_qnorm(0.5));
    for (double p = 1e-12; p < 1; p = p < 0.01 ? p * 7 : p + 0.0123)
        CHECK(close_rel(grs_stats_pnorm(grs_stats_qnorm(p)), p, 1e-12), "round trip p=%g", p);
    /* scipy.stats.t.ppf / t.cdf (scipy's t.ppf is good to ~1e-10 only: for df = 1 it gives
     * 12.706204736432095 where tan(0.475 pi) = 12.706204736174707, which we match) */
    CHECK(close_rel(grs_stats_qt(0.975, 1), 12.706204736174707, 1e-13), "cauchy %.17g", grs_stats_qt(0.975, 1));
    CHECK(close_rel(grs_stats_qt(0.975, 10), 2.2281388519649385, 1e-9), "%.17g", grs_stats_qt(0.975, 10));
    CHECK(close_rel(grs_stats_qt(0.975, 1), 12.706204736432095, 1e-9), "%.17g", grs_stats_qt(0.975, 1));
    CHECK(close_rel(grs_stats_qt(0.975, 2), 4.302652729911275, 1e-9), "%.17g", grs_stats_qt(0.975, 2));
    CHECK(close_rel(grs_stats_qt(0.975, 497), 1.964748613638848, 1e-9), "%.17g", grs_stats_qt(0.975, 497));
    CHECK(close_rel(grs_stats_qt(0.975, 500000), 1.9599687290938046, 1e-9), "%.17g", grs_stats_qt(0.975, 500000));
    CHECK(close_rel(grs_stats_pt(-3.5, 20), 0.0011275615765285825, 1e-10), "%.17g", grs_stats_pt(-3.5, 20));
    CHECK(close_rel(grs_stats_pt(-12, 1000), 2.16202869338729e-31, 1e-8), "%.17g", grs_stats_pt(-12, 1000));
    CHECK(close_rel(grs_stats_pt(0.3, 5), 0.6118754788683627, 1e-12), "%.17g", grs_stats_pt(0.3, 5));
    /* tiny tails with t² < df keep relative precision: scipy.stats.t.cdf(-20, 1450) */
    CHECK(close_rel(grs_stats_pt(-20, 1450), 4.4048184876127695e-79, 1e-9), "%.17g", grs_stats_pt(-20, 1450));
    CHECK(close_rel(grs_stats_pt(1e-8, 1e6), 0.5 + 1e-8 * 0.3989422804014327, 1e-12), "%.17g", grs_stats_pt(1e-8, 1e6));
}

static void test_wilson(void)
{
    double lo, hi;
    /* statsmodels proportion_confint(12, 50, method="wilson") */
    grs_stats_wilson(12, 50, &lo, &hi);
    CHECK(close_rel(lo, 0.1429739139699172, 1e-12) && close_rel(hi, 0.3741268375794292, 1e-12), "%.17g %.17g", lo, hi);
    grs_stats_wilson(0, 10, &lo, &hi);
    CHECK(fabs(lo) < 1e-15 && close_rel(hi, 0.27753279986288926, 1e-12), "%.17g %.17g", lo, hi);
}

static void test_auc(void)
{
    /* hand-checked: cases {3, 4, 2(tie)}, controls {1, 2(tie), 0}: pairs 9, wins 7 + tie 1/2 */
    double s[6] = { 3, 4, 2, 1, 2, 0 }, y[6] = { 1, 1, 1, 0, 0, 0 }, auc, se, lo, hi;
    CHECK(grs_stats_auc(6, s, y, &auc, &se, &lo, &hi) == GRS_OK, "auc status");
    CHECK(close_rel(auc, 8.5 / 9, 1e-15), "auc %.17g", auc);
    CHECK(isfinite(se) && se > 0 && lo <= auc && hi == 1, "se %g lo %g hi %g", se, lo, hi);
    double y1[3] = { 1, 1, 1 };
    CHECK(grs_stats_auc(3, s, y1, &auc, &se, &lo, &hi) == GRS_EDEGENERATE, "one class");
}

static void test_regression(void)
{
    /* y = 1 + 2x exactly plus a known residual pattern */
    enum { N = 8 };
    double X[2 * N], y[N], e[N] = { 0.1, -0.1, 0.2, -0.2, 0.05, -0.05, 0, 0 };
    for (int i = 0; i < N; i++) { X[2 * i] = 1; X[2 * i + 1] = i; y[i] = 1 + 2 * i + e[i]; }
    grs_fit_t f;
    CHECK(grs_stats_ols(N, 2, X, y, &f) == GRS_OK, "ols");
    /* numpy.polyfit(x, y, 1) */
    CHECK(close_rel(f.beta[1], 1.991666666666666, 1e-12), "slope %.17g", f.beta[1]);
    CHECK(close_rel(f.beta[0], 1.0291666666666666, 1e-12), "intercept %.17g", f.beta[0]);
    grs_fit_free(&f);
    /* collinear columns are degenerate */
    double Xc[3 * N];
    for (int i = 0; i < N; i++) { Xc[3 * i] = 1; Xc[3 * i + 1] = i; Xc[3 * i + 2] = 2 * i; }
    CHECK(grs_stats_ols(N, 3, Xc, y, &f) == GRS_EDEGENERATE, "collinear");
    /* logistic: separated data do not converge */
    double ys[N] = { 0, 0, 0, 0, 1, 1, 1, 1 };
    CHECK(grs_stats_logistic(N, 2, X, ys, &f) == GRS_EDEGENERATE, "separation");
    /* logistic on overlapping data: the score equations hold at the solution */
    uint64_t seed = 42;
    enum { M = 400 };
    double *Xl = (double *)malloc(2 * M * sizeof(double)), *yl = (double *)malloc(M * sizeof(double));
    for (int i = 0; i < M; i++) {
        double x = rng_unif(&seed) * 4 - 2;
        Xl[2 * i] = 1; Xl[2 * i + 1] = x;
        yl[i] = rng_unif(&seed) < 1 / (1 + exp(-(0.3 + 0.8 * x)));
    }
    CHECK(grs_stats_logistic(M, 2, Xl, yl, &f) == GRS_OK, "logistic");
    double g0 = 0, g1 = 0;
    for (int i = 0; i < M; i++) {
        double mu = 1 / (1 + exp(-(f.beta[0] + f.beta[1] * Xl[2 * i + 1])));
        g0 += yl[i] - mu; g1 += (yl[i] - mu) * Xl[2 * i + 1];
    }
    CHECK(fabs(g0) < 1e-8 && fabs(g1) < 1e-8, "score equations %g %g", g0, g1);
    CHECK(f.se[1] > 0 && f.lo[1] < f.beta[1] && f.hi[1] > f.beta[1], "se/ci");
    grs_fit_free(&f);
    free(Xl); free(yl);
}

static void test_r2(void)
{
    /* Nagelkerke from log-likelihoods: 1 - exp(2(ll0-ll)/n), scaled by 1 - exp(2 ll0/n) */
    double cs = 1 - exp(2 * (-300.0 + 280.0) / 500), mx = 1 - exp(2 * -300.0 / 500);
    CHECK(close_rel(grs_stats_nagelkerke(-280, -300, 500), cs / mx, 1e-14), "nagelkerke");
    /* Lee 2012 with K = P: theta = 0 and C = K(1-K)/z²: a plain rescaling */
    double K = 0.1, t = grs_stats_qnorm(0.9), z = grs_stats_dnorm(t);
    CHECK(close_rel(grs_stats_liability_r2(0.02, K, K), 0.02 * K * (1 - K) / (z * z), 1e-14), "liability K=P");
    double s[5] = { 1, 2, 3, 4, 5 };
    CHECK(grs_stats_quantile_sorted(s, 5, 0.1) == 1.4, "quantile %g", grs_stats_quantile_sorted(s, 5, 0.1));
}

int main(void)
{
    test_distributions();
    test_wilson();
    test_auc();
    test_regression();
    test_r2();
    return check_done("test_stats");
}
