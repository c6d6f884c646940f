/* scorefile.c -- PGS Catalog and PLINK-style scoring-file reader (see scorefile.h). */
#include "scorefile.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/hts.h>
#include <htslib/kstring.h>

#include "grs/log.h"
#include "grs/pgs.h"
#include "grs/status.h"
#include "util.h"

/* ---- string arena: millions of short strings without millions of mallocs ---------------- */

#define ARENA_CHUNK (1u << 20)

struct arena_chunk { struct arena_chunk *next; size_t used, cap; char data[]; };
struct grs_sf_arena_s { struct arena_chunk *head; };

static char *arena_strndup(struct grs_sf_arena_s *a, const char *s, size_t len)
{
    struct arena_chunk *c = a->head;
    if (!c || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > ARENA_CHUNK ? len + 1 : ARENA_CHUNK;
        c = (struct arena_chunk *)malloc(sizeof(*c) + cap);
        if (!c) return NULL;
        c->next = a->head; c->used = 0; c->cap = cap;
        a->head = c;
    }
    char *p = c->data + c->used;
    memcpy(p, s, len);
    p[len] = 0;
    c->used += len + 1;
    return p;
}

static void arena_destroy(struct grs_sf_arena_s *a)
{
    if (!a) return;
    while (a->head) { struct arena_chunk *n = a->head->next; free(a->head); a->head = n; }
    free(a);
}

/* ---- chromosome names -------------------------------------------------------------------- */

const char *grs_chrom_key(const char *in, char *buf, size_t n)
{
    return grs_chrom_normalize(in, buf, n) > 0 ? buf : in;
}

int grs_chrom_normalize(const char *in, char *out, size_t n)
{
    const char *s = in ? in : "";
    const char *r = NULL;
    if (strncasecmp(s, "chr", 3) == 0) s += 3;
    if (!*s || !strcmp(s, ".") || !strcasecmp(s, "NA")) { if (n) out[0] = 0; return 0; }
    if (isdigit((unsigned char)s[0])) {
        const char *d = s;
        while (*d == '0' && d[1]) d++;
        if (d[strspn(d, "0123456789")] == 0) {         /* purely numeric */
            if (!strcmp(d, "0")) { if (n) out[0] = 0; return 0; }
            if (!strcmp(d, "23")) r = "X";
            else if (!strcmp(d, "24")) r = "Y";
            else if (!strcmp(d, "25")) r = "XY";
            else if (!strcmp(d, "26")) r = "MT";
            else r = d;
        } else r = s;
    } else if (!strcasecmp(s, "X")) r = "X";
    else if (!strcasecmp(s, "Y")) r = "Y";
    else if (!strcasecmp(s, "XY")) r = "XY";
    else if (!strcasecmp(s, "M") || !strcasecmp(s, "MT")) r = "MT";
    else r = s;
    size_t len = strlen(r);
    if (len + 1 > n) return -1;
    memcpy(out, r, len + 1);
    return (int)len;
}

/* ---- helpers ----------------------------------------------------------------------------- */

static void upcase(char *s) { for (; *s; s++) *s = (char)toupper((unsigned char)*s); }

static int is_acgt(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++) if (!strchr("ACGT", *s)) return 0;
    return 1;
}

/* 1 true, 0 false, -1 not a boolean */
static int parse_bool(const char *s)
{
    if (!*s || !strcmp(s, "False") || !strcmp(s, "FALSE") || !strcmp(s, "false") ||
        !strcmp(s, "F") || !strcmp(s, "0")) return 0;
    if (!strcmp(s, "True") || !strcmp(s, "TRUE") || !strcmp(s, "true") ||
        !strcmp(s, "T") || !strcmp(s, "1")) return 1;
    return -1;
}

static int is_missing(const char *s) { return !*s || !strcmp(s, "."); }

/* the file stem: basename without .gz/.bgz and then without .txt/.tsv */
static char *file_stem(const char *fn)
{
    const char *b = strrchr(fn, '/');
    b = b ? b + 1 : fn;
    char *s = strdup(b);
    if (!s) return NULL;
    static const char *const ext[] = { ".gz", ".bgz", ".txt", ".tsv", ".scorefile" };
    for (int i = 0; i < 5; i++) {
        size_t ls = strlen(s), le = strlen(ext[i]);
        if (ls > le && !strcmp(s + ls - le, ext[i])) s[ls - le] = 0;
    }
    return s;
}

/* ---- the reader -------------------------------------------------------------------------- */

/* Column indices of a PGS Catalog file (-1 = absent). */
typedef struct pgs_cols_t {
    int rsid, chr, pos, ea, oa, ew, or_, hr, hap, dip, inter, dom, rec, hm_rsid, hm_chr, hm_pos,
        hm_oa;
    int *dosage; int n_dosage;    /* dosage_N_weight columns */
} pgs_cols_t;

typedef struct reader_t {
    const char *fn;
    grs_scorefile_t *sf;
    int64_t cap_rows;
    char *last_chrom;              /* interned chromosome of the previous row */
    char **f; int max_f;           /* field pointers */
} reader_t;

static int grow_fields(reader_t *r, int n)
{
    if (n <= r->max_f) return 0;
    int m = n + 16;
    char **f = (char **)realloc(r->f, (size_t)m * sizeof(*f));
    if (!f) return -1;
    r->f = f; r->max_f = m;
    return 0;
}

static int split_line(reader_t *r, char *s, const char *delims, int collapse)
{
    if (!collapse) {
        int n = grs_split(s, delims, r->f, r->max_f);
        if (n > r->max_f) return -1;          /* caller grows and retries on a copy */
        return n;
    }
    int n = 0;
    char *p = s;
    for (;;) {
        p += strspn(p, delims);
        if (!*p) break;
        if (n < r->max_f) r->f[n] = p;
        n++;
        p += strcspn(p, delims);
        if (!*p) break;
        *p++ = 0;
    }
    return n > r->max_f ? -1 : n;
}

/* Count fields without modifying s, so split_line can be sized first. */
static int count_fields(const char *s, const char *delims, int collapse)
{
    int n = 0;
    if (!collapse) {
        n = 1;
        for (; *s; s++) if (strchr(delims, *s)) n++;
        return n;
    }
    for (;;) {
        s += strspn(s, delims);
        if (!*s) break;
        n++;
        s += strcspn(s, delims);
    }
    return n;
}

static int add_row(reader_t *r, grs_score_row_t **row)
{
    grs_scorefile_t *sf = r->sf;
    if (sf->n_rows == r->cap_rows) {
        int64_t cap = r->cap_rows ? r->cap_rows * 2 : 1024;
        grs_score_row_t *rows = (grs_score_row_t *)realloc(sf->rows, (size_t)cap * sizeof(*rows));
        if (!rows) return GRS_ENOMEM;
        sf->rows = rows;
        double *w = (double *)realloc(sf->weights, (size_t)cap * (size_t)sf->n_scores * sizeof(*w));
        if (!w) return GRS_ENOMEM;
        sf->weights = w;
        r->cap_rows = cap;
    }
    *row = &sf->rows[sf->n_rows];
    memset(*row, 0, sizeof(**row));
    (*row)->pos = -1;
    return GRS_OK;
}

static char *dup_str(reader_t *r, const char *s)
{
    return arena_strndup(r->sf->arena, s, strlen(s));
}

static int set_chrom(reader_t *r, grs_score_row_t *row, const char *c)
{
    char buf[256];
    int l = grs_chrom_normalize(c, buf, sizeof(buf));
    if (l < 0) return GRS_EFORMAT;
    if (l == 0) { row->chrom = NULL; return GRS_OK; }
    if (r->last_chrom && !strcmp(r->last_chrom, buf)) { row->chrom = r->last_chrom; return GRS_OK; }
    if (!(row->chrom = dup_str(r, buf))) return GRS_ENOMEM;
    r->last_chrom = row->chrom;
    return GRS_OK;
}

/* Parse a weight string; -1 on a bad value. take_log: OR/HR, must be > 0. */
static int parse_weight(const char *s, int take_log, double *w)
{
    double x;
    if (grs_parse_double(s, &x) < 0 || !isfinite(x)) return -1;
    if (take_log) {
        if (!(x > 0)) return -1;
        x = log(x);
    }
    *w = x;
    return 0;
}

static int find_col(char **f, int n, const char *name)
{
    for (int i = 0; i < n; i++) if (!strcmp(f[i], name)) return i;
    return -1;
}

/* A column line that was not recognised as PGS Catalog but names its columns: say what is wrong
 * instead of reading it as a PLINK-style file (whose errors would be about "weights"). Returns
 * NULL when the line looks like anything else. `s` is not modified. */
static const char *pgs_header_problem(reader_t *r, const char *s)
{
    static const char *const known[] = { "effect_allele", "effect_weight", "chr_name", "chr_position",
                                         "rsID", "other_allele", "hm_chr", "hm_pos", NULL };
    const char *why = NULL;
    char *c = strdup(s);
    if (!c || grow_fields(r, count_fields(s, " \t,;", 0) + 1) < 0) { free(c); return NULL; }
    int n = grs_split(c, " \t,;", r->f, r->max_f), any = 0, has_w = 0;
    for (int i = 0; known[i]; i++) any |= find_col(r->f, n, known[i]) >= 0;
    if (any) {
        has_w = find_col(r->f, n, "effect_weight") >= 0 || find_col(r->f, n, "OR") >= 0
                || find_col(r->f, n, "HR") >= 0;
        for (int i = 0; i < n && !has_w; i++) {
            int k, l = 0;
            if (sscanf(r->f[i], "dosage_%d_weight%n", &k, &l) == 1 && l > 0 && !r->f[i][l]) has_w = 1;
        }
        if (find_col(r->f, n, "effect_allele") >= 0 && has_w)
            why = "the column line names PGS Catalog columns but is not TAB-separated "
                  "(PGS Catalog scoring files are TAB-separated)";
        else if (find_col(r->f, n, "effect_allele") < 0)
            why = "the column line names PGS Catalog columns but has no 'effect_allele' column";
        else
            why = "the column line names PGS Catalog columns but has no weight column "
                  "(effect_weight, OR, HR or dosage_N_weight)";
    }
    free(c);
    return why;
}

static int header_kv(grs_scorefile_t *sf, const char *line)
{
    /* "#key=value"; "##..." and lines without '=' are decoration */
    if (line[0] != '#' || line[1] == '#') return GRS_OK;
    const char *eq = strchr(line, '=');
    if (!eq) return GRS_OK;
    size_t kl = (size_t)(eq - line - 1);
    const char *key = line + 1, *val = eq + 1;
    char **dst = NULL;
#define KEY(name, field) else if (kl == strlen(name) && !strncmp(key, name, kl)) dst = &sf->field
    if (0) {}
    KEY("pgs_id", pgs_id); KEY("pgs_name", pgs_name); KEY("trait_reported", trait_reported);
    KEY("trait_efo", trait_efo); KEY("genome_build", genome_build);
    KEY("weight_type", weight_type); KEY("format_version", format_version);
    KEY("HmPOS_build", hm_build);
#undef KEY
    else if (kl == 15 && !strncmp(key, "variants_number", kl)) {
        int64_t v;
        if (grs_parse_int64(val, &v) == 0) sf->variants_number = v;
        return GRS_OK;
    }
    if (!dst) return GRS_OK;
    free(*dst);
    return (*dst = strdup(val)) ? GRS_OK : GRS_ENOMEM;
}

/* Set up the PGS Catalog columns from the column line. */
static int pgs_columns(reader_t *r, char **f, int n, int64_t lineno, pgs_cols_t *c)
{
    c->rsid = find_col(f, n, "rsID");
    c->chr = find_col(f, n, "chr_name");
    c->pos = find_col(f, n, "chr_position");
    c->ea = find_col(f, n, "effect_allele");
    c->oa = find_col(f, n, "other_allele");
    c->ew = find_col(f, n, "effect_weight");
    c->or_ = find_col(f, n, "OR");
    c->hr = find_col(f, n, "HR");
    c->hap = find_col(f, n, "is_haplotype");
    c->dip = find_col(f, n, "is_diplotype");
    c->inter = find_col(f, n, "is_interaction");
    c->dom = find_col(f, n, "is_dominant");
    c->rec = find_col(f, n, "is_recessive");
    c->hm_rsid = find_col(f, n, "hm_rsID");
    c->hm_chr = find_col(f, n, "hm_chr");
    c->hm_pos = find_col(f, n, "hm_pos");
    c->hm_oa = find_col(f, n, "hm_inferOtherAllele");
    c->n_dosage = 0;
    if (!(c->dosage = (int *)malloc((size_t)n * sizeof(int)))) return GRS_ENOMEM;
    for (int i = 0; i < n; i++) {
        int k, len = 0;
        if (sscanf(f[i], "dosage_%d_weight%n", &k, &len) == 1 && len > 0 && !f[i][len])
            c->dosage[c->n_dosage++] = i;
    }
    /* required: effect_allele, a weight, and a way to find the variant */
    char missing[256] = "";
    if (c->ea < 0) strcat(missing, " effect_allele");
    if (c->ew < 0 && c->or_ < 0 && c->hr < 0 && c->n_dosage == 0)
        strcat(missing, " effect_weight (or OR/HR)");
    int has_pos = (c->chr >= 0 && c->pos >= 0) || (c->hm_chr >= 0 && c->hm_pos >= 0);
    if (!has_pos && c->rsid < 0 && c->hm_rsid < 0)
        strcat(missing, " chr_name+chr_position (or hm_chr+hm_pos, or rsID)");
    if ((c->chr >= 0) != (c->pos >= 0) && !(c->hm_chr >= 0 && c->hm_pos >= 0))
        strcat(missing, c->chr >= 0 ? " chr_position" : " chr_name");
    if (missing[0]) {
        grs_log(GRS_LOG_ERROR, "grs_scorefile_read",
                "%s:%" PRId64 ": missing required column(s):%s", r->fn, lineno, missing);
        return GRS_EFORMAT;
    }
    return GRS_OK;
}

#define FAIL_AT(code, ...) do {                                                          \
        grs_log(GRS_LOG_ERROR, "grs_scorefile_read", __VA_ARGS__); ret = (code); goto fail; \
    } while (0)

static int pgs_row(reader_t *r, char **f, const pgs_cols_t *c, int64_t lineno)
{
    int ret = GRS_OK;
    grs_score_row_t *row;
    const char *fn = r->fn;
    if ((ret = add_row(r, &row)) < 0) return ret;
    row->line = lineno;

    /* unsupported kinds first: their other fields are not validated */
    static const char *const unsup_name[3] = { GRS_SF_UNSUP_HAPLOTYPE, GRS_SF_UNSUP_DIPLOTYPE,
                                               GRS_SF_UNSUP_INTERACTION };
    const int unsup_col[3] = { c->hap, c->dip, c->inter };
    for (int i = 0; i < 3 && !row->unsupported; i++) {
        if (unsup_col[i] < 0) continue;
        int b = parse_bool(f[unsup_col[i]]);
        if (b < 0) FAIL_AT(GRS_EFORMAT, "%s:%" PRId64 ": column '%s': '%s' is not True/False",
                           fn, lineno, unsup_name[i], f[unsup_col[i]]);
        if (b) row->unsupported = unsup_name[i];
    }
    for (int i = 0; i < c->n_dosage && !row->unsupported; i++)
        if (!is_missing(f[c->dosage[i]])) row->unsupported = GRS_SF_UNSUP_DOSAGE;
    int lenient = row->unsupported != NULL;

    /* position */
    const char *chr = NULL, *pos = NULL, *pos_col = "chr_position";
    if (c->hm_chr >= 0 && c->hm_pos >= 0 && !is_missing(f[c->hm_chr]) &&
        !is_missing(f[c->hm_pos])) {
        chr = f[c->hm_chr]; pos = f[c->hm_pos]; pos_col = "hm_pos";
        r->sf->harmonized = 1;
    } else if (c->chr >= 0 && c->pos >= 0) {
        chr = f[c->chr]; pos = f[c->pos];
    }
    if (chr && (ret = set_chrom(r, row, chr)) < 0) {
        if (ret == GRS_ENOMEM) goto fail;
        FAIL_AT(GRS_EFORMAT, "%s:%" PRId64 ": chromosome name too long", fn, lineno);
    }
    if (pos && !is_missing(pos)) {
        if (grs_parse_int64(pos, &row->pos) < 0 || row->pos < 0) {
            if (!lenient)
                FAIL_AT(GRS_EFORMAT, "%s:%" PRId64 ": column '%s': bad position '%s'", fn, lineno,
                        pos_col, pos);
            row->pos = -1;
        }
    }
    if (!row->chrom || row->pos < 0) { row->chrom = NULL; row->pos = -1; }

    /* ID */
    const char *id = c->rsid >= 0 ? f[c->rsid] : "";
    if (is_missing(id) && c->hm_rsid >= 0) id = f[c->hm_rsid];
    if (!is_missing(id) && !(row->id = dup_str(r, id))) { ret = GRS_ENOMEM; goto fail; }

    /* alleles */
    char *ea = f[c->ea];
    upcase(ea);
    if (!*ea) {
        if (!lenient)
            FAIL_AT(GRS_EFORMAT, "%s:%" PRId64 ": column 'effect_allele' is empty", fn, lineno);
        ea = (char *)".";
    }
    if (!(row->effect_allele = dup_str(r, ea))) { ret = GRS_ENOMEM; goto fail; }
    char *oa = c->oa >= 0 ? f[c->oa] : (char *)"";
    if (is_missing(oa) && c->hm_oa >= 0) oa = f[c->hm_oa];
    if (!is_missing(oa) && !strchr(oa, '/')) {
        upcase(oa);
        if (!(row->other_allele = dup_str(r, oa))) { ret = GRS_ENOMEM; goto fail; }
    }
    if (!row->unsupported && !is_acgt(row->effect_allele)) row->unsupported = GRS_SF_UNSUP_NON_ACGT;

    /* model */
    int dom = c->dom >= 0 ? parse_bool(f[c->dom]) : 0;
    int rec = c->rec >= 0 ? parse_bool(f[c->rec]) : 0;
    if (dom < 0)
        FAIL_AT(GRS_EFORMAT, "%s:%" PRId64 ": column 'is_dominant': '%s' is not True/False", fn,
                lineno, f[c->dom]);
    if (rec < 0)
        FAIL_AT(GRS_EFORMAT, "%s:%" PRId64 ": column 'is_recessive': '%s' is not True/False", fn,
                lineno, f[c->rec]);
    if (dom && rec)
        FAIL_AT(GRS_EFORMAT, "%s:%" PRId64 ": is_dominant and is_recessive are both true", fn,
                lineno);
    row->model = dom ? GRS_MODEL_DOMINANT : rec ? GRS_MODEL_RECESSIVE : GRS_MODEL_ADDITIVE;

    /* weight: effect_weight, else ln(OR), else ln(HR) */
    double w = 0;
    const int wcol[3] = { c->ew, c->or_, c->hr };
    static const char *const wname[3] = { "effect_weight", "OR", "HR" };
    int done = 0;
    for (int i = 0; i < 3 && !done; i++) {
        if (wcol[i] < 0 || is_missing(f[wcol[i]])) continue;
        if (parse_weight(f[wcol[i]], i > 0, &w) < 0) {
            if (lenient) { w = 0; done = 1; break; }
            FAIL_AT(GRS_EFORMAT, "%s:%" PRId64 ": column '%s': bad weight '%s' (%s)", fn, lineno,
                    wname[i], f[wcol[i]],
                    i > 0 ? "must be a finite number > 0" : "must be a finite number");
        }
        done = 1;
    }
    if (!done && !lenient)
        FAIL_AT(GRS_EFORMAT, "%s:%" PRId64 ": column '%s': weight is empty", fn, lineno,
                c->ew >= 0 ? "effect_weight" : c->or_ >= 0 ? "OR" : "HR");
    r->sf->weights[r->sf->n_rows] = w;
    r->sf->n_rows++;
    return GRS_OK;
fail:
    return ret;
}

int grs_scorefile_read(const char *fn, const grs_scorefile_opts_t *opt, grs_scorefile_t **out)
{
    int ret = GRS_EIO, r_;
    htsFile *fp = NULL;
    kstring_t ks = { 0, 0, NULL };
    char *copy = NULL;
    grs_scorefile_t *sf = NULL;
    reader_t rd;
    pgs_cols_t pc;
    grs_scorefile_opts_t o;
    int *wcols = NULL, n_wcols = 0;
    int n_cols = -1;                  /* fields per line, once known */
    int64_t lineno = 0;
    int format = 0, seen_content = 0, have_cols = 0;

    memset(&rd, 0, sizeof(rd));
    memset(&pc, 0, sizeof(pc));
    memset(&o, 0, sizeof(o));
    if (opt) o = *opt;
    if (!fn || !out) { grs_log_error("NULL argument"); return GRS_EINVAL; }
    /* PLINK-style options other than the defaults (ID 1, allele 2): the user chose PLINK style */
    int plink_opts = o.id_col > 1 || o.allele_col > 2 || o.header_read || o.n_weight_cols;
    if (o.id_col < 0 || o.allele_col < 0 || o.n_weight_cols < 0 ||
        (o.n_weight_cols > 0 && !o.weight_cols) ||
        (o.force_format != GRS_SF_AUTO && o.force_format != GRS_SF_PGS_CATALOG &&
         o.force_format != GRS_SF_PLINK)) {
        grs_log_error("%s: invalid options", fn);
        return GRS_EINVAL;
    }
    if (!o.id_col) o.id_col = 1;
    if (!o.allele_col) o.allele_col = 2;
    if (o.id_col == o.allele_col) {
        grs_log_error("%s: ID and allele columns must differ (both %d)", fn, o.id_col);
        return GRS_EINVAL;
    }
    for (int i = 0; i < o.n_weight_cols; i++)
        if (o.weight_cols[i] < 1 || o.weight_cols[i] == o.id_col ||
            o.weight_cols[i] == o.allele_col) {
            grs_log_error("%s: invalid weight column %d", fn, o.weight_cols[i]);
            return GRS_EINVAL;
        }

    if (!(sf = (grs_scorefile_t *)calloc(1, sizeof(*sf)))) { ret = GRS_ENOMEM; goto fail; }
    sf->variants_number = -1;
    if (!(sf->path = strdup(fn))) { ret = GRS_ENOMEM; goto fail; }
    if (!(sf->arena = (struct grs_sf_arena_s *)calloc(1, sizeof(*sf->arena)))) {
        ret = GRS_ENOMEM;
        goto fail;
    }
    rd.fn = fn; rd.sf = sf;
    if (grow_fields(&rd, 64) < 0) { ret = GRS_ENOMEM; goto fail; }

    {   /* htslib logs its own lines for binary input; one line of ours says it better */
        enum htsLogLevel lvl = hts_get_log_level();
        hts_set_log_level(HTS_LOG_OFF);
        errno = 0;
        fp = hts_open(fn, "r");
        hts_set_log_level(lvl);
    }
    if (!fp) {
        if (errno == ENOEXEC)
            grs_log_error("%s: not a scoring file (binary data; expected TAB- or space-separated text, "
                          "plain or gzip)", fn);
        else
            grs_log_error("cannot open '%s': %s", fn, strerror(errno));
        ret = errno == ENOEXEC ? GRS_EFORMAT : GRS_EIO; goto fail;
    }
    while ((r_ = hts_getline(fp, '\n', &ks)) >= 0) {
        lineno++;
        char *s = ks.s;
        size_t len = ks.l;
        if (lineno == 1 && len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) { s += 3; len -= 3; }
        if (len && s[len - 1] == '\r') s[--len] = 0;
        if (len == 0) continue;                             /* blank lines are skipped */
        seen_content = 1;
        if (!have_cols && s[0] == '#') {                     /* header / comment lines */
            if ((ret = header_kv(sf, s)) < 0) goto fail;
            continue;
        }
        if (!have_cols) {
            /* the column line (or, PLINK without header_read, the first data line) */
            int nt = count_fields(s, "\t", 0);
            if (grow_fields(&rd, nt + 1) < 0) { ret = GRS_ENOMEM; goto fail; }
            format = o.force_format;
            if (!format) {
                free(copy);
                if (!(copy = strdup(s))) { ret = GRS_ENOMEM; goto fail; }
                int n = split_line(&rd, copy, "\t", 0);
                int has_w = find_col(rd.f, n, "effect_weight") >= 0 ||
                            find_col(rd.f, n, "OR") >= 0 || find_col(rd.f, n, "HR") >= 0;
                for (int i = 0; i < n && !has_w; i++) {
                    int k, l = 0;
                    if (sscanf(rd.f[i], "dosage_%d_weight%n", &k, &l) == 1 && l > 0 && !rd.f[i][l])
                        has_w = 1;
                }
                format = find_col(rd.f, n, "effect_allele") >= 0 && has_w ? GRS_SF_PGS_CATALOG
                                                                          : GRS_SF_PLINK;
            }
            if (format == GRS_SF_PLINK && !o.force_format && !plink_opts) {
                const char *why = pgs_header_problem(&rd, s);
                if (why) {
                    grs_log_error("%s:%" PRId64 ": %s", fn, lineno, why);
                    ret = GRS_EFORMAT; goto fail;
                }
            }
            sf->format = format;
            if (format == GRS_SF_PGS_CATALOG) {
                n_cols = split_line(&rd, s, "\t", 0);
                if ((ret = pgs_columns(&rd, rd.f, n_cols, lineno, &pc)) < 0) goto fail;
                sf->n_scores = 1;
                if (!(sf->score_names = (char **)calloc(1, sizeof(char *)))) {
                    ret = GRS_ENOMEM;
                    goto fail;
                }
                sf->score_names[0] = sf->pgs_id     ? strdup(sf->pgs_id)
                                     : sf->pgs_name ? strdup(sf->pgs_name)
                                                    : file_stem(fn);
                if (!sf->score_names[0]) { ret = GRS_ENOMEM; goto fail; }
                have_cols = 1;
                continue;
            }
            /* PLINK style */
            int nw = count_fields(s, " \t", 1);
            if (grow_fields(&rd, nw + 1) < 0) { ret = GRS_ENOMEM; goto fail; }
            n_cols = nw;
            if (o.id_col > n_cols || o.allele_col > n_cols) {
                grs_log_error("%s:%" PRId64
                              ": %d fields, but ID column %d and allele column %d requested",
                              fn, lineno, n_cols, o.id_col, o.allele_col);
                ret = GRS_EFORMAT; goto fail;
            }
            if (o.n_weight_cols) {
                n_wcols = o.n_weight_cols;
                if (!(wcols = (int *)malloc((size_t)n_wcols * sizeof(int)))) {
                    ret = GRS_ENOMEM;
                    goto fail;
                }
                for (int i = 0; i < n_wcols; i++) {
                    if (o.weight_cols[i] > n_cols) {
                        grs_log_error("%s:%" PRId64
                                      ": weight column %d requested, but the line has %d fields",
                                      fn, lineno, o.weight_cols[i], n_cols);
                        ret = GRS_EFORMAT; goto fail;
                    }
                    wcols[i] = o.weight_cols[i] - 1;
                }
            } else {
                if (!(wcols = (int *)malloc((size_t)n_cols * sizeof(int)))) {
                    ret = GRS_ENOMEM;
                    goto fail;
                }
                for (int i = o.allele_col; i < n_cols; i++)
                    if (i + 1 != o.id_col) wcols[n_wcols++] = i;
                if (!n_wcols) {
                    grs_log_error("%s:%" PRId64
                                  ": no weight column after the allele column %d (%d fields)",
                                  fn, lineno, o.allele_col, n_cols);
                    ret = GRS_EFORMAT; goto fail;
                }
            }
            sf->n_scores = n_wcols;
            if (!(sf->score_names = (char **)calloc((size_t)n_wcols, sizeof(char *)))) {
                ret = GRS_ENOMEM;
                goto fail;
            }
            have_cols = 1;
            if (o.header_read) {
                int n = split_line(&rd, s, " \t", 1);
                (void)n;
                for (int i = 0; i < n_wcols; i++)
                    if (!(sf->score_names[i] = strdup(rd.f[wcols[i]]))) {
                        ret = GRS_ENOMEM;
                        goto fail;
                    }
                continue;
            }
            for (int i = 0; i < n_wcols; i++)
                if (!(sf->score_names[i] = grs_sprintf("SCORE%d", i + 1))) {
                    ret = GRS_ENOMEM;
                    goto fail;
                }
            /* fall through: this line is data */
        }

        if (format == GRS_SF_PGS_CATALOG) {
            int n = split_line(&rd, s, "\t", 0);
            if (n != n_cols) {
                if (n < 0) n = count_fields(s, "\t", 0);   /* more fields than the buffer */
                grs_log_error("%s:%" PRId64 ": %d fields, expected %d (as in the column line)",
                              fn, lineno, n, n_cols);
                ret = GRS_EFORMAT; goto fail;
            }
            if ((ret = pgs_row(&rd, rd.f, &pc, lineno)) < 0) goto fail;
        } else {
            int n = split_line(&rd, s, " \t", 1);
            if (n != n_cols) {
                if (n < 0) n = count_fields(s, " \t", 1);
                grs_log_error("%s:%" PRId64 ": %d fields, expected %d (as in the first line)",
                              fn, lineno, n, n_cols);
                ret = GRS_EFORMAT; goto fail;
            }
            grs_score_row_t *row;
            if ((ret = add_row(&rd, &row)) < 0) goto fail;
            row->line = lineno;
            const char *id = rd.f[o.id_col - 1];
            if (!is_missing(id) && !(row->id = dup_str(&rd, id))) { ret = GRS_ENOMEM; goto fail; }
            char *ea = rd.f[o.allele_col - 1];
            upcase(ea);
            if (!(row->effect_allele = dup_str(&rd, ea))) { ret = GRS_ENOMEM; goto fail; }
            /* PLINK style follows plink2: any allele code (e.g. 1/2, indels) is matched as text */
            row->model = GRS_MODEL_ADDITIVE;
            for (int k = 0; k < n_wcols; k++) {
                double w;
                if (parse_weight(rd.f[wcols[k]], 0, &w) < 0) {
                    grs_log_error("%s:%" PRId64
                                  ": column %d (%s): bad weight '%s' (must be a finite number)",
                                  fn, lineno, wcols[k] + 1, sf->score_names[k], rd.f[wcols[k]]);
                    ret = GRS_EFORMAT; goto fail;
                }
                sf->weights[sf->n_rows * n_wcols + k] = w;
            }
            sf->n_rows++;
        }
    }
    if (r_ < -1) {
        grs_log_error("%s: read error after line %" PRId64 " (truncated or corrupted gzip?)", fn, lineno);
        ret = GRS_EIO;
        goto fail;
    }
    if (!seen_content) { grs_log_error("%s: empty file", fn); ret = GRS_EFORMAT; goto fail; }
    if (!have_cols) {
        grs_log_error("%s: no column header line (only '#' lines)", fn);
        ret = GRS_EFORMAT; goto fail;
    }
    if (sf->format == GRS_SF_PLINK && o.header_read && sf->n_rows == 0) {
        grs_log_error("%s: no data lines after the header", fn);
        ret = GRS_EFORMAT; goto fail;
    }
    if (sf->n_rows == 0) {
        grs_log_error("%s: no variants (only header lines)", fn);
        ret = GRS_EFORMAT; goto fail;
    }
    if (hts_close(fp) < 0) {
        fp = NULL;
        grs_log_error("%s: error closing", fn);
        ret = GRS_EIO;
        goto fail;
    }
    fp = NULL;
    *out = sf; sf = NULL; ret = GRS_OK;
fail:
    if (fp) (void)hts_close(fp);
    free(ks.s); free(copy); free(rd.f); free(pc.dosage); free(wcols);
    grs_scorefile_destroy(sf);
    return ret;
}

void grs_scorefile_destroy(grs_scorefile_t *sf)
{
    if (!sf) return;
    if (sf->score_names)
        for (int k = 0; k < sf->n_scores; k++) free(sf->score_names[k]);
    free(sf->score_names);
    free(sf->rows); free(sf->weights); free(sf->path);
    free(sf->pgs_id); free(sf->pgs_name); free(sf->trait_reported); free(sf->trait_efo);
    free(sf->genome_build); free(sf->weight_type); free(sf->format_version); free(sf->hm_build);
    arena_destroy(sf->arena);
    free(sf);
}
