/* normalize.c -- ancestry-aware normalization of polygenic scores (see normalize.h). */
#include "normalize.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/hts.h>
#include <htslib/kseq.h>
#include <htslib/kstring.h>

#include "grs/log.h"
#include "grs/status.h"
#include "json.h"
#include "shard.h"
#include "util.h"

/* ---- small dense linear algebra (dimensions are 2 × (n_pcs + 1) at most) ---------------- */

/* Solve A x = b for symmetric positive definite A (d × d, row-major, destroyed) by Cholesky;
 * b is overwritten with x. Returns -1 when A is not positive definite. */
static int chol_solve(int d, double *A, double *b)
{
    for (int j = 0; j < d; j++) {
        double s = A[j * d + j];
        for (int k = 0; k < j; k++) s -= A[j * d + k] * A[j * d + k];
        if (!(s > 0)) return -1;
        double l = sqrt(s);
        A[j * d + j] = l;
        for (int i = j + 1; i < d; i++) {
            double t = A[i * d + j];
            for (int k = 0; k < j; k++) t -= A[i * d + k] * A[j * d + k];
            A[i * d + j] = t / l;
        }
    }
    for (int i = 0; i < d; i++) {                       /* L y = b */
        double t = b[i];
        for (int k = 0; k < i; k++) t -= A[i * d + k] * b[k];
        b[i] = t / A[i * d + i];
    }
    for (int i = d - 1; i >= 0; i--) {                  /* L' x = y */
        double t = b[i];
        for (int k = i + 1; k < d; k++) t -= A[k * d + i] * b[k];
        b[i] = t / A[i * d + i];
    }
    return 0;
}

/* linear predictor coef[0] + Σ coef[j+1] x[j] */
static double linpred(int p, const double *coef, const double *x)
{
    double v = coef[0];
    for (int j = 0; j < p; j++) v += coef[j + 1] * x[j];
    return v;
}

/* ---- percentile ------------------------------------------------------------------------- */

double grs_norm_percentile(const double *a, int64_t n, double x)
{
    int64_t lo = 0, hi = n, left, right;
    if (isnan(x)) return NAN;
    while (lo < hi) { int64_t mid = lo + (hi - lo) / 2; if (a[mid] < x) lo = mid + 1; else hi = mid; }
    left = lo;                                   /* count(a < x)  */
    hi = n;
    while (lo < hi) { int64_t mid = lo + (hi - lo) / 2; if (a[mid] <= x) lo = mid + 1; else hi = mid; }
    right = lo;                                  /* count(a <= x) */
    /* scipy 'rank': (left + right + (left < right)) * (50.0 / n), in that order */
    return (double)(left + right + (left < right)) * (50.0 / (double)n);
}

/* ---- the mean + variance likelihood ---------------------------------------------------- */

/* Negative log-likelihood (constants dropped, as pgsc_calc's nLL_mu_and_var):
 * Σ eta_i / 2 + (y_i - mu_i)^2 exp(-eta_i) / 2 */
static double mv_nll(int64_t n, int p, const double *X, const double *y, const double *b, const double *c)
{
    double s = 0;
    for (int64_t i = 0; i < n; i++) {
        const double *x = X + i * p;
        double r = y[i] - linpred(p, b, x), eta = linpred(p, c, x);
        s += 0.5 * eta + 0.5 * r * r * exp(-eta);
    }
    return s;
}

int grs_norm_fit_meanvar(int64_t n, int p, const double *X, const double *y, double *b, double *c,
                         int *iter, double *grad_norm)
{
    const int d = p + 1, D = 2 * d;
    double *g = (double *)calloc(D, sizeof(double)), *H = (double *)calloc(D * D, sizeof(double));
    double *F = (double *)calloc(D * D, sizeof(double)), *A = (double *)calloc(D * D, sizeof(double));
    double *st = (double *)calloc(D, sizeof(double)), *xt = (double *)calloc(d, sizeof(double));
    double *nb = (double *)calloc(d, sizeof(double)), *nc = (double *)calloc(d, sizeof(double));
    int conv = 0, it = 0;
    double gn = NAN;

    if (!g || !H || !F || !A || !st || !xt || !nb || !nc) { conv = GRS_ENOMEM; goto done; }
    /* start: the given mean model, constant variance at the mean squared residual */
    {
        double s2 = 0;
        for (int64_t i = 0; i < n; i++) { double r = y[i] - linpred(p, b, X + i * p); s2 += r * r; }
        s2 /= (double)n;
        if (!(s2 > 0)) goto done;
        c[0] = log(s2);
        for (int j = 1; j < d; j++) c[j] = 0;
    }
    double f0 = mv_nll(n, p, X, y, b, c);
    for (it = 0; it < 500; it++) {
        memset(g, 0, D * sizeof(double));
        memset(H, 0, D * D * sizeof(double));
        memset(F, 0, D * D * sizeof(double));
        for (int64_t i = 0; i < n; i++) {
            const double *x = X + i * p;
            double r = y[i] - linpred(p, b, x), w = exp(-linpred(p, c, x));
            xt[0] = 1;
            for (int j = 0; j < p; j++) xt[j + 1] = x[j];
            for (int j = 0; j < d; j++) {
                g[j] -= w * r * xt[j];
                g[d + j] += 0.5 * (1 - r * r * w) * xt[j];
                for (int k = 0; k <= j; k++) {
                    double xx = xt[j] * xt[k];
                    H[j * D + k] += w * xx;                    /* mu, mu      */
                    H[(d + j) * D + k] += w * r * xx;          /* var, mu     */
                    H[(d + j) * D + d + k] += 0.5 * r * r * w * xx;  /* var, var */
                    F[(d + j) * D + d + k] += 0.5 * xx;        /* Fisher var, var */
                }
                for (int k = j + 1; k < d; k++) H[(d + j) * D + k] += w * r * xt[j] * xt[k];
            }
        }
        for (int j = 0; j < D; j++)                    /* symmetrize (lower triangles were filled) */
            for (int k = 0; k < j; k++) H[k * D + j] = H[j * D + k];
        for (int j = 0; j < d; j++)
            for (int k = 0; k < d; k++) F[j * D + k] = H[j * D + k];
        for (int j = d; j < D; j++)
            for (int k = d; k <= j; k++) F[k * D + j] = F[j * D + k];
        gn = 0;
        for (int j = 0; j < D; j++) gn += g[j] * g[j];
        gn = sqrt(gn);
        /* Newton decrement in the Fisher metric: scale-free convergence test */
        memcpy(A, F, D * D * sizeof(double));
        memcpy(st, g, D * sizeof(double));
        if (chol_solve(D, A, st) < 0) break;
        double dec = 0;
        for (int j = 0; j < D; j++) dec += g[j] * st[j];
        if (dec / (double)n < 1e-20) { conv = 1; break; }
        /* try Newton on the full Hessian, then Fisher scoring; halve the step until the
         * likelihood does not get worse (within rounding) */
        int accepted = 0;
        for (int pass = 0; pass < 2 && !accepted; pass++) {
            memcpy(A, pass ? F : H, D * D * sizeof(double));
            memcpy(st, g, D * sizeof(double));
            if (chol_solve(D, A, st) < 0) continue;
            double t = 1;
            for (int h = 0; h < 60 && !accepted; h++, t *= 0.5) {
                for (int j = 0; j < d; j++) { nb[j] = b[j] - t * st[j]; nc[j] = c[j] - t * st[d + j]; }
                double f1 = mv_nll(n, p, X, y, nb, nc);
                if (isfinite(f1) && f1 <= f0 + 1e-14 * (fabs(f0) + 1)) {
                    memcpy(b, nb, d * sizeof(double));
                    memcpy(c, nc, d * sizeof(double));
                    f0 = f1;
                    accepted = 1;
                }
            }
        }
        if (!accepted) { conv = dec / (double)n < 1e-14; break; }
    }
done:
    if (iter) *iter = it;
    if (grad_norm) *grad_norm = gn;
    free(g); free(H); free(F); free(A); free(st); free(xt); free(nb); free(nc);
    return conv;
}

/* ---- model ------------------------------------------------------------------------------ */

static void score_free(grs_norm_score_t *s, int n_pops)
{
    free(s->name);
    if (s->pop_sorted)
        for (int p = 0; p < n_pops; p++) free(s->pop_sorted[p]);
    free(s->pop_sorted); free(s->pop_n); free(s->pop_mean); free(s->pop_std);
    free(s->z1_coef); free(s->z2_mu); free(s->z2_var);
}

void grs_norm_destroy(grs_norm_model_t *m)
{
    if (!m) return;
    if (m->scores)
        for (int k = 0; k < m->n_scores; k++) score_free(&m->scores[k], m->n_pops);
    free(m->scores);
    if (m->pops)
        for (int p = 0; p < m->n_pops; p++) free(m->pops[p]);
    free(m->pops); free(m->pc_mean); free(m->pc_std);
    free(m);
}

int grs_norm_pop(const grs_norm_model_t *m, const char *label)
{
    for (int p = 0; p < m->n_pops; p++)
        if (!strcmp(m->pops[p], label)) return p;
    return -1;
}

/* allocate the per-score arrays of a model with n_pops and n_pcs set */
static int score_alloc(grs_norm_score_t *s, int n_pops, int n_pcs)
{
    s->pop_n = (int64_t *)calloc(n_pops, sizeof(int64_t));
    s->pop_mean = (double *)calloc(n_pops, sizeof(double));
    s->pop_std = (double *)calloc(n_pops, sizeof(double));
    s->pop_sorted = (double **)calloc(n_pops, sizeof(double *));
    s->z1_coef = (double *)calloc(n_pcs + 1, sizeof(double));
    s->z2_mu = (double *)calloc(n_pcs + 1, sizeof(double));
    s->z2_var = (double *)calloc(n_pcs + 1, sizeof(double));
    s->matched_variants = -1;
    return s->pop_n && s->pop_mean && s->pop_std && s->pop_sorted && s->z1_coef && s->z2_mu && s->z2_var
           ? GRS_OK : GRS_ENOMEM;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double mean_of(int64_t n, const double *v)
{
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += v[i];
    return s / (double)n;
}

static double std0_of(int64_t n, const double *v, double mean)
{
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (v[i] - mean) * (v[i] - mean);
    return sqrt(s / (double)n);
}

int grs_norm_fit(const grs_norm_input_t *in, grs_norm_model_t **out)
{
    const int64_t n = in->n_ref;
    const int p = in->n_pcs, d = in->n_pcs + 1;
    int ret = GRS_ENOMEM;
    grs_norm_model_t *m = (grs_norm_model_t *)calloc(1, sizeof(*m));
    double *Z = NULL, *yc = NULL, *A = NULL, *r = NULL, *col = NULL;

    if (!m) goto fail;
    m->n_pcs = p; m->methods = in->methods; m->n_pops = in->n_pops; m->n_ref = n;
    m->n_scores = in->n_scores;
    if (!(m->pops = (char **)calloc(in->n_pops, sizeof(char *))) ||
        !(m->pc_mean = (double *)calloc(p + 1, sizeof(double))) ||
        !(m->pc_std = (double *)calloc(p + 1, sizeof(double))) ||
        !(m->scores = (grs_norm_score_t *)calloc(in->n_scores, sizeof(grs_norm_score_t))) ||
        !(Z = (double *)malloc((n * p + 1) * sizeof(double))) || !(yc = (double *)malloc(n * sizeof(double))) ||
        !(r = (double *)malloc(n * sizeof(double))) || !(col = (double *)malloc(n * sizeof(double))) ||
        !(A = (double *)malloc(d * d * sizeof(double))))
        goto fail;
    for (int q = 0; q < in->n_pops; q++)
        if (!(m->pops[q] = strdup(in->pops[q]))) goto fail;
    for (int q = 0; q < in->n_pops; q++) {
        int64_t c = 0;
        for (int64_t s = 0; s < n; s++) c += in->pop[s] == q;
        if (c < 2) {
            grs_log_error("population '%s' has %" PRId64 " reference sample%s; at least 2 are needed",
                          in->pops[q], c, c == 1 ? "" : "s");
            ret = GRS_EDEGENERATE;
            goto fail;
        }
    }
    /* PC standardization (pgsc_calc std_pcs=True) */
    for (int j = 0; j < p; j++) {
        for (int64_t s = 0; s < n; s++) col[s] = in->pcs[s * p + j];
        m->pc_mean[j] = mean_of(n, col);
        m->pc_std[j] = std0_of(n, col, m->pc_mean[j]);
        if ((in->methods & (GRS_NORM_MEAN | GRS_NORM_MEANVAR)) && !(m->pc_std[j] > 0)) {
            grs_log_error("PC%d has zero variance over the reference samples", j + 1);
            ret = GRS_EDEGENERATE;
            goto fail;
        }
        for (int64_t s = 0; s < n; s++) Z[s * p + j] = (col[s] - m->pc_mean[j]) / m->pc_std[j];
    }
    for (int k = 0; k < in->n_scores; k++) {
        grs_norm_score_t *sc = &m->scores[k];
        const double *y = in->y + (int64_t)k * n;
        if (!(sc->name = strdup(in->names[k])) || score_alloc(sc, in->n_pops, p) < 0) goto fail;
        if (in->matched) sc->matched_variants = in->matched[k];
        double mu = mean_of(n, y);
        if (!(std0_of(n, y, mu) > 0)) {
            grs_log_warning("skipping '%s': zero variance over the reference samples (outputs NA)", sc->name);
            sc->skipped = 1;
            continue;
        }
        /* empirical distributions */
        for (int q = 0; q < in->n_pops; q++) {
            int64_t c = 0;
            for (int64_t s = 0; s < n; s++)
                if (in->pop[s] == q) c++;
            if (!(sc->pop_sorted[q] = (double *)malloc(c * sizeof(double)))) goto fail;
            c = 0;
            for (int64_t s = 0; s < n; s++)
                if (in->pop[s] == q) sc->pop_sorted[q][c++] = y[s];
            sc->pop_n[q] = c;
            sc->pop_mean[q] = mean_of(c, sc->pop_sorted[q]);
            sc->pop_std[q] = std0_of(c, sc->pop_sorted[q], sc->pop_mean[q]);
            qsort(sc->pop_sorted[q], c, sizeof(double), cmp_double);
            if ((in->methods & GRS_NORM_EMPIRICAL) && !(sc->pop_std[q] > 0))
                grs_log_warning("'%s': zero variance in reference population '%s': Z_MostSimilarPop is NA there",
                                sc->name, in->pops[q]);
        }
        if (!(in->methods & (GRS_NORM_MEAN | GRS_NORM_MEANVAR))) continue;
        /* Z_norm1: OLS of the centred PGS on the standardized PCs, with intercept */
        sc->pgs_offset = mu;
        for (int64_t s = 0; s < n; s++) yc[s] = y[s] - mu;
        memset(A, 0, d * d * sizeof(double));
        memset(sc->z1_coef, 0, d * sizeof(double));
        for (int64_t s = 0; s < n; s++) {
            const double *z = Z + s * p;
            for (int a = 0; a < d; a++) {
                double xa = a ? z[a - 1] : 1;
                sc->z1_coef[a] += xa * yc[s];
                for (int b = 0; b < d; b++) A[a * d + b] += xa * (b ? z[b - 1] : 1);
            }
        }
        if (chol_solve(d, A, sc->z1_coef) < 0) {
            grs_log_error("the PCs are collinear over the reference samples: cannot fit Z_norm1");
            ret = GRS_EDEGENERATE;
            goto fail;
        }
        for (int64_t s = 0; s < n; s++) r[s] = yc[s] - linpred(p, sc->z1_coef, Z + s * p);
        sc->z1_resid_std = std0_of(n, r, mean_of(n, r));
        if (!(in->methods & GRS_NORM_MEANVAR)) continue;
        /* Z_norm2: maximum likelihood of the mean and log-variance models, from the OLS fit */
        memcpy(sc->z2_mu, sc->z1_coef, d * sizeof(double));
        int st = grs_norm_fit_meanvar(n, p, Z, yc, sc->z2_mu, sc->z2_var, &sc->z2_iter, &sc->z2_grad);
        if (st < 0) goto fail;
        sc->z2_converged = st;
        if (!st)
            grs_log_warning("'%s': the mean+var likelihood fit did not converge (%d iterations, gradient "
                            "norm %g); Z_norm2 is from the last iterate", sc->name, sc->z2_iter, sc->z2_grad);
    }
    *out = m; m = NULL;
    ret = GRS_OK;
fail:
    free(Z); free(yc); free(A); free(r); free(col);
    grs_norm_destroy(m);
    return ret;
}

void grs_norm_apply(const grs_norm_model_t *m, int k, double x, const double *pc, int pop, double out[4])
{
    const grs_norm_score_t *s = &m->scores[k];
    const int p = m->n_pcs;
    out[0] = out[1] = out[2] = out[3] = NAN;
    if (s->skipped) return;
    if ((m->methods & GRS_NORM_EMPIRICAL) && pop >= 0 && pop < m->n_pops && s->pop_n[pop] > 0) {
        out[0] = grs_norm_percentile(s->pop_sorted[pop], s->pop_n[pop], x);
        if (s->pop_std[pop] > 0) out[1] = (x - s->pop_mean[pop]) / s->pop_std[pop];
    }
    if (m->methods & (GRS_NORM_MEAN | GRS_NORM_MEANVAR)) {
        double z[64];
        const double yc = x - s->pgs_offset;
        for (int j = 0; j < p && j < 64; j++) z[j] = (pc[j] - m->pc_mean[j]) / m->pc_std[j];
        if ((m->methods & GRS_NORM_MEAN) && s->z1_resid_std > 0)
            out[2] = (yc - linpred(p, s->z1_coef, z)) / s->z1_resid_std;
        if (m->methods & GRS_NORM_MEANVAR)
            out[3] = (yc - linpred(p, s->z2_mu, z)) / sqrt(exp(linpred(p, s->z2_var, z)));
    }
}

/* ---- refdist JSON: writer --------------------------------------------------------------- */

static const char *const method_names[3] = { "empirical", "mean", "mean+var" };

static void json_vec(grs_json_t *j, const char *key, int n, const double *v)
{
    grs_json_arr(j, key);
    for (int i = 0; i < n; i++) grs_json_num(j, NULL, v[i]);
    grs_json_close(j, ']');
}

int grs_norm_write(const grs_norm_model_t *m, const char *fn, const grs_norm_prov_t *prov)
{
    grs_out_t *o = grs_out_open(fn, 0);
    grs_json_t j;
    char when[32], *fp;
    if (!o) return GRS_EIO;
    grs_iso_time(when, sizeof(when));
    grs_json_begin(&j, o);
    grs_json_int(&j, "grs_refdist_version", GRS_REFDIST_VERSION);
    grs_json_str(&j, "format", "grs-refdist");
    grs_json_obj(&j, "provenance");
    grs_json_str(&j, "tool", "grs " GRS_VERSION " (" GRS_GIT ")");
    grs_json_str(&j, "created", when);
    if (prov) {
        const char *what[3] = { "ref_scores", "ancestry", "target_scores" };
        const char *fns[3] = { prov->ref_scores, prov->ancestry, prov->target_scores };
        grs_json_str(&j, "command", prov->command);
        for (int i = 0; i < 3; i++) {
            if (!fns[i]) continue;
            grs_json_obj(&j, what[i]);
            grs_json_str(&j, "path", fns[i]);
            fp = grs_file_fingerprint(fns[i]);
            grs_json_str(&j, "fingerprint", fp);
            free(fp);
            grs_json_close(&j, '}');
        }
    }
    grs_json_str(&j, "method", "pgsc_calc pgs_adjust (empirical; Z_norm1 Khera 2019; Z_norm2 full likelihood, Khan 2022)");
    grs_json_close(&j, '}');
    grs_json_int(&j, "n_pcs", m->n_pcs);
    grs_json_arr(&j, "methods");
    for (int b = 0; b < 3; b++)
        if (m->methods & (1u << b)) grs_json_str(&j, NULL, method_names[b]);
    grs_json_close(&j, ']');
    grs_json_int(&j, "n_reference", m->n_ref);
    grs_json_arr(&j, "populations");
    for (int q = 0; q < m->n_pops; q++) grs_json_str(&j, NULL, m->pops[q]);
    grs_json_close(&j, ']');
    grs_json_obj(&j, "pc_standardization");
    json_vec(&j, "mean", m->n_pcs, m->pc_mean);
    json_vec(&j, "std", m->n_pcs, m->pc_std);
    grs_json_close(&j, '}');
    grs_json_arr(&j, "scores");
    for (int k = 0; k < m->n_scores; k++) {
        const grs_norm_score_t *s = &m->scores[k];
        grs_json_obj(&j, NULL);
        grs_json_str(&j, "name", s->name);
        if (s->matched_variants >= 0) grs_json_int(&j, "matched_variants", s->matched_variants);
        grs_json_bool(&j, "skipped_zero_variance", s->skipped);
        if (!s->skipped) {
            if (m->methods & GRS_NORM_EMPIRICAL) {
                grs_json_obj(&j, "empirical");
                for (int q = 0; q < m->n_pops; q++) {
                    grs_json_obj(&j, m->pops[q]);
                    grs_json_int(&j, "n", s->pop_n[q]);
                    grs_json_num(&j, "mean", s->pop_mean[q]);
                    grs_json_num(&j, "std", s->pop_std[q]);
                    grs_json_arr(&j, "sorted_scores");
                    for (int64_t i = 0; i < s->pop_n[q]; i++) grs_json_num(&j, NULL, s->pop_sorted[q][i]);
                    grs_json_close(&j, ']');
                    grs_json_close(&j, '}');
                }
                grs_json_close(&j, '}');
            }
            if (m->methods & (GRS_NORM_MEAN | GRS_NORM_MEANVAR)) grs_json_num(&j, "pgs_offset", s->pgs_offset);
            if (m->methods & GRS_NORM_MEAN) {
                grs_json_obj(&j, "z_norm1");
                json_vec(&j, "coef", m->n_pcs + 1, s->z1_coef);
                grs_json_num(&j, "resid_std", s->z1_resid_std);
                grs_json_close(&j, '}');
            }
            if (m->methods & GRS_NORM_MEANVAR) {
                grs_json_obj(&j, "z_norm2");
                json_vec(&j, "mu_coef", m->n_pcs + 1, s->z2_mu);
                json_vec(&j, "var_coef", m->n_pcs + 1, s->z2_var);
                grs_json_bool(&j, "converged", s->z2_converged);
                grs_json_int(&j, "iterations", s->z2_iter);
                grs_json_num(&j, "gradient_norm", s->z2_grad);
                grs_json_close(&j, '}');
            }
        }
        grs_json_close(&j, '}');
    }
    grs_json_close(&j, ']');
    grs_json_end(&j);
    return grs_out_close(o, 1);
}

/* ---- refdist JSON: reader (the shared JSON reader of shard.h, grs_jv_read) ------------- */

/* a number (null reads as NaN, as the writer writes non-finite numbers); -1 if absent/other */
static int jn_num(const grs_jv_t *o, const char *key, double *x)
{
    const grs_jv_t *v = o && o->type == GRS_JV_OBJ ? grs_jv_get(o, key) : NULL;
    if (!v || (v->type != GRS_JV_NUM && v->type != GRS_JV_NULL)) return -1;
    *x = v->type == GRS_JV_NUM ? v->num : NAN;
    return 0;
}

static const grs_jv_t *jn_get(const grs_jv_t *o, const char *key)
{
    return o && o->type == GRS_JV_OBJ ? grs_jv_get(o, key) : NULL;
}

static int jn_vec(const grs_jv_t *o, const char *key, int n, double *out)
{
    const grs_jv_t *v = jn_get(o, key);
    if (!v || v->type != GRS_JV_ARR || v->n != n) return -1;
    for (int i = 0; i < n; i++) {
        if (v->items[i].type != GRS_JV_NUM) return -1;
        out[i] = v->items[i].num;
    }
    return 0;
}

int grs_norm_read(const char *fn, grs_norm_model_t **out)
{
    int ret;
    const char *why = "malformed JSON";
    grs_jv_t *rootp = NULL;
    grs_norm_model_t *m = NULL;

    if ((ret = grs_jv_read(fn, &rootp)) < 0) return ret;     /* logged with file and line */
    const grs_jv_t *root = rootp;
    ret = GRS_EFORMAT;
    if (root->type != GRS_JV_OBJ) goto bad;
    double ver;
    if (jn_num(root, "grs_refdist_version", &ver) < 0 || !(ver >= 1) || ver != floor(ver)) {
        why = "no \"grs_refdist_version\": not a grs reference-distribution file";
        goto bad;
    }
    if (ver > GRS_REFDIST_VERSION) {
        grs_log_error("'%s': grs_refdist_version %.0f was written by a newer grs; this grs reads version %d "
                      "(upgrade grs)", fn, ver, GRS_REFDIST_VERSION);
        goto fail;
    }
    if (!(m = (grs_norm_model_t *)calloc(1, sizeof(*m)))) { ret = GRS_ENOMEM; goto fail; }
    double x;
    if (jn_num(root, "n_pcs", &x) < 0 || !(x >= 1 && x <= 64) || x != floor(x)) { why = "bad \"n_pcs\""; goto bad; }
    m->n_pcs = (int)x;
    /* counts are range-checked before the conversion to int64_t (out of range: UB; fuzz_refdist) */
    if (jn_num(root, "n_reference", &x) < 0 || !(x >= 0 && x < 9.2e18)) { why = "bad \"n_reference\""; goto bad; }
    m->n_ref = (int64_t)x;
    const grs_jv_t *v = jn_get(root, "methods");
    if (!v || v->type != GRS_JV_ARR) { why = "no \"methods\" array"; goto bad; }
    for (int64_t i = 0; i < v->n; i++) {
        int b = 0;
        while (b < 3 && (v->items[i].type != GRS_JV_STR || strcmp(v->items[i].str, method_names[b]))) b++;
        if (b == 3) { why = "unknown method in \"methods\""; goto bad; }
        m->methods |= 1u << b;
    }
    if (!m->methods) { why = "empty \"methods\""; goto bad; }
    v = jn_get(root, "populations");
    if (!v || v->type != GRS_JV_ARR || v->n < 1) { why = "no \"populations\""; goto bad; }
    m->n_pops = (int)v->n;
    if (!(m->pops = (char **)calloc(m->n_pops, sizeof(char *)))) { ret = GRS_ENOMEM; goto fail; }
    for (int q = 0; q < m->n_pops; q++) {
        if (v->items[q].type != GRS_JV_STR) { why = "a population label is not a string"; goto bad; }
        if (!(m->pops[q] = strdup(v->items[q].str))) { ret = GRS_ENOMEM; goto fail; }
    }
    if (!(m->pc_mean = (double *)calloc(m->n_pcs, sizeof(double))) ||
        !(m->pc_std = (double *)calloc(m->n_pcs, sizeof(double)))) { ret = GRS_ENOMEM; goto fail; }
    if (m->methods & (GRS_NORM_MEAN | GRS_NORM_MEANVAR)) {
        v = jn_get(root, "pc_standardization");
        if (jn_vec(v, "mean", m->n_pcs, m->pc_mean) < 0 || jn_vec(v, "std", m->n_pcs, m->pc_std) < 0) {
            why = "bad \"pc_standardization\" (mean and std, n_pcs numbers each)";
            goto bad;
        }
        for (int j = 0; j < m->n_pcs; j++)
            if (!(m->pc_std[j] > 0)) { why = "a PC standard deviation is not positive"; goto bad; }
    }
    v = jn_get(root, "scores");
    if (!v || v->type != GRS_JV_ARR || v->n < 1) { why = "no \"scores\""; goto bad; }
    m->n_scores = (int)v->n;
    if (!(m->scores = (grs_norm_score_t *)calloc(m->n_scores, sizeof(grs_norm_score_t)))) { ret = GRS_ENOMEM; goto fail; }
    for (int k = 0; k < m->n_scores; k++) {
        const grs_jv_t *o = &v->items[k], *t;
        grs_norm_score_t *s = &m->scores[k];
        if (score_alloc(s, m->n_pops, m->n_pcs) < 0) { ret = GRS_ENOMEM; goto fail; }
        if (!(t = jn_get(o, "name")) || t->type != GRS_JV_STR) { why = "a score without a \"name\""; goto bad; }
        if (!(s->name = strdup(t->str))) { ret = GRS_ENOMEM; goto fail; }
        if (!jn_num(o, "matched_variants", &x)) {
            if (!(x >= 0 && x < 9.2e18)) { why = "bad \"matched_variants\""; goto bad; }
            s->matched_variants = (int64_t)x;
        }
        if (!(t = jn_get(o, "skipped_zero_variance")) || t->type != GRS_JV_BOOL) { why = "bad \"skipped_zero_variance\""; goto bad; }
        if ((s->skipped = t->b)) continue;
        if (m->methods & GRS_NORM_EMPIRICAL) {
            const grs_jv_t *e = jn_get(o, "empirical");
            for (int q = 0; q < m->n_pops; q++) {
                const grs_jv_t *pp = jn_get(e, m->pops[q]), *a = jn_get(pp, "sorted_scores");
                if (jn_num(pp, "n", &x) < 0 || !(x >= 2) || !a || a->type != GRS_JV_ARR || (double)a->n != x ||
                    jn_num(pp, "mean", &s->pop_mean[q]) < 0 || jn_num(pp, "std", &s->pop_std[q]) < 0) {
                    why = "bad \"empirical\" distribution (n >= 2, mean, std, n sorted_scores)";
                    goto bad;
                }
                s->pop_n[q] = (int64_t)x;
                if (!(s->pop_sorted[q] = (double *)malloc(a->n * sizeof(double)))) { ret = GRS_ENOMEM; goto fail; }
                for (int64_t i = 0; i < a->n; i++) {
                    if (a->items[i].type != GRS_JV_NUM || (i && a->items[i].num < s->pop_sorted[q][i - 1])) {
                        why = "\"sorted_scores\" holds a non-number or is not sorted";
                        goto bad;
                    }
                    s->pop_sorted[q][i] = a->items[i].num;
                }
            }
        }
        if ((m->methods & (GRS_NORM_MEAN | GRS_NORM_MEANVAR)) && jn_num(o, "pgs_offset", &s->pgs_offset) < 0) {
            why = "no \"pgs_offset\"";
            goto bad;
        }
        if (m->methods & GRS_NORM_MEAN) {
            t = jn_get(o, "z_norm1");
            if (jn_vec(t, "coef", m->n_pcs + 1, s->z1_coef) < 0 || jn_num(t, "resid_std", &s->z1_resid_std) < 0) {
                why = "bad \"z_norm1\" (coef: n_pcs + 1 numbers, resid_std)";
                goto bad;
            }
        }
        if (m->methods & GRS_NORM_MEANVAR) {
            t = jn_get(o, "z_norm2");
            if (jn_vec(t, "mu_coef", m->n_pcs + 1, s->z2_mu) < 0 || jn_vec(t, "var_coef", m->n_pcs + 1, s->z2_var) < 0) {
                why = "bad \"z_norm2\" (mu_coef and var_coef: n_pcs + 1 numbers each)";
                goto bad;
            }
            const grs_jv_t *cv = jn_get(t, "converged");
            s->z2_converged = cv && cv->type == GRS_JV_BOOL && cv->b;
        }
    }
    for (int k = 0; k < m->n_scores; k++)
        for (int k2 = 0; k2 < k; k2++)
            if (!strcmp(m->scores[k].name, m->scores[k2].name)) { why = "a score name appears twice"; goto bad; }
    *out = m; m = NULL;
    ret = GRS_OK;
    goto fail;
bad:
    grs_log_error("'%s': %s", fn, why);
    ret = GRS_EFORMAT;
fail:
    grs_jv_free(rootp);
    grs_norm_destroy(m);
    return ret;
}

/* ---- PREFIX.ancestry.tsv ---------------------------------------------------------------- */

void grs_ancestry_tab_destroy(grs_ancestry_tab_t *t)
{
    if (!t) return;
    if (t->rowbuf)
        for (int64_t r = 0; r < t->n_rows; r++) free(t->rowbuf[r]);
    free(t->rowbuf); free(t->path); free(t->fid); free(t->iid); free(t->is_ref); free(t->pop);
    free(t->msp); free(t->lowconf); free(t->pcs); free(t->line);
    free(t);
}

int grs_ancestry_tab_read(const char *fn, int n_pcs, grs_ancestry_tab_t **out)
{
    enum { C_FID, C_IID, C_DATASET, C_POP, C_MSP, C_LOW, C_N };
    static const char *const need[C_N] = { "FID", "IID", "DATASET", "POP", "MostSimilarPop",
                                           "MostSimilarPop_LowConfidence" };
    int ret = GRS_EFORMAT, cols[C_N], *pcol = NULL, n_cols = 0, r;
    int64_t lineno = 0, cap = 0, fcap = 0, nf;
    kstring_t line = { 0, 0, NULL };
    char **f = NULL, *hdr = NULL;
    htsFile *fp = NULL;
    grs_ancestry_tab_t *t = (grs_ancestry_tab_t *)calloc(1, sizeof(*t));

    if (!t || !(t->path = strdup(fn)) || !(pcol = (int *)malloc(n_pcs * sizeof(int)))) { ret = GRS_ENOMEM; goto fail; }
    t->n_pcs = n_pcs;
    if (!(fp = hts_open(fn, "r"))) {
        grs_log_error("cannot open '%s': %s", fn, strerror(errno ? errno : ENOENT));
        ret = GRS_EIO;
        goto fail;
    }
    while ((r = hts_getline(fp, KS_SEP_LINE, &line)) >= 0) {
        lineno++;
        if (line.l && line.s[line.l - 1] == '\r') line.s[--line.l] = 0;
        if (!hdr && !strncmp(line.s, "##", 2)) continue;
        if (!hdr) {
            if (line.s[0] != '#') {
                grs_log_error("'%s': line %" PRId64 ": expected the header line '#FID<TAB>IID<TAB>DATASET...'", fn, lineno);
                goto fail;
            }
            if (!(hdr = strdup(line.s + 1))) { ret = GRS_ENOMEM; goto fail; }
            if ((nf = grs_split_grow(hdr, '\t', &f, &fcap)) < 0) { ret = GRS_ENOMEM; goto fail; }
            n_cols = (int)nf;
            for (int c = 0; c < C_N; c++) {
                cols[c] = -1;
                for (int i = 0; i < n_cols && cols[c] < 0; i++)
                    if (!strcmp(f[i], need[c])) cols[c] = i;
                if (cols[c] < 0) {
                    grs_log_error("'%s': line %" PRId64 ": the header has no %s column", fn, lineno, need[c]);
                    goto fail;
                }
            }
            for (int j = 0; j < n_pcs; j++) {
                char nm[16];
                snprintf(nm, sizeof(nm), "PC%d", j + 1);
                pcol[j] = -1;
                for (int i = 0; i < n_cols && pcol[j] < 0; i++)
                    if (!strcmp(f[i], nm)) pcol[j] = i;
                if (pcol[j] < 0) {
                    grs_log_error("'%s': line %" PRId64 ": no %s column (--n-pcs %d needs PC1..PC%d)", fn, lineno,
                                  nm, n_pcs, n_pcs);
                    goto fail;
                }
            }
            continue;
        }
        if (!line.l) {
            grs_log_error("'%s': line %" PRId64 ": empty line", fn, lineno);
            goto fail;
        }
        if (t->n_rows == cap) {
            cap = cap ? 2 * cap : 256;
#define GROW(p, T, k) do { T *p2_ = (T *)realloc(t->p, (size_t)cap * (k) * sizeof(T)); \
                           if (!p2_) { ret = GRS_ENOMEM; goto fail; } t->p = p2_; } while (0)
            GROW(rowbuf, char *, 1); GROW(fid, char *, 1); GROW(iid, char *, 1); GROW(is_ref, int, 1);
            GROW(pop, char *, 1); GROW(msp, char *, 1); GROW(lowconf, char *, 1); GROW(line, int64_t, 1);
            GROW(pcs, double, n_pcs);
#undef GROW
        }
        const int64_t row = t->n_rows;
        if (!(t->rowbuf[row] = strdup(line.s))) { ret = GRS_ENOMEM; goto fail; }
        t->n_rows++;
        if ((nf = grs_split_grow(t->rowbuf[row], '\t', &f, &fcap)) < 0) { ret = GRS_ENOMEM; goto fail; }
        if (nf != n_cols) {
            grs_log_error("'%s': line %" PRId64 ": %" PRId64 " fields, expected %d (as the header)%s", fn, lineno,
                          nf, n_cols, nf < n_cols ? ": truncated?" : "");
            goto fail;
        }
        t->line[row] = lineno;
        t->fid[row] = f[cols[C_FID]]; t->iid[row] = f[cols[C_IID]]; t->pop[row] = f[cols[C_POP]];
        t->msp[row] = f[cols[C_MSP]]; t->lowconf[row] = f[cols[C_LOW]];
        const char *ds = f[cols[C_DATASET]];
        if (!strcmp(ds, "reference")) t->is_ref[row] = 1;
        else if (!strcmp(ds, "target")) t->is_ref[row] = 0;
        else {
            grs_log_error("'%s': line %" PRId64 ": DATASET is '%s', expected 'reference' or 'target'", fn, lineno, ds);
            goto fail;
        }
        if (!*t->iid[row] || (t->is_ref[row] && (!*t->pop[row] || !strcmp(t->pop[row], "NA")))) {
            grs_log_error("'%s': line %" PRId64 ": empty IID, or a reference sample without a POP label", fn, lineno);
            goto fail;
        }
        for (int j = 0; j < n_pcs; j++) {
            double x;
            if (grs_parse_double(f[pcol[j]], &x) < 0 || !isfinite(x)) {
                grs_log_error("'%s': line %" PRId64 ": PC%d is '%s', not a finite number", fn, lineno, j + 1, f[pcol[j]]);
                goto fail;
            }
            t->pcs[row * n_pcs + j] = x;
        }
    }
    if (r < -1) { grs_log_error("'%s': read error (truncated gzip?)", fn); ret = GRS_EIO; goto fail; }
    if (!hdr) { grs_log_error("'%s': empty file (no header line)", fn); goto fail; }
    if (!t->n_rows) { grs_log_error("'%s': no samples after the header", fn); goto fail; }
    r = hts_close(fp);
    fp = NULL;
    if (r < 0) { grs_log_error("'%s': read error on close", fn); ret = GRS_EIO; goto fail; }
    *out = t; t = NULL;
    ret = GRS_OK;
fail:
    if (fp) (void)hts_close(fp);
    free(line.s); free(f); free(hdr); free(pcol);
    grs_ancestry_tab_destroy(t);
    return ret;
}

/* ---- summary.json beside a .sscore ----------------------------------------------------- */

int grs_norm_summary_matched(const char *sscore_fn, int n_scores, char *const *names, int64_t *matched)
{
    size_t l = strlen(sscore_fn);
    char *fn = NULL;
    grs_jv_t *root = NULL;
    int found = 0;
    for (int k = 0; k < n_scores; k++) matched[k] = -1;
    if (l < 7 || strcmp(sscore_fn + l - 7, ".sscore")) return 0;
    if (!(fn = grs_sprintf("%.*s.summary.json", (int)(l - 7), sscore_fn)) || access(fn, R_OK) != 0) goto done;
    /* optional input: a bad file is a warning here, so the reader's own error line is muted */
    int level = grs_get_log_level();
    grs_set_log_level(GRS_LOG_OFF);
    int r = grs_jv_read(fn, &root);
    grs_set_log_level(level);
    if (r < 0) { grs_log_warning("'%s': not valid JSON; variant counts not checked", fn); goto done; }
    const grs_jv_t *sf = jn_get(root, "score_files");
    if (!sf) sf = jn_get(jn_get(root, "summary"), "score_files");
    if (!sf || sf->type != GRS_JV_ARR) goto done;
    for (int i = 0; i < sf->n; i++) {
        const grs_jv_t *sc = jn_get(&sf->items[i], "scores");
        double x;
        if (!sc || sc->type != GRS_JV_ARR || jn_num(&sf->items[i], "matched", &x) < 0) continue;
        for (int q = 0; q < sc->n; q++)
            for (int k = 0; k < n_scores; k++)
                if (sc->items[q].type == GRS_JV_STR && !strcmp(sc->items[q].str, names[k])) { matched[k] = (int64_t)x; found = 1; }
    }
done:
    grs_jv_free(root);
    free(fn);
    return found;
}
