/* omics.c -- sample-keyed delimited tables (see omics.h). */
#include "omics.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
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

KHASH_MAP_INIT_STR(tab_s2i, int64_t)

int grs_table_is_na(const char *s, unsigned flags)
{
    if (!*s || !strcmp(s, "NA") || !strcmp(s, "NaN") || !strcmp(s, "nan") || !strcmp(s, ".") ||
        !strcmp(s, "na") || !strcmp(s, "N/A"))
        return 1;
    return (flags & GRS_TABLE_MINUS9_NA) && (!strcmp(s, "-9") || !strcmp(s, "-9.0"));
}

void grs_table_destroy(grs_table_t *t)
{
    if (!t) return;
    if (t->iid) for (int64_t i = 0; i < t->n_rows; i++) free(t->iid[i]);
    if (t->names) for (int64_t j = 0; j < t->n_cols; j++) free(t->names[j]);
    if (t->str) for (int64_t i = 0; i < t->n_rows * t->n_cols; i++) free(t->str[i]);
    if (t->hash) kh_destroy(tab_s2i, (khash_t(tab_s2i) *)t->hash);
    free(t->iid); free(t->line); free(t->names); free(t->x); free(t->str); free(t->is_text);
    free(t->path);
    free(t);
}

int64_t grs_table_find(const grs_table_t *t, const char *iid)
{
    khash_t(tab_s2i) *h = (khash_t(tab_s2i) *)t->hash;
    khint_t k = kh_get(tab_s2i, h, iid);
    return k == kh_end(h) ? -1 : kh_val(h, k);
}

int64_t grs_table_col(const grs_table_t *t, const char *name)
{
    for (int64_t j = 0; j < t->n_cols; j++)
        if (!strcmp(t->names[j], name)) return j;
    return -1;
}

int grs_table_read(const char *fn, unsigned flags, grs_table_t **out)
{
    htsFile *fp = hts_open(fn, "r");
    kstring_t line = { 0, 0, NULL };
    char **f = NULL;
    int64_t fcap = 0, lineno = 0, rcap = 0, nid = 1, nf;
    char delim = ' ';
    double *rows = NULL;    /* row-major while reading, transposed at the end */
    int ret = GRS_EFORMAT;
    grs_table_t *t = (grs_table_t *)calloc(1, sizeof(*t));
    khash_t(tab_s2i) *h = kh_init(tab_s2i);

    *out = NULL;
    if (!fp) {
        grs_log_error("cannot open '%s': %s", fn, strerror(errno));
        free(t); kh_destroy(tab_s2i, h);
        return GRS_EIO;
    }
    if (!t || !h || !(t->path = strdup(fn))) { ret = GRS_ENOMEM; goto fail; }
    t->hash = h;
    h = NULL;
    for (;;) {
        int rr = hts_getline(fp, KS_SEP_LINE, &line);
        if (rr < -1) { grs_log_error("'%s': read error after line %" PRId64 " (truncated gzip?)", fn, lineno); goto fail; }
        if (rr < 0) break;
        lineno++;
        while (line.l && (line.s[line.l - 1] == '\r' || line.s[line.l - 1] == ' ')) line.s[--line.l] = 0;
        if (line.l == 0) {
            if (t->names) continue;    /* blank lines in the body are skipped */
            grs_log_error("'%s': line %" PRId64 ": empty header line", fn, lineno);
            goto fail;
        }
        if (!t->names) {                                   /* header */
            delim = strchr(line.s, '\t') ? '\t' : strchr(line.s, ',') ? ',' : ' ';
            if ((nf = grs_split_grow(line.s, delim, &f, &fcap)) < 0) { ret = GRS_ENOMEM; goto fail; }
            char *f0 = f[0][0] == '#' ? f[0] + 1 : f[0];
            if (nf >= 2 && !strcasecmp(f0, "FID") && !strcasecmp(f[1], "IID")) nid = 2;
            else nid = 1;
            t->n_cols = nf - nid;
            if (t->n_cols < 1) {
                grs_log_error("'%s': line %" PRId64 ": the header has no data column after the sample ID", fn, lineno);
                goto fail;
            }
            if (!(t->names = (char **)calloc(t->n_cols, sizeof(char *))) ||
                !(t->is_text = (unsigned char *)calloc(t->n_cols, 1))) { ret = GRS_ENOMEM; goto fail; }
            for (int64_t j = 0; j < t->n_cols; j++) {
                if (!(t->names[j] = strdup(f[nid + j]))) { ret = GRS_ENOMEM; goto fail; }
                for (int64_t q = 0; q < j; q++)
                    if (!strcmp(t->names[q], t->names[j])) {
                        grs_log_error("'%s': line %" PRId64 ": column name '%s' appears twice (columns %" PRId64
                                      " and %" PRId64 ")", fn, lineno, t->names[j], nid + q + 1, nid + j + 1);
                        goto fail;
                    }
            }
            continue;
        }
        if ((nf = grs_split_grow(line.s, delim, &f, &fcap)) < 0) { ret = GRS_ENOMEM; goto fail; }
        if (nf != nid + t->n_cols) {
            grs_log_error("'%s': line %" PRId64 ": %" PRId64 " fields, but the header has %" PRId64,
                          fn, lineno, nf, nid + t->n_cols);
            goto fail;
        }
        if (t->n_rows == rcap) {
            int64_t nc = rcap ? rcap * 2 : 256;
            char **ni = (char **)realloc(t->iid, nc * sizeof(char *));
            if (ni) t->iid = ni;
            int64_t *nl = (int64_t *)realloc(t->line, nc * sizeof(int64_t));
            if (nl) t->line = nl;
            double *nr = (double *)realloc(rows, nc * t->n_cols * sizeof(double));
            if (nr) rows = nr;
            if (!ni || !nl || !nr) { ret = GRS_ENOMEM; goto fail; }
            if (flags & GRS_TABLE_STRINGS) {
                char **ns = (char **)realloc(t->str, nc * t->n_cols * sizeof(char *));
                if (!ns) { ret = GRS_ENOMEM; goto fail; }
                memset(ns + rcap * t->n_cols, 0, (nc - rcap) * t->n_cols * sizeof(char *));
                t->str = ns;
            }
            rcap = nc;
        }
        int64_t i = t->n_rows;
        const char *id = f[nid - 1];
        if (!*id) { grs_log_error("'%s': line %" PRId64 ": empty sample ID", fn, lineno); goto fail; }
        int absent;
        if (!(t->iid[i] = strdup(id))) { ret = GRS_ENOMEM; goto fail; }
        t->line[i] = lineno;
        t->n_rows++;
        khint_t k = kh_put(tab_s2i, (khash_t(tab_s2i) *)t->hash, t->iid[i], &absent);
        if (absent < 0) { ret = GRS_ENOMEM; goto fail; }
        if (!absent) {
            grs_log_error("'%s': line %" PRId64 ": sample ID '%s' already on line %" PRId64, fn, lineno, id,
                          t->line[kh_val((khash_t(tab_s2i) *)t->hash, k)]);
            goto fail;
        }
        kh_val((khash_t(tab_s2i) *)t->hash, k) = i;
        for (int64_t j = 0; j < t->n_cols; j++) {
            const char *cell = f[nid + j];
            double x = NAN;
            if (flags & GRS_TABLE_STRINGS) {
                if (!(t->str[i * t->n_cols + j] = strdup(cell))) { ret = GRS_ENOMEM; goto fail; }
            }
            if (!grs_table_is_na(cell, flags) && grs_parse_double(cell, &x) < 0) {
                if (!(flags & GRS_TABLE_STRINGS)) {
                    grs_log_error("'%s': line %" PRId64 ", column '%s': '%s' is not a number", fn, lineno,
                                  t->names[j], cell);
                    goto fail;
                }
                t->is_text[j] = 1;
                x = NAN;
            } else if (!isfinite(x) && !isnan(x)) {
                grs_log_error("'%s': line %" PRId64 ", column '%s': '%s' is not finite", fn, lineno, t->names[j], cell);
                goto fail;
            }
            rows[i * t->n_cols + j] = x;
        }
    }
    if (!t->names) { grs_log_error("'%s': empty file", fn); goto fail; }
    if (t->n_rows == 0) { grs_log_error("'%s': a header but no sample lines", fn); goto fail; }
    if (!(t->x = (double *)malloc(t->n_rows * t->n_cols * sizeof(double)))) { ret = GRS_ENOMEM; goto fail; }
    for (int64_t i = 0; i < t->n_rows; i++)
        for (int64_t j = 0; j < t->n_cols; j++) t->x[j * t->n_rows + i] = rows[i * t->n_cols + j];
    free(rows);
    free(f);
    free(line.s);
    hts_close(fp);
    *out = t;
    return GRS_OK;
fail:
    if (ret == GRS_ENOMEM) grs_log_error("out of memory reading '%s'", fn);
    if (h) kh_destroy(tab_s2i, h);
    free(rows);
    free(f);
    free(line.s);
    hts_close(fp);
    grs_table_destroy(t);
    return ret;
}
