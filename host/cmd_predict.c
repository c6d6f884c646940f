/* cmd_predict.c -- grs predict: apply a model from grs train to new samples.
 *
 * Per sample: the linear predictor lp = intercept + Σ β·x, the risk (binary traits: Platt-
 * calibrated when the model has a calibration, else the logistic of lp), the contribution of
 * each block, β·(x - training mean), and with --explain N the N features of largest
 * |contribution|. Genotype features are matched to the target variants by chrom:pos and
 * alleles (REF/ALT swapped: the dosage is flipped); a feature that is absent, or a missing
 * value, takes the training mean (it contributes 0), and the coverage of every block is
 * reported. Outputs PREFIX.predict.tsv and PREFIX.predict.json, written atomically. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "grs/geno.h"
#include "grs/log.h"
#include "grs/status.h"
#include "json.h"
#include "model.h"
#include "omics.h"
#include "store.h"
#include "util.h"

#define MAX_OMICS 64
#define MAX_BLOCKS 80

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: grs predict --model MODEL [--geno PREFIX] [--omics F ...] [--covar F] [--pgs F] --out PREFIX\n"
"Apply a model from grs train: linear predictor, risk, per-block contributions.\n\n"
"  --model M       MODEL.model.json (or its prefix MODEL)\n"
"  --geno PREFIX   packed genotypes PREFIX.grsm\n"
"  --omics F       omics tables, in the order given to grs train\n"
"  --covar F       covariates     --pgs F  .sscore with the model's PGS columns\n"
"  --explain N     list the N features with the largest |contribution| per sample [0]\n"
"  --out PREFIX    PREFIX.predict.tsv and PREFIX.predict.json\n"
"  --db F.sqlite   also add the predictions to this results store (grs query)\n"
"  -v N            verbosity 0..6 [3]     -h, --help\n");
}

static const char *strip_chr(const char *c) { return !strncmp(c, "chr", 3) ? c + 3 : c; }

typedef struct { int64_t f; double c; } fc_t;
static int cmp_fc(const void *a, const void *b)
{
    double x = fabs(((const fc_t *)a)->c), y = fabs(((const fc_t *)b)->c);
    return x < y ? 1 : x > y ? -1 : (((const fc_t *)a)->f > ((const fc_t *)b)->f) - (((const fc_t *)a)->f < ((const fc_t *)b)->f);
}

int main_predict(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "model", required_argument, NULL, 1 }, { "geno", required_argument, NULL, 2 },
        { "omics", required_argument, NULL, 3 }, { "covar", required_argument, NULL, 4 },
        { "pgs", required_argument, NULL, 5 }, { "explain", required_argument, NULL, 6 },
        { "db", required_argument, NULL, 7 },
        { "out", required_argument, NULL, 'o' }, { "threads", required_argument, NULL, 't' },
        { "verbosity", required_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    char *db_fn = NULL;
    char *model_fn = NULL, *geno_fn = NULL, *covar_fn = NULL, *pgs_fn = NULL, *out = NULL, *omics_fn[MAX_OMICS];
    int n_omics = 0, c, ret = 1;
    int64_t explain = 0, k;
    double t0 = grs_wall_seconds();
    grs_model_read_t *M = NULL;
    grs_geno_t *gm = NULL;
    grs_table_t *cv = NULL, *pg = NULL, *om[MAX_OMICS] = { NULL };
    grs_out_t *ot = NULL, *oj = NULL;
    char *fn_tsv = NULL, *fn_json = NULL;
    int64_t *vidx = NULL, *col = NULL, n = 0;
    int *flip = NULL, *blk = NULL;
    double *contrib = NULL, *x = NULL;
    char *blocks[MAX_BLOCKS]; int n_blocks = 0;
    int64_t cov_total[MAX_BLOCKS] = { 0 }, cov_found[MAX_BLOCKS] = { 0 };
    fc_t *fc = NULL;

    while ((c = getopt_long(argc, argv, "o:t:v:h", lopts, NULL)) >= 0) {
        switch (c) {
        case 1: model_fn = optarg; break;
        case 2: geno_fn = optarg; break;
        case 3:
            if (n_omics == MAX_OMICS) { grs_log_error("at most %d --omics files", MAX_OMICS); return 2; }
            omics_fn[n_omics++] = optarg; break;
        case 4: covar_fn = optarg; break;
        case 5: pgs_fn = optarg; break;
        case 6:
            if (grs_parse_int64(optarg, &explain) < 0 || explain < 0) { grs_log_error("--explain must be >= 0"); return 2; }
            break;
        case 7: db_fn = optarg; break;
        case 'o': out = optarg; break;
        case 't': break;
        case 'v':
            if (grs_parse_int64(optarg, &k) < 0 || k < 0 || k > 6) { grs_log_error("-v must be 0..6"); return 2; }
            grs_cmd_set_verbosity((int)k); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || !model_fn || !out) {
        grs_log_error(optind < argc ? "unexpected argument" : "--model and --out are required");
        usage(stderr);
        return 2;
    }
    grs_cmd_log_start(argc, argv);
    if (grs_model_read(model_fn, &M) < 0) goto done;
    const int64_t F = M->n_features;
    if (!(vidx = (int64_t *)malloc((F + 1) * sizeof(int64_t))) || !(col = (int64_t *)malloc((F + 1) * sizeof(int64_t))) ||
        !(flip = (int *)calloc(F + 1, sizeof(int))) || !(blk = (int *)calloc(F + 1, sizeof(int))))
        goto oom;
    int need_geno = 0, need_cov = 0, need_pgs = 0, need_om = 0;
    for (int64_t f = 0; f < F; f++) {
        const char *b = M->features[f].block;
        need_geno |= !strcmp(b, "geno"); need_cov |= !strcmp(b, "covar"); need_pgs |= !strcmp(b, "pgs");
        if (!strncmp(b, "omics", 5) && M->features[f].source + 1 > need_om) need_om = M->features[f].source + 1;
        int q = 0;
        while (q < n_blocks && strcmp(blocks[q], b)) q++;
        if (q == n_blocks) {
            if (n_blocks == MAX_BLOCKS) { grs_log_error("'%s': too many blocks", M->path); goto done; }
            blocks[n_blocks++] = M->features[f].block;
        }
        blk[f] = q;
        cov_total[q]++;
    }
    if (need_geno && !geno_fn) { grs_log_error("the model has genotype features: give --geno"); goto done; }
    if (need_cov && !covar_fn) { grs_log_error("the model has covariates: give --covar"); goto done; }
    if (need_pgs && !pgs_fn) { grs_log_error("the model has PGS features: give --pgs"); goto done; }
    if (n_omics < need_om) { grs_log_error("the model uses %d --omics files, %d given", need_om, n_omics); goto done; }
    if (geno_fn) {
        char *fn = grs_sprintf("%s.grsm", geno_fn);
        int st = fn ? grs_geno_open(fn, 0, &gm) : GRS_ENOMEM;
        free(fn);
        if (st < 0) goto done;
    }
    if (covar_fn && grs_table_read(covar_fn, GRS_TABLE_STRINGS | GRS_TABLE_MINUS9_NA, &cv) < 0) goto done;
    if (pgs_fn && grs_table_read(pgs_fn, 0, &pg) < 0) goto done;
    for (int i = 0; i < n_omics; i++)
        if (grs_table_read(omics_fn[i], 0, &om[i]) < 0) goto done;

    /* ---- match features */
    for (int64_t f = 0; f < F; f++) {
        grs_model_feature_t *g = &M->features[f];
        vidx[f] = col[f] = -1;
        if (!strcmp(g->block, "geno")) {
            /* linear scan is fine for model sizes; the variant table is sorted by the source */
            int64_t nv = grs_geno_n_variants(gm);
            for (int64_t v = 0; v < nv && vidx[f] < 0; v++) {
                const grs_variant_t *t = grs_geno_variant(gm, v);
                if (t->pos != g->pos || strcmp(strip_chr(t->chrom), strip_chr(g->chrom))) continue;
                if (!strcmp(t->ref, g->ref) && !strcmp(t->alt, g->alt)) { vidx[f] = v; flip[f] = 0; }
                else if (!strcmp(t->ref, g->alt) && !strcmp(t->alt, g->ref)) { vidx[f] = v; flip[f] = 1; }
            }
            if (vidx[f] >= 0) cov_found[blk[f]]++;
        } else {
            grs_table_t *t = !strcmp(g->block, "covar") ? cv : !strcmp(g->block, "pgs") ? pg : om[g->source];
            col[f] = grs_table_col(t, g->name);
            if (col[f] >= 0) cov_found[blk[f]]++;
            else grs_log_warning("'%s': no column '%s' (model feature, block %s): it takes its training mean", t->path, g->name, g->block);
        }
    }
    for (int q = 0; q < n_blocks; q++)
        grs_log_info("block %s: %" PRId64 "/%" PRId64 " model features found", blocks[q], cov_found[q], cov_total[q]);

    /* ---- samples */
    n = gm ? grs_geno_n_samples(gm) : cv ? cv->n_rows : pg ? pg->n_rows : n_omics ? om[0]->n_rows : 0;
    if (n == 0) { grs_log_error("no samples: give --geno or the model's tables"); goto done; }
    if (!(contrib = (double *)calloc(n * n_blocks + 1, sizeof(double))) || !(x = (double *)malloc(n * sizeof(double))) ||
        !(fc = (fc_t *)malloc((F + 1) * sizeof(fc_t))))
        goto oom;
    double *fcontrib = NULL;
    if (explain && !(fcontrib = (double *)calloc(n * F + 1, sizeof(double)))) goto oom;
    char **iids = (char **)malloc(n * sizeof(char *));
    if (!iids) { free(fcontrib); goto oom; }
    for (int64_t s = 0; s < n; s++)
        iids[s] = gm ? (char *)grs_geno_sample(gm, s)->iid : cv ? cv->iid[s] : pg ? pg->iid[s] : om[0]->iid[s];
    double base = M->intercept;
    for (int64_t f = 0; f < F; f++) base += M->features[f].beta * M->features[f].center;
    for (int64_t f = 0; f < F; f++) {
        grs_model_feature_t *g = &M->features[f];
        for (int64_t s = 0; s < n; s++) x[s] = g->center;
        if (vidx[f] >= 0) {
            const uint32_t *row = grs_geno_row(gm, vidx[f]);
            for (int64_t s = 0; s < n; s++) {
                uint32_t code = grs_geno_code(row, s);
                if (code != GRS_GENO_MISSING) x[s] = flip[f] ? 2.0 - code : (double)code;
            }
        } else if (col[f] >= 0) {
            grs_table_t *t = !strcmp(g->block, "covar") ? cv : !strcmp(g->block, "pgs") ? pg : om[g->source];
            for (int64_t s = 0; s < n; s++) {
                int64_t r = grs_table_find(t, iids[s]);
                if (r < 0) continue;
                if (g->level) {
                    const char *cell = t->str[r * t->n_cols + col[f]];
                    if (!grs_table_is_na(cell, GRS_TABLE_MINUS9_NA)) x[s] = !strcmp(cell, g->level);
                } else if (!isnan(t->x[col[f] * t->n_rows + r])) x[s] = t->x[col[f] * t->n_rows + r];
            }
        }
        for (int64_t s = 0; s < n; s++) {
            double cf = g->beta * (x[s] - g->center);
            contrib[s * n_blocks + blk[f]] += cf;
            if (fcontrib) fcontrib[s * F + f] = cf;
        }
    }

    /* ---- outputs */
    fn_tsv = grs_sprintf("%s.predict.tsv", out);
    fn_json = grs_sprintf("%s.predict.json", out);
    if (!fn_tsv || !fn_json) { free(fcontrib); free(iids); goto oom; }
    if (!(ot = grs_out_open(fn_tsv, 0))) { free(fcontrib); free(iids); goto done; }
    grs_out_printf(ot, "IID\tlp%s", M->binary ? "\trisk" : "");
    for (int q = 0; q < n_blocks; q++) grs_out_printf(ot, "\tcontrib_%s", blocks[q]);
    if (explain) grs_out_printf(ot, "\ttop_features");
    grs_out_printf(ot, "\n");
    double sum_lp = 0;
    for (int64_t s = 0; s < n; s++) {
        double lp = base;
        for (int q = 0; q < n_blocks; q++) lp += contrib[s * n_blocks + q];
        sum_lp += lp;
        grs_out_printf(ot, "%s\t%.10g", iids[s], lp);
        if (M->binary) {
            double z = M->calibrated ? M->platt_a + M->platt_b * lp : lp;
            grs_out_printf(ot, "\t%.6g", 1 / (1 + exp(-z)));
        }
        for (int q = 0; q < n_blocks; q++) grs_out_printf(ot, "\t%.6g", contrib[s * n_blocks + q]);
        if (explain) {
            for (int64_t f = 0; f < F; f++) { fc[f].f = f; fc[f].c = fcontrib[s * F + f]; }
            qsort(fc, F, sizeof(fc_t), cmp_fc);
            grs_out_printf(ot, "\t");
            for (int64_t i = 0; i < explain && i < F; i++) {
                const grs_model_feature_t *g = &M->features[fc[i].f];
                grs_out_printf(ot, "%s%s:%s%s%s=%.4g", i ? ";" : "", g->block, g->name, g->level ? "=" : "",
                               g->level ? g->level : "", fc[i].c);
            }
        }
        grs_out_printf(ot, "\n");
    }
    free(fcontrib);
    free(iids);
    if (!(oj = grs_out_open(fn_json, 0))) goto done;
    {
        grs_json_t j;
        char *cl = grs_cmdline(argc, argv), *full = grs_sprintf("grs %s", cl ? cl : "");
        grs_json_begin(&j, oj);
        grs_json_str(&j, "tool", "grs " GRS_VERSION " (" GRS_GIT ")");
        grs_json_str(&j, "command", full);
        free(cl); free(full);
        grs_json_str(&j, "model", M->path);
        grs_json_str(&j, "trait", M->binary ? "binary" : "quantitative");
        grs_json_bool(&j, "calibrated", M->calibrated);
        grs_json_int(&j, "samples", n);
        grs_json_num(&j, "mean_lp", sum_lp / (double)n);
        grs_json_arr(&j, "coverage");
        for (int q = 0; q < n_blocks; q++) {
            grs_json_obj(&j, NULL);
            grs_json_str(&j, "block", blocks[q]);
            grs_json_int(&j, "model_features", cov_total[q]);
            grs_json_int(&j, "found", cov_found[q]);
            grs_json_num(&j, "fraction", cov_total[q] ? (double)cov_found[q] / cov_total[q] : 1.0);
            grs_json_close(&j, '}');
        }
        grs_json_close(&j, ']');
        grs_json_num(&j, "seconds", grs_wall_seconds() - t0);
        grs_json_end(&j);
    }
    if (grs_out_close(ot, 1) < 0) { ot = NULL; goto done; }
    ot = NULL;
    if (grs_out_close(oj, 1) < 0) { oj = NULL; unlink(fn_tsv); goto done; }
    oj = NULL;
    if (db_fn) {
        /* the committed outputs go to the store as one run; the files stay if this fails */
        char *cl = grs_cmdline(argc, argv), *full = grs_sprintf("grs %s", cl ? cl : "");
        grs_store_inputs_t si = { .predict_tsv = fn_tsv, .command = full, .kind = "predict" };
        int st = grs_store_ingest(db_fn, &si);
        free(cl); free(full);
        if (st < 0) goto done;
    }
    fprintf(stderr, "[grs predict] %" PRId64 " samples, %" PRId64 " model features: %s\n", n, F, fn_tsv);
    grs_cmd_log_end("predict", t0);
    ret = 0;
    goto done;
oom:
    grs_log_error("out of memory");
done:
    grs_out_close(ot, 0);
    grs_out_close(oj, 0);
    free(fn_tsv); free(fn_json);
    grs_model_read_destroy(M);
    grs_geno_close(gm);
    grs_table_destroy(cv); grs_table_destroy(pg);
    for (int i = 0; i < n_omics; i++) grs_table_destroy(om[i]);
    free(vidx); free(col); free(flip); free(blk); free(contrib); free(x); free(fc);
    return ret;
}
