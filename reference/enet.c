/* enet.c -- CPU reference of the elastic-net genotype-block ops (grs/enet.h).
 *
 * The design's genotype columns stay 2-bit packed; each op standardizes on the fly. A column
 * has only four distinct values x̃ ∈ {v0, v1, v2, 0 (missing)}, so every op is a table lookup
 * per sample: one byte of the packed row holds four samples' codes, and a static 256-entry
 * table splits a byte into its four codes without shifts in the inner loop.
 *
 * Reduction order (what a CUDA kernel must reproduce up to rounding, see grs/enet.h): samples
 * are summed in blocks of GRS_ENET_BLOCK; inside a block, lane i (i = 0..3) sums the samples
 * s ≡ i (mod 4) in increasing s, and the block partial is (l0 + l1) + (l2 + l3); block partials
 * are added in block order. Threads split columns (dot, sqdot, moments) or samples (axpy), so
 * a result never depends on the thread count.
 */
#include "reference.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "grs/status.h"

/* codes of the four samples of one packed byte */
static uint8_t byte_codes[256][4];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_init(void)
{
    for (int b = 0; b < 256; b++)
        for (int i = 0; i < 4; i++) byte_codes[b][i] = (uint8_t)((b >> (2 * i)) & 3);
}

/* the four standardized values of column j, indexed by code */
static inline void col_values(const grs_enet_geno_t *g, int64_t j, double val[4])
{
    for (uint32_t c = 0; c < 4; c++) val[c] = grs_enet_std_value(c, g->center[j], g->inv_scale[j]);
}

/* ---- per-column kernels -------------------------------------------------------------------- */

/* Σ_s r[s] · val[code(s)] (sq = 0) or Σ_s r[s] · val[code(s)]² (sq = 1; r may be NULL = 1) */
static double col_dot1(const grs_enet_geno_t *g, int64_t j, const double *GRS_RESTRICT r, int sq)
{
    double val[4], total = 0.0;
    col_values(g, j, val);
    if (sq)
        for (int c = 0; c < 4; c++) val[c] *= val[c];
    const uint8_t *row = (const uint8_t *)g->codes[j];
    const int64_t n = g->n_samples;
    for (int64_t b0 = 0; b0 < n; b0 += GRS_ENET_BLOCK) {
        int64_t b1 = b0 + GRS_ENET_BLOCK < n ? b0 + GRS_ENET_BLOCK : n;
        double l0 = 0, l1 = 0, l2 = 0, l3 = 0;
        int64_t s = b0;
        if (r) {
            for (; s + 4 <= b1; s += 4) {
                const uint8_t *c = byte_codes[row[s >> 2]];
                l0 += r[s] * val[c[0]];
                l1 += r[s + 1] * val[c[1]];
                l2 += r[s + 2] * val[c[2]];
                l3 += r[s + 3] * val[c[3]];
            }
            double *lane[4] = { &l0, &l1, &l2, &l3 };
            for (; s < b1; s++) *lane[s & 3] += r[s] * val[grs_geno_code(g->codes[j], s)];
        } else {
            for (; s + 4 <= b1; s += 4) {
                const uint8_t *c = byte_codes[row[s >> 2]];
                l0 += val[c[0]];
                l1 += val[c[1]];
                l2 += val[c[2]];
                l3 += val[c[3]];
            }
            double *lane[4] = { &l0, &l1, &l2, &l3 };
            for (; s < b1; s++) *lane[s & 3] += val[grs_geno_code(g->codes[j], s)];
        }
        total += (l0 + l1) + (l2 + l3);
    }
    return total;
}

/* raw moments of column j: Σ w·[called], Σ w·code, Σ w·code² */
static void col_moments1(const grs_enet_geno_t *g, int64_t j, const double *GRS_RESTRICT w, double *out)
{
    const uint8_t *row = (const uint8_t *)g->codes[j];
    const int64_t n = g->n_samples;
    if (!w) {
        /* exact integer counts per code */
        int64_t cnt[4] = { 0, 0, 0, 0 };
        int64_t s = 0;
        for (; s + 4 <= n; s += 4) {
            const uint8_t *c = byte_codes[row[s >> 2]];
            cnt[c[0]]++; cnt[c[1]]++; cnt[c[2]]++; cnt[c[3]]++;
        }
        for (; s < n; s++) cnt[grs_geno_code(g->codes[j], s)]++;
        out[0] = (double)(cnt[0] + cnt[1] + cnt[2]);
        out[1] = (double)(cnt[1] + 2 * cnt[2]);
        out[2] = (double)(cnt[1] + 4 * cnt[2]);
        return;
    }
    double m0 = 0, m1 = 0, m2 = 0;
    static const double called[4] = { 1, 1, 1, 0 }, lin[4] = { 0, 1, 2, 0 }, quad[4] = { 0, 1, 4, 0 };
    for (int64_t s = 0; s < n; s++) {
        uint32_t c = grs_geno_code(g->codes[j], s);
        m0 += w[s] * called[c];
        m1 += w[s] * lin[c];
        m2 += w[s] * quad[c];
    }
    out[0] = m0; out[1] = m1; out[2] = m2;
}

/* r[s0..s1) += a · c[s] · x̃(j, s) */
static void col_axpy1(const grs_enet_geno_t *g, int64_t j, double a, const double *GRS_RESTRICT c,
                      int64_t s0, int64_t s1, double *GRS_RESTRICT r)
{
    double val[4];
    col_values(g, j, val);
    for (int k = 0; k < 4; k++) val[k] *= a;
    const uint8_t *row = (const uint8_t *)g->codes[j];
    int64_t s = s0;
    /* s0 is a multiple of 4 (threads split at multiples of GRS_ENET_BLOCK) */
    if (c) {
        for (; s + 4 <= s1; s += 4) {
            const uint8_t *k = byte_codes[row[s >> 2]];
            r[s] += c[s] * val[k[0]];
            r[s + 1] += c[s + 1] * val[k[1]];
            r[s + 2] += c[s + 2] * val[k[2]];
            r[s + 3] += c[s + 3] * val[k[3]];
        }
        for (; s < s1; s++) r[s] += c[s] * val[grs_geno_code(g->codes[j], s)];
    } else {
        for (; s + 4 <= s1; s += 4) {
            const uint8_t *k = byte_codes[row[s >> 2]];
            r[s] += val[k[0]];
            r[s + 1] += val[k[1]];
            r[s + 2] += val[k[2]];
            r[s + 3] += val[k[3]];
        }
        for (; s < s1; s++) r[s] += val[grs_geno_code(g->codes[j], s)];
    }
}

/* ---- threading: a parallel for over [0, n) in contiguous ranges ---------------------------- */

enum { OP_DOT, OP_SQDOT, OP_MOMENTS, OP_AXPY };

typedef struct {
    int op;
    const grs_enet_geno_t *g;
    const int64_t *cols;
    int64_t n;
    const double *a, *v;   /* a: axpy coefficients; v: r (dot), c (sqdot, axpy), w (moments) */
    double *out;
    int64_t i0, i1;        /* this worker's range: columns, or samples for axpy */
} work_t;

static void *worker(void *arg)
{
    work_t *w = (work_t *)arg;
    switch (w->op) {
    case OP_DOT:
        for (int64_t k = w->i0; k < w->i1; k++) w->out[k] = col_dot1(w->g, w->cols[k], w->v, 0);
        break;
    case OP_SQDOT:
        for (int64_t k = w->i0; k < w->i1; k++) w->out[k] = col_dot1(w->g, w->cols[k], w->v, 1);
        break;
    case OP_MOMENTS:
        for (int64_t k = w->i0; k < w->i1; k++) col_moments1(w->g, k, w->v, w->out + 3 * k);
        break;
    case OP_AXPY:
        for (int64_t k = 0; k < w->n; k++)
            if (w->a[k] != 0.0) col_axpy1(w->g, w->cols[k], w->a[k], w->v, w->i0, w->i1, w->out);
        break;
    }
    return NULL;
}

/* Split `range` items over threads when the work (items × per_item genotypes) is large enough
 * to pay for thread start-up; `align` is the granularity of a split. */
static int run(work_t *proto, int64_t range, int64_t per_item, int64_t align)
{
    pthread_once(&tables_once, tables_init);
    int nt = proto->g->n_threads > 1 ? proto->g->n_threads : 1;
    if ((double)range * (double)per_item < 4e6) nt = 1;
    int64_t units = (range + align - 1) / align;
    if (nt > units) nt = (int)(units > 0 ? units : 1);
    if (nt == 1) {
        proto->i0 = 0;
        proto->i1 = range;
        worker(proto);
        return GRS_OK;
    }
    work_t *w = (work_t *)malloc(nt * sizeof(work_t));
    pthread_t *th = (pthread_t *)malloc(nt * sizeof(pthread_t));
    if (!w || !th) { free(w); free(th); return GRS_ENOMEM; }
    char *joined = (char *)calloc(nt, 1);     /* 1: th[t] was started and must be joined */
    if (!joined) { free(w); free(th); return GRS_ENOMEM; }
    for (int t = 0; t < nt; t++) {
        w[t] = *proto;
        w[t].i0 = units * t / nt * align;
        w[t].i1 = units * (t + 1) / nt * align;
        if (w[t].i1 > range) w[t].i1 = range;
        if (t > 0) {
            if (pthread_create(&th[t], NULL, worker, &w[t]) == 0) joined[t] = 1;
            else worker(&w[t]);                 /* could not start a thread: do it here */
        }
    }
    worker(&w[0]);
    for (int t = 1; t < nt; t++)
        if (joined[t]) pthread_join(th[t], NULL);
    free(joined);
    free(w);
    free(th);
    return GRS_OK;
}

int grs_ref_enet_dot(const grs_enet_geno_t *g, const int64_t *cols, int64_t n, const double *r, double *out)
{
    work_t w = { OP_DOT, g, cols, n, NULL, r, out, 0, 0 };
    return run(&w, n, g->n_samples, 1);
}

int grs_ref_enet_sqdot(const grs_enet_geno_t *g, const int64_t *cols, int64_t n, const double *c, double *out)
{
    work_t w = { OP_SQDOT, g, cols, n, NULL, c, out, 0, 0 };
    return run(&w, n, g->n_samples, 1);
}

int grs_ref_enet_axpy(const grs_enet_geno_t *g, const int64_t *cols, int64_t n, const double *a,
                      const double *c, double *r)
{
    work_t w = { OP_AXPY, g, cols, n, a, c, r, 0, 0 };
    return run(&w, g->n_samples, n, GRS_ENET_BLOCK);
}

int grs_ref_enet_moments(const grs_enet_geno_t *g, const double *wt, double *out)
{
    work_t w = { OP_MOMENTS, g, NULL, g->n_cols, NULL, wt, out, 0, 0 };
    return run(&w, g->n_cols, g->n_samples, 1);
}
