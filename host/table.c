/* table.c -- delimited sample tables (see table.h). */
#include "table.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <htslib/hts.h>
#include <htslib/khash.h>
#include <htslib/kseq.h>
#include <htslib/kstring.h>

#include "grs/log.h"
#include "grs/status.h"
#include "util.h"

KHASH_INIT(tab_key, kh_cstr_t, int64_t, 1, grs_sampletab_hash, kh_str_hash_equal)

/* grs_split_grow with an int count (tables are far below 2^31 columns: checked by callers) */
static int split(char *s, char delim, char ***f, int *cap)
{
    int64_t c = *cap, n = grs_split_grow(s, delim, f, &c);
    *cap = (int)c;
    return n > INT32_MAX ? -1 : (int)n;
}

int grs_sampletab_is_missing(const char *s)
{
    return !*s || !strcmp(s, "NA") || !strcmp(s, "N/A") || !strcasecmp(s, "nan") || !strcmp(s, ".")
        || !strcmp(s, "-9");
}

void grs_sampletab_destroy(grs_sampletab_t *t)
{
    if (!t) return;
    for (int64_t r = 0; r < t->n_rows; r++) free(t->rowbuf[r]);
    if (t->names) for (int c = 0; c < t->n_cols; c++) free(t->names[c]);
    free(t->names); free(t->cells); free(t->line); free(t->rowbuf); free(t->path);
    free(t);
}

int grs_sampletab_col(const grs_sampletab_t *t, const char *name)
{
    for (int c = 0; c < t->n_cols; c++) if (!strcmp(t->names[c], name)) return c;
    for (int c = 0; c < t->n_cols; c++) if (!strcasecmp(t->names[c], name)) return c;
    return -1;
}

char *grs_sampletab_key(const grs_sampletab_t *t, int64_t r, int with_fid)
{
    if (with_fid && t->fid_col >= 0)
        return grs_sprintf("%s\t%s", grs_sampletab_cell(t, r, t->fid_col), grs_sampletab_cell(t, r, t->iid_col));
    return strdup(grs_sampletab_cell(t, r, t->iid_col));
}

static int is_key_name(const char *s)
{
    if (*s == '#') s++;
    return !strcasecmp(s, "FID") || !strcasecmp(s, "IID");
}

int grs_sampletab_read(const char *fn, const char *prefix, grs_sampletab_t **out)
{
    int ret = GRS_EFORMAT, nf, fcap = 0, r;
    int64_t lineno = 0, cap = 0;
    kstring_t line = { 0, 0, NULL };
    char **f = NULL;
    khash_t(tab_key) *h = NULL;
    grs_sampletab_t *t = (grs_sampletab_t *)calloc(1, sizeof(*t));
    htsFile *fp = NULL;

    *out = NULL;
    if (!t || !(t->path = strdup(fn)) || !(h = kh_init(tab_key))) { ret = GRS_ENOMEM; goto fail; }
    if (!(fp = hts_open(fn, "r"))) {
        grs_log_error("cannot open '%s': %s", fn, strerror(errno ? errno : ENOENT));
        ret = GRS_EIO;
        goto fail;
    }
    t->fid_col = t->iid_col = -1;
    while ((r = hts_getline(fp, KS_SEP_LINE, &line)) >= 0) {
        lineno++;
        while (line.l && (line.s[line.l - 1] == '\r' || line.s[line.l - 1] == ' ')) line.s[--line.l] = 0;
        if (!line.l) continue;
        if (!t->names) {
            /* first line: delimiter and header */
            t->delim = strchr(line.s, '\t') ? '\t' : strchr(line.s, ',') ? ',' : ' ';
            char *buf = strdup(line.s);
            if (!buf) { ret = GRS_ENOMEM; goto fail; }
            if ((nf = split(buf, t->delim, &f, &fcap)) < 0) { free(buf); ret = GRS_ENOMEM; goto fail; }
            t->has_header = line.s[0] == '#' || (nf > 0 && is_key_name(f[0]));
            if (nf < 2 && !t->has_header) {
                grs_log_error("'%s': line %" PRId64 ": expected at least FID and IID columns", fn, lineno);
                free(buf);
                goto fail;
            }
            t->n_cols = nf;
            if (!(t->names = (char **)calloc(nf, sizeof(char *)))) { free(buf); ret = GRS_ENOMEM; goto fail; }
            for (int c = 0; c < nf; c++) {
                const char *nm = f[c];
                if (c == 0 && *nm == '#') nm++;
                t->names[c] = t->has_header ? strdup(nm)
                            : c == 0 ? strdup("FID") : c == 1 ? strdup("IID") : grs_sprintf("%s%d", prefix, c - 1);
                if (!t->names[c]) { free(buf); ret = GRS_ENOMEM; goto fail; }
            }
            free(buf);
            for (int c = 0; c < nf; c++) {
                if (!strcasecmp(t->names[c], "FID") && t->fid_col < 0) t->fid_col = c;
                if (!strcasecmp(t->names[c], "IID") && t->iid_col < 0) t->iid_col = c;
            }
            if (t->iid_col < 0) {
                grs_log_error("'%s': line %" PRId64 ": the header has no IID column (expected FID IID ... or "
                              "#IID ...)", fn, lineno);
                goto fail;
            }
            if (t->has_header) continue;
        }
        if (t->n_rows == cap) {
            cap = cap ? 2 * cap : 1024;
            char **c2 = (char **)realloc(t->cells, cap * t->n_cols * sizeof(char *));
            if (c2) t->cells = c2;
            int64_t *l2 = (int64_t *)realloc(t->line, cap * sizeof(int64_t));
            if (l2) t->line = l2;
            char **b2 = (char **)realloc(t->rowbuf, cap * sizeof(char *));
            if (b2) t->rowbuf = b2;
            if (!c2 || !l2 || !b2) { ret = GRS_ENOMEM; goto fail; }
        }
        char *buf = strdup(line.s);
        if (!buf) { ret = GRS_ENOMEM; goto fail; }
        if ((nf = split(buf, t->delim, &f, &fcap)) < 0) { free(buf); ret = GRS_ENOMEM; goto fail; }
        if (nf != t->n_cols) {
            grs_log_error("'%s': line %" PRId64 ": %d fields, expected %d (as the %s)", fn, lineno, nf,
                          t->n_cols, t->has_header ? "header" : "first line");
            free(buf);
            goto fail;
        }
        t->rowbuf[t->n_rows] = buf;
        t->line[t->n_rows] = lineno;
        memcpy(t->cells + t->n_rows * t->n_cols, f, nf * sizeof(char *));
        t->n_rows++;
        /* duplicate samples */
        char *key = grs_sampletab_key(t, t->n_rows - 1, 1);
        int absent;
        if (!key) { ret = GRS_ENOMEM; goto fail; }
        khint_t k = kh_put(tab_key, h, key, &absent);
        if (absent < 0) { free(key); ret = GRS_ENOMEM; goto fail; }
        if (!absent) {
            grs_log_error("'%s': lines %" PRId64 " and %" PRId64 ": sample '%s' appears twice", fn,
                          t->line[kh_val(h, k)], lineno, grs_sampletab_cell(t, t->n_rows - 1, t->iid_col));
            free(key);
            goto fail;
        }
        kh_val(h, k) = t->n_rows - 1;
    }
    if (r < -1) {
        grs_log_error("'%s': read error after line %" PRId64 " (truncated or corrupt compressed file?)", fn, lineno);
        ret = GRS_EIO;
        goto fail;
    }
    if (!t->names) { grs_log_error("'%s': empty file", fn); goto fail; }
    if (!t->n_rows) { grs_log_error("'%s': a header and no samples", fn); goto fail; }
    ret = GRS_OK;
    *out = t;
    t = NULL;
fail:
    if (h) {
        for (khint_t k = kh_begin(h); k != kh_end(h); k++) if (kh_exist(h, k)) free((char *)kh_key(h, k));
        kh_destroy(tab_key, h);
    }
    if (fp) hts_close(fp);
    free(line.s);
    free(f);
    grs_sampletab_destroy(t);
    return ret;
}
