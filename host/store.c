/* store.c -- the results store (see store.h): schema, safe creation, all-or-nothing ingest of
 * .sscore, summary.json, norm.tsv, ancestry.tsv, predict.tsv and report.json. */
#include "store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/hts.h>
#include <htslib/kseq.h>
#include <htslib/kstring.h>
#include <htslib/vcf.h>
#include <sqlite3.h>

#include "grs/geno.h"
#include "grs/log.h"
#include "grs/status.h"
#include "normalize.h"
#include "shard.h"
#include "scorefile.h"
#include "util.h"

static const char *const schema_sql =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    "CREATE TABLE runs(run_id INTEGER PRIMARY KEY, created TEXT, grs_version TEXT, command TEXT,"
    " kind TEXT, inputs_json TEXT);"
    "CREATE TABLE samples(sample_id TEXT PRIMARY KEY, fid TEXT) WITHOUT ROWID;"
    "CREATE TABLE scores(run_id INTEGER NOT NULL, sample_id TEXT NOT NULL, score TEXT NOT NULL,"
    " raw REAL, avg REAL, allele_ct REAL, denom REAL, named_dosage REAL, coverage REAL,"
    " PRIMARY KEY(sample_id, score, run_id)) WITHOUT ROWID;"
    "CREATE TABLE norm(run_id INTEGER NOT NULL, sample_id TEXT NOT NULL, score TEXT NOT NULL,"
    " dataset TEXT, pop TEXT, low_conf INTEGER, raw REAL, percentile REAL, z REAL, z_norm1 REAL,"
    " z_norm2 REAL, PRIMARY KEY(sample_id, score, run_id)) WITHOUT ROWID;"
    "CREATE TABLE ref_dist(run_id INTEGER NOT NULL, score TEXT NOT NULL, pop TEXT NOT NULL,"
    " n INTEGER, mean REAL, sd REAL, min REAL, max REAL,"
    " PRIMARY KEY(score, pop, run_id)) WITHOUT ROWID;"
    "CREATE TABLE ancestry(run_id INTEGER NOT NULL, sample_id TEXT NOT NULL, pop TEXT,"
    " low_conf INTEGER, pcs_json TEXT, p_json TEXT, PRIMARY KEY(sample_id, run_id)) WITHOUT ROWID;"
    "CREATE TABLE predictions(run_id INTEGER NOT NULL, sample_id TEXT NOT NULL, model TEXT NOT NULL,"
    " trait TEXT, calibrated INTEGER, lp REAL, risk REAL, contrib_json TEXT, top_features TEXT,"
    " PRIMARY KEY(sample_id, model, run_id)) WITHOUT ROWID;"
    "CREATE TABLE score_meta(run_id INTEGER NOT NULL, score TEXT NOT NULL, pgs_id TEXT,"
    " pgs_name TEXT, trait TEXT, n_variants_total INTEGER, n_matched INTEGER, or_per_sd REAL,"
    " or_lo REAL, or_hi REAL, auc REAL, cohort_column TEXT, cohort_n INTEGER, cohort_mean REAL,"
    " cohort_sd REAL, PRIMARY KEY(score, run_id)) WITHOUT ROWID;";

/* ---- small helpers ------------------------------------------------------------------------- */

static int sql_exec(sqlite3 *db, const char *path, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        grs_log_error("'%s': %s", path, err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return GRS_EIO;
    }
    return GRS_OK;
}

static int sql_prepare(sqlite3 *db, const char *path, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        grs_log_error("'%s': %s", path, sqlite3_errmsg(db));
        return GRS_EIO;
    }
    return GRS_OK;
}

/* bind a number, NULL for NaN (the stores keeps "not computed" as NULL) */
static void bind_num(sqlite3_stmt *st, int i, double x)
{
    if (isnan(x)) sqlite3_bind_null(st, i);
    else sqlite3_bind_double(st, i, x);
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
    if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

/* step a bound INSERT and reset it; logs with the input's file and line */
static int step_done(sqlite3 *db, sqlite3_stmt *st, const char *fn, int64_t line)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (r != SQLITE_DONE) {
        if (line > 0) grs_log_error("'%s': line %" PRId64 ": cannot store: %s", fn, line, sqlite3_errmsg(db));
        else grs_log_error("'%s': cannot store: %s", fn, sqlite3_errmsg(db));
        return r == SQLITE_CONSTRAINT ? GRS_EFORMAT : GRS_EIO;
    }
    return GRS_OK;
}

/* a number cell: NaN for NA/nan/./empty; -1 for anything else that is not a number */
static int cell_num(const char *s, double *x)
{
    if (!*s || !strcmp(s, "NA") || !strcasecmp(s, "nan") || !strcmp(s, ".")) { *x = NAN; return 0; }
    return grs_parse_double(s, x);
}

static int cell_bool(const char *s)
{
    return !strcasecmp(s, "TRUE") || !strcmp(s, "1") || !strcasecmp(s, "T") || !strcasecmp(s, "yes");
}

static void kput_json_str(kstring_t *k, const char *s)
{
    kputc('"', k);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { kputc('\\', k); kputc(c, k); }
        else if (c < 0x20) ksprintf(k, "\\u%04x", c);
        else kputc(c, k);
    }
    kputc('"', k);
}

static void kput_json_num(kstring_t *k, double x)
{
    if (isfinite(x)) ksprintf(k, "%.17g", x);
    else kputs("null", k);
}

/* ---- a streaming reader of the tab-separated outputs ----------------------------------------
 * Lines starting "##" (provenance) and blank lines are skipped; the first other line is the
 * header (a leading '#' is dropped); fields are split on tabs, or on runs of blanks when the
 * header has no tab (plink2 .sscore written with spaces). */
typedef struct {
    const char *fn;
    htsFile *fp;
    kstring_t line;
    char **f;
    int64_t cap, lineno;
    int n_cols;
    char **names;
    char delim;
} tsv_t;

static void tsv_close(tsv_t *t)
{
    if (t->fp) hts_close(t->fp);
    if (t->names) for (int c = 0; c < t->n_cols; c++) free(t->names[c]);
    free(t->names);
    free(t->f);
    free(t->line.s);
    memset(t, 0, sizeof(*t));
}

static int tsv_open(const char *fn, tsv_t *t)
{
    memset(t, 0, sizeof(*t));
    t->fn = fn;
    if (!(t->fp = hts_open(fn, "r"))) {
        grs_log_error("cannot open '%s': %s", fn, strerror(errno ? errno : ENOENT));
        return GRS_EIO;
    }
    while (hts_getline(t->fp, KS_SEP_LINE, &t->line) >= 0) {
        t->lineno++;
        while (t->line.l && (t->line.s[t->line.l - 1] == '\r')) t->line.s[--t->line.l] = 0;
        if (!t->line.l || !strncmp(t->line.s, "##", 2)) continue;
        t->delim = strchr(t->line.s, '\t') ? '\t' : ' ';
        char *s = t->line.s[0] == '#' ? t->line.s + 1 : t->line.s;
        int64_t nf = grs_split_grow(s, t->delim, &t->f, &t->cap);
        if (nf < 0) return GRS_ENOMEM;
        if (nf < 1 || nf > 100000) {
            grs_log_error("'%s': line %" PRId64 ": bad header", fn, t->lineno);
            return GRS_EFORMAT;
        }
        if (!(t->names = (char **)calloc(nf, sizeof(char *)))) return GRS_ENOMEM;
        t->n_cols = (int)nf;
        for (int c = 0; c < t->n_cols; c++)
            if (!(t->names[c] = strdup(t->f[c]))) return GRS_ENOMEM;
        return GRS_OK;
    }
    grs_log_error("'%s': empty file (no header line)", fn);
    return GRS_EFORMAT;
}

static int tsv_col(const tsv_t *t, const char *name)
{
    for (int c = 0; c < t->n_cols; c++) if (!strcmp(t->names[c], name)) return c;
    for (int c = 0; c < t->n_cols; c++) if (!strcasecmp(t->names[c], name)) return c;
    return -1;
}

/* required column: logs naming the file */
static int tsv_need(const tsv_t *t, const char *name, int *col)
{
    if ((*col = tsv_col(t, name)) < 0) {
        grs_log_error("'%s': line %" PRId64 ": no column '%s' in the header", t->fn, t->lineno, name);
        return GRS_EFORMAT;
    }
    return GRS_OK;
}

/* next row into t->f: 1, 0 at the end, < 0 on error (logged) */
static int tsv_next(tsv_t *t)
{
    int r;
    while ((r = hts_getline(t->fp, KS_SEP_LINE, &t->line)) >= 0) {
        t->lineno++;
        while (t->line.l && (t->line.s[t->line.l - 1] == '\r')) t->line.s[--t->line.l] = 0;
        if (!t->line.l || t->line.s[0] == '#') continue;
        int64_t nf = grs_split_grow(t->line.s, t->delim, &t->f, &t->cap);
        if (nf < 0) return GRS_ENOMEM;
        if (nf == 0) continue;
        if (nf != t->n_cols) {
            grs_log_error("'%s': line %" PRId64 ": %" PRId64 " fields, the header has %d", t->fn, t->lineno, nf, t->n_cols);
            return GRS_EFORMAT;
        }
        return 1;
    }
    if (r < -1) { grs_log_error("'%s': read error after line %" PRId64, t->fn, t->lineno); return GRS_EIO; }
    return 0;
}

static int tsv_num(tsv_t *t, int c, double *x)
{
    if (c < 0) { *x = NAN; return GRS_OK; }
    if (cell_num(t->f[c], x) < 0) {
        grs_log_error("'%s': line %" PRId64 ": column %s: '%s' is not a number", t->fn, t->lineno, t->names[c], t->f[c]);
        return GRS_EFORMAT;
    }
    return GRS_OK;
}

/* ---- JSON inputs (summary.json, report.json, predict.json) through shard.h's reader ---------- */
typedef grs_jv_t jv_t;

static const jv_t *jget(const jv_t *o, const char *key)
{
    return o && o->type == GRS_JV_OBJ ? grs_jv_get(o, key) : NULL;
}

static double jnum(const jv_t *o, const char *key)
{
    const jv_t *v = jget(o, key);
    return !v ? NAN : v->type == GRS_JV_NUM ? v->num : v->type == GRS_JV_BOOL ? (double)v->b : NAN;
}

static const char *jstr(const jv_t *o, const char *key)
{
    const jv_t *v = jget(o, key);
    return v && v->type == GRS_JV_STR ? v->str : NULL;
}

/* a whole file that must hold a JSON object */
static int json_read(const char *fn, jv_t **v)
{
    int ret = grs_jv_read(fn, v);
    if (ret < 0) return ret;
    if ((*v)->type != GRS_JV_OBJ) {
        grs_log_error("'%s': not a JSON object", fn);
        grs_jv_free(*v);
        *v = NULL;
        return GRS_EFORMAT;
    }
    return GRS_OK;
}

/* ---- open / create -------------------------------------------------------------------------- */

static int user_version(sqlite3 *db, int *ver)
{
    sqlite3_stmt *st = NULL;
    int r = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (r == SQLITE_OK && (r = sqlite3_step(st)) == SQLITE_ROW) { *ver = sqlite3_column_int(st, 0); r = SQLITE_OK; }
    sqlite3_finalize(st);
    return r;
}

/* open or create; *created: this call created the file (O_EXCL won). *ino: the file opened. */
static int store_open(const char *path, int create_ok, int read_only, sqlite3 **out, int *created, struct stat *ino)
{
    int ret = GRS_EFORMAT, ver = 0, r;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    struct stat sb;
    char *fmt = NULL;

    *out = NULL;
    *created = 0;
    if (stat(path, &sb) < 0) {
        if (errno != ENOENT || !create_ok) {
            grs_log_error("cannot open results store '%s': %s", path, strerror(errno));
            return GRS_EIO;
        }
        /* owner-only from the start: create it ourselves, then fchmod so the umask cannot widen
         * or narrow it; SQLite gives its journal the mode of the database file. Another process
         * may create it at the same moment: then it is opened as an existing store. */
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd >= 0 && fchmod(fd, 0600) < 0) {
            grs_log_error("cannot create results store '%s': %s", path, strerror(errno));
            close(fd);
            unlink(path);
            return GRS_EIO;
        }
        if (fd < 0 && errno != EEXIST) {
            grs_log_error("cannot create results store '%s': %s", path, strerror(errno));
            return GRS_EIO;
        }
        if (fd >= 0) { close(fd); *created = 1; }
        if (stat(path, &sb) < 0) {
            grs_log_error("cannot open results store '%s': %s", path, strerror(errno));
            return GRS_EIO;
        }
    }
    if (!S_ISREG(sb.st_mode)) {
        grs_log_error("'%s': not a grs results store (not a regular file)", path);
        return GRS_EFORMAT;
    }
    if (sb.st_size == 0 && read_only) {
        grs_log_error("'%s': not a grs results store (empty file)", path);
        return GRS_EFORMAT;
    }
    if (ino) *ino = sb;
    /* readers open read-write when they may: a hot journal left by a killed writer must be rolled
     * back before the store can be read, and a read-only connection cannot do that */
    r = sqlite3_open_v2(path, &db, read_only && access(path, W_OK) != 0 ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE,
                        NULL);
    if (r != SQLITE_OK) {
        grs_log_error("cannot open results store '%s': %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        ret = db ? GRS_EIO : GRS_ENOMEM;
        goto fail;
    }
    /* a writer waits for another writer's run (pipelines run jobs in parallel) up to 10 min; a
     * reader waits up to 1 min for a commit */
    sqlite3_busy_timeout(db, read_only ? 60000 : 600000);
    if ((r = user_version(db, &ver)) != SQLITE_OK) {
        if (r == SQLITE_NOTADB || r == SQLITE_CORRUPT)
            grs_log_error("'%s': not a grs results store (not an SQLite database)", path);
        else grs_log_error("'%s': cannot read: %s", path, sqlite3_errmsg(db));
        ret = r == SQLITE_NOTADB || r == SQLITE_CORRUPT ? GRS_EFORMAT : GRS_EIO;
        goto fail;
    }
    if (sb.st_size == 0 && ver == 0) {
        /* a new store: the schema and its version in one transaction, unless a concurrent
         * process initialised it while this one waited for the lock */
        char *sql = grs_sprintf("%sPRAGMA user_version=%d;"
                                "INSERT INTO meta VALUES('format','%s'),('schema_version','%d'),"
                                "('created_by','grs %s');",
                                schema_sql, GRS_STORE_SCHEMA_VERSION, GRS_STORE_FORMAT,
                                GRS_STORE_SCHEMA_VERSION, GRS_VERSION);
        if (!sql) { ret = GRS_ENOMEM; goto fail; }
        if ((r = sql_exec(db, path, "BEGIN IMMEDIATE")) < 0) { free(sql); ret = r; goto fail; }
        if (user_version(db, &ver) != SQLITE_OK) ver = -1;
        r = ver == 0 ? sql_exec(db, path, sql) : GRS_OK;
        free(sql);
        if (r < 0 || (r = sql_exec(db, path, "COMMIT")) < 0) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            ret = r;
            goto fail;
        }
        if (user_version(db, &ver) != SQLITE_OK) ver = -1;
    }
    /* it must be ours and not newer than this build */
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='format'", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW || !sqlite3_column_text(st, 0) ||
        strcmp((const char *)sqlite3_column_text(st, 0), GRS_STORE_FORMAT)) {
        grs_log_error("'%s': not a grs results store (an SQLite database without grs's meta table)", path);
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (ver > GRS_STORE_SCHEMA_VERSION) {
        if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='created_by'", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            fmt = strdup((const char *)sqlite3_column_text(st, 0));
        grs_log_error("'%s': written by a newer grs (%s; store schema version %d, this grs %s reads up to "
                      "version %d): use a newer grs", path, fmt ? fmt : "unknown", ver, GRS_VERSION,
                      GRS_STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (ver < 1) { grs_log_error("'%s': not a grs results store (schema version %d)", path, ver); goto fail; }
    *out = db;
    return GRS_OK;
fail:
    free(fmt);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ret;
}

int grs_store_open(const char *path, int create_ok, int read_only, grs_store_db_t **out)
{
    int created;
    return store_open(path, create_ok, read_only, out, &created, NULL);
}

void grs_store_close(grs_store_db_t *db)
{
    if (db) sqlite3_close(db);
}

/* ---- ingest ------------------------------------------------------------------------------------ */

typedef struct {
    sqlite3 *db;
    const char *path;
    int64_t run;
    sqlite3_stmt *sample;        /* INSERT OR IGNORE INTO samples */
    kstring_t last;              /* the sample added last: long-format inputs repeat it per score */
    int64_t n_scores, n_norm, n_anc, n_pred, n_meta;
} ing_t;

static int add_sample(ing_t *g, const char *iid, const char *fid, const char *fn, int64_t line)
{
    if (g->last.l && !strcmp(g->last.s, iid)) return GRS_OK;
    g->last.l = 0;
    kputs(iid, &g->last);
    sqlite3_bind_text(g->sample, 1, iid, -1, SQLITE_STATIC);
    bind_str(g->sample, 2, fid);
    return step_done(g->db, g->sample, fn, line);
}

#define META_UPSERT \
    "INSERT INTO score_meta(run_id, score, pgs_id, pgs_name, trait, n_variants_total, n_matched, or_per_sd," \
    " or_lo, or_hi, auc, cohort_column, cohort_n, cohort_mean, cohort_sd) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9," \
    "?10,?11,?12,?13,?14,?15) ON CONFLICT(score, run_id) DO UPDATE SET" \
    " pgs_id=coalesce(excluded.pgs_id, pgs_id), pgs_name=coalesce(excluded.pgs_name, pgs_name)," \
    " trait=coalesce(excluded.trait, trait), n_variants_total=coalesce(excluded.n_variants_total, n_variants_total)," \
    " n_matched=coalesce(excluded.n_matched, n_matched), or_per_sd=coalesce(excluded.or_per_sd, or_per_sd)," \
    " or_lo=coalesce(excluded.or_lo, or_lo), or_hi=coalesce(excluded.or_hi, or_hi), auc=coalesce(excluded.auc, auc)," \
    " cohort_column=coalesce(excluded.cohort_column, cohort_column), cohort_n=coalesce(excluded.cohort_n, cohort_n)," \
    " cohort_mean=coalesce(excluded.cohort_mean, cohort_mean), cohort_sd=coalesce(excluded.cohort_sd, cohort_sd)"

static int ingest_sscore(ing_t *g, const char *fn)
{
    tsv_t t;
    sqlite3_stmt *st = NULL;
    int ret, r, c_fid, c_iid, c_ct, c_den, c_nam, n_sc = 0;
    int *c_avg = NULL, *c_sum = NULL;
    char **names = NULL;

    if ((ret = tsv_open(fn, &t)) < 0) goto fail;
    ret = GRS_EFORMAT;
    c_fid = tsv_col(&t, "FID");
    if ((c_iid = tsv_col(&t, "IID")) < 0) {
        grs_log_error("'%s': line %" PRId64 ": no IID column (expected plink2's .sscore layout)", fn, t.lineno);
        goto fail;
    }
    if ((c_ct = tsv_col(&t, "ALLELE_CT")) < 0) c_ct = tsv_col(&t, "NMISS_ALLELE_CT");
    c_den = tsv_col(&t, "DENOM");
    c_nam = tsv_col(&t, "NAMED_ALLELE_DOSAGE_SUM");
    if (!(c_avg = (int *)malloc(t.n_cols * sizeof(int))) || !(c_sum = (int *)malloc(t.n_cols * sizeof(int))) ||
        !(names = (char **)calloc(t.n_cols, sizeof(char *)))) { ret = GRS_ENOMEM; goto fail; }
    for (int c = 0; c < t.n_cols; c++) {
        const char *nm = t.names[c];
        size_t l = strlen(nm);
        if (c == c_nam || l <= 4 || (strcmp(nm + l - 4, "_AVG") && strcmp(nm + l - 4, "_SUM"))) continue;
        int is_sum = !strcmp(nm + l - 4, "_SUM"), k;
        for (k = 0; k < n_sc; k++) if (strlen(names[k]) == l - 4 && !strncmp(names[k], nm, l - 4)) break;
        if (k == n_sc) {
            if (!(names[n_sc] = strndup(nm, l - 4))) { ret = GRS_ENOMEM; goto fail; }
            c_avg[n_sc] = c_sum[n_sc] = -1;
            n_sc++;
        }
        if (is_sum) c_sum[k] = c; else c_avg[k] = c;
    }
    if (n_sc == 0) { grs_log_error("'%s': no <score>_AVG or <score>_SUM columns", fn); goto fail; }
    if ((ret = sql_prepare(g->db, g->path, "INSERT INTO scores VALUES(?,?,?,?,?,?,?,?,?)", &st)) < 0) goto fail;
    while ((r = tsv_next(&t)) > 0) {
        double ct, den, nam, avg, sum;
        const char *iid = t.f[c_iid];
        if ((ret = tsv_num(&t, c_ct, &ct)) < 0 || (ret = tsv_num(&t, c_den, &den)) < 0 ||
            (ret = tsv_num(&t, c_nam, &nam)) < 0) goto fail;
        if ((ret = add_sample(g, iid, c_fid >= 0 ? t.f[c_fid] : NULL, fn, t.lineno)) < 0) goto fail;
        for (int k = 0; k < n_sc; k++) {
            if ((ret = tsv_num(&t, c_avg[k], &avg)) < 0 || (ret = tsv_num(&t, c_sum[k], &sum)) < 0) goto fail;
            sqlite3_bind_int64(st, 1, g->run);
            sqlite3_bind_text(st, 2, iid, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, names[k], -1, SQLITE_STATIC);
            bind_num(st, 4, sum);
            bind_num(st, 5, avg);
            bind_num(st, 6, ct);
            bind_num(st, 7, den);
            bind_num(st, 8, nam);
            bind_num(st, 9, den > 0 ? ct / den : NAN);
            if ((ret = step_done(g->db, st, fn, t.lineno)) < 0) goto fail;
            g->n_scores++;
        }
    }
    ret = r < 0 ? r : GRS_OK;
fail:
    sqlite3_finalize(st);
    if (names) for (int k = 0; k < n_sc; k++) free(names[k]);
    free(names); free(c_avg); free(c_sum);
    tsv_close(&t);
    return ret;
}

static int ingest_summary(ing_t *g, const char *fn)
{
    jv_t *v = NULL;
    sqlite3_stmt *st = NULL;
    int ret = json_read(fn, &v);
    if (ret < 0) return ret;
    const jv_t *files = jget(v, "score_files");
    if (!files || files->type != GRS_JV_ARR) {
        grs_log_error("'%s': no \"score_files\" array (expected the summary.json of grs score)", fn);
        ret = GRS_EFORMAT;
        goto fail;
    }
    if ((ret = sql_prepare(g->db, g->path, META_UPSERT, &st)) < 0) goto fail;
    for (int64_t i = 0; i < files->n; i++) {
        const jv_t *f = &files->items[i], *sc = jget(f, "scores");
        if (!sc || sc->type != GRS_JV_ARR) continue;
        for (int64_t q = 0; q < sc->n; q++) {
            if (sc->items[q].type != GRS_JV_STR) continue;
            double rows = jnum(f, "rows"), matched = jnum(f, "matched");
            sqlite3_bind_int64(st, 1, g->run);
            sqlite3_bind_text(st, 2, sc->items[q].str, -1, SQLITE_STATIC);
            bind_str(st, 3, jstr(f, "pgs_id"));
            bind_str(st, 4, jstr(f, "pgs_name"));
            bind_str(st, 5, jstr(f, "trait_reported"));
            if (!isnan(rows)) sqlite3_bind_int64(st, 6, (int64_t)rows);
            if (!isnan(matched)) sqlite3_bind_int64(st, 7, (int64_t)matched);
            if ((ret = step_done(g->db, st, fn, 0)) < 0) goto fail;
            g->n_meta++;
        }
    }
    ret = GRS_OK;
fail:
    sqlite3_finalize(st);
    grs_jv_free(v);
    return ret;
}

static int ingest_report(ing_t *g, const char *fn)
{
    jv_t *v = NULL;
    sqlite3_stmt *st = NULL;
    int ret = json_read(fn, &v);
    if (ret < 0) return ret;
    const jv_t *sc = jget(v, "scores"), *ph = jget(v, "phenotype");
    if (!sc || sc->type != GRS_JV_ARR) {
        grs_log_error("'%s': no \"scores\" array (expected the report.json of grs report)", fn);
        ret = GRS_EFORMAT;
        goto fail;
    }
    if ((ret = sql_prepare(g->db, g->path, META_UPSERT, &st)) < 0) goto fail;
    for (int64_t i = 0; i < sc->n; i++) {
        const jv_t *s = &sc->items[i], *ov = jget(s, "overall");
        const char *name = jstr(s, "name");
        if (!name || !ov) continue;
        double n = jnum(ov, "n");
        sqlite3_bind_int64(st, 1, g->run);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        bind_str(st, 5, jstr(ph, "column"));
        bind_num(st, 8, jnum(ov, "or_per_sd"));
        bind_num(st, 9, jnum(ov, "or_lo"));
        bind_num(st, 10, jnum(ov, "or_hi"));
        bind_num(st, 11, jnum(ov, "auc"));
        bind_str(st, 12, jstr(s, "column"));
        if (!isnan(n)) sqlite3_bind_int64(st, 13, (int64_t)n);
        bind_num(st, 14, jnum(ov, "score_mean"));
        bind_num(st, 15, jnum(ov, "score_sd"));
        if ((ret = step_done(g->db, st, fn, 0)) < 0) goto fail;
        g->n_meta++;
    }
    ret = GRS_OK;
fail:
    sqlite3_finalize(st);
    grs_jv_free(v);
    return ret;
}

/* ref_dist rows from a saved refdist.json: n, mean, sd (ddof 1, as the aggregate below), min, max */
static int ingest_refdist(ing_t *g, const char *fn)
{
    grs_norm_model_t *M = NULL;
    sqlite3_stmt *rd = NULL;
    int ret;
    if ((ret = grs_norm_read(fn, &M)) < 0) return ret;
    if ((ret = sql_prepare(g->db, g->path, "INSERT INTO ref_dist VALUES(?,?,?,?,?,?,?,?)", &rd)) < 0) goto fail;
    for (int k = 0; k < M->n_scores; k++) {
        const grs_norm_score_t *sc = &M->scores[k];
        if (!sc->pop_n) continue;
        for (int p = 0; p < M->n_pops; p++) {
            int64_t n = sc->pop_n[p];
            if (n <= 0) continue;
            double sd = n > 1 ? sc->pop_std[p] * sqrt((double)n / (double)(n - 1)) : NAN;
            sqlite3_bind_int64(rd, 1, g->run);
            sqlite3_bind_text(rd, 2, sc->name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(rd, 3, M->pops[p], -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(rd, 4, n);
            bind_num(rd, 5, sc->pop_mean[p]);
            bind_num(rd, 6, sd);
            bind_num(rd, 7, sc->pop_sorted ? sc->pop_sorted[p][0] : NAN);
            bind_num(rd, 8, sc->pop_sorted ? sc->pop_sorted[p][n - 1] : NAN);
            if ((ret = step_done(g->db, rd, fn, 0)) < 0) goto fail;
        }
    }
    ret = GRS_OK;
fail:
    sqlite3_finalize(rd);
    grs_norm_destroy(M);
    return ret;
}

static int ingest_norm(ing_t *g, const char *fn, int with_ref)
{
    tsv_t t;
    sqlite3_stmt *st = NULL, *rt = NULL, *agg = NULL, *rd = NULL;
    int ret, r, c_fid, c_iid, c_ds, c_sc, c_sum, c_pop, c_lc, c_pct, c_z, c_z1, c_z2;

    if ((ret = tsv_open(fn, &t)) < 0) goto fail;
    c_fid = tsv_col(&t, "FID");
    if ((ret = tsv_need(&t, "IID", &c_iid)) < 0 || (ret = tsv_need(&t, "DATASET", &c_ds)) < 0 ||
        (ret = tsv_need(&t, "SCORE", &c_sc)) < 0 || (ret = tsv_need(&t, "SUM", &c_sum)) < 0 ||
        (ret = tsv_need(&t, "MostSimilarPop", &c_pop)) < 0 ||
        (ret = tsv_need(&t, "MostSimilarPop_LowConfidence", &c_lc)) < 0 ||
        (ret = tsv_need(&t, "percentile_MostSimilarPop", &c_pct)) < 0 ||
        (ret = tsv_need(&t, "Z_MostSimilarPop", &c_z)) < 0 || (ret = tsv_need(&t, "Z_norm1", &c_z1)) < 0 ||
        (ret = tsv_need(&t, "Z_norm2", &c_z2)) < 0)
        goto fail;
    /* reference individuals are summarised per (score, population), not stored one by one */
    if ((ret = sql_exec(g->db, g->path, "CREATE TEMP TABLE IF NOT EXISTS ref_tmp(score TEXT, pop TEXT, x REAL);"
                                        "DELETE FROM ref_tmp")) < 0 ||
        (ret = sql_prepare(g->db, g->path, "INSERT INTO norm VALUES(?,?,?,?,?,?,?,?,?,?,?)", &st)) < 0 ||
        (ret = sql_prepare(g->db, g->path, "INSERT INTO ref_tmp VALUES(?,?,?)", &rt)) < 0)
        goto fail;
    while ((r = tsv_next(&t)) > 0) {
        double sum, pct, z, z1, z2;
        if ((ret = tsv_num(&t, c_sum, &sum)) < 0 || (ret = tsv_num(&t, c_pct, &pct)) < 0 ||
            (ret = tsv_num(&t, c_z, &z)) < 0 || (ret = tsv_num(&t, c_z1, &z1)) < 0 ||
            (ret = tsv_num(&t, c_z2, &z2)) < 0)
            goto fail;
        if (!strcmp(t.f[c_ds], "reference")) {
            sqlite3_bind_text(rt, 1, t.f[c_sc], -1, SQLITE_STATIC);
            sqlite3_bind_text(rt, 2, t.f[c_pop], -1, SQLITE_STATIC);
            bind_num(rt, 3, sum);
            if ((ret = step_done(g->db, rt, fn, t.lineno)) < 0) goto fail;
            continue;
        }
        if ((ret = add_sample(g, t.f[c_iid], c_fid >= 0 ? t.f[c_fid] : NULL, fn, t.lineno)) < 0) goto fail;
        sqlite3_bind_int64(st, 1, g->run);
        sqlite3_bind_text(st, 2, t.f[c_iid], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, t.f[c_sc], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, t.f[c_ds], -1, SQLITE_STATIC);
        if (strcmp(t.f[c_pop], "NA")) sqlite3_bind_text(st, 5, t.f[c_pop], -1, SQLITE_STATIC);
        if (strcmp(t.f[c_lc], "NA")) sqlite3_bind_int(st, 6, cell_bool(t.f[c_lc]));
        bind_num(st, 7, sum);
        bind_num(st, 8, pct);
        bind_num(st, 9, z);
        bind_num(st, 10, z1);
        bind_num(st, 11, z2);
        if ((ret = step_done(g->db, st, fn, t.lineno)) < 0) goto fail;
        g->n_norm++;
    }
    if (r < 0) { ret = r; goto fail; }
    if (!with_ref) { ret = sql_exec(g->db, g->path, "DELETE FROM ref_tmp"); goto fail; }
    if ((ret = sql_prepare(g->db, g->path, "SELECT score, pop, count(x), avg(x), avg(x*x), min(x), max(x) FROM ref_tmp"
                                           " WHERE x IS NOT NULL GROUP BY score, pop", &agg)) < 0 ||
        (ret = sql_prepare(g->db, g->path, "INSERT INTO ref_dist VALUES(?,?,?,?,?,?,?,?)", &rd)) < 0)
        goto fail;
    while ((r = sqlite3_step(agg)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(agg, 2);
        double m = sqlite3_column_double(agg, 3), m2 = sqlite3_column_double(agg, 4);
        double var = n > 1 ? (m2 - m * m) * (double)n / (double)(n - 1) : NAN;
        sqlite3_bind_int64(rd, 1, g->run);
        sqlite3_bind_text(rd, 2, (const char *)sqlite3_column_text(agg, 0), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(rd, 3, (const char *)sqlite3_column_text(agg, 1), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(rd, 4, n);
        bind_num(rd, 5, m);
        bind_num(rd, 6, var >= 0 ? sqrt(var) : var < 0 ? 0 : NAN);
        bind_num(rd, 7, sqlite3_column_double(agg, 5));
        bind_num(rd, 8, sqlite3_column_double(agg, 6));
        if ((ret = step_done(g->db, rd, fn, 0)) < 0) goto fail;
    }
    if (r != SQLITE_DONE) { grs_log_error("'%s': %s", g->path, sqlite3_errmsg(g->db)); ret = GRS_EIO; goto fail; }
    ret = sql_exec(g->db, g->path, "DELETE FROM ref_tmp");
fail:
    sqlite3_finalize(st); sqlite3_finalize(rt); sqlite3_finalize(agg); sqlite3_finalize(rd);
    tsv_close(&t);
    return ret;
}

static int ingest_ancestry(ing_t *g, const char *fn)
{
    tsv_t t;
    sqlite3_stmt *st = NULL;
    kstring_t pcs = { 0, 0, NULL }, ps = { 0, 0, NULL };
    int ret, r, c_fid, c_iid, c_ds, c_pop, c_lc;

    if ((ret = tsv_open(fn, &t)) < 0) goto fail;
    c_fid = tsv_col(&t, "FID");
    if ((ret = tsv_need(&t, "IID", &c_iid)) < 0 || (ret = tsv_need(&t, "DATASET", &c_ds)) < 0 ||
        (ret = tsv_need(&t, "MostSimilarPop", &c_pop)) < 0 ||
        (ret = tsv_need(&t, "MostSimilarPop_LowConfidence", &c_lc)) < 0)
        goto fail;
    if ((ret = sql_prepare(g->db, g->path, "INSERT INTO ancestry VALUES(?,?,?,?,?,?)", &st)) < 0) goto fail;
    while ((r = tsv_next(&t)) > 0) {
        if (!strcmp(t.f[c_ds], "reference")) continue;
        pcs.l = ps.l = 0;
        kputc('{', &pcs);
        kputc('{', &ps);
        for (int c = 0; c < t.n_cols; c++) {
            const char *nm = t.names[c];
            int is_pc = nm[0] == 'P' && nm[1] == 'C' && isdigit((unsigned char)nm[2]);
            int is_p = !strncmp(nm, "Mahalanobis_P_", 14);
            double x;
            if (!is_pc && !is_p) continue;
            if ((ret = tsv_num(&t, c, &x)) < 0) goto fail;
            kstring_t *k = is_pc ? &pcs : &ps;
            if (k->l > 1) kputc(',', k);
            kput_json_str(k, is_pc ? nm : nm + 14);
            kputc(':', k);
            kput_json_num(k, x);
        }
        kputc('}', &pcs);
        kputc('}', &ps);
        if ((ret = add_sample(g, t.f[c_iid], c_fid >= 0 ? t.f[c_fid] : NULL, fn, t.lineno)) < 0) goto fail;
        sqlite3_bind_int64(st, 1, g->run);
        sqlite3_bind_text(st, 2, t.f[c_iid], -1, SQLITE_STATIC);
        if (strcmp(t.f[c_pop], "NA")) sqlite3_bind_text(st, 3, t.f[c_pop], -1, SQLITE_STATIC);
        if (strcmp(t.f[c_lc], "NA")) sqlite3_bind_int(st, 4, cell_bool(t.f[c_lc]));
        sqlite3_bind_text(st, 5, pcs.s, (int)pcs.l, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, ps.s, (int)ps.l, SQLITE_STATIC);
        if ((ret = step_done(g->db, st, fn, t.lineno)) < 0) goto fail;
        g->n_anc++;
    }
    ret = r < 0 ? r : GRS_OK;
fail:
    sqlite3_finalize(st);
    free(pcs.s); free(ps.s);
    tsv_close(&t);
    return ret;
}

static int ingest_predict(ing_t *g, const char *fn)
{
    tsv_t t;
    jv_t *pj = NULL;
    sqlite3_stmt *st = NULL;
    kstring_t cj = { 0, 0, NULL };
    char *model = NULL, *jfn = NULL;
    int ret, r, c_iid, c_lp, c_risk, c_top, calibrated = -1;
    const char *trait = NULL;
    size_t l = strlen(fn);

    if ((ret = tsv_open(fn, &t)) < 0) goto fail;
    if ((ret = tsv_need(&t, "IID", &c_iid)) < 0 || (ret = tsv_need(&t, "lp", &c_lp)) < 0) goto fail;
    c_risk = tsv_col(&t, "risk");
    c_top = tsv_col(&t, "top_features");
    /* the model's name and calibration come from PREFIX.predict.json beside the table */
    if (l > 12 && !strcmp(fn + l - 12, ".predict.tsv") && (jfn = grs_sprintf("%.*s.predict.json", (int)(l - 12), fn)) &&
        access(jfn, R_OK) == 0) {
        if ((ret = json_read(jfn, &pj)) < 0) goto fail;
        const char *mp = jstr(pj, "model");
        if (mp) {
            const char *b = strrchr(mp, '/');
            b = b ? b + 1 : mp;
            size_t bl = strlen(b);
            model = bl > 11 && !strcmp(b + bl - 11, ".model.json") ? strndup(b, bl - 11) : strdup(b);
        }
        trait = jstr(pj, "trait");
        double cal = jnum(pj, "calibrated");
        if (!isnan(cal)) calibrated = cal != 0;
    }
    if (!model) {
        const char *b = strrchr(fn, '/');
        b = b ? b + 1 : fn;
        size_t bl = strlen(b);
        model = bl > 12 && !strcmp(b + bl - 12, ".predict.tsv") ? strndup(b, bl - 12) : strdup(b);
    }
    if (!model) { ret = GRS_ENOMEM; goto fail; }
    if ((ret = sql_prepare(g->db, g->path, "INSERT INTO predictions VALUES(?,?,?,?,?,?,?,?,?)", &st)) < 0) goto fail;
    while ((r = tsv_next(&t)) > 0) {
        double lp, risk;
        if ((ret = tsv_num(&t, c_lp, &lp)) < 0 || (ret = tsv_num(&t, c_risk, &risk)) < 0) goto fail;
        cj.l = 0;
        kputc('{', &cj);
        for (int c = 0; c < t.n_cols; c++) {
            double x;
            if (strncmp(t.names[c], "contrib_", 8)) continue;
            if ((ret = tsv_num(&t, c, &x)) < 0) goto fail;
            if (cj.l > 1) kputc(',', &cj);
            kput_json_str(&cj, t.names[c] + 8);
            kputc(':', &cj);
            kput_json_num(&cj, x);
        }
        kputc('}', &cj);
        if ((ret = add_sample(g, t.f[c_iid], NULL, fn, t.lineno)) < 0) goto fail;
        sqlite3_bind_int64(st, 1, g->run);
        sqlite3_bind_text(st, 2, t.f[c_iid], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, model, -1, SQLITE_STATIC);
        bind_str(st, 4, trait);
        if (calibrated >= 0) sqlite3_bind_int(st, 5, calibrated);
        bind_num(st, 6, lp);
        bind_num(st, 7, risk);
        sqlite3_bind_text(st, 8, cj.s, (int)cj.l, SQLITE_STATIC);
        if (c_top >= 0 && *t.f[c_top]) sqlite3_bind_text(st, 9, t.f[c_top], -1, SQLITE_STATIC);
        if ((ret = step_done(g->db, st, fn, t.lineno)) < 0) goto fail;
        g->n_pred++;
    }
    ret = r < 0 ? r : GRS_OK;
fail:
    sqlite3_finalize(st);
    grs_jv_free(pj);
    free(cj.s); free(model); free(jfn);
    tsv_close(&t);
    return ret;
}

static void inputs_json_add(kstring_t *k, const char *role, const char *fn)
{
    char *fp, *abs;
    if (!fn) return;
    fp = grs_file_fingerprint(fn);
    abs = realpath(fn, NULL);
    kputs(k->l > 1 ? ",\n " : "\n ", k);
    kput_json_str(k, role);
    kputs(": {\"path\": ", k);
    kput_json_str(k, abs ? abs : fn);
    kputs(", \"fingerprint\": ", k);
    if (fp) kput_json_str(k, fp); else kputs("null", k);
    kputc('}', k);
    free(fp);
    free(abs);
}

int grs_store_ingest(const char *db_path, const grs_store_inputs_t *in)
{
    int ret, created = 0, in_tx = 0;
    struct stat sb, sb2;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *summary = NULL, when[32];
    kstring_t ij = { 0, 0, NULL };
    ing_t g;

    memset(&g, 0, sizeof(g));
    if (!in->sscore && !in->summary_json && !in->norm_tsv && !in->refdist_json && !in->ancestry_tsv && !in->predict_tsv && !in->report_json) {
        grs_log_error("'%s': nothing to store (no input given)", db_path);
        return GRS_EINVAL;
    }
    /* the summary.json of grs score sits beside its .sscore */
    if (in->sscore && !in->summary_json) {
        size_t l = strlen(in->sscore);
        if (l > 7 && !strcmp(in->sscore + l - 7, ".sscore") &&
            (summary = grs_sprintf("%.*s.summary.json", (int)(l - 7), in->sscore)) && access(summary, R_OK) != 0) {
            free(summary);
            summary = NULL;
        }
    }
    const char *sum_fn = in->summary_json ? in->summary_json : summary;
    if ((ret = store_open(db_path, 1, 0, &db, &created, &sb)) < 0) goto fail;
    g.db = db;
    g.path = db_path;
    kputc('{', &ij);
    inputs_json_add(&ij, "sscore", in->sscore);
    inputs_json_add(&ij, "summary_json", sum_fn);
    inputs_json_add(&ij, "norm_tsv", in->norm_tsv);
    inputs_json_add(&ij, "refdist_json", in->refdist_json);
    inputs_json_add(&ij, "ancestry_tsv", in->ancestry_tsv);
    inputs_json_add(&ij, "predict_tsv", in->predict_tsv);
    inputs_json_add(&ij, "report_json", in->report_json);
    kputs("\n}", &ij);
    grs_iso_time(when, sizeof(when));

    /* a larger page cache for big ingests (SQLite's default is 2 MiB) */
    if ((ret = sql_exec(db, db_path, "PRAGMA cache_size=-131072; BEGIN IMMEDIATE")) < 0) goto fail;
    in_tx = 1;
    /* while this run waited for the lock, a failed first run may have removed the store it had
     * created: never write into a file that is no longer the store's path */
    if (stat(db_path, &sb2) < 0 || sb2.st_ino != sb.st_ino || sb2.st_dev != sb.st_dev) {
        grs_log_error("'%s': the store was removed or replaced while this run waited for it: run again", db_path);
        ret = GRS_EIO;
        goto fail;
    }
    if ((ret = sql_prepare(db, db_path, "INSERT INTO runs(created, grs_version, command, kind, inputs_json) "
                                        "VALUES(?,?,?,?,?)", &st)) < 0)
        goto fail;
    sqlite3_bind_text(st, 1, when, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, GRS_VERSION " (" GRS_GIT ")", -1, SQLITE_STATIC);
    bind_str(st, 3, in->command);
    bind_str(st, 4, in->kind ? in->kind : "store");
    sqlite3_bind_text(st, 5, ij.s, (int)ij.l, SQLITE_STATIC);
    if ((ret = step_done(db, st, db_path, 0)) < 0) goto fail;
    g.run = sqlite3_last_insert_rowid(db);
    if ((ret = sql_prepare(db, db_path, "INSERT OR IGNORE INTO samples VALUES(?,?)", &g.sample)) < 0) goto fail;
    if (in->sscore && (ret = ingest_sscore(&g, in->sscore)) < 0) goto fail;
    if (sum_fn && (ret = ingest_summary(&g, sum_fn)) < 0) goto fail;
    if (in->norm_tsv && (ret = ingest_norm(&g, in->norm_tsv, !in->refdist_json)) < 0) goto fail;
    if (in->refdist_json && (ret = ingest_refdist(&g, in->refdist_json)) < 0) goto fail;
    if (in->ancestry_tsv && (ret = ingest_ancestry(&g, in->ancestry_tsv)) < 0) goto fail;
    if (in->predict_tsv && (ret = ingest_predict(&g, in->predict_tsv)) < 0) goto fail;
    if (in->report_json && (ret = ingest_report(&g, in->report_json)) < 0) goto fail;
    if ((ret = sql_exec(db, db_path, "COMMIT")) < 0) goto fail;
    in_tx = 0;
    grs_log_info("'%s': run %" PRId64 " stored: %" PRId64 " score values, %" PRId64 " normalized values, %" PRId64
                 " ancestry rows, %" PRId64 " predictions, %" PRId64 " score annotations", db_path, g.run,
                 g.n_scores, g.n_norm, g.n_anc, g.n_pred, g.n_meta);
    ret = GRS_OK;
fail:
    sqlite3_finalize(st);
    sqlite3_finalize(g.sample);
    if (in_tx) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    /* a store this call created holds nothing worth keeping when the ingest failed (unless a
     * concurrent run has stored something in it meanwhile) */
    if (ret < 0 && created && db) {
        sqlite3_stmt *c = NULL;
        int empty = sqlite3_prepare_v2(db, "SELECT count(*) FROM runs", -1, &c, NULL) == SQLITE_OK &&
                    sqlite3_step(c) == SQLITE_ROW && sqlite3_column_int64(c, 0) == 0;
        sqlite3_finalize(c);
        if (empty) unlink(db_path);
    } else if (ret < 0 && created) unlink(db_path);
    sqlite3_close(db);
    free(summary);
    free(ij.s);
    free(g.last.s);
    return ret;
}

/* ---- explain: one patient's per-variant contributions, recomputed from the run's files ------- */

typedef struct {
    char *key;                 /* normalised chrom \t pos \t ref \t alt */
    char *label;
    double w;
    int alt_effect;
    int found, missing;
    double dosage, p_eff;      /* effect allele dosage, effect allele frequency */
} xv_t;

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const xv_t *)a)->key, ((const xv_t *)b)->key);
}

static xv_t *find_key(xv_t *v, int64_t n, const char *key)
{
    xv_t k;
    k.key = (char *)key;
    return (xv_t *)bsearch(&k, v, n, sizeof(xv_t), cmp_key);
}

static char *var_key(const char *chrom, int64_t pos, const char *ref, const char *alt)
{
    char c[64];
    if (grs_chrom_normalize(chrom, c, sizeof(c)) < 0) snprintf(c, sizeof(c), "%s", chrom);
    return grs_sprintf("%s\t%" PRId64 "\t%s\t%s", c, pos, ref, alt);
}

/* a recorded path: as given, else beside the summary.json; NULL if neither exists */
static char *resolve(const char *p, const char *summary)
{
    if (!p) return NULL;
    if (access(p, R_OK) == 0) return strdup(p);
    const char *sl = strrchr(summary, '/');
    if (p[0] != '/' && sl) {
        char *q = grs_sprintf("%.*s/%s", (int)(sl - summary), summary, p);
        if (q && access(q, R_OK) == 0) return q;
        free(q);
    }
    return NULL;
}

static int cmp_contrib(const void *a, const void *b)
{
    double x = fabs(((const grs_store_contrib_t *)a)->contribution), y = fabs(((const grs_store_contrib_t *)b)->contribution);
    return x < y ? 1 : x > y ? -1 : strcmp(((const grs_store_contrib_t *)a)->variant, ((const grs_store_contrib_t *)b)->variant);
}

void grs_store_explain_free(grs_store_explain_t *e)
{
    if (!e) return;
    for (int i = 0; i < e->n_top; i++) { free(e->top[i].variant); free(e->top[i].effect_allele); }
    free(e->top);
    free(e->missing_policy);
    free(e->genotypes);
    memset(e, 0, sizeof(*e));
}

/* the patient's effect-allele dosages from a VCF/BCF (hard calls), and the cohort frequencies */
static int explain_vcf(const char *fn, const char *iid, xv_t *xv, int64_t n)
{
    int ret = GRS_EIO, r, *gt = NULL, ngt = 0;
    htsFile *fp = hts_open(fn, "r");
    bcf_hdr_t *h = NULL;
    bcf1_t *rec = bcf_init();
    if (!fp || !rec) { grs_log_warning("cannot open '%s'", fn); goto fail; }
    if (!(h = bcf_hdr_read(fp))) { grs_log_warning("'%s': cannot read the header", fn); ret = GRS_EFORMAT; goto fail; }
    int si = bcf_hdr_id2int(h, BCF_DT_SAMPLE, iid), ns = bcf_hdr_nsamples(h);
    if (si < 0) { grs_log_warning("'%s': sample '%s' is not in the genotype file", fn, iid); ret = GRS_EINPUT; goto fail; }
    while ((r = bcf_read(fp, h, rec)) == 0) {
        if (bcf_unpack(rec, BCF_UN_STR) < 0 || rec->n_allele < 2) continue;
        const char *chrom = bcf_seqname(h, rec);
        for (int a = 1; a < rec->n_allele; a++) {
            char *key = var_key(chrom, (int64_t)rec->pos + 1, rec->d.allele[0], rec->d.allele[a]);
            xv_t *x = key ? find_key(xv, n, key) : NULL;
            free(key);
            if (!x) continue;
            int k = bcf_get_genotypes(h, rec, &gt, &ngt);
            if (k <= 0) continue;
            int ploidy = k / ns;
            int64_t ac = 0, an = 0;
            int d = 0, miss = 0;
            for (int s = 0; s < ns; s++) {
                int sd = 0, sm = 0, sp = 0;
                for (int j = 0; j < ploidy; j++) {
                    int g = gt[s * ploidy + j];
                    if (g == bcf_int32_vector_end) break;
                    sp++;
                    if (bcf_gt_is_missing(g)) sm = 1;
                    else sd += bcf_gt_allele(g) == a;
                }
                if (!sm && sp) { ac += sd; an += sp; }
                if (s == si) { d = sd; miss = sm || !sp; }
            }
            double p_alt = an ? (double)ac / (double)an : NAN;
            x->found = 1;
            x->missing = miss;
            x->dosage = x->alt_effect ? d : 2 - d;
            x->p_eff = x->alt_effect ? p_alt : 1 - p_alt;
        }
    }
    ret = r < -1 ? GRS_EFORMAT : GRS_OK;
    if (r < -1) grs_log_warning("'%s': read error", fn);
fail:
    free(gt);
    if (rec) bcf_destroy(rec);
    if (h) bcf_hdr_destroy(h);
    if (fp) hts_close(fp);
    return ret;
}

static int explain_grsm(const char *fn, const char *iid, xv_t *xv, int64_t n)
{
    grs_geno_t *g = NULL;
    int64_t si = -1;
    int ret = grs_geno_open(fn, 0, &g);
    if (ret < 0) return ret;
    for (int64_t s = 0; s < grs_geno_n_samples(g) && si < 0; s++)
        if (!strcmp(grs_geno_sample(g, s)->iid, iid)) si = s;
    if (si < 0) { grs_log_warning("'%s': sample '%s' is not in the genotype file", fn, iid); grs_geno_close(g); return GRS_EINPUT; }
    for (int64_t v = 0; v < grs_geno_n_variants(g); v++) {
        const grs_variant_t *t = grs_geno_variant(g, v);
        char *key = var_key(t->chrom, t->pos, t->ref, t->alt);
        xv_t *x = key ? find_key(xv, n, key) : NULL;
        free(key);
        if (!x) continue;
        uint32_t c = grs_geno_code(grs_geno_row(g, v), si);
        double p_alt = grs_geno_vstat(g, v)->alt_freq;
        x->found = 1;
        x->missing = c == GRS_GENO_MISSING;
        x->dosage = x->missing ? 0 : x->alt_effect ? (double)c : 2.0 - c;
        x->p_eff = x->alt_effect ? p_alt : 1 - p_alt;
    }
    grs_geno_close(g);
    return GRS_OK;
}

int grs_store_explain(const char *inputs_json, const char *iid, const char *score, int n_top,
                      grs_store_explain_t *out)
{
    int ret = GRS_EFORMAT, q = -1, r;
    jv_t *in = NULL, *sj = NULL;
    grs_scorefile_t *sf = NULL;
    char *gfn = NULL, *sfn = NULL, *mfn = NULL, *fp = NULL;
    xv_t *xv = NULL;
    int64_t nx = 0, cap = 0;
    tsv_t t;
    const jv_t *files = NULL, *geno = NULL, *opt = NULL, *sfile = NULL;

    memset(out, 0, sizeof(*out));
    memset(&t, 0, sizeof(t));
    if (!inputs_json || grs_jv_parse(inputs_json, "the run's provenance", &in) < 0 || in->type != GRS_JV_OBJ) {
        grs_log_warning("the run's provenance is not JSON");
        grs_jv_free(in);
        return GRS_EFORMAT;
    }
    const char *sum = jstr(jget(in, "summary_json"), "path");
    if (!sum) { grs_log_warning("the run recorded no summary.json"); ret = GRS_EUNSUPPORTED; goto fail; }
    if (access(sum, R_OK) != 0) { grs_log_warning("'%s' (the run's summary) no longer exists", sum); ret = GRS_EIO; goto fail; }
    if ((ret = json_read(sum, &sj)) < 0) goto fail;
    ret = GRS_EUNSUPPORTED;
    geno = jget(sj, "genotypes");
    opt = jget(sj, "options");
    files = jget(sj, "score_files");
    if (!geno || !files || files->type != GRS_JV_ARR) { grs_log_warning("'%s': no genotypes or score_files", sum); goto fail; }
    if (jnum(opt, "center") == 1 || jnum(opt, "standardize") == 1) {
        grs_log_warning("'%s': a centred or standardized run is not explained", sum);
        goto fail;
    }
    for (int64_t i = 0; i < files->n && q < 0; i++) {
        const jv_t *sc = jget(&files->items[i], "scores");
        for (int64_t k = 0; sc && sc->type == GRS_JV_ARR && k < sc->n; k++)
            if (sc->items[k].type == GRS_JV_STR && !strcmp(sc->items[k].str, score)) { sfile = &files->items[i]; q = (int)k; }
    }
    if (!sfile) { grs_log_warning("'%s': no score '%s'", sum, score); ret = GRS_EINPUT; goto fail; }
    const char *fmt = jstr(geno, "format"), *sfmt = jstr(sfile, "format");
    if (!fmt || (strcmp(fmt, "vcf") && strcmp(fmt, "grsm")) || !sfmt || strcmp(sfmt, "pgs_catalog")) {
        grs_log_warning("'%s': only .grsm or VCF genotypes with PGS Catalog scoring files are explained (this run: %s, %s)",
                        sum, fmt ? fmt : "?", sfmt ? sfmt : "?");
        goto fail;
    }
    ret = GRS_EIO;
    const char *gp = jstr(geno, "path");
    if (gp && !strcmp(fmt, "grsm")) {
        size_t l = strlen(gp);
        char *g2 = l > 5 && !strcmp(gp + l - 5, ".grsm") ? strdup(gp) : grs_sprintf("%s.grsm", gp);
        gfn = resolve(g2, sum);
        free(g2);
    } else gfn = resolve(gp, sum);
    sfn = resolve(jstr(sfile, "path"), sum);
    size_t sl = strlen(sum);
    if (sl > 13 && !strcmp(sum + sl - 13, ".summary.json")) {
        char *m = grs_sprintf("%.*s.match.tsv.gz", (int)(sl - 13), sum);
        mfn = resolve(m, sum);
        free(m);
    }
    if (!gfn || !sfn || !mfn) {
        grs_log_warning("the run's %s no longer exists (recorded in '%s')", !gfn ? "genotype file" : !sfn ? "scoring file" : "match log", sum);
        goto fail;
    }
    /* the files must be the ones the run read */
    const char *want = jstr(sfile, "fingerprint");
    if ((fp = grs_file_fingerprint(sfn)) && want && strcmp(fp, want)) {
        grs_log_warning("'%s' changed since the run (%s, recorded %s)", sfn, fp, want);
        goto fail;
    }
    free(fp);
    want = jstr(geno, "fingerprint");
    if ((fp = grs_file_fingerprint(gfn)) && want && strcmp(fp, want) && !strcmp(fmt, "vcf")) {
        grs_log_warning("'%s' changed since the run (%s, recorded %s)", gfn, fp, want);
        goto fail;
    }
    if ((ret = grs_scorefile_read(sfn, NULL, &sf)) < 0) goto fail;

    /* matched rows of this scoring file from the match log; weights by line */
    const char *base = strrchr(sfn, '/');
    base = base ? base + 1 : sfn;
    if ((ret = tsv_open(mfn, &t)) < 0) goto fail;
    int c_file, c_line, c_chr, c_pos, c_ref, c_alt, c_type, c_st;
    if ((ret = tsv_need(&t, "score_file", &c_file)) < 0 || (ret = tsv_need(&t, "line", &c_line)) < 0 ||
        (ret = tsv_need(&t, "target_chrom", &c_chr)) < 0 || (ret = tsv_need(&t, "target_pos", &c_pos)) < 0 ||
        (ret = tsv_need(&t, "target_ref", &c_ref)) < 0 || (ret = tsv_need(&t, "target_alt", &c_alt)) < 0 ||
        (ret = tsv_need(&t, "match_type", &c_type)) < 0 || (ret = tsv_need(&t, "status", &c_st)) < 0)
        goto fail;
    while ((r = tsv_next(&t)) > 0) {
        const char *fb = strrchr(t.f[c_file], '/');
        fb = fb ? fb + 1 : t.f[c_file];
        int64_t line, pos;
        if (strcmp(t.f[c_st], "matched") || strcmp(fb, base)) continue;
        if (grs_parse_int64(t.f[c_line], &line) < 0 || grs_parse_int64(t.f[c_pos], &pos) < 0) {
            grs_log_warning("'%s': line %" PRId64 ": bad line or position", mfn, t.lineno);
            ret = GRS_EFORMAT;
            goto fail;
        }
        int64_t lo = 0, hi = sf->n_rows - 1, row = -1;   /* rows are in file order */
        while (lo <= hi) {
            int64_t mid = (lo + hi) / 2;
            if (sf->rows[mid].line == line) { row = mid; break; }
            if (sf->rows[mid].line < line) lo = mid + 1; else hi = mid - 1;
        }
        if (row < 0) continue;
        if (nx == cap) {
            cap = cap ? 2 * cap : 1024;
            xv_t *n2 = (xv_t *)realloc(xv, cap * sizeof(xv_t));
            if (!n2) { ret = GRS_ENOMEM; goto fail; }
            xv = n2;
        }
        xv_t *x = &xv[nx];
        memset(x, 0, sizeof(*x));
        x->key = var_key(t.f[c_chr], pos, t.f[c_ref], t.f[c_alt]);
        x->label = grs_sprintf("%s:%" PRId64 ":%s:%s%s%s", t.f[c_chr], pos, t.f[c_ref], t.f[c_alt],
                               sf->rows[row].id ? " " : "", sf->rows[row].id ? sf->rows[row].id : "");
        nx++;
        if (!x->key || !x->label) { ret = GRS_ENOMEM; goto fail; }
        x->w = sf->weights[row * sf->n_scores + q];
        x->alt_effect = !strncmp(t.f[c_type], "alt", 3) || !strncmp(t.f[c_type], "no_oa_alt", 9);
    }
    if (r < 0) { ret = r; goto fail; }
    qsort(xv, nx, sizeof(xv_t), cmp_key);
    ret = !strcmp(fmt, "vcf") ? explain_vcf(gfn, iid, xv, nx) : explain_grsm(gfn, iid, xv, nx);
    if (ret < 0) goto fail;

    /* dosages of missing calls by the run's policy; the contributions */
    const char *pol = jstr(opt, "missing");
    if (!pol) pol = "mean";
    out->missing_policy = grs_sprintf("%s%s", pol, jstr(opt, "ref_freq") ? " (the run used --ref-freq; the target's "
                                                                          "frequencies are used here)" : "");
    out->genotypes = strdup(gfn);
    if (!(out->top = (grs_store_contrib_t *)calloc(nx + 1, sizeof(grs_store_contrib_t)))) { ret = GRS_ENOMEM; goto fail; }
    out->n_matched = nx;
    for (int64_t i = 0; i < nx; i++) {
        xv_t *x = &xv[i];
        if (!x->found) continue;
        out->n_found++;
        if (x->missing) {
            out->n_missing++;
            x->dosage = !strcmp(pol, "zero") ? 0 : !strcmp(pol, "homref") ? (x->alt_effect ? 0 : 2)
                      : isnan(x->p_eff) ? 0 : 2 * x->p_eff;
            if (!isnan(x->p_eff)) out->missing_var += x->w * x->w * 2 * x->p_eff * (1 - x->p_eff);
        }
        grs_store_contrib_t *c = &out->top[out->n_top++];
        c->variant = x->label;
        x->label = NULL;
        const char *k = strrchr(x->key, '\t');
        c->effect_allele = strdup(x->alt_effect ? k + 1 : "");
        if (!x->alt_effect) {   /* the REF allele: between the 2nd and 3rd tab */
            const char *a = strchr(strchr(x->key, '\t') + 1, '\t') + 1;
            free(c->effect_allele);
            c->effect_allele = strndup(a, (size_t)(k - a));
        }
        c->weight = x->w;
        c->dosage = x->dosage;
        c->contribution = x->w * x->dosage;
        c->imputed = x->missing;
        out->sum += c->contribution;
    }
    qsort(out->top, out->n_top, sizeof(grs_store_contrib_t), cmp_contrib);
    while (out->n_top > n_top) {
        out->n_top--;
        free(out->top[out->n_top].variant);
        free(out->top[out->n_top].effect_allele);
    }
    ret = GRS_OK;
fail:
    if (ret < 0) grs_store_explain_free(out);
    for (int64_t i = 0; i < nx; i++) { free(xv[i].key); free(xv[i].label); }
    free(xv);
    tsv_close(&t);
    grs_scorefile_destroy(sf);
    free(gfn); free(sfn); free(mfn); free(fp);
    grs_jv_free(sj);
    grs_jv_free(in);
    return ret;
}
