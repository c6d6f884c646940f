/* cmd_query.c -- grs query (one patient's risk from a results store) and grs store (add existing
 * outputs to a store). See store.h for the store's layout.
 *
 * For one sample and each score: the raw score, its percentile and Z in the most similar
 * reference population (flagged when that assignment is low-confidence), Z_norm1 and Z_norm2, a
 * risk category from the percentile, the odds ratio relative to the population average
 * (OR_per_SD ^ Z, when a grs report supplied the OR per SD), the percentile's sampling interval
 * (95% Wilson interval on the patient's rank among the n reference individuals), the patient's
 * coverage, and every stored model prediction with its block contributions and top features.
 * --explain N recomputes the patient's per-variant contributions from the score run's files.
 * The output holds only that patient's values (plus summaries of the reference distribution). */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cmds.h"
#include "grs/log.h"
#include "grs/status.h"
#include "html.h"
#include "json.h"
#include "stats.h"
#include "store.h"
#include "util.h"

#define QUERY_SCHEMA_VERSION 1      /* "schema_version" of the JSON answer */
#define MAX_QSCORES 1024

/* risk categories from the percentile (0-100) in the most similar population, first match wins */
static const struct { const char *label; int top; double cut; } categories[] = {
    { "top 1%", 1, 99 }, { "top 5%", 1, 95 }, { "top 10%", 1, 90 }, { "top 20%", 1, 80 },
    { "bottom 1%", 0, 1 }, { "bottom 5%", 0, 5 }, { "bottom 10%", 0, 10 }, { "bottom 20%", 0, 20 },
};
static const char *const category_rule =
    "percentile in the most similar reference population: top 1% >= 99; top 5% >= 95; top 10% >= 90; "
    "top 20% >= 80; middle 20 to 80; bottom 20% < 20; bottom 10% < 10; bottom 5% < 5; bottom 1% < 1";
static const char *const pct_interval_covers =
    "sampling uncertainty of the percentile from the finite reference sample: 95% Wilson interval on "
    "the patient's rank among the n reference individuals of that population";
static const char *const geno_var_note =
    "with --explain: the variance of the imputed part of the score, the sum over the patient's missing "
    "calls of w^2*2p(1-p) (p: effect allele frequency in the scored cohort), recomputed from the run's "
    "genotype, scoring and match files; without --explain: not computed (the store keeps no per-variant data)";
static const char *const explain_note =
    "with --explain N: the N variants of largest |weight x dosage| for this patient, recomputed from the "
    "files recorded in the score run's summary (.grsm or VCF hard calls, PGS Catalog scoring files)";

typedef struct {
    char *name;
    int64_t score_run, norm_run, meta_run, report_run;   /* -1: none */
    double raw, avg, allele_ct, denom, coverage;
    char *dataset, *pop;
    int low_conf;                                        /* -1 unknown */
    double norm_raw, pct, z, z1, z2;
    int64_t ref_n;
    double ref_mean, ref_sd, ref_min, ref_max;
    char *pgs_id, *pgs_name, *trait, *cohort_col, *or_trait;
    int64_t n_total, n_matched, cohort_n;
    double or_sd, or_lo, or_hi, auc, cohort_mean, cohort_sd;
    grs_store_explain_t ex;        /* --explain */
    int explained;                 /* 1: ex filled; -1: tried and failed (ex_note says why) */
    const char *ex_note;
    /* derived */
    const char *category;
    double pct_lo, pct_hi, z_or, odds, odds_lo, odds_hi;
    const char *z_or_source;
} qscore_t;

typedef struct {
    char *model, *trait, *contrib, *top;
    int64_t run;
    int calibrated;
    double lp, risk;
} qpred_t;

typedef struct {
    const char *db_path, *sample;
    char *fid;
    int64_t anc_run;
    char *anc_pop, *anc_pcs, *anc_p;
    int anc_low;
    qscore_t *sc;
    int n_sc;
    qpred_t *pr;
    int n_pr;
    int64_t runs[4 * MAX_QSCORES + 64];
    int n_runs;
} query_t;

static char *col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? strdup((const char *)s) : NULL;
}
static double col_num(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}
static int64_t col_int(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

static void add_run(query_t *q, int64_t r)
{
    if (r < 0) return;
    for (int i = 0; i < q->n_runs; i++) if (q->runs[i] == r) return;
    if (q->n_runs < (int)(sizeof(q->runs) / sizeof(q->runs[0]))) q->runs[q->n_runs++] = r;
}

static void query_free(query_t *q)
{
    for (int k = 0; k < q->n_sc; k++) {
        qscore_t *s = &q->sc[k];
        free(s->name); free(s->dataset); free(s->pop); free(s->pgs_id); free(s->pgs_name);
        free(s->trait); free(s->cohort_col); free(s->or_trait);
        grs_store_explain_free(&s->ex);
    }
    for (int k = 0; k < q->n_pr; k++) {
        free(q->pr[k].model); free(q->pr[k].trait); free(q->pr[k].contrib); free(q->pr[k].top);
    }
    free(q->sc); free(q->pr); free(q->fid); free(q->anc_pop); free(q->anc_pcs); free(q->anc_p);
}

/* prepare, bind sample/score/run, step once: SQLITE_ROW, SQLITE_DONE or an error (logged) */
static int one_row(sqlite3 *db, const char *path, const char *sql, const char *a, const char *b, int64_t run,
                   sqlite3_stmt **st)
{
    int r;
    sqlite3_finalize(*st);
    *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        grs_log_error("'%s': %s", path, sqlite3_errmsg(db));
        return SQLITE_ERROR;
    }
    int np = sqlite3_bind_parameter_count(*st);
    if (np >= 1) sqlite3_bind_text(*st, 1, a, -1, SQLITE_STATIC);
    if (np >= 2) sqlite3_bind_text(*st, 2, b, -1, SQLITE_STATIC);
    if (np >= 3) sqlite3_bind_int64(*st, 3, run);
    r = sqlite3_step(*st);
    if (r != SQLITE_ROW && r != SQLITE_DONE) grs_log_error("'%s': %s", path, sqlite3_errmsg(db));
    return r;
}

static void derive(qscore_t *s)
{
    s->category = NULL;
    if (!isnan(s->pct)) {
        s->category = "middle";
        for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
            if (categories[i].top ? s->pct >= categories[i].cut : s->pct < categories[i].cut) {
                s->category = categories[i].label;
                break;
            }
    }
    s->pct_lo = s->pct_hi = NAN;
    if (!isnan(s->pct) && s->ref_n > 0) {
        double x = floor(s->pct / 100.0 * (double)s->ref_n + 0.5);
        if (x < 0) x = 0;
        if (x > (double)s->ref_n) x = (double)s->ref_n;
        grs_stats_wilson((int64_t)x, s->ref_n, &s->pct_lo, &s->pct_hi);
        s->pct_lo *= 100;
        s->pct_hi *= 100;
    }
    /* OR relative to the population average: the report's OR per SD raised to the patient's Z.
     * The Z of the most similar population when normalized, else the cohort Z from the report's
     * own score mean and SD (the column the report used). */
    s->z_or = s->odds = s->odds_lo = s->odds_hi = NAN;
    s->z_or_source = NULL;
    if (!isnan(s->z)) { s->z_or = s->z; s->z_or_source = "Z_MostSimilarPop"; }
    else if (s->cohort_sd > 0 && !isnan(s->cohort_mean)) {
        size_t l = s->cohort_col ? strlen(s->cohort_col) : 0;
        double v = l > 4 && !strcmp(s->cohort_col + l - 4, "_AVG") ? s->avg : s->raw;
        if (!isnan(v)) { s->z_or = (v - s->cohort_mean) / s->cohort_sd; s->z_or_source = "cohort Z from the report's score mean and SD"; }
    }
    if (!isnan(s->or_sd) && !isnan(s->z_or)) {
        s->odds = pow(s->or_sd, s->z_or);
        double a = pow(s->or_lo, s->z_or), b = pow(s->or_hi, s->z_or);
        s->odds_lo = a < b ? a : b;
        s->odds_hi = a < b ? b : a;
    }
}

static int cmp_qscore(const void *a, const void *b)
{
    return strcmp(((const qscore_t *)a)->name, ((const qscore_t *)b)->name);
}

static int load(sqlite3 *db, query_t *q, char **want, int n_want, int64_t run)
{
    sqlite3_stmt *st = NULL, *st_ref = NULL, *st_meta = NULL, *st_rep = NULL;
    int r, ret = GRS_EIO;
    const char *rc = run >= 0 ? " AND run_id=?3" : "";
    char *sql = NULL;

    r = one_row(db, q->db_path, "SELECT fid FROM samples WHERE sample_id=?1", q->sample, NULL, 0, &st);
    if (r == SQLITE_DONE) {
        grs_log_error("'%s': sample '%s' is not in this results store", q->db_path, q->sample);
        ret = GRS_EINPUT;
        goto fail;
    }
    if (r != SQLITE_ROW) goto fail;
    q->fid = col_str(st, 0);

    /* the scores: given, or every score with a value for the sample. Each per-sample table is
     * read with one range scan of its primary key (sample_id, score, run_id), newest run first,
     * and per-score annotations through statements prepared once: a query costs a few index
     * probes whatever the store's size. */
    if (!(q->sc = (qscore_t *)calloc(MAX_QSCORES, sizeof(qscore_t)))) { ret = GRS_ENOMEM; goto fail; }
    for (int i = 0; i < n_want && i < MAX_QSCORES; i++)
        if (!(q->sc[q->n_sc++].name = strdup(want[i]))) { ret = GRS_ENOMEM; goto fail; }
    for (int k = 0; k < MAX_QSCORES; k++) {
        qscore_t *s = &q->sc[k];
        s->score_run = s->norm_run = s->meta_run = s->report_run = -1;
        s->raw = s->avg = s->allele_ct = s->denom = s->coverage = NAN;
        s->norm_raw = s->pct = s->z = s->z1 = s->z2 = NAN;
        s->ref_mean = s->ref_sd = s->ref_min = s->ref_max = NAN;
        s->or_sd = s->or_lo = s->or_hi = s->auc = s->cohort_mean = s->cohort_sd = NAN;
        s->low_conf = -1;
        s->ref_n = s->n_total = s->n_matched = s->cohort_n = -1;
    }
    for (int pass = 0; pass < 2; pass++) {
        free(sql);
        sql = pass == 0 ? grs_sprintf("SELECT score, run_id, raw, avg, allele_ct, denom, coverage FROM scores WHERE "
                                      "sample_id=?1%s ORDER BY score, run_id DESC", rc)
                        : grs_sprintf("SELECT score, run_id, dataset, pop, low_conf, raw, percentile, z, z_norm1, z_norm2 "
                                      "FROM norm WHERE sample_id=?1%s ORDER BY score, run_id DESC", rc);
        if (!sql) { ret = GRS_ENOMEM; goto fail; }
        for (r = one_row(db, q->db_path, sql, q->sample, NULL, run, &st); r == SQLITE_ROW; r = sqlite3_step(st)) {
            const char *name = (const char *)sqlite3_column_text(st, 0);
            int k = 0;
            if (!name) continue;
            while (k < q->n_sc && strcmp(q->sc[k].name, name)) k++;
            if (k == q->n_sc) {
                if (n_want || q->n_sc == MAX_QSCORES) continue;       /* not asked for */
                if (!(q->sc[q->n_sc++].name = strdup(name))) { ret = GRS_ENOMEM; goto fail; }
            }
            qscore_t *s = &q->sc[k];
            if (pass == 0 && s->score_run < 0) {
                s->score_run = sqlite3_column_int64(st, 1);
                s->raw = col_num(st, 2); s->avg = col_num(st, 3); s->allele_ct = col_num(st, 4);
                s->denom = col_num(st, 5); s->coverage = col_num(st, 6);
            } else if (pass == 1 && s->norm_run < 0) {
                s->norm_run = sqlite3_column_int64(st, 1);
                s->dataset = col_str(st, 2); s->pop = col_str(st, 3);
                s->low_conf = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 4);
                s->norm_raw = col_num(st, 5); s->pct = col_num(st, 6); s->z = col_num(st, 7);
                s->z1 = col_num(st, 8); s->z2 = col_num(st, 9);
            }
        }
        if (r != SQLITE_DONE) goto fail;
    }
    /* the scores in name order (the scan order), the ones asked for in the order given */
    if (!n_want) qsort(q->sc, q->n_sc, sizeof(qscore_t), cmp_qscore);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT n, mean, sd, min, max FROM ref_dist WHERE score=?1 AND pop=?2 AND run_id=?3",
                           -1, &st_ref, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT run_id, pgs_id, pgs_name, trait, n_variants_total, n_matched FROM score_meta "
                           "WHERE score=?1 AND (n_variants_total IS NOT NULL OR pgs_id IS NOT NULL) ORDER BY run_id "
                           "DESC LIMIT 1", -1, &st_meta, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT run_id, or_per_sd, or_lo, or_hi, auc, cohort_column, cohort_n, cohort_mean, "
                           "cohort_sd, trait FROM score_meta WHERE score=?1 AND (or_per_sd IS NOT NULL OR cohort_sd IS NOT "
                           "NULL) ORDER BY run_id DESC LIMIT 1", -1, &st_rep, NULL) != SQLITE_OK) {
        grs_log_error("'%s': %s", q->db_path, sqlite3_errmsg(db));
        goto fail;
    }
    for (int k = 0; k < q->n_sc; k++) {
        qscore_t *s = &q->sc[k];
        if (s->score_run < 0 && s->norm_run < 0) {
            grs_log_error("'%s': score '%s' has no value for sample '%s'%s", q->db_path, s->name, q->sample,
                          run >= 0 ? " in the run given by --run" : "");
            ret = GRS_EINPUT;
            goto fail;
        }
        if (isnan(s->raw)) s->raw = s->norm_raw;
        if (s->norm_run >= 0 && s->pop) {
            sqlite3_bind_text(st_ref, 1, s->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(st_ref, 2, s->pop, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st_ref, 3, s->norm_run);
            if ((r = sqlite3_step(st_ref)) == SQLITE_ROW) {
                s->ref_n = sqlite3_column_int64(st_ref, 0); s->ref_mean = col_num(st_ref, 1);
                s->ref_sd = col_num(st_ref, 2); s->ref_min = col_num(st_ref, 3); s->ref_max = col_num(st_ref, 4);
            }
            sqlite3_reset(st_ref);
            if (r != SQLITE_ROW && r != SQLITE_DONE) { grs_log_error("'%s': %s", q->db_path, sqlite3_errmsg(db)); goto fail; }
        }
        /* annotations: the latest run that gave each kind */
        sqlite3_bind_text(st_meta, 1, s->name, -1, SQLITE_STATIC);
        if ((r = sqlite3_step(st_meta)) == SQLITE_ROW) {
            s->meta_run = sqlite3_column_int64(st_meta, 0);
            s->pgs_id = col_str(st_meta, 1); s->pgs_name = col_str(st_meta, 2); s->trait = col_str(st_meta, 3);
            s->n_total = col_int(st_meta, 4); s->n_matched = col_int(st_meta, 5);
        }
        sqlite3_reset(st_meta);
        if (r != SQLITE_ROW && r != SQLITE_DONE) { grs_log_error("'%s': %s", q->db_path, sqlite3_errmsg(db)); goto fail; }
        sqlite3_bind_text(st_rep, 1, s->name, -1, SQLITE_STATIC);
        if ((r = sqlite3_step(st_rep)) == SQLITE_ROW) {
            s->report_run = sqlite3_column_int64(st_rep, 0);
            s->or_sd = col_num(st_rep, 1); s->or_lo = col_num(st_rep, 2); s->or_hi = col_num(st_rep, 3);
            s->auc = col_num(st_rep, 4); s->cohort_col = col_str(st_rep, 5); s->cohort_n = col_int(st_rep, 6);
            s->cohort_mean = col_num(st_rep, 7); s->cohort_sd = col_num(st_rep, 8); s->or_trait = col_str(st_rep, 9);
        }
        sqlite3_reset(st_rep);
        if (r != SQLITE_ROW && r != SQLITE_DONE) { grs_log_error("'%s': %s", q->db_path, sqlite3_errmsg(db)); goto fail; }
        add_run(q, s->score_run); add_run(q, s->norm_run); add_run(q, s->meta_run); add_run(q, s->report_run);
        derive(s);
    }

    /* ancestry: the latest row */
    q->anc_run = -1;
    q->anc_low = -1;
    free(sql);
    sql = grs_sprintf("SELECT run_id, pop, low_conf, pcs_json, p_json FROM ancestry WHERE sample_id=?1%s "
                      "ORDER BY run_id DESC LIMIT 1", run >= 0 ? " AND run_id=?2" : "");
    if (!sql) { ret = GRS_ENOMEM; goto fail; }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) { grs_log_error("'%s': %s", q->db_path, sqlite3_errmsg(db)); goto fail; }
    sqlite3_bind_text(st, 1, q->sample, -1, SQLITE_STATIC);
    if (run >= 0) sqlite3_bind_int64(st, 2, run);
    if ((r = sqlite3_step(st)) == SQLITE_ROW) {
        q->anc_run = sqlite3_column_int64(st, 0);
        q->anc_pop = col_str(st, 1);
        q->anc_low = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2);
        q->anc_pcs = col_str(st, 3);
        q->anc_p = col_str(st, 4);
        add_run(q, q->anc_run);
    } else if (r != SQLITE_DONE) { grs_log_error("'%s': %s", q->db_path, sqlite3_errmsg(db)); goto fail; }

    /* predictions: the latest run of each model */
    free(sql);
    sql = grs_sprintf("SELECT model, run_id, trait, calibrated, lp, risk, contrib_json, top_features FROM predictions p "
                      "WHERE sample_id=?1 AND run_id=(SELECT max(run_id) FROM predictions WHERE sample_id=?1 AND "
                      "model=p.model%s) ORDER BY model", run >= 0 ? " AND run_id=?2" : "");
    if (!sql) { ret = GRS_ENOMEM; goto fail; }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) { grs_log_error("'%s': %s", q->db_path, sqlite3_errmsg(db)); goto fail; }
    sqlite3_bind_text(st, 1, q->sample, -1, SQLITE_STATIC);
    if (run >= 0) sqlite3_bind_int64(st, 2, run);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        qpred_t *np = (qpred_t *)realloc(q->pr, (q->n_pr + 1) * sizeof(qpred_t));
        if (!np) { ret = GRS_ENOMEM; goto fail; }
        q->pr = np;
        qpred_t *p = &q->pr[q->n_pr++];
        p->model = col_str(st, 0); p->run = sqlite3_column_int64(st, 1); p->trait = col_str(st, 2);
        p->calibrated = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 3);
        p->lp = col_num(st, 4); p->risk = col_num(st, 5); p->contrib = col_str(st, 6); p->top = col_str(st, 7);
        add_run(q, p->run);
    }
    if (r != SQLITE_DONE) { grs_log_error("'%s': %s", q->db_path, sqlite3_errmsg(db)); goto fail; }
    ret = GRS_OK;
fail:
    free(sql);
    sqlite3_finalize(st);
    sqlite3_finalize(st_ref); sqlite3_finalize(st_meta); sqlite3_finalize(st_rep);
    return ret;
}

/* ---- output ------------------------------------------------------------------------------------ */

static const char *yesno(int b) { return b < 0 ? "unknown" : b ? "yes" : "no"; }

static void fmt_num(char *buf, size_t n, double x)
{
    if (isnan(x)) snprintf(buf, n, "NA");
    else snprintf(buf, n, "%.6g", x);
}

/* "a=1;b=2" or a JSON object {"a":1,...} of the store → JSON object in the answer */
static void json_embed_obj(grs_json_t *j, const char *key, const char *js)
{
    /* the writer's own separator logic (json.c sep), then the stored JSON verbatim */
    if (!j->first[j->depth]) grs_out_printf(j->o, ",");
    j->first[j->depth] = 0;
    grs_out_printf(j->o, "\n%*s", 2 * (j->depth + 1), "");
    grs_json_key(j, key);
    grs_out_printf(j->o, "%s", js && *js ? js : "null");
}

static void write_runs_json(sqlite3 *db, grs_json_t *j, const query_t *q)
{
    sqlite3_stmt *st = NULL;
    grs_json_arr(j, "runs");
    if (sqlite3_prepare_v2(db, "SELECT created, kind, grs_version, command FROM runs WHERE run_id=?1", -1, &st, NULL) == SQLITE_OK) {
        for (int i = 0; i < q->n_runs; i++) {
            sqlite3_bind_int64(st, 1, q->runs[i]);
            if (sqlite3_step(st) == SQLITE_ROW) {
                grs_json_obj(j, NULL);
                grs_json_int(j, "run_id", q->runs[i]);
                grs_json_str(j, "created", (const char *)sqlite3_column_text(st, 0));
                grs_json_str(j, "kind", (const char *)sqlite3_column_text(st, 1));
                grs_json_str(j, "grs_version", (const char *)sqlite3_column_text(st, 2));
                grs_json_str(j, "command", (const char *)sqlite3_column_text(st, 3));
                grs_json_close(j, '}');
            }
            sqlite3_reset(st);
        }
    }
    sqlite3_finalize(st);
    grs_json_close(j, ']');
}

static void write_json(sqlite3 *db, grs_out_t *o, const query_t *q)
{
    grs_json_t j;
    char when[32];
    grs_iso_time(when, sizeof(when));
    grs_json_begin(&j, o);
    grs_json_str(&j, "schema", "grs-query");
    grs_json_int(&j, "schema_version", QUERY_SCHEMA_VERSION);
    grs_json_str(&j, "tool", "grs " GRS_VERSION " (" GRS_GIT ")");
    grs_json_str(&j, "created", when);
    grs_json_str(&j, "store", q->db_path);
    grs_json_obj(&j, "sample");
    grs_json_str(&j, "id", q->sample);
    grs_json_str(&j, "fid", q->fid);
    grs_json_close(&j, '}');
    grs_json_obj(&j, "ancestry");
    if (q->anc_run >= 0) {
        grs_json_int(&j, "run_id", q->anc_run);
        grs_json_str(&j, "most_similar_pop", q->anc_pop);
        if (q->anc_low >= 0) grs_json_bool(&j, "low_confidence", q->anc_low);
        else grs_json_str(&j, "low_confidence", NULL);
        json_embed_obj(&j, "pcs", q->anc_pcs);
        json_embed_obj(&j, "mahalanobis_p", q->anc_p);
    } else grs_json_str(&j, "note", "no ancestry stored for this sample");
    grs_json_close(&j, '}');
    grs_json_obj(&j, "risk_categories");
    grs_json_str(&j, "rule", category_rule);
    grs_json_arr(&j, "thresholds");
    for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++) {
        grs_json_obj(&j, NULL);
        grs_json_str(&j, "label", categories[i].label);
        grs_json_str(&j, "percentile", categories[i].top ? ">=" : "<");
        grs_json_num(&j, "cut", categories[i].cut);
        grs_json_close(&j, '}');
    }
    grs_json_close(&j, ']');
    grs_json_close(&j, '}');
    /* what the per-score fields mean, once for all scores */
    grs_json_obj(&j, "definitions");
    grs_json_str(&j, "percentile_interval", pct_interval_covers);
    grs_json_str(&j, "odds_ratio", "odds relative to the population average = OR_per_SD ^ Z (z_used, from "
                                   "z_source); lo/hi from the report's 95% CI of the OR per SD");
    grs_json_str(&j, "coverage", "called_fraction = ALLELE_CT / DENOM of the patient's .sscore row; variants_matched "
                                 "of variants_in_score from grs score's summary");
    grs_json_str(&j, "genotype_uncertainty", geno_var_note);
    grs_json_str(&j, "explain", explain_note);
    grs_json_close(&j, '}');
    grs_json_arr(&j, "scores");
    for (int k = 0; k < q->n_sc; k++) {
        const qscore_t *s = &q->sc[k];
        grs_json_obj(&j, NULL);
        grs_json_str(&j, "score", s->name);
        grs_json_str(&j, "pgs_id", s->pgs_id);
        grs_json_str(&j, "pgs_name", s->pgs_name);
        grs_json_str(&j, "trait", s->trait);
        if (s->score_run >= 0) grs_json_int(&j, "score_run", s->score_run); else grs_json_str(&j, "score_run", NULL);
        if (s->norm_run >= 0) grs_json_int(&j, "norm_run", s->norm_run); else grs_json_str(&j, "norm_run", NULL);
        grs_json_num(&j, "raw_score", s->raw);
        grs_json_num(&j, "avg_score", s->avg);
        /* summaries only: n, mean, SD (the store's min/max are single reference individuals) */
        grs_json_obj(&j, "reference");
        grs_json_str(&j, "population", s->pop);
        if (s->low_conf >= 0) grs_json_bool(&j, "low_confidence", s->low_conf); else grs_json_str(&j, "low_confidence", NULL);
        if (s->ref_n >= 0) grs_json_int(&j, "n", s->ref_n); else grs_json_str(&j, "n", NULL);
        grs_json_num(&j, "mean", s->ref_mean);
        grs_json_num(&j, "sd", s->ref_sd);
        grs_json_close(&j, '}');
        grs_json_num(&j, "percentile", s->pct);
        grs_json_obj(&j, "percentile_interval");
        grs_json_num(&j, "lo", s->pct_lo);
        grs_json_num(&j, "hi", s->pct_hi);
        grs_json_num(&j, "level", 0.95);
        grs_json_close(&j, '}');
        grs_json_num(&j, "z", s->z);
        grs_json_num(&j, "z_norm1", s->z1);
        grs_json_num(&j, "z_norm2", s->z2);
        grs_json_str(&j, "category", s->category);
        grs_json_obj(&j, "odds_ratio");
        grs_json_num(&j, "value", s->odds);
        grs_json_num(&j, "lo", s->odds_lo);
        grs_json_num(&j, "hi", s->odds_hi);
        grs_json_num(&j, "or_per_sd", s->or_sd);
        grs_json_num(&j, "or_per_sd_lo", s->or_lo);
        grs_json_num(&j, "or_per_sd_hi", s->or_hi);
        grs_json_num(&j, "z_used", s->z_or);
        grs_json_str(&j, "z_source", s->z_or_source);
        grs_json_str(&j, "phenotype", s->or_trait);
        grs_json_num(&j, "cohort_auc", s->auc);
        grs_json_close(&j, '}');
        grs_json_obj(&j, "coverage");
        grs_json_num(&j, "allele_ct", s->allele_ct);
        grs_json_num(&j, "denom", s->denom);
        grs_json_num(&j, "called_fraction", s->coverage);
        if (s->n_matched >= 0) grs_json_int(&j, "variants_matched", s->n_matched); else grs_json_str(&j, "variants_matched", NULL);
        if (s->n_total >= 0) grs_json_int(&j, "variants_in_score", s->n_total); else grs_json_str(&j, "variants_in_score", NULL);
        grs_json_close(&j, '}');
        if (s->explained) {
            grs_json_obj(&j, "explain");
            if (s->explained > 0) {
                const grs_store_explain_t *e = &s->ex;
                grs_json_str(&j, "genotypes", e->genotypes);
                grs_json_str(&j, "missing_policy", e->missing_policy);
                grs_json_int(&j, "variants_matched", e->n_matched);
                grs_json_int(&j, "variants_found", e->n_found);
                grs_json_int(&j, "missing_calls", e->n_missing);
                grs_json_num(&j, "reconstructed_sum", e->sum);
                grs_json_num(&j, "missing_genotype_variance", e->missing_var);
                grs_json_num(&j, "missing_genotype_sd", sqrt(e->missing_var));
                grs_json_arr(&j, "top_variants");
                for (int i = 0; i < e->n_top; i++) {
                    grs_json_obj(&j, NULL);
                    grs_json_str(&j, "variant", e->top[i].variant);
                    grs_json_str(&j, "effect_allele", e->top[i].effect_allele);
                    grs_json_num(&j, "weight", e->top[i].weight);
                    grs_json_num(&j, "dosage", e->top[i].dosage);
                    grs_json_num(&j, "contribution", e->top[i].contribution);
                    grs_json_bool(&j, "imputed", e->top[i].imputed);
                    grs_json_close(&j, '}');
                }
                grs_json_close(&j, ']');
            } else grs_json_str(&j, "error", s->ex_note);
            grs_json_close(&j, '}');
        }
        grs_json_close(&j, '}');
    }
    grs_json_close(&j, ']');
    grs_json_arr(&j, "predictions");
    for (int k = 0; k < q->n_pr; k++) {
        const qpred_t *p = &q->pr[k];
        grs_json_obj(&j, NULL);
        grs_json_str(&j, "model", p->model);
        grs_json_int(&j, "run_id", p->run);
        grs_json_str(&j, "trait", p->trait);
        if (p->calibrated >= 0) grs_json_bool(&j, "calibrated", p->calibrated); else grs_json_str(&j, "calibrated", NULL);
        grs_json_num(&j, "risk", p->risk);
        grs_json_num(&j, "linear_predictor", p->lp);
        json_embed_obj(&j, "contributions", p->contrib);
        grs_json_arr(&j, "top_features");
        if (p->top) {
            char *t = strdup(p->top), *save = NULL;
            for (char *tok = t ? strtok_r(t, ";", &save) : NULL; tok; tok = strtok_r(NULL, ";", &save)) {
                char *eq = strrchr(tok, '=');
                double v;
                grs_json_obj(&j, NULL);
                if (eq && grs_parse_double(eq + 1, &v) == 0) {
                    *eq = 0;
                    grs_json_str(&j, "feature", tok);
                    grs_json_num(&j, "contribution", v);
                } else grs_json_str(&j, "feature", tok);
                grs_json_close(&j, '}');
            }
            free(t);
        }
        grs_json_close(&j, ']');
        grs_json_str(&j, "uncertainty", "not available: grs predict writes no cross-validation spread per sample");
        grs_json_close(&j, '}');
    }
    grs_json_close(&j, ']');
    write_runs_json(db, &j, q);
    grs_json_end(&j);
}

/* the runs an answer drew on, one line each (text and HTML provenance) */
static void write_runs_lines(sqlite3 *db, grs_out_t *o, const query_t *q, int html)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT created, kind, grs_version, command FROM runs WHERE run_id=?1", -1, &st, NULL) != SQLITE_OK)
        return;
    for (int i = 0; i < q->n_runs; i++) {
        sqlite3_bind_int64(st, 1, q->runs[i]);
        if (sqlite3_step(st) == SQLITE_ROW) {
            const char *c[4];
            for (int k = 0; k < 4; k++) c[k] = sqlite3_column_text(st, k) ? (const char *)sqlite3_column_text(st, k) : "NA";
            if (html) {
                grs_out_printf(o, "<tr><td>%" PRId64 "</td><td>", q->runs[i]);
                for (int k = 0; k < 4; k++) { grs_html_text(o, c[k]); grs_out_printf(o, k < 3 ? "</td><td>" : "</td></tr>\n"); }
            } else grs_out_printf(o, "  run %" PRId64 ": %s, %s, grs %s: %s\n", q->runs[i], c[1], c[0], c[2], c[3]);
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
}

static void write_text(sqlite3 *db, grs_out_t *o, const query_t *q)
{
    char a[64], b[64], c[64];
    grs_out_printf(o, "grs query: sample %s%s%s  (store %s)\n", q->sample, q->fid ? ", FID " : "", q->fid ? q->fid : "",
                   q->db_path);
    if (q->anc_run >= 0)
        grs_out_printf(o, "ancestry: most similar population %s, low confidence: %s  [run %" PRId64 "]\n",
                       q->anc_pop ? q->anc_pop : "NA", yesno(q->anc_low), q->anc_run);
    else grs_out_printf(o, "ancestry: none stored for this sample\n");
    grs_out_printf(o, "risk categories: %s\n", category_rule);
    for (int k = 0; k < q->n_sc; k++) {
        const qscore_t *s = &q->sc[k];
        grs_out_printf(o, "\nscore %s", s->name);
        if (s->pgs_id) grs_out_printf(o, " (%s)", s->pgs_id);
        if (s->trait) grs_out_printf(o, ", trait: %s", s->trait);
        grs_out_printf(o, "  [");
        if (s->score_run >= 0) grs_out_printf(o, "score run %" PRId64, s->score_run);
        if (s->norm_run >= 0) grs_out_printf(o, "%snormalized run %" PRId64, s->score_run >= 0 ? ", " : "", s->norm_run);
        if (s->report_run >= 0) grs_out_printf(o, ", report run %" PRId64, s->report_run);
        grs_out_printf(o, "]\n");
        fmt_num(a, sizeof(a), s->raw);
        grs_out_printf(o, "  raw score (SUM)        %s\n", a);
        if (s->norm_run >= 0) {
            fmt_num(a, sizeof(a), s->pct);
            grs_out_printf(o, "  reference population   %s%s", s->pop ? s->pop : "NA",
                           s->low_conf == 1 ? "  ** LOW-CONFIDENCE ancestry assignment **" : "");
            if (s->ref_n >= 0) grs_out_printf(o, "  (n = %" PRId64 " reference individuals)", s->ref_n);
            grs_out_printf(o, "\n  percentile             %s", a);
            if (!isnan(s->pct_lo)) {
                fmt_num(b, sizeof(b), s->pct_lo);
                fmt_num(c, sizeof(c), s->pct_hi);
                grs_out_printf(o, "  (95%% interval %s to %s, see notes)", b, c);
            } else grs_out_printf(o, "  (no interval: the reference size is not stored)");
            fmt_num(a, sizeof(a), s->z);
            fmt_num(b, sizeof(b), s->z1);
            fmt_num(c, sizeof(c), s->z2);
            grs_out_printf(o, "\n  Z                      %s\n  Z_norm1 / Z_norm2      %s / %s\n", a, b, c);
            grs_out_printf(o, "  category               %s\n", s->category ? s->category : "NA");
        } else grs_out_printf(o, "  percentile / Z         not normalized (no grs normalize output stored)\n");
        if (!isnan(s->odds)) {
            fmt_num(a, sizeof(a), s->odds);
            fmt_num(b, sizeof(b), s->odds_lo);
            fmt_num(c, sizeof(c), s->odds_hi);
            grs_out_printf(o, "  odds ratio vs average  %s (95%% CI %s to %s)", a, b, c);
            fmt_num(a, sizeof(a), s->or_sd);
            fmt_num(b, sizeof(b), s->z_or);
            grs_out_printf(o, " = OR per SD %s ^ Z %s (%s)%s%s\n", a, b, s->z_or_source, s->or_trait ? ", phenotype " : "",
                           s->or_trait ? s->or_trait : "");
        } else grs_out_printf(o, "  odds ratio vs average  not available (no grs report OR per SD stored for this score)\n");
        fmt_num(a, sizeof(a), s->allele_ct);
        fmt_num(b, sizeof(b), s->denom);
        fmt_num(c, sizeof(c), s->coverage);
        grs_out_printf(o, "  coverage               ALLELE_CT/DENOM %s/%s = %s of the score's genotypes called", a, b, c);
        if (s->n_matched >= 0 && s->n_total >= 0)
            grs_out_printf(o, "; %" PRId64 "/%" PRId64 " score variants matched", s->n_matched, s->n_total);
        grs_out_printf(o, "\n");
        if (s->explained > 0) {
            const grs_store_explain_t *e = &s->ex;
            fmt_num(a, sizeof(a), e->sum);
            fmt_num(b, sizeof(b), sqrt(e->missing_var));
            grs_out_printf(o, "  explain                %" PRId64 "/%" PRId64 " matched variants found in %s; reconstructed SUM %s;\n"
                              "                         %" PRId64 " missing calls (policy %s), SD from them %s\n",
                           e->n_found, e->n_matched, e->genotypes, a, e->n_missing, e->missing_policy, b);
            for (int i = 0; i < e->n_top; i++) {
                fmt_num(a, sizeof(a), e->top[i].weight);
                fmt_num(b, sizeof(b), e->top[i].dosage);
                fmt_num(c, sizeof(c), e->top[i].contribution);
                grs_out_printf(o, "    %-36s effect %s weight %s x dosage %s = %s%s\n", e->top[i].variant,
                               e->top[i].effect_allele, a, b, c, e->top[i].imputed ? " (imputed)" : "");
            }
        } else if (s->explained < 0) grs_out_printf(o, "  explain                not available: %s\n", s->ex_note);
    }
    for (int k = 0; k < q->n_pr; k++) {
        const qpred_t *p = &q->pr[k];
        fmt_num(a, sizeof(a), p->risk);
        fmt_num(b, sizeof(b), p->lp);
        grs_out_printf(o, "\nmodel %s (%s%s)  [run %" PRId64 "]\n  risk                   %s%s\n  linear predictor       %s\n",
                       p->model, p->trait ? p->trait : "trait unknown",
                       p->calibrated == 1 ? ", calibrated" : p->calibrated == 0 ? ", not calibrated" : "", p->run, a,
                       p->calibrated == 1 ? " (calibrated absolute risk)" : "", b);
        grs_out_printf(o, "  contributions          %s\n", p->contrib ? p->contrib : "NA");
        grs_out_printf(o, "  top features           %s\n", p->top ? p->top : "not stored (grs predict --explain N)");
        grs_out_printf(o, "  uncertainty            not available: grs predict writes no cross-validation spread\n");
    }
    grs_out_printf(o, "\nnotes:\n  percentile interval: %s\n  genotype uncertainty: %s\nruns used:\n", pct_interval_covers, geno_var_note);
    write_runs_lines(db, o, q, 0);
}

/* the patient on the reference distribution, on the Z scale of the most similar population
 * (drawn as the standard normal it is standardized to) */
static void svg_position(grs_out_t *o, const qscore_t *s)
{
    enum { NP = 161 };
    double x[NP], y[NP], zc = s->z < -4.5 ? -4.5 : s->z > 4.5 ? 4.5 : s->z;
    grs_plot_t p = { -4.5, 4.5, 0, 0.45, 600, 260, 0, NULL, 0, zc < 0 };   /* legend away from the patient */
    for (int i = 0; i < NP; i++) { x[i] = -4.5 + 9.0 * i / (NP - 1); y[i] = grs_stats_dnorm(x[i]); }
    grs_plot_begin(o, &p, "Position on the reference distribution",
                   "Z in the most similar population (dashed: top 20/10/5/1% cuts)", "density");
    const double cuts[4] = { 80, 90, 95, 99 };
    for (int i = 0; i < 4; i++) {
        double cx[2], cy[2];
        cx[0] = cx[1] = grs_stats_qnorm(cuts[i] / 100);
        cy[0] = 0; cy[1] = 0.42;
        grs_plot_line(o, &p, 2, cx, cy, "#999999", 1);
    }
    grs_plot_line(o, &p, NP, x, y, grs_plot_color(0), 0);
    double px[2] = { zc, zc }, py[2] = { 0, 0.44 };
    grs_plot_line(o, &p, 2, px, py, grs_plot_color(1), 0);
    const char *labs[3] = { "reference", "patient", "cuts" };   /* short: the legend box is narrow */
    const char *cols[3] = { grs_plot_color(0), grs_plot_color(1), "#999999" };
    grs_plot_legend(o, &p, 3, labs, cols);
    grs_plot_end(o);
}

static void html_row(grs_out_t *o, const char *k, const char *v)
{
    grs_out_printf(o, "<tr><th>");
    grs_html_text(o, k);
    grs_out_printf(o, "</th><td>");
    grs_html_text(o, v);
    grs_out_printf(o, "</td></tr>\n");
}

static void write_html(sqlite3 *db, grs_out_t *o, const query_t *q)
{
    char a[64], b[64], c[64], line[1024];
    grs_out_printf(o, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head>"
                      "<meta charset=\"utf-8\"/><title>grs query: ");
    grs_html_text(o, q->sample);
    grs_out_printf(o, "</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:1em auto;color:#222}"
                      "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 8px;"
                      "text-align:left;vertical-align:top}th{background:#f4f4f4;font-weight:normal}"
                      ".warn{color:#b00;font-weight:bold}.note{color:#555;font-size:90%%}</style></head><body>\n");
    grs_out_printf(o, "<h1>Risk summary for sample ");
    grs_html_text(o, q->sample);
    grs_out_printf(o, "</h1>\n<section id=\"ancestry\"><h2>Ancestry</h2><table>\n");
    if (q->anc_run >= 0) {
        html_row(o, "most similar population", q->anc_pop ? q->anc_pop : "NA");
        html_row(o, "low-confidence assignment", yesno(q->anc_low));
    } else html_row(o, "ancestry", "none stored for this sample");
    grs_out_printf(o, "</table><p class=\"note\">Risk categories: ");
    grs_html_text(o, category_rule);
    grs_out_printf(o, ".</p></section>\n");
    for (int k = 0; k < q->n_sc; k++) {
        const qscore_t *s = &q->sc[k];
        grs_out_printf(o, "<section id=\"score-%d\"><h2>Score ", k + 1);
        grs_html_text(o, s->name);
        if (s->pgs_id) { grs_out_printf(o, " ("); grs_html_text(o, s->pgs_id); grs_out_printf(o, ")"); }
        grs_out_printf(o, "</h2>\n");
        if (s->low_conf == 1)
            grs_out_printf(o, "<p class=\"warn\">The ancestry assignment used for this comparison is low-confidence.</p>\n");
        grs_out_printf(o, "<table>\n");
        if (s->trait) html_row(o, "trait", s->trait);
        fmt_num(a, sizeof(a), s->raw);
        html_row(o, "raw score (SUM)", a);
        if (s->norm_run >= 0) {
            if (s->ref_n >= 0) snprintf(line, sizeof(line), "%s (n = %" PRId64 ")", s->pop ? s->pop : "NA", s->ref_n);
            else snprintf(line, sizeof(line), "%s", s->pop ? s->pop : "NA");
            html_row(o, "reference population", line);
            fmt_num(a, sizeof(a), s->pct);
            fmt_num(b, sizeof(b), s->pct_lo);
            fmt_num(c, sizeof(c), s->pct_hi);
            snprintf(line, sizeof(line), "%s (95%% interval %s to %s)", a, b, c);
            html_row(o, "percentile", line);
            fmt_num(a, sizeof(a), s->z);
            html_row(o, "Z", a);
            fmt_num(a, sizeof(a), s->z1);
            fmt_num(b, sizeof(b), s->z2);
            snprintf(line, sizeof(line), "%s / %s", a, b);
            html_row(o, "Z_norm1 / Z_norm2", line);
            html_row(o, "risk category", s->category ? s->category : "NA");
        } else html_row(o, "percentile / Z", "not normalized");
        if (!isnan(s->odds)) {
            fmt_num(a, sizeof(a), s->odds);
            fmt_num(b, sizeof(b), s->odds_lo);
            fmt_num(c, sizeof(c), s->odds_hi);
            snprintf(line, sizeof(line), "%s (95%% CI %s to %s) = OR per SD ^ Z", a, b, c);
            html_row(o, "odds ratio vs population average", line);
        } else html_row(o, "odds ratio vs population average", "not available");
        fmt_num(a, sizeof(a), s->allele_ct);
        fmt_num(b, sizeof(b), s->denom);
        fmt_num(c, sizeof(c), s->coverage);
        if (s->n_matched >= 0 && s->n_total >= 0)
            snprintf(line, sizeof(line), "%s/%s = %s called; %" PRId64 "/%" PRId64 " variants matched", a, b, c,
                     s->n_matched, s->n_total);
        else snprintf(line, sizeof(line), "%s/%s = %s called", a, b, c);
        html_row(o, "coverage (ALLELE_CT/DENOM)", line);
        if (s->explained > 0) {
            fmt_num(a, sizeof(a), s->ex.sum);
            fmt_num(b, sizeof(b), sqrt(s->ex.missing_var));
            snprintf(line, sizeof(line), "reconstructed SUM %s; %" PRId64 " missing calls, SD from them %s", a,
                     s->ex.n_missing, b);
            html_row(o, "per-variant recomputation", line);
        } else if (s->explained < 0) html_row(o, "per-variant recomputation", s->ex_note);
        grs_out_printf(o, "</table>\n");
        if (s->explained > 0 && s->ex.n_top) {
            grs_out_printf(o, "<table><tr><th>variant</th><th>effect allele</th><th>weight</th><th>dosage</th>"
                              "<th>contribution</th></tr>\n");
            for (int i = 0; i < s->ex.n_top; i++) {
                fmt_num(a, sizeof(a), s->ex.top[i].weight);
                fmt_num(b, sizeof(b), s->ex.top[i].dosage);
                fmt_num(c, sizeof(c), s->ex.top[i].contribution);
                grs_out_printf(o, "<tr><td>");
                grs_html_text(o, s->ex.top[i].variant);
                grs_out_printf(o, "</td><td>");
                grs_html_text(o, s->ex.top[i].effect_allele);
                grs_out_printf(o, "</td><td>%s</td><td>%s%s</td><td>%s</td></tr>\n", a, b,
                               s->ex.top[i].imputed ? " (imputed)" : "", c);
            }
            grs_out_printf(o, "</table>\n");
        }
        if (!isnan(s->z)) svg_position(o, s);
        grs_out_printf(o, "</section>\n");
    }
    if (q->n_pr) {
        grs_out_printf(o, "<section id=\"models\"><h2>Model predictions</h2><table>\n"
                          "<tr><th>model</th><th>risk</th><th>linear predictor</th><th>contributions</th><th>top features</th></tr>\n");
        for (int k = 0; k < q->n_pr; k++) {
            const qpred_t *p = &q->pr[k];
            fmt_num(a, sizeof(a), p->risk);
            fmt_num(b, sizeof(b), p->lp);
            grs_out_printf(o, "<tr><td>");
            grs_html_text(o, p->model);
            grs_out_printf(o, "</td><td>%s%s</td><td>%s</td><td>", a, p->calibrated == 1 ? " (calibrated)" : "", b);
            grs_html_text(o, p->contrib ? p->contrib : "NA");
            grs_out_printf(o, "</td><td>");
            grs_html_text(o, p->top ? p->top : "not stored");
            grs_out_printf(o, "</td></tr>\n");
        }
        grs_out_printf(o, "</table><p class=\"note\">No per-patient uncertainty: grs predict writes no "
                          "cross-validation spread.</p></section>\n");
    }
    grs_out_printf(o, "<section id=\"notes\"><h2>Notes</h2><p class=\"note\">Percentile interval: ");
    grs_html_text(o, pct_interval_covers);
    grs_out_printf(o, ". Genotype uncertainty: ");
    grs_html_text(o, geno_var_note);
    grs_out_printf(o, ".</p></section>\n<section id=\"provenance\"><h2>Runs used</h2><table>\n"
                      "<tr><th>run</th><th>created</th><th>kind</th><th>grs</th><th>command</th></tr>\n");
    write_runs_lines(db, o, q, 1);
    grs_out_printf(o, "</table></section>\n<p class=\"note\">grs " GRS_VERSION " query of ");
    grs_html_text(o, q->db_path);
    grs_out_printf(o, "</p>\n</body></html>\n");
}

/* --explain: each score from a score run, recomputed from the files its provenance names */
static int explain_all(sqlite3 *db, query_t *q, int n_top)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT inputs_json FROM runs WHERE run_id=?1", -1, &st, NULL) != SQLITE_OK) {
        grs_log_error("'%s': %s", q->db_path, sqlite3_errmsg(db));
        return GRS_EIO;
    }
    for (int k = 0; k < q->n_sc; k++) {
        qscore_t *s = &q->sc[k];
        if (s->score_run < 0) { s->explained = -1; s->ex_note = "no grs score run stored for this score"; continue; }
        sqlite3_bind_int64(st, 1, s->score_run);
        const char *ij = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        int r = grs_store_explain(ij, q->sample, s->name, n_top, &s->ex);
        sqlite3_reset(st);
        if (r == GRS_ENOMEM) { sqlite3_finalize(st); grs_log_error("out of memory"); return r; }
        s->explained = r == GRS_OK ? 1 : -1;
        s->ex_note = r == GRS_OK ? NULL : r == GRS_EIO ? "the score run's files no longer exist or changed (see the warning)"
                   : r == GRS_EUNSUPPORTED ? "this run's kind of input is not explained (see the warning)"
                   : r == GRS_EINPUT ? "the sample or score is not in the run's files (see the warning)"
                   : "the run's files could not be read (see the warning)";
    }
    sqlite3_finalize(st);
    return GRS_OK;
}

static void usage_query(FILE *fp)
{
    fprintf(fp,
"Usage: grs query --db F.sqlite --sample ID [--score NAME ...] [--format text|json|html] [--out F]\n"
"One patient's risk from a results store: raw score, percentile and Z in the most similar\n"
"reference population, Z_norm1/Z_norm2, risk category, odds ratio vs the population average,\n"
"uncertainty, coverage and stored model predictions. Only this patient's values are written.\n\n"
"  --db F          results store (written by grs score/predict --db or grs store)\n"
"  --sample ID     the sample's IID\n"
"  --score NAME    only this score (repeatable) [every score with a value for the sample]\n"
"  --run N         use run N only [the latest run per score]\n"
"  --explain N     recompute the N largest per-variant contributions and the variance from missing\n"
"                  calls from the score run's genotype, scoring and match files (if they still exist)\n"
"  --format F      text (terminal), json (schema_version %d) or html (one page, SVG) [text]\n"
"  --out F         output file [-: stdout]\n"
"  -v N            verbosity 0..6 [3]     -h, --help\n", QUERY_SCHEMA_VERSION);
}

int main_query(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "db", required_argument, NULL, 1 }, { "sample", required_argument, NULL, 2 },
        { "score", required_argument, NULL, 3 }, { "format", required_argument, NULL, 4 },
        { "run", required_argument, NULL, 5 }, { "out", required_argument, NULL, 'o' },
        { "explain", required_argument, NULL, 6 },
        { "verbosity", required_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *db_path = NULL, *sample = NULL, *format = "text", *out = "-";
    char *want[MAX_QSCORES];
    int n_want = 0, c, ret = 1;
    int64_t run = -1, k, explain = 0;
    grs_store_db_t *db = NULL;
    grs_out_t *o = NULL;
    query_t q;

    memset(&q, 0, sizeof(q));
    while ((c = getopt_long(argc, argv, "o:v:h", lopts, NULL)) >= 0) {
        switch (c) {
        case 1: db_path = optarg; break;
        case 2: sample = optarg; break;
        case 3:
            if (n_want == MAX_QSCORES) { grs_log_error("at most %d --score", MAX_QSCORES); return 2; }
            want[n_want++] = optarg; break;
        case 4: format = optarg; break;
        case 5:
            if (grs_parse_int64(optarg, &run) < 0 || run < 1) { grs_log_error("--run must be a run id >= 1"); return 2; }
            break;
        case 6:
            if (grs_parse_int64(optarg, &explain) < 0 || explain < 1 || explain > 100000) {
                grs_log_error("--explain must be a number of variants, 1 to 100000");
                return 2;
            }
            break;
        case 'o': out = optarg; break;
        case 'v':
            if (grs_parse_int64(optarg, &k) < 0 || k < 0 || k > 6) { grs_log_error("-v must be 0..6"); return 2; }
            grs_cmd_set_verbosity((int)k); break;
        case 'h': usage_query(stdout); return 0;
        default: usage_query(stderr); return 2;
        }
    }
    if (optind < argc || !db_path || !sample) {
        grs_log_error(optind < argc ? "unexpected argument" : "--db and --sample are required");
        usage_query(stderr);
        return 2;
    }
    if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "html")) {
        grs_log_error("--format must be text, json or html, not '%s'", format);
        return 2;
    }
    if (grs_store_open(db_path, 0, 1, &db) < 0) goto done;
    q.db_path = db_path;
    q.sample = sample;
    /* one read transaction: one shared lock and one journal check for all the statements */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        grs_log_error("'%s': %s", db_path, sqlite3_errmsg(db));
        goto done;
    }
    if (load(db, &q, want, n_want, run) < 0) goto done;
    if (explain && explain_all(db, &q, (int)explain) < 0) goto done;
    if (!(o = grs_out_open(out, 0))) goto done;
    if (!strcmp(format, "json")) write_json(db, o, &q);
    else if (!strcmp(format, "html")) write_html(db, o, &q);
    else write_text(db, o, &q);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    c = grs_out_close(o, 1);
    o = NULL;
    if (c < 0) goto done;
    ret = 0;
done:
    grs_out_close(o, 0);
    query_free(&q);
    grs_store_close(db);
    return ret;
}

/* ---- grs store ------------------------------------------------------------------------------ */

static void usage_store(FILE *fp)
{
    fprintf(fp,
"Usage: grs store --db F.sqlite [--scores P.sscore] [--summary P.summary.json] [--norm P.norm.tsv]\n"
"                 [--refdist P.refdist.json] [--ancestry A.ancestry.tsv] [--predict P.predict.tsv] [--report R.json]\n"
"Add existing outputs to a results store as one run (all or nothing). The store is created\n"
"with mode 0600 if absent.\n\n"
"  --db F          results store\n"
"  --scores F      .sscore of grs score or plink2 (its .summary.json beside it is read too)\n"
"  --summary F     summary.json of grs score (match counts, PGS ID, trait)\n"
"  --norm F        PREFIX.norm.tsv of grs normalize\n"
"  --refdist F     P.refdist.json of grs normalize: the reference summaries (else from --norm's\n"
"                  reference rows)\n"
"  --ancestry F    PREFIX.ancestry.tsv of grs ancestry\n"
"  --predict F     PREFIX.predict.tsv of grs predict\n"
"  --report F      report.json of grs report (OR per SD per score)\n"
"  -v N            verbosity 0..6 [3]     -h, --help\n");
}

int main_store(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "db", required_argument, NULL, 1 }, { "scores", required_argument, NULL, 2 },
        { "summary", required_argument, NULL, 3 }, { "norm", required_argument, NULL, 4 },
        { "ancestry", required_argument, NULL, 5 }, { "predict", required_argument, NULL, 6 },
        { "report", required_argument, NULL, 7 }, { "refdist", required_argument, NULL, 8 },
        { "verbosity", required_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
    };
    grs_store_inputs_t in;
    const char *db_path = NULL;
    int c, st;
    int64_t k;
    double t0 = grs_wall_seconds();

    memset(&in, 0, sizeof(in));
    while ((c = getopt_long(argc, argv, "v:h", lopts, NULL)) >= 0) {
        switch (c) {
        case 1: db_path = optarg; break;
        case 2: in.sscore = optarg; break;
        case 3: in.summary_json = optarg; break;
        case 4: in.norm_tsv = optarg; break;
        case 8: in.refdist_json = optarg; break;
        case 5: in.ancestry_tsv = optarg; break;
        case 6: in.predict_tsv = optarg; break;
        case 7: in.report_json = optarg; break;
        case 'v':
            if (grs_parse_int64(optarg, &k) < 0 || k < 0 || k > 6) { grs_log_error("-v must be 0..6"); return 2; }
            grs_cmd_set_verbosity((int)k); break;
        case 'h': usage_store(stdout); return 0;
        default: usage_store(stderr); return 2;
        }
    }
    if (optind < argc || !db_path ||
        !(in.sscore || in.summary_json || in.norm_tsv || in.refdist_json || in.ancestry_tsv || in.predict_tsv || in.report_json)) {
        grs_log_error(optind < argc ? "unexpected argument" : !db_path ? "--db is required" : "nothing to store: give "
                      "--scores, --summary, --norm, --ancestry, --predict or --report");
        usage_store(stderr);
        return 2;
    }
    grs_cmd_log_start(argc, argv);
    char *cl = grs_cmdline(argc, argv), *full = grs_sprintf("grs %s", cl ? cl : "");
    in.command = full;
    in.kind = "store";
    st = grs_store_ingest(db_path, &in);
    free(cl);
    free(full);
    if (st < 0) return 1;
    grs_cmd_log_end("store", t0);
    return 0;
}
