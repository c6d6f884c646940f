/* test_enet.c -- the elastic-net ops (grs/enet.h arithmetic, reference/enet.c genotype-block
 * ops, host/enet.c path fitting), each against a dense double computation written here:
 *   - soft-thresholding and the coordinate update (subgradient optimality of the 1-D problem);
 *   - the on-the-fly standardization of 2-bit columns: every code pattern of 1..5 samples
 *     (exhaustive), then random columns across a GRS_ENET_BLOCK boundary, for moments, dot,
 *     sqdot and axpy (weighted and unweighted), against a densified copy;
 *   - the training standardization of grs_enet_fit (mean of called genotypes, 1/n SD of the
 *     mean-imputed column over the training samples, constant column -> scale 0);
 *   - λ_max (max_j |x̃_jᵀ v(y - ȳ)| / (vp_j α)) with all coefficients zero there;
 *   - KKT conditions at every λ of small gaussian and binomial problems, α ∈ {1, 0.5}, with a
 *     genotype block, a dense block (NaN) and an unpenalized column;
 *   - warm starts: a path's solution at λ_k equals a cold fit at λ_k alone, in fewer sweeps;
 *   - determinism: thread counts 1 and 3 give bit-identical ops and paths;
 *   - the fused coordinate-descent step (axpy_dot) is bit-identical to axpy then dot. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "enet.h"
#include "grs/enet.h"
#include "grs/geno.h"
#include "grs/log.h"
#include "grs/status.h"
#include "../../reference/reference.h"

static int close_rel(double a, double b, double tol) { return fabs(a - b) <= tol * fmax(1, fabs(b)); }

/* ---- packed rows ------------------------------------------------------------------------- */
static uint32_t *pack_row(const uint8_t *code, int64_t n)
{
    int64_t bytes = grs_geno_row_bytes(n);
    uint32_t *row = (uint32_t *)malloc(bytes);
    if (!row) abort();
    memset(row, 0xff, bytes);                       /* padding codes are 3 */
    for (int64_t s = 0; s < n; s++) {
        uint32_t sh = 2 * (uint32_t)(s % GRS_GENO_PER_WORD);
        row[s / GRS_GENO_PER_WORD] = (row[s / GRS_GENO_PER_WORD] & ~(3u << sh)) | ((uint32_t)code[s] << sh);
    }
    return row;
}

typedef struct {
    int64_t n, m;
    uint8_t *code;           /* m × n codes, column j at code + j*n */
    uint32_t **rows;
} cols_t;

static void cols_free(cols_t *c)
{
    for (int64_t j = 0; j < c->m; j++) free(c->rows[j]);
    free(c->rows); free(c->code);
}

static void cols_pack(cols_t *c)
{
    c->rows = (uint32_t **)malloc(c->m * sizeof(uint32_t *));
    for (int64_t j = 0; j < c->m; j++) c->rows[j] = pack_row(c->code + j * c->n, c->n);
}

/* every code pattern of n samples (4^n columns) */
static void cols_all(cols_t *c, int64_t n)
{
    c->n = n; c->m = 1;
    for (int64_t i = 0; i < n; i++) c->m *= 4;
    c->code = (uint8_t *)malloc(c->m * n);
    for (int64_t j = 0; j < c->m; j++) {
        int64_t x = j;
        for (int64_t s = 0; s < n; s++, x /= 4) c->code[j * n + s] = (uint8_t)(x % 4);
    }
    cols_pack(c);
}

/* random columns: ALT frequency per column, missing with probability miss */
static void cols_random(cols_t *c, int64_t n, int64_t m, double miss, uint64_t *seed)
{
    c->n = n; c->m = m;
    c->code = (uint8_t *)malloc(m * n);
    for (int64_t j = 0; j < m; j++) {
        double f = 0.05 + 0.45 * rng_unif(seed);
        for (int64_t s = 0; s < n; s++) {
            uint8_t k = (uint8_t)((rng_unif(seed) < f) + (rng_unif(seed) < f));
            c->code[j * n + s] = rng_unif(seed) < miss ? 3 : k;
        }
    }
    cols_pack(c);
}

static double dense_x(const cols_t *c, int64_t j, int64_t s, const double *center, const double *inv)
{
    uint8_t k = c->code[j * c->n + s];
    return k == 3 ? 0.0 : ((double)k - center[j]) * inv[j];
}

/* ---- 1. soft-thresholding and the coordinate update ------------------------------------- */
static void test_scalar(void)
{
    static const double zs[] = { -3, -1.5, -1, -0.5, -1e-300, 0, 1e-300, 0.25, 0.5, 1, 2.75, 1e6 };
    static const double ls[] = { 0, 1e-12, 0.25, 0.5, 1, 3 };
    for (size_t a = 0; a < sizeof(zs) / sizeof(*zs); a++)
        for (size_t b = 0; b < sizeof(ls) / sizeof(*ls); b++) {
            double z = zs[a], l = ls[b], s = grs_enet_soft_threshold(z, l);
            double want = (z > 0 ? 1 : z < 0 ? -1 : 0) * fmax(fabs(z) - l, 0);
            CHECK(s == want, "S(%g, %g) = %g, want %g", z, l, s, want);
            CHECK(fabs(z) > l || s == 0, "S(%g, %g) = %g must be 0", z, l, s);
        }
    /* S(u, l1)/(xv + l2) minimizes f(b) = ½ xv b² - u b + l1 |b| + ½ l2 b²: check the subgradient
     * condition and that no nearby point is lower */
    static const double xvs[] = { 0.1, 1, 2.5 }, l2s[] = { 0, 0.3 };
    for (size_t a = 0; a < sizeof(zs) / sizeof(*zs) - 1; a++)
        for (size_t b = 0; b < sizeof(ls) / sizeof(*ls); b++)
            for (size_t c = 0; c < 3; c++)
                for (size_t d = 0; d < 2; d++) {
                    double u = zs[a], l1 = ls[b], xv = xvs[c], l2 = l2s[d];
                    double bb = grs_enet_coord_update(u, xv, l1, l2);
                    if (bb != 0) {
                        double g = (xv + l2) * bb - u + l1 * (bb > 0 ? 1 : -1);
                        CHECK(fabs(g) < 1e-12 * fmax(1, fabs(u)), "u %g l1 %g xv %g l2 %g: b %g grad %g", u, l1, xv, l2, bb, g);
                    } else {
                        CHECK(fabs(u) <= l1, "u %g l1 %g: b = 0 but |u| > l1", u, l1);
                    }
                    double f0 = 0.5 * (xv + l2) * bb * bb - u * bb + l1 * fabs(bb);
                    for (double h = -1e-3; h <= 1e-3; h += 2.5e-4) {
                        double x = bb + h, f = 0.5 * (xv + l2) * x * x - u * x + l1 * fabs(x);
                        CHECK(f >= f0 - 1e-15 * fmax(1, fabs(f0)), "not a minimum: f(%g) = %.17g < f(%g) = %.17g", x, f, bb, f0);
                    }
                }
    /* x̃ of each code */
    CHECK(grs_enet_std_value(0, 0.5, 2) == -1.0, "code 0");
    CHECK(grs_enet_std_value(1, 0.5, 2) == 1.0, "code 1");
    CHECK(grs_enet_std_value(2, 0.5, 2) == 3.0, "code 2");
    CHECK(grs_enet_std_value(GRS_GENO_MISSING, 0.5, 2) == 0.0, "missing -> 0 (the mean)");
    CHECK(grs_enet_std_value(2, 1.0, 0) == 0.0, "constant column -> 0");
}

/* ---- 2. reference ops against a densified copy ------------------------------------------- */
/* all four ops on columns c, with weights w / r / coefficient vectors drawn from seed */
static void check_ops(const cols_t *c, int n_threads, uint64_t *seed, const char *what)
{
    const int64_t n = c->n, m = c->m;
    double *mom = (double *)malloc(3 * m * sizeof(double)), *momw = (double *)malloc(3 * m * sizeof(double));
    double *w = (double *)malloc(n * sizeof(double)), *r = (double *)malloc(n * sizeof(double));
    double *center = (double *)malloc(m * sizeof(double)), *inv = (double *)malloc(m * sizeof(double));
    double *out = (double *)malloc(m * sizeof(double)), *a = (double *)malloc(m * sizeof(double));
    double *acc = (double *)malloc(n * sizeof(double)), *acc2 = (double *)malloc(n * sizeof(double));
    int64_t *idx = (int64_t *)malloc(m * sizeof(int64_t));
    for (int64_t s = 0; s < n; s++) { w[s] = rng_unif(seed) < 0.2 ? 0.0 : rng_unif(seed); r[s] = rng_unif(seed) - 0.5; }
    for (int64_t j = 0; j < m; j++) idx[j] = m - 1 - j;   /* columns in reverse order */
    grs_enet_geno_t g = { n, m, (const uint32_t *const *)c->rows, center, inv, n_threads };

    /* moments: exact integer counts unweighted, weighted sums otherwise */
    CHECK(grs_ref_enet_moments(&g, NULL, mom) == GRS_OK, "moments");
    CHECK(grs_ref_enet_moments(&g, w, momw) == GRS_OK, "moments w");
    int64_t bad = 0, badw = 0;
    for (int64_t j = 0; j < m; j++) {
        double e[3] = { 0, 0, 0 }, ew[3] = { 0, 0, 0 };
        for (int64_t s = 0; s < n; s++) {
            uint8_t k = c->code[j * n + s];
            if (k == 3) continue;
            e[0] += 1; e[1] += k; e[2] += k * k;
            ew[0] += w[s]; ew[1] += w[s] * k; ew[2] += w[s] * k * k;
        }
        bad += mom[3 * j] != e[0] || mom[3 * j + 1] != e[1] || mom[3 * j + 2] != e[2];
        for (int i = 0; i < 3; i++) badw += !close_rel(momw[3 * j + i], ew[i], 1e-13);
        /* the training standardization from the moments (as host/enet.c does), all samples */
        double mean = e[0] > 0 ? e[1] / e[0] : 0, var = e[0] > 0 ? (e[2] - e[1] * mean) / (double)n : 0;
        center[j] = mean;
        inv[j] = var > 1e-14 ? 1 / sqrt(var) : 0;
    }
    CHECK(bad == 0, "%s: %lld columns with wrong unweighted moments", what, (long long)bad);
    CHECK(badw == 0, "%s: %lld weighted moments off", what, (long long)badw);

    /* the mean-imputed, standardized dense column has mean 0 and 1/n variance 1 (or is 0) */
    int64_t badstd = 0;
    for (int64_t j = 0; j < m; j++) {
        double s1 = 0, s2 = 0;
        for (int64_t s = 0; s < n; s++) { double x = dense_x(c, j, s, center, inv); s1 += x; s2 += x * x; }
        badstd += fabs(s1) > 1e-9 * n || (inv[j] > 0 ? fabs(s2 / n - 1) > 1e-9 : s2 != 0);
    }
    CHECK(badstd == 0, "%s: %lld columns not standardized", what, (long long)badstd);

    /* dot, sqdot (c and NULL), over the columns in a permuted order */
    int64_t bd = 0, bs = 0, bs1 = 0;
    CHECK(grs_ref_enet_dot(&g, idx, m, r, out) == GRS_OK, "dot");
    for (int64_t k = 0; k < m; k++) {
        double e = 0, mag = 0;
        for (int64_t s = 0; s < n; s++) { double t = r[s] * dense_x(c, idx[k], s, center, inv); e += t; mag += fabs(t); }
        bd += fabs(out[k] - e) > 1e-13 * fmax(1, mag);
    }
    CHECK(grs_ref_enet_sqdot(&g, idx, m, w, out) == GRS_OK, "sqdot");
    for (int64_t k = 0; k < m; k++) {
        double e = 0;
        for (int64_t s = 0; s < n; s++) { double x = dense_x(c, idx[k], s, center, inv); e += w[s] * x * x; }
        bs += !close_rel(out[k], e, 1e-13);
    }
    CHECK(grs_ref_enet_sqdot(&g, idx, m, NULL, out) == GRS_OK, "sqdot NULL");
    for (int64_t k = 0; k < m; k++) {
        double e = 0;
        for (int64_t s = 0; s < n; s++) { double x = dense_x(c, idx[k], s, center, inv); e += x * x; }
        bs1 += !close_rel(out[k], e, 1e-13);
    }
    CHECK(bd == 0, "%s: %lld dot products off", what, (long long)bd);
    CHECK(bs == 0, "%s: %lld weighted sqdots off", what, (long long)bs);
    CHECK(bs1 == 0, "%s: %lld sqdots off", what, (long long)bs1);

    /* axpy with c and without, some coefficients 0 */
    for (int cw = 0; cw < 2; cw++) {
        for (int64_t k = 0; k < m; k++) a[k] = rng_unif(seed) < 0.3 ? 0.0 : rng_unif(seed) - 0.5;
        for (int64_t s = 0; s < n; s++) acc[s] = acc2[s] = r[s];
        CHECK(grs_ref_enet_axpy(&g, idx, m, a, cw ? w : NULL, acc) == GRS_OK, "axpy");
        int64_t ba = 0;
        for (int64_t s = 0; s < n; s++) {
            double mag = fabs(acc2[s]);
            for (int64_t k = 0; k < m; k++) {
                double t = a[k] * (cw ? w[s] : 1.0) * dense_x(c, idx[k], s, center, inv);
                acc2[s] += t; mag += fabs(t);
            }
            ba += fabs(acc[s] - acc2[s]) > 1e-13 * fmax(1, mag);
        }
        CHECK(ba == 0, "%s: axpy (c %s) off at %lld samples", what, cw ? "w" : "NULL", (long long)ba);
    }
    free(mom); free(momw); free(w); free(r); free(center); free(inv); free(out); free(a);
    free(acc); free(acc2); free(idx);
}

static void test_ops(void)
{
    uint64_t seed = 11;
    for (int64_t n = 1; n <= 5; n++) {            /* exhaustive: every column of n codes */
        cols_t c;
        char what[32];
        cols_all(&c, n);
        snprintf(what, sizeof(what), "all codes, n=%lld", (long long)n);
        check_ops(&c, 1, &seed, what);
        cols_free(&c);
    }
    /* random columns whose samples span two GRS_ENET_BLOCK blocks plus a tail of 3 */
    cols_t c;
    cols_random(&c, GRS_ENET_BLOCK + 7, 9, 0.05, &seed);
    check_ops(&c, 1, &seed, "two blocks");
    cols_free(&c);
}

/* ---- 3. determinism of the ops: thread counts give bit-identical results ------------------ */
static void test_ops_threads(void)
{
    uint64_t seed = 5;
    cols_t c;
    const int64_t n = 8205, m = 500;   /* n·m > 4e6: the ops use threads; several blocks and a tail */
    cols_random(&c, n, m, 0.01, &seed);
    double *center = (double *)malloc(m * sizeof(double)), *inv = (double *)malloc(m * sizeof(double));
    double *r = (double *)malloc(n * sizeof(double)), *a = (double *)malloc(m * sizeof(double));
    double *o1 = (double *)malloc(3 * m * sizeof(double)), *o3 = (double *)malloc(3 * m * sizeof(double));
    double *e1 = (double *)calloc(n, sizeof(double)), *e3 = (double *)calloc(n, sizeof(double));
    int64_t *idx = (int64_t *)malloc(m * sizeof(int64_t));
    for (int64_t j = 0; j < m; j++) { center[j] = 0.3 + j * 1e-3; inv[j] = 1.1; idx[j] = j; a[j] = rng_unif(&seed) - 0.5; }
    for (int64_t s = 0; s < n; s++) r[s] = rng_unif(&seed) - 0.5;
    grs_enet_geno_t g1 = { n, m, (const uint32_t *const *)c.rows, center, inv, 1 }, g3 = g1;
    g3.n_threads = 3;
    CHECK(grs_ref_enet_dot(&g1, idx, m, r, o1) == 0 && grs_ref_enet_dot(&g3, idx, m, r, o3) == 0, "dot");
    CHECK(!memcmp(o1, o3, m * sizeof(double)), "dot depends on the thread count");
    CHECK(grs_ref_enet_sqdot(&g1, idx, m, r, o1) == 0 && grs_ref_enet_sqdot(&g3, idx, m, r, o3) == 0, "sqdot");
    CHECK(!memcmp(o1, o3, m * sizeof(double)), "sqdot depends on the thread count");
    CHECK(grs_ref_enet_moments(&g1, r, o1) == 0 && grs_ref_enet_moments(&g3, r, o3) == 0, "moments");
    CHECK(!memcmp(o1, o3, 3 * m * sizeof(double)), "moments depend on the thread count");
    CHECK(grs_ref_enet_axpy(&g1, idx, m, a, r, e1) == 0 && grs_ref_enet_axpy(&g3, idx, m, a, r, e3) == 0, "axpy");
    CHECK(!memcmp(e1, e3, n * sizeof(double)), "axpy depends on the thread count");

    /* the fused coordinate-descent step equals axpy then dot, bit for bit, with and without c */
    int64_t bad_fused = 0;
    double *wv = (double *)malloc(n * sizeof(double));
    for (int64_t s = 0; s < n; s++) wv[s] = 0.25 * rng_unif(&seed);
    for (int cw = 0; cw < 2; cw++)
        for (int64_t k = 0; k + 1 < 40; k++) {
            int64_t ja = idx[k], jd = idx[(k * 7 + 3) % m];
            double want, got, aa = a[k];
            for (int64_t s = 0; s < n; s++) e1[s] = e3[s] = r[s];
            CHECK(grs_ref_enet_axpy(&g1, &ja, 1, &aa, cw ? wv : NULL, e1) == 0 &&
                  grs_ref_enet_dot(&g1, &jd, 1, e1, &want) == 0, "axpy, dot");
            CHECK(grs_ref_enet_axpy_dot(&g1, ja, aa, cw ? wv : NULL, jd, e3, &got) == 0, "axpy_dot");
            bad_fused += memcmp(&want, &got, sizeof(double)) != 0 || memcmp(e1, e3, n * sizeof(double)) != 0;
        }
    CHECK(bad_fused == 0, "%lld fused axpy_dot steps differ from axpy then dot", (long long)bad_fused);

    /* the AVX2 kernels give the portable loops' bits (dot, axpy, axpy_dot), and the sample-range
     * ops of the coordinate-descent threads add up, block partials in order, to the whole ops */
    int64_t bad_simd = 0, bad_part = 0;
    const int64_t nblk = (n + GRS_ENET_BLOCK - 1) / GRS_ENET_BLOCK, cut = 3 * GRS_ENET_BLOCK;
    double *part = (double *)malloc(nblk * sizeof(double)), *e4 = (double *)malloc(n * sizeof(double));
    for (int cw = 0; cw < 2; cw++)
        for (int64_t k = 0; k < 20; k++) {
            int64_t ja = idx[k], jd = idx[(k * 5 + 1) % m];
            double aa = a[k], d_simd, d_port, f_simd, f_port, total;
            grs_ref_enet_use_simd(0);
            for (int64_t s = 0; s < n; s++) e1[s] = e3[s] = r[s];
            CHECK(grs_ref_enet_dot(&g1, &jd, 1, r, &d_port) == 0 && grs_ref_enet_axpy_dot(&g1, ja, aa, cw ? wv : NULL, jd, e1, &f_port) == 0 &&
                  grs_ref_enet_axpy(&g1, &ja, 1, &aa, cw ? wv : NULL, e1) == 0, "portable ops");
            grs_ref_enet_use_simd(1);
            CHECK(grs_ref_enet_dot(&g1, &jd, 1, r, &d_simd) == 0 && grs_ref_enet_axpy_dot(&g1, ja, aa, cw ? wv : NULL, jd, e3, &f_simd) == 0 &&
                  grs_ref_enet_axpy(&g1, &ja, 1, &aa, cw ? wv : NULL, e3) == 0, "simd ops");
            bad_simd += memcmp(&d_port, &d_simd, sizeof(double)) != 0 || memcmp(&f_port, &f_simd, sizeof(double)) != 0 ||
                        memcmp(e1, e3, n * sizeof(double)) != 0;
            /* ranges [0, cut) and [cut, n), as two coordinate-descent threads take them */
            for (int64_t s = 0; s < n; s++) e4[s] = r[s];
            grs_ref_enet_dot_part(&g1, jd, r, 0, cut, part);
            grs_ref_enet_dot_part(&g1, jd, r, cut, n, part + 3);
            total = 0;
            for (int64_t b = 0; b < nblk; b++) total += part[b];
            bad_part += memcmp(&total, &d_simd, sizeof(double)) != 0;
            grs_ref_enet_axpy_dot_part(&g1, ja, aa, cw ? wv : NULL, jd, e4, cut, n, part + 3);
            grs_ref_enet_axpy_dot_part(&g1, ja, aa, cw ? wv : NULL, jd, e4, 0, cut, part);
            total = 0;
            for (int64_t b = 0; b < nblk; b++) total += part[b];
            bad_part += memcmp(&total, &f_simd, sizeof(double)) != 0;
            grs_ref_enet_axpy_range(&g1, ja, aa, cw ? wv : NULL, cut, n, e4);
            grs_ref_enet_axpy_range(&g1, ja, aa, cw ? wv : NULL, 0, cut, e4);
            bad_part += memcmp(e4, e3, n * sizeof(double)) != 0;
        }
    CHECK(bad_simd == 0, "%lld AVX2 results differ from the portable loops'", (long long)bad_simd);
    CHECK(bad_part == 0, "%lld sample-range results differ from the whole-column ops", (long long)bad_part);
    free(part); free(e4);
    free(wv);
    free(center); free(inv); free(r); free(a); free(o1); free(o3); free(e1); free(e3); free(idx);
    cols_free(&c);
}

/* ---- 4. path fitting: a small problem with a genotype block and a dense block ------------ */
typedef struct {
    cols_t c;                  /* genotype block */
    int64_t n, nd;
    double *dense, *y, *w;     /* dense n × nd (column-major, NaN), response, training weights */
} prob_t;

static void prob_make(prob_t *P, int64_t n, int64_t G, int binomial, uint64_t seed)
{
    P->n = n; P->nd = 3;
    cols_random(&P->c, n, G, 0.03, &seed);
    /* one constant (monomorphic) genotype column */
    for (int64_t s = 0; s < n; s++) P->c.code[2 * n + s] = s % 7 == 3 ? 3 : 1;
    free(P->c.rows[2]); P->c.rows[2] = pack_row(P->c.code + 2 * n, n);
    P->dense = (double *)malloc(n * P->nd * sizeof(double));
    P->y = (double *)malloc(n * sizeof(double));
    P->w = (double *)malloc(n * sizeof(double));
    for (int64_t s = 0; s < n; s++) {
        for (int64_t k = 0; k < P->nd; k++) P->dense[k * n + s] = 3 * rng_unif(&seed) + k;
        if (s % 11 == 5) P->dense[n + s] = NAN;
        double lp = 0.8 * (P->c.code[0 * n + s] % 3) - 0.6 * (P->c.code[4 * n + s] % 3) + 0.5 * P->dense[s]
                    + 0.7 * (rng_unif(&seed) - 0.5) - 1.2;
        P->y[s] = binomial ? (rng_unif(&seed) < 1 / (1 + exp(-lp)) ? 1.0 : 0.0) : lp;
        P->w[s] = s % 5 == 2 ? 0.0 : 1.0;   /* a fifth of the samples held out */
    }
}

static void prob_free(prob_t *P) { cols_free(&P->c); free(P->dense); free(P->y); free(P->w); }

static grs_enet_data_t prob_data(const prob_t *P, int n_threads)
{
    grs_enet_data_t d = { P->n, P->c.m, (const uint32_t *const *)P->c.rows, P->nd, P->dense, P->y, NULL, n_threads };
    return d;
}

/* dense x̃ of feature j of the problem with this standardization */
static double prob_x(const prob_t *P, int64_t j, int64_t s, const double *center, const double *scale)
{
    double inv = scale[j] > 0 ? 1 / scale[j] : 0;
    if (j < P->c.m) { uint8_t k = P->c.code[j * P->n + s]; return k == 3 ? 0 : (k - center[j]) * inv; }
    double x = P->dense[(j - P->c.m) * P->n + s];
    return isnan(x) ? 0 : (x - center[j]) * inv;
}

/* the training standardization, computed densely, must match the path's */
static void check_standardization(const prob_t *P, const grs_enet_path_t *p)
{
    int64_t bad = 0;
    for (int64_t j = 0; j < p->n_features; j++) {
        double m0 = 0, m1 = 0, ss = 0, ntr = 0;
        for (int64_t s = 0; s < P->n; s++) {
            if (P->w[s] <= 0) continue;
            ntr++;
            double x = j < P->c.m ? (P->c.code[j * P->n + s] == 3 ? NAN : P->c.code[j * P->n + s])
                                  : P->dense[(j - P->c.m) * P->n + s];
            if (!isnan(x)) { m0++; m1 += x; }
        }
        double mean = m1 / m0;
        for (int64_t s = 0; s < P->n; s++) {
            if (P->w[s] <= 0) continue;
            double x = j < P->c.m ? (P->c.code[j * P->n + s] == 3 ? NAN : P->c.code[j * P->n + s])
                                  : P->dense[(j - P->c.m) * P->n + s];
            if (!isnan(x)) ss += (x - mean) * (x - mean);   /* imputed cells add 0 */
        }
        double sd = sqrt(ss / ntr);
        if (j == 2) { bad += p->scale[j] != 0; continue; }   /* the constant column */
        bad += !close_rel(p->center[j], mean, 1e-12) || !close_rel(p->scale[j], sd, 1e-12);
    }
    CHECK(bad == 0, "%lld features standardized differently from the dense computation", (long long)bad);
    CHECK(p->n_train == 4 * P->n / 5 + (P->n % 5 > 2), "n_train %lld", (long long)p->n_train);
}

/* KKT at every λ: dense gradient g_j = Σ v (y - μ) x̃_j; nonzero β_j: g_j = λ vp_j ((1-α) rs β_j
 * + α sign β_j); zero β_j: |g_j| <= λ α vp_j; and Σ v (y - μ) = 0 (the intercept) */
static void check_kkt(const prob_t *P, const grs_enet_path_t *p, double alpha, const char *what)
{
    const int64_t n = P->n, F = p->n_features;
    double *eta = (double *)malloc(n * sizeof(double)), *b = (double *)malloc(F * sizeof(double));
    double ntr = (double)p->n_train, ybar = 0, yvar = 0;
    for (int64_t s = 0; s < n; s++) if (P->w[s] > 0) ybar += P->y[s] / ntr;
    for (int64_t s = 0; s < n; s++) if (P->w[s] > 0) yvar += (P->y[s] - ybar) * (P->y[s] - ybar) / ntr;
    double rs = p->family == GRS_ENET_GAUSSIAN ? 1 / sqrt(yvar) : 1;
    int64_t bad = 0, nnz_max = 0;
    double worst = 0;
    for (int64_t l = 0; l < p->n_lambda; l++) {
        double lam = p->lambda[l];
        memset(b, 0, F * sizeof(double));
        for (int64_t k = p->nnz_off[l]; k < p->nnz_off[l + 1]; k++) b[p->idx[k]] = p->beta_std[k];
        if (p->nnz_off[l + 1] - p->nnz_off[l] > nnz_max) nnz_max = p->nnz_off[l + 1] - p->nnz_off[l];
        for (int64_t s = 0; s < n; s++) {
            eta[s] = p->a0_std[l];
            for (int64_t j = 0; j < F; j++) if (b[j] != 0) eta[s] += b[j] * prob_x(P, j, s, p->center, p->scale);
        }
        double gi = 0;
        for (int64_t s = 0; s < n; s++) {
            if (P->w[s] <= 0) continue;
            double mu = p->family == GRS_ENET_GAUSSIAN ? eta[s] : 1 / (1 + exp(-eta[s]));
            eta[s] = (P->y[s] - mu) / ntr;   /* now v (y - μ) */
        }
        for (int64_t s = 0; s < n; s++) if (P->w[s] > 0) gi += eta[s];
        bad += fabs(gi) > 1e-6;
        for (int64_t j = 0; j < F; j++) {
            if (p->scale[j] == 0) { bad += b[j] != 0; continue; }
            double g = 0;
            for (int64_t s = 0; s < n; s++) if (P->w[s] > 0) g += eta[s] * prob_x(P, j, s, p->center, p->scale);
            double l1 = lam * alpha * p->vp[j], v;
            if (b[j] != 0) v = fabs(g - lam * p->vp[j] * ((1 - alpha) * rs * b[j] + alpha * (b[j] > 0 ? 1 : -1)));
            else v = fabs(g) - l1 > 0 ? fabs(g) - l1 : 0;
            if (v > worst) worst = v;
            /* the convergence rule (max_j xv_j Δβ_j² < tol = 1e-14) leaves a coordinate's gradient
             * off by about sqrt(xv·tol) <= 1e-7 (gradients here are 1e-3 .. 1e-1) */
            bad += v > 1e-7;
        }
    }
    CHECK(bad == 0, "%s: %lld KKT violations (worst %.3g)", what, (long long)bad, worst);
    CHECK(nnz_max > 3, "%s: the path never gets past %lld nonzeros", what, (long long)nnz_max);
    free(eta); free(b);
}

static void test_fit(int binomial, double alpha)
{
    prob_t P;
    char what[64];
    snprintf(what, sizeof(what), "%s alpha %g", binomial ? "binomial" : "gaussian", alpha);
    prob_make(&P, 120, 10, binomial, binomial ? 21 : 22);
    grs_enet_data_t d = prob_data(&P, 1);
    double pf[13] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.5, 1, 0 };   /* last dense column unpenalized */
    grs_enet_opts_t o = { binomial ? GRS_ENET_BINOMIAL : GRS_ENET_GAUSSIAN, alpha, 12, 0.02, NULL, 0, pf, 1e-14, 100000 };
    grs_enet_path_t *p = NULL;
    CHECK(grs_enet_fit(&d, P.w, &o, &p) == GRS_OK, "%s: fit", what);
    if (!p) { prob_free(&P); return; }
    CHECK(p->n_lambda == 12 && p->n_features == 13 && p->n_geno == 10, "%s: shape", what);
    check_standardization(&P, p);

    /* penalty factors rescaled to sum to the number of features */
    double vs = 0;
    for (int64_t j = 0; j < 13; j++) vs += p->vp[j];
    CHECK(close_rel(vs, 13, 1e-14) && p->vp[12] == 0 && close_rel(p->vp[10], 0.5 * p->vp[0], 1e-14), "%s: vp", what);

    /* λ_max: the largest |x̃ᵀ v (y - μ0)| / vp over penalized features, / α, with μ0 the fit of
     * the unpenalized part alone (the intercept and the vp = 0 column), computed densely */
    {
        /* the unpenalized fit at λ_max is stored at l = 0 (every penalized β is 0 there) */
        int64_t nz_pen = 0;
        for (int64_t k = p->nnz_off[0]; k < p->nnz_off[1]; k++) nz_pen += p->vp[p->idx[k]] > 0;
        CHECK(nz_pen == 0, "%s: %lld penalized coefficients nonzero at lambda_max", what, (long long)nz_pen);
        double ntr = (double)p->n_train, lmax = 0, b12 = 0;
        for (int64_t k = p->nnz_off[0]; k < p->nnz_off[1]; k++) if (p->idx[k] == 12) b12 = p->beta_std[k];
        for (int64_t j = 0; j < 12; j++) {
            if (p->scale[j] == 0) continue;
            double g = 0;
            for (int64_t s = 0; s < P.n; s++) {
                if (P.w[s] <= 0) continue;
                double e = p->a0_std[0] + b12 * prob_x(&P, 12, s, p->center, p->scale);
                double mu = binomial ? 1 / (1 + exp(-e)) : e;
                g += (P.y[s] - mu) / ntr * prob_x(&P, j, s, p->center, p->scale);
            }
            if (fabs(g) / p->vp[j] > lmax) lmax = fabs(g) / p->vp[j];
        }
        lmax /= alpha;
        CHECK(close_rel(p->lambda[0], lmax, 1e-9), "%s: lambda_max %.17g, dense %.17g", what, p->lambda[0], lmax);
        CHECK(close_rel(p->lambda[11], 0.02 * lmax, 1e-9), "%s: lambda_min", what);
        for (int64_t l = 1; l < 12; l++)
            CHECK(close_rel(p->lambda[l] / p->lambda[l - 1], pow(0.02, 1.0 / 11), 1e-12), "%s: log-spaced path", what);
        /* just below λ_max a penalized feature enters */
        double lam2[2] = { lmax, lmax * 0.97 };
        grs_enet_opts_t o2 = o;
        o2.lambda = lam2; o2.n_lambda = 2;
        grs_enet_path_t *q = NULL;
        CHECK(grs_enet_fit(&d, P.w, &o2, &q) == GRS_OK, "%s: fit below lambda_max", what);
        if (q) {
            int64_t nzp = 0;
            for (int64_t k = q->nnz_off[1]; k < q->nnz_off[2]; k++) nzp += q->vp[q->idx[k]] > 0;
            CHECK(nzp >= 1, "%s: nothing enters below lambda_max", what);
        }
        grs_enet_path_destroy(q);
    }

    check_kkt(&P, p, alpha, what);

    /* objective as documented: dev/2 + λ Σ vp ((1-α)/2 β² + α|β|) */
    for (int64_t l = 0; l < p->n_lambda; l++) {
        double pen = 0;
        for (int64_t k = p->nnz_off[l]; k < p->nnz_off[l + 1]; k++) {
            double bj = p->beta_std[k];
            pen += p->vp[p->idx[k]] * ((1 - alpha) / 2 * bj * bj + alpha * fabs(bj));
        }
        CHECK(close_rel(p->objective[l], p->deviance[l] / 2 + p->lambda[l] * pen, 1e-12), "%s: objective at %lld", what, (long long)l);
    }

    /* predict: η = a0 + Σ β x̃, every sample (held-out ones too) */
    {
        double *eta = (double *)malloc(P.n * sizeof(double));
        int64_t l = 8, bad = 0;
        CHECK(grs_enet_predict(&d, p, l, eta) == GRS_OK, "%s: predict", what);
        for (int64_t s = 0; s < P.n; s++) {
            double e = p->a0_std[l];
            for (int64_t k = p->nnz_off[l]; k < p->nnz_off[l + 1]; k++)
                e += p->beta_std[k] * prob_x(&P, p->idx[k], s, p->center, p->scale);
            bad += !close_rel(eta[s], e, 1e-12);
        }
        CHECK(bad == 0, "%s: predict differs from the dense linear predictor at %lld samples", what, (long long)bad);
        free(eta);
    }

    /* warm starts: the solution at λ_k of the path equals a cold fit of λ_k alone, and the warm
     * step from λ_{k-1} costs fewer sweeps than the cold fit */
    {
        int64_t k = 9;
        grs_enet_opts_t oc = o;
        grs_enet_path_t *cold = NULL, *w1 = NULL, *w2 = NULL;
        oc.lambda = p->lambda + k; oc.n_lambda = 1;
        CHECK(grs_enet_fit(&d, P.w, &oc, &cold) == GRS_OK, "%s: cold fit", what);
        oc.lambda = p->lambda; oc.n_lambda = k;
        CHECK(grs_enet_fit(&d, P.w, &oc, &w1) == GRS_OK, "%s: path to k-1", what);
        oc.n_lambda = k + 1;
        CHECK(grs_enet_fit(&d, P.w, &oc, &w2) == GRS_OK, "%s: path to k", what);
        if (cold && w1 && w2) {
            CHECK(close_rel(cold->objective[0], p->objective[k], 1e-10), "%s: cold objective %.17g, warm %.17g",
                  what, cold->objective[0], p->objective[k]);
            double *bw = (double *)calloc(13, sizeof(double)), *bc = (double *)calloc(13, sizeof(double)), dmax = 0;
            for (int64_t i = p->nnz_off[k]; i < p->nnz_off[k + 1]; i++) bw[p->idx[i]] = p->beta_std[i];
            for (int64_t i = cold->nnz_off[0]; i < cold->nnz_off[1]; i++) bc[cold->idx[i]] = cold->beta_std[i];
            for (int64_t j = 0; j < 13; j++) dmax = fmax(dmax, fabs(bw[j] - bc[j]));
            CHECK(dmax < 1e-6, "%s: cold and warm coefficients differ by %.3g", what, dmax);
            int64_t warm = w2->n_sweeps - w1->n_sweeps;
            CHECK(warm < cold->n_sweeps, "%s: warm step %lld sweeps, cold %lld", what, (long long)warm, (long long)cold->n_sweeps);
            CHECK(w2->objective[k] == p->objective[k], "%s: a path prefix differs from the full path", what);
            free(bw); free(bc);
        }
        grs_enet_path_destroy(cold); grs_enet_path_destroy(w1); grs_enet_path_destroy(w2);
    }
    grs_enet_path_destroy(p);
    prob_free(&P);
}

/* ---- 5. determinism of a fit: repeated, and on 1 vs 3 threads, bit-identical -------------- */
static int same_path(const grs_enet_path_t *a, const grs_enet_path_t *b)
{
    if (a->n_lambda != b->n_lambda || a->nnz_off[a->n_lambda] != b->nnz_off[b->n_lambda]) return 0;
    int64_t nl = a->n_lambda, nz = a->nnz_off[nl];
    return !memcmp(a->lambda, b->lambda, nl * sizeof(double)) && !memcmp(a->a0_std, b->a0_std, nl * sizeof(double)) &&
           !memcmp(a->objective, b->objective, nl * sizeof(double)) &&
           !memcmp(a->nnz_off, b->nnz_off, (nl + 1) * sizeof(int64_t)) &&
           !memcmp(a->idx, b->idx, nz * sizeof(int64_t)) && !memcmp(a->beta_std, b->beta_std, nz * sizeof(double)) &&
           !memcmp(a->center, b->center, a->n_features * sizeof(double)) &&
           !memcmp(a->scale, b->scale, a->n_features * sizeof(double));
}

static void test_determinism(void)
{
    for (int binomial = 0; binomial < 2; binomial++) {
        prob_t P;
        prob_make(&P, 4600, 1000, binomial, 31 + binomial);  /* n·p > 4e6: threads; > 4 blocks */
        grs_enet_data_t d1 = prob_data(&P, 1), d3 = prob_data(&P, 3);
        grs_enet_opts_t o = { binomial ? GRS_ENET_BINOMIAL : GRS_ENET_GAUSSIAN, 0.5, 4, 0.3, NULL, 0, NULL, 1e-7, 100000 };
        grs_enet_path_t *a = NULL, *b = NULL, *c = NULL;
        CHECK(grs_enet_fit(&d1, P.w, &o, &a) == GRS_OK, "fit 1 thread");
        CHECK(grs_enet_fit(&d1, P.w, &o, &b) == GRS_OK, "fit again");
        CHECK(grs_enet_fit(&d3, P.w, &o, &c) == GRS_OK, "fit 3 threads");
        if (a && b && c) {
            CHECK(same_path(a, b), "%s: a repeated fit differs", binomial ? "binomial" : "gaussian");
            CHECK(same_path(a, c), "%s: 1 and 3 threads differ", binomial ? "binomial" : "gaussian");
            CHECK(a->nnz_off[a->n_lambda] > a->nnz_off[1], "the determinism path has nonzeros");
        }
        grs_enet_path_destroy(a); grs_enet_path_destroy(b); grs_enet_path_destroy(c);
        prob_free(&P);
    }
}

/* ---- 6. degenerate inputs are refused with a status ---------------------------------------- */
static void test_degenerate(void)
{
    prob_t P;
    prob_make(&P, 40, 5, 1, 41);
    grs_enet_data_t d = prob_data(&P, 1);
    grs_enet_opts_t o = { GRS_ENET_BINOMIAL, 0.5, 5, 0, NULL, 0, NULL, 1e-7, 100000 };
    grs_enet_path_t *p = NULL;
    for (int64_t s = 0; s < P.n; s++) P.y[s] = 1;
    CHECK(grs_enet_fit(&d, P.w, &o, &p) == GRS_EDEGENERATE && !p, "one class");
    o.alpha = 0;
    CHECK(grs_enet_fit(&d, P.w, &o, &p) == GRS_EINVAL && !p, "alpha 0");
    prob_free(&P);
}

int main(void)
{
    grs_set_log_level(0);
    test_scalar();
    test_ops();
    test_ops_threads();
    test_fit(0, 1);
    test_fit(0, 0.5);
    test_fit(1, 1);
    test_fit(1, 0.5);
    test_determinism();
    test_degenerate();
    return check_done("test_enet");
}
