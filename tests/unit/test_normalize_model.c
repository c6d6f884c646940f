/* test_normalize_model.c -- unit tests of host/normalize.c: scipy's percentileofscore (kind 'rank'),
 * the mean + variance maximum-likelihood fit, and the refdist JSON round trip (bit-exact). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../host/normalize.h"
#include "grs/status.h"

static int n_fail = 0;
#define CHECK(c, ...) do { if (!(c)) { n_fail++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
                                       fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); } } while (0)

static uint64_t rng = 88172645463325252ull;
static double unif(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return ((rng >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void) { return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif()); }

static void test_percentile(void)
{
    /* values from scipy.stats.percentileofscore(a, x) (kind 'rank'), scipy 1.10 */
    const double a[] = { 1, 2, 2, 3, 5 };
    const struct { double x, want; } c[] = {
        { 0, 0 }, { 1, 20 }, { 2, 50 }, { 2.5, 60 }, { 3, 80 }, { 5, 100 }, { 6, 100 },
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        double p = grs_norm_percentile(a, 5, c[i].x);
        CHECK(p == c[i].want, "percentile(%g) = %.17g, want %g", c[i].x, p, c[i].want);
    }
    const double t[] = { 7, 7, 7, 7 };   /* all tied: (0 + 4 + 1) * 50 / 4 */
    CHECK(grs_norm_percentile(t, 4, 7) == 62.5, "all-tied percentile");
    CHECK(isnan(grs_norm_percentile(a, 5, NAN)), "NaN percentile");
}

static void test_meanvar(void)
{
    /* y = 0.5 + 0.3 x1 - 0.2 x2 + exp((-1 + 0.4 x1) / 2) e: the MLE is near the truth */
    const int64_t n = 4000;
    const int p = 2;
    double *X = (double *)malloc(n * p * sizeof(double)), *y = (double *)malloc(n * sizeof(double));
    double b[3] = { 0, 0, 0 }, c[3];
    int it;
    double gn;
    for (int64_t i = 0; i < n; i++) {
        X[i * p] = gauss(); X[i * p + 1] = gauss();
        y[i] = 0.5 + 0.3 * X[i * p] - 0.2 * X[i * p + 1] + exp(0.5 * (-1 + 0.4 * X[i * p])) * gauss();
    }
    int st = grs_norm_fit_meanvar(n, p, X, y, b, c, &it, &gn);
    CHECK(st == 1, "mean+var fit did not converge (%d iterations, gradient %g)", it, gn);
    CHECK(gn < 1e-8 * n, "gradient norm %g", gn);
    CHECK(fabs(b[0] - 0.5) < 0.05 && fabs(b[1] - 0.3) < 0.05 && fabs(b[2] + 0.2) < 0.05,
          "mean model %g %g %g", b[0], b[1], b[2]);
    CHECK(fabs(c[0] + 1) < 0.1 && fabs(c[1] - 0.4) < 0.1 && fabs(c[2]) < 0.1, "variance model %g %g %g", c[0], c[1], c[2]);
    /* a worse start (mean model 0) converges to the same optimum */
    double b2[3] = { 0, 0, 0 }, c2[3];
    b2[0] = 10;
    st = grs_norm_fit_meanvar(n, p, X, y, b2, c2, &it, &gn);
    CHECK(st == 1, "mean+var fit from a far start did not converge");
    for (int j = 0; j < 3; j++)
        CHECK(fabs(b2[j] - b[j]) < 1e-9 && fabs(c2[j] - c[j]) < 1e-9, "optimum differs at %d", j);
    free(X); free(y);
}

static void test_fit_roundtrip(void)
{
    const int64_t n = 300;
    const int p = 3, K = 2;
    double *pcs = (double *)malloc(n * p * sizeof(double)), *y = (double *)malloc(K * n * sizeof(double));
    int *pop = (int *)malloc(n * sizeof(int));
    char *pops[2] = { "A", "B" }, *names[2] = { "S1", "ZERO" };
    grs_norm_model_t *m = NULL, *r = NULL;
    for (int64_t i = 0; i < n; i++) {
        pop[i] = i % 2;
        for (int j = 0; j < p; j++) pcs[i * p + j] = gauss() + (pop[i] ? 1.5 : 0);
        y[i] = pcs[i * p] * 0.2 + gauss() * (1 + 0.3 * pop[i]);
        y[n + i] = 3.0;
    }
    grs_norm_input_t in = { n, p, pcs, 2, pops, pop, K, names, y, NULL,
                            GRS_NORM_EMPIRICAL | GRS_NORM_MEAN | GRS_NORM_MEANVAR };
    char fn[64];
    snprintf(fn, sizeof(fn), "test_normalize_model.%d.refdist.json", (int)getpid());
    CHECK(grs_norm_fit(&in, &m) == GRS_OK, "fit");
    if (!m) goto done;
    CHECK(m->scores[1].skipped, "constant score not skipped");
    CHECK(grs_norm_write(m, fn, NULL) == GRS_OK, "write");
    CHECK(grs_norm_read(fn, &r) == GRS_OK, "read");
    if (!r) goto done;
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < K; k++) {
            double o1[4], o2[4];
            grs_norm_apply(m, k, y[k * n + i], pcs + i * p, pop[i], o1);
            grs_norm_apply(r, k, y[k * n + i], pcs + i * p, pop[i], o2);
            for (int q = 0; q < 4; q++)
                CHECK((isnan(o1[q]) && isnan(o2[q])) || o1[q] == o2[q], "sample %d score %d output %d: %.17g vs %.17g",
                      (int)i, k, q, o1[q], o2[q]);
            if (k == 1) CHECK(isnan(o1[0]) && isnan(o1[3]), "skipped score not NA");
        }
    /* the reference Z_norm1 of the fit has mean 0 and std 1 */
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < n; i++) {
        double o[4];
        grs_norm_apply(m, 0, y[i], pcs + i * p, pop[i], o);
        s += o[2]; s2 += o[2] * o[2];
    }
    CHECK(fabs(s / n) < 1e-12 && fabs(s2 / n - 1) < 1e-12, "Z_norm1 over the reference: mean %g, mean square %g", s / n, s2 / n);
    /* a population with one sample is rejected */
    for (int64_t i = 0; i < n; i++) pop[i] = i == 0;
    grs_norm_model_t *m3 = NULL;
    CHECK(grs_norm_fit(&in, &m3) == GRS_EDEGENERATE, "a population of 1 accepted");
    grs_norm_destroy(m3);
done:
    unlink(fn);
    grs_norm_destroy(m); grs_norm_destroy(r);
    free(pcs); free(y); free(pop);
}

int main(void)
{
    test_percentile();
    test_meanvar();
    test_fit_roundtrip();
    if (n_fail) { fprintf(stderr, "test_normalize_model: %d failed\n", n_fail); return 1; }
    printf("test_normalize_model: all passed\n");
    return 0;
}
