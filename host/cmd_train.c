/* cmd_train.c -- grs train: elastic-net risk models on packed genotypes, omics matrices,
 * covariates and PGS columns, with glmnet's objective and conventions (host/enet.h).
 *
 * Flow: phenotype → sample set (genotype samples ∩ every table, phenotype and covariates
 * present) → design: genotype block (packed, standardized on the fly; monomorphic variants
 * left out) then a dense block (covariates one-hot, PGS columns, omics features) → λ path on
 * all training samples → K-fold CV on the same path (deterministic folds from --seed) →
 * λ by minimum CV deviance or the 1-SE rule → Platt calibration of the CV predictions
 * (binary) → MODEL.model.json (host/model.h), MODEL.path.tsv, MODEL.lambda.tsv,
 * MODEL.cv.tsv, and optionally a PGS Catalog scoring file of the genotype part. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "enet.h"
#include "grs/backend.h"
#include "grs/backend_ops.h"
#include "grs/geno.h"
#include "grs/log.h"
#include "grs/status.h"
#include "model.h"
#include "omics.h"
#include "util.h"

#define MAX_OMICS 64

typedef struct {
    char *geno, *pheno, *pheno_col, *covar, *pgs, *out, *export_pgs, *lambda_list;
    char *omics[MAX_OMICS]; int n_omics;
    int binary, folds, lambda_rule_1se, drop_constant, backend, threads;
    double alpha, lambda_min_ratio, tol, pf_geno, pf_omics, pf_pgs, pf_covar;
    int64_t nlambda, max_sweeps;
    uint64_t seed;
} opts_t;

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: grs train [--geno PREFIX] [--omics F ...] [--covar F] [--pgs F.sscore] --pheno F\n"
"                 --trait binary|quantitative --out MODEL [options]\n"
"Fit an elastic-net risk model (glmnet's objective, standardization and lambda path).\n\n"
"Inputs (samples are matched by IID; tables: TSV/CSV/space, plain or gzip):\n"
"  --geno PREFIX          packed genotypes PREFIX.grsm (grs pack); missing calls -> mean\n"
"  --omics F              samples x features with an ID column; repeatable; NA -> training mean\n"
"  --covar F              covariates; text columns are one-hot coded (first level dropped)\n"
"  --pgs F                .sscore file: every *_SUM column is a feature\n"
"  --pheno F              phenotype table; -9/NA missing\n"
"  --pheno-col NAME       phenotype column [the first data column]\n"
"  --trait T              binary (0/1 or 1/2 controls/cases) | quantitative\n"
"Model:\n"
"  --alpha A              elastic-net mixing, 0 < A <= 1 (1 = lasso) [0.5]\n"
"  --nlambda N            path length [100]\n"
"  --lambda-min-ratio R   smallest/largest lambda [1e-4 if n > p else 0.01]\n"
"  --lambda L1,L2,...     a user lambda path (decreasing) instead\n"
"  --pf-geno X, --pf-omics X, --pf-pgs X, --pf-covar X\n"
"                         penalty factor per block [1, 1, 1, 0: covariates unpenalized]\n"
"  --drop-constant        drop constant omics/covariate columns with a warning (default: error)\n"
"  --tol T                convergence threshold (glmnet thresh) [1e-7]\n"
"  --max-sweeps N         coordinate-descent sweeps per lambda [100000]\n"
"Selection:\n"
"  --folds K              K-fold cross-validation; 0 = none (the last lambda is used) [5]\n"
"  --seed S               fold assignment seed [1]\n"
"  --lambda-rule R        min (minimum CV deviance) | 1se [min]\n"
"Output:\n"
"  --out MODEL            MODEL.model.json, MODEL.path.tsv, MODEL.lambda.tsv, MODEL.cv.tsv\n"
"  --export-pgs F         the genotype part as a PGS Catalog scoring file (grs score reads it)\n"
"Other:\n"
"  --backend B            auto|cpu|cuda [auto]   --threads N [all cores]\n"
"  -v N, --verbosity N    0 quiet .. 6 trace [3]   -h, --help\n");
}

/* deterministic fold of each training sample: a seeded Fisher-Yates shuffle, then rank % K */
static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Platt scaling: logistic regression of y on a + b·η, by Newton's method */
static void platt(const double *eta, const double *y, const double *w, int64_t n, double *a, double *b)
{
    double A = 0, B = 1;
    for (int it = 0; it < 100; it++) {
        double g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0;
        for (int64_t s = 0; s < n; s++) {
            if (w[s] <= 0) continue;
            double z = A + B * eta[s], q = 1 / (1 + exp(-z)), u = q * (1 - q);
            g0 += y[s] - q; g1 += (y[s] - q) * eta[s];
            h00 += u; h01 += u * eta[s]; h11 += u * eta[s] * eta[s];
        }
        double det = h00 * h11 - h01 * h01;
        if (!(fabs(det) > 1e-300)) break;
        double dA = (h11 * g0 - h01 * g1) / det, dB = (h00 * g1 - h01 * g0) / det;
        A += dA; B += dB;
        if (fabs(dA) + fabs(dB) < 1e-12) break;
    }
    *a = A; *b = B;
}

static char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return strdup(s ? s + 1 : p);
}

int main_train(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "geno", required_argument, NULL, 1 }, { "omics", required_argument, NULL, 2 },
        { "covar", required_argument, NULL, 3 }, { "pgs", required_argument, NULL, 4 },
        { "pheno", required_argument, NULL, 5 }, { "pheno-col", required_argument, NULL, 6 },
        { "trait", required_argument, NULL, 7 }, { "alpha", required_argument, NULL, 8 },
        { "nlambda", required_argument, NULL, 9 }, { "lambda-min-ratio", required_argument, NULL, 10 },
        { "lambda", required_argument, NULL, 11 }, { "pf-geno", required_argument, NULL, 12 },
        { "pf-omics", required_argument, NULL, 13 }, { "pf-pgs", required_argument, NULL, 14 },
        { "pf-covar", required_argument, NULL, 15 }, { "drop-constant", no_argument, NULL, 16 },
        { "tol", required_argument, NULL, 17 }, { "max-sweeps", required_argument, NULL, 18 },
        { "folds", required_argument, NULL, 19 }, { "seed", required_argument, NULL, 20 },
        { "lambda-rule", required_argument, NULL, 21 }, { "export-pgs", required_argument, NULL, 22 },
        { "backend", required_argument, NULL, 23 }, { "threads", required_argument, NULL, 't' },
        { "out", required_argument, NULL, 'o' }, { "verbosity", required_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
    };
    opts_t o;
    int c, ret = 1, trait_set = 0;
    double t0 = grs_wall_seconds();
    grs_geno_t *gm = NULL;
    grs_table_t *ph = NULL, *cv = NULL, *pg = NULL, *om[MAX_OMICS] = { NULL };
    grs_backend_t *be = NULL;
    grs_enet_path_t *path = NULL, *fp = NULL;
    grs_model_t M;
    double *y = NULL, *w = NULL, *dense = NULL, *user_lambda = NULL, *pf = NULL, *wk = NULL;
    double *cv_eta = NULL, *eta = NULL, *cvm = NULL, *cvsd = NULL, *fold_dev = NULL;
    int64_t *ph_row = NULL, *cv_row = NULL, *pg_row = NULL, *om_row[MAX_OMICS] = { NULL }, *vsel = NULL;
    const uint32_t **codes = NULL;
    int *fold = NULL;
    int64_t n = 0, n_train = 0, G = 0, D = 0, n_user_lambda = 0;

    memset(&o, 0, sizeof(o));
    memset(&M, 0, sizeof(M));
    o.alpha = 0.5; o.nlambda = 100; o.tol = 1e-7; o.max_sweeps = 100000; o.folds = 5; o.seed = 1;
    o.pf_geno = o.pf_omics = o.pf_pgs = 1; o.pf_covar = 0;
    o.threads = grs_cmd_default_threads();
    o.backend = GRS_BACKEND_AUTO;
    if (getenv("GRS_BACKEND") && grs_backend_parse(getenv("GRS_BACKEND")) >= 0) o.backend = grs_backend_parse(getenv("GRS_BACKEND"));
    while ((c = getopt_long(argc, argv, "o:t:v:h", lopts, NULL)) >= 0) {
        double x; int64_t k;
        switch (c) {
        case 1: o.geno = optarg; break;
        case 2:
            if (o.n_omics == MAX_OMICS) { grs_log_error("at most %d --omics files", MAX_OMICS); return 2; }
            o.omics[o.n_omics++] = optarg; break;
        case 3: o.covar = optarg; break;
        case 4: o.pgs = optarg; break;
        case 5: o.pheno = optarg; break;
        case 6: o.pheno_col = optarg; break;
        case 7:
            if (!strcmp(optarg, "binary")) o.binary = 1;
            else if (!strcmp(optarg, "quantitative")) o.binary = 0;
            else { grs_log_error("--trait must be binary or quantitative, not '%s'", optarg); return 2; }
            trait_set = 1; break;
        case 8:
            if (grs_parse_double(optarg, &o.alpha) < 0 || !(o.alpha > 0 && o.alpha <= 1)) {
                grs_log_error("--alpha must be in (0, 1], not '%s'", optarg); return 2; }
            break;
        case 9:
            if (grs_parse_int64(optarg, &o.nlambda) < 0 || o.nlambda < 1 || o.nlambda > 100000) {
                grs_log_error("--nlambda must be a positive integer, not '%s'", optarg); return 2; }
            break;
        case 10:
            if (grs_parse_double(optarg, &o.lambda_min_ratio) < 0 || !(o.lambda_min_ratio > 0 && o.lambda_min_ratio < 1)) {
                grs_log_error("--lambda-min-ratio must be in (0, 1), not '%s'", optarg); return 2; }
            break;
        case 11: o.lambda_list = optarg; break;
        case 12: case 13: case 14: case 15:
            if (grs_parse_double(optarg, &x) < 0 || !(x >= 0) || !isfinite(x)) {
                grs_log_error("%s must be a number >= 0, not '%s'", argv[optind - 2], optarg); return 2; }
            if (c == 12) o.pf_geno = x; else if (c == 13) o.pf_omics = x; else if (c == 14) o.pf_pgs = x; else o.pf_covar = x;
            break;
        case 16: o.drop_constant = 1; break;
        case 17:
            if (grs_parse_double(optarg, &o.tol) < 0 || !(o.tol > 0)) { grs_log_error("--tol must be > 0"); return 2; }
            break;
        case 18:
            if (grs_parse_int64(optarg, &o.max_sweeps) < 0 || o.max_sweeps < 1) { grs_log_error("--max-sweeps must be >= 1"); return 2; }
            break;
        case 19:
            if (grs_parse_int64(optarg, &k) < 0 || k < 0 || k == 1 || k > 1000) {
                grs_log_error("--folds must be 0 or 2..1000, not '%s'", optarg); return 2; }
            o.folds = (int)k; break;
        case 20:
            if (grs_parse_int64(optarg, &k) < 0) { grs_log_error("--seed must be an integer"); return 2; }
            o.seed = (uint64_t)k; break;
        case 21:
            if (!strcmp(optarg, "min")) o.lambda_rule_1se = 0;
            else if (!strcmp(optarg, "1se")) o.lambda_rule_1se = 1;
            else { grs_log_error("--lambda-rule must be min or 1se"); return 2; }
            break;
        case 22: o.export_pgs = optarg; break;
        case 23:
            if ((o.backend = grs_backend_parse(optarg)) < 0) { grs_log_error("--backend must be auto, cpu or cuda"); return 2; }
            break;
        case 't':
            if (grs_parse_int64(optarg, &k) < 0 || k < 1 || k > 1024) { grs_log_error("--threads must be 1..1024"); return 2; }
            o.threads = (int)k; break;
        case 'o': o.out = optarg; break;
        case 'v':
            if (grs_parse_int64(optarg, &k) < 0 || k < 0 || k > 6) { grs_log_error("-v must be 0..6"); return 2; }
            grs_cmd_set_verbosity((int)k); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) { grs_log_error("unexpected argument '%s'", argv[optind]); usage(stderr); return 2; }
    if (!o.pheno || !o.out || !trait_set) {
        grs_log_error("--pheno, --trait and --out are required");
        usage(stderr);
        return 2;
    }
    if (!o.geno && !o.n_omics && !o.pgs && !o.covar) {
        grs_log_error("no features: give --geno, --omics, --pgs or --covar");
        return 2;
    }
    if (o.lambda_list) {
        char *dup = strdup(o.lambda_list), *f[100000];
        if (!dup) return 1;
        int nf = grs_split(dup, ",", f, 100000);
        if (nf > 100000 || !(user_lambda = (double *)malloc(nf * sizeof(double)))) { free(dup); grs_log_error("--lambda: too many values"); return 2; }
        for (int i = 0; i < nf; i++)
            if (grs_parse_double(f[i], &user_lambda[i]) < 0 || !(user_lambda[i] > 0) || (i && user_lambda[i] >= user_lambda[i - 1])) {
                grs_log_error("--lambda must be a decreasing list of positive numbers ('%s')", f[i]);
                free(dup); free(user_lambda); return 2;
            }
        n_user_lambda = nf;
        free(dup);
    }
    grs_cmd_log_start(argc, argv);

    /* ---- inputs */
    if (grs_table_read(o.pheno, GRS_TABLE_MINUS9_NA | GRS_TABLE_STRINGS, &ph) < 0) goto done;
    int64_t pcol = 0;
    if (o.pheno_col && (pcol = grs_table_col(ph, o.pheno_col)) < 0) {
        grs_log_error("'%s': no phenotype column '%s'", o.pheno, o.pheno_col);
        goto done;
    }
    if (ph->is_text[pcol]) {
        for (int64_t i = 0; i < ph->n_rows; i++) {
            const char *s = ph->str[i * ph->n_cols + pcol];
            double x;
            if (!grs_table_is_na(s, GRS_TABLE_MINUS9_NA) && grs_parse_double(s, &x) < 0) {
                grs_log_error("'%s': line %" PRId64 ", column '%s': '%s' is not a number", o.pheno, ph->line[i], ph->names[pcol], s);
                goto done;
            }
        }
    }
    if (o.covar && grs_table_read(o.covar, GRS_TABLE_STRINGS | GRS_TABLE_MINUS9_NA, &cv) < 0) goto done;
    if (o.pgs && grs_table_read(o.pgs, 0, &pg) < 0) goto done;
    for (int i = 0; i < o.n_omics; i++)
        if (grs_table_read(o.omics[i], 0, &om[i]) < 0) goto done;
    if (o.geno) {
        char *fn = grs_sprintf("%s.grsm", o.geno);
        int st = fn ? grs_geno_open(fn, 0, &gm) : GRS_ENOMEM;
        free(fn);
        if (st < 0) goto done;
    }

    /* ---- samples: design rows are the genotype samples (or the phenotype rows) */
    n = gm ? grs_geno_n_samples(gm) : ph->n_rows;
    if (!(y = (double *)calloc(n, sizeof(double))) || !(w = (double *)calloc(n, sizeof(double))) ||
        !(ph_row = (int64_t *)malloc(n * sizeof(int64_t))) || !(cv_row = (int64_t *)malloc(n * sizeof(int64_t))) ||
        !(pg_row = (int64_t *)malloc(n * sizeof(int64_t))))
        goto oom;
    for (int i = 0; i < o.n_omics; i++)
        if (!(om_row[i] = (int64_t *)malloc(n * sizeof(int64_t)))) goto oom;
    {
        int64_t n_in_pheno = 0, n_no_y = 0, n_no_cov = 0, n_no_table = 0;
        for (int64_t s = 0; s < n; s++) {
            const char *iid = gm ? grs_geno_sample(gm, s)->iid : ph->iid[s];
            int ok = 1;
            ph_row[s] = grs_table_find(ph, iid);
            if (ph_row[s] < 0) { ok = 0; }
            else {
                n_in_pheno++;
                y[s] = ph->x[pcol * ph->n_rows + ph_row[s]];
                if (isnan(y[s])) { ok = 0; n_no_y++; }
            }
            cv_row[s] = cv ? grs_table_find(cv, iid) : -1;
            pg_row[s] = pg ? grs_table_find(pg, iid) : -1;
            if (ok && cv) {
                if (cv_row[s] < 0) { ok = 0; n_no_table++; }
                else for (int64_t j = 0; j < cv->n_cols && ok; j++)
                    if (grs_table_is_na(cv->str[cv_row[s] * cv->n_cols + j], GRS_TABLE_MINUS9_NA)) { ok = 0; n_no_cov++; }
            }
            if (ok && pg) {
                if (pg_row[s] < 0) { ok = 0; n_no_table++; }
                else for (int64_t j = 0; j < pg->n_cols && ok; j++)
                    if (isnan(pg->x[j * pg->n_rows + pg_row[s]])) { ok = 0; n_no_cov++; }
            }
            for (int i = 0; i < o.n_omics; i++) {
                om_row[i][s] = grs_table_find(om[i], iid);
                if (ok && om_row[i][s] < 0) { ok = 0; n_no_table++; }
            }
            w[s] = ok;
            n_train += ok;
        }
        if (n_in_pheno == 0) {
            grs_log_error("no samples in common between '%s' and %s%s%s", o.pheno,
                          gm ? "the genotypes '" : "", gm ? grs_geno_path(gm) : "the other inputs", gm ? "'" : "");
            goto done;
        }
        if (n_train == 0) {
            grs_log_error("no samples in common between '%s'%s%s%s%s%s%s with a phenotype%s", o.pheno,
                          gm ? ", '" : "", gm ? grs_geno_path(gm) : "", gm ? "'" : "",
                          o.covar ? ", '" : "", o.covar ? o.covar : "", o.covar ? "'" : "",
                          o.n_omics ? " and the --omics files" : "");
            goto done;
        }
        grs_log_info("%" PRId64 " training samples (%" PRId64 " without a phenotype, %" PRId64
                     " with a missing covariate, %" PRId64 " absent from a table)", n_train, n_no_y, n_no_cov, n_no_table);
    }
    /* binary trait: 0/1, or PLINK's 1/2 */
    if (o.binary) {
        int plink12 = 1;
        for (int64_t s = 0; s < n; s++)
            if (w[s] > 0 && y[s] != 1 && y[s] != 2) plink12 = 0;
        for (int64_t s = 0; s < n; s++) {
            if (w[s] <= 0) continue;
            if (plink12) y[s] -= 1;
            if (y[s] != 0 && y[s] != 1) {
                grs_log_error("'%s': line %" PRId64 ": binary trait value %g is not 0/1 (or 1/2)", o.pheno, ph->line[ph_row[s]], y[s] + plink12);
                goto done;
            }
        }
        int64_t cases = 0;
        for (int64_t s = 0; s < n; s++) cases += w[s] > 0 && y[s] == 1;
        if (cases == 0 || cases == n_train) {
            grs_log_error("'%s': column '%s' has one class only (%" PRId64 " %s) among the %" PRId64 " training samples",
                          o.pheno, ph->names[pcol], n_train, cases ? "cases" : "controls", n_train);
            goto done;
        }
        M.n_cases = cases;
    }

    /* ---- genotype block: variants that vary among the training samples */
    if (gm) {
        int64_t nv = grs_geno_n_variants(gm);
        if (!(vsel = (int64_t *)malloc((nv + 1) * sizeof(int64_t))) || !(codes = (const uint32_t **)malloc((nv + 1) * sizeof(uint32_t *))))
            goto oom;
        int64_t n_dos = 0;
        for (int64_t v = 0; v < nv; v++) {
            if (grs_geno_dosage_row(gm, v)) n_dos++;
            codes[v] = grs_geno_row(gm, v);
        }
        if (n_dos) grs_log_warning("%" PRId64 " variants have fractional dosages; training uses their hard calls", n_dos);
        /* moments over the training samples decide which columns vary */
        double *mom = (double *)malloc(3 * nv * sizeof(double) + 8);
        double *zero = (double *)calloc(nv + 1, sizeof(double));
        if (!mom || !zero) { free(mom); free(zero); goto oom; }
        grs_enet_geno_t gv = { n, nv, codes, zero, zero, o.threads };
        int st = grs_ref_ops.enet_moments(NULL, &gv, w, mom);
        if (st < 0) { free(mom); free(zero); goto oom; }
        for (int64_t v = 0; v < nv; v++) {
            double m0 = mom[3 * v], m1 = mom[3 * v + 1], m2 = mom[3 * v + 2];
            if (m0 > 0 && m2 - m1 * (m1 / m0) > 1e-9) { vsel[G] = v; codes[G] = grs_geno_row(gm, v); G++; }
        }
        free(mom); free(zero);
        if (G < nv) grs_log_info("%" PRId64 " of %" PRId64 " variants are monomorphic among the training samples: left out", nv - G, nv);
    }

    /* ---- dense block: covariates (numeric, one-hot), PGS columns, omics features */
    {
        int64_t cap = 16;
        if (!(dense = (double *)malloc(cap * n * sizeof(double)))) goto oom;
#define ADD_COL(BLOCK, NAME, LEVEL, SRC, PFV) do {                                             \
            if (D == cap) {                                                                    \
                double *nd = (double *)realloc(dense, 2 * cap * n * sizeof(double));          \
                if (!nd) goto oom;                                                             \
                dense = nd; cap *= 2;                                                          \
            }                                                                                  \
            if (grs_model_add_feature(&M, BLOCK, NAME, LEVEL, SRC, PFV) < 0) goto oom;        \
            col = dense + D * n; D++;                                                          \
        } while (0)
        double *col;
        if (cv) {
            for (int64_t j = 0; j < cv->n_cols; j++) {
                if (!cv->is_text[j]) {
                    ADD_COL("covar", cv->names[j], NULL, 0, o.pf_covar);
                    for (int64_t s = 0; s < n; s++) col[s] = cv_row[s] >= 0 ? cv->x[j * cv->n_rows + cv_row[s]] : NAN;
                    continue;
                }
                /* categorical: levels among training samples, sorted; the first is the reference */
                char **lev = NULL; int64_t nlev = 0;
                for (int64_t s = 0; s < n; s++) {
                    if (w[s] <= 0) continue;
                    const char *x = cv->str[cv_row[s] * cv->n_cols + j];
                    int64_t k = 0;
                    while (k < nlev && strcmp(lev[k], x)) k++;
                    if (k < nlev) continue;
                    if (nlev >= 1000) { grs_log_error("'%s': column '%s' has more than 1000 levels", o.covar, cv->names[j]); free(lev); goto done; }
                    char **nl = (char **)realloc(lev, (nlev + 1) * sizeof(char *));
                    if (!nl) { free(lev); goto oom; }
                    lev = nl; lev[nlev++] = (char *)x;
                }
                for (int64_t a = 1; a < nlev; a++)
                    for (int64_t b = a; b > 0 && strcmp(lev[b - 1], lev[b]) > 0; b--) { char *t = lev[b]; lev[b] = lev[b - 1]; lev[b - 1] = t; }
                for (int64_t k = 1; k < nlev; k++) {
                    ADD_COL("covar", cv->names[j], lev[k], 0, o.pf_covar);
                    for (int64_t s = 0; s < n; s++)
                        col[s] = cv_row[s] >= 0 ? (double)(strcmp(cv->str[cv_row[s] * cv->n_cols + j], lev[k]) == 0) : NAN;
                }
                free(lev);
            }
        }
        if (pg) {
            for (int64_t j = 0; j < pg->n_cols; j++) {
                size_t l = strlen(pg->names[j]);
                if (l < 4 || strcmp(pg->names[j] + l - 4, "_SUM")) continue;
                ADD_COL("pgs", pg->names[j], NULL, 0, o.pf_pgs);
                for (int64_t s = 0; s < n; s++) col[s] = pg_row[s] >= 0 ? pg->x[j * pg->n_rows + pg_row[s]] : NAN;
            }
            if (M.n_features == 0 || strcmp(M.features[M.n_features - 1].block, "pgs")) {
                grs_log_error("'%s': no *_SUM score column (is it a grs/plink2 .sscore file?)", o.pgs);
                goto done;
            }
        }
        for (int i = 0; i < o.n_omics; i++) {
            char *blk = grs_sprintf("omics%d", i + 1);
            if (!blk) goto oom;
            for (int64_t j = 0; j < om[i]->n_cols; j++) {
                ADD_COL(blk, om[i]->names[j], NULL, i, o.pf_omics);
                for (int64_t s = 0; s < n; s++) col[s] = om_row[i][s] >= 0 ? om[i]->x[j * om[i]->n_rows + om_row[i][s]] : NAN;
            }
            free(blk);
        }
#undef ADD_COL
        /* constant dense columns among the training samples */
        int64_t keep = 0;
        for (int64_t k = 0; k < D; k++) {
            double *x = dense + k * n, first = NAN;
            int varies = 0;
            for (int64_t s = 0; s < n && !varies; s++) {
                if (w[s] <= 0 || isnan(x[s])) continue;
                if (isnan(first)) first = x[s];
                else if (x[s] != first) varies = 1;
            }
            grs_model_feature_t *f = &M.features[k];
            if (!varies) {
                const char *src = !strcmp(f->block, "covar") ? o.covar : !strcmp(f->block, "pgs") ? o.pgs : o.omics[f->source];
                if (!o.drop_constant) {
                    grs_log_error("'%s': column '%s' is constant among the %" PRId64 " training samples "
                                  "(remove it, or use --drop-constant)", src, f->name, n_train);
                    goto done;
                }
                grs_log_warning("'%s': column '%s' is constant among the training samples: dropped", src, f->name);
                grs_model_feature_free(f);
                continue;
            }
            if (keep != k) {
                memmove(dense + keep * n, x, n * sizeof(double));
                M.features[keep] = *f;
            }
            keep++;
        }
        D = keep;
        M.n_features = D;
    }
    if (G + D == 0) { grs_log_error("no feature varies among the training samples"); goto done; }
    grs_log_info("design: %" PRId64 " samples x (%" PRId64 " genotype + %" PRId64 " other) features", n_train, G, D);

    /* ---- penalty factors, backend, the path */
    if (!(pf = (double *)malloc((G + D) * sizeof(double)))) goto oom;
    for (int64_t j = 0; j < G; j++) pf[j] = o.pf_geno;
    for (int64_t k = 0; k < D; k++) pf[G + k] = M.features[k].pf;
    if (grs_backend_open(o.backend, &be) < 0) goto done;
    grs_enet_data_t dd = { n, G, codes, D, dense, y, be, o.threads };
    grs_enet_opts_t eo = { o.binary ? GRS_ENET_BINOMIAL : GRS_ENET_GAUSSIAN, o.alpha, o.nlambda, o.lambda_min_ratio,
                           user_lambda, n_user_lambda, pf, o.tol, o.max_sweeps };
    double tf = grs_wall_seconds();
    if (grs_enet_fit(&dd, w, &eo, &path) < 0) goto done;
    grs_log_info("path: %" PRId64 " lambdas, %" PRId64 " sweeps, %" PRId64 " coordinate updates, %" PRId64
                 " KKT re-solves, %.2f s (coordinate descent %.2f s, gradient passes %.2f s)",
                 path->n_lambda, path->n_sweeps, path->n_coord, path->n_kkt_fail, grs_wall_seconds() - tf,
                 path->sec_cd, path->sec_grad);
    const int64_t nl = path->n_lambda;

    /* ---- cross-validation on the same λ path */
    int64_t chosen = nl - 1;
    if (!(cvm = (double *)calloc(nl, sizeof(double))) || !(cvsd = (double *)calloc(nl, sizeof(double))) ||
        !(eta = (double *)malloc(n * sizeof(double))))
        goto oom;
    for (int64_t l = 0; l < nl; l++) cvm[l] = cvsd[l] = NAN;
    if (o.folds >= 2) {
        if (n_train < o.folds) { grs_log_error("--folds %d: only %" PRId64 " training samples", o.folds, n_train); goto done; }
        if (!(fold = (int *)malloc(n * sizeof(int))) || !(wk = (double *)malloc(n * sizeof(double))) ||
            !(cv_eta = (double *)malloc(n * nl * sizeof(double))) || !(fold_dev = (double *)calloc(o.folds * nl, sizeof(double))))
            goto oom;
        int64_t *ord = (int64_t *)malloc(n_train * sizeof(int64_t)), m = 0;
        if (!ord) goto oom;
        for (int64_t s = 0; s < n; s++) { fold[s] = -1; if (w[s] > 0) ord[m++] = s; }
        uint64_t st = o.seed;
        for (int64_t i = m - 1; i > 0; i--) {
            int64_t j = (int64_t)(splitmix(&st) % (uint64_t)(i + 1));
            int64_t t = ord[i]; ord[i] = ord[j]; ord[j] = t;
        }
        for (int64_t i = 0; i < m; i++) fold[ord[i]] = (int)(i % o.folds);
        free(ord);
        grs_enet_opts_t fo = eo;
        fo.lambda = path->lambda;
        fo.n_lambda = nl;
        for (int k = 0; k < o.folds; k++) {
            for (int64_t s = 0; s < n; s++) wk[s] = w[s] > 0 && fold[s] != k;
            if (grs_enet_fit(&dd, wk, &fo, &fp) < 0) goto done;
            int64_t nk = 0;
            for (int64_t s = 0; s < n; s++) nk += fold[s] == k;
            for (int64_t l = 0; l < nl; l++) {
                if (grs_enet_predict(&dd, fp, l, eta) < 0) goto oom;
                double dev = 0;
                for (int64_t s = 0; s < n; s++)
                    if (fold[s] == k) { cv_eta[l * n + s] = eta[s]; dev += grs_enet_dev1(eo.family, y[s], eta[s]); }
                fold_dev[k * nl + l] = dev / (double)nk;
            }
            grs_enet_path_destroy(fp); fp = NULL;
            grs_log_info("fold %d/%d done", k + 1, o.folds);
        }
        /* cv.glmnet: fold means weighted by fold size; SE from their spread */
        for (int64_t l = 0; l < nl; l++) {
            double mu = 0, var = 0;
            for (int k = 0; k < o.folds; k++) {
                int64_t nk = 0;
                for (int64_t s = 0; s < n; s++) nk += fold[s] == k;
                mu += fold_dev[k * nl + l] * nk;
            }
            mu /= (double)n_train;
            for (int k = 0; k < o.folds; k++) {
                int64_t nk = 0;
                for (int64_t s = 0; s < n; s++) nk += fold[s] == k;
                var += (fold_dev[k * nl + l] - mu) * (fold_dev[k * nl + l] - mu) * nk;
            }
            cvm[l] = mu;
            cvsd[l] = sqrt(var / (double)n_train / (o.folds - 1));
        }
        int64_t lmin = 0;
        for (int64_t l = 1; l < nl; l++) if (cvm[l] < cvm[lmin]) lmin = l;
        int64_t l1se = lmin;
        for (int64_t l = 0; l <= lmin; l++) if (cvm[l] <= cvm[lmin] + cvsd[lmin]) { l1se = l; break; }
        chosen = o.lambda_rule_1se ? l1se : lmin;
        M.cv_folds = o.folds; M.cv_seed = o.seed; M.lambda_min = path->lambda[lmin]; M.lambda_1se = path->lambda[l1se];
        if (o.binary) {
            platt(cv_eta + chosen * n, y, w, n, &M.platt_a, &M.platt_b);
            M.calibrated = 1;
        }
    } else {
        grs_log_info("no cross-validation (--folds 0): the model is the last lambda of the path");
    }
    M.lambda_rule = o.folds >= 2 ? (o.lambda_rule_1se ? "1se" : "min") : "last";

    /* ---- the model at the chosen λ */
    M.path = path;
    M.chosen = chosen;
    M.binary = o.binary;
    M.alpha = o.alpha;
    M.n_train = n_train;
    M.geno = gm;
    M.vsel = vsel;
    M.n_geno = G;
    M.cvm = cvm; M.cvsd = cvsd;
    M.pheno = o.pheno; M.covar = o.covar; M.pgs = o.pgs; M.omics = o.omics; M.n_omics = o.n_omics;
    M.backend = grs_backend_name(be); M.device = grs_backend_device(be);
    M.argc = argc; M.argv = argv;
    M.pf_geno = o.pf_geno;
    if (grs_model_write_train(&M, o.out, o.export_pgs, y, w, fold, cv_eta) < 0) goto done;
    fprintf(stderr, "[grs train] %" PRId64 " samples, %" PRId64 " features, lambda %g (%s, index %" PRId64 "/%" PRId64
            "), %" PRId64 " nonzero: %s.model.json\n", n_train, G + D, path->lambda[chosen], M.lambda_rule, chosen + 1, nl,
            path->nnz_off[chosen + 1] - path->nnz_off[chosen], o.out);
    grs_cmd_log_end("train", t0);
    ret = 0;
    goto done;
oom:
    grs_log_error("out of memory");
done:
    grs_model_free_features(&M);
    grs_enet_path_destroy(path);
    grs_enet_path_destroy(fp);
    grs_backend_close(be);
    grs_geno_close(gm);
    grs_table_destroy(ph); grs_table_destroy(cv); grs_table_destroy(pg);
    for (int i = 0; i < o.n_omics; i++) { grs_table_destroy(om[i]); free(om_row[i]); }
    free(y); free(w); free(dense); free(user_lambda); free(pf); free(wk); free(cv_eta); free(eta);
    free(cvm); free(cvsd); free(fold_dev); free(ph_row); free(cv_row); free(pg_row); free(vsel);
    free(codes); free(fold);
    (void)base_name;
    return ret;
}
