/* enet.c -- elastic-net path by coordinate descent, glmnet's objective and conventions
 * (see enet.h for the objective and the algorithm). The genotype block is reached only
 * through the backend ops of grs/enet.h. */
#include "enet.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "grs/backend_ops.h"
#include "grs/log.h"
#include "grs/status.h"
#include "util.h"

#define BINOMIAL_PMIN 1e-9   /* glmnet.control()$pmin: fitted probabilities kept in [pmin, 1-pmin] */
#define MAX_OUTER 500        /* IRLS iterations per λ                                            */
#define GRS_ENET_MAX_TEAM 64 /* coordinate-descent threads at most                               */

typedef struct {
    const grs_enet_data_t *d;
    const grs_enet_opts_t *o;
    struct grs_backend_s *be;
    const struct grs_backend_ops *ops;
    grs_enet_geno_t g;        /* genotype block with this fit's standardization */
    int64_t p, G;             /* features, genotype features                    */
    double *center, *scale, *inv, *vp;
    unsigned char *ju;        /* 1: usable (nonzero variance)                   */
    double *xd;               /* n × n_dense standardized                      */
    double *v;                /* observation weights, Σ = 1                     */
    double ridge_scale;       /* 1/sd(y) (gaussian, glmnet's scaling of y), else 1 */
    int64_t n_sweeps, n_kkt_fail, n_coord;
    int err;
    int64_t *cols;            /* scratch column list (p)                        */
    double *colv;             /* scratch column values (p)                      */
    const struct grs_backend_ops *cd_ops;   /* the coordinate-descent step (host memory)  */
    struct team_s *team;      /* coordinate descent's threads (NULL: one)               */
    double *cd_part;          /* one thread's block partials (n / GRS_ENET_BLOCK + 1)   */
} ctx_t;

/* ---- feature ops: genotype columns through the backend, dense columns here -----------------
 * Sums over samples are taken like the backend's: block partials over GRS_ENET_BLOCK samples
 * added in block order, so a dense column, the intercept and a genotype column follow one rule. */

/* Σ_s r[s]·x̃_j(s) over all samples (j < 0: Σ r) */
static double f_dot(ctx_t *c, int64_t j, const double *r)
{
    const int64_t n = c->d->n;
    double total = 0;
    if (j >= 0 && j < c->G) {
        int ret = c->ops->enet_dot(c->be, &c->g, &j, 1, r, &total);
        if (ret < 0) c->err = ret;
        return total;
    }
    const double *x = j >= 0 ? c->xd + (j - c->G) * n : NULL;
    for (int64_t b0 = 0; b0 < n; b0 += GRS_ENET_BLOCK) {
        int64_t b1 = b0 + GRS_ENET_BLOCK < n ? b0 + GRS_ENET_BLOCK : n;
        double acc = 0;
        if (x) for (int64_t s = b0; s < b1; s++) acc += r[s] * x[s];
        else for (int64_t s = b0; s < b1; s++) acc += r[s];
        total += acc;
    }
    return total;
}

/* r += a·cw∘x̃_j (cw NULL = 1; j < 0: x̃ = 1) */
static void f_axpy(ctx_t *c, int64_t j, double a, const double *cw, double *r)
{
    const int64_t n = c->d->n;
    if (j >= 0 && j < c->G) {
        int ret = c->ops->enet_axpy(c->be, &c->g, &j, 1, &a, cw, r);
        if (ret < 0) c->err = ret;
        return;
    }
    const double *x = j >= 0 ? c->xd + (j - c->G) * n : NULL;
    if (x && cw) for (int64_t s = 0; s < n; s++) r[s] += a * cw[s] * x[s];
    else if (x) for (int64_t s = 0; s < n; s++) r[s] += a * x[s];
    else if (cw) for (int64_t s = 0; s < n; s++) r[s] += a * cw[s];
    else for (int64_t s = 0; s < n; s++) r[s] += a;
}

/* out[j] = Σ r x̃_j for every usable feature outside the working set (all when in_set NULL) */
static void f_dot_all(ctx_t *c, const double *r, const unsigned char *in_set, double *out)
{
    int64_t m = 0;
    for (int64_t j = 0; j < c->G; j++)
        if (!in_set || (!in_set[j] && c->ju[j])) c->cols[m++] = j;
    if (m) {
        int ret = c->ops->enet_dot(c->be, &c->g, c->cols, m, r, c->colv);
        if (ret < 0) c->err = ret;
        for (int64_t k = 0; k < m; k++) out[c->cols[k]] = c->colv[k];
    }
    for (int64_t j = c->G; j < c->p; j++)
        if (!in_set || (!in_set[j] && c->ju[j])) out[j] = f_dot(c, j, r);
}

/* xv[j] = Σ cw x̃_j² for the listed features */
static void f_sqdot(ctx_t *c, const int64_t *list, int64_t n, const double *cw, double *xv, int64_t *tmp, double *tmpv)
{
    int64_t ng = 0;
    for (int64_t k = 0; k < n; k++)
        if (list[k] < c->G) tmp[ng++] = list[k];
    if (ng) {
        int ret = c->ops->enet_sqdot(c->be, &c->g, tmp, ng, cw, tmpv);
        if (ret < 0) c->err = ret;
        for (int64_t k = 0; k < ng; k++) xv[tmp[k]] = tmpv[k];
    }
    for (int64_t k = 0; k < n; k++) {
        int64_t j = list[k];
        if (j < c->G) continue;
        const double *x = c->xd + (j - c->G) * c->d->n;
        double acc = 0;
        for (int64_t s = 0; s < c->d->n; s++) acc += cw[s] * x[s] * x[s];
        xv[j] = acc;
    }
}

double grs_enet_dev1(int family, double y, double eta)
{
    if (family == GRS_ENET_GAUSSIAN) return (y - eta) * (y - eta);
    /* -2 [y η - log(1 + e^η)], computed without overflow */
    double l1pe = eta > 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta));
    return -2.0 * (y * eta - l1pe);
}

static double sigmoid(double eta)
{
    double q = eta >= 0 ? 1.0 / (1.0 + exp(-eta)) : exp(eta) / (1.0 + exp(eta));
    if (q < BINOMIAL_PMIN) q = BINOMIAL_PMIN;
    if (q > 1 - BINOMIAL_PMIN) q = 1 - BINOMIAL_PMIN;
    return q;
}

/* ---- standardization over the training samples ----------------------------------------- */
static int standardize(ctx_t *c, const double *w, int64_t n_train)
{
    const grs_enet_data_t *d = c->d;
    const int64_t n = d->n;
    if (c->G) {
        double *mom = (double *)malloc(3 * c->G * sizeof(double));
        if (!mom) return GRS_ENOMEM;
        c->g.n_samples = n;
        c->g.n_cols = c->G;
        c->g.codes = d->codes;
        c->g.center = c->center;
        c->g.inv_scale = c->inv;
        c->g.n_threads = d->n_threads;
        int ret = c->ops->enet_moments(c->be, &c->g, w, mom);
        if (ret < 0) { free(mom); return ret; }
        for (int64_t j = 0; j < c->G; j++) {
            double m0 = mom[3 * j], m1 = mom[3 * j + 1], m2 = mom[3 * j + 2];
            double mean = m0 > 0 ? m1 / m0 : 0.0;
            /* missing genotypes take the mean, so they add nothing to the sum of squares */
            double var = m0 > 0 ? (m2 - m1 * mean) / (double)n_train : 0.0;
            c->center[j] = mean;
            c->scale[j] = var > 1e-14 * (1 + mean * mean) ? sqrt(var) : 0.0;
        }
        free(mom);
    }
    for (int64_t k = 0; k < d->n_dense; k++) {
        int64_t j = c->G + k;
        const double *x = d->dense + k * n;
        double *z = c->xd + k * n, m0 = 0, m1 = 0, ss = 0;
        for (int64_t s = 0; s < n; s++)
            if ((!w || w[s] > 0) && !isnan(x[s])) { m0 += 1; m1 += x[s]; }
        double mean = m0 > 0 ? m1 / m0 : 0.0;
        for (int64_t s = 0; s < n; s++)
            if ((!w || w[s] > 0) && !isnan(x[s])) ss += (x[s] - mean) * (x[s] - mean);
        double var = ss / (double)n_train;
        c->center[j] = mean;
        c->scale[j] = var > 1e-28 * (1 + mean * mean) ? sqrt(var) : 0.0;
        double is = c->scale[j] > 0 ? 1.0 / c->scale[j] : 0.0;
        for (int64_t s = 0; s < n; s++) z[s] = isnan(x[s]) ? 0.0 : (x[s] - mean) * is;
    }
    for (int64_t j = 0; j < c->p; j++) {
        c->ju[j] = c->scale[j] > 0;
        c->inv[j] = c->scale[j] > 0 ? 1.0 / c->scale[j] : 0.0;
    }
    return GRS_OK;
}

/* ---- coordinate descent on a working set ----------------------------------------------------
 * Minimizes ½ Σ_s cw_s (z_s - x̃_s·β)² + penalty over the features in `set`, where the
 * weighted residual r = cw ∘ (z - η) is kept up to date. Alternates a sweep over the whole set
 * with sweeps over its nonzero coefficients (glmnet). With `icpt`, the intercept is updated
 * too (binomial; for the gaussian the centred design keeps Σ r = 0).
 *
 * Threads split the samples at GRS_ENET_BLOCK boundaries (a "team"): every member runs the
 * same sweeps on its own range of r. A sum over samples (each coordinate's dot product) is a
 * collective: each member publishes its blocks' partial sums, waits for the others' and adds
 * all blocks in block order, so every member gets the same bits, and the same bits as one
 * thread (the ops' reduction order, grs/enet.h). Members therefore take the same decisions;
 * member 0 works on the caller's β and working set, the others on private copies. One
 * exchange per coordinate: two cache lines and a spin-wait (about 50 ns between two cores
 * here, against about 2 µs of work per coordinate at 10,000 samples). */
typedef struct {
    int64_t *set; int64_t n_set;   /* working set                         */
    int64_t *nz;  int64_t n_nz;    /* coefficients ever nonzero in this λ */
    unsigned char *in_nz;
} wset_t;

typedef struct {
    _Atomic int64_t step;          /* the last step this member published */
    char pad[64 - sizeof(int64_t)];
} team_seq_t;

typedef struct team_s {
    int n;                         /* members                                          */
    int64_t nblk;                  /* GRS_ENET_BLOCK blocks over the samples           */
    double *part[2];               /* block partials, double-buffered by step parity   */
    team_seq_t *seq;               /* n                                                */
    _Atomic int go;                /* 0 wait, 1 run, -1 abandon (a thread did not start) */
    struct cdm_s *m;               /* n members                                        */
} team_t;

/* one member's state */
typedef struct cdm_s {
    ctx_t *c;
    team_t *tm;                    /* NULL: no team (one thread, no exchange)          */
    int id;
    int64_t s0, s1, k0, k1;        /* its samples and blocks                           */
    int64_t step;
    double *one;                   /* a one-member team's partials (nblk)              */
    int64_t pend_j;                /* deferred r += pend_a·cw∘x̃_j (-1 none)            */
    double pend_a;
    /* the problem */
    double lambda, cw_sum, thr;
    const double *cw, *xv;
    double *r, *beta, a0;
    wset_t ws;
    int icpt;
    int64_t n_sweeps, n_coord;
} cdm_t;

/* where this member writes the partials of its blocks for the next step */
static double *cdm_slot(cdm_t *m)
{
    return m->tm ? m->tm->part[(m->step + 1) & 1] + m->k0 : m->one;
}

/* publish the partials written to cdm_slot, wait for the other members' and add every block's
 * partial in block order */
static double cdm_sum(cdm_t *m)
{
    const int64_t step = ++m->step;
    double total = 0.0;
    if (!m->tm) {
        for (int64_t k = 0; k < m->k1; k++) total += m->one[k];
        return total;
    }
    team_t *tm = m->tm;
    atomic_store_explicit(&tm->seq[m->id].step, step, memory_order_release);
    for (int u = 0; u < tm->n; u++) {
        if (u == m->id) continue;
        for (unsigned spins = 1; atomic_load_explicit(&tm->seq[u].step, memory_order_acquire) < step; spins++) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
            if (!(spins & 4095)) sched_yield();   /* the other member lost its core: give way */
        }
    }
    const double *buf = tm->part[step & 1];
    for (int64_t k = 0; k < tm->nblk; k++) total += buf[k];
    return total;
}

/* partials of Σ r·x for a dense feature j ≥ G, or of Σ r (j < 0), over this member's blocks */
static void cdm_dense_part(cdm_t *m, int64_t j, double *part)
{
    const ctx_t *c = m->c;
    const double *x = j >= 0 ? c->xd + (j - c->G) * c->d->n : NULL, *r = m->r;
    for (int64_t b0 = m->s0; b0 < m->s1; b0 += GRS_ENET_BLOCK) {
        int64_t b1 = b0 + GRS_ENET_BLOCK < m->s1 ? b0 + GRS_ENET_BLOCK : m->s1;
        double acc = 0;
        if (x) for (int64_t s = b0; s < b1; s++) acc += r[s] * x[s];
        else for (int64_t s = b0; s < b1; s++) acc += r[s];
        *part++ = acc;
    }
}

/* the deferred genotype update of r, on this member's samples */
static void cdm_flush(cdm_t *m)
{
    if (m->pend_j < 0) return;
    m->c->cd_ops->enet_axpy_range(&m->c->g, m->pend_j, m->pend_a, m->cw, m->s0, m->s1, m->r);
    m->pend_j = -1;
}

/* Σ_s r[s]·x̃_j(s) over all samples (j < 0: Σ r), the pending genotype update applied first
 * (fused with a genotype dot: one pass over r) */
static double cdm_dot(cdm_t *m, int64_t j)
{
    ctx_t *c = m->c;
    double *part = cdm_slot(m);
    if (j >= 0 && j < c->G) {
        if (m->pend_j >= 0)
            c->cd_ops->enet_axpy_dot_part(&c->g, m->pend_j, m->pend_a, m->cw, j, m->r, m->s0, m->s1, part);
        else
            c->cd_ops->enet_dot_part(&c->g, j, m->r, m->s0, m->s1, part);
        m->pend_j = -1;
    } else {
        cdm_flush(m);
        cdm_dense_part(m, j, part);
    }
    return cdm_sum(m);
}

/* r += a·cw∘x̃_j on this member's samples (j < 0: x̃ = 1); a genotype update is deferred */
static void cdm_axpy(cdm_t *m, int64_t j, double a)
{
    const ctx_t *c = m->c;
    cdm_flush(m);
    if (j >= 0 && j < c->G) { m->pend_j = j; m->pend_a = a; return; }
    const double *x = j >= 0 ? c->xd + (j - c->G) * c->d->n : NULL, *cw = m->cw;
    double *r = m->r;
    for (int64_t s = m->s0; s < m->s1; s++) {
        double v = x ? (cw ? a * cw[s] * x[s] : a * x[s]) : (cw ? a * cw[s] : a);
        r[s] += v;
    }
}

static void cdm_solve(cdm_t *m)
{
    ctx_t *c = m->c;
    wset_t *ws = &m->ws;
    double *beta = m->beta;
    const double alpha = c->o->alpha, lambda = m->lambda, *xv = m->xv;
    int64_t guard = 0;
    m->pend_j = -1;
    for (;;) {
        for (int full = 1; ; full = 0) {
            double dlx = 0;
            int64_t n = full ? ws->n_set : ws->n_nz;
            const int64_t *list = full ? ws->set : ws->nz;
            for (int64_t k = 0; k < n; k++) {
                int64_t j = list[k];
                if (!c->ju[j] || xv[j] <= 0) continue;
                double bj = beta[j];
                m->n_coord++;
                double u = cdm_dot(m, j) + xv[j] * bj;
                double bn = grs_enet_coord_update(u, xv[j], lambda * alpha * c->vp[j],
                                                  lambda * (1 - alpha) * c->vp[j] * c->ridge_scale);
                if (bn == bj) continue;
                double delta = bn - bj;
                beta[j] = bn;
                cdm_axpy(m, j, -delta);
                if (xv[j] * delta * delta > dlx) dlx = xv[j] * delta * delta;
                if (!ws->in_nz[j]) { ws->in_nz[j] = 1; ws->nz[ws->n_nz++] = j; }
            }
            if (m->icpt) {
                double delta = cdm_dot(m, -1) / m->cw_sum;
                m->a0 += delta;
                cdm_axpy(m, -1, -delta);
                if (m->cw_sum * delta * delta > dlx) dlx = m->cw_sum * delta * delta;
            }
            m->n_sweeps++;
            if (++guard > c->o->max_sweeps) {
                if (m->id == 0)
                    grs_log_warning("coordinate descent did not converge in %lld sweeps at lambda %g",
                                    (long long)c->o->max_sweeps, lambda);
                goto done;
            }
            if (dlx < m->thr) {
                if (full) goto done;       /* a full sweep changed nothing that matters */
                break;                     /* the nonzero set converged: sweep the full set */
            }
        }
    }
done:
    cdm_flush(m);
}

static void *cdm_thread(void *arg)
{
    cdm_t *m = (cdm_t *)arg;
    int go;
    for (unsigned spins = 1; !(go = atomic_load_explicit(&m->tm->go, memory_order_acquire)); spins++)
        if (!(spins & 255)) sched_yield();
    if (go > 0) cdm_solve(m);
    return NULL;
}

static void team_destroy(team_t *tm)
{
    if (!tm) return;
    for (int u = 1; u < tm->n; u++) {
        free(tm->m[u].beta);
        free(tm->m[u].ws.nz);
        free(tm->m[u].ws.in_nz);
    }
    free(tm->m);
    free(tm->part[0]);
    free(tm->part[1]);
    free(tm->seq);
    free(tm);
}

/* a team of `n` members over the samples, or NULL (out of memory: one thread) */
static team_t *team_create(int n, int64_t n_samples, int64_t p)
{
    team_t *tm = (team_t *)calloc(1, sizeof(*tm));
    if (!tm) return NULL;
    tm->n = n;
    tm->nblk = (n_samples + GRS_ENET_BLOCK - 1) / GRS_ENET_BLOCK;
    if (!(tm->part[0] = (double *)calloc(tm->nblk, sizeof(double))) ||
        !(tm->part[1] = (double *)calloc(tm->nblk, sizeof(double))) ||
        !(tm->seq = (team_seq_t *)aligned_alloc(64, n * sizeof(team_seq_t))) ||
        !(tm->m = (cdm_t *)calloc(n, sizeof(cdm_t)))) {
        team_destroy(tm);
        return NULL;
    }
    for (int u = 1; u < n; u++)
        if (!(tm->m[u].beta = (double *)malloc(p * sizeof(double))) ||
            !(tm->m[u].ws.nz = (int64_t *)malloc(p * sizeof(int64_t))) ||
            !(tm->m[u].ws.in_nz = (unsigned char *)malloc(p))) {
            team_destroy(tm);
            return NULL;
        }
    return tm;
}

static int cd_solve(ctx_t *c, double lambda, wset_t *ws, const double *cw, double cw_sum,
                    const double *xv, double *beta, double *a0, int icpt, double *r, double thr)
{
    const cdm_t proto = { c, NULL, 0, 0, c->d->n, 0, (c->d->n + GRS_ENET_BLOCK - 1) / GRS_ENET_BLOCK, 0,
                          c->cd_part, -1, 0, lambda, cw_sum, thr, cw, xv, r, beta, *a0, *ws, icpt, 0, 0 };
    team_t *tm = c->team;
    cdm_t *m0 = NULL;
    if (tm) {
        /* members 1.. start from copies of β and the nonzero list */
        int started = 1;
        pthread_t th[GRS_ENET_MAX_TEAM];
        atomic_store(&tm->go, 0);
        for (int u = 0; u < tm->n; u++) {
            cdm_t *m = &tm->m[u];
            double *pb = m->beta;
            int64_t *pnz = m->ws.nz;
            unsigned char *pin = m->ws.in_nz;
            *m = proto;
            m->tm = tm;
            m->id = u;
            m->k0 = tm->nblk * u / tm->n;
            m->k1 = tm->nblk * (u + 1) / tm->n;
            m->s0 = m->k0 * GRS_ENET_BLOCK;
            m->s1 = m->k1 * GRS_ENET_BLOCK < c->d->n ? m->k1 * GRS_ENET_BLOCK : c->d->n;
            atomic_store(&tm->seq[u].step, 0);
            if (u == 0) continue;
            m->beta = pb; m->ws.nz = pnz; m->ws.in_nz = pin;
            memcpy(pb, beta, c->p * sizeof(double));
            memcpy(pnz, ws->nz, ws->n_nz * sizeof(int64_t));
            memcpy(pin, ws->in_nz, c->p);
        }
        for (; started < tm->n; started++)
            if (pthread_create(&th[started], NULL, cdm_thread, &tm->m[started]) != 0) break;
        if (started < tm->n) {
            /* could not start them all: release the started ones and do it alone */
            atomic_store_explicit(&tm->go, -1, memory_order_release);
            for (int u = 1; u < started; u++) pthread_join(th[u], NULL);
            tm = NULL;
        } else {
            atomic_store_explicit(&tm->go, 1, memory_order_release);
            m0 = &tm->m[0];
            cdm_solve(m0);
            for (int u = 1; u < tm->n; u++) pthread_join(th[u], NULL);
        }
    }
    cdm_t one;
    if (!tm) {
        one = proto;
        m0 = &one;
        cdm_solve(m0);
    }
    c->n_sweeps += m0->n_sweeps;
    c->n_coord += m0->n_coord;
    *a0 = m0->a0;
    ws->n_nz = m0->ws.n_nz;
    return GRS_OK;
}

void grs_enet_path_destroy(grs_enet_path_t *p)
{
    if (!p) return;
    free(p->lambda); free(p->a0); free(p->a0_std); free(p->dev_ratio); free(p->objective);
    free(p->deviance); free(p->nnz_off); free(p->idx); free(p->beta_std); free(p->center);
    free(p->scale); free(p->vp);
    free(p);
}

/* append the nonzeros of λ index l */
static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int path_push(grs_enet_path_t *P, int64_t l, const wset_t *ws, const double *beta, int64_t *cap)
{
    int64_t off = P->nnz_off[l], cnt = 0;
    for (int64_t k = 0; k < ws->n_nz; k++) cnt += beta[ws->nz[k]] != 0.0;
    if (off + cnt > *cap) {
        int64_t nc = (*cap ? *cap * 2 : 1024);
        while (nc < off + cnt) nc *= 2;
        int64_t *ni = (int64_t *)realloc(P->idx, nc * sizeof(int64_t));
        if (ni) P->idx = ni;
        double *nb = (double *)realloc(P->beta_std, nc * sizeof(double));
        if (nb) P->beta_std = nb;
        if (!ni || !nb) return GRS_ENOMEM;
        *cap = nc;
    }
    /* in feature order, so that files and comparisons are stable */
    int64_t m = off;
    for (int64_t k = 0; k < ws->n_nz; k++)
        if (beta[ws->nz[k]] != 0.0) P->idx[m++] = ws->nz[k];
    if (m - off > 1) qsort(P->idx + off, (size_t)(m - off), sizeof(int64_t), cmp_i64);
    for (int64_t a = off; a < m; a++) P->beta_std[a] = beta[P->idx[a]];
    P->nnz_off[l + 1] = m;
    return GRS_OK;
}

int grs_enet_fit(const grs_enet_data_t *d, const double *w, const grs_enet_opts_t *o, grs_enet_path_t **out)
{
    ctx_t c;
    grs_enet_path_t *P = NULL;
    const int64_t n = d->n, p = d->n_geno + d->n_dense;
    const int fam = o->family;
    double *beta = NULL, *r = NULL, *eta = NULL, *g = NULL, *cw = NULL, *xv = NULL, *bold = NULL;
    double *tmpv = NULL;
    int64_t *tmpi = NULL, cap = 0;
    unsigned char *in_set = NULL;
    wset_t ws = { NULL, 0, NULL, 0, NULL };
    int ret = GRS_ENOMEM;
    int64_t n_train = 0;

    memset(&c, 0, sizeof(c));
    *out = NULL;
    if (!(o->alpha > 0 && o->alpha <= 1)) { grs_log_error("--alpha must be in (0, 1]"); return GRS_EINVAL; }
    if (p < 1) { grs_log_error("no features to fit"); return GRS_EINVAL; }
    for (int64_t s = 0; s < n; s++) n_train += !w || w[s] > 0;
    if (n_train < 2) { grs_log_error("fewer than 2 training samples"); return GRS_EDEGENERATE; }

    c.d = d; c.o = o; c.p = p; c.G = d->n_geno;
    c.be = d->be;
    c.ops = &grs_ref_ops;
    if (d->be && d->be->ops->enet_dot && d->be->ops->enet_sqdot && d->be->ops->enet_axpy &&
        d->be->ops->enet_moments)
        c.ops = d->be->ops;
    if (!(P = (grs_enet_path_t *)calloc(1, sizeof(*P)))) goto fail;
    P->family = fam; P->n_features = p; P->n_geno = c.G; P->n_train = n_train;
    if (!(P->center = (double *)calloc(p, sizeof(double))) || !(P->scale = (double *)calloc(p, sizeof(double))) ||
        !(P->vp = (double *)calloc(p, sizeof(double))) || !(c.inv = (double *)calloc(p, sizeof(double))) ||
        !(c.ju = (unsigned char *)calloc(p, 1)) || !(c.v = (double *)calloc(n, sizeof(double))) ||
        !(c.cols = (int64_t *)malloc((p + 1) * sizeof(int64_t))) ||
        !(c.xd = (double *)malloc((d->n_dense * n + 1) * sizeof(double))))
        goto fail;
    c.center = P->center; c.scale = P->scale; c.vp = P->vp;
    if (!(c.colv = (double *)malloc((p + 1) * sizeof(double))) ||
        !(c.cd_part = (double *)malloc((n / GRS_ENET_BLOCK + 1) * sizeof(double))))
        goto fail;
    c.cd_ops = d->be && d->be->ops->enet_dot_part && d->be->ops->enet_axpy_range &&
               d->be->ops->enet_axpy_dot_part ? d->be->ops : &grs_ref_ops;
    {
        /* coordinate descent splits the samples over threads when each gets 2 blocks or more */
        int64_t nt = d->n_threads, half = (n + GRS_ENET_BLOCK - 1) / GRS_ENET_BLOCK / 2;
        if (nt > half) nt = half;
        if (nt > GRS_ENET_MAX_TEAM) nt = GRS_ENET_MAX_TEAM;
        if (nt >= 2 && !(c.team = team_create((int)nt, n, p)))
            grs_log_warning("out of memory for %d coordinate-descent threads: using one", (int)nt);
    }
    for (int64_t s = 0; s < n; s++) c.v[s] = (!w || w[s] > 0) ? 1.0 / (double)n_train : 0.0;
    if ((ret = standardize(&c, w, n_train)) < 0) goto fail;
    ret = GRS_ENOMEM;

    /* penalty factors, rescaled to sum to the number of features (glmnet) */
    {
        double sum = 0;
        for (int64_t j = 0; j < p; j++) sum += (c.vp[j] = o->penalty ? (o->penalty[j] > 0 ? o->penalty[j] : 0) : 1.0);
        if (!(sum > 0)) { grs_log_error("every penalty factor is zero"); ret = GRS_EINVAL; goto fail; }
        for (int64_t j = 0; j < p; j++) c.vp[j] *= (double)p / sum;
    }

    /* response */
    double ybar = 0, yvar = 0;
    for (int64_t s = 0; s < n; s++) ybar += c.v[s] * d->y[s];
    for (int64_t s = 0; s < n; s++) yvar += c.v[s] * (d->y[s] - ybar) * (d->y[s] - ybar);
    if (fam == GRS_ENET_BINOMIAL && (ybar <= 0 || ybar >= 1)) {
        grs_log_error("the binary trait has one class only among the %lld training samples", (long long)n_train);
        ret = GRS_EDEGENERATE; goto fail;
    }
    if (!(yvar > 0)) { grs_log_error("the trait has no variance"); ret = GRS_EDEGENERATE; goto fail; }
    P->nulldev = 0;
    for (int64_t s = 0; s < n; s++)
        if (c.v[s] > 0) P->nulldev += c.v[s] * grs_enet_dev1(fam, d->y[s], fam == GRS_ENET_GAUSSIAN ? ybar : log(ybar / (1 - ybar)));

    if (!(beta = (double *)calloc(p, sizeof(double))) || !(r = (double *)calloc(n, sizeof(double))) ||
        !(eta = (double *)calloc(n, sizeof(double))) || !(g = (double *)calloc(p, sizeof(double))) ||
        !(cw = (double *)calloc(n, sizeof(double))) || !(xv = (double *)calloc(p, sizeof(double))) ||
        !(bold = (double *)calloc(p, sizeof(double))) || !(tmpv = (double *)calloc(p, sizeof(double))) ||
        !(tmpi = (int64_t *)calloc(p, sizeof(int64_t))) || !(in_set = (unsigned char *)calloc(p, 1)) ||
        !(ws.set = (int64_t *)calloc(p, sizeof(int64_t))) || !(ws.nz = (int64_t *)calloc(p, sizeof(int64_t))) ||
        !(ws.in_nz = (unsigned char *)calloc(p, 1)))
        goto fail;

    const double thr = o->tol * (fam == GRS_ENET_GAUSSIAN ? yvar : 1.0);
    /* glmnet fits the gaussian family on y / sd(y) with λ / sd(y) and scales back: the lasso
     * part is unchanged, the ridge part is effectively divided by sd(y) */
    c.ridge_scale = fam == GRS_ENET_GAUSSIAN ? 1.0 / sqrt(yvar) : 1.0;
    double a0 = fam == GRS_ENET_GAUSSIAN ? ybar : log(ybar / (1 - ybar));
    for (int64_t s = 0; s < n; s++) eta[s] = a0;
    if (fam == GRS_ENET_GAUSSIAN)
        for (int64_t s = 0; s < n; s++) { cw[s] = c.v[s]; r[s] = c.v[s] * (d->y[s] - ybar); }
    for (int64_t j = 0; j < p; j++) xv[j] = 1.0;

    /* Unpenalized features are always in the working set. */
    for (int64_t j = 0; j < p; j++)
        if (c.ju[j] && c.vp[j] <= 0) { in_set[j] = 1; ws.set[ws.n_set++] = j; }

    /* ---- the λ sequence; λ index -1 is "λ = ∞": only the unpenalized part is fitted */
    int64_t nl = o->lambda ? o->n_lambda : o->nlambda;
    if (nl < 1) { grs_log_error("empty lambda path"); ret = GRS_EINVAL; goto fail; }
    if (!(P->lambda = (double *)calloc(nl, sizeof(double))) || !(P->a0 = (double *)calloc(nl, sizeof(double))) ||
        !(P->a0_std = (double *)calloc(nl, sizeof(double))) || !(P->dev_ratio = (double *)calloc(nl, sizeof(double))) ||
        !(P->objective = (double *)calloc(nl, sizeof(double))) || !(P->deviance = (double *)calloc(nl, sizeof(double))) ||
        !(P->nnz_off = (int64_t *)calloc(nl + 1, sizeof(int64_t))))
        goto fail;
    P->n_lambda = nl;

    double lam_prev = 0;
    for (int64_t l = -1; l < nl; l++) {
        double lam = l < 0 ? 1e300 : P->lambda[l];
        if (grs_interrupted()) { ret = GRS_EINTR; goto fail; }
        /* strong rule: working set for this λ from the gradient at the previous solution */
        if (l >= 0) {
            double tl = o->alpha * (2 * lam - lam_prev);
            for (int64_t j = 0; j < p; j++)
                if (!in_set[j] && c.ju[j] && fabs(g[j]) > tl * c.vp[j]) { in_set[j] = 1; ws.set[ws.n_set++] = j; }
        }
        for (;;) {
            if (fam == GRS_ENET_GAUSSIAN) {
                double t0 = grs_wall_seconds();
                ret = cd_solve(&c, lam, &ws, cw, 1.0, xv, beta, &a0, 0, r, thr);
                if (ret < 0) goto fail;
                double t1 = grs_wall_seconds();
                f_dot_all(&c, r, l < 0 ? NULL : in_set, g);
                P->sec_cd += t1 - t0;
                P->sec_grad += grs_wall_seconds() - t1;
            } else {
                int64_t it = 0;
                for (; it < MAX_OUTER; it++) {
                    double cw_sum = 0;
                    for (int64_t s = 0; s < n; s++) {
                        if (c.v[s] <= 0) { cw[s] = r[s] = 0; continue; }
                        double q = sigmoid(eta[s]);
                        cw[s] = c.v[s] * q * (1 - q);
                        r[s] = c.v[s] * (d->y[s] - q);
                        cw_sum += cw[s];
                    }
                    f_sqdot(&c, ws.set, ws.n_set, cw, xv, tmpi, tmpv);
                    for (int64_t k = 0; k < ws.n_set; k++) bold[ws.set[k]] = beta[ws.set[k]];
                    double a0_old = a0, t0 = grs_wall_seconds();
                    ret = cd_solve(&c, lam, &ws, cw, cw_sum, xv, beta, &a0, 1, r, thr);
                    if (ret < 0) goto fail;
                    P->sec_cd += grs_wall_seconds() - t0;
                    /* move η by the change of this IRLS step */
                    double dlx = cw_sum * (a0 - a0_old) * (a0 - a0_old);
                    for (int64_t s = 0; s < n; s++) eta[s] += a0 - a0_old;
                    int64_t m = 0;
                    for (int64_t k = 0; k < ws.n_set; k++) {
                        int64_t j = ws.set[k];
                        double dj = beta[j] - bold[j];
                        if (dj == 0) continue;
                        if (j < c.G) { c.cols[m] = j; tmpv[m++] = dj; }
                        else f_axpy(&c, j, dj, NULL, eta);
                        if (xv[j] * dj * dj > dlx) dlx = xv[j] * dj * dj;
                    }
                    if (m && (ret = c.ops->enet_axpy(c.be, &c.g, c.cols, m, tmpv, NULL, eta)) < 0) goto fail;
                    if (c.err) { ret = c.err; goto fail; }
                    if (dlx < thr) break;
                }
                if (it == MAX_OUTER) grs_log_warning("IRLS did not converge at lambda %g", lam);
                /* the exact gradient at the solution, for the KKT check and the next strong set */
                for (int64_t s = 0; s < n; s++) r[s] = c.v[s] > 0 ? c.v[s] * (d->y[s] - sigmoid(eta[s])) : 0.0;
                double t1 = grs_wall_seconds();
                f_dot_all(&c, r, l < 0 ? NULL : in_set, g);
                P->sec_grad += grs_wall_seconds() - t1;
            }
            if (c.err) { ret = c.err; goto fail; }
            if (l < 0) break;
            /* KKT check over the features outside the working set */
            int64_t viol = 0;
            for (int64_t j = 0; j < p; j++)
                if (!in_set[j] && c.ju[j] && fabs(g[j]) > lam * o->alpha * c.vp[j]) {
                    in_set[j] = 1; ws.set[ws.n_set++] = j; viol++;
                }
            if (!viol) break;
            c.n_kkt_fail++;
        }
        if (l < 0) {
            /* λ_max: the smallest λ at which every penalized coefficient is zero */
            if (!o->lambda) {
                double lmax = 0;
                for (int64_t j = 0; j < p; j++)
                    if (c.ju[j] && c.vp[j] > 0 && fabs(g[j]) / c.vp[j] > lmax) lmax = fabs(g[j]) / c.vp[j];
                lmax /= o->alpha > 1e-3 ? o->alpha : 1e-3;
                double ratio = o->lambda_min_ratio > 0 ? o->lambda_min_ratio : (n_train < p ? 0.01 : 1e-4);
                if (!(lmax > 0)) { grs_log_error("no penalized feature varies: nothing to fit"); ret = GRS_EDEGENERATE; goto fail; }
                for (int64_t k = 0; k < nl; k++)
                    P->lambda[k] = nl == 1 ? lmax : lmax * pow(ratio, (double)k / (double)(nl - 1));
            } else {
                for (int64_t k = 0; k < nl; k++) P->lambda[k] = o->lambda[k];
            }
            lam_prev = P->lambda[0];
            continue;
        }
        /* record this λ */
        if ((ret = path_push(P, l, &ws, beta, &cap)) < 0) goto fail;
        double dev = 0, pen = 0, bsum = 0;
        if (fam == GRS_ENET_GAUSSIAN) {
            for (int64_t s = 0; s < n; s++)
                if (c.v[s] > 0) dev += r[s] * r[s] / c.v[s];
        } else {
            for (int64_t s = 0; s < n; s++)
                if (c.v[s] > 0) dev += c.v[s] * grs_enet_dev1(fam, d->y[s], eta[s]);
        }
        for (int64_t k = 0; k < ws.n_nz; k++) {
            int64_t j = ws.nz[k];
            pen += c.vp[j] * ((1 - o->alpha) / 2 * beta[j] * beta[j] + o->alpha * fabs(beta[j]));
            bsum += beta[j] * c.inv[j] * c.center[j];
        }
        P->deviance[l] = dev;
        P->objective[l] = dev / 2 + lam * pen;
        P->dev_ratio[l] = 1 - dev / P->nulldev;
        P->a0_std[l] = a0;
        P->a0[l] = a0 - bsum;
        lam_prev = lam;
        ret = GRS_ENOMEM;
    }
    P->n_sweeps = c.n_sweeps;
    P->n_kkt_fail = c.n_kkt_fail;
    P->n_coord = c.n_coord;

    *out = P;
    P = NULL;
    ret = GRS_OK;
fail:
    if (ret == GRS_ENOMEM) grs_log_error("out of memory fitting the elastic net");
    grs_enet_path_destroy(P);
    free(beta); free(r); free(eta); free(g); free(cw); free(xv); free(bold); free(tmpv); free(tmpi);
    free(in_set); free(ws.set); free(ws.nz); free(ws.in_nz);
    free(c.inv); free(c.ju); free(c.v); free(c.cols); free(c.colv); free(c.xd); free(c.cd_part);
    team_destroy(c.team);
    return ret;
}

int grs_enet_predict(const grs_enet_data_t *d, const grs_enet_path_t *p, int64_t l, double *eta)
{
    const int64_t n = d->n, G = d->n_geno;
    int64_t k0 = p->nnz_off[l], k1 = p->nnz_off[l + 1];
    double *inv = (double *)malloc((p->n_features + 1) * sizeof(double));
    int64_t *cols = (int64_t *)malloc((k1 - k0 + 1) * sizeof(int64_t));
    double *a = (double *)malloc((k1 - k0 + 1) * sizeof(double));
    int ret = GRS_OK;
    if (!inv || !cols || !a) { free(inv); free(cols); free(a); return GRS_ENOMEM; }
    for (int64_t j = 0; j < p->n_features; j++) inv[j] = p->scale[j] > 0 ? 1.0 / p->scale[j] : 0.0;
    for (int64_t s = 0; s < n; s++) eta[s] = p->a0_std[l];
    int64_t ng = 0;
    for (int64_t k = k0; k < k1; k++)
        if (p->idx[k] < G) { cols[ng] = p->idx[k]; a[ng++] = p->beta_std[k]; }
    if (ng) {
        grs_enet_geno_t g = { n, G, d->codes, p->center, inv, d->n_threads };
        const struct grs_backend_ops *ops = d->be && d->be->ops->enet_axpy ? d->be->ops : &grs_ref_ops;
        ret = ops->enet_axpy(d->be, &g, cols, ng, a, NULL, eta);
    }
    for (int64_t k = k0; k < k1; k++) {
        int64_t j = p->idx[k];
        if (j < G) continue;
        const double *x = d->dense + (j - G) * n;
        double b = p->beta_std[k] * inv[j];
        for (int64_t s = 0; s < n; s++)
            if (!isnan(x[s])) eta[s] += b * (x[s] - p->center[j]);
    }
    free(inv); free(cols); free(a);
    return ret;
}
