/* cmd_report.c -- grs report: a stratified cohort report of polygenic scores against a
 * phenotype, as report.html (self-contained, inline SVG), report.json and report.tsv.
 *
 * Flow: read the .sscore (any plink2 layout), the phenotype and covariate tables (table.h) →
 * match samples on FID+IID when both files have FID, else IID → decode the trait (0/1, PLINK
 * 1/2 or quantitative) and the covariates (numeric, or categorical → one dummy per level but
 * the first) → per score, overall and per level of each --group column: the statistics of
 * stats.h → write the three files under DIR (each to a temporary name, renamed when complete;
 * DIR is created only after every statistic was computed).
 *
 * Conventions (stated in the report too):
 *  - "per SD": the score is standardised with the mean and sample SD (n-1) of all analysed
 *    samples with that score; groups use the same scale so their estimates are comparable.
 *  - Covariates enter every model; numeric ones are centred and scaled (this changes no
 *    reported number). A covariate constant within a subset is dropped from that subset's
 *    models. A column that mixes numbers and words is an error (name it in --covar-cat to make
 *    it categorical); a covariate with one level or no values is dropped with a warning.
 *  - Strata: cut points are quantiles of the score (R type 7); stratum j is (q_{j-1}, q_j], the
 *    lowest includes the minimum. ORs (binary) or mean differences (quantitative) of a stratum
 *    are against the middle band (q40, q60], from a model of the trait on the indicator
 *    "in the stratum" plus covariates, fitted on the stratum and the middle band. "Top x%" is
 *    score > q_{1-x/100}, against all other samples.
 *  - Liability R² (Lee et al. 2012) transforms the incremental R² of a linear model of the 0/1
 *    trait (score + covariates vs covariates) with --prevalence K and the sample case share.
 *  - Calibration (--predicted COL, binary traits): deciles of the predicted risk, intercept from
 *    y ~ 1 + offset(logit p), slope from y ~ 1 + logit p, Brier score, AUROC, and the decision
 *    curve's net benefit TP/n - FP/n · t/(1-t) (treat when p >= t) for t = 1%..50%.
 *  - Numbers are matched to samples by key: a binary model that has no finite estimate
 *    (separation) or a subset too small is reported as not estimable, with the reason.
 *  - Fairness: for each group column, the largest difference between levels of AUROC and of
 *    log OR per SD (binary) or beta per SD (quantitative), with a 95% CI from the two
 *    independent standard errors; levels with fewer than 50 samples are shown in tables but
 *    their plots are suppressed.
 *
 * report.json schema (version 1), every number also in the HTML:
 *   { schema, tool, command, created, backend ("host"), inputs:[{role, path, fingerprint}],
 *     match_summaries:[the --match summary.json objects, verbatim],
 *     samples:{scores_file, pheno_file, covar_file, matched, scores_only, pheno_only,
 *              pheno_missing, covar_absent, covar_missing, analysed},
 *     phenotype:{column, trait, coding, cases, controls},
 *     covariates:[{name, type, levels, used, note}], strata:{spec, cuts_percent, top_percent},
 *     prevalence, warnings:[...],
 *     scores:[{name, column, n, overall:RES, strata:[STRATUM], top:[STRATUM],
 *              groups:[{column, levels:[{level, RES}], gaps:[{metric, a, b, diff, lo, hi,
 *              excludes_zero}]}], roc:{fpr:[], tpr:[]}}],
 *     calibration (with --predicted): {column, n, cases, brier, auc, auc_lo, auc_hi, intercept,
 *              intercept_lo, intercept_hi, slope, slope_lo, slope_hi, note,
 *              deciles:[{label, risk_lo, risk_hi, n, cases, mean_predicted, observed,
 *              observed_lo, observed_hi}], decision_curve:{threshold:[], net_benefit:[],
 *              net_benefit_treat_all:[]}} }
 *   RES: n, cases, controls, score_mean, score_sd, auc, auc_se, auc_lo, auc_hi, or_per_sd,
 *        or_lo, or_hi, beta_per_sd, beta_se, beta_lo, beta_hi, p, nagelkerke_full,
 *        nagelkerke_covariates, nagelkerke_incremental, r2_observed_incremental, r2_liability,
 *        r2_score, r2_full, r2_covariates, r2_incremental, note
 *   STRATUM: label, pct_lo, pct_hi, score_lo, score_hi, reference, n, cases, prevalence,
 *        prev_lo, prev_hi, mean, mean_lo, mean_hi, estimate, lo, hi, p, note
 *        (estimate: OR for binary traits, difference in mean for quantitative ones)
 * report.tsv: score, group, level, stratum, metric, estimate, ci_lo, ci_hi, p, n (long format).
 * tables/overall.tsv: one row per score × subset (all, each group level), a column per statistic;
 * tables/strata.tsv: one row per score × stratum / top-x% (NA where not applicable). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/khash.h>
#include <htslib/kstring.h>

#include "cmds.h"
#include "grs/log.h"
#include "grs/status.h"
#include "html.h"
#include "json.h"
#include "stats.h"
#include "table.h"
#include "util.h"

KHASH_INIT(rep_key, kh_cstr_t, int64_t, 1, grs_sampletab_hash, kh_str_hash_equal)

#define MAX_LEVELS 64          /* a --group column with more levels is refused         */
#define MAX_CAT_LEVELS 200     /* a categorical covariate with more levels is refused  */
#define MIN_PLOT 50            /* groups smaller than this get no plots                */
#define N_GRID 160             /* density curve points                                 */

enum { TRAIT_AUTO, TRAIT_BINARY, TRAIT_QUANT };

typedef struct {
    char *scores, *pheno, *covar, *out, *pheno_col, *predicted;
    char **groups; int n_groups;
    char **match; int n_match;
    char **score_cols; int n_score_cols;
    char **covar_cols; int n_covar_cols;
    char **covar_cat; int n_covar_cat;
    double cuts[100]; int n_cuts;      /* stratum cut points, percent */
    double top[20]; int n_top;         /* top x%                      */
    char strata_spec[128];
    double prevalence;
    int trait;
} opts_t;

typedef struct {               /* one analysis: a score on a subset of samples */
    int64_t n, n_case, n_ctrl;
    double mean, sd;
    double auc, auc_se, auc_lo, auc_hi;
    double b, b_se, b_lo, b_hi, b_p;     /* coefficient of the score per SD (log OR or beta) */
    double nk_full, nk_cov, nk_inc, r2_obs_inc, r2_liab;
    double r2_score, r2_full, r2_cov, r2_inc;
    double *dens;                        /* N_GRID density values (NULL when suppressed)    */
    char note[256];
} res_t;

typedef struct {
    char label[48];
    double plo, phi, vlo, vhi;
    int is_ref;
    int64_t n, n_case;
    double prev, prev_lo, prev_hi, mean, mean_lo, mean_hi, est, est_lo, est_hi, est_p;
    char note[160];
} stratum_t;

#define N_DCA 50               /* decision-curve thresholds 1%, 2%, ..., 50%            */
typedef struct {               /* calibration of a predicted risk (--predicted)         */
    int64_t n, n_case;
    double brier, auc, auc_se, auc_lo, auc_hi;
    double icpt, icpt_lo, icpt_hi, slope, slope_lo, slope_hi;
    char note[200];
    stratum_t bins[10];        /* deciles of predicted risk; `mean` = mean predicted   */
    double thr[N_DCA], nb_model[N_DCA], nb_all[N_DCA];
} calib_t;

typedef struct {
    char metric[32], a[64], b[64];
    double diff, lo, hi;
    int ok;
} gap_t;

typedef struct {
    char *name;
    int n_levels;
    char **levels;
    int *lev;                 /* per analysed sample, -1 missing */
    res_t *res;               /* per score × level               */
    gap_t gaps[2][8];         /* per score (first 8) × metric    */
} group_t;

typedef struct {
    char *name, *note;
    int is_cat, n_levels, used, first, n_dummy;
    char **levels;
} covdef_t;

typedef struct {
    const opts_t *o;
    int binary;
    int64_t N;                /* analysed samples                 */
    double *y;                /* trait, 0/1 when binary           */
    int nc;                   /* covariate design columns         */
    double *C;                /* N × nc                           */
    char **cnames;
    int K;                    /* scores                           */
    char **snames, **scols;
    double **S;               /* K × N, NaN missing               */
    res_t *overall;
    stratum_t **strata, **top;
    int n_strata;
    double **roc_x, **roc_y; int *n_roc;
    double *gx;               /* K × N_GRID density grids (SD units) */
    group_t *groups; int n_groups;
    covdef_t *cov; int n_cov;
    calib_t *cal;             /* --predicted, or NULL             */
    kstring_t warn;           /* warnings, one per line           */
    int n_warn;
} ctx_t;

static void warn(ctx_t *c, const char *fmt, ...) GRS_PRINTF(2, 3);
static void warn(ctx_t *c, const char *fmt, ...)
{
    va_list ap;
    char buf[1024];
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    grs_log_warning("%s", buf);
    kputs(buf, &c->warn);
    kputc('\n', &c->warn);
    c->n_warn++;
}

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: grs report --scores F.sscore --pheno F [--covar F] [--group COL ...] --out DIR\n"
"Stratified cohort report of polygenic scores: DIR/report.html, report.json, report.tsv.\n\n"
"Inputs:\n"
"  --scores F          plink2-layout .sscore (grs score or plink2 --score; #FID IID or #IID)\n"
"  --score-cols LIST   comma-separated score columns (NAME, NAME_AVG or NAME_SUM)\n"
"                      [every *_AVG column, else every *_SUM column but *DOSAGE_SUM]\n"
"  --pheno F           FID IID value... (no header, PLINK style) or a header TSV/CSV/space file\n"
"  --pheno-col NAME    phenotype column [the first one after FID/IID]\n"
"  --trait T           auto|binary|quantitative [auto: values in {0,1} are 0/1 controls/cases;\n"
"                      in {0,1,2} with a 2 are PLINK 1=control 2=case 0=missing; else\n"
"                      quantitative]. NA, NaN, '.', '' and -9 are missing.\n"
"  --covar F           covariates (same layouts); numeric columns, and categorical ones\n"
"                      (words) as one dummy per level but the first\n"
"  --covar-cols LIST   covariates to use [every column of --covar]\n"
"  --covar-cat LIST    treat these covariates as categorical even if numeric\n"
"  --group COL         repeatable: compare the score across the levels of COL (pheno or covar)\n"
"  --match F           repeatable: summary.json of the scoring run (matching quality)\n"
"Statistics:\n"
"  --strata S          deciles|quintiles|cuts:P1,P2,...  (percentiles) [deciles]\n"
"                      top:X1,X2,... sets the top-x%% list instead [top:1,5,10]\n"
"  --top LIST          top-x%% list, e.g. 1,5,10\n"
"  --prevalence K      population prevalence for liability-scale R² (binary traits)\n"
"  --predicted COL     a predicted-risk column (0 < p < 1; in pheno, covar or the scores file):\n"
"                      calibration by decile, calibration intercept and slope, Brier score,\n"
"                      AUROC and a decision curve (binary traits)\n"
"Output:\n"
"  --out DIR           created if absent; report.html, report.json, report.tsv, tables/overall.tsv,\n"
"                      tables/strata.tsv\n"
"  -v N, --verbosity N 0 quiet .. 6 trace [3]\n"
"  --threads N         accepted for uniformity (the report is single-threaded)\n"
"  -h, --help\n");
}

/* "a,b,c" → strdup'd list */
static int parse_list(const char *s, char ***out, int *n)
{
    char *d = strdup(s), *p, *save = NULL;
    if (!d) return -1;
    for (p = strtok_r(d, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        char **a = (char **)realloc(*out, (*n + 1) * sizeof(char *));
        if (!a) { free(d); return -1; }
        *out = a;
        if (!((*out)[(*n)++] = strdup(p))) { free(d); return -1; }
    }
    free(d);
    return 0;
}

static void free_list(char **a, int n)
{
    for (int i = 0; i < n; i++) free(a[i]);
    free(a);
}

static int parse_nums(const char *s, double *v, int max, double lo, double hi)
{
    char *d = strdup(s), *p, *save = NULL;
    int n = 0;
    if (!d) return -1;
    for (p = strtok_r(d, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        if (n == max || grs_parse_double(p, &v[n]) < 0 || !(v[n] > lo && v[n] < hi)) { free(d); return -1; }
        if (n && v[n] <= v[n - 1]) { free(d); return -1; }
        n++;
    }
    free(d);
    return n ? n : -1;
}

/* ---- design matrices ---------------------------------------------------------------------- */
/* X = [1, extra (m × ne, row-major), covariates not constant on the subset, standardised] */
static int design(const ctx_t *c, const int64_t *idx, int64_t m, int ne, const double *extra,
                  double **Xo, int *po)
{
    int keep[512], nk = 0;
    double mu[512], sd[512];
    for (int j = 0; j < c->nc && nk < 512; j++) {
        double s = 0, ss = 0;
        for (int64_t i = 0; i < m; i++) s += c->C[idx[i] * c->nc + j];
        s /= m;
        for (int64_t i = 0; i < m; i++) { double d = c->C[idx[i] * c->nc + j] - s; ss += d * d; }
        if (ss > 1e-12 * m * (1 + s * s)) { keep[nk] = j; mu[nk] = s; sd[nk] = sqrt(ss / m); nk++; }
    }
    int p = 1 + ne + nk;
    double *X = (double *)malloc((size_t)m * p * sizeof(double) + 1);
    if (!X) return GRS_ENOMEM;
    for (int64_t i = 0; i < m; i++) {
        double *x = X + i * p;
        x[0] = 1;
        for (int j = 0; j < ne; j++) x[1 + j] = extra[i * ne + j];
        for (int j = 0; j < nk; j++) x[1 + ne + j] = (c->C[idx[i] * c->nc + keep[j]] - mu[j]) / sd[j];
    }
    *Xo = X;
    *po = p;
    return GRS_OK;
}

/* fit the trait on [1, extra, covariates] over idx; returns the fit of column 1 in *f */
static int fit_model(const ctx_t *c, const int64_t *idx, int64_t m, int ne, const double *extra,
                     int logistic, grs_fit_t *f)
{
    double *X = NULL, *y = (double *)malloc((m + 1) * sizeof(double));
    int p, st;
    memset(f, 0, sizeof(*f));
    if (!y) return GRS_ENOMEM;
    for (int64_t i = 0; i < m; i++) y[i] = c->y[idx[i]];
    if ((st = design(c, idx, m, ne, extra, &X, &p)) < 0) { free(y); return st; }
    st = logistic ? grs_stats_logistic(m, p, X, y, f) : grs_stats_ols(m, p, X, y, f);
    free(X);
    free(y);
    return st;
}

static const char *fit_why(int st)
{
    return st == GRS_ENOMEM ? "out of memory"
         : "not estimable (too few samples, collinear covariates or complete separation)";
}

/* binned Gaussian KDE of z over the grid gx (Silverman's rule bandwidth) */
static double *density(const double *z, int64_t m, const double *gx)
{
    double *d = (double *)calloc(N_GRID, sizeof(double));
    if (!d || m < 2) return d;
    double mean = 0, ss = 0;
    for (int64_t i = 0; i < m; i++) mean += z[i];
    mean /= m;
    for (int64_t i = 0; i < m; i++) ss += (z[i] - mean) * (z[i] - mean);
    double bw = 1.06 * sqrt(ss / (m - 1)) * pow((double)m, -0.2);
    if (!(bw > 0)) bw = 0.1;
    enum { NB = 1024 };
    double cnt[NB] = { 0 }, lo = gx[0], hi = gx[N_GRID - 1], w = (hi - lo) / NB;
    for (int64_t i = 0; i < m; i++) {
        int b = (int)((z[i] - lo) / w);
        if (b < 0) b = 0;
        if (b >= NB) b = NB - 1;
        cnt[b]++;
    }
    for (int g = 0; g < N_GRID; g++) {
        double s = 0;
        for (int b = 0; b < NB; b++) {
            if (!cnt[b]) continue;
            double u = (gx[g] - (lo + (b + 0.5) * w)) / bw;
            if (fabs(u) < 8) s += cnt[b] * exp(-0.5 * u * u);
        }
        d[g] = s / (m * bw * sqrt(2 * M_PI));
    }
    return d;
}

/* ---- one analysis ---------------------------------------------------------------------------- */
static int analyse(ctx_t *c, int k, const int64_t *idx, int64_t m, double zmean, double zsd, int with_density,
                   res_t *r)
{
    double *z = (double *)malloc((m + 1) * sizeof(double)), *yy = (double *)malloc((m + 1) * sizeof(double));
    grs_fit_t f;
    int st;
    memset(r, 0, sizeof(*r));
    r->auc = r->auc_se = r->auc_lo = r->auc_hi = r->b = r->b_se = r->b_lo = r->b_hi = r->b_p = NAN;
    r->nk_full = r->nk_cov = r->nk_inc = r->r2_obs_inc = r->r2_liab = NAN;
    r->r2_score = r->r2_full = r->r2_cov = r->r2_inc = r->mean = r->sd = NAN;
    if (!z || !yy) { free(z); free(yy); return GRS_ENOMEM; }
    r->n = m;
    double s = 0, ss = 0;
    for (int64_t i = 0; i < m; i++) {
        double v = c->S[k][idx[i]];
        z[i] = (v - zmean) / zsd;
        yy[i] = c->y[idx[i]];
        s += v;
        r->n_case += c->binary && yy[i] != 0;
    }
    r->n_ctrl = c->binary ? m - r->n_case : 0;
    r->mean = m ? s / m : NAN;
    for (int64_t i = 0; i < m; i++) { double d = c->S[k][idx[i]] - r->mean; ss += d * d; }
    r->sd = m > 1 ? sqrt(ss / (m - 1)) : NAN;
    if (with_density && !(r->dens = density(z, m, c->gx + (size_t)k * N_GRID))) { free(z); free(yy); return GRS_ENOMEM; }
    if (m < 3) { snprintf(r->note, sizeof(r->note), "too few samples (%" PRId64 ")", m); goto done; }
    if (c->binary) {
        if (!r->n_case || !r->n_ctrl) {
            snprintf(r->note, sizeof(r->note), "one class only (%" PRId64 " cases, %" PRId64 " controls)", r->n_case, r->n_ctrl);
            goto done;
        }
        if ((st = grs_stats_auc(m, z, yy, &r->auc, &r->auc_se, &r->auc_lo, &r->auc_hi)) == GRS_ENOMEM) goto oom;
        double n1 = (double)r->n_case, n0 = (double)r->n_ctrl;
        double ll0 = n1 * log(n1 / m) + n0 * log(n0 / m), llc = ll0;
        if (c->nc > 0) {
            st = fit_model(c, idx, m, 0, NULL, 1, &f);
            if (st == GRS_ENOMEM) goto oom;
            if (st < 0) { snprintf(r->note, sizeof(r->note), "covariate-only logistic model %s", fit_why(st)); goto done; }
            llc = f.loglik;
            grs_fit_free(&f);
        }
        st = fit_model(c, idx, m, 1, z, 1, &f);
        if (st == GRS_ENOMEM) goto oom;
        if (st < 0) { snprintf(r->note, sizeof(r->note), "logistic model %s", fit_why(st)); goto done; }
        r->b = f.beta[1]; r->b_se = f.se[1]; r->b_lo = f.lo[1]; r->b_hi = f.hi[1]; r->b_p = f.pval[1];
        r->nk_full = grs_stats_nagelkerke(f.loglik, ll0, m);
        r->nk_cov = c->nc > 0 ? grs_stats_nagelkerke(llc, ll0, m) : 0;
        r->nk_inc = r->nk_full - r->nk_cov;
        grs_fit_free(&f);
        /* observed-scale R² of the linear probability model, for Lee's transformation */
        grs_fit_t fc, ff;
        double r2c = 0;
        if (c->nc > 0) {
            if ((st = fit_model(c, idx, m, 0, NULL, 0, &fc)) == GRS_ENOMEM) goto oom;
            r2c = st < 0 ? NAN : fc.r2;
            grs_fit_free(&fc);
        }
        if ((st = fit_model(c, idx, m, 1, z, 0, &ff)) == GRS_ENOMEM) goto oom;
        r->r2_obs_inc = st < 0 ? NAN : ff.r2 - r2c;
        grs_fit_free(&ff);
        if (c->o->prevalence > 0) r->r2_liab = grs_stats_liability_r2(r->r2_obs_inc, c->o->prevalence, n1 / m);
    } else {
        grs_fit_t fc;
        r->r2_cov = 0;
        if (c->nc > 0) {
            if ((st = fit_model(c, idx, m, 0, NULL, 0, &fc)) == GRS_ENOMEM) goto oom;
            if (st < 0) { snprintf(r->note, sizeof(r->note), "covariate-only linear model %s", fit_why(st)); goto done; }
            r->r2_cov = fc.r2;
            grs_fit_free(&fc);
        }
        /* R² of the score alone: the squared correlation */
        double my = 0, mz = 0, szz = 0, syy = 0, szy = 0;
        for (int64_t i = 0; i < m; i++) { my += yy[i]; mz += z[i]; }
        my /= m; mz /= m;
        for (int64_t i = 0; i < m; i++) {
            szz += (z[i] - mz) * (z[i] - mz); syy += (yy[i] - my) * (yy[i] - my); szy += (z[i] - mz) * (yy[i] - my);
        }
        r->r2_score = szz > 0 && syy > 0 ? szy * szy / (szz * syy) : NAN;
        if ((st = fit_model(c, idx, m, 1, z, 0, &f)) == GRS_ENOMEM) goto oom;
        if (st < 0) { snprintf(r->note, sizeof(r->note), "linear model %s", fit_why(st)); goto done; }
        r->b = f.beta[1]; r->b_se = f.se[1]; r->b_lo = f.lo[1]; r->b_hi = f.hi[1]; r->b_p = f.pval[1];
        r->r2_full = f.r2;
        r->r2_inc = f.r2 - r->r2_cov;
        grs_fit_free(&f);
    }
done:
    free(z); free(yy);
    return GRS_OK;
oom:
    free(z); free(yy);
    return GRS_ENOMEM;
}

/* a stratum or top-x% contrast: trait on "in A" over A ∪ B (+ covariates) */
static int contrast(ctx_t *c, const int64_t *a, int64_t na, const int64_t *b, int64_t nb, stratum_t *s)
{
    int64_t m = na + nb;
    int64_t *idx = (int64_t *)malloc((m + 1) * sizeof(int64_t));
    double *ind = (double *)malloc((m + 1) * sizeof(double));
    grs_fit_t f;
    int st;
    s->est = s->est_lo = s->est_hi = s->est_p = NAN;
    if (!idx || !ind) { free(idx); free(ind); return GRS_ENOMEM; }
    memcpy(idx, a, na * sizeof(int64_t));
    memcpy(idx + na, b, nb * sizeof(int64_t));
    for (int64_t i = 0; i < m; i++) ind[i] = i < na;
    if (!na || !nb) { snprintf(s->note, sizeof(s->note), "empty"); goto done; }
    st = fit_model(c, idx, m, 1, ind, c->binary, &f);
    if (st == GRS_ENOMEM) { free(idx); free(ind); return st; }
    if (st < 0) { snprintf(s->note, sizeof(s->note), "%s", fit_why(st)); goto done; }
    if (c->binary) {
        s->est = exp(f.beta[1]); s->est_lo = exp(f.lo[1]); s->est_hi = exp(f.hi[1]);
    } else {
        s->est = f.beta[1]; s->est_lo = f.lo[1]; s->est_hi = f.hi[1];
    }
    s->est_p = f.pval[1];
    grs_fit_free(&f);
done:
    free(idx); free(ind);
    return GRS_OK;
}

static void stratum_counts(ctx_t *c, const int64_t *idx, int64_t m, stratum_t *s)
{
    s->n = m;
    s->n_case = 0;
    s->prev = s->prev_lo = s->prev_hi = s->mean = s->mean_lo = s->mean_hi = NAN;
    if (c->binary) {
        for (int64_t i = 0; i < m; i++) s->n_case += c->y[idx[i]] != 0;
        if (m) {
            s->prev = (double)s->n_case / m;
            grs_stats_wilson(s->n_case, m, &s->prev_lo, &s->prev_hi);
        }
    } else {
        double *v = (double *)malloc((m + 1) * sizeof(double)), sd;
        if (!v) return;
        for (int64_t i = 0; i < m; i++) v[i] = c->y[idx[i]];
        grs_stats_mean_ci(m, v, &s->mean, &sd, &s->mean_lo, &s->mean_hi);
        free(v);
    }
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* strata, top-x% contrasts, ROC curve of score k over its samples idx */
static int analyse_strata(ctx_t *c, int k, const int64_t *idx, int64_t m)
{
    const opts_t *o = c->o;
    double *sorted = (double *)malloc((m + 1) * sizeof(double));
    int64_t *in = (int64_t *)malloc((m + 1) * sizeof(int64_t)), *ref = (int64_t *)malloc((m + 1) * sizeof(int64_t));
    int ret = GRS_ENOMEM;
    if (!sorted || !in || !ref) goto fail;
    for (int64_t i = 0; i < m; i++) sorted[i] = c->S[k][idx[i]];
    qsort(sorted, m, sizeof(double), cmp_dbl);
    double q40 = grs_stats_quantile_sorted(sorted, m, 0.4), q60 = grs_stats_quantile_sorted(sorted, m, 0.6);
    int64_t nref = 0;
    for (int64_t i = 0; i < m; i++) { double v = c->S[k][idx[i]]; if (v > q40 && v <= q60) ref[nref++] = idx[i]; }
    c->n_strata = o->n_cuts + 1;
    if (!(c->strata[k] = (stratum_t *)calloc(c->n_strata, sizeof(stratum_t)))) goto fail;
    for (int j = 0; j < c->n_strata; j++) {
        stratum_t *s = &c->strata[k][j];
        s->plo = j ? o->cuts[j - 1] : 0;
        s->phi = j < o->n_cuts ? o->cuts[j] : 100;
        s->vlo = j ? grs_stats_quantile_sorted(sorted, m, s->plo / 100) : -INFINITY;
        s->vhi = j < o->n_cuts ? grs_stats_quantile_sorted(sorted, m, s->phi / 100) : INFINITY;
        snprintf(s->label, sizeof(s->label), "%g-%g%%", s->plo, s->phi);
        int64_t ni = 0, nout = 0;
        for (int64_t i = 0; i < m; i++) {
            double v = c->S[k][idx[i]];
            if ((j == 0 ? 1 : v > s->vlo) && v <= s->vhi) {
                in[ni++] = idx[i];
                nout += !(v > q40 && v <= q60);
            }
        }
        stratum_counts(c, in, ni, s);
        if (ni && !nout) {        /* inside the middle band: the reference */
            s->is_ref = 1;
            s->est = 1; s->est_lo = s->est_hi = s->est_p = NAN;
            if (!c->binary) s->est = 0;
            snprintf(s->note, sizeof(s->note), "reference (middle 40-60%%)");
            continue;
        }
        /* the part of the stratum outside the middle band against the band */
        int64_t na = 0;
        for (int64_t i = 0; i < ni; i++) { double v = c->S[k][in[i]]; if (!(v > q40 && v <= q60)) in[na++] = in[i]; }
        if ((ret = contrast(c, in, na, ref, nref, s)) < 0) goto fail;
    }
    if (!(c->top[k] = (stratum_t *)calloc(o->n_top + 1, sizeof(stratum_t)))) { ret = GRS_ENOMEM; goto fail; }
    for (int j = 0; j < o->n_top; j++) {
        stratum_t *s = &c->top[k][j];
        double q = grs_stats_quantile_sorted(sorted, m, 1 - o->top[j] / 100);
        int64_t ni = 0, nr = 0;
        for (int64_t i = 0; i < m; i++) { if (c->S[k][idx[i]] > q) in[ni++] = idx[i]; else ref[nr++] = idx[i]; }
        snprintf(s->label, sizeof(s->label), "top %g%%", o->top[j]);
        s->plo = 100 - o->top[j]; s->phi = 100; s->vlo = q; s->vhi = INFINITY;
        stratum_counts(c, in, ni, s);
        if ((ret = contrast(c, in, ni, ref, nr, s)) < 0) goto fail;
    }
    /* ROC curve at every distinct threshold, thinned to about 400 points */
    if (c->binary) {
        int64_t n1 = c->overall[k].n_case, n0 = c->overall[k].n_ctrl;
        typedef struct { double v; int y; } pair_t;    /* -score (descending order) and class */
        pair_t *pp = (pair_t *)malloc((m + 1) * sizeof(pair_t));
        if (!pp) { ret = GRS_ENOMEM; goto fail; }
        for (int64_t i = 0; i < m; i++) { pp[i].v = -c->S[k][idx[i]]; pp[i].y = c->y[idx[i]] != 0; }
        qsort(pp, m, sizeof(pair_t), cmp_dbl);   /* compares the first member, v */
        int64_t cap = 402, step = m / 400 + 1, tp = 0, fp = 0, np = 0;
        c->roc_x[k] = (double *)malloc(cap * sizeof(double));
        c->roc_y[k] = (double *)malloc(cap * sizeof(double));
        if (!c->roc_x[k] || !c->roc_y[k] || !n1 || !n0) { free(pp); if (n1 && n0) { ret = GRS_ENOMEM; goto fail; } goto roc_done; }
        c->roc_x[k][np] = 0; c->roc_y[k][np++] = 0;
        for (int64_t i = 0; i < m; i++) {
            tp += pp[i].y; fp += !pp[i].y;
            if ((i + 1 < m && pp[i + 1].v == pp[i].v)) continue;
            if ((i % step == 0 || i == m - 1) && np < cap) {
                c->roc_x[k][np] = (double)fp / n0; c->roc_y[k][np++] = (double)tp / n1;
            }
        }
        if (c->roc_x[k][np - 1] != 1 || c->roc_y[k][np - 1] != 1) { c->roc_x[k][np] = 1; c->roc_y[k][np++] = 1; }
        c->n_roc[k] = (int)np;
        free(pp);
    }
roc_done:
    ret = GRS_OK;
fail:
    free(sorted); free(in); free(ref);
    return ret;
}

static void gap_of(ctx_t *c, group_t *g, int k, int metric, gap_t *out)
{
    /* metric 0: AUROC (binary) / beta per SD (quant); 1: log OR per SD (binary) */
    double best = -1;
    out->ok = 0;
    snprintf(out->metric, sizeof(out->metric), "%s", metric == 0 ? (c->binary ? "auc" : "beta_per_sd") : "log_or_per_sd");
    for (int a = 0; a < g->n_levels; a++)
        for (int b = a + 1; b < g->n_levels; b++) {
            const res_t *ra = &g->res[k * g->n_levels + a], *rb = &g->res[k * g->n_levels + b];
            double va = metric == 0 && c->binary ? ra->auc : ra->b, vb = metric == 0 && c->binary ? rb->auc : rb->b;
            double sa = metric == 0 && c->binary ? ra->auc_se : ra->b_se, sb = metric == 0 && c->binary ? rb->auc_se : rb->b_se;
            if (!isfinite(va) || !isfinite(vb) || !isfinite(sa) || !isfinite(sb)) continue;
            if (fabs(va - vb) > best) {
                best = fabs(va - vb);
                int hi = va >= vb ? a : b, lo = va >= vb ? b : a;
                double d = fabs(va - vb), se = sqrt(sa * sa + sb * sb);
                snprintf(out->a, sizeof(out->a), "%s", g->levels[hi]);
                snprintf(out->b, sizeof(out->b), "%s", g->levels[lo]);
                out->diff = d;
                out->lo = d - 1.959963984540054 * se;
                out->hi = d + 1.959963984540054 * se;
                out->ok = 1;
            }
        }
}

/* calibration of predicted risks p (0 < p < 1) against the 0/1 trait y, m samples */
static int calibrate(const double *p, const double *y, int64_t m, calib_t *c)
{
    double *X = (double *)malloc((2 * m + 1) * sizeof(double)), *off = (double *)malloc((m + 1) * sizeof(double));
    double *sorted = (double *)malloc((m + 1) * sizeof(double));
    grs_fit_t f;
    int st, ret = GRS_ENOMEM;
    c->n = m;
    c->icpt = c->icpt_lo = c->icpt_hi = c->slope = c->slope_lo = c->slope_hi = NAN;
    if (!X || !off || !sorted) goto done;
    c->brier = 0;
    c->n_case = 0;
    for (int64_t i = 0; i < m; i++) {
        c->brier += (p[i] - y[i]) * (p[i] - y[i]);
        c->n_case += y[i] != 0;
        off[i] = log(p[i] / (1 - p[i]));
        X[i] = 1;
    }
    c->brier /= m;
    if ((st = grs_stats_auc(m, p, y, &c->auc, &c->auc_se, &c->auc_lo, &c->auc_hi)) == GRS_ENOMEM) goto done;
    /* intercept (calibration-in-the-large): y ~ 1 + offset(logit p); slope: y ~ 1 + logit p */
    if ((st = grs_stats_logistic_offset(m, 1, X, off, y, &f)) == GRS_ENOMEM) goto done;
    if (st == GRS_OK) { c->icpt = f.beta[0]; c->icpt_lo = f.lo[0]; c->icpt_hi = f.hi[0]; grs_fit_free(&f); }
    for (int64_t i = 0; i < m; i++) { X[2 * i] = 1; X[2 * i + 1] = off[i]; }
    if ((st = grs_stats_logistic(m, 2, X, y, &f)) == GRS_ENOMEM) goto done;
    if (st == GRS_OK) { c->slope = f.beta[1]; c->slope_lo = f.lo[1]; c->slope_hi = f.hi[1]; grs_fit_free(&f); }
    else snprintf(c->note, sizeof(c->note), "calibration models not estimable");
    /* deciles of predicted risk: observed (Wilson) vs mean predicted */
    memcpy(sorted, p, m * sizeof(double));
    qsort(sorted, m, sizeof(double), cmp_dbl);
    for (int j = 0; j < 10; j++) {
        stratum_t *s = &c->bins[j];
        s->plo = 10 * j; s->phi = 10 * (j + 1);
        s->vlo = j ? grs_stats_quantile_sorted(sorted, m, s->plo / 100) : -INFINITY;
        s->vhi = j < 9 ? grs_stats_quantile_sorted(sorted, m, s->phi / 100) : INFINITY;
        snprintf(s->label, sizeof(s->label), "%g-%g%%", s->plo, s->phi);
        double sp = 0;
        for (int64_t i = 0; i < m; i++)
            if ((j == 0 || p[i] > s->vlo) && p[i] <= s->vhi) { s->n++; s->n_case += y[i] != 0; sp += p[i]; }
        s->mean = s->n ? sp / s->n : NAN;
        s->prev = s->n ? (double)s->n_case / s->n : NAN;
        grs_stats_wilson(s->n_case, s->n, &s->prev_lo, &s->prev_hi);
        s->est = s->est_lo = s->est_hi = s->est_p = s->mean_lo = s->mean_hi = NAN;
    }
    /* decision curve (Vickers & Elkin 2006): treat when p >= t */
    double prev = (double)c->n_case / m;
    for (int k = 0; k < N_DCA; k++) {
        double t = 0.01 * (k + 1), w = t / (1 - t);
        int64_t tp = 0, fp = 0;
        for (int64_t i = 0; i < m; i++) if (p[i] >= t) { tp += y[i] != 0; fp += y[i] == 0; }
        c->thr[k] = t;
        c->nb_model[k] = (double)tp / m - (double)fp / m * w;
        c->nb_all[k] = prev - (1 - prev) * w;
    }
    ret = GRS_OK;
done:
    free(X); free(off); free(sorted);
    return ret;
}

static void plot_calibration(grs_out_t *o, const calib_t *c)
{
    double x[10], y[10], lo[10], hi[10], mx = 0, d[2] = { 0, 0 };
    for (int j = 0; j < 10; j++) {
        x[j] = c->bins[j].mean; y[j] = c->bins[j].prev; lo[j] = c->bins[j].prev_lo; hi[j] = c->bins[j].prev_hi;
        if (isfinite(x[j])) mx = fmax(mx, x[j]);
        if (isfinite(hi[j])) mx = fmax(mx, hi[j]);
    }
    mx = fmin(1, mx * 1.05 + 0.01);
    d[1] = mx;
    grs_plot_t p = { 0, mx, 0, mx, 300, 280, 0, NULL, 0 };
    grs_plot_begin(o, &p, "Calibration by decile of predicted risk", "mean predicted risk", "observed proportion");
    grs_plot_line(o, &p, 2, d, d, "#999", 1);
    grs_plot_points(o, &p, 10, x, y, lo, hi, grs_plot_color(0));
    grs_plot_end(o);
}

static void plot_decision(grs_out_t *o, const calib_t *c)
{
    double ymax = 0, zero[N_DCA];
    for (int k = 0; k < N_DCA; k++) { ymax = fmax(ymax, fmax(c->nb_model[k], c->nb_all[k])); zero[k] = 0; }
    if (!(ymax > 0)) ymax = 0.01;
    grs_plot_t p = { 0, 0.5, -0.25 * ymax, ymax * 1.1, 360, 280, 0, NULL, 0, 1 };
    const char *labs[3] = { "model", "treat all", "treat none" };
    const char *cols[3] = { grs_plot_color(0), grs_plot_color(1), "#777" };
    double yall[N_DCA];
    for (int k = 0; k < N_DCA; k++) yall[k] = c->nb_all[k] >= p.y0 ? c->nb_all[k] : NAN;
    grs_plot_begin(o, &p, "Decision curve", "threshold probability", "net benefit");
    grs_plot_line(o, &p, N_DCA, c->thr, zero, cols[2], 1);
    grs_plot_line(o, &p, N_DCA, c->thr, yall, cols[1], 0);
    grs_plot_line(o, &p, N_DCA, c->thr, c->nb_model, cols[0], 0);
    grs_plot_legend(o, &p, 3, labs, cols);
    grs_plot_end(o);
}

/* ---- outputs ---------------------------------------------------------------------------------- */
static void json_res(grs_json_t *j, const ctx_t *c, const res_t *r)
{
    grs_json_int(j, "n", r->n);
    if (c->binary) { grs_json_int(j, "cases", r->n_case); grs_json_int(j, "controls", r->n_ctrl); }
    grs_json_num(j, "score_mean", r->mean);
    grs_json_num(j, "score_sd", r->sd);
    if (c->binary) {
        grs_json_num(j, "auc", r->auc); grs_json_num(j, "auc_se", r->auc_se);
        grs_json_num(j, "auc_lo", r->auc_lo); grs_json_num(j, "auc_hi", r->auc_hi);
        grs_json_num(j, "log_or_per_sd", r->b); grs_json_num(j, "log_or_se", r->b_se);
        grs_json_num(j, "or_per_sd", exp(r->b)); grs_json_num(j, "or_lo", exp(r->b_lo));
        grs_json_num(j, "or_hi", exp(r->b_hi)); grs_json_num(j, "p", r->b_p);
        grs_json_num(j, "nagelkerke_full", r->nk_full); grs_json_num(j, "nagelkerke_covariates", r->nk_cov);
        grs_json_num(j, "nagelkerke_incremental", r->nk_inc);
        grs_json_num(j, "r2_observed_incremental", r->r2_obs_inc);
        grs_json_num(j, "r2_liability", r->r2_liab);
    } else {
        grs_json_num(j, "beta_per_sd", r->b); grs_json_num(j, "beta_se", r->b_se);
        grs_json_num(j, "beta_lo", r->b_lo); grs_json_num(j, "beta_hi", r->b_hi); grs_json_num(j, "p", r->b_p);
        grs_json_num(j, "r2_score", r->r2_score); grs_json_num(j, "r2_full", r->r2_full);
        grs_json_num(j, "r2_covariates", r->r2_cov); grs_json_num(j, "r2_incremental", r->r2_inc);
    }
    grs_json_str(j, "note", r->note[0] ? r->note : NULL);
}

static void json_strata(grs_json_t *j, const ctx_t *c, const char *key, const stratum_t *s, int n)
{
    grs_json_arr(j, key);
    for (int i = 0; i < n; i++) {
        grs_json_obj(j, NULL);
        grs_json_str(j, "label", s[i].label);
        grs_json_num(j, "pct_lo", s[i].plo); grs_json_num(j, "pct_hi", s[i].phi);
        grs_json_num(j, "score_lo", s[i].vlo); grs_json_num(j, "score_hi", s[i].vhi);
        grs_json_bool(j, "reference", s[i].is_ref);
        grs_json_int(j, "n", s[i].n);
        if (c->binary) {
            grs_json_int(j, "cases", s[i].n_case);
            grs_json_num(j, "prevalence", s[i].prev); grs_json_num(j, "prev_lo", s[i].prev_lo);
            grs_json_num(j, "prev_hi", s[i].prev_hi);
        } else {
            grs_json_num(j, "mean", s[i].mean); grs_json_num(j, "mean_lo", s[i].mean_lo);
            grs_json_num(j, "mean_hi", s[i].mean_hi);
        }
        grs_json_num(j, "estimate", s[i].est); grs_json_num(j, "lo", s[i].est_lo);
        grs_json_num(j, "hi", s[i].est_hi); grs_json_num(j, "p", s[i].est_p);
        grs_json_str(j, "note", s[i].note[0] ? s[i].note : NULL);
        grs_json_close(j, '}');
    }
    grs_json_close(j, ']');
}

static void tsv_row(grs_out_t *o, const char *score, const char *grp, const char *lev, const char *stratum,
                    const char *metric, double est, double lo, double hi, double p, int64_t n)
{
    grs_out_printf(o, "%s\t%s\t%s\t%s\t%s\t%.10g\t%.10g\t%.10g\t%.10g\t%" PRId64 "\n", score, grp, lev, stratum,
                   metric, est, lo, hi, p, n);
}

static void tsv_res(grs_out_t *o, const ctx_t *c, const char *score, const char *grp, const char *lev, const res_t *r)
{
    tsv_row(o, score, grp, lev, ".", "score_mean", r->mean, NAN, NAN, NAN, r->n);
    tsv_row(o, score, grp, lev, ".", "score_sd", r->sd, NAN, NAN, NAN, r->n);
    if (c->binary) {
        tsv_row(o, score, grp, lev, ".", "cases", (double)r->n_case, NAN, NAN, NAN, r->n);
        tsv_row(o, score, grp, lev, ".", "auc", r->auc, r->auc_lo, r->auc_hi, NAN, r->n);
        tsv_row(o, score, grp, lev, ".", "or_per_sd", exp(r->b), exp(r->b_lo), exp(r->b_hi), r->b_p, r->n);
        tsv_row(o, score, grp, lev, ".", "nagelkerke_incremental", r->nk_inc, NAN, NAN, NAN, r->n);
        tsv_row(o, score, grp, lev, ".", "r2_observed_incremental", r->r2_obs_inc, NAN, NAN, NAN, r->n);
        if (c->o->prevalence > 0) tsv_row(o, score, grp, lev, ".", "r2_liability", r->r2_liab, NAN, NAN, NAN, r->n);
    } else {
        tsv_row(o, score, grp, lev, ".", "beta_per_sd", r->b, r->b_lo, r->b_hi, r->b_p, r->n);
        tsv_row(o, score, grp, lev, ".", "r2_score", r->r2_score, NAN, NAN, NAN, r->n);
        tsv_row(o, score, grp, lev, ".", "r2_incremental", r->r2_inc, NAN, NAN, NAN, r->n);
    }
}

/* tables/overall.tsv: one row per score × subset, every statistic a column (NA when n/a) */
static void table_res_head(grs_out_t *o)
{
    grs_out_printf(o, "score\tgroup\tlevel\tn\tcases\tcontrols\tscore_mean\tscore_sd\tauc\tauc_lo\tauc_hi\t"
                      "or_per_sd\tor_lo\tor_hi\tbeta_per_sd\tbeta_lo\tbeta_hi\tp\tnagelkerke_full\t"
                      "nagelkerke_covariates\tnagelkerke_incremental\tr2_observed_incremental\tr2_liability\t"
                      "r2_score\tr2_full\tr2_covariates\tr2_incremental\tnote\n");
}

static void tnum(grs_out_t *o, double v)
{
    if (isfinite(v)) grs_out_printf(o, "\t%.10g", v);
    else grs_out_printf(o, "\tNA");
}

static void table_res_row(grs_out_t *o, const ctx_t *c, const char *score, const char *grp, const char *lev,
                          const res_t *r)
{
    int b = c->binary;
    grs_out_printf(o, "%s\t%s\t%s\t%" PRId64, score, grp, lev, r->n);
    if (b) grs_out_printf(o, "\t%" PRId64 "\t%" PRId64, r->n_case, r->n_ctrl);
    else grs_out_printf(o, "\tNA\tNA");
    tnum(o, r->mean); tnum(o, r->sd);
    tnum(o, r->auc); tnum(o, r->auc_lo); tnum(o, r->auc_hi);
    tnum(o, b ? exp(r->b) : NAN); tnum(o, b ? exp(r->b_lo) : NAN); tnum(o, b ? exp(r->b_hi) : NAN);
    tnum(o, b ? NAN : r->b); tnum(o, b ? NAN : r->b_lo); tnum(o, b ? NAN : r->b_hi);
    tnum(o, r->b_p);
    tnum(o, r->nk_full); tnum(o, r->nk_cov); tnum(o, r->nk_inc); tnum(o, r->r2_obs_inc); tnum(o, r->r2_liab);
    tnum(o, r->r2_score); tnum(o, r->r2_full); tnum(o, b ? NAN : r->r2_cov); tnum(o, r->r2_inc);
    grs_out_printf(o, "\t%s\n", r->note[0] ? r->note : "NA");
}

/* tables/strata.tsv: strata and top-x% rows */
static void table_strata(grs_out_t *o, const ctx_t *c, const char *score, const char *kind, const stratum_t *s, int n)
{
    for (int i = 0; i < n; i++) {
        grs_out_printf(o, "%s\t%s\t%s", score, kind, s[i].label);
        tnum(o, s[i].plo); tnum(o, s[i].phi); tnum(o, s[i].vlo); tnum(o, s[i].vhi);
        grs_out_printf(o, "\t%d\t%" PRId64, s[i].is_ref, s[i].n);
        if (c->binary) grs_out_printf(o, "\t%" PRId64, s[i].n_case); else grs_out_printf(o, "\tNA");
        tnum(o, s[i].prev); tnum(o, s[i].prev_lo); tnum(o, s[i].prev_hi);
        tnum(o, s[i].mean); tnum(o, s[i].mean_lo); tnum(o, s[i].mean_hi);
        tnum(o, s[i].est); tnum(o, s[i].est_lo); tnum(o, s[i].est_hi); tnum(o, s[i].est_p);
        grs_out_printf(o, "\t%s\n", s[i].note[0] ? s[i].note : "NA");
    }
}

static void html_num(grs_out_t *o, double v, int digits)
{
    if (isfinite(v)) grs_out_printf(o, "%.*g", digits, v);
    else grs_out_printf(o, "&#8211;");
}

static void html_ci(grs_out_t *o, double v, double lo, double hi, int digits)
{
    html_num(o, v, digits);
    if (isfinite(lo) && isfinite(hi)) {
        grs_out_printf(o, " <span class=\"ci\">(");
        html_num(o, lo, digits);
        grs_out_printf(o, "&#8211;");
        html_num(o, hi, digits);
        grs_out_printf(o, ")</span>");
    }
}

static void html_p(grs_out_t *o, double p)
{
    if (!isfinite(p)) grs_out_printf(o, "&#8211;");
    else if (p < 1e-300) grs_out_printf(o, "&lt;1e-300");
    else grs_out_printf(o, "%.3g", p);
}

static const char *CSS =
    "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:1100px;margin:1.5em auto;"
    "padding:0 1em;color:#222;line-height:1.4}\n"
    "h1{font-size:1.6em;border-bottom:2px solid #0072B2}h2{font-size:1.3em;margin-top:1.6em;"
    "border-bottom:1px solid #ccc}h3{font-size:1.1em}\n"
    "table{border-collapse:collapse;margin:.6em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:3px 7px;"
    "text-align:right}th{background:#eef3f8}td.l,th.l{text-align:left}\n"
    ".ci{color:#555;font-size:.92em}.warn{background:#fff4e0;border-left:4px solid #E69F00;padding:.4em .8em}\n"
    ".plots{display:flex;flex-wrap:wrap;gap:10px}.plot text.pt{font-size:13px;font-weight:bold}"
    ".plot text.tk{font-size:10px;fill:#333}.plot text.al{font-size:11px}.plot .grid{stroke:#eee}\n"
    ".note{color:#666;font-size:.88em}code{font-size:.9em}\n"
    "@media print{body{max-width:none;margin:0}.plots{page-break-inside:avoid}h2{page-break-before:auto}}\n";

static void html_res_row(grs_out_t *o, const ctx_t *c, const char *label, const res_t *r)
{
    grs_out_printf(o, "<tr><td class=\"l\">");
    grs_html_text(o, label);
    grs_out_printf(o, "</td><td>%" PRId64 "</td>", r->n);
    if (c->binary) grs_out_printf(o, "<td>%" PRId64 "</td><td>%" PRId64 "</td>", r->n_case, r->n_ctrl);
    grs_out_printf(o, "<td>");
    html_num(o, r->mean, 4);
    grs_out_printf(o, " &#177; ");
    html_num(o, r->sd, 4);
    grs_out_printf(o, "</td><td>");
    if (c->binary) {
        html_ci(o, r->auc, r->auc_lo, r->auc_hi, 4);
        grs_out_printf(o, "</td><td>");
        html_ci(o, exp(r->b), exp(r->b_lo), exp(r->b_hi), 4);
        grs_out_printf(o, "</td><td>");
        html_p(o, r->b_p);
        grs_out_printf(o, "</td><td>");
        html_num(o, r->nk_inc, 4);
        grs_out_printf(o, "</td><td>");
        html_num(o, c->o->prevalence > 0 ? r->r2_liab : r->r2_obs_inc, 4);
    } else {
        html_ci(o, r->b, r->b_lo, r->b_hi, 4);
        grs_out_printf(o, "</td><td>");
        html_p(o, r->b_p);
        grs_out_printf(o, "</td><td>");
        html_num(o, r->r2_score, 4);
        grs_out_printf(o, "</td><td>");
        html_num(o, r->r2_inc, 4);
    }
    grs_out_printf(o, "</td><td class=\"l note\">");
    grs_html_text(o, r->note);
    grs_out_printf(o, "</td></tr>\n");
}

static void html_res_head(grs_out_t *o, const ctx_t *c, const char *first)
{
    grs_out_printf(o, "<table><tr><th class=\"l\">%s</th><th>N</th>", first);
    if (c->binary) grs_out_printf(o, "<th>cases</th><th>controls</th>");
    grs_out_printf(o, "<th>score mean &#177; SD</th>");
    if (c->binary)
        grs_out_printf(o, "<th>AUROC (95%% CI, DeLong)</th><th>OR per SD (95%% CI)</th><th>p</th>"
                          "<th>Nagelkerke R&#178; (incremental)</th><th>%s</th>",
                       c->o->prevalence > 0 ? "liability R&#178;" : "observed-scale R&#178; (incremental)");
    else
        grs_out_printf(o, "<th>beta per SD (95%% CI)</th><th>p</th><th>R&#178; (score alone)</th>"
                          "<th>incremental R&#178;</th>");
    grs_out_printf(o, "<th class=\"l\">note</th></tr>\n");
}

static void html_strata_table(grs_out_t *o, const ctx_t *c, const stratum_t *s, int n, const char *what)
{
    grs_out_printf(o, "<table><tr><th class=\"l\">%s</th><th>score range</th><th>N</th>", what);
    if (c->binary) grs_out_printf(o, "<th>cases</th><th>prevalence (95%% CI, Wilson)</th><th>OR (95%% CI)</th>");
    else grs_out_printf(o, "<th>mean trait (95%% CI)</th><th>difference in mean (95%% CI)</th>");
    grs_out_printf(o, "<th>p</th><th class=\"l\">note</th></tr>\n");
    for (int i = 0; i < n; i++) {
        grs_out_printf(o, "<tr><td class=\"l\">");
        grs_html_text(o, s[i].label);
        grs_out_printf(o, "</td><td>");
        if (isfinite(s[i].vlo)) { html_num(o, s[i].vlo, 4); grs_out_printf(o, " &lt; "); }
        grs_out_printf(o, "score");
        if (isfinite(s[i].vhi)) { grs_out_printf(o, " &#8804; "); html_num(o, s[i].vhi, 4); }
        grs_out_printf(o, "</td><td>%" PRId64 "</td><td>", s[i].n);
        if (c->binary) {
            grs_out_printf(o, "%" PRId64 "</td><td>", s[i].n_case);
            html_ci(o, s[i].prev, s[i].prev_lo, s[i].prev_hi, 3);
        } else {
            html_ci(o, s[i].mean, s[i].mean_lo, s[i].mean_hi, 4);
        }
        grs_out_printf(o, "</td><td>");
        html_ci(o, s[i].est, s[i].est_lo, s[i].est_hi, 3);
        grs_out_printf(o, "</td><td>");
        html_p(o, s[i].est_p);
        grs_out_printf(o, "</td><td class=\"l note\">");
        grs_html_text(o, s[i].note);
        grs_out_printf(o, "</td></tr>\n");
    }
    grs_out_printf(o, "</table>\n");
}

/* density curves of several subsets on one plot */
static void plot_density(grs_out_t *o, const double *gx, const char *title, int n, const double *const *d,
                         const char *const *labels)
{
    double ymax = 0;
    const char *cols[16];
    for (int i = 0; i < n; i++) for (int g = 0; g < N_GRID; g++) if (d[i]) ymax = fmax(ymax, d[i][g]);
    grs_plot_t p = { gx[0], gx[N_GRID - 1], 0, ymax > 0 ? ymax * 1.08 : 1, 360, 250, 0, NULL, 0 };
    grs_plot_begin(o, &p, title, "score (SD from the mean)", "density");
    for (int i = 0; i < n && i < 16; i++) {
        cols[i] = grs_plot_color(i);
        if (d[i]) grs_plot_line(o, &p, N_GRID, gx, d[i], cols[i], 0);
    }
    grs_plot_legend(o, &p, n < 16 ? n : 16, labels, cols);
    grs_plot_end(o);
}

static void plot_strata(grs_out_t *o, const ctx_t *c, const stratum_t *s, int n, int est)
{
    const char *lab[128];
    double x[128], y[128], lo[128], hi[128], ymin = INFINITY, ymax = -INFINITY;
    if (n > 128) n = 128;
    for (int i = 0; i < n; i++) {
        lab[i] = s[i].label;
        x[i] = i;
        if (est) {
            if (c->binary) {
                y[i] = log(s[i].est); lo[i] = log(s[i].est_lo); hi[i] = log(s[i].est_hi);
                if (s[i].is_ref) y[i] = 0;
            } else {
                y[i] = s[i].est; lo[i] = s[i].est_lo; hi[i] = s[i].est_hi;
            }
        } else {
            y[i] = c->binary ? s[i].prev : s[i].mean;
            lo[i] = c->binary ? s[i].prev_lo : s[i].mean_lo;
            hi[i] = c->binary ? s[i].prev_hi : s[i].mean_hi;
        }
        if (isfinite(y[i])) { ymin = fmin(ymin, y[i]); ymax = fmax(ymax, y[i]); }
        if (isfinite(lo[i])) ymin = fmin(ymin, lo[i]);
        if (isfinite(hi[i])) ymax = fmax(ymax, hi[i]);
    }
    if (!isfinite(ymin)) { ymin = 0; ymax = 1; }
    if (est && c->binary) { ymin = fmin(ymin, -0.1); ymax = fmax(ymax, 0.1); }
    if (!est && c->binary) ymin = fmin(ymin, 0);
    double pad = 0.06 * (ymax - ymin + 1e-12);
    grs_plot_t p = { -0.5, n - 0.5, ymin - pad, ymax + pad, 360, 250, est && c->binary, lab, n };
    grs_plot_begin(o, &p,
                   est ? (c->binary ? "Odds ratio by stratum vs middle 40-60%" : "Mean difference by stratum vs middle 40-60%")
                       : (c->binary ? "Prevalence by score stratum" : "Mean trait by score stratum"),
                   "score stratum (percentiles)",
                   est ? (c->binary ? "odds ratio (log scale)" : "difference in mean") : (c->binary ? "prevalence" : "mean trait"));
    if (est) grs_plot_hline(o, &p, 0, "#888");
    grs_plot_points(o, &p, n, x, y, lo, hi, grs_plot_color(0));
    grs_plot_end(o);
}

static void plot_roc(grs_out_t *o, const ctx_t *c, int k)
{
    grs_plot_t p = { 0, 1, 0, 1, 300, 280, 0, NULL, 0, 2 };
    double dx[2] = { 0, 1 };
    char lab[96];
    const char *labs[1] = { lab }, *cols[1] = { grs_plot_color(0) };
    snprintf(lab, sizeof(lab), "AUROC %.3f", c->overall[k].auc);
    grs_plot_begin(o, &p, "ROC curve", "1 - specificity", "sensitivity");
    grs_plot_line(o, &p, 2, dx, dx, "#999", 1);
    grs_plot_line(o, &p, c->n_roc[k], c->roc_x[k], c->roc_y[k], cols[0], 0);
    grs_plot_legend(o, &p, 1, labs, cols);
    grs_plot_end(o);
}

static void plot_group_metric(grs_out_t *o, const ctx_t *c, const group_t *g, int k)
{
    const char *lab[MAX_LEVELS];
    double x[MAX_LEVELS], y[MAX_LEVELS], lo[MAX_LEVELS], hi[MAX_LEVELS], ymin = INFINITY, ymax = -INFINITY;
    int n = 0;
    for (int l = 0; l < g->n_levels; l++) {
        const res_t *r = &g->res[k * g->n_levels + l];
        lab[n] = g->levels[l];
        x[n] = n;
        y[n] = c->binary ? r->auc : r->b;
        lo[n] = c->binary ? r->auc_lo : r->b_lo;
        hi[n] = c->binary ? r->auc_hi : r->b_hi;
        if (r->n < MIN_PLOT) y[n] = lo[n] = hi[n] = NAN;
        if (isfinite(lo[n])) ymin = fmin(ymin, lo[n]);
        if (isfinite(hi[n])) ymax = fmax(ymax, hi[n]);
        if (isfinite(y[n])) { ymin = fmin(ymin, y[n]); ymax = fmax(ymax, y[n]); }
        n++;
    }
    if (!isfinite(ymin)) return;
    if (c->binary) { ymin = fmin(ymin, 0.5); ymax = fmin(1, fmax(ymax, 0.5)); }
    double pad = 0.06 * (ymax - ymin + 1e-12);
    grs_plot_t p = { -0.5, n - 0.5, ymin - pad, ymax + pad, 360, 250, 0, lab, n };
    grs_plot_begin(o, &p, c->binary ? "AUROC by group (95% CI)" : "beta per SD by group (95% CI)", g->name,
                   c->binary ? "AUROC" : "beta per SD");
    grs_plot_hline(o, &p, c->binary ? 0.5 : 0, "#888");
    grs_plot_points(o, &p, n, x, y, lo, hi, grs_plot_color(1));
    grs_plot_end(o);
}

/* the first "path", "rows", "matched", "match_rate" of each score_files entry of a summary.json,
 * found by a plain scan: enough for the HTML table (the whole file goes into report.json). */
/* the string value of "key" in text[.. end) (first occurrence), or "-" (null, absent) */
static void json_peek(const char *text, const char *end, const char *key, char *buf, size_t n)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\": ", key);
    const char *p = strstr(text, pat), *e;
    snprintf(buf, n, "-");
    if (!p || (end && p >= end)) return;
    p += strlen(pat);
    if (*p != '"' || !(e = strchr(p + 1, '"'))) return;
    snprintf(buf, n, "%.*s", (int)(e - p - 1) < (int)n - 1 ? (int)(e - p - 1) : (int)n - 1, p + 1);
}

static void html_match(grs_out_t *o, const char *fn, const char *text)
{
    const char *p = strstr(text, "\"score_files\"");
    char tool[128], be[64], dev[128], v1[256], v2[256], v3[256];
    json_peek(text, p, "tool", tool, sizeof(tool));
    json_peek(text, p, "backend", be, sizeof(be));
    json_peek(text, p, "device", dev, sizeof(dev));
    grs_out_printf(o, "<p>Scoring run summary <code>");
    grs_html_text(o, fn);
    grs_out_printf(o, "</code>: ");
    grs_html_text(o, tool);
    grs_out_printf(o, ", backend ");
    grs_html_text(o, be);
    grs_out_printf(o, " (");
    grs_html_text(o, dev);
    grs_out_printf(o, ").</p>\n<table><tr><th class=\"l\">scoring file</th><th class=\"l\">PGS</th>"
                      "<th class=\"l\">trait</th><th class=\"l\">build</th><th>rows</th><th>matched</th>"
                      "<th>match rate</th><th>passed --min-overlap</th></tr>\n");
    while (p && (p = strstr(p, "\"path\": \""))) {
        const char *e = strchr(p + 9, '"');
        if (!e) break;
        const char *next = strstr(e, "\"path\": \"");
        char path[512];
        snprintf(path, sizeof(path), "%.*s", (int)(e - p - 9) < 511 ? (int)(e - p - 9) : 511, p + 9);
        const char *r = strstr(e, "\"rows\": "), *m = strstr(e, "\"matched\": "), *mr = strstr(e, "\"match_rate\": ");
        const char *ps = strstr(e, "\"passed_min_overlap\": ");
        json_peek(e, next, "pgs_id", v1, sizeof(v1));
        json_peek(e, next, "trait_reported", v2, sizeof(v2));
        json_peek(e, next, "genome_build", v3, sizeof(v3));
        grs_out_printf(o, "<tr><td class=\"l\">");
        grs_html_text(o, path);
        grs_out_printf(o, "</td><td class=\"l\">");
        grs_html_text(o, v1);
        grs_out_printf(o, "</td><td class=\"l\">");
        grs_html_text(o, v2);
        grs_out_printf(o, "</td><td class=\"l\">");
        grs_html_text(o, v3);
        grs_out_printf(o, "</td><td>%lld</td><td>%lld</td><td>%.4g</td><td>%s</td></tr>\n",
                       r ? atoll(r + 8) : 0LL, m ? atoll(m + 11) : 0LL, mr ? atof(mr + 14) : NAN,
                       ps ? (strncmp(ps + 22, "true", 4) ? "no" : "yes") : "?");
        p = e;
    }
    grs_out_printf(o, "</table>\n");
}

/* ---- inputs ------------------------------------------------------------------------------------- */
typedef struct { khash_t(rep_key) *h; } keyidx_t;

static int index_table(const grs_sampletab_t *t, int with_fid, khash_t(rep_key) **out)
{
    khash_t(rep_key) *h = kh_init(rep_key);
    if (!h) return GRS_ENOMEM;
    for (int64_t r = 0; r < t->n_rows; r++) {
        char *k = grs_sampletab_key(t, r, with_fid);
        int absent;
        if (!k) goto oom;
        khint_t it = kh_put(rep_key, h, k, &absent);
        if (absent < 0) { free(k); goto oom; }
        if (!absent) {
            grs_log_error("'%s': lines %" PRId64 " and %" PRId64 ": sample '%s' appears twice", t->path,
                          t->line[kh_val(h, it)], t->line[r], grs_sampletab_cell(t, r, t->iid_col));
            free(k);
            for (khint_t i = kh_begin(h); i != kh_end(h); i++) if (kh_exist(h, i)) free((char *)kh_key(h, i));
            kh_destroy(rep_key, h);
            return GRS_EFORMAT;
        }
        kh_val(h, it) = r;
    }
    *out = h;
    return GRS_OK;
oom:
    for (khint_t i = kh_begin(h); i != kh_end(h); i++) if (kh_exist(h, i)) free((char *)kh_key(h, i));
    kh_destroy(rep_key, h);
    return GRS_ENOMEM;
}

static void free_index(khash_t(rep_key) *h)
{
    if (!h) return;
    for (khint_t i = kh_begin(h); i != kh_end(h); i++) if (kh_exist(h, i)) free((char *)kh_key(h, i));
    kh_destroy(rep_key, h);
}

static int64_t lookup(khash_t(rep_key) *h, const grs_sampletab_t *t, int64_t r, int with_fid)
{
    char *k = grs_sampletab_key(t, r, with_fid);
    if (!k) return -2;
    khint_t it = kh_get(rep_key, h, k);
    free(k);
    return it == kh_end(h) ? -1 : kh_val(h, it);
}

static int pheno_missing(const char *s, int plink12)
{
    return grs_sampletab_is_missing(s) || (plink12 && !strcmp(s, "0"));
}

static int is_key_col(const grs_sampletab_t *t, int c) { return c == t->fid_col || c == t->iid_col; }

static int level_of(char ***levels, int *n, const char *v, int max)
{
    for (int i = 0; i < *n; i++) if (!strcmp((*levels)[i], v)) return i;
    if (*n >= max) return -2;
    char **a = (char **)realloc(*levels, (*n + 1) * sizeof(char *));
    if (!a) return -3;
    *levels = a;
    if (!(a[*n] = strdup(v))) return -3;
    return (*n)++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int dir_make(const char *d, int *created)
{
    struct stat st;
    *created = 0;
    if (stat(d, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) { grs_log_error("--out '%s' exists and is not a directory", d); return GRS_EINPUT; }
        return GRS_OK;
    }
    if (mkdir(d, 0777) != 0) { grs_log_error("cannot create directory '%s': %s", d, strerror(errno)); return GRS_EIO; }
    *created = 1;
    return GRS_OK;
}

static char *slurp(const char *fn)
{
    FILE *fp = fopen(fn, "rb");
    kstring_t s = { 0, 0, NULL };
    char buf[65536];
    size_t n;
    if (!fp) { grs_log_error("cannot open '%s': %s", fn, strerror(errno)); return NULL; }
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) kputsn(buf, n, &s);
    fclose(fp);
    if (!s.s) { grs_log_error("'%s': empty file", fn); return NULL; }
    return s.s;
}

/* a JSON value that is one object: checked with a small recursive-descent scan so that it can
 * be copied into report.json verbatim */
static const char *json_skip(const char *p, int depth);
static const char *ws(const char *p) { while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++; return p; }
static const char *json_skip(const char *p, int depth)
{
    p = ws(p);
    if (depth > 64) return NULL;
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        int obj = *p == '{';
        p = ws(p + 1);
        if (*p == close) return p + 1;
        for (;;) {
            if (obj) {
                p = ws(p);
                if (*p != '"') return NULL;
                if (!(p = json_skip(p, depth + 1))) return NULL;
                p = ws(p);
                if (*p++ != ':') return NULL;
            }
            if (!(p = json_skip(p, depth + 1))) return NULL;
            p = ws(p);
            if (*p == ',') { p++; continue; }
            if (*p == close) return p + 1;
            return NULL;
        }
    }
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) if (*p == '\\' && !*++p) return NULL;
        return *p ? p + 1 : NULL;
    }
    if (!strncmp(p, "true", 4)) return p + 4;
    if (!strncmp(p, "false", 5)) return p + 5;
    if (!strncmp(p, "null", 4)) return p + 4;
    char *e;
    strtod(p, &e);
    return e == p ? NULL : e;
}

/* ---- writers: everything below prints computed results, nothing is computed -------------- */
typedef struct {               /* what the writers print besides the statistics */
    const grs_sampletab_t *ts, *tp, *tc;
    int pc, fid_p;
    const char *coding, *cmdline, *when;
    char **match_text;
    int64_t n_matched, n_scores_only, n_pheno_only, n_pheno_missing, n_covar_absent, n_covar_missing;
    double t0;
} meta_t;

static void write_json(grs_out_t *oj, ctx_t *c, const opts_t *o, const meta_t *m)
{
    const char *roles[3] = { "scores", "pheno", "covar" };
    const char *paths[3] = { o->scores, o->pheno, o->covar };
    /* report.json */
    {
        grs_json_t j;
        grs_json_begin(&j, oj);
        grs_json_int(&j, "schema", 1);
        grs_json_str(&j, "tool", "grs " GRS_VERSION " (" GRS_GIT ")");
        grs_json_str(&j, "command", m->cmdline);
        grs_json_str(&j, "created", m->when);
        grs_json_str(&j, "backend", "host");     /* statistics run on the host CPU; no accelerator */
        grs_json_arr(&j, "inputs");
        for (int i = 0; i < 3 + o->n_match; i++) {
            const char *pth = i < 3 ? paths[i] : o->match[i - 3];
            if (!pth) continue;
            char *fp = grs_file_fingerprint(pth);
            grs_json_obj(&j, NULL);
            grs_json_str(&j, "role", i < 3 ? roles[i] : "match");
            grs_json_str(&j, "path", pth);
            grs_json_str(&j, "fingerprint", fp);
            grs_json_close(&j, '}');
            free(fp);
        }
        grs_json_close(&j, ']');
        grs_json_arr(&j, "match_summaries");
        for (int i = 0; i < o->n_match; i++) {
            /* copied verbatim (checked to be one JSON object above) */
            if (i) grs_out_printf(oj, ",");
            grs_out_printf(oj, "\n");
            grs_out_printf(oj, "%s", m->match_text[i]);
            j.first[j.depth] = 0;
        }
        grs_json_close(&j, ']');
        grs_json_obj(&j, "samples");
        grs_json_int(&j, "scores_file", m->ts->n_rows);
        grs_json_int(&j, "pheno_file", m->tp->n_rows);
        grs_json_int(&j, "covar_file", m->tc ? m->tc->n_rows : 0);
        grs_json_str(&j, "matched_on", m->fid_p ? "FID+IID" : "IID");
        grs_json_int(&j, "matched", m->n_matched);
        grs_json_int(&j, "scores_only", m->n_scores_only);
        grs_json_int(&j, "pheno_only", m->n_pheno_only);
        grs_json_int(&j, "pheno_missing", m->n_pheno_missing);
        grs_json_int(&j, "covar_absent", m->n_covar_absent);
        grs_json_int(&j, "covar_missing", m->n_covar_missing);
        grs_json_int(&j, "analysed", c->N);
        grs_json_close(&j, '}');
        grs_json_obj(&j, "phenotype");
        grs_json_str(&j, "column", m->tp->names[m->pc]);
        grs_json_str(&j, "trait", c->binary ? "binary" : "quantitative");
        grs_json_str(&j, "coding", m->coding);
        if (c->binary) {
            int64_t n1 = 0;
            for (int64_t a = 0; a < c->N; a++) n1 += c->y[a] != 0;
            grs_json_int(&j, "cases", n1);
            grs_json_int(&j, "controls", c->N - n1);
        }
        grs_json_close(&j, '}');
        grs_json_arr(&j, "covariates");
        for (int i = 0; i < c->n_cov; i++) {
            grs_json_obj(&j, NULL);
            grs_json_str(&j, "name", c->cov[i].name);
            grs_json_str(&j, "type", c->cov[i].is_cat ? "categorical" : "numeric");
            if (c->cov[i].is_cat) {
                grs_json_arr(&j, "levels");
                for (int l = 0; l < c->cov[i].n_levels; l++) grs_json_str(&j, NULL, c->cov[i].levels[l]);
                grs_json_close(&j, ']');
            }
            grs_json_bool(&j, "used", c->cov[i].used);
            grs_json_str(&j, "note", c->cov[i].note);
            grs_json_close(&j, '}');
        }
        grs_json_close(&j, ']');
        grs_json_obj(&j, "strata");
        grs_json_str(&j, "spec", o->strata_spec);
        grs_json_arr(&j, "cuts_percent");
        for (int i = 0; i < o->n_cuts; i++) grs_json_num(&j, NULL, o->cuts[i]);
        grs_json_close(&j, ']');
        grs_json_arr(&j, "top_percent");
        for (int i = 0; i < o->n_top; i++) grs_json_num(&j, NULL, o->top[i]);
        grs_json_close(&j, ']');
        grs_json_close(&j, '}');
        if (o->prevalence > 0) grs_json_num(&j, "prevalence", o->prevalence);
        else grs_json_str(&j, "prevalence", NULL);
        grs_json_arr(&j, "warnings");
        for (char *p = c->warn.s, *e; p && *p; p = e + 1) {
            e = strchr(p, '\n');
            *e = 0;
            grs_json_str(&j, NULL, p);
            *e = '\n';
        }
        grs_json_close(&j, ']');
        grs_json_arr(&j, "scores");
        for (int k = 0; k < c->K; k++) {
            grs_json_obj(&j, NULL);
            grs_json_str(&j, "name", c->snames[k]);
            grs_json_str(&j, "column", c->scols[k]);
            grs_json_obj(&j, "overall");
            json_res(&j, c, &c->overall[k]);
            grs_json_close(&j, '}');
            json_strata(&j, c, "strata", c->strata[k], c->n_strata);
            json_strata(&j, c, "top", c->top[k], o->n_top);
            grs_json_arr(&j, "groups");
            for (int g = 0; g < c->n_groups; g++) {
                group_t *gr = &c->groups[g];
                grs_json_obj(&j, NULL);
                grs_json_str(&j, "column", gr->name);
                grs_json_arr(&j, "levels");
                for (int l = 0; l < gr->n_levels; l++) {
                    grs_json_obj(&j, NULL);
                    grs_json_str(&j, "level", gr->levels[l]);
                    json_res(&j, c, &gr->res[k * gr->n_levels + l]);
                    grs_json_close(&j, '}');
                }
                grs_json_close(&j, ']');
                grs_json_arr(&j, "gaps");
                for (int mt = 0; mt < (c->binary ? 2 : 1) && k < 8; mt++) {
                    const gap_t *gp = &gr->gaps[mt][k];
                    if (!gp->ok) continue;
                    grs_json_obj(&j, NULL);
                    grs_json_str(&j, "metric", gp->metric);
                    grs_json_str(&j, "higher", gp->a);
                    grs_json_str(&j, "lower", gp->b);
                    grs_json_num(&j, "diff", gp->diff);
                    grs_json_num(&j, "lo", gp->lo);
                    grs_json_num(&j, "hi", gp->hi);
                    grs_json_bool(&j, "excludes_zero", gp->lo > 0);
                    grs_json_close(&j, '}');
                }
                grs_json_close(&j, ']');
                grs_json_close(&j, '}');
            }
            grs_json_close(&j, ']');
            if (c->binary) {
                grs_json_obj(&j, "roc");
                grs_json_arr(&j, "fpr");
                for (int i = 0; i < c->n_roc[k]; i++) grs_json_num(&j, NULL, c->roc_x[k][i]);
                grs_json_close(&j, ']');
                grs_json_arr(&j, "tpr");
                for (int i = 0; i < c->n_roc[k]; i++) grs_json_num(&j, NULL, c->roc_y[k][i]);
                grs_json_close(&j, ']');
                grs_json_close(&j, '}');
            }
            grs_json_close(&j, '}');
        }
        grs_json_close(&j, ']');
        if (c->cal) {
            const calib_t *cl = c->cal;
            grs_json_obj(&j, "calibration");
            grs_json_str(&j, "column", o->predicted);
            grs_json_int(&j, "n", cl->n);
            grs_json_int(&j, "cases", cl->n_case);
            grs_json_num(&j, "brier", cl->brier);
            grs_json_num(&j, "auc", cl->auc); grs_json_num(&j, "auc_lo", cl->auc_lo); grs_json_num(&j, "auc_hi", cl->auc_hi);
            grs_json_num(&j, "intercept", cl->icpt); grs_json_num(&j, "intercept_lo", cl->icpt_lo);
            grs_json_num(&j, "intercept_hi", cl->icpt_hi);
            grs_json_num(&j, "slope", cl->slope); grs_json_num(&j, "slope_lo", cl->slope_lo); grs_json_num(&j, "slope_hi", cl->slope_hi);
            grs_json_str(&j, "note", cl->note[0] ? cl->note : NULL);
            grs_json_arr(&j, "deciles");
            for (int b = 0; b < 10; b++) {
                const stratum_t *s = &cl->bins[b];
                grs_json_obj(&j, NULL);
                grs_json_str(&j, "label", s->label);
                grs_json_num(&j, "risk_lo", s->vlo); grs_json_num(&j, "risk_hi", s->vhi);
                grs_json_int(&j, "n", s->n); grs_json_int(&j, "cases", s->n_case);
                grs_json_num(&j, "mean_predicted", s->mean);
                grs_json_num(&j, "observed", s->prev); grs_json_num(&j, "observed_lo", s->prev_lo);
                grs_json_num(&j, "observed_hi", s->prev_hi);
                grs_json_close(&j, '}');
            }
            grs_json_close(&j, ']');
            grs_json_obj(&j, "decision_curve");
            grs_json_arr(&j, "threshold");
            for (int k = 0; k < N_DCA; k++) grs_json_num(&j, NULL, cl->thr[k]);
            grs_json_close(&j, ']');
            grs_json_arr(&j, "net_benefit");
            for (int k = 0; k < N_DCA; k++) grs_json_num(&j, NULL, cl->nb_model[k]);
            grs_json_close(&j, ']');
            grs_json_arr(&j, "net_benefit_treat_all");
            for (int k = 0; k < N_DCA; k++) grs_json_num(&j, NULL, cl->nb_all[k]);
            grs_json_close(&j, ']');
            grs_json_close(&j, '}');
            grs_json_close(&j, '}');
        }
        grs_json_num(&j, "seconds", grs_wall_seconds() - m->t0);
        grs_json_end(&j);
    }

}

static void write_tsv(grs_out_t *ot, ctx_t *c, const opts_t *o)
{
    /* report.tsv */
    grs_out_printf(ot, "score\tgroup\tlevel\tstratum\tmetric\testimate\tci_lo\tci_hi\tp\tn\n");
    for (int k = 0; k < c->K; k++) {
        const char *sn = c->snames[k];
        tsv_res(ot, c, sn, "all", "all", &c->overall[k]);
        for (int i = 0; i < c->n_strata; i++) {
            const stratum_t *s = &c->strata[k][i];
            if (c->binary) tsv_row(ot, sn, "all", "all", s->label, "prevalence", s->prev, s->prev_lo, s->prev_hi, NAN, s->n);
            else tsv_row(ot, sn, "all", "all", s->label, "mean", s->mean, s->mean_lo, s->mean_hi, NAN, s->n);
            tsv_row(ot, sn, "all", "all", s->label, c->binary ? "or_vs_middle" : "diff_vs_middle", s->est, s->est_lo,
                    s->est_hi, s->est_p, s->n);
        }
        for (int i = 0; i < o->n_top; i++) {
            const stratum_t *s = &c->top[k][i];
            if (c->binary) tsv_row(ot, sn, "all", "all", s->label, "prevalence", s->prev, s->prev_lo, s->prev_hi, NAN, s->n);
            else tsv_row(ot, sn, "all", "all", s->label, "mean", s->mean, s->mean_lo, s->mean_hi, NAN, s->n);
            tsv_row(ot, sn, "all", "all", s->label, c->binary ? "or_vs_rest" : "diff_vs_rest", s->est, s->est_lo,
                    s->est_hi, s->est_p, s->n);
        }
        for (int g = 0; g < c->n_groups; g++) {
            group_t *gr = &c->groups[g];
            for (int l = 0; l < gr->n_levels; l++) tsv_res(ot, c, sn, gr->name, gr->levels[l], &gr->res[k * gr->n_levels + l]);
            for (int mt = 0; mt < (c->binary ? 2 : 1) && k < 8; mt++) {
                const gap_t *gp = &gr->gaps[mt][k];
                char lev[160];
                if (!gp->ok) continue;
                snprintf(lev, sizeof(lev), "%s-%s", gp->a, gp->b);
                char met[48];
                snprintf(met, sizeof(met), "gap_%s", gp->metric);
                tsv_row(ot, sn, gr->name, lev, ".", met, gp->diff, gp->lo, gp->hi, NAN, c->N);
            }
        }
    }

    if (c->cal) {
        const calib_t *cl = c->cal;
        char nm[300];
        snprintf(nm, sizeof(nm), "predicted:%s", o->predicted);
        tsv_row(ot, nm, "all", "all", ".", "brier", cl->brier, NAN, NAN, NAN, cl->n);
        tsv_row(ot, nm, "all", "all", ".", "auc", cl->auc, cl->auc_lo, cl->auc_hi, NAN, cl->n);
        tsv_row(ot, nm, "all", "all", ".", "calibration_intercept", cl->icpt, cl->icpt_lo, cl->icpt_hi, NAN, cl->n);
        tsv_row(ot, nm, "all", "all", ".", "calibration_slope", cl->slope, cl->slope_lo, cl->slope_hi, NAN, cl->n);
        for (int b = 0; b < 10; b++)
            tsv_row(ot, nm, "all", "all", cl->bins[b].label, "observed", cl->bins[b].prev, cl->bins[b].prev_lo,
                    cl->bins[b].prev_hi, NAN, cl->bins[b].n);
        for (int k = 0; k < N_DCA; k++) {
            char th[32];
            snprintf(th, sizeof(th), "threshold=%g", cl->thr[k]);
            tsv_row(ot, nm, "all", "all", th, "net_benefit", cl->nb_model[k], NAN, NAN, NAN, cl->n);
        }
    }

}

static void write_html(grs_out_t *oh, ctx_t *c, const opts_t *o, const meta_t *m)
{
    const char *roles[3] = { "scores", "pheno", "covar" };
    const char *paths[3] = { o->scores, o->pheno, o->covar };
    /* report.html */
    grs_out_printf(oh, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head>"
                       "<meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
                       "<title>grs report</title>\n<style>%s</style></head><body>\n", CSS);
    grs_out_printf(oh, "<h1>Polygenic score report</h1>\n<section id=\"provenance\"><h2>Provenance</h2>\n<table>"
                       "<tr><th class=\"l\">tool</th><td class=\"l\">grs %s (%s)</td></tr>"
                       "<tr><th class=\"l\">created</th><td class=\"l\">%s</td></tr>"
                       "<tr><th class=\"l\">backend</th><td class=\"l\">host CPU (report statistics use no "
                       "accelerator; the scoring backend is in the matching summary)</td></tr>"
                       "<tr><th class=\"l\">command</th>"
                       "<td class=\"l\"><code>", GRS_VERSION, GRS_GIT, m->when);
    grs_html_text(oh, m->cmdline);
    grs_out_printf(oh, "</code></td></tr>\n");
    for (int i = 0; i < 3 + o->n_match; i++) {
        const char *pth = i < 3 ? paths[i] : o->match[i - 3];
        if (!pth) continue;
        char *fp = grs_file_fingerprint(pth);
        grs_out_printf(oh, "<tr><th class=\"l\">%s</th><td class=\"l\"><code>", i < 3 ? roles[i] : "match");
        grs_html_text(oh, pth);
        grs_out_printf(oh, "</code> <span class=\"note\">");
        grs_html_text(oh, fp ? fp : "");
        grs_out_printf(oh, "</span></td></tr>\n");
        free(fp);
    }
    grs_out_printf(oh, "</table></section>\n");
    if (o->n_match) {
        grs_out_printf(oh, "<section id=\"matching\"><h2>Variant matching</h2>\n");
        for (int i = 0; i < o->n_match; i++) html_match(oh, o->match[i], m->match_text[i]);
        grs_out_printf(oh, "</section>\n");
    }
    grs_out_printf(oh, "<section id=\"samples\"><h2>Samples and phenotype</h2>\n<table>"
                       "<tr><th class=\"l\">samples in the score file</th><td>%" PRId64 "</td></tr>"
                       "<tr><th class=\"l\">samples in the phenotype file</th><td>%" PRId64 "</td></tr>"
                       "<tr><th class=\"l\">matched (on %s)</th><td>%" PRId64 "</td></tr>"
                       "<tr><th class=\"l\">scores without phenotype row</th><td>%" PRId64 "</td></tr>"
                       "<tr><th class=\"l\">phenotype rows without scores</th><td>%" PRId64 "</td></tr>"
                       "<tr><th class=\"l\">missing phenotype</th><td>%" PRId64 "</td></tr>",
                   m->ts->n_rows, m->tp->n_rows, m->fid_p ? "FID and IID" : "IID", m->n_matched, m->n_scores_only, m->n_pheno_only,
                   m->n_pheno_missing);
    if (m->tc)
        grs_out_printf(oh, "<tr><th class=\"l\">absent from the covariate file</th><td>%" PRId64 "</td></tr>"
                           "<tr><th class=\"l\">missing covariate</th><td>%" PRId64 "</td></tr>", m->n_covar_absent, m->n_covar_missing);
    grs_out_printf(oh, "<tr><th class=\"l\">analysed</th><td>%" PRId64 "</td></tr></table>\n<p>Phenotype <code>", c->N);
    grs_html_text(oh, m->tp->names[m->pc]);
    grs_out_printf(oh, "</code>: %s trait, coded %s", c->binary ? "binary" : "quantitative", m->coding);
    if (c->binary) grs_out_printf(oh, "; %" PRId64 " cases, %" PRId64 " controls", c->overall[0].n_case, c->overall[0].n_ctrl);
    grs_out_printf(oh, ".</p>\n<p>Covariates: ");
    if (!c->n_cov) grs_out_printf(oh, "none");
    for (int i = 0; i < c->n_cov; i++) {
        grs_out_printf(oh, "%s<code>", i ? ", " : "");
        grs_html_text(oh, c->cov[i].name);
        grs_out_printf(oh, "</code> (%s%s%s)", c->cov[i].is_cat ? "categorical" : "numeric",
                       c->cov[i].note ? ", " : "", c->cov[i].note ? c->cov[i].note : "");
    }
    grs_out_printf(oh, ". Scores are analysed per SD of the score over all analysed samples; covariates enter "
                       "every model. Strata: %s; odds ratios%s of a stratum are against the middle 40&#8211;60%%.</p>\n",
                   o->strata_spec, c->binary ? "" : " (differences in mean)");
    if (o->prevalence > 0) grs_out_printf(oh, "<p>Population prevalence for the liability scale: %g (Lee et al. 2012).</p>\n", o->prevalence);
    if (c->n_warn) {
        grs_out_printf(oh, "<div class=\"warn\" id=\"warnings\"><strong>Warnings</strong><ul>");
        for (char *p = c->warn.s, *e; p && *p; p = e + 1) {
            e = strchr(p, '\n');
            *e = 0;
            grs_out_printf(oh, "<li>");
            grs_html_text(oh, p);
            grs_out_printf(oh, "</li>");
            *e = '\n';
        }
        grs_out_printf(oh, "</ul></div>\n");
    }
    grs_out_printf(oh, "</section>\n");
    for (int k = 0; k < c->K; k++) {
        const res_t *r = &c->overall[k];
        grs_out_printf(oh, "<section class=\"score\" id=\"score-%d\"><h2>Score <code>", k + 1);
        grs_html_text(oh, c->snames[k]);
        grs_out_printf(oh, "</code></h2>\n<h3>Overall</h3>\n");
        html_res_head(oh, c, "sample");
        html_res_row(oh, c, "all", r);
        grs_out_printf(oh, "</table>\n");
        if (c->binary)
            grs_out_printf(oh, "<p class=\"note\">Nagelkerke R&#178;: full model %.4g, covariates only %.4g. "
                               "Observed-scale R&#178; of a linear model (incremental): %.4g%s",
                           r->nk_full, r->nk_cov, r->r2_obs_inc, o->prevalence > 0 ? "; liability scale: " : ".");
        if (c->binary && o->prevalence > 0) { html_num(oh, r->r2_liab, 4); grs_out_printf(oh, "."); }
        if (c->binary) grs_out_printf(oh, "</p>\n");
        else grs_out_printf(oh, "<p class=\"note\">R&#178;: full model %.4g, covariates only %.4g.</p>\n", r->r2_full, r->r2_cov);
        grs_out_printf(oh, "<div class=\"plots\">\n");
        {
            const double *d[2] = { r->dens, r->dens ? r->dens + N_GRID : NULL };
            const char *lab2[2] = { "controls", "cases" }, *lab1[1] = { "all samples" };
            plot_density(oh, c->gx + (size_t)k * N_GRID, "Score distribution", c->binary ? 2 : 1, d, c->binary ? lab2 : lab1);
        }
        if (c->binary) plot_roc(oh, c, k);
        plot_strata(oh, c, c->strata[k], c->n_strata, 0);
        plot_strata(oh, c, c->strata[k], c->n_strata, 1);
        grs_out_printf(oh, "</div>\n<h3>Strata</h3>\n");
        html_strata_table(oh, c, c->strata[k], c->n_strata, "stratum");
        html_strata_table(oh, c, c->top[k], o->n_top, "top vs rest");
        for (int g = 0; g < c->n_groups; g++) {
            group_t *gr = &c->groups[g];
            grs_out_printf(oh, "<h3 class=\"fairness\">By <code>");
            grs_html_text(oh, gr->name);
            grs_out_printf(oh, "</code> (fairness)</h3>\n");
            html_res_head(oh, c, gr->name);
            for (int l = 0; l < gr->n_levels; l++) html_res_row(oh, c, gr->levels[l], &gr->res[k * gr->n_levels + l]);
            grs_out_printf(oh, "</table>\n");
            for (int mt = 0; mt < (c->binary ? 2 : 1) && k < 8; mt++) {
                const gap_t *gp = &gr->gaps[mt][k];
                if (!gp->ok) continue;
                grs_out_printf(oh, "<p>Largest gap in %s: <code>", gp->metric);
                grs_html_text(oh, gp->a);
                grs_out_printf(oh, "</code> vs <code>");
                grs_html_text(oh, gp->b);
                grs_out_printf(oh, "</code>, difference %.4g (95%% CI %.4g to %.4g): the CI %s zero.</p>\n", gp->diff,
                               gp->lo, gp->hi, gp->lo > 0 ? "<strong>excludes</strong>" : "includes");
            }
            grs_out_printf(oh, "<div class=\"plots\">\n");
            {
                const double *d[MAX_LEVELS];
                const char *lab[MAX_LEVELS];
                int nd = 0;
                for (int l = 0; l < gr->n_levels; l++) {
                    const res_t *rl = &gr->res[k * gr->n_levels + l];
                    if (rl->n < MIN_PLOT || !rl->dens) continue;
                    d[nd] = rl->dens;
                    lab[nd++] = gr->levels[l];
                }
                char title[160];
                snprintf(title, sizeof(title), "Score distribution by %s", gr->name);
                if (nd) plot_density(oh, c->gx + (size_t)k * N_GRID, title, nd, d, lab);
                plot_group_metric(oh, c, gr, k);
            }
            grs_out_printf(oh, "</div>\n");
            int n_small = 0;
            for (int l = 0; l < gr->n_levels; l++) n_small += gr->res[k * gr->n_levels + l].n < MIN_PLOT;
            if (n_small)
                grs_out_printf(oh, "<p class=\"note\">%d level(s) with fewer than %d samples are left out of the plots.</p>\n",
                               n_small, MIN_PLOT);
        }
        grs_out_printf(oh, "</section>\n");
    }
    if (c->cal) {
        const calib_t *cl = c->cal;
        grs_out_printf(oh, "<section id=\"calibration\"><h2>Calibration of predicted risk <code>");
        grs_html_text(oh, o->predicted);
        grs_out_printf(oh, "</code></h2>\n<table><tr><th class=\"l\">N</th><th>cases</th><th>Brier score</th>"
                           "<th>AUROC (95%% CI)</th><th>calibration intercept (95%% CI)</th>"
                           "<th>calibration slope (95%% CI)</th></tr>\n<tr><td class=\"l\">%" PRId64 "</td><td>%" PRId64
                           "</td><td>", cl->n, cl->n_case);
        html_num(oh, cl->brier, 4);
        grs_out_printf(oh, "</td><td>");
        html_ci(oh, cl->auc, cl->auc_lo, cl->auc_hi, 4);
        grs_out_printf(oh, "</td><td>");
        html_ci(oh, cl->icpt, cl->icpt_lo, cl->icpt_hi, 3);
        grs_out_printf(oh, "</td><td>");
        html_ci(oh, cl->slope, cl->slope_lo, cl->slope_hi, 3);
        grs_out_printf(oh, "</td></tr></table>\n<p class=\"note\">Intercept: logistic model of the trait with "
                           "offset logit(predicted), 0 when calibrated in the large; slope: coefficient of "
                           "logit(predicted), 1 when calibrated. Decision curve: net benefit of treating when the "
                           "predicted risk is at least the threshold (Vickers &amp; Elkin 2006).%s</p>\n",
                       cl->note[0] ? " Calibration models not estimable." : "");
        grs_out_printf(oh, "<div class=\"plots\">\n");
        plot_calibration(oh, cl);
        plot_decision(oh, cl);
        grs_out_printf(oh, "</div>\n<table><tr><th class=\"l\">decile of predicted risk</th><th>N</th><th>cases</th>"
                           "<th>mean predicted</th><th>observed (95%% CI, Wilson)</th></tr>\n");
        for (int b = 0; b < 10; b++) {
            const stratum_t *s = &cl->bins[b];
            grs_out_printf(oh, "<tr><td class=\"l\">%s</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>", s->label, s->n,
                           s->n_case);
            html_num(oh, s->mean, 3);
            grs_out_printf(oh, "</td><td>");
            html_ci(oh, s->prev, s->prev_lo, s->prev_hi, 3);
            grs_out_printf(oh, "</td></tr>\n");
        }
        grs_out_printf(oh, "</table></section>\n");
    }
    grs_out_printf(oh, "<p class=\"note\">Statistics: AUROC with DeLong's 95%% CI; logistic (binary) or linear "
                       "(quantitative) regression with Wald CIs; Wilson intervals for prevalences; t intervals for "
                       "means; Nagelkerke R&#178; against the intercept-only model; liability R&#178; by Lee et al. "
                       "(2012). The same numbers are in report.json and report.tsv.</p>\n</body></html>\n");

}

int main_report(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "scores", required_argument, NULL, 1 }, { "pheno", required_argument, NULL, 2 },
        { "covar", required_argument, NULL, 3 }, { "group", required_argument, NULL, 4 },
        { "strata", required_argument, NULL, 5 }, { "prevalence", required_argument, NULL, 6 },
        { "match", required_argument, NULL, 7 }, { "out", required_argument, NULL, 'o' },
        { "score-cols", required_argument, NULL, 8 }, { "pheno-col", required_argument, NULL, 9 },
        { "covar-cols", required_argument, NULL, 10 }, { "covar-cat", required_argument, NULL, 11 },
        { "trait", required_argument, NULL, 12 }, { "top", required_argument, NULL, 13 },
        { "predicted", required_argument, NULL, 14 }, { "threads", required_argument, NULL, 't' },
        { "verbosity", required_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    opts_t o;
    ctx_t cx;
    int ch, ret = 1, st, dir_created = 0;
    double t0 = grs_wall_seconds();
    grs_sampletab_t *ts = NULL, *tp = NULL, *tc = NULL;
    khash_t(rep_key) *hp = NULL, *hc = NULL;
    int64_t *prow = NULL, *crow = NULL, *srow = NULL, *idx = NULL, *gidx = NULL;
    int *scol = NULL;
    char **match_text = NULL;
    grs_out_t *oh = NULL, *oj = NULL, *ot = NULL, *o1 = NULL, *o2 = NULL;
    char *fn_h = NULL, *fn_j = NULL, *fn_t = NULL, *fn_1 = NULL, *fn_2 = NULL, *dir_t = NULL, *cmdline = NULL;
    int tables_created = 0;
    const char *coding = NULL;
    int plink12 = 0;          /* PLINK 1/2 coding: 0 is missing too */
    int64_t n_scores_only = 0, n_pheno_only = 0, n_pheno_missing = 0, n_covar_absent = 0, n_covar_missing = 0,
            n_matched = 0;

    memset(&o, 0, sizeof(o));
    memset(&cx, 0, sizeof(cx));
    cx.o = &o;
    for (int i = 1; i < 10; i++) o.cuts[o.n_cuts++] = 10 * i;
    o.top[0] = 1; o.top[1] = 5; o.top[2] = 10; o.n_top = 3;
    snprintf(o.strata_spec, sizeof(o.strata_spec), "deciles");
    while ((ch = getopt_long(argc, argv, "o:t:v:h", lopts, NULL)) >= 0) {
        switch (ch) {
        case 1: o.scores = optarg; break;
        case 2: o.pheno = optarg; break;
        case 3: o.covar = optarg; break;
        case 4: case 7: {
            char ***l = ch == 4 ? &o.groups : &o.match;
            int *n = ch == 4 ? &o.n_groups : &o.n_match;
            char **a = (char **)realloc(*l, (*n + 1) * sizeof(char *));
            if (!a || !(a[*n] = strdup(optarg))) { free(a); fprintf(stderr, "[E::report] out of memory\n"); goto done; }
            *l = a; (*n)++;
            break;
        }
        case 5:
            if (!strcmp(optarg, "deciles")) {
                o.n_cuts = 0;
                for (int i = 1; i < 10; i++) o.cuts[o.n_cuts++] = 10 * i;
            } else if (!strcmp(optarg, "quintiles")) {
                o.n_cuts = 0;
                for (int i = 1; i < 5; i++) o.cuts[o.n_cuts++] = 20 * i;
            } else if (!strncmp(optarg, "cuts:", 5)) {
                if ((o.n_cuts = parse_nums(optarg + 5, o.cuts, 99, 0, 100)) < 0) {
                    fprintf(stderr, "[E::report] --strata cuts: expected increasing percentiles in (0, 100), e.g. cuts:20,50,80\n");
                    ret = 2; goto done;
                }
            } else if (!strncmp(optarg, "top:", 4)) {
                if ((o.n_top = parse_nums(optarg + 4, o.top, 20, 0, 100)) < 0) {
                    fprintf(stderr, "[E::report] --strata top: expected increasing percentages in (0, 100), e.g. top:1,5,10\n");
                    ret = 2; goto done;
                }
                break;
            } else {
                fprintf(stderr, "[E::report] --strata must be deciles, quintiles, cuts:P1,P2,... or top:X1,X2,...\n");
                ret = 2; goto done;
            }
            snprintf(o.strata_spec, sizeof(o.strata_spec), "%s", optarg);
            break;
        case 13:
            if ((o.n_top = parse_nums(optarg, o.top, 20, 0, 100)) < 0) {
                fprintf(stderr, "[E::report] --top: expected increasing percentages in (0, 100), e.g. 1,5,10\n");
                ret = 2; goto done;
            }
            break;
        case 6:
            if (grs_parse_double(optarg, &o.prevalence) < 0 || !(o.prevalence > 0 && o.prevalence < 1)) {
                fprintf(stderr, "[E::report] --prevalence must be a number in (0, 1)\n"); ret = 2; goto done;
            }
            break;
        case 'o': o.out = optarg; break;
        case 8: if (parse_list(optarg, &o.score_cols, &o.n_score_cols) < 0) goto done; break;
        case 9: o.pheno_col = optarg; break;
        case 10: if (parse_list(optarg, &o.covar_cols, &o.n_covar_cols) < 0) goto done; break;
        case 11: if (parse_list(optarg, &o.covar_cat, &o.n_covar_cat) < 0) goto done; break;
        case 12:
            if (!strcmp(optarg, "auto")) o.trait = TRAIT_AUTO;
            else if (!strcmp(optarg, "binary")) o.trait = TRAIT_BINARY;
            else if (!strcmp(optarg, "quantitative")) o.trait = TRAIT_QUANT;
            else { fprintf(stderr, "[E::report] --trait must be auto, binary or quantitative\n"); ret = 2; goto done; }
            break;
        case 14: o.predicted = optarg; break;
        case 't': break;
        case 'v': grs_cmd_set_verbosity(atoi(optarg)); break;
        case 'h': usage(stdout); ret = 0; goto done;
        default: usage(stderr); ret = 2; goto done;
        }
    }
    if (optind < argc) { fprintf(stderr, "[E::report] unexpected argument '%s'\n", argv[optind]); ret = 2; goto done; }
    if (!o.scores || !o.pheno || !o.out) {
        fprintf(stderr, "[E::report] --scores, --pheno and --out are required\n");
        usage(stderr); ret = 2; goto done;
    }
    grs_cmd_log_start(argc, argv);

    /* ---- read */
    if (grs_sampletab_read(o.scores, "SCORE", &ts) < 0 || grs_sampletab_read(o.pheno, "PHENO", &tp) < 0) goto done;
    if (o.covar && grs_sampletab_read(o.covar, "COVAR", &tc) < 0) goto done;
    for (int i = 0; i < o.n_match; i++) {
        char **a = (char **)realloc(match_text, (i + 1) * sizeof(char *));
        if (!a) goto oom;
        match_text = a;
        if (!(match_text[i] = slurp(o.match[i]))) { for (int j = 0; j < i; j++) free(match_text[j]); free(match_text); match_text = NULL; goto done; }
        const char *e = json_skip(match_text[i], 0);
        if (!e || *ws(match_text[i]) != '{' || *ws(e)) {
            grs_log_error("'%s': not a JSON object (expected the summary.json of grs score)", o.match[i]);
            for (int j = 0; j <= i; j++) free(match_text[j]);
            free(match_text); match_text = NULL;
            goto done;
        }
    }

    /* ---- score columns */
    if (!(scol = (int *)calloc(ts->n_cols + 1, sizeof(int)))) goto oom;
    if (o.n_score_cols) {
        for (int i = 0; i < o.n_score_cols; i++) {
            int c = grs_sampletab_col(ts, o.score_cols[i]);
            char buf[512];
            if (c < 0) { snprintf(buf, sizeof(buf), "%s_AVG", o.score_cols[i]); c = grs_sampletab_col(ts, buf); }
            if (c < 0) { snprintf(buf, sizeof(buf), "%s_SUM", o.score_cols[i]); c = grs_sampletab_col(ts, buf); }
            if (c < 0 || is_key_col(ts, c)) {
                grs_log_error("'%s': no score column '%s' (nor %s_AVG, %s_SUM)", o.scores, o.score_cols[i],
                              o.score_cols[i], o.score_cols[i]);
                goto done;
            }
            scol[cx.K++] = c;
        }
    } else {
        for (int pass = 0; pass < 2 && !cx.K; pass++)
            for (int c = 0; c < ts->n_cols; c++) {
                size_t l = strlen(ts->names[c]);
                /* plink2's NAMED_ALLELE_DOSAGE_SUM is a count, not a score */
                if (l > 4 && !strcmp(ts->names[c] + l - 4, pass ? "_SUM" : "_AVG")
                    && !(l >= 10 && !strcmp(ts->names[c] + l - 10, "DOSAGE_SUM")))
                    scol[cx.K++] = c;
            }
        if (!cx.K) {
            grs_log_error("'%s': no *_AVG or *_SUM score column (plink2 .sscore layout expected; name the "
                          "columns with --score-cols)", o.scores);
            goto done;
        }
    }

    /* ---- phenotype column */
    int pc = -1;
    if (o.pheno_col) {
        pc = grs_sampletab_col(tp, o.pheno_col);
        if (pc < 0 || is_key_col(tp, pc)) { grs_log_error("'%s': no column '%s'", o.pheno, o.pheno_col); goto done; }
    } else {
        for (int c = 0; c < tp->n_cols && pc < 0; c++) if (!is_key_col(tp, c)) pc = c;
        if (pc < 0) { grs_log_error("'%s': no phenotype column besides FID/IID", o.pheno); goto done; }
    }

    /* ---- match samples: scores ∩ pheno (∩ covar) */
    int fid_p = ts->fid_col >= 0 && tp->fid_col >= 0, fid_c = tc && ts->fid_col >= 0 && tc->fid_col >= 0;
    if ((st = index_table(tp, fid_p, &hp)) < 0) goto done;
    if (tc && (st = index_table(tc, fid_c, &hc)) < 0) goto done;
    if (!(prow = (int64_t *)malloc((ts->n_rows + 1) * sizeof(int64_t))) || !(crow = (int64_t *)malloc((ts->n_rows + 1) * sizeof(int64_t)))
        || !(srow = (int64_t *)malloc((ts->n_rows + 1) * sizeof(int64_t))))
        goto oom;
    for (int64_t r = 0; r < ts->n_rows; r++) {
        if ((prow[r] = lookup(hp, ts, r, fid_p)) < -1) goto oom;
        crow[r] = -1;
        if (prow[r] >= 0) n_matched++;
        if (prow[r] >= 0 && hc && (crow[r] = lookup(hc, ts, r, fid_c)) < -1) goto oom;
    }
    n_scores_only = ts->n_rows - n_matched;
    n_pheno_only = tp->n_rows - n_matched;
    if (!n_matched) {
        grs_log_error("no sample of '%s' (%" PRId64 " samples, first '%s') is in '%s' (%" PRId64 " samples, first "
                      "'%s'): samples are matched on %s", o.scores, ts->n_rows, grs_sampletab_cell(ts, 0, ts->iid_col),
                      o.pheno, tp->n_rows, grs_sampletab_cell(tp, 0, tp->iid_col), fid_p ? "FID and IID" : "IID");
        goto done;
    }

    /* ---- the trait: decode over the matched samples */
    {
        int has[3] = { 0, 0, 0 }, other = 0, n_val = 0;
        double first = NAN, v;
        int distinct2 = 0;
        for (int64_t r = 0; r < ts->n_rows; r++) {
            if (prow[r] < 0) continue;
            const char *s = grs_sampletab_cell(tp, prow[r], pc);
            if (grs_sampletab_is_missing(s)) continue;
            if (grs_parse_double(s, &v) < 0 || !isfinite(v)) {
                grs_log_error("'%s': line %" PRId64 ": phenotype '%s' is '%s', not a number", o.pheno, tp->line[prow[r]],
                              tp->names[pc], s);
                goto done;
            }
            n_val++;
            if (v == 0 || v == 1 || v == 2) has[(int)v] = 1; else other = 1;
            if (n_val == 1) first = v; else if (v != first) distinct2 = 1;
        }
        if (!n_val) {
            grs_log_error("'%s': phenotype column '%s' has no values for the %" PRId64 " samples that have scores "
                          "(all missing: NA, -9, ...)", o.pheno, tp->names[pc], n_matched);
            goto done;
        }
        if (!distinct2) {
            grs_log_error("'%s': phenotype '%s' is constant (%g) over the samples with scores: one class only",
                          o.pheno, tp->names[pc], first);
            goto done;
        }
        int is01 = !other && !has[2], is12 = !other && has[2];
        if (o.trait == TRAIT_BINARY && !is01 && !is12) {
            grs_log_error("'%s': --trait binary, but phenotype '%s' has values other than 0/1 or 1/2 (PLINK)", o.pheno, tp->names[pc]);
            goto done;
        }
        cx.binary = o.trait == TRAIT_BINARY || (o.trait == TRAIT_AUTO && (is01 || is12));
        plink12 = cx.binary && is12;
        coding = !cx.binary ? "quantitative"
               : is01 ? "0/1 (0 = control, 1 = case)"
               : "PLINK 1/2 (1 = control, 2 = case, 0 = missing)";
        if (cx.binary && is12 && !has[1]) {
            grs_log_error("'%s': phenotype '%s' (PLINK 1/2 coding) has cases only: one class only", o.pheno, tp->names[pc]);
            goto done;
        }
    }

    /* ---- covariates: which columns, of which type */
    if (tc) {
        int nsel = o.n_covar_cols ? o.n_covar_cols : tc->n_cols;
        if (!(cx.cov = (covdef_t *)calloc(nsel + 1, sizeof(covdef_t)))) goto oom;
        for (int i = 0; i < nsel; i++) {
            int c = o.n_covar_cols ? grs_sampletab_col(tc, o.covar_cols[i]) : i;
            if (o.n_covar_cols && (c < 0 || is_key_col(tc, c))) {
                grs_log_error("'%s': no covariate column '%s'", o.covar, o.covar_cols[i]);
                goto done;
            }
            if (is_key_col(tc, c)) continue;
            covdef_t *d = &cx.cov[cx.n_cov++];
            if (!(d->name = strdup(tc->names[c]))) goto oom;
            d->first = c;        /* table column, until the design is laid out */
            for (int j = 0; j < o.n_covar_cat; j++) d->is_cat |= !strcmp(o.covar_cat[j], d->name);
        }
        for (int j = 0; j < o.n_covar_cat; j++) {
            int found = 0;
            for (int i = 0; i < cx.n_cov; i++) found |= !strcmp(o.covar_cat[j], cx.cov[i].name);
            if (!found) { grs_log_error("--covar-cat: no covariate '%s' in '%s'", o.covar_cat[j], o.covar); goto done; }
        }
    }

    /* ---- analysed samples: trait present, covariates complete */
    for (int64_t r = 0; r < ts->n_rows; r++) {
        if (prow[r] < 0) continue;
        if (pheno_missing(grs_sampletab_cell(tp, prow[r], pc), plink12)) { n_pheno_missing++; continue; }
        if (tc) {
            if (crow[r] < 0) { n_covar_absent++; continue; }
            int miss = 0;
            for (int i = 0; i < cx.n_cov; i++) miss |= grs_sampletab_is_missing(grs_sampletab_cell(tc, crow[r], cx.cov[i].first));
            if (miss) { n_covar_missing++; continue; }
        }
        srow[cx.N++] = r;
    }
    /* covariate columns entirely missing are dropped first (they would exclude everyone) */
    if (tc) {
        int any_dropped = 0;
        for (int i = 0; i < cx.n_cov; i++) {
            covdef_t *d = &cx.cov[i];
            int64_t nv = 0;
            for (int64_t r = 0; r < ts->n_rows; r++)
                if (prow[r] >= 0 && crow[r] >= 0 && !grs_sampletab_is_missing(grs_sampletab_cell(tc, crow[r], d->first))) nv++;
            if (!nv) {
                warn(&cx, "covariate '%s' has no values for the samples with scores and phenotype: dropped", d->name);
                d->note = strdup("no values: dropped");
                d->first = -1;
                any_dropped = 1;
            }
        }
        if (any_dropped) {      /* recount without the dropped columns */
            cx.N = 0; n_covar_missing = 0; n_covar_absent = 0; n_pheno_missing = 0;
            for (int64_t r = 0; r < ts->n_rows; r++) {
                if (prow[r] < 0) continue;
                if (pheno_missing(grs_sampletab_cell(tp, prow[r], pc), plink12)) { n_pheno_missing++; continue; }
                if (crow[r] < 0) { n_covar_absent++; continue; }
                int miss = 0;
                for (int i = 0; i < cx.n_cov; i++)
                    if (cx.cov[i].first >= 0) miss |= grs_sampletab_is_missing(grs_sampletab_cell(tc, crow[r], cx.cov[i].first));
                if (miss) { n_covar_missing++; continue; }
                srow[cx.N++] = r;
            }
        }
    }
    if (!cx.N) {
        grs_log_error("no sample has a score, a phenotype%s (%" PRId64 " matched; %" PRId64 " without phenotype, %" PRId64
                      " absent from '%s', %" PRId64 " with a missing covariate)", tc ? " and complete covariates" : "",
                      n_matched, n_pheno_missing, n_covar_absent, o.covar ? o.covar : "-", n_covar_missing);
        goto done;
    }
    if (!(cx.y = (double *)malloc(cx.N * sizeof(double)))) goto oom;
    {
        int64_t n1 = 0;
        for (int64_t a = 0; a < cx.N; a++) {
            double v;
            (void)grs_parse_double(grs_sampletab_cell(tp, prow[srow[a]], pc), &v);   /* checked above */
            cx.y[a] = cx.binary ? (plink12 ? v == 2 : v == 1) : v;
            n1 += cx.y[a] != 0;
        }
        if (cx.binary && (!n1 || n1 == cx.N)) {
            grs_log_error("phenotype '%s': one class only among the %" PRId64 " analysed samples (%" PRId64 " cases)",
                          tp->names[pc], cx.N, n1);
            goto done;
        }
    }

    /* ---- covariate design columns */
    for (int i = 0; i < cx.n_cov; i++) {
        covdef_t *d = &cx.cov[i];
        if (d->first < 0) continue;
        int64_t bad_line = -1, n_num = 0;
        const char *bad = NULL;
        for (int64_t a = 0; a < cx.N; a++) {
            const char *s = grs_sampletab_cell(tc, crow[srow[a]], d->first);
            double v;
            if (grs_parse_double(s, &v) == 0 && isfinite(v)) n_num++;
            else if (!bad) { bad = s; bad_line = tc->line[crow[srow[a]]]; }
        }
        if (n_num && bad && !d->is_cat) {
            grs_log_error("'%s': line %" PRId64 ": covariate '%s' is '%s', but other values are numbers (fix the value, "
                          "or name the column in --covar-cat to treat it as categorical)", o.covar, bad_line, d->name, bad);
            goto done;
        }
        if (!n_num) d->is_cat = 1;
        if (d->is_cat) {
            for (int64_t a = 0; a < cx.N; a++) {
                int l = level_of(&d->levels, &d->n_levels, grs_sampletab_cell(tc, crow[srow[a]], d->first), MAX_CAT_LEVELS);
                if (l == -3) goto oom;
                if (l == -2) {
                    grs_log_error("'%s': categorical covariate '%s' has more than %d levels", o.covar, d->name, MAX_CAT_LEVELS);
                    goto done;
                }
            }
            qsort(d->levels, d->n_levels, sizeof(char *), cmp_str);
            d->n_dummy = d->n_levels - 1;
        } else {
            d->n_dummy = 1;
            double v0 = NAN, v;
            int constant = 1;
            for (int64_t a = 0; a < cx.N; a++) {
                (void)grs_parse_double(grs_sampletab_cell(tc, crow[srow[a]], d->first), &v);
                if (a == 0) v0 = v; else if (v != v0) constant = 0;
            }
            if (constant) d->n_dummy = 0;
        }
        if (!d->n_dummy) {
            warn(&cx, "covariate '%s' is constant over the analysed samples (%s): dropped", d->name,
                 d->is_cat ? "one level" : "one value");
            d->note = strdup(d->is_cat ? "one level: dropped" : "constant: dropped");
            continue;
        }
        d->used = 1;
        cx.nc += d->n_dummy;
    }
    if (cx.nc > 500) {
        grs_log_error("'%s': the covariates expand to %d design columns (categorical levels included); at most 500",
                      o.covar, cx.nc);
        goto done;
    }
    if (!(cx.C = (double *)calloc((size_t)cx.N * cx.nc + 1, sizeof(double))) || !(cx.cnames = (char **)calloc(cx.nc + 1, sizeof(char *))))
        goto oom;
    for (int i = 0, j = 0; i < cx.n_cov; i++) {
        covdef_t *d = &cx.cov[i];
        if (!d->used) continue;
        for (int64_t a = 0; a < cx.N; a++) {
            const char *s = grs_sampletab_cell(tc, crow[srow[a]], d->first);
            if (d->is_cat) {
                for (int l = 1; l < d->n_levels; l++) cx.C[a * cx.nc + j + l - 1] = !strcmp(s, d->levels[l]);
            } else {
                (void)grs_parse_double(s, &cx.C[a * cx.nc + j]);
            }
        }
        for (int l = 0; l < d->n_dummy; l++)
            if (!(cx.cnames[j + l] = d->is_cat ? grs_sprintf("%s=%s", d->name, d->levels[l + 1]) : strdup(d->name))) goto oom;
        j += d->n_dummy;
    }

    /* ---- scores */
    cx.snames = (char **)calloc(cx.K, sizeof(char *));
    cx.scols = (char **)calloc(cx.K, sizeof(char *));
    cx.S = (double **)calloc(cx.K, sizeof(double *));
    if (!cx.snames || !cx.scols || !cx.S) goto oom;
    for (int k = 0; k < cx.K; k++) {
        const char *cn = ts->names[scol[k]];
        size_t l = strlen(cn);
        cx.scols[k] = strdup(cn);
        cx.snames[k] = (l > 4 && (!strcmp(cn + l - 4, "_AVG") || !strcmp(cn + l - 4, "_SUM"))) ? strndup(cn, l - 4) : strdup(cn);
        if (!cx.scols[k] || !cx.snames[k] || !(cx.S[k] = (double *)malloc(cx.N * sizeof(double)))) goto oom;
        for (int64_t a = 0; a < cx.N; a++) {
            const char *s = grs_sampletab_cell(ts, srow[a], scol[k]);
            double v;
            if (grs_sampletab_is_missing(s)) { cx.S[k][a] = NAN; continue; }
            if (grs_parse_double(s, &v) < 0 || isinf(v)) {
                grs_log_error("'%s': line %" PRId64 ": score '%s' is '%s', not a number", o.scores, ts->line[srow[a]], cn, s);
                goto done;
            }
            cx.S[k][a] = v;
        }
    }

    /* ---- groups */
    if (o.n_groups && !(cx.groups = (group_t *)calloc(o.n_groups, sizeof(group_t)))) goto oom;
    for (int g = 0; g < o.n_groups; g++) {
        group_t *gr = &cx.groups[g];
        const grs_sampletab_t *t = tp;
        int c = grs_sampletab_col(tp, o.groups[g]);
        if (c < 0 || is_key_col(tp, c)) { c = tc ? grs_sampletab_col(tc, o.groups[g]) : -1; t = tc; }
        if (c < 0 || is_key_col(t, c)) {
            grs_log_error("--group '%s': no such column in '%s'%s%s", o.groups[g], o.pheno, tc ? " or " : "", tc ? o.covar : "");
            goto done;
        }
        cx.n_groups++;
        if (!(gr->name = strdup(o.groups[g])) || !(gr->lev = (int *)malloc(cx.N * sizeof(int)))) goto oom;
        for (int pass = 0; pass < 2; pass++)
            for (int64_t a = 0; a < cx.N; a++) {
                int64_t row = t == tp ? prow[srow[a]] : crow[srow[a]];
                const char *s = grs_sampletab_cell(t, row, c);
                if (grs_sampletab_is_missing(s)) { gr->lev[a] = -1; continue; }
                if (pass == 0) {
                    int l = level_of(&gr->levels, &gr->n_levels, s, MAX_LEVELS);
                    if (l == -3) goto oom;
                    if (l == -2) { grs_log_error("--group '%s' has more than %d levels", gr->name, MAX_LEVELS); goto done; }
                } else {
                    for (int l = 0; l < gr->n_levels; l++) if (!strcmp(gr->levels[l], s)) gr->lev[a] = l;
                }
                if (pass == 0 && a == cx.N - 1) qsort(gr->levels, gr->n_levels, sizeof(char *), cmp_str);
            }
        if (gr->n_levels < 1) warn(&cx, "--group '%s' has no values for the analysed samples", gr->name);
        if (!(gr->res = (res_t *)calloc((size_t)cx.K * gr->n_levels + 1, sizeof(res_t)))) goto oom;
    }

    /* ---- statistics */
    cx.overall = (res_t *)calloc(cx.K, sizeof(res_t));
    cx.strata = (stratum_t **)calloc(cx.K, sizeof(stratum_t *));
    cx.top = (stratum_t **)calloc(cx.K, sizeof(stratum_t *));
    cx.roc_x = (double **)calloc(cx.K, sizeof(double *));
    cx.roc_y = (double **)calloc(cx.K, sizeof(double *));
    cx.n_roc = (int *)calloc(cx.K, sizeof(int));
    cx.gx = (double *)malloc((size_t)cx.K * N_GRID * sizeof(double));
    idx = (int64_t *)malloc((cx.N + 1) * sizeof(int64_t));
    gidx = (int64_t *)malloc((cx.N + 1) * sizeof(int64_t));
    if (!cx.overall || !cx.strata || !cx.top || !cx.roc_x || !cx.roc_y || !cx.n_roc || !cx.gx || !idx || !gidx) goto oom;
    for (int k = 0; k < cx.K; k++) {
        int64_t m = 0;
        double mean = 0, ss = 0, zmin = INFINITY, zmax = -INFINITY;
        for (int64_t a = 0; a < cx.N; a++) if (isfinite(cx.S[k][a])) idx[m++] = a;
        if (m < 3) { grs_log_error("score '%s': %" PRId64 " analysed samples have a value; too few", cx.scols[k], m); goto done; }
        for (int64_t i = 0; i < m; i++) mean += cx.S[k][idx[i]];
        mean /= m;
        for (int64_t i = 0; i < m; i++) ss += (cx.S[k][idx[i]] - mean) * (cx.S[k][idx[i]] - mean);
        double sd = sqrt(ss / (m - 1));
        if (!(sd > 0)) {
            grs_log_error("score '%s' is constant (%g) over the %" PRId64 " analysed samples", cx.scols[k], mean, m);
            goto done;
        }
        for (int64_t i = 0; i < m; i++) {
            double z = (cx.S[k][idx[i]] - mean) / sd;
            zmin = fmin(zmin, z); zmax = fmax(zmax, z);
        }
        {   /* density grid over the score's range, clipped at ±5 SD */
            double lo = fmax(zmin, -5) - 0.3, hi = fmin(zmax, 5) + 0.3, *gx = cx.gx + (size_t)k * N_GRID;
            for (int g = 0; g < N_GRID; g++) gx[g] = lo + (hi - lo) * g / (N_GRID - 1);
        }
        if ((st = analyse(&cx, k, idx, m, mean, sd, 0, &cx.overall[k])) < 0) goto oom;
        if (cx.overall[k].note[0])      /* the AUROC and strata are still worth reporting */
            warn(&cx, "score '%s', all samples: %s", cx.scols[k], cx.overall[k].note);
        if ((st = analyse_strata(&cx, k, idx, m)) < 0) goto oom;
        for (int g = 0; g < cx.n_groups; g++) {
            group_t *gr = &cx.groups[g];
            for (int l = 0; l < gr->n_levels; l++) {
                int64_t ml = 0;
                for (int64_t i = 0; i < m; i++) if (gr->lev[idx[i]] == l) gidx[ml++] = idx[i];
                res_t *r = &gr->res[k * gr->n_levels + l];
                if ((st = analyse(&cx, k, gidx, ml, mean, sd, ml >= MIN_PLOT, r)) < 0) goto oom;
                if (ml < MIN_PLOT) {
                    size_t len = strlen(r->note);
                    snprintf(r->note + len, sizeof(r->note) - len, "%sfewer than %d samples: plots suppressed",
                             len ? "; " : "", MIN_PLOT);
                }
            }
            if (k < 8) {
                gap_of(&cx, gr, k, 0, &gr->gaps[0][k]);
                if (cx.binary) gap_of(&cx, gr, k, 1, &gr->gaps[1][k]);
            }
        }
        /* case/control densities of the overall sample (binary), or the whole sample */
        {
            int64_t n1 = 0, n0 = 0;
            double *zc = (double *)malloc((m + 1) * sizeof(double)), *zn = (double *)malloc((m + 1) * sizeof(double));
            if (!zc || !zn) { free(zc); free(zn); goto oom; }
            for (int64_t i = 0; i < m; i++) {
                double z = (cx.S[k][idx[i]] - mean) / sd;
                if (cx.binary && cx.y[idx[i]] != 0) zc[n1++] = z; else zn[n0++] = z;
            }
            free(cx.overall[k].dens);
            cx.overall[k].dens = density(zn, n0, cx.gx + (size_t)k * N_GRID);
            if (cx.binary) {
                double *dc = density(zc, n1, cx.gx + (size_t)k * N_GRID);
                if (!dc || !cx.overall[k].dens) { free(dc); free(zc); free(zn); goto oom; }
                /* concatenate: dens[0..N_GRID) controls, dens[N_GRID..2N_GRID) cases */
                double *both = (double *)realloc(cx.overall[k].dens, 2 * N_GRID * sizeof(double));
                if (!both) { free(dc); free(zc); free(zn); goto oom; }
                memcpy(both + N_GRID, dc, N_GRID * sizeof(double));
                cx.overall[k].dens = both;
                free(dc);
            }
            free(zc); free(zn);
        }
        grs_log_info("score '%s': %" PRId64 " samples analysed", cx.scols[k], m);
    }

    /* ---- calibration of a predicted risk column (pheno, covar or scores file) */
    if (o.predicted) {
        const grs_sampletab_t *t = tp;
        int c = grs_sampletab_col(tp, o.predicted);
        if ((c < 0 || is_key_col(tp, c)) && tc) { t = tc; c = grs_sampletab_col(tc, o.predicted); }
        if (c < 0 || is_key_col(t, c)) { t = ts; c = grs_sampletab_col(ts, o.predicted); }
        if (c < 0 || is_key_col(t, c)) {
            grs_log_error("--predicted '%s': no such column in '%s'%s%s or '%s'", o.predicted, o.pheno, tc ? ", " : "",
                          tc ? o.covar : "", o.scores);
            goto done;
        }
        if (!cx.binary) { grs_log_error("--predicted needs a binary trait ('%s' is quantitative)", tp->names[pc]); goto done; }
        double *pp = (double *)malloc((cx.N + 1) * sizeof(double)), *py = (double *)malloc((cx.N + 1) * sizeof(double));
        int64_t m = 0;
        if (!pp || !py || !(cx.cal = (calib_t *)calloc(1, sizeof(calib_t)))) { free(pp); free(py); goto oom; }
        for (int64_t a = 0; a < cx.N; a++) {
            int64_t row = t == tp ? prow[srow[a]] : t == tc ? crow[srow[a]] : srow[a];
            const char *s = grs_sampletab_cell(t, row, c);
            double v;
            if (grs_sampletab_is_missing(s)) continue;
            if (grs_parse_double(s, &v) < 0 || !(v > 0 && v < 1)) {
                grs_log_error("'%s': line %" PRId64 ": predicted risk '%s' is '%s', not a probability in (0, 1)", t->path,
                              t->line[row], o.predicted, s);
                free(pp); free(py);
                goto done;
            }
            pp[m] = v;
            py[m++] = cx.y[a];
        }
        int64_t n1 = 0;
        for (int64_t i = 0; i < m; i++) n1 += py[i] != 0;
        if (m < 10 || !n1 || n1 == m) {
            grs_log_error("--predicted '%s': %" PRId64 " analysed samples with a value (%" PRId64 " cases): too few for "
                          "calibration", o.predicted, m, n1);
            free(pp); free(py);
            goto done;
        }
        st = calibrate(pp, py, m, cx.cal);
        free(pp); free(py);
        if (st < 0) goto oom;
    }

    /* ---- outputs */
    if (dir_make(o.out, &dir_created) < 0) goto done;
    fn_h = grs_sprintf("%s/report.html", o.out);
    fn_j = grs_sprintf("%s/report.json", o.out);
    fn_t = grs_sprintf("%s/report.tsv", o.out);
    {
        char *cl = grs_cmdline(argc, argv);
        cmdline = grs_sprintf("grs %s", cl ? cl : "");
        free(cl);
    }
    if (!fn_h || !fn_j || !fn_t || !cmdline) goto oom;
    if (!(dir_t = grs_sprintf("%s/tables", o.out)) || !(fn_1 = grs_sprintf("%s/overall.tsv", dir_t))
        || !(fn_2 = grs_sprintf("%s/strata.tsv", dir_t)))
        goto oom;
    if (dir_make(dir_t, &tables_created) < 0) goto done;
    if (!(oj = grs_out_open(fn_j, 0)) || !(ot = grs_out_open(fn_t, 0)) || !(oh = grs_out_open(fn_h, 0))
        || !(o1 = grs_out_open(fn_1, 0)) || !(o2 = grs_out_open(fn_2, 0)))
        goto done;
    /* tables/: the main tables, one row per score × subset and per score × stratum */
    table_res_head(o1);
    grs_out_printf(o2, "score\tkind\tlabel\tpct_lo\tpct_hi\tscore_lo\tscore_hi\treference\tn\tcases\tprevalence\t"
                       "prev_lo\tprev_hi\tmean\tmean_lo\tmean_hi\testimate\tlo\thi\tp\tnote\n");
    for (int k = 0; k < cx.K; k++) {
        table_res_row(o1, &cx, cx.snames[k], "all", "all", &cx.overall[k]);
        for (int g = 0; g < cx.n_groups; g++)
            for (int l = 0; l < cx.groups[g].n_levels; l++)
                table_res_row(o1, &cx, cx.snames[k], cx.groups[g].name, cx.groups[g].levels[l],
                              &cx.groups[g].res[k * cx.groups[g].n_levels + l]);
        table_strata(o2, &cx, cx.snames[k], "stratum", cx.strata[k], cx.n_strata);
        table_strata(o2, &cx, cx.snames[k], "top", cx.top[k], o.n_top);
    }
    char when[32];
    grs_iso_time(when, sizeof(when));

    {
        meta_t mt = { ts, tp, tc, pc, fid_p, coding, cmdline, when, match_text, n_matched, n_scores_only,
                      n_pheno_only, n_pheno_missing, n_covar_absent, n_covar_missing, t0 };
        write_json(oj, &cx, &o, &mt);
        write_tsv(ot, &cx, &o);
        write_html(oh, &cx, &o, &mt);
    }

    /* commit all three only when all are complete */
    st = grs_out_close(oj, 1); oj = NULL;
    if (st < 0) goto done;
    st = grs_out_close(ot, 1); ot = NULL;
    if (st < 0) { unlink(fn_j); goto done; }
    st = grs_out_close(oh, 1); oh = NULL;
    if (st < 0) { unlink(fn_j); unlink(fn_t); goto done; }
    st = grs_out_close(o1, 1); o1 = NULL;
    if (st < 0) { unlink(fn_j); unlink(fn_t); unlink(fn_h); goto done; }
    st = grs_out_close(o2, 1); o2 = NULL;
    if (st < 0) { unlink(fn_j); unlink(fn_t); unlink(fn_h); unlink(fn_1); goto done; }
    dir_created = tables_created = 0;
    fprintf(stderr, "[grs report] %" PRId64 " samples analysed, %d score(s), %s trait: %s\n", cx.N, cx.K,
            cx.binary ? "binary" : "quantitative", fn_h);
    grs_cmd_log_end("report", t0);
    ret = 0;
    goto done;
oom:
    grs_log_error("out of memory");
done:
    grs_out_close(oj, 0);
    grs_out_close(ot, 0);
    grs_out_close(oh, 0);
    grs_out_close(o1, 0);
    grs_out_close(o2, 0);
    if (tables_created) rmdir(dir_t);
    if (dir_created) rmdir(o.out);
    free(fn_h); free(fn_j); free(fn_t); free(fn_1); free(fn_2); free(dir_t); free(cmdline);
    if (match_text) for (int i = 0; i < o.n_match; i++) free(match_text[i]);
    free(match_text);
    for (int k = 0; k < cx.K; k++) {
        if (cx.snames) free(cx.snames[k]);
        if (cx.scols) free(cx.scols[k]);
        if (cx.S) free(cx.S[k]);
        if (cx.overall) free(cx.overall[k].dens);
        if (cx.strata) free(cx.strata[k]);
        if (cx.top) free(cx.top[k]);
        if (cx.roc_x) free(cx.roc_x[k]);
        if (cx.roc_y) free(cx.roc_y[k]);
    }
    free(cx.snames); free(cx.scols); free(cx.S); free(cx.overall); free(cx.strata); free(cx.top);
    free(cx.roc_x); free(cx.roc_y); free(cx.n_roc); free(cx.gx);
    for (int g = 0; g < cx.n_groups; g++) {
        group_t *gr = &cx.groups[g];
        free(gr->name); free(gr->lev);
        if (gr->res) for (int64_t i = 0; i < (int64_t)cx.K * gr->n_levels; i++) free(gr->res[i].dens);
        free(gr->res);
        free_list(gr->levels, gr->n_levels);
    }
    free(cx.groups);
    free(cx.cal);
    for (int i = 0; i < cx.n_cov; i++) { free(cx.cov[i].name); free(cx.cov[i].note); free_list(cx.cov[i].levels, cx.cov[i].n_levels); }
    free(cx.cov);
    if (cx.cnames) for (int j = 0; j < cx.nc; j++) free(cx.cnames[j]);
    free(cx.cnames); free(cx.C); free(cx.y); free(cx.warn.s);
    free(idx); free(gidx); free(prow); free(crow); free(srow); free(scol);
    free_index(hp); free_index(hc);
    grs_sampletab_destroy(ts); grs_sampletab_destroy(tp); grs_sampletab_destroy(tc);
    free_list(o.groups, o.n_groups); free_list(o.match, o.n_match);
    free_list(o.score_cols, o.n_score_cols); free_list(o.covar_cols, o.n_covar_cols);
    free_list(o.covar_cat, o.n_covar_cat);
    return ret;
}
