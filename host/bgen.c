/* bgen.c -- BGEN v1.1/v1.2 -> biallelic grs rows, and the BGEN packer (see bgen.h). */
#include "bgen.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <htslib/hts.h>
#include <htslib/khash.h>
#include <htslib/kstring.h>
#include <sqlite3.h>
#include <zlib.h>
#include <zstd.h>

#include "grs/log.h"
#include "grs/status.h"
#include "scorefile.h"   /* grs_chrom_normalize */
#include "util.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "bgen.c reads little-endian integers with memcpy: a big-endian port needs byte swaps"
#endif

KHASH_SET_INIT_STR(bgset)

#define MAX_PLOIDY   63          /* 6 bits in the ploidy byte                                  */
#define MAX_COMBOS   ((uint64_t)1 << 36)   /* genotype count above which no block could hold it */
#define FILE_BUF     (1 << 20)   /* stdio buffer                                               */

struct grs_bgen_reader_s {
    grs_bgen_opts_t opt;
    const char *fn;
    FILE *fp;
    int64_t fsize, off;            /* file size, current offset                                  */
    int64_t first_off;             /* first variant block                                        */
    uint32_t m, n;                 /* variants and samples in the header                         */
    int layout, compression, has_ids;
    uint32_t hc_t;                 /* hard-call distance in 1/16384 units                        */
    grs_sample_t *samples;
    char *sample_strs;             /* backing store of the sample IDs                            */
    khash_t(bgset) *sites;
    kstring_t key;
    int64_t *idx_off;              /* index mode: offsets of the needed variants, ascending      */
    int64_t n_idx, i_idx;
    int64_t vidx;                  /* 1-based index of the current variant (0: unknown, index mode) */
    int64_t vstart;                /* byte offset of the current variant block                   */
    int64_t n_seen;                /* variant blocks visited in streaming mode                   */

    /* current variant */
    kstring_t vid, rsid, chr;
    uint32_t pos;
    uint32_t k;                    /* alleles                                                    */
    char **alleles;                /* k strings                                                  */
    size_t *allele_cap;
    uint32_t alleles_cap;
    int have_var;
    uint32_t next_alt;

    /* decoded genotype block */
    uint8_t *cbuf, *dbuf;
    size_t cbuf_cap, dbuf_cap;
    uint64_t dlen;
    const uint8_t *ploidy;         /* layout 2: N ploidy bytes                                   */
    const uint8_t *probs;          /* layout 2: packed probabilities; layout 1: 6N bytes         */
    int phased, bits;
    uint64_t combos[MAX_PLOIDY + 1];   /* unphased genotype counts per ploidy for this K        */
    uint8_t *cnt;                  /* k allele counts (colex enumeration)                        */
    z_stream zs;
    int zs_init;
    ZSTD_DCtx *zd;
    int zdone;                     /* the zstd frame was completed by the last call          */

    uint8_t *codes, *hap;
    uint16_t *dos;
    grs_bgen_stats_t st;
};

const char *grs_bgen_compression_name(int c)
{
    return c == 0 ? "none" : c == 1 ? "zlib" : c == 2 ? "zstd" : "unknown";
}

int64_t grs_bgen_reader_n_samples(const grs_bgen_reader_t *r) { return r->n; }
const grs_sample_t *grs_bgen_reader_samples(const grs_bgen_reader_t *r) { return r->samples; }
const grs_bgen_stats_t *grs_bgen_reader_stats(const grs_bgen_reader_t *r) { return &r->st; }

static uint32_t le32(const uint8_t *p) { uint32_t x; memcpy(&x, p, 4); return x; }
static uint16_t le16(const uint8_t *p) { uint16_t x; memcpy(&x, p, 2); return x; }

/* "variant 12 (rs123)" or "the variant at byte 4316 (rs123)" while the ID is known */
static void verr(grs_bgen_reader_t *r, int level, const char *fmt, ...) GRS_PRINTF(3, 4);
static void verr(grs_bgen_reader_t *r, int level, const char *fmt, ...)
{
    char msg[512], where[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *id = r->rsid.l ? r->rsid.s : r->vid.l ? r->vid.s : NULL;
    if (r->vidx > 0)
        snprintf(where, sizeof(where), "variant %" PRId64 " of %" PRIu32 "%s%s%s (byte %" PRId64 ")",
                 r->vidx, r->m, id ? " '" : "", id ? id : "", id ? "'" : "", r->vstart);
    else
        snprintf(where, sizeof(where), "the variant at byte %" PRId64 "%s%s%s", r->vstart,
                 id ? " '" : "", id ? id : "", id ? "'" : "");
    grs_log(level, "bgen", "'%s': %s: %s", r->fn, where, msg);
}

/* ---- file access: every read is checked against the file size first ----------------------- */

static int rd(grs_bgen_reader_t *r, void *buf, int64_t n, const char *what)
{
    if (n < 0 || n > r->fsize - r->off) {
        if (r->vstart)
            verr(r, GRS_LOG_ERROR, "truncated: %s needs %" PRId64 " bytes at byte %" PRId64
                 " but the file ends at byte %" PRId64, what, n, r->off, r->fsize);
        else
            grs_log_error("'%s': truncated: %s needs %" PRId64 " bytes at byte %" PRId64
                          " but the file ends at byte %" PRId64, r->fn, what, n, r->off, r->fsize);
        return GRS_EFORMAT;
    }
    if (n && fread(buf, 1, (size_t)n, r->fp) != (size_t)n) {
        grs_log_error("'%s': read error at byte %" PRId64 ": %s", r->fn, r->off,
                      ferror(r->fp) ? strerror(errno) : "unexpected end of file");
        return GRS_EIO;
    }
    r->off += n;
    return GRS_OK;
}

static int seek_to(grs_bgen_reader_t *r, int64_t off, const char *what)
{
    if (off < 0 || off > r->fsize) {
        if (r->vstart)
            verr(r, GRS_LOG_ERROR, "truncated: %s ends at byte %" PRId64 " but the file ends at byte %"
                 PRId64, what, off, r->fsize);
        else
            grs_log_error("'%s': %s at byte %" PRId64 " is outside the file (%" PRId64 " bytes)",
                          r->fn, what, off, r->fsize);
        return GRS_EFORMAT;
    }
    if (off != r->off && fseeko(r->fp, (off_t)off, SEEK_SET) != 0) {
        grs_log_error("'%s': cannot seek to byte %" PRId64 ": %s", r->fn, off, strerror(errno));
        return GRS_EIO;
    }
    r->off = off;
    return GRS_OK;
}

static int rd_u32(grs_bgen_reader_t *r, uint32_t *x, const char *what)
{
    uint8_t b[4];
    int ret;
    *x = 0;
    ret = rd(r, b, 4, what);
    if (ret == GRS_OK) *x = le32(b);
    return ret;
}

static int rd_u16(grs_bgen_reader_t *r, uint16_t *x, const char *what)
{
    uint8_t b[2];
    int ret;
    *x = 0;
    ret = rd(r, b, 2, what);
    if (ret == GRS_OK) *x = le16(b);
    return ret;
}

/* a length-prefixed string into ks (length already read) */
static int rd_str(grs_bgen_reader_t *r, kstring_t *ks, int64_t len, const char *what)
{
    if (len > r->fsize - r->off) return rd(r, NULL, len, what);   /* logs "truncated" */
    ks->l = 0;
    if (ks_resize(ks, (size_t)len + 1) < 0) return GRS_ENOMEM;
    int ret = rd(r, ks->s, len, what);
    if (ret < 0) return ret;
    ks->s[len] = 0;
    ks->l = (size_t)len;
    if (memchr(ks->s, 0, (size_t)len) || strpbrk(ks->s, "\t\n\r")) {
        verr(r, GRS_LOG_ERROR, "%s contains a NUL, TAB or newline byte", what);
        return GRS_EFORMAT;
    }
    return GRS_OK;
}

/* ---- samples ------------------------------------------------------------------------------ */

/* split on runs of spaces/TABs; returns the field count (fields past max are not stored) */
static int split_ws(char *s, char **f, int max)
{
    int n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t') s++;
        if (!*s) return n;
        if (n < max) f[n] = s;
        n++;
        s += strcspn(s, " \t");
        if (*s) *s++ = 0;
    }
}

/* Oxford .sample: header (names), types line, then one line per sample. */
static int load_sample_file(grs_bgen_reader_t *r, const char *fn)
{
    htsFile *fp = hts_open(fn, "r");
    kstring_t s = { 0, 0, NULL }, store = { 0, 0, NULL };
    int ret = GRS_EFORMAT, rr, id2 = 0, sex_col = -1;
    int64_t lno = 0, ns = 0;
    int64_t *offs = NULL;
    int *sex = NULL;
    if (!fp) {
        grs_log_error("cannot open .sample file '%s': %s", fn, strerror(errno));
        return GRS_EIO;
    }
    if (!(offs = (int64_t *)malloc(2 * ((size_t)r->n + 1) * sizeof(int64_t)))
        || !(sex = (int *)calloc((size_t)r->n + 1, sizeof(int)))) { ret = GRS_ENOMEM; goto done; }
    while ((rr = hts_getline(fp, '\n', &s)) >= 0) {
        char *f[64];
        lno++;
        while (s.l && (s.s[s.l - 1] == '\r' || s.s[s.l - 1] == ' ' || s.s[s.l - 1] == '\t')) s.s[--s.l] = 0;
        if (!s.l) continue;
        int nf = split_ws(s.s, f, 64);
        if (lno == 1) {
            if (nf < 1) goto bad_header;
            id2 = nf >= 2 && !strcasecmp(f[1], "ID_2");
            for (int i = 0; i < nf && i < 64; i++) if (!strcasecmp(f[i], "sex")) sex_col = i;
            continue;
        }
        if (lno == 2) {   /* column types: 0 for the ID columns, then D, C, P or B */
            for (int i = 0; i < nf && i < 64; i++)
                if (strcmp(f[i], "0") && strcmp(f[i], "D") && strcmp(f[i], "C") && strcmp(f[i], "P")
                    && strcmp(f[i], "B")) {
                    grs_log_error("'%s' line 2: expected the column-type line of an Oxford .sample "
                                  "file (0, D, C, P or B), found '%s'", fn, f[i]);
                    goto done;
                }
            continue;
        }
        if (nf < (id2 ? 2 : 1)) {
            grs_log_error("'%s' line %" PRId64 ": expected %d ID columns", fn, lno, id2 ? 2 : 1);
            goto done;
        }
        if (ns >= (int64_t)r->n) { ns++; continue; }   /* counted, reported below */
        const char *fid = id2 ? f[0] : "0", *iid = id2 ? f[1] : f[0];
        offs[2 * ns] = (int64_t)store.l;
        if (kputs(fid, &store) < 0 || kputc(0, &store) < 0) { ret = GRS_ENOMEM; goto done; }
        offs[2 * ns + 1] = (int64_t)store.l;
        if (kputs(iid, &store) < 0 || kputc(0, &store) < 0) { ret = GRS_ENOMEM; goto done; }
        if (sex_col >= 0 && sex_col < nf && sex_col < 64) {
            const char *x = f[sex_col];
            sex[ns] = !strcmp(x, "1") || !strcasecmp(x, "male") || !strcasecmp(x, "M") ? 1
                    : !strcmp(x, "2") || !strcasecmp(x, "female") || !strcasecmp(x, "F") ? 2 : 0;
        }
        ns++;
    }
    if (rr < -1) { grs_log_error("read error in .sample file '%s'", fn); ret = GRS_EIO; goto done; }
    if (lno < 2) {
bad_header:
        grs_log_error("'%s' is not an Oxford .sample file: it needs a header line and a "
                      "column-type line", fn);
        goto done;
    }
    if (ns != (int64_t)r->n) {
        grs_log_error("'%s' lists %" PRId64 " samples but '%s' has %" PRIu32 " (the .sample file "
                      "must describe the same samples in the same order)", fn, ns, r->fn, r->n);
        ret = GRS_EINPUT;
        goto done;
    }
    r->sample_strs = store.s;
    store.s = NULL;
    for (int64_t i = 0; i < ns; i++) {
        r->samples[i].fid = r->sample_strs + offs[2 * i];
        r->samples[i].iid = r->sample_strs + offs[2 * i + 1];
        r->samples[i].sex = sex[i];
    }
    ret = GRS_OK;
done:
    free(offs); free(sex); free(s.s); free(store.s);
    hts_close(fp);
    return ret;
}

/* the sample identifier block: uint32 L_SI, uint32 N, N x (uint16 len, bytes) */
static int read_sample_block(grs_bgen_reader_t *r, int keep)
{
    uint32_t lsi, n;
    int ret;
    int64_t start = r->off;
    if ((ret = rd_u32(r, &lsi, "the sample block length")) < 0
        || (ret = rd_u32(r, &n, "the sample count")) < 0) return ret;
    if (lsi < 8 || (int64_t)lsi > r->first_off - start) {
        grs_log_error("'%s': the sample block length %" PRIu32 " does not fit before the first "
                      "variant (byte %" PRId64 ")", r->fn, lsi, r->first_off);
        return GRS_EFORMAT;
    }
    if (n != r->n) {
        grs_log_error("'%s': the sample block lists %" PRIu32 " samples but the header says %" PRIu32,
                      r->fn, n, r->n);
        return GRS_EFORMAT;
    }
    if ((uint64_t)n * 2 > (uint64_t)lsi - 8) {
        grs_log_error("'%s': a sample block of %" PRIu32 " bytes cannot hold %" PRIu32 " IDs",
                      r->fn, lsi, n);
        return GRS_EFORMAT;
    }
    if (!keep) return seek_to(r, start + lsi, "the end of the sample block");
    /* the IDs take lsi - 8 - 2n bytes, plus a NUL each and the FID "0" shared */
    size_t need = (size_t)lsi - 8 - 2 * (size_t)n + (size_t)n + 2;
    uint8_t *buf = (uint8_t *)malloc((size_t)lsi - 8);
    if (!buf || !(r->sample_strs = (char *)malloc(need))) { free(buf); return GRS_ENOMEM; }
    if ((ret = rd(r, buf, (int64_t)lsi - 8, "the sample IDs")) < 0) { free(buf); return ret; }
    char *o = r->sample_strs;
    *o++ = '0'; *o++ = 0;
    size_t p = 0, end = (size_t)lsi - 8;
    for (uint32_t s = 0; s < n; s++) {
        if (end - p < 2) goto short_block;
        uint16_t l = le16(buf + p);
        p += 2;
        if (end - p < l) goto short_block;
        if (l == 0 || memchr(buf + p, 0, l) || memchr(buf + p, '\t', l) || memchr(buf + p, '\n', l)
            || memchr(buf + p, ' ', l)) {
            grs_log_error("'%s': sample ID %" PRIu32 " in the sample block is empty or contains a "
                          "space, TAB, newline or NUL", r->fn, s + 1);
            free(buf);
            return GRS_EFORMAT;
        }
        if ((size_t)(o - r->sample_strs) + l + 1 > need) goto short_block;   /* never past the copy */
        r->samples[s].fid = r->sample_strs;
        r->samples[s].iid = o;
        r->samples[s].sex = 0;
        memcpy(o, buf + p, l);
        o += l;
        *o++ = 0;
        p += l;
    }
    if (p != end) {
        grs_log_error("'%s': the sample block is %" PRIu32 " bytes but its IDs take %zu", r->fn,
                      lsi, p + 8);
        free(buf);
        return GRS_EFORMAT;
    }
    free(buf);
    return GRS_OK;
short_block:
    grs_log_error("'%s': the sample block ends inside its ID list (%" PRIu32 " samples)", r->fn, n);
    free(buf);
    return GRS_EFORMAT;
}

/* ---- index (.bgi: bgenix's SQLite database) ----------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int site_key(kstring_t *ks, const char *chrom, int64_t pos)
{
    char buf[256];
    if (grs_chrom_normalize(chrom, buf, sizeof(buf)) < 0) buf[0] = 0;
    ks->l = 0;
    return ksprintf(ks, "%s\t%" PRId64, buf, pos) < 0 ? GRS_ENOMEM : GRS_OK;
}

/* Offsets of the needed variants from F.bgi. Returns 1 if used, 0 to stream, < 0 on error. */
static int load_index(grs_bgen_reader_t *r)
{
    char *ifn = grs_sprintf("%s.bgi", r->fn);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    struct stat sb;
    int used = 0, rc;
    int64_t cap = 0;
    if (!ifn) return GRS_ENOMEM;
    if (stat(ifn, &sb) != 0) { free(ifn); return 0; }
    if (sqlite3_open_v2(ifn, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        grs_log_warning("cannot open the index '%s' (%s); reading '%s' sequentially", ifn,
                        db ? sqlite3_errmsg(db) : "out of memory", r->fn);
        goto done;
    }
    /* an index of another version of the file would send us to wrong offsets */
    if (sqlite3_prepare_v2(db, "SELECT file_size FROM Metadata", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) != r->fsize) {
            grs_log_warning("the index '%s' describes a file of %lld bytes but '%s' has %" PRId64
                            "; ignoring the index", ifn, (long long)sqlite3_column_int64(st, 0),
                            r->fn, r->fsize);
            goto done;
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if (sqlite3_prepare_v2(db, "SELECT chromosome, position, file_start_position FROM Variant", -1,
                           &st, NULL) != SQLITE_OK) {
        grs_log_warning("'%s' is not a bgenix index (%s); reading '%s' sequentially", ifn,
                        sqlite3_errmsg(db), r->fn);
        goto done;
    }
    r->n_idx = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        int64_t pos = sqlite3_column_int64(st, 1), off = sqlite3_column_int64(st, 2);
        if (!c) continue;
        if (site_key(&r->key, c, pos) < 0) { used = GRS_ENOMEM; goto done; }
        if (kh_get(bgset, r->sites, r->key.s) == kh_end(r->sites)) continue;
        if (off < r->first_off || off >= r->fsize) {
            grs_log_warning("the index '%s' gives byte %lld for a variant, outside the variant "
                            "data of '%s'; ignoring the index", ifn, (long long)off, r->fn);
            goto done;
        }
        if (r->n_idx == cap) {
            cap = cap ? 2 * cap : 1024;
            int64_t *x = (int64_t *)realloc(r->idx_off, (size_t)cap * sizeof(int64_t));
            if (!x) { used = GRS_ENOMEM; goto done; }
            r->idx_off = x;
        }
        r->idx_off[r->n_idx++] = off;
    }
    if (rc != SQLITE_DONE) {
        grs_log_warning("error reading the index '%s' (%s); reading '%s' sequentially", ifn,
                        sqlite3_errmsg(db), r->fn);
        goto done;
    }
    if (r->n_idx) qsort(r->idx_off, (size_t)r->n_idx, sizeof(int64_t), cmp_i64);
    {   /* the same offset twice (two rows of one variant) is read once */
        int64_t k = 0;
        for (int64_t i = 0; i < r->n_idx; i++)
            if (!k || r->idx_off[i] != r->idx_off[k - 1]) r->idx_off[k++] = r->idx_off[i];
        r->n_idx = k;
    }
    used = 1;
    grs_log_info("index '%s': %" PRId64 " of %" PRIu32 " variants are at scoring sites", ifn,
                 r->n_idx, r->m);
done:
    if (used != 1) { free(r->idx_off); r->idx_off = NULL; r->n_idx = 0; }
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(ifn);
    return used;
}

/* ---- open --------------------------------------------------------------------------------- */

int grs_bgen_reader_open(const grs_bgen_opts_t *opt, grs_bgen_reader_t **out)
{
    grs_bgen_reader_t *r = (grs_bgen_reader_t *)calloc(1, sizeof(*r));
    uint8_t h[20];
    uint32_t off, lh, flags;
    struct stat sb;
    int ret = GRS_ENOMEM;
    *out = NULL;
    if (!r) return GRS_ENOMEM;
    r->opt = *opt;
    r->fn = opt->file;
    if (!(opt->hard_call_threshold >= 0 && opt->hard_call_threshold <= 0.5)) {
        grs_log_error("--hard-call-threshold must be a number in [0, 0.5]");
        ret = GRS_EINVAL;
        goto fail;
    }
    /* plink2: floor(T * 16384 * (1 + epsilon)), so that 0.1 gives 1638 */
    r->hc_t = (uint32_t)(opt->hard_call_threshold * (1 + 1e-9) * GRS_DOSAGE_ONE);
    if (!(r->fp = fopen(r->fn, "rb")) || fstat(fileno(r->fp), &sb) != 0) {
        grs_log_error("cannot open BGEN file '%s': %s", r->fn, strerror(errno));
        ret = GRS_EIO;
        goto fail;
    }
    setvbuf(r->fp, NULL, _IOFBF, FILE_BUF);
    r->fsize = (int64_t)sb.st_size;
    if (r->fsize == 0) {
        grs_log_error("'%s' is empty (not a BGEN file)", r->fn);
        ret = GRS_EFORMAT;
        goto fail;
    }
    if ((ret = rd_u32(r, &off, "the first-variant offset")) < 0) goto fail;
    if ((ret = rd(r, h, 20, "the header block")) < 0) goto fail;
    lh = le32(h);
    r->m = le32(h + 4);
    r->n = le32(h + 8);
    if (memcmp(h + 12, "bgen", 4) && memcmp(h + 12, "\0\0\0\0", 4)) {
        grs_log_error("'%s' is not a BGEN file: the magic number at byte 16 is not 'bgen'", r->fn);
        ret = GRS_EFORMAT;
        goto fail;
    }
    r->first_off = (int64_t)off + 4;
    if (lh < 20 || lh > off) {
        grs_log_error("'%s': the header length %" PRIu32 " is not in [20, first-variant offset %"
                      PRIu32 "]", r->fn, lh, off);
        ret = GRS_EFORMAT;
        goto fail;
    }
    if (r->first_off > r->fsize) {
        grs_log_error("'%s': truncated: the variant data start at byte %" PRId64 " but the file "
                      "has %" PRId64 " bytes", r->fn, r->first_off, r->fsize);
        ret = GRS_EFORMAT;
        goto fail;
    }
    if ((ret = seek_to(r, 4 + (int64_t)lh - 4, "the header flags")) < 0
        || (ret = rd_u32(r, &flags, "the header flags")) < 0) goto fail;
    r->compression = (int)(flags & 3u);
    r->layout = (int)((flags >> 2) & 15u);
    r->has_ids = (int)(flags >> 31);
    if (r->layout != 1 && r->layout != 2) {
        grs_log_error("'%s': BGEN layout %d is not supported (layout 1 = v1.1 and layout 2 = "
                      "v1.2/v1.3 are)", r->fn, r->layout);
        ret = GRS_EUNSUPPORTED;
        goto fail;
    }
    if (r->compression == 3 || (r->layout == 1 && r->compression == 2)) {
        grs_log_error("'%s': compression code %d is not valid for layout %d", r->fn,
                      r->compression, r->layout);
        ret = GRS_EUNSUPPORTED;
        goto fail;
    }
    if (r->n == 0) {
        grs_log_error("'%s' has no samples", r->fn);
        ret = GRS_EFORMAT;
        goto fail;
    }
    if (!r->has_ids && !opt->sample_file) {
        grs_log_error("'%s' has no sample identifier block: give the sample IDs with --sample F",
                      r->fn);
        ret = GRS_EINPUT;
        goto fail;
    }
    /* N sized arrays: the IDs come from the file (>= 2 bytes each) or from a .sample file whose
     * line count must equal N, so N is bounded by real bytes before these are filled */
    if (r->has_ids && (int64_t)r->n > r->fsize / 2) {   /* each ID takes >= 2 bytes of the file */
        grs_log_error("'%s': the header says %" PRIu64 " samples, more than a %" PRId64
                      "-byte file can hold: the file is corrupted", r->fn, (uint64_t)r->n, r->fsize);
        ret = GRS_EFORMAT;
        goto fail;
    }
    ret = GRS_ENOMEM;
    if (!(r->samples = (grs_sample_t *)calloc(r->n, sizeof(grs_sample_t)))) {
        grs_log_error("'%s': out of memory for %" PRIu64 " samples", r->fn, (uint64_t)r->n);
        goto fail;
    }
    if (r->has_ids) {
        if ((ret = read_sample_block(r, opt->sample_file == NULL)) < 0) goto fail;
    }
    if (opt->sample_file && (ret = load_sample_file(r, opt->sample_file)) < 0) goto fail;
    ret = GRS_ENOMEM;
    if (!(r->codes = (uint8_t *)malloc(r->n)) || !(r->hap = (uint8_t *)malloc(r->n))
        || !(r->dos = (uint16_t *)malloc((size_t)r->n * 2)))
        goto fail;
    r->st.n_samples = r->n;
    r->st.n_variants_file = r->m;
    r->st.layout = r->layout;
    r->st.compression = r->compression;
    if (opt->n_sites > 0) {
        if (!(r->sites = kh_init(bgset))) goto fail;
        for (int64_t i = 0; i < opt->n_sites; i++) {
            int absent;
            if (site_key(&r->key, opt->sites[i].chrom, opt->sites[i].pos) < 0) goto fail;
            char *k = strdup(r->key.s);
            if (!k) goto fail;
            kh_put(bgset, r->sites, k, &absent);
            if (absent < 0) { free(k); goto fail; }
            if (!absent) free(k);
        }
        if (!opt->no_index) {
            int u = load_index(r);
            if (u < 0) { ret = u; goto fail; }
            r->st.used_index = u;
        }
    }
    if (r->compression == 2 && !(r->zd = ZSTD_createDCtx())) goto fail;
    if ((ret = seek_to(r, r->first_off, "the first variant")) < 0) goto fail;
    grs_log_info("'%s': BGEN layout %d (%s), %" PRIu32 " samples, %" PRIu32 " variants; sample IDs "
                 "from %s; first allele = REF; hard calls within %g of an integer", r->fn, r->layout,
                 grs_bgen_compression_name(r->compression), r->n, r->m,
                 opt->sample_file ? opt->sample_file : "the file's sample block",
                 opt->hard_call_threshold);
    *out = r;
    return GRS_OK;
fail:
    grs_bgen_reader_close(r);
    return ret;
}

void grs_bgen_reader_close(grs_bgen_reader_t *r)
{
    if (!r) return;
    if (r->fp) fclose(r->fp);
    if (r->sites) {
        for (khint_t k = kh_begin(r->sites); k != kh_end(r->sites); k++)
            if (kh_exist(r->sites, k)) free((char *)kh_key(r->sites, k));
        kh_destroy(bgset, r->sites);
    }
    for (uint32_t i = 0; i < r->alleles_cap; i++) free(r->alleles[i]);
    free(r->alleles); free(r->allele_cap);
    if (r->zs_init) inflateEnd(&r->zs);
    ZSTD_freeDCtx(r->zd);
    free(r->key.s); free(r->vid.s); free(r->rsid.s); free(r->chr.s);
    free(r->samples); free(r->sample_strs); free(r->idx_off);
    free(r->cbuf); free(r->dbuf); free(r->cnt);
    free(r->codes); free(r->hap); free(r->dos);
    free(r);
}

/* ---- variant blocks ------------------------------------------------------------------------ */

/* Identifying data of the variant at r->off: IDs, chromosome, position, alleles. */
static int read_variant_ids(grs_bgen_reader_t *r)
{
    uint16_t l;
    uint32_t pos, k;
    int ret;
    r->vstart = r->off;
    r->vid.l = r->rsid.l = 0;
    if (r->layout == 1) {
        uint32_t n;
        if ((ret = rd_u32(r, &n, "the sample count")) < 0) return ret;
        if (n != r->n) {
            verr(r, GRS_LOG_ERROR, "the block has %" PRIu32 " samples but the header says %" PRIu32, n, r->n);
            return GRS_EFORMAT;
        }
    }
    if ((ret = rd_u16(r, &l, "the variant ID length")) < 0 || (ret = rd_str(r, &r->vid, l, "the variant ID")) < 0
        || (ret = rd_u16(r, &l, "the rsID length")) < 0 || (ret = rd_str(r, &r->rsid, l, "the rsID")) < 0
        || (ret = rd_u16(r, &l, "the chromosome length")) < 0
        || (ret = rd_str(r, &r->chr, l, "the chromosome")) < 0
        || (ret = rd_u32(r, &pos, "the position")) < 0)
        return ret;
    if (r->layout == 2) {
        uint16_t k16;
        if ((ret = rd_u16(r, &k16, "the allele count")) < 0) return ret;
        k = k16;
    } else {
        k = 2;
    }
    if (k == 0) { verr(r, GRS_LOG_ERROR, "the variant has no alleles"); return GRS_EFORMAT; }
    if (r->chr.l == 0) { verr(r, GRS_LOG_ERROR, "the chromosome is empty"); return GRS_EFORMAT; }
    if (k > r->alleles_cap) {
        char **a = (char **)realloc(r->alleles, k * sizeof(char *));
        if (!a) return GRS_ENOMEM;
        r->alleles = a;
        size_t *c = (size_t *)realloc(r->allele_cap, k * sizeof(size_t));
        if (!c) return GRS_ENOMEM;
        r->allele_cap = c;
        for (uint32_t i = r->alleles_cap; i < k; i++) { r->alleles[i] = NULL; r->allele_cap[i] = 0; }
        r->alleles_cap = k;
        uint8_t *cn = (uint8_t *)realloc(r->cnt, k);
        if (!cn) return GRS_ENOMEM;
        r->cnt = cn;
    }
    for (uint32_t i = 0; i < k; i++) {
        uint32_t la;
        if ((ret = rd_u32(r, &la, "an allele length")) < 0) return ret;
        if ((int64_t)la > r->fsize - r->off) return rd(r, NULL, la, "an allele");
        if (la == 0) { verr(r, GRS_LOG_ERROR, "allele %" PRIu32 " is empty", i + 1); return GRS_EFORMAT; }
        if ((size_t)la + 1 > r->allele_cap[i]) {
            char *s = (char *)realloc(r->alleles[i], (size_t)la + 1);
            if (!s) return GRS_ENOMEM;
            r->alleles[i] = s;
            r->allele_cap[i] = (size_t)la + 1;
        }
        if ((ret = rd(r, r->alleles[i], la, "an allele")) < 0) return ret;
        r->alleles[i][la] = 0;
        if (strlen(r->alleles[i]) != la || strpbrk(r->alleles[i], "\t\n\r ")) {
            verr(r, GRS_LOG_ERROR, "allele %" PRIu32 " contains a space, TAB, newline or NUL", i + 1);
            return GRS_EFORMAT;
        }
    }
    r->pos = pos;
    r->k = k;
    return GRS_OK;
}

/* Skip the genotype block at r->off without decompressing it. */
static int skip_genotypes(grs_bgen_reader_t *r)
{
    uint32_t c;
    int ret;
    if (r->layout == 1 && r->compression == 0)
        return seek_to(r, r->off + 6 * (int64_t)r->n, "the genotype block");
    if ((ret = rd_u32(r, &c, "the genotype block length")) < 0) return ret;
    return seek_to(r, r->off + c, "the genotype block");
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return GRS_OK;
    size_t n = *cap ? *cap : 4096;
    while (n < need) n = n > SIZE_MAX / 2 ? need : 2 * n;
    free(*buf);                        /* contents are not kept */
    if (!(*buf = (uint8_t *)malloc(n))) { *cap = 0; return GRS_ENOMEM; }
    *cap = n;
    return GRS_OK;
}

/* Decompression in stages, so that a stated size is checked before it is allocated. */
static int dz_begin(grs_bgen_reader_t *r, const uint8_t *src, size_t n)
{
    if (r->compression == 1) {
        if (!r->zs_init) {
            memset(&r->zs, 0, sizeof(r->zs));
            if (inflateInit(&r->zs) != Z_OK) return GRS_ENOMEM;
            r->zs_init = 1;
        } else if (inflateReset(&r->zs) != Z_OK) {
            return GRS_ENOMEM;
        }
        r->zs.next_in = (Bytef *)(uintptr_t)src;
        r->zs.avail_in = (uInt)n;
    } else if (r->compression == 2) {
        ZSTD_DCtx_reset(r->zd, ZSTD_reset_session_only);
        r->zdone = 0;
    }
    return GRS_OK;
}

/* Produce exactly `want` bytes at dst. zstd keeps its input in *zin. Returns GRS_OK or -1 when
 * the stream ends early or is corrupt (the caller names the variant). */
static int dz_produce(grs_bgen_reader_t *r, ZSTD_inBuffer *zin, uint8_t *dst, size_t want,
                      const char **why)
{
    if (r->compression == 1) {
        r->zs.next_out = dst;
        r->zs.avail_out = (uInt)want;
        while (r->zs.avail_out) {
            int z = inflate(&r->zs, Z_NO_FLUSH);
            if (z == Z_STREAM_END) break;
            if (z != Z_OK) { *why = r->zs.msg ? r->zs.msg : "corrupt zlib data"; return -1; }
            if (!r->zs.avail_in) { *why = "the zlib data end early"; return -1; }
        }
        if (r->zs.avail_out) { *why = "the zlib stream ends early"; return -1; }
        return GRS_OK;
    }
    ZSTD_outBuffer o = { dst, want, 0 };
    while (o.pos < o.size) {
        if (r->zdone) { *why = "the zstd frame ends early"; return -1; }
        size_t z = ZSTD_decompressStream(r->zd, &o, zin);
        if (ZSTD_isError(z)) { *why = ZSTD_getErrorName(z); return -1; }
        r->zdone = z == 0;
        if (z == 0 && o.pos < o.size) { *why = "the zstd frame ends early"; return -1; }
        if (zin->pos == zin->size && o.pos < o.size && z != 0) {
            /* all input consumed: one more call flushes what the context holds */
            size_t before = o.pos;
            z = ZSTD_decompressStream(r->zd, &o, zin);
            if (ZSTD_isError(z)) { *why = ZSTD_getErrorName(z); return -1; }
            r->zdone = z == 0;
            if (o.pos == before) { *why = "the zstd data end early"; return -1; }
        }
    }
    return GRS_OK;
}

/* After the stated size was produced, nothing must remain. */
static int dz_end(grs_bgen_reader_t *r, ZSTD_inBuffer *zin)
{
    uint8_t extra[16];
    if (r->compression == 1) {
        r->zs.next_out = extra;
        r->zs.avail_out = sizeof(extra);
        int z = inflate(&r->zs, Z_FINISH);
        return z == Z_STREAM_END && r->zs.avail_out == sizeof(extra) && r->zs.avail_in == 0 ? GRS_OK : -1;
    }
    if (r->zdone) return zin->pos == zin->size ? GRS_OK : -1;   /* a second frame: too much */
    ZSTD_outBuffer o = { extra, sizeof(extra), 0 };
    size_t z = ZSTD_decompressStream(r->zd, &o, zin);
    return !ZSTD_isError(z) && z == 0 && o.pos == 0 && zin->pos == zin->size ? GRS_OK : -1;
}

/* C(z + k - 1, k - 1), capped at MAX_COMBOS + 1 */
static uint64_t n_combos(uint32_t z, uint32_t k)
{
    uint64_t c = 1;
    for (uint32_t i = 1; i <= z; i++) {
        c = c * (k - 1 + i) / i;      /* exact: a product of i consecutive integers / i! */
        if (c > MAX_COMBOS) return MAX_COMBOS + 1;
    }
    return c;
}

/* Read and decompress the genotype block at r->off into r->dbuf; check its header. */
static int read_genotypes(grs_bgen_reader_t *r)
{
    uint32_t c = 0, d = 0;
    int ret;
    const char *why = NULL;
    ZSTD_inBuffer zin = { NULL, 0, 0 };
    size_t head;
    if (r->layout == 1) {
        if ((uint64_t)6 * r->n > UINT32_MAX) {
            verr(r, GRS_LOG_ERROR, "%" PRIu32 " samples do not fit in a layout-1 block", r->n);
            return GRS_EFORMAT;
        }
        d = 6 * r->n;
        if (r->compression == 0) c = d;
        else if ((ret = rd_u32(r, &c, "the genotype block length")) < 0) return ret;
    } else {
        if ((ret = rd_u32(r, &c, "the genotype block length")) < 0) return ret;
        if (r->compression) {
            if (c < 4) { verr(r, GRS_LOG_ERROR, "genotype block length %" PRIu32 " < 4", c); return GRS_EFORMAT; }
            if ((ret = rd_u32(r, &d, "the uncompressed length")) < 0) return ret;
            c -= 4;
        } else {
            d = c;
        }
    }
    if ((int64_t)c > r->fsize - r->off) return rd(r, NULL, c, "the genotype block");   /* truncated */
    if ((ret = grow(&r->cbuf, &r->cbuf_cap, (size_t)c + 1)) < 0) return ret;
    if ((ret = rd(r, r->cbuf, c, "the genotype block")) < 0) return ret;
    if ((ret = dz_begin(r, r->cbuf, c)) < 0) return ret;
    zin.src = r->cbuf;
    zin.size = c;

    /* stage 1: the part that says how big the rest must be */
    head = r->layout == 1 ? 0 : 10 + (size_t)r->n;
    if (r->layout == 2 && d < head) {
        verr(r, GRS_LOG_ERROR, "the genotype block is %" PRIu32 " bytes uncompressed, too short for "
             "its %" PRIu32 "-sample header", d, r->n);
        return GRS_EFORMAT;
    }
    if (r->layout == 2) {
        if ((ret = grow(&r->dbuf, &r->dbuf_cap, head + 8)) < 0) return ret;
        if (r->compression == 0) memcpy(r->dbuf, r->cbuf, head);
        else if (dz_produce(r, &zin, r->dbuf, head, &why) < 0) goto inflate_fail;
        const uint8_t *p = r->dbuf;
        uint32_t n = le32(p), pmin = p[6], pmax = p[7];
        uint16_t k = le16(p + 4);
        r->phased = p[8 + r->n];
        r->bits = p[9 + r->n];
        r->ploidy = p + 8;
        if (n != r->n) {
            verr(r, GRS_LOG_ERROR, "the genotype block has %" PRIu32 " samples but the header says %"
                 PRIu32, n, r->n);
            return GRS_EFORMAT;
        }
        if (k != r->k) {
            verr(r, GRS_LOG_ERROR, "the genotype block has %u alleles but the variant has %" PRIu32,
                 (unsigned)k, r->k);
            return GRS_EFORMAT;
        }
        if (pmin > pmax || pmax > MAX_PLOIDY) {
            verr(r, GRS_LOG_ERROR, "ploidy range [%" PRIu32 ", %" PRIu32 "] is invalid (at most 63)", pmin, pmax);
            return GRS_EFORMAT;
        }
        if (r->phased > 1) {
            verr(r, GRS_LOG_ERROR, "the phased flag is %d (must be 0 or 1)", r->phased);
            return GRS_EFORMAT;
        }
        if (r->bits < 1 || r->bits > 32) {
            verr(r, GRS_LOG_ERROR, "%d bits per probability is not supported (1 to 32 are)", r->bits);
            return GRS_EUNSUPPORTED;
        }
        for (uint32_t z = 0; z <= pmax; z++)
            r->combos[z] = r->phased ? (uint64_t)z * (r->k - 1) + 1 : n_combos(z, r->k);
        uint64_t values = 0;
        for (uint32_t s = 0; s < r->n; s++) {
            uint32_t z = r->ploidy[s] & 63u;
            if (z < pmin || z > pmax) {
                verr(r, GRS_LOG_ERROR, "sample %" PRIu32 " has ploidy %" PRIu32 " outside the block's "
                     "range [%" PRIu32 ", %" PRIu32 "]", s + 1, z, pmin, pmax);
                return GRS_EFORMAT;
            }
            if (r->combos[z] > MAX_COMBOS) {
                verr(r, GRS_LOG_ERROR, "ploidy %" PRIu32 " with %" PRIu32 " alleles has too many genotypes", z, r->k);
                return GRS_EFORMAT;
            }
            values += r->combos[z] - 1;
        }
        uint64_t need = head + (values * (uint64_t)r->bits + 7) / 8;
        if (need != d) {
            verr(r, GRS_LOG_ERROR, "the genotype block is %" PRIu32 " bytes uncompressed but its %" PRIu32
                 " samples at %d bits need %" PRIu64, d, r->n, r->bits, need);
            return GRS_EFORMAT;
        }
        if (!r->st.bits) r->st.bits = r->bits;
        if (r->phased) r->st.phased = 1;
    }
    /* stage 2: the probabilities (8 zero bytes of slack for the 64-bit bit reader) */
    {
        uint8_t *old = r->dbuf;
        size_t cap = r->dbuf_cap;
        if ((size_t)d + 8 > cap) {
            uint8_t *nb = (uint8_t *)malloc((size_t)d + 8);
            if (!nb) return GRS_ENOMEM;
            if (head) memcpy(nb, old, head);
            free(old);
            r->dbuf = nb;
            r->dbuf_cap = (size_t)d + 8;
        }
    }
    if (r->compression == 0) memcpy(r->dbuf + head, r->cbuf + head, d - head);
    else if (d > head && dz_produce(r, &zin, r->dbuf + head, d - head, &why) < 0) goto inflate_fail;
    if (r->compression && dz_end(r, &zin) < 0) {
        verr(r, GRS_LOG_ERROR, "the compressed genotype block inflates to more than its stated %"
             PRIu32 " bytes", d);
        return GRS_EFORMAT;
    }
    memset(r->dbuf + d, 0, 8);
    r->dlen = d;
    if (r->layout == 2) {
        r->ploidy = r->dbuf + 8;
        r->probs = r->dbuf + head;
    } else {
        r->probs = r->dbuf;
    }
    return GRS_OK;
inflate_fail:
    verr(r, GRS_LOG_ERROR, "the compressed genotype block (%" PRIu32 " bytes, %s) does not inflate to "
         "its stated %" PRIu32 " bytes: %s", c, grs_bgen_compression_name(r->compression), d, why);
    return GRS_EFORMAT;
}

/* B bits at bit offset `at` (LSB first); the buffer has 8 bytes of slack */
static inline uint64_t get_bits(const uint8_t *p, uint64_t at, uint64_t mask)
{
    uint64_t w;
    memcpy(&w, p + (at >> 3), 8);
    return (w >> (at & 7)) & mask;
}

/* rounded dosage (16384 = one copy) from num / den copies */
static inline uint32_t to_dosage(uint64_t num, uint64_t den)
{
    return (uint32_t)((num * GRS_DOSAGE_ONE + den / 2) / den);
}

/* Fill codes/dos/hap for ALT allele j (1-based) of the decoded block. */
static int make_row(grs_bgen_reader_t *r, uint32_t j, int *any_hap, int *any_frac)
{
    const uint32_t n = r->n, k = r->k, hc_t = r->hc_t;
    uint8_t *GRS_RESTRICT codes = r->codes, *GRS_RESTRICT hap = r->hap;
    uint16_t *GRS_RESTRICT dos = r->dos;
    int hs = 0, frac = 0;
    int64_t n_missing = 0, n_uncalled = 0, n_bad = 0;
    if (r->layout == 1) {
        const uint8_t *p = r->probs;
        for (uint32_t s = 0; s < n; s++, p += 6) {
            uint64_t a = le16(p), b = le16(p + 2), c = le16(p + 4), sum = a + b + c;
            hap[s] = 0;
            if (!sum) { dos[s] = GRS_DOSAGE_MISSING; codes[s] = GRS_GENO_MISSING; n_missing++; continue; }
            dos[s] = (uint16_t)to_dosage(b + 2 * c, sum);
        }
    } else {
        const uint8_t *P = r->probs, *pl = r->ploidy;
        const int B = r->bits;
        const uint64_t mask = B == 64 ? ~0ull : (((uint64_t)1 << B) - 1), maxv = mask;
        uint64_t at = 0;
        for (uint32_t s = 0; s < n; s++) {
            const uint32_t z = pl[s] & 63u;
            const int miss = pl[s] >> 7;
            const uint64_t nv = r->combos[z] - 1;
            uint64_t num = 0, sum = 0;
            hap[s] = z == 1;
            hs |= z == 1;
            if (miss || z == 0 || z > 2) {
                at += nv * B;
                if (!miss) n_bad++;
                dos[s] = GRS_DOSAGE_MISSING;
                codes[s] = GRS_GENO_MISSING;
                n_missing++;
                continue;
            }
            if (r->phased) {
                for (uint32_t h = 0; h < z; h++) {
                    uint64_t hsum = 0, vj = 0;
                    for (uint32_t a = 0; a + 1 < k; a++) {
                        uint64_t v = get_bits(P, at, mask);
                        at += B;
                        hsum += v;
                        if (a == j) vj = v;
                    }
                    if (hsum > maxv) goto too_big;
                    num += j == k - 1 ? maxv - hsum : vj;
                }
            } else if (k == 2 && z == 2) {      /* the common case: AA, AB stored, BB implied */
                uint64_t v0 = get_bits(P, at, mask), v1 = get_bits(P, at + B, mask);
                at += 2 * (uint64_t)B;
                sum = v0 + v1;
                if (sum > maxv) goto too_big;
                if (B == 8) {
                    /* plink2's 8-bit conversion: the REF dosage in 16.16 fixed point with the
                     * reciprocal rounded up, ALT = 2 - REF. It differs from exact rounding only
                     * where the exact value is within 0.002 units of a half (e.g. 2/255 of a copy
                     * = 128.502 units -> 128); reproduced so that scores match plink2's. */
                    dos[s] = (uint16_t)(2 * GRS_DOSAGE_ONE - (((2 * v0 + v1) * 4210753u + 32768u) >> 16));
                    continue;
                }
                num = 2 * (maxv - sum) + v1;
            } else if (z == 1) {                /* haploid: one probability per allele */
                for (uint32_t a = 0; a + 1 < k; a++) {
                    uint64_t v = get_bits(P, at, mask);
                    at += B;
                    sum += v;
                    if (a == j) num = v;
                }
                if (sum > maxv) goto too_big;
                if (j == k - 1) num = maxv - sum;
            } else {                            /* diploid, K > 2: colex order of allele counts */
                uint8_t *cnt = r->cnt;
                memset(cnt, 0, k);
                cnt[0] = (uint8_t)z;
                for (uint64_t g = 0;; g++) {
                    uint64_t v;
                    if (g < nv) { v = get_bits(P, at, mask); at += B; sum += v; }
                    else { if (sum > maxv) goto too_big; v = maxv - sum; }
                    num += v * cnt[j];
                    if (g == nv) break;
                    uint32_t f = 0;             /* colex successor: see bgen.h */
                    while (!cnt[f]) f++;
                    uint8_t m = cnt[f];
                    cnt[f] = 0;
                    cnt[f + 1]++;
                    cnt[0] = (uint8_t)(m - 1);
                }
            }
            dos[s] = (uint16_t)to_dosage(num, maxv);
            continue;
too_big:
            verr(r, GRS_LOG_ERROR, "sample %" PRIu32 " ('%s'): the probabilities sum to more than one",
                 s + 1, r->samples[s].iid);
            return GRS_EFORMAT;
        }
    }
    /* hard calls: plink2's rule on the rounded dosage. plink2 holds a haploid dosage on the
     * diploid scale (x2) and a haploid "het" is missing, so a haploid call needs x <= T/2 or
     * x >= 1 - T/2. */
    for (uint32_t s = 0; s < n; s++) {
        uint32_t d = dos[s];
        if (d == GRS_DOSAGE_MISSING) continue;
        frac |= d % GRS_DOSAGE_ONE != 0;
        uint32_t d2 = hap[s] ? 2 * d : d;
        uint32_t rem = d2 % GRS_DOSAGE_ONE, dist = rem < GRS_DOSAGE_ONE - rem ? rem : GRS_DOSAGE_ONE - rem;
        uint32_t call = (d2 + GRS_DOSAGE_ONE / 2) / GRS_DOSAGE_ONE;
        if (dist <= hc_t && !(hap[s] && call == 1)) codes[s] = (uint8_t)(hap[s] ? call / 2 : call);
        else { codes[s] = GRS_GENO_MISSING; n_uncalled++; }
    }
    r->st.n_missing += n_missing;
    r->st.n_uncalled += n_uncalled;
    r->st.n_bad_ploidy += n_bad;
    *any_hap = hs;
    *any_frac = frac;
    return GRS_OK;
}

/* Position at the next variant to decode; returns 1, 0 at the end, < 0 on error. */
static int next_variant(grs_bgen_reader_t *r)
{
    int ret;
    for (;;) {
        if (grs_interrupted()) return GRS_EINTR;
        if (r->st.used_index) {
            if (r->i_idx >= r->n_idx) return 0;
            r->vidx = 0;
            if ((ret = seek_to(r, r->idx_off[r->i_idx++], "an indexed variant")) < 0) return ret;
            if ((ret = read_variant_ids(r)) < 0) return ret;
        } else {
            if (r->n_seen >= (int64_t)r->m) return 0;
            r->vidx = ++r->n_seen;
            r->rsid.l = r->vid.l = 0;
            if ((ret = read_variant_ids(r)) < 0) return ret;
        }
        if (r->sites) {
            if ((ret = site_key(&r->key, r->chr.s, r->pos)) < 0) return ret;
            if (kh_get(bgset, r->sites, r->key.s) == kh_end(r->sites)) {
                if (r->st.used_index) {
                    verr(r, GRS_LOG_ERROR, "the index points at a variant that is not at a scoring "
                         "site (%s:%" PRIu32 "): the index does not match the file", r->chr.s, r->pos);
                    return GRS_EFORMAT;
                }
                r->st.n_skipped++;
                if ((ret = skip_genotypes(r)) < 0) return ret;
                continue;
            }
        }
        if ((ret = read_genotypes(r)) < 0) return ret;
        r->st.n_decoded++;
        if (r->k > 2) r->st.n_multiallelic++;
        return 1;
    }
}

int grs_bgen_reader_next(grs_bgen_reader_t *r, grs_bgen_row_t *row)
{
    int ret;
    for (;;) {
        if (r->have_var && r->next_alt < r->k) {
            uint32_t j = r->next_alt++;
            int any_hap, any_frac;
            if ((ret = make_row(r, j, &any_hap, &any_frac)) < 0) return ret;
            row->var.chrom = r->chr.s;
            row->var.pos = r->pos;
            row->var.id = r->rsid.l && strcmp(r->rsid.s, ".") ? r->rsid.s : r->vid.l ? r->vid.s : ".";
            row->var.ref = r->alleles[0];
            row->var.alt = r->alleles[j];
            row->var.src_allele = (int32_t)j;
            row->var.n_src_alleles = (int32_t)r->k;
            row->codes = r->codes;
            row->dosage = r->dos;
            row->haploid = any_hap ? r->hap : NULL;
            r->st.n_rows++;
            if (r->k > 2) r->st.n_split_rows++;
            if (any_frac) r->st.n_dosage_rows++;
            return 1;
        }
        r->have_var = 0;
        if ((ret = next_variant(r)) <= 0) {
            if (ret == 0 && r->st.used_index) r->st.n_skipped = (int64_t)r->m - r->st.n_decoded;
            return ret;
        }
        r->have_var = 1;
        r->next_alt = 1;
    }
}

/* ---- packer ------------------------------------------------------------------------------- */

int grs_bgen_pack(const grs_bgen_opts_t *opt, const char *out_grsm, grs_bgen_stats_t *stats)
{
    int ret, rr;
    grs_bgen_reader_t *rd = NULL;
    grs_geno_writer_t *w = NULL;
    grs_bgen_row_t row;
    char tbuf[32], *s = NULL, *fp = NULL;

    if ((ret = grs_bgen_reader_open(opt, &rd)) < 0) goto fail;
    if ((ret = grs_geno_writer_open(out_grsm, rd->n, rd->samples, &w)) < 0) goto fail;
    while ((rr = grs_bgen_reader_next(rd, &row)) > 0) {
        if ((ret = grs_geno_writer_add(w, &row.var, row.codes, row.dosage, row.haploid)) < 0) goto fail;
        if ((rd->st.n_rows & 1023) == 0) grs_progress("pack: variants", rd->st.n_rows, rd->m);
    }
    grs_progress_end();
    if (rr < 0) { ret = rr; goto fail; }
    grs_iso_time(tbuf, sizeof(tbuf));
#define META(k, v) do { if ((ret = grs_geno_writer_meta(w, (k), (v))) < 0) goto fail; } while (0)
    META("tool", "grs " GRS_VERSION);
    if (opt->command) META("command", opt->command);
    META("created", tbuf);
    META("source_format", rd->layout == 1 ? "BGEN-v1.1" : "BGEN-v1.2");
    for (int i = 0; i < 2; i++) {
        const char *f = i == 0 ? opt->file : opt->sample_file;
        if (!f) continue;
        free(fp);
        fp = grs_file_fingerprint(f);
        free(s);
        if (!(s = grs_sprintf("%s %s", f, fp ? fp : "unavailable"))) { ret = GRS_ENOMEM; goto fail; }
        for (char *q = s; *q; q++) if (*q == '\t' || *q == '\n') *q = ' ';
        META(i == 0 ? "input.1" : "input.2", s);
    }
    META("dosage_field", "BGEN probabilities (first allele REF)");
    free(s);
    if (!(s = grs_sprintf("%g", opt->hard_call_threshold))) { ret = GRS_ENOMEM; goto fail; }
    META("hard_call_threshold", s);
    if (opt->sample_file && !strpbrk(opt->sample_file, "\t\n")) META("samples_file", opt->sample_file);
#undef META
    ret = grs_geno_writer_close(w, 1);
    w = NULL;
fail:
    grs_progress_end();
    if (ret == GRS_ENOMEM) grs_log_error("'%s': out of memory while packing", opt->file);
    if (stats && rd) *stats = rd->st;
    grs_geno_writer_close(w, 0);
    grs_bgen_reader_close(rd);
    free(s);
    free(fp);
    return ret;
}
