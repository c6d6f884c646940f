/* test_pca.c -- host/pca.c: chi-square tail against scipy 1.10 values, the long-range LD table,
 * randomized SVD against LAPACK's dense SVD of the decoded matrix, thread independence,
 * projection = U s / sqrt(M) for panel samples, shrinkage factors, and the .pcamodel round trip
 * (every double back bit for bit; newer version and truncation refused). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "check.h"
#include "grs/geno.h"
#include "grs/status.h"
#include "pca.h"

extern void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a,
                    const int *lda, double *s, double *u, const int *ldu, double *vt,
                    const int *ldvt, double *work, const int *lwork, int *info, size_t lu,
                    size_t lvt);

static void test_chi2(void)
{
    /* scipy.stats.chi2.sf(x, df), scipy 1.10.1 */
    static const double t[][3] = {
        { 7.814727903251178, 3.0, 0.05 },
        { 0.5, 3.0, 0.9188914116546758 },
        { 100, 3.0, 1.5541594313896026e-21 },
        { 1000.0, 3.0, 1.7994208765314067e-216 },
        { 2.0, 1.0, 0.15729920705028105 },
        { 50, 5.0, 1.3857973367009573e-09 },
        { 0.01, 2.0, 0.9950124791926823 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        double p = grs_pca_chi2_sf(t[i][0], t[i][1]);
        CHECK(fabs(p - t[i][2]) <= 1e-12 * t[i][2], "chi2.sf(%g, %g) = %.17g, scipy %.17g", t[i][0], t[i][1], p, t[i][2]);
    }
    CHECK(grs_pca_chi2_sf(0, 3) == 1.0, "sf(0)");
}

static void test_lrld(void)
{
    CHECK(grs_pca_long_range_ld(37, "6", 30000000), "MHC GRCh37");
    CHECK(grs_pca_long_range_ld(38, "6", 30000000), "MHC GRCh38");
    CHECK(grs_pca_long_range_ld(38, "8", 10000000), "chr8 inversion GRCh38");
    CHECK(!grs_pca_long_range_ld(38, "6", 20000000), "chr6:20M is outside");
    CHECK(!grs_pca_long_range_ld(38, "X", 30000000), "X is not in the table");
    CHECK(grs_pca_n_long_range_ld(37) == 20 && grs_pca_n_long_range_ld(38) == 43, "table sizes");
}

/* a random panel with structure: two groups with different frequencies */
static void make_panel(int64_t n, int64_t M, uint64_t seed, uint32_t **rows, double **lut, int64_t *rw)
{
    *rw = grs_geno_row_bytes(n) / 4;
    *rows = (uint32_t *)aligned_alloc(64, (size_t)(M * *rw * 4));
    *lut = (double *)malloc((size_t)(4 * M) * sizeof(double));
    memset(*rows, 0xff, (size_t)(M * *rw * 4));
    for (int64_t j = 0; j < M; j++) {
        double f0 = 0.1 + 0.8 * rng_unif(&seed), f1 = 0.1 + 0.8 * rng_unif(&seed);
        int64_t c[3] = { 0, 0, 0 }, called = 0;
        uint8_t *r = (uint8_t *)(*rows + j * *rw);
        for (int64_t s = 0; s < n; s++) {
            double f = s < n / 2 ? f0 : f1;
            uint32_t g = (rng_unif(&seed) < f) + (rng_unif(&seed) < f);
            if (rng_unif(&seed) < 0.01) g = 3;
            r[s >> 2] = (uint8_t)((r[s >> 2] & ~(3u << (2 * (s & 3)))) | (g << (2 * (s & 3))));
            if (g < 3) { c[g]++; called++; }
        }
        double p = (c[1] + 2.0 * c[2]) / (2.0 * called), sc = 1 / sqrt(2 * p * (1 - p));
        for (int g = 0; g < 3; g++) (*lut)[4 * j + g] = (g - 2 * p) * sc;
        (*lut)[4 * j + 3] = 0;
    }
}

static void test_rsvd(void)
{
    const int64_t n = 41, M = 157;   /* not multiples of the block or the 4-sample byte */
    const int k = 5;
    uint32_t *rows;
    double *lut;
    int64_t rw;
    make_panel(n, M, 42, &rows, &lut, &rw);
    grs_pca_mat_t X = { n, M, rw, rows, lut };
    /* dense reference: LAPACK SVD of the decoded matrix */
    double *D = (double *)malloc((size_t)(n * M) * sizeof(double)), *s = (double *)malloc((size_t)n * sizeof(double));
    double *Ud = (double *)malloc((size_t)(n * n) * sizeof(double)), *Vt = (double *)malloc((size_t)(n * M) * sizeof(double));
    grs_pca_decode(&X, 0, M, D);
    int m = (int)n, nn = (int)M, info = 0, lwork = -1, ldvt = (int)n;
    double wq;
    dgesvd_("S", "S", &m, &nn, D, &m, s, Ud, &m, Vt, &ldvt, &wq, &lwork, &info, 1, 1);
    lwork = (int)wq + 1;
    double *work = (double *)malloc((size_t)lwork * sizeof(double));
    dgesvd_("S", "S", &m, &nn, D, &m, s, Ud, &m, Vt, &ldvt, work, &lwork, &info, 1, 1);
    CHECK(info == 0, "dgesvd info %d", info);
    /* full subspace (k + oversample >= n): exact up to rounding */
    double sv[5], V[5 * 157], U[5 * 41], sv3[5], V3[5 * 157], sc[41 * 5];
    grs_pca_rsvd_opts_t o = { k, 100, 2, 7, 1 };
    CHECK(grs_pca_rsvd(&X, &o, sv, V, U) == GRS_OK, "rsvd");
    for (int c = 0; c < k; c++) {
        double dot = 0;
        for (int64_t j = 0; j < M; j++) dot += V[c * M + j] * Vt[c + j * n];
        CHECK(fabs(sv[c] - s[c]) < 1e-10 * s[0], "sv[%d] %.17g vs LAPACK %.17g", c, sv[c], s[c]);
        CHECK(fabs(fabs(dot) - 1) < 1e-10, "V[%d] |cos| %.17g", c, dot);
    }
    /* threads do not change a bit */
    o.threads = 3;
    CHECK(grs_pca_rsvd(&X, &o, sv3, V3, NULL) == GRS_OK, "rsvd 3 threads");
    CHECK(!memcmp(sv, sv3, sizeof(sv)) && !memcmp(V, V3, sizeof(V)), "threads 1 vs 3 differ");
    /* projection of the panel = U s / sqrt(M) */
    CHECK(grs_pca_project(&X, V, M, k, M, 2, sc) == GRS_OK, "project");
    double worst = 0;
    for (int64_t i = 0; i < n; i++)
        for (int c = 0; c < k; c++)
            worst = fmax(worst, fabs(sc[i * k + c] - U[c * n + i] * sv[c] / sqrt((double)M)));
    CHECK(worst < 1e-10, "projection vs U s / sqrt(M): %g", worst);
    /* randomized (small subspace): the structure PC converges */
    grs_pca_rsvd_opts_t o2 = { 2, 4, 7, 3, 2 };
    CHECK(grs_pca_rsvd(&X, &o2, sv, V, NULL) == GRS_OK, "rsvd small");
    CHECK(fabs(sv[0] - s[0]) < 1e-8 * s[0], "top sv %.17g vs %.17g", sv[0], s[0]);
    /* k too large */
    grs_pca_rsvd_opts_t o3 = { 50, 0, 0, 1, 1 };
    CHECK(grs_pca_rsvd(&X, &o3, sv, V, NULL) == GRS_EINVAL, "k > n refused");
    /* shrinkage factors in (0, 1], smaller for weaker components */
    double frob = 0, d[5];
    for (int c = 0; c < (int)n; c++) frob += s[c] * s[c];
    grs_pca_shrinkage(n, M, k, s, frob, d);
    for (int c = 0; c < k; c++) CHECK(d[c] > 0 && d[c] <= 1, "d[%d] = %g", c, d[c]);
    CHECK(d[0] >= d[k - 1], "d decreasing: %g %g", d[0], d[k - 1]);
    free(D); free(s); free(Ud); free(Vt); free(work); free(rows); free(lut);
}

static void test_model(void)
{
    char fn[64], fn2[64];
    snprintf(fn, sizeof(fn), "test_pca.%ld.pcamodel", (long)getpid());
    snprintf(fn2, sizeof(fn2), "test_pca.%ld.bad.pcamodel", (long)getpid());
    grs_pca_model_t m;
    memset(&m, 0, sizeof(m));
    char *chrom[3] = { "1", "2", "22" }, *id[3] = { "rs1", ".", "rs3" }, *ref[3] = { "A", "C", "G" }, *alt[3] = { "G", "T", "A" };
    int64_t pos[3] = { 100, 200, 300 };
    double freq[3] = { 0.1, 1.0 / 3, 0.5 }, scale[3], V[6] = { 0.1, -1e-300, 1.0 / 7, 2, -3, 0.25 };
    double eig[2] = { 3.5, 1.25 }, shr[2] = { 0.9, 0.5 }, mean[4] = { 1, 2, 3, 4 }, cov[8] = { 1, 0.1, 0.1, 2, 3, 0, 0, 4 };
    for (int j = 0; j < 3; j++) scale[j] = 1 / sqrt(2 * freq[j] * (1 - freq[j]));
    grs_pca_pop_t pops[2] = { { "AFR", 10, mean, cov }, { "EUR", 12, mean + 2, cov + 4 } };
    char *prov[1] = { "grs_version=test" };
    m.k = 2; m.n_assign = 2; m.n_vars = 3; m.n_ref = 22; m.p_threshold = 1e-10;
    m.chrom = chrom; m.id = id; m.ref = ref; m.alt = alt; m.pos = pos; m.freq = freq; m.scale = scale;
    m.V = V; m.eigval = eig; m.shrink = shr; m.n_pops = 2; m.pops = pops; m.prov = prov; m.n_prov = 1;
    CHECK(grs_pca_model_write(&m, fn) == GRS_OK, "write");
    grs_pca_model_t *r = NULL;
    CHECK(grs_pca_model_read(fn, &r) == GRS_OK, "read");
    if (r) {
        CHECK(r->k == 2 && r->n_assign == 2 && r->n_vars == 3 && r->n_ref == 22 && r->n_pops == 2, "sizes");
        CHECK(!memcmp(r->V, V, sizeof(V)) && !memcmp(r->freq, freq, sizeof(freq)) && !memcmp(r->scale, scale, sizeof(scale)),
              "doubles round trip");
        CHECK(!memcmp(r->eigval, eig, sizeof(eig)) && !memcmp(r->shrink, shr, sizeof(shr)), "eigval/shrinkage");
        CHECK(!strcmp(r->pops[1].name, "EUR") && !memcmp(r->pops[1].cov, cov + 4, 4 * sizeof(double)), "population");
        CHECK(!strcmp(r->id[1], ".") && r->pos[2] == 300 && !strcmp(r->chrom[2], "22"), "variant table");
        grs_pca_model_destroy(r);
    }
    /* newer version, truncation */
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "sed '1s/=1$/=9/' %s > %s", fn, fn2);
    CHECK(system(cmd) == 0, "sed");
    r = NULL;
    CHECK(grs_pca_model_read(fn2, &r) == GRS_EUNSUPPORTED && !r, "newer version refused");
    snprintf(cmd, sizeof(cmd), "head -n -2 %s > %s", fn, fn2);
    CHECK(system(cmd) == 0, "head");
    CHECK(grs_pca_model_read(fn2, &r) == GRS_EFORMAT && !r, "truncated model refused");
    unlink(fn);
    unlink(fn2);
}

static void test_assign(void)
{
    double mean[4] = { 0, 0, 5, 5 }, cov[8] = { 1, 0, 0, 1, 1, 0.5, 0.5, 1 }, p[2];
    grs_pca_pop_t pops[2] = { { "A", 10, mean, cov }, { "B", 10, mean + 2, cov + 4 } };
    double x[2] = { 4.5, 5.5 };
    int b = grs_pca_pops_assign(x, pops, 2, 2, p);
    /* B: d = (-0.5, 0.5), inverse of [[1, .5], [.5, 1]] is [[4/3, -2/3], [-2/3, 4/3]] -> d2 = 1 */
    CHECK(b == 1, "assigned to B");
    CHECK(fabs(p[1] - grs_pca_chi2_sf(1.0, 1)) < 1e-15, "P(B) = chi2.sf(1, 1): %.17g", p[1]);
    CHECK(fabs(p[0] - grs_pca_chi2_sf(4.5 * 4.5 + 5.5 * 5.5, 1)) < 1e-300 + 1e-12 * p[0], "P(A)");
}

int main(void)
{
    openblas_set_num_threads(1);
    test_chi2();
    test_lrld();
    test_rsvd();
    test_model();
    test_assign();
    return check_done("test_pca");
}
