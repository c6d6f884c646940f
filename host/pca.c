/* pca.c -- reference-panel PCA: randomized SVD on packed genotypes, projection, shrinkage
 * correction, Mahalanobis most-similar population, and the .pcamodel file (see pca.h). */
#include "pca.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <htslib/kstring.h>

#include "grs/log.h"
#include "grs/status.h"
#include "util.h"

/* LAPACK from OpenBLAS (which bundles it); the Fortran interface, so no LAPACKE dependency.
 * The trailing size_t arguments are gfortran's hidden lengths of the CHARACTER arguments. */
extern void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau,
                    double *work, const int *lwork, int *info);
extern void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda,
                    const double *tau, double *work, const int *lwork, int *info);
extern void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a,
                    const int *lda, double *s, double *u, const int *ldu, double *vt,
                    const int *ldvt, double *work, const int *lwork, int *info, size_t lu,
                    size_t lvt);

/* ---- long-range LD regions ------------------------------------------------------------------
 * Source: pgsc_calc's assets/ancestry/high-LD-regions-hg19-GRCh37.txt and
 * high-LD-regions-hg38-GRCh38.txt, which come from plinkQC (inst/extdata) and the Michigan
 * "Regions of high linkage disequilibrium" table, i.e. Anderson et al. 2010 (Nat Protoc
 * 5:1564) / Price et al. 2008 (AJHG 83:132), lifted over from NCBI36. Coordinates 1-based
 * inclusive as plink --exclude range reads them. Includes the MHC (chr6 ~25-33 Mb), the chr8p23
 * inversion (chr8 ~8-12 Mb), chr17q21 and the other classic regions. */
typedef struct { int chrom; int64_t beg, end; } ld_region_t;
static const ld_region_t LR_LD_37[] = {
    {1, 48227412, 52227412}, {2, 86146488, 101133568}, {2, 89563673, 89564169},
    {2, 98080299, 98080324}, {2, 183291754, 190291755}, {3, 47524995, 50024996},
    {3, 83417309, 86917310}, {5, 44464242, 50464243}, {5, 128972100, 131972101},
    {6, 25392020, 33392022}, {6, 56892040, 63942041}, {6, 139958306, 142458307},
    {7, 55032505, 66362565}, {8, 7962589, 11962591}, {8, 42880842, 49837447},
    {8, 111930823, 114930824}, {10, 36959993, 43679994}, {11, 87860351, 90860352},
    {12, 33108732, 41713733}, {20, 32536338, 35066586},
};
static const ld_region_t LR_LD_38[] = {
    {1, 47761740, 51761740}, {2, 85919365, 100517106}, {2, 89917298, 89917322},
    {2, 87416141, 87416186}, {2, 87417804, 87417863}, {2, 87418924, 87418981},
    {1, 144106678, 144106709}, {14, 87391719, 87391996}, {9, 40365644, 40365693},
    {2, 182427027, 189427029}, {3, 47483505, 49987563}, {3, 83368158, 86868160},
    {5, 44464140, 51168409}, {5, 129636407, 132636409}, {6, 25391792, 33424245},
    {6, 26726947, 26726981}, {6, 57788603, 58453888}, {6, 61109122, 61357029},
    {6, 61424410, 61424451}, {9, 64198500, 64200392}, {6, 139637169, 142137170},
    {7, 54964812, 66897578}, {7, 62182500, 62277073}, {12, 34639034, 34639084},
    {14, 94658026, 94658080}, {17, 43159541, 43159574}, {2, 135275091, 135275210},
    {1, 181955019, 181955047}, {22, 30060084, 30060162}, {9, 88958735, 88959017},
    {2, 207609786, 207609808}, {22, 42980497, 42980522}, {20, 4031884, 4032441},
    {8, 8105067, 12105082}, {8, 43025699, 48924888}, {8, 47303500, 47317337},
    {8, 110918594, 113918595}, {10, 36671065, 43184546}, {10, 41693521, 41885273},
    {1, 125169943, 125170022}, {11, 88127183, 91127184}, {12, 32955798, 41319931},
    {20, 33948532, 36438183},
};

int grs_pca_n_long_range_ld(int build)
{
    if (build == 37) return (int)(sizeof(LR_LD_37) / sizeof(LR_LD_37[0]));
    if (build == 38) return (int)(sizeof(LR_LD_38) / sizeof(LR_LD_38[0]));
    return 0;
}

int grs_pca_long_range_ld(int build, const char *chrom, int64_t pos)
{
    const ld_region_t *t = build == 37 ? LR_LD_37 : LR_LD_38;
    int n = grs_pca_n_long_range_ld(build);
    char *end;
    long c = strtol(chrom, &end, 10);
    if (*end || c < 1 || c > 22) return 0;
    for (int i = 0; i < n; i++)
        if (t[i].chrom == c && pos >= t[i].beg && pos <= t[i].end) return 1;
    return 0;
}

/* ---- chi-square upper tail ------------------------------------------------------------------
 * Q(a, x), the regularised upper incomplete gamma function, a = df/2, x = chi2/2: the series for
 * P when x < a + 1 (Q = 1 - P is then not small), else the continued fraction for Q itself
 * (modified Lentz), which keeps full relative precision far into the tail (Numerical Recipes
 * 6.2). Both converge to ~1e-16. */
double grs_pca_chi2_sf(double chi2, double df)
{
    double a = df / 2, x = chi2 / 2;
    if (!(x > 0)) return 1.0;
    if (isinf(x)) return 0.0;
    double lg = a * log(x) - x - lgamma(a);
    if (x < a + 1) {
        double ap = a, sum = 1.0 / a, del = sum;
        for (int i = 0; i < 100000; i++) {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * 1e-17) break;
        }
        return 1.0 - sum * exp(lg);
    }
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 100000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-17) break;
    }
    return exp(lg) * h;
}

/* ---- decoding ---------------------------------------------------------------------------- */
void grs_pca_decode(const grs_pca_mat_t *X, int64_t v0, int64_t nv, double *out)
{
    const int64_t n = X->n_samples;
    for (int64_t j = 0; j < nv; j++) {
        const uint8_t *row = (const uint8_t *)(X->rows + (v0 + j) * X->row_words);
        const double *lut = X->lut + 4 * (v0 + j);
        double *o = out + j * n;
        int64_t s = 0;
        for (; s + 4 <= n; s += 4) {   /* one byte = four samples */
            uint8_t b = row[s >> 2];
            o[s] = lut[b & 3];
            o[s + 1] = lut[(b >> 2) & 3];
            o[s + 2] = lut[(b >> 4) & 3];
            o[s + 3] = lut[b >> 6];
        }
        for (; s < n; s++) o[s] = lut[(row[s >> 2] >> (2 * (s & 3))) & 3];
    }
}

/* ---- blocked products with X, deterministic for any thread count ---------------------------
 * Variants are cut into blocks of GRS_PCA_BLOCK; GRS_PCA_ROUND blocks form a round. In a round,
 * worker t handles the blocks b with b % T == t: it decodes the block and calls a single-threaded
 * dgemm of a shape that depends only on the block. X·B (a reduction over variants) leaves one
 * partial product per block, summed by the caller in block order; Xᵀ·C writes each block's rows
 * of the result directly. So the floating-point operations, and their order, do not depend on T. */
typedef struct {
    const grs_pca_mat_t *X;
    int trans;                 /* 0: P_b = X_b B_b (partials); 1: Z_b = X_bᵀ C            */
    const double *in;          /* B (M × l, ld M) or C (n × l, ld n)                       */
    double *out;               /* partials (ROUND × n × l) or Z (M × l, ld M)              */
    int l;
    int64_t b0, nb;            /* blocks of this round                                     */
    int t, T;
    double *buf;               /* n × GRS_PCA_BLOCK decode buffer of this worker           */
} prod_task_t;

static void *prod_worker(void *arg)
{
    prod_task_t *w = (prod_task_t *)arg;
    const grs_pca_mat_t *X = w->X;
    const int64_t n = X->n_samples, M = X->n_vars;
    for (int64_t i = w->t; i < w->nb; i += w->T) {
        int64_t v0 = (w->b0 + i) * GRS_PCA_BLOCK;
        int64_t nv = M - v0 < GRS_PCA_BLOCK ? M - v0 : GRS_PCA_BLOCK;
        grs_pca_decode(X, v0, nv, w->buf);
        if (!w->trans)
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, w->l, (int)nv, 1.0,
                        w->buf, (int)n, w->in + v0, (int)M, 0.0, w->out + i * n * w->l, (int)n);
        else
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)nv, w->l, (int)n, 1.0,
                        w->buf, (int)n, w->in, (int)n, 0.0, w->out + v0, (int)M);
    }
    return NULL;
}

typedef struct {
    int T;
    double **bufs;             /* T decode buffers                                         */
    double *partial;           /* ROUND × n × l                                            */
} prod_ws_t;

/* trans = 0: out (n × l) = X in (in: M × l); trans = 1: out (M × l) = Xᵀ in (in: n × l) */
static int prod(const grs_pca_mat_t *X, prod_ws_t *ws, int trans, const double *in, int l,
                double *out)
{
    const int64_t n = X->n_samples, M = X->n_vars;
    const int64_t n_blocks = (M + GRS_PCA_BLOCK - 1) / GRS_PCA_BLOCK;
    if (!trans) memset(out, 0, (size_t)(n * l) * sizeof(double));
    for (int64_t b0 = 0; b0 < n_blocks; b0 += GRS_PCA_ROUND) {
        int64_t nb = n_blocks - b0 < GRS_PCA_ROUND ? n_blocks - b0 : GRS_PCA_ROUND;
        int T = ws->T < nb ? ws->T : (int)nb;
        prod_task_t tasks[64];
        pthread_t th[64];
        int started = 0;
        for (int t = 0; t < T; t++) {
            prod_task_t tk = { X, trans, in, trans ? out : ws->partial, l, b0, nb, t, T, ws->bufs[t] };
            tasks[t] = tk;
        }
        for (int t = 1; t < T; t++) {
            if (pthread_create(&th[t], NULL, prod_worker, &tasks[t]) != 0) break;
            started = t;
        }
        /* workers that could not be started are run here, so the result is the same */
        for (int t = started + 1; t < T; t++) prod_worker(&tasks[t]);
        prod_worker(&tasks[0]);
        for (int t = 1; t <= started; t++) pthread_join(th[t], NULL);
        if (!trans)
            for (int64_t i = 0; i < nb; i++) {
                const double *p = ws->partial + i * n * l;
                for (int64_t e = 0; e < n * l; e++) out[e] += p[e];
            }
        if (grs_interrupted()) return GRS_EINTR;
    }
    return GRS_OK;
}

/* orthonormalise the columns of A (m × l, ld m) in place by Householder QR */
static int orth(double *A, int m, int l)
{
    int info = 0, lwork = -1;
    double wq = 0, *tau = (double *)malloc((size_t)l * sizeof(double)), *work = NULL;
    if (!tau) return GRS_ENOMEM;
    dgeqrf_(&m, &l, A, &m, tau, &wq, &lwork, &info);
    lwork = (int)wq + 1;
    double wq2 = 0;
    int lw2 = -1;
    dorgqr_(&m, &l, &l, A, &m, tau, &wq2, &lw2, &info);
    if ((int)wq2 + 1 > lwork) lwork = (int)wq2 + 1;
    if (!(work = (double *)malloc((size_t)lwork * sizeof(double)))) { free(tau); return GRS_ENOMEM; }
    dgeqrf_(&m, &l, A, &m, tau, work, &lwork, &info);
    if (info == 0) dorgqr_(&m, &l, &l, A, &m, tau, work, &lwork, &info);
    free(work);
    free(tau);
    if (info != 0) { grs_log_error("LAPACK QR failed (info %d)", info); return GRS_EDEGENERATE; }
    return GRS_OK;
}

/* splitmix64 → xoshiro256** → Box-Muller (both values used, in order) */
typedef struct { uint64_t s[4]; int have; double spare; } rng_t;
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t xoshiro(rng_t *r)
{
    uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return res;
}
static double uniform01(rng_t *r) { return ((double)(xoshiro(r) >> 11) + 0.5) * 0x1.0p-53; }
static double gauss(rng_t *r)
{
    if (r->have) { r->have = 0; return r->spare; }
    double u = uniform01(r), v = uniform01(r), rad = sqrt(-2 * log(u));
    r->spare = rad * sin(2 * M_PI * v);
    r->have = 1;
    return rad * cos(2 * M_PI * v);
}

int grs_pca_rsvd(const grs_pca_mat_t *X, const grs_pca_rsvd_opts_t *o, double *sv, double *V,
                 double *U)
{
    const int64_t n = X->n_samples, M = X->n_vars;
    int64_t lmax = n < M ? n : M;
    int k = o->k, l = o->k + o->oversample, ret = GRS_ENOMEM;
    if (k < 1 || k > lmax) {
        grs_log_error("cannot compute %d PCs from %" PRId64 " samples and %" PRId64 " variants", k, n, M);
        return GRS_EINVAL;
    }
    if (l > lmax) l = (int)lmax;
    prod_ws_t ws;
    memset(&ws, 0, sizeof(ws));
    ws.T = o->threads < 1 ? 1 : (o->threads > 64 ? 64 : o->threads);
    double *B = NULL, *Y = NULL, *s = NULL, *Wv = NULL, *Pt = NULL, *work = NULL;
    if (!(ws.bufs = (double **)calloc((size_t)ws.T, sizeof(double *)))) return GRS_ENOMEM;
    for (int t = 0; t < ws.T; t++)
        if (!(ws.bufs[t] = (double *)malloc((size_t)(n * GRS_PCA_BLOCK) * sizeof(double)))) goto fail;
    if (!(ws.partial = (double *)malloc((size_t)(GRS_PCA_ROUND * n * l) * sizeof(double)))) goto fail;
    if (!(B = (double *)malloc((size_t)(M * l) * sizeof(double)))) goto fail;
    if (!(Y = (double *)malloc((size_t)(n * l) * sizeof(double)))) goto fail;
    /* Gaussian test matrix, generated variant by variant so it depends only on the seed */
    {
        rng_t r;
        uint64_t x = o->seed;
        memset(&r, 0, sizeof(r));
        for (int i = 0; i < 4; i++) r.s[i] = splitmix(&x);
        for (int64_t j = 0; j < M; j++)
            for (int c = 0; c < l; c++) B[c * M + j] = gauss(&r);
    }
    if ((ret = prod(X, &ws, 0, B, l, Y)) < 0) goto fail;          /* Y = X Ω             */
    if ((ret = orth(Y, (int)n, l)) < 0) goto fail;
    for (int it = 0; it < o->power_iters; it++) {
        if ((ret = prod(X, &ws, 1, Y, l, B)) < 0) goto fail;      /* Z = Xᵀ Q            */
        if ((ret = orth(B, (int)M, l)) < 0) goto fail;
        if ((ret = prod(X, &ws, 0, B, l, Y)) < 0) goto fail;      /* Y = X Z             */
        if ((ret = orth(Y, (int)n, l)) < 0) goto fail;
    }
    if ((ret = prod(X, &ws, 1, Y, l, B)) < 0) goto fail;          /* Bᵀ = Xᵀ Q  (M × l)  */
    /* Bᵀ = W Σ Pᵀ, so X ≈ Q B = (Q P) Σ Wᵀ: V = W, U = Q P */
    ret = GRS_ENOMEM;
    if (!(s = (double *)malloc((size_t)l * sizeof(double)))) goto fail;
    if (!(Wv = (double *)malloc((size_t)(M * l) * sizeof(double)))) goto fail;
    if (!(Pt = (double *)malloc((size_t)l * l * sizeof(double)))) goto fail;
    {
        int m = (int)M, info = 0, lwork = -1;
        double wq = 0;
        dgesvd_("S", "S", &m, &l, B, &m, s, Wv, &m, Pt, &l, &wq, &lwork, &info, 1, 1);
        lwork = (int)wq + 1;
        if (!(work = (double *)malloc((size_t)lwork * sizeof(double)))) goto fail;
        dgesvd_("S", "S", &m, &l, B, &m, s, Wv, &m, Pt, &l, work, &lwork, &info, 1, 1);
        if (info != 0) {
            grs_log_error("LAPACK SVD failed (info %d)", info);
            ret = GRS_EDEGENERATE;
            goto fail;
        }
    }
    for (int c = 0; c < k; c++) {
        double *w = Wv + (int64_t)c * M, best = 0;
        int64_t arg = 0;
        for (int64_t j = 0; j < M; j++)
            if (fabs(w[j]) > best) { best = fabs(w[j]); arg = j; }
        double sg = w[arg] < 0 ? -1.0 : 1.0;
        sv[c] = s[c];
        for (int64_t j = 0; j < M; j++) V[c * M + j] = sg * w[j];
        if (U) {   /* U = Q P: column c is Q · (row c of Pᵀ) */
            for (int64_t i = 0; i < n; i++) {
                double acc = 0;
                for (int q = 0; q < l; q++) acc += Y[q * n + i] * Pt[c + (int64_t)q * l];
                U[c * n + i] = sg * acc;
            }
        }
    }
    ret = GRS_OK;
fail:
    if (ret == GRS_ENOMEM) grs_log_error("out of memory in the randomized SVD");
    for (int t = 0; t < ws.T; t++) free(ws.bufs[t]);
    free(ws.bufs);
    free(ws.partial);
    free(B); free(Y); free(s); free(Wv); free(Pt); free(work);
    return ret;
}

/* ---- projection -------------------------------------------------------------------------- */
typedef struct {
    const grs_pca_mat_t *X;
    const double *V;
    int64_t ldv, s0, s1;
    int k;
    double *scores, *buf;
} proj_task_t;

/* each worker owns a range of samples and sums over all variants in order, so a sample's
 * score depends only on its own genotypes (not on the thread count or the other samples) */
static void *proj_worker(void *arg)
{
    proj_task_t *w = (proj_task_t *)arg;
    const grs_pca_mat_t *X = w->X;
    const int k = w->k;
    for (int64_t j = 0; j < X->n_vars; j++) {
        const uint8_t *row = (const uint8_t *)(X->rows + j * X->row_words);
        const double *lut = X->lut + 4 * j;
        if (lut[0] == 0 && lut[1] == 0 && lut[2] == 0) continue;   /* absent variant */
        for (int64_t s = w->s0; s < w->s1; s++) {
            double x = lut[(row[s >> 2] >> (2 * (s & 3))) & 3];
            if (x == 0) continue;
            double *sc = w->scores + s * k;
            for (int c = 0; c < k; c++) sc[c] += x * w->V[j + c * w->ldv];
        }
    }
    return NULL;
}

int grs_pca_project(const grs_pca_mat_t *X, const double *V, int64_t ldv, int k, int64_t m_model,
                    int threads, double *scores)
{
    const int64_t n = X->n_samples;
    int T = threads < 1 ? 1 : (threads > 64 ? 64 : threads);
    if (T > n) T = (int)(n > 0 ? n : 1);
    proj_task_t tasks[64];
    pthread_t th[64];
    int started = 0;
    memset(scores, 0, (size_t)(n * k) * sizeof(double));
    for (int t = 0; t < T; t++) {
        proj_task_t tk = { X, V, ldv, n * t / T, n * (t + 1) / T, k, scores, NULL };
        tasks[t] = tk;
    }
    for (int t = 1; t < T; t++) {
        if (pthread_create(&th[t], NULL, proj_worker, &tasks[t]) != 0) break;
        started = t;
    }
    for (int t = started + 1; t < T; t++) proj_worker(&tasks[t]);
    proj_worker(&tasks[0]);
    for (int t = 1; t <= started; t++) pthread_join(th[t], NULL);
    double f = 1.0 / sqrt((double)m_model);
    for (int64_t e = 0; e < n * k; e++) scores[e] *= f;
    return GRS_OK;
}

/* ---- shrinkage --------------------------------------------------------------------------------
 * Lee S, Zou F, Wright FA (2010) "Convergence and prediction of principal component scores in
 * high-dimensional settings", Ann Stat 38:3605-3629 (the correction used by the hdpca R package).
 * Spiked model with noise variance sigma^2 and gamma = M/n: a population spike rho (in units of
 * sigma^2) is seen in the panel as lambda = rho (1 + gamma / (rho - 1)) when rho > 1 + sqrt(gamma).
 * A panel sample's own score has variance lambda; a new sample's projected score has variance
 * rho (rho - 1) / (rho - 1 + gamma), so the ratio of SDs is d = (rho - 1) / (rho - 1 + gamma).
 * Below the detection threshold (lambda <= (1 + sqrt(gamma))^2, a noise component) the new
 * sample's projection has variance ~1 and d = 1 / sqrt(lambda), which meets the spike formula at
 * the threshold. Corrected score = projected score / d. */
void grs_pca_shrinkage(int64_t n, int64_t m, int k, const double *sv, double frob2, double *d)
{
    double gamma = (double)m / (double)n, tr = frob2 / (double)n, top = 0;
    for (int c = 0; c < k; c++) top += sv[c] * sv[c] / (double)n;
    double sigma2 = m > k ? (tr - top) / (double)(m - k) : 1.0;
    if (!(sigma2 > 0)) sigma2 = 1.0;
    for (int c = 0; c < k; c++) {
        double lambda = sv[c] * sv[c] / (double)n / sigma2;
        double thr = (1 + sqrt(gamma)) * (1 + sqrt(gamma));
        if (lambda > thr) {
            double b = lambda + 1 - gamma, disc = b * b - 4 * lambda;
            double rho = (b + sqrt(disc > 0 ? disc : 0)) / 2;
            d[c] = (rho - 1) / (rho - 1 + gamma);
        } else {
            d[c] = lambda > 0 ? 1 / sqrt(lambda) : 1.0;
        }
        if (!(d[c] > 0) || d[c] > 1) d[c] = 1.0;
    }
}

/* ---- most-similar population ------------------------------------------------------------- */
/* Cholesky factor of a (k × k, row-major) in place (lower); nonzero if not positive definite */
static int cholesky(double *a, int k)
{
    for (int i = 0; i < k; i++)
        for (int j = 0; j <= i; j++) {
            double s = a[i * k + j];
            for (int q = 0; q < j; q++) s -= a[i * k + q] * a[j * k + q];
            if (i == j) {
                if (!(s > 0)) return -1;
                a[i * k + i] = sqrt(s);
            } else {
                a[i * k + j] = s / a[j * k + j];
            }
        }
    return 0;
}

int grs_pca_pops_fit(int64_t n, int k, const double *scores, const int *pop_of, int n_pops,
                     int n_assign, grs_pca_pop_t *pops)
{
    const int a = n_assign;
    for (int p = 0; p < n_pops; p++) {
        grs_pca_pop_t *P = &pops[p];
        double *tmp;
        P->n = 0;
        if (!(P->mean = (double *)calloc((size_t)a, sizeof(double))) ||
            !(P->cov = (double *)calloc((size_t)a * a, sizeof(double)))) return GRS_ENOMEM;
        for (int64_t s = 0; s < n; s++) {
            if (pop_of[s] != p) continue;
            P->n++;
            for (int i = 0; i < a; i++) P->mean[i] += scores[s * k + i];
        }
        for (int i = 0; i < a; i++) P->mean[i] /= (double)P->n;
        for (int64_t s = 0; s < n; s++) {
            if (pop_of[s] != p) continue;
            for (int i = 0; i < a; i++)
                for (int j = 0; j < a; j++)
                    P->cov[i * a + j] += (scores[s * k + i] - P->mean[i]) * (scores[s * k + j] - P->mean[j]);
        }
        for (int e = 0; e < a * a; e++) P->cov[e] /= (double)P->n;   /* MLE, ddof 0 */
        if (!(tmp = (double *)malloc((size_t)a * a * sizeof(double)))) return GRS_ENOMEM;
        memcpy(tmp, P->cov, (size_t)a * a * sizeof(double));
        int bad = cholesky(tmp, a);
        free(tmp);
        if (bad) {
            grs_log_error("population '%s' (%" PRId64 " reference samples): the covariance of its first %d PCs is singular; it needs more than %d samples",
                          P->name, P->n, a, a);
            return GRS_EDEGENERATE;
        }
    }
    return GRS_OK;
}

int grs_pca_pops_assign(const double *score, const grs_pca_pop_t *pops, int n_pops, int n_assign,
                        double *p)
{
    const int a = n_assign;
    double L[64 * 64], z[64];
    int best = 0;
    for (int q = 0; q < n_pops; q++) {
        memcpy(L, pops[q].cov, (size_t)a * a * sizeof(double));
        double d2 = NAN;
        if (cholesky(L, a) == 0) {
            /* d² = || L⁻¹ (x - μ) ||² by forward substitution */
            d2 = 0;
            for (int i = 0; i < a; i++) {
                double s = score[i] - pops[q].mean[i];
                for (int j = 0; j < i; j++) s -= L[i * a + j] * z[j];
                z[i] = s / L[i * a + i];
                d2 += z[i] * z[i];
            }
        }
        /* pgsc_calc's choice (ancestry_analysis, method Mahalanobis): df = n_assign - 1, kept so
         * that its P values are reproduced exactly */
        p[q] = isnan(d2) ? NAN : grs_pca_chi2_sf(d2, (double)(a - 1));
        if (p[q] > p[best] || isnan(p[best])) best = q;
    }
    return best;
}

void grs_pca_pops_free(grs_pca_pop_t *pops, int n_pops)
{
    if (!pops) return;
    for (int p = 0; p < n_pops; p++) { free(pops[p].name); free(pops[p].mean); free(pops[p].cov); }
    free(pops);
}

/* ---- .pcamodel ----------------------------------------------------------------------------
 *   ##grs_pcamodel_version=1
 *   ##<provenance key>=<value>                 (grs_version, command, panel, created, ...)
 *   ##n_pcs=K  ##n_assign=A  ##p_threshold=P  ##n_variants=M  ##n_ref=N
 *   ##eigenval=<K values, comma-separated>     ##shrinkage=<K values>
 *   ##population=<name>\t<n>\t<A means, comma>\t<A*A covariances, row-major, comma>  (sorted)
 *   #CHROM POS ID REF ALT ALT_FREQ SCALE PC1 .. PCK     (M rows)
 *   ##end                                      (a file without it is truncated)
 * Every number is written %.17g, so reading it back gives the same doubles. */
static void put_list(grs_out_t *o, const double *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++) grs_out_printf(o, "%s%.17g", i ? "," : "", x[i]);
}

int grs_pca_model_write(const grs_pca_model_t *m, const char *fn)
{
    grs_out_t *o = grs_out_open(fn, 0);
    if (!o) return GRS_EIO;
    grs_out_printf(o, "##grs_pcamodel_version=%d\n", GRS_PCAMODEL_VERSION);
    for (int i = 0; i < m->n_prov; i++) grs_out_printf(o, "##%s\n", m->prov[i]);
    grs_out_printf(o, "##n_pcs=%d\n##n_assign=%d\n##p_threshold=%.17g\n##n_variants=%" PRId64
                   "\n##n_ref=%" PRId64 "\n##eigenval=", m->k, m->n_assign, m->p_threshold,
                   m->n_vars, m->n_ref);
    put_list(o, m->eigval, m->k);
    grs_out_printf(o, "\n##shrinkage=");
    put_list(o, m->shrink, m->k);
    grs_out_printf(o, "\n");
    for (int p = 0; p < m->n_pops; p++) {
        grs_out_printf(o, "##population=%s\t%" PRId64 "\t", m->pops[p].name, m->pops[p].n);
        put_list(o, m->pops[p].mean, m->n_assign);
        grs_out_printf(o, "\t");
        put_list(o, m->pops[p].cov, (int64_t)m->n_assign * m->n_assign);
        grs_out_printf(o, "\n");
    }
    grs_out_printf(o, "#CHROM\tPOS\tID\tREF\tALT\tALT_FREQ\tSCALE");
    for (int c = 0; c < m->k; c++) grs_out_printf(o, "\tPC%d", c + 1);
    grs_out_printf(o, "\n");
    for (int64_t j = 0; j < m->n_vars; j++) {
        grs_out_printf(o, "%s\t%" PRId64 "\t%s\t%s\t%s\t%.17g\t%.17g", m->chrom[j], m->pos[j],
                       m->id[j], m->ref[j], m->alt[j], m->freq[j], m->scale[j]);
        for (int c = 0; c < m->k; c++) grs_out_printf(o, "\t%.17g", m->V[j + c * m->n_vars]);
        grs_out_printf(o, "\n");
    }
    grs_out_printf(o, "##end\n");
    return grs_out_close(o, 1);
}

void grs_pca_model_destroy(grs_pca_model_t *m)
{
    if (!m) return;
    for (int64_t j = 0; j < m->n_vars && m->chrom; j++) {
        free(m->chrom[j]); free(m->id[j]); free(m->ref[j]); free(m->alt[j]);
    }
    free(m->chrom); free(m->id); free(m->ref); free(m->alt); free(m->pos);
    free(m->freq); free(m->scale); free(m->V); free(m->eigval); free(m->shrink);
    grs_pca_pops_free(m->pops, m->n_pops);
    for (int i = 0; i < m->n_prov; i++) free(m->prov[i]);
    free(m->prov);
    free(m);
}

/* parse exactly n comma-separated doubles */
static int parse_list(char *s, double *x, int64_t n)
{
    int64_t cap = 0, got;
    char **f = NULL;
    got = grs_split_grow(s, ',', &f, &cap);
    int ok = got == n;
    for (int64_t i = 0; ok && i < n; i++) ok = grs_parse_double(f[i], &x[i]) == 0 && isfinite(x[i]);
    free(f);
    return ok ? 0 : -1;
}

int grs_pca_model_read(const char *fn, grs_pca_model_t **out)
{
    FILE *fp = fopen(fn, "r");
    grs_pca_model_t *m = NULL;
    char *line = NULL, **f = NULL;
    size_t cap = 0;
    int64_t fcap = 0, lineno = 0, row = 0, have_k = 0, have_m = 0, have_a = 0, have_n = 0;
    int ret = GRS_EFORMAT, version = 0, header_seen = 0, ended = 0, pops_cap = 0;
    double *eig = NULL, *shr = NULL;
    char *eig_s = NULL, *shr_s = NULL;
    if (!fp) { grs_log_error("'%s': cannot open: %s", fn, strerror(errno)); return GRS_EIO; }
    if (!(m = (grs_pca_model_t *)calloc(1, sizeof(*m)))) goto nomem;
    m->p_threshold = 1e-10;
    ssize_t len;
    while ((len = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (lineno == 1) {
            if (strncmp(line, "##grs_pcamodel_version=", 23) || grs_parse_int64(line + 23, &fcap) < 0) {
                grs_log_error("'%s' line 1: not a grs .pcamodel (expected ##grs_pcamodel_version=)", fn);
                goto fail;
            }
            version = (int)fcap;
            fcap = 0;
            if (version > GRS_PCAMODEL_VERSION || version < 1) {
                grs_log_error("'%s': .pcamodel version %d is newer than this grs reads (%d); use a newer grs",
                              fn, version, GRS_PCAMODEL_VERSION);
                ret = GRS_EUNSUPPORTED;
                goto fail;
            }
            continue;
        }
        if (ended) { grs_log_error("'%s' line %" PRId64 ": text after ##end", fn, lineno); goto fail; }
        if (!strncmp(line, "##", 2)) {
            char *kv = line + 2, *eq = strchr(kv, '=');
            int64_t x;
            if (!strcmp(kv, "end")) {
                if (!header_seen || row != m->n_vars) {
                    grs_log_error("'%s' line %" PRId64 ": ##end after %" PRId64 " of %" PRId64 " variant rows", fn, lineno, row, m->n_vars);
                    goto fail;
                }
                ended = 1;
                continue;
            }
            if (header_seen) { grs_log_error("'%s' line %" PRId64 ": a ## line among the variant rows", fn, lineno); goto fail; }
            if (!eq) continue;
            *eq = 0;
            char *v = eq + 1;
            if (!strcmp(kv, "n_pcs") || !strcmp(kv, "n_assign") || !strcmp(kv, "n_variants") || !strcmp(kv, "n_ref")) {
                if (grs_parse_int64(v, &x) < 0 || x < 1 || (strcmp(kv, "n_variants") && strcmp(kv, "n_ref") && x > 64)) {
                    grs_log_error("'%s' line %" PRId64 ": bad %s '%s'", fn, lineno, kv, v);
                    goto fail;
                }
                if (!strcmp(kv, "n_pcs")) { m->k = (int)x; have_k = 1; }
                else if (!strcmp(kv, "n_assign")) { m->n_assign = (int)x; have_a = 1; }
                else if (!strcmp(kv, "n_variants")) { m->n_vars = x; have_m = 1; }
                else { m->n_ref = x; have_n = 1; }
            } else if (!strcmp(kv, "p_threshold")) {
                if (grs_parse_double(v, &m->p_threshold) < 0) {
                    grs_log_error("'%s' line %" PRId64 ": bad p_threshold '%s'", fn, lineno, v);
                    goto fail;
                }
            } else if (!strcmp(kv, "eigenval")) {
                free(eig_s);
                if (!(eig_s = strdup(v))) goto nomem;
            } else if (!strcmp(kv, "shrinkage")) {
                free(shr_s);
                if (!(shr_s = strdup(v))) goto nomem;
            } else if (!strcmp(kv, "population")) {
                char *pf[5];
                if (!have_a) { grs_log_error("'%s' line %" PRId64 ": ##population before ##n_assign", fn, lineno); goto fail; }
                if (grs_split(v, "\t", pf, 5) != 4) { grs_log_error("'%s' line %" PRId64 ": ##population needs 4 tab-separated fields", fn, lineno); goto fail; }
                if (m->n_pops == pops_cap) {
                    pops_cap = pops_cap ? 2 * pops_cap : 8;
                    grs_pca_pop_t *np = (grs_pca_pop_t *)realloc(m->pops, (size_t)pops_cap * sizeof(*np));
                    if (!np) goto nomem;
                    m->pops = np;
                }
                grs_pca_pop_t *P = &m->pops[m->n_pops];
                memset(P, 0, sizeof(*P));
                m->n_pops++;
                int a = m->n_assign;
                if (!(P->name = strdup(pf[0])) || !(P->mean = (double *)malloc((size_t)a * sizeof(double))) ||
                    !(P->cov = (double *)malloc((size_t)a * a * sizeof(double)))) goto nomem;
                if (grs_parse_int64(pf[1], &P->n) < 0 || parse_list(pf[2], P->mean, a) < 0 ||
                    parse_list(pf[3], P->cov, (int64_t)a * a) < 0) {
                    grs_log_error("'%s' line %" PRId64 ": malformed ##population line", fn, lineno);
                    goto fail;
                }
            } else {
                *eq = '=';
                char **np = (char **)realloc(m->prov, (size_t)(m->n_prov + 1) * sizeof(char *));
                if (!np) goto nomem;
                m->prov = np;
                if (!(m->prov[m->n_prov] = strdup(kv))) goto nomem;
                m->n_prov++;
            }
            continue;
        }
        if (line[0] == '#') {
            if (!have_k || !have_m || !have_a || !have_n || !eig_s || !shr_s || m->n_pops < 1) {
                grs_log_error("'%s' line %" PRId64 ": header reached without ##n_pcs, ##n_assign, ##n_variants, ##n_ref, ##eigenval, ##shrinkage and ##population lines", fn, lineno);
                goto fail;
            }
            if (m->n_assign > m->k) { grs_log_error("'%s': n_assign %d > n_pcs %d", fn, m->n_assign, m->k); goto fail; }
            int64_t nf = grs_split_grow(line, '\t', &f, &fcap);
            if (nf != 7 + m->k) { grs_log_error("'%s' line %" PRId64 ": the header has %" PRId64 " columns, expected %d", fn, lineno, nf, 7 + m->k); goto fail; }
            int64_t M = m->n_vars;
            if (!(eig = (double *)malloc((size_t)m->k * sizeof(double))) || !(shr = (double *)malloc((size_t)m->k * sizeof(double))))
                goto nomem;
            if (parse_list(eig_s, eig, m->k) < 0 || parse_list(shr_s, shr, m->k) < 0) {
                grs_log_error("'%s': ##eigenval and ##shrinkage need %d numbers each", fn, m->k);
                goto fail;
            }
            m->eigval = eig; m->shrink = shr; eig = shr = NULL;
            if (!(m->chrom = (char **)calloc((size_t)M, sizeof(char *))) || !(m->id = (char **)calloc((size_t)M, sizeof(char *))) ||
                !(m->ref = (char **)calloc((size_t)M, sizeof(char *))) || !(m->alt = (char **)calloc((size_t)M, sizeof(char *))) ||
                !(m->pos = (int64_t *)calloc((size_t)M, sizeof(int64_t))) || !(m->freq = (double *)calloc((size_t)M, sizeof(double))) ||
                !(m->scale = (double *)calloc((size_t)M, sizeof(double))) || !(m->V = (double *)calloc((size_t)(M * m->k), sizeof(double))))
                goto nomem;
            header_seen = 1;
            continue;
        }
        if (!header_seen) { grs_log_error("'%s' line %" PRId64 ": data before the #CHROM header", fn, lineno); goto fail; }
        if (row >= m->n_vars) { grs_log_error("'%s' line %" PRId64 ": more variant rows than ##n_variants=%" PRId64, fn, lineno, m->n_vars); goto fail; }
        int64_t nf = grs_split_grow(line, '\t', &f, &fcap);
        if (nf != 7 + m->k || grs_parse_int64(f[1], &m->pos[row]) < 0 ||
            grs_parse_double(f[5], &m->freq[row]) < 0 || grs_parse_double(f[6], &m->scale[row]) < 0) {
            grs_log_error("'%s' line %" PRId64 ": malformed variant row (truncated file?)", fn, lineno);
            goto fail;
        }
        for (int c = 0; c < m->k; c++)
            if (grs_parse_double(f[7 + c], &m->V[row + c * m->n_vars]) < 0) {
                grs_log_error("'%s' line %" PRId64 ": bad loading '%s'", fn, lineno, f[7 + c]);
                goto fail;
            }
        if (!(m->chrom[row] = strdup(f[0])) || !(m->id[row] = strdup(f[2])) ||
            !(m->ref[row] = strdup(f[3])) || !(m->alt[row] = strdup(f[4]))) goto nomem;
        row++;
    }
    if (ferror(fp)) { grs_log_error("'%s': read error: %s", fn, strerror(errno)); ret = GRS_EIO; goto fail; }
    if (lineno == 0) { grs_log_error("'%s': empty file", fn); goto fail; }
    if (!ended) {
        grs_log_error("'%s': truncated (%" PRId64 " of %" PRId64 " variant rows, no ##end line)", fn, row, m->n_vars);
        goto fail;
    }
    fclose(fp);
    free(line); free(f); free(eig_s); free(shr_s);
    *out = m;
    return GRS_OK;
nomem:
    grs_log_error("'%s': out of memory", fn);
    ret = GRS_ENOMEM;
fail:
    fclose(fp);
    if (m && !m->chrom) m->n_vars = 0;
    grs_pca_model_destroy(m);
    free(line); free(f); free(eig_s); free(shr_s); free(eig); free(shr);
    return ret;
}
