/* model.c -- write and read the learned-model file (see model.h). */
#include "model.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/hts.h>

#include "grs/log.h"
#include "grs/status.h"
#include "json.h"
#include "shard.h"
#include "util.h"

int grs_model_add_feature(grs_model_t *m, const char *block, const char *name, const char *level, int source, double pf)
{
    if (m->n_features == m->cap) {
        int64_t nc = m->cap ? 2 * m->cap : 64;
        grs_model_feature_t *nf = (grs_model_feature_t *)realloc(m->features, nc * sizeof(*nf));
        if (!nf) return GRS_ENOMEM;
        m->features = nf;
        m->cap = nc;
    }
    grs_model_feature_t *f = &m->features[m->n_features];
    memset(f, 0, sizeof(*f));
    f->block = strdup(block);
    f->name = strdup(name);
    f->level = level ? strdup(level) : NULL;
    f->source = source;
    f->pf = pf;
    if (!f->block || !f->name || (level && !f->level)) { grs_model_feature_free(f); return GRS_ENOMEM; }
    m->n_features++;
    return GRS_OK;
}

void grs_model_feature_free(grs_model_feature_t *f)
{
    free(f->block); free(f->name); free(f->level); free(f->chrom); free(f->ref); free(f->alt); free(f->effect);
    memset(f, 0, sizeof(*f));
}

void grs_model_free_features(grs_model_t *m)
{
    for (int64_t i = 0; i < m->n_features; i++) grs_model_feature_free(&m->features[i]);
    free(m->features);
    m->features = NULL;
    m->n_features = m->cap = 0;
}

/* ---- writing ------------------------------------------------------------------------------ */

/* a genotype feature's display name: its ID, or chrom:pos:ref:alt */
static void geno_name(const grs_variant_t *v, char *buf, size_t n)
{
    if (strcmp(v->id, ".")) snprintf(buf, n, "%s", v->id);
    else snprintf(buf, n, "%s:%" PRId64 ":%s:%s", v->chrom, v->pos, v->ref, v->alt);
}

static void feature_desc(const grs_model_t *m, int64_t j, const char **block, const char **name, const char **level,
                         char *buf, size_t n)
{
    if (j < m->n_geno) {
        geno_name(grs_geno_variant(m->geno, m->vsel[j]), buf, n);
        *block = "geno"; *name = buf; *level = NULL;
    } else {
        const grs_model_feature_t *f = &m->features[j - m->n_geno];
        *block = f->block; *name = f->name; *level = f->level;
    }
}

int grs_model_write_train(const grs_model_t *m, const char *out, const char *export_pgs, const double *y,
                          const double *w, const int *fold, const double *cv_eta)
{
    const grs_enet_path_t *P = m->path;
    const int64_t nl = P->n_lambda, l = m->chosen, n = P->center ? 0 : 0;
    char *fn_json = grs_sprintf("%s.model.json", out), *fn_path = grs_sprintf("%s.path.tsv", out);
    char *fn_lam = grs_sprintf("%s.lambda.tsv", out), *fn_cv = grs_sprintf("%s.cv.tsv", out);
    grs_out_t *oj = NULL, *op = NULL, *ol = NULL, *oc = NULL, *ox = NULL;
    char buf[1024];
    int ret = GRS_EIO;
    (void)n;
    if (!fn_json || !fn_path || !fn_lam || !fn_cv) { ret = GRS_ENOMEM; goto done; }

    /* MODEL.path.tsv: every nonzero coefficient along the path */
    if (!(op = grs_out_open(fn_path, 0))) goto done;
    grs_out_printf(op, "lambda_index\tlambda\tblock\tfeature\tlevel\tbeta\tbeta_std\n");
    for (int64_t k = 0; k < nl; k++) {
        char lam[64];   /* "index\tlambda", formatted once per λ */
        snprintf(lam, sizeof(lam), "%" PRId64 "\t%.17g", k + 1, P->lambda[k]);
        grs_out_printf(op, "%s\t(intercept)\t(intercept)\t.\t%.17g\t%.17g\n", lam, P->a0[k], P->a0_std[k]);
        for (int64_t q = P->nnz_off[k]; q < P->nnz_off[k + 1]; q++) {
            const char *blk, *nm, *lv;
            feature_desc(m, P->idx[q], &blk, &nm, &lv, buf, sizeof(buf));
            grs_out_printf(op, "%s\t%s\t%s\t%s\t%.17g\t%.17g\n", lam, blk, nm, lv ? lv : ".",
                           grs_enet_beta(P, q), P->beta_std[q]);
        }
    }
    /* MODEL.lambda.tsv */
    if (!(ol = grs_out_open(fn_lam, 0))) goto done;
    grs_out_printf(ol, "lambda_index\tlambda\tdf\tdev_ratio\tdeviance\tobjective\tcv_mean\tcv_se\n");
    for (int64_t k = 0; k < nl; k++)
        grs_out_printf(ol, "%" PRId64 "\t%.17g\t%" PRId64 "\t%.17g\t%.17g\t%.17g\t%.10g\t%.10g\n", k + 1, P->lambda[k],
                       P->nnz_off[k + 1] - P->nnz_off[k], P->dev_ratio[k], P->deviance[k], P->objective[k],
                       m->cvm[k], m->cvsd[k]);
    /* MODEL.cv.tsv: held-out linear predictor at the chosen λ */
    if (cv_eta) {
        if (!(oc = grs_out_open(fn_cv, 0))) goto done;
        grs_out_printf(oc, "IID\tfold\ty\tcv_lp\n");
        const int64_t ns = m->geno ? grs_geno_n_samples(m->geno) : 0;
        for (int64_t s = 0; s < ns; s++)
            if (w[s] > 0) grs_out_printf(oc, "%s\t%d\t%g\t%.10g\n", grs_geno_sample(m->geno, s)->iid, fold[s] + 1, y[s], cv_eta[l * ns + s]);
    }
    /* the PGS Catalog export of the genotype part */
    if (export_pgs) {
        if (!(ox = grs_out_open(export_pgs, 0))) goto done;
        int64_t cnt = 0;
        for (int64_t q = P->nnz_off[l]; q < P->nnz_off[l + 1]; q++) cnt += P->idx[q] < m->n_geno;
        grs_out_printf(ox, "###PGS CATALOG SCORING FILE - see https://www.pgscatalog.org/downloads/#dl_ftp_scoring for additional information\n"
                           "#format_version=2.0\n##POS_INFO\n#pgs_name=%s\n#trait_reported=%s\n"
                           "#genome_build=%s\n#variants_number=%" PRId64 "\n#weight_type=beta\n"
                           "##SOURCE: grs train " GRS_VERSION ", elastic net alpha=%g lambda=%g\n"
                           "rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n",
                       strrchr(out, '/') ? strrchr(out, '/') + 1 : out, m->pheno,
                       m->geno && grs_geno_meta(m->geno, "build") ? grs_geno_meta(m->geno, "build") : "NR", cnt, m->alpha, P->lambda[l]);
        for (int64_t q = P->nnz_off[l]; q < P->nnz_off[l + 1]; q++) {
            if (P->idx[q] >= m->n_geno) continue;
            const grs_variant_t *v = grs_geno_variant(m->geno, m->vsel[P->idx[q]]);
            grs_out_printf(ox, "%s\t%s\t%" PRId64 "\t%s\t%s\t%.10g\n", strcmp(v->id, ".") ? v->id : "", v->chrom, v->pos, v->alt,
                           v->ref, grs_enet_beta(P, q));
        }
    }
    /* MODEL.model.json */
    if (!(oj = grs_out_open(fn_json, 0))) goto done;
    {
        grs_json_t j;
        char when[32], *cl = grs_cmdline(m->argc, m->argv), *full = grs_sprintf("grs %s", cl ? cl : "");
        grs_iso_time(when, sizeof(when));
        grs_json_begin(&j, oj);
        grs_json_str(&j, "format", "grs-model");
        grs_json_int(&j, "version", 1);
        grs_json_str(&j, "tool", "grs " GRS_VERSION " (" GRS_GIT ")");
        grs_json_str(&j, "command", full);
        free(cl); free(full);
        grs_json_str(&j, "created", when);
        grs_json_str(&j, "backend", m->backend);
        grs_json_str(&j, "device", m->device);
        grs_json_str(&j, "trait", m->binary ? "binary" : "quantitative");
        grs_json_str(&j, "family", m->binary ? "binomial" : "gaussian");
        grs_json_num(&j, "alpha", m->alpha);
        grs_json_num(&j, "lambda", P->lambda[l]);
        grs_json_int(&j, "lambda_index", l + 1);
        grs_json_str(&j, "lambda_rule", m->lambda_rule);
        grs_json_num(&j, "intercept", P->a0[l]);
        if (m->calibrated) {
            grs_json_obj(&j, "calibration");
            grs_json_str(&j, "method", "platt");
            grs_json_num(&j, "a", m->platt_a);
            grs_json_num(&j, "b", m->platt_b);
            grs_json_close(&j, '}');
        } else {
            grs_json_str(&j, "calibration", NULL);
        }
        grs_json_obj(&j, "training");
        grs_json_int(&j, "n_samples", m->n_train);
        if (m->binary) grs_json_int(&j, "n_cases", m->n_cases);
        grs_json_int(&j, "n_features", P->n_features);
        grs_json_int(&j, "n_genotype_features", m->n_geno);
        grs_json_arr(&j, "inputs");
        {
            const char *blk[4] = { "pheno", "covar", "pgs", "geno" };
            const char *pth[4] = { m->pheno, m->covar, m->pgs, m->geno ? grs_geno_path(m->geno) : NULL };
            for (int i = 0; i < 4 + m->n_omics; i++) {
                char ob[32];
                const char *b = i < 4 ? blk[i] : (snprintf(ob, sizeof(ob), "omics%d", i - 3), ob);
                const char *p = i < 4 ? pth[i] : m->omics[i - 4];
                if (!p) continue;
                char *fpp = grs_file_fingerprint(p);
                grs_json_obj(&j, NULL);
                grs_json_str(&j, "block", b);
                grs_json_str(&j, "path", p);
                grs_json_str(&j, "fingerprint", fpp);
                if (i == 3) grs_json_str(&j, "matrix_fingerprint", grs_geno_meta(m->geno, "input_fingerprint"));
                free(fpp);
                grs_json_close(&j, '}');
            }
        }
        grs_json_close(&j, ']');
        grs_json_close(&j, '}');
        if (m->cv_folds) {
            grs_json_obj(&j, "cv");
            grs_json_int(&j, "folds", m->cv_folds);
            grs_json_int(&j, "seed", (int64_t)m->cv_seed);
            grs_json_num(&j, "lambda_min", m->lambda_min);
            grs_json_num(&j, "lambda_1se", m->lambda_1se);
            grs_json_close(&j, '}');
        } else {
            grs_json_str(&j, "cv", NULL);
        }
        grs_json_obj(&j, "path");
        grs_json_arr(&j, "lambda");
        for (int64_t k = 0; k < nl; k++) grs_json_num(&j, NULL, P->lambda[k]);
        grs_json_close(&j, ']');
        grs_json_arr(&j, "df");
        for (int64_t k = 0; k < nl; k++) grs_json_int(&j, NULL, P->nnz_off[k + 1] - P->nnz_off[k]);
        grs_json_close(&j, ']');
        grs_json_arr(&j, "dev_ratio");
        for (int64_t k = 0; k < nl; k++) grs_json_num(&j, NULL, P->dev_ratio[k]);
        grs_json_close(&j, ']');
        grs_json_arr(&j, "objective");
        for (int64_t k = 0; k < nl; k++) grs_json_num(&j, NULL, P->objective[k]);
        grs_json_close(&j, ']');
        grs_json_arr(&j, "cv_mean");
        for (int64_t k = 0; k < nl; k++) grs_json_num(&j, NULL, m->cvm[k]);
        grs_json_close(&j, ']');
        grs_json_arr(&j, "cv_se");
        for (int64_t k = 0; k < nl; k++) grs_json_num(&j, NULL, m->cvsd[k]);
        grs_json_close(&j, ']');
        grs_json_close(&j, '}');
        grs_json_arr(&j, "features");
        for (int64_t q = P->nnz_off[l]; q < P->nnz_off[l + 1]; q++) {
            int64_t fj = P->idx[q];
            grs_json_obj(&j, NULL);
            if (fj < m->n_geno) {
                const grs_variant_t *v = grs_geno_variant(m->geno, m->vsel[fj]);
                geno_name(v, buf, sizeof(buf));
                grs_json_str(&j, "block", "geno");
                grs_json_str(&j, "name", buf);
                grs_json_str(&j, "chrom", v->chrom);
                grs_json_int(&j, "pos", v->pos);
                grs_json_str(&j, "ref", v->ref);
                grs_json_str(&j, "alt", v->alt);
                grs_json_str(&j, "effect_allele", v->alt);
            } else {
                const grs_model_feature_t *f = &m->features[fj - m->n_geno];
                grs_json_str(&j, "block", f->block);
                grs_json_str(&j, "name", f->name);
                if (f->level) grs_json_str(&j, "level", f->level);
                if (!strncmp(f->block, "omics", 5)) grs_json_int(&j, "source", f->source + 1);
            }
            grs_json_num(&j, "center", P->center[fj]);
            grs_json_num(&j, "scale", P->scale[fj]);
            grs_json_num(&j, "beta", grs_enet_beta(P, q));
            grs_json_num(&j, "beta_std", P->beta_std[q]);
            grs_json_close(&j, '}');
        }
        grs_json_close(&j, ']');
        grs_json_end(&j);
    }
    ret = GRS_OK;
done:
    if (ret == GRS_ENOMEM) grs_log_error("out of memory");
    {
        /* commit everything or nothing */
        grs_out_t *all[5] = { op, ol, oc, ox, oj };
        const char *names[5] = { fn_path, fn_lam, fn_cv, export_pgs, fn_json };
        int committed[5] = { 0, 0, 0, 0, 0 };
        for (int i = 0; i < 5; i++) {
            if (!all[i]) continue;
            if (ret == GRS_OK) {
                if (grs_out_close(all[i], 1) < 0) ret = GRS_EIO;
                else committed[i] = 1;
            } else grs_out_close(all[i], 0);
        }
        if (ret != GRS_OK)
            for (int i = 0; i < 5; i++) if (committed[i]) unlink(names[i]);
    }
    free(fn_json); free(fn_path); free(fn_lam); free(fn_cv);
    return ret;
}

/* ---- reading (JSON through shard.h's grs_jv_read) ----------------------------------------- */
typedef grs_jv_t jv_t;

static const jv_t *jget(const jv_t *o, const char *key)
{
    return o && o->type == GRS_JV_OBJ ? grs_jv_get(o, key) : NULL;
}

static double jnum(const jv_t *o, const char *key, double dflt)
{
    const jv_t *v = jget(o, key);
    return v && v->type == GRS_JV_NUM ? v->num : dflt;
}

static char *jstrdup(const jv_t *o, const char *key)
{
    const jv_t *v = jget(o, key);
    return v && v->type == GRS_JV_STR ? strdup(v->str) : NULL;
}

void grs_model_read_destroy(grs_model_read_t *m)
{
    if (!m) return;
    for (int64_t i = 0; i < m->n_features; i++) grs_model_feature_free(&m->features[i]);
    free(m->features);
    free(m->path);
    free(m);
}

int grs_model_read(const char *fn0, grs_model_read_t **out)
{
    size_t l0 = strlen(fn0);
    char *fn = l0 > 5 && !strcmp(fn0 + l0 - 5, ".json") ? strdup(fn0) : grs_sprintf("%s.model.json", fn0);
    grs_model_read_t *m = NULL;
    jv_t *root = NULL;
    int ret = GRS_EFORMAT;
    *out = NULL;
    if (!fn) return GRS_ENOMEM;
    if ((ret = grs_jv_read(fn, &root)) < 0) { free(fn); return ret; }   /* logged: file and line */
    ret = GRS_EFORMAT;
    if (root->type != GRS_JV_OBJ) { grs_log_error("'%s': not a JSON object", fn); goto fail; }
    const jv_t *fmt = jget(root, "format");
    if (!fmt || fmt->type != GRS_JV_STR || strcmp(fmt->str, "grs-model")) { grs_log_error("'%s': not a grs model (no \"format\": \"grs-model\")", fn); goto fail; }
    double ver = jnum(root, "version", -1);
    if (ver != 1) {
        grs_log_error("'%s': model format version %g; this grs reads version 1", fn, ver);
        ret = GRS_EUNSUPPORTED;
        goto fail;
    }
    if (!(m = (grs_model_read_t *)calloc(1, sizeof(*m))) || !(m->path = strdup(fn))) { ret = GRS_ENOMEM; goto fail; }
    const jv_t *trait = jget(root, "trait");
    m->binary = trait && trait->type == GRS_JV_STR && !strcmp(trait->str, "binary");
    m->intercept = jnum(root, "intercept", NAN);
    m->lambda = jnum(root, "lambda", NAN);
    m->alpha = jnum(root, "alpha", NAN);
    m->n_train = (int64_t)jnum(jget(root, "training"), "n_samples", 0);
    if (isnan(m->intercept)) { grs_log_error("'%s': no intercept", fn); goto fail; }
    const jv_t *cal = jget(root, "calibration");
    if (cal && cal->type == GRS_JV_OBJ) {
        m->calibrated = 1;
        m->platt_a = jnum(cal, "a", NAN);
        m->platt_b = jnum(cal, "b", NAN);
    }
    const jv_t *feat = jget(root, "features");
    if (!feat || feat->type != GRS_JV_ARR) { grs_log_error("'%s': no features array", fn); goto fail; }
    if (!(m->features = (grs_model_feature_t *)calloc(feat->n + 1, sizeof(grs_model_feature_t)))) { ret = GRS_ENOMEM; goto fail; }
    for (int64_t i = 0; i < feat->n; i++) {
        const jv_t *f = &feat->items[i];
        grs_model_feature_t *g = &m->features[i];
        m->n_features++;
        g->block = jstrdup(f, "block");
        g->name = jstrdup(f, "name");
        g->level = jstrdup(f, "level");
        g->chrom = jstrdup(f, "chrom");
        g->ref = jstrdup(f, "ref");
        g->alt = jstrdup(f, "alt");
        g->effect = jstrdup(f, "effect_allele");
        g->pos = (int64_t)jnum(f, "pos", -1);
        g->source = (int)jnum(f, "source", 0) - 1;
        g->center = jnum(f, "center", NAN);
        g->scale = jnum(f, "scale", NAN);
        g->beta = jnum(f, "beta", NAN);
        if (!g->block || !g->name || isnan(g->center) || isnan(g->beta) ||
            (!strcmp(g->block, "geno") && (!g->chrom || !g->ref || !g->alt || g->pos < 0))) {
            grs_log_error("'%s': feature %" PRId64 " is incomplete (block, name, center, beta; chrom/pos/ref/alt for genotypes)", fn, i + 1);
            goto fail;
        }
    }
    *out = m;
    m = NULL;
    ret = GRS_OK;
fail:
    grs_jv_free(root);
    grs_model_read_destroy(m);
    free(fn);
    return ret;
}
