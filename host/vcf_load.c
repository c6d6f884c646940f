/* vcf_load.c -- VCF/BCF -> biallelic grs rows, and the VCF packer (see vcf_load.h). */
#include "vcf_load.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <htslib/bgzf.h>
#include <htslib/hts.h>
#include <htslib/khash.h>
#include <htslib/kstring.h>
#include <htslib/tbx.h>
#include <htslib/vcf.h>

#include "grs/log.h"
#include "grs/status.h"
#include "scorefile.h"
#include "util.h"

KHASH_SET_INIT_STR(strset)

#define AL_MISSING (-1)   /* '.' allele                                 */
#define AL_END     (-2)   /* no second allele: the genotype is haploid  */
#define HARD_CALL_THRESHOLD 0.1   /* plink2's --hard-call-threshold default */
#define DOSAGE_SLACK 0.01         /* dosages up to ploidy + this are clamped, beyond: error */

typedef struct {
    char *chrom;
    int64_t beg, end;     /* 1-based, inclusive */
    int tid;              /* contig id in the current file's index, or -1 */
} region_t;

struct grs_regions_s {
    region_t *reg;                 /* merged, sorted by (chrom, beg) */
    int n_reg;
    char *last;                    /* streaming filter cache: regions of chrom `last` ... */
    int lo, hi;                    /* ... are reg[lo, hi) */
};

struct grs_vcf_reader_s {
    int warned_pos0;                 /* a POS 0 record was reported */
    grs_vcf_opts_t opt;
    int mode;                      /* resolved dosage mode */
    int64_t n_all, n;              /* samples in the files, samples kept */
    int64_t *keep;                 /* kept sample -> file column, or NULL (all) */
    grs_sample_t *samples;
    char **names;                  /* sample names of the first file (n_all) */
    char *build, *first_format;

    grs_regions_t rg;
    int *ord;                      /* region order for index iteration (by tid, beg) */
    int n_ord, i_ord;
    khash_t(strset) *sites;
    kstring_t key;

    /* current file */
    int ifile;
    const char *fn;
    htsFile *fp;
    bcf_hdr_t *hdr;
    int is_text;                   /* VCF text: lines through hts_getline */
    tbx_t *tbx;
    hts_idx_t *idx;
    hts_itr_t *itr;
    int use_index;
    kstring_t line;
    char *lbuf;                    /* VCF text read ahead in large pieces (read_line)    */
    size_t lbuf_len, lbuf_pos, lbuf_cap;
    int lbuf_eof;
    bcf1_t *rec;

    /* current record */
    int have_rec, next_alt, rec_has_dosage, dos_k;
    int16_t *al;                   /* 2 * n_all allele indices (AL_MISSING, AL_END) */
    int8_t dig[256];               /* byte -> allele digit 0..9, '.' -> AL_MISSING, else -3 */
    int32_t *gt; int n_gt;
    float *fv; int n_fv;
    uint8_t *codes, *hap;
    uint16_t *dos;
    int warned_ds_number;

    grs_vcf_stats_t st;
};

/* ------------------------------------------------------------------------------------------ */

const char *grs_vcf_dosage_name(int mode)
{
    static const char *const names[] = { "auto", "GT", "DS", "HDS", "GP" };
    return mode >= 0 && mode <= GRS_VCF_DOSAGE_GP ? names[mode] : "?";
}

int grs_vcf_dosage_parse(const char *name)
{
    for (int m = GRS_VCF_DOSAGE_AUTO; m <= GRS_VCF_DOSAGE_GP; m++)
        if (strcasecmp(name, grs_vcf_dosage_name(m)) == 0) return m;
    return -1;
}

int64_t grs_vcf_reader_n_samples(const grs_vcf_reader_t *r) { return r->n; }
const grs_sample_t *grs_vcf_reader_samples(const grs_vcf_reader_t *r) { return r->samples; }
int grs_vcf_reader_dosage(const grs_vcf_reader_t *r) { return r->mode; }
const char *grs_vcf_reader_build(const grs_vcf_reader_t *r) { return r->build; }
const char *grs_vcf_reader_format(const grs_vcf_reader_t *r) { return r->first_format; }
const grs_vcf_stats_t *grs_vcf_reader_stats(const grs_vcf_reader_t *r) { return &r->st; }

/* ---- small text files (regions, samples): plain or gzip, through htslib ------------------- */

/* Calls cb for every non-empty, non-comment line; stops at the first cb < 0. */
static int read_lines(const char *fn, const char *what, int (*cb)(void *ud, char *line, int64_t lno),
                      void *ud)
{
    int ret = GRS_OK, r;
    int64_t lno = 0;
    kstring_t s = {0, 0, NULL};
    htsFile *fp = hts_open(fn, "r");
    if (!fp) {
        grs_log_error("cannot open %s file '%s': %s", what, fn, strerror(errno));
        return GRS_EIO;
    }
    while ((r = hts_getline(fp, '\n', &s)) >= 0) {
        lno++;
        while (s.l && (s.s[s.l - 1] == '\r' || s.s[s.l - 1] == ' ')) s.s[--s.l] = 0;
        if (!s.l || s.s[0] == '#') continue;
        if ((ret = cb(ud, s.s, lno)) < 0) break;
    }
    if (ret == GRS_OK && r < -1) {
        grs_log_error("read error in %s file '%s'", what, fn);
        ret = GRS_EIO;
    }
    free(s.s);
    hts_close(fp);
    return ret;
}

/* ---- regions ------------------------------------------------------------------------------ */

typedef struct { grs_regions_t *r; const char *fn; int bed; } reg_ctx_t;

static int add_region(grs_regions_t *r, const char *chrom, size_t len, int64_t beg, int64_t end)
{
    region_t *t = (region_t *)realloc(r->reg, (r->n_reg + 1) * sizeof(region_t));
    if (!t) return GRS_ENOMEM;
    r->reg = t;
    if (!(t[r->n_reg].chrom = strndup(chrom, len))) return GRS_ENOMEM;
    t[r->n_reg].beg = beg;
    t[r->n_reg].end = end;
    t[r->n_reg].tid = -1;
    r->n_reg++;
    return GRS_OK;
}

/* "CHR", "CHR:POS", "CHR:BEG-END", "CHR:BEG-" */
static int parse_region_str(grs_regions_t *r, const char *s, size_t len)
{
    const char *colon = (const char *)memrchr(s, ':', len);
    int64_t beg = 1, end = INT64_MAX;
    char buf[64], *e;
    if (colon) {
        size_t rl = len - (colon + 1 - s);
        if (rl == 0 || rl >= sizeof(buf)) goto bad;
        memcpy(buf, colon + 1, rl);
        buf[rl] = 0;
        beg = strtoll(buf, &e, 10);
        if (e == buf || beg < 1) goto bad;
        if (*e == '-') {
            char *e2;
            if (e[1] == 0) end = INT64_MAX;
            else {
                end = strtoll(e + 1, &e2, 10);
                if (*e2 || end < beg) goto bad;
            }
        } else if (*e == 0) {
            end = beg;
        } else {
            goto bad;
        }
        len = colon - s;
    }
    if (!len) goto bad;
    return add_region(r, s, len, beg, end);
bad:
    grs_log_error("bad region '%.*s': expected CHR, CHR:POS or CHR:BEG-END", (int)len, s);
    return GRS_EINVAL;
}

static int region_line_cb(void *ud, char *line, int64_t lno)
{
    reg_ctx_t *c = (reg_ctx_t *)ud;
    char *f[4];
    int64_t beg, end;
    int nf = grs_split(line, "\t ", f, 4);
    if (nf < 2 || grs_parse_int64(f[1], &beg) != 0 || (nf >= 3 && grs_parse_int64(f[2], &end) != 0)) {
        grs_log_error("'%s' line %" PRId64 ": expected CHROM, POS or CHROM, BEG, END", c->fn, lno);
        return GRS_EFORMAT;
    }
    if (nf < 3) end = beg;
    if (c->bed) beg++;                    /* BED: 0-based, half-open */
    if (beg < 1 || end < beg) {
        grs_log_error("'%s' line %" PRId64 ": bad interval %s..%s", c->fn, lno, f[1], nf >= 3 ? f[2] : f[1]);
        return GRS_EFORMAT;
    }
    return add_region(c->r, f[0], strlen(f[0]), beg, end);
}

static int cmp_region(const void *a, const void *b)
{
    const region_t *x = (const region_t *)a, *y = (const region_t *)b;
    int c = strcmp(x->chrom, y->chrom);
    if (c) return c;
    return x->beg < y->beg ? -1 : x->beg > y->beg;
}

static int load_regions(grs_regions_t *r, const char *spec)
{
    int ret, i, j;
    if (access(spec, R_OK) == 0) {
        size_t l = strlen(spec);
        reg_ctx_t c = { r, spec, (l >= 4 && strcmp(spec + l - 4, ".bed") == 0)
                                 || (l >= 7 && strcmp(spec + l - 7, ".bed.gz") == 0) };
        if ((ret = read_lines(spec, "regions", region_line_cb, &c)) < 0) return ret;
    } else {
        const char *p = spec;
        while (*p) {
            const char *q = strchr(p, ',');
            size_t len = q ? (size_t)(q - p) : strlen(p);
            if ((ret = parse_region_str(r, p, len)) < 0) return ret;
            p += len + (q != NULL);
        }
    }
    if (!r->n_reg) { grs_log_error("no regions in '%s'", spec); return GRS_EINVAL; }
    qsort(r->reg, r->n_reg, sizeof(region_t), cmp_region);
    for (i = 0, j = 0; i < r->n_reg; i++) {       /* merge overlapping or adjacent intervals */
        if (j > 0 && strcmp(r->reg[j - 1].chrom, r->reg[i].chrom) == 0
            && r->reg[i].beg <= r->reg[j - 1].end + (r->reg[j - 1].end < INT64_MAX)) {
            if (r->reg[i].end > r->reg[j - 1].end) r->reg[j - 1].end = r->reg[i].end;
            free(r->reg[i].chrom);
        } else {
            r->reg[j++] = r->reg[i];
        }
    }
    r->n_reg = j;
    return GRS_OK;
}

/* Does (chrom, pos) fall in a region? (streaming filter; index reads check pos only) */
int grs_regions_contains(grs_regions_t *r, const char *chrom, int64_t pos)
{
    if (!r->last || strcmp(r->last, chrom) != 0) {
        free(r->last);
        r->last = strdup(chrom);
        r->lo = r->hi = 0;
        for (int i = 0; i < r->n_reg; i++)
            if (strcmp(r->reg[i].chrom, chrom) == 0) {
                if (r->hi == r->lo) r->lo = i;
                r->hi = i + 1;
            }
    }
    int lo = r->lo, hi = r->hi;                   /* last region with beg <= pos */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (r->reg[mid].beg <= pos) lo = mid; else hi = mid;
    }
    return lo < r->hi && r->reg[lo].beg <= pos && pos <= r->reg[lo].end;
}

static void regions_free(grs_regions_t *g)
{
    for (int i = 0; i < g->n_reg; i++) free(g->reg[i].chrom);
    free(g->reg);
    free(g->last);
}

int grs_regions_load(const char *spec, grs_regions_t **out)
{
    int ret;
    grs_regions_t *g = (grs_regions_t *)calloc(1, sizeof(*g));
    if (!g) return GRS_ENOMEM;
    if ((ret = load_regions(g, spec)) < 0) { grs_regions_destroy(g); return ret; }
    *out = g;
    return GRS_OK;
}

void grs_regions_destroy(grs_regions_t *g)
{
    if (!g) return;
    regions_free(g);
    free(g);
}

static int cmp_ord_ctx(const region_t *reg, int a, int b)
{
    if (reg[a].tid != reg[b].tid) return reg[a].tid < reg[b].tid ? -1 : 1;
    return reg[a].beg < reg[b].beg ? -1 : reg[a].beg > reg[b].beg;
}

/* insertion sort: region lists are short, and qsort has no context argument in C11 */
static void sort_ord(grs_vcf_reader_t *r)
{
    for (int i = 1; i < r->n_ord; i++) {
        int x = r->ord[i], j = i - 1;
        while (j >= 0 && cmp_ord_ctx(r->rg.reg, r->ord[j], x) > 0) { r->ord[j + 1] = r->ord[j]; j--; }
        r->ord[j + 1] = x;
    }
}

/* ---- samples ------------------------------------------------------------------------------ */

static int sample_line_cb(void *ud, char *line, int64_t lno)
{
    khash_t(strset) *h = (khash_t(strset) *)ud;
    char *f[3];
    int nf = grs_split(line, "\t ", f, 3), absent;
    (void)lno;
    if (nf < 1) return GRS_OK;
    char *name = strdup(nf >= 2 ? f[1] : f[0]);
    if (!name) return GRS_ENOMEM;
    kh_put(strset, h, name, &absent);
    if (!absent) free(name);
    return absent < 0 ? GRS_ENOMEM : GRS_OK;
}

static void free_strset(khash_t(strset) *h)
{
    if (!h) return;
    for (khint_t k = kh_begin(h); k != kh_end(h); k++)
        if (kh_exist(h, k)) free((char *)kh_key(h, k));
    kh_destroy(strset, h);
}

static int load_samples(grs_vcf_reader_t *r)
{
    int ret = GRS_OK;
    int64_t s, n_found = 0;
    khash_t(strset) *want = kh_init(strset), *seen = NULL;
    if (!want) return GRS_ENOMEM;
    if (r->opt.samples_file) {
        if ((ret = read_lines(r->opt.samples_file, "samples", sample_line_cb, want)) < 0) goto done;
        if (kh_size(want) == 0) {
            grs_log_error("samples file '%s' lists no samples", r->opt.samples_file);
            ret = GRS_EFORMAT;
            goto done;
        }
        if (!(r->keep = (int64_t *)malloc(r->n_all * sizeof(int64_t)))) { ret = GRS_ENOMEM; goto done; }
        r->n = 0;
        for (s = 0; s < r->n_all; s++)
            if (kh_get(strset, want, r->names[s]) != kh_end(want)) { r->keep[r->n++] = s; n_found++; }
        if (n_found < (int64_t)kh_size(want)) {
            const char *missing = NULL;
            if (!(seen = kh_init(strset))) { ret = GRS_ENOMEM; goto done; }
            for (s = 0; s < r->n_all; s++) { int a; kh_put(strset, seen, r->names[s], &a); }
            for (khint_t k = kh_begin(want); k != kh_end(want) && !missing; k++)
                if (kh_exist(want, k) && kh_get(strset, seen, kh_key(want, k)) == kh_end(seen))
                    missing = kh_key(want, k);
            grs_log_error("samples file '%s': %" PRId64 " of its %d samples are not in '%s', e.g. '%s'",
                          r->opt.samples_file, (int64_t)kh_size(want) - n_found, (int)kh_size(want),
                          r->opt.files[0], missing ? missing : "?");
            kh_destroy(strset, seen);   /* keys borrowed from r->names */
            ret = GRS_EINPUT;
            goto done;
        }
    } else {
        r->n = r->n_all;
    }
    if (!(r->samples = (grs_sample_t *)calloc(r->n, sizeof(grs_sample_t)))) { ret = GRS_ENOMEM; goto done; }
    for (s = 0; s < r->n; s++) {
        r->samples[s].fid = "0";
        r->samples[s].iid = r->names[r->keep ? r->keep[s] : s];
        r->samples[s].sex = 0;
    }
done:
    free_strset(want);
    return ret;
}

/* ---- files -------------------------------------------------------------------------------- */

static void close_file(grs_vcf_reader_t *r)
{
    if (r->itr) { hts_itr_destroy(r->itr); r->itr = NULL; }
    if (r->tbx) { tbx_destroy(r->tbx); r->tbx = NULL; }
    if (r->idx) { hts_idx_destroy(r->idx); r->idx = NULL; }
    if (r->hdr) { bcf_hdr_destroy(r->hdr); r->hdr = NULL; }
    if (r->fp) { hts_close(r->fp); r->fp = NULL; }
    r->lbuf_len = r->lbuf_pos = 0;
    r->lbuf_eof = 0;
}

/* Open file i and read its header. Does not check samples. */
static int open_file(grs_vcf_reader_t *r, int i)
{
    const char *fn = r->opt.files[i];
    close_file(r);
    r->fn = fn;
    r->ifile = i;
    if (strcmp(fn, "-") != 0 && access(fn, R_OK) != 0) {   /* before htslib logs its own error */
        grs_log_error("cannot open '%s': %s", fn, strerror(errno));
        return GRS_EIO;
    }
    {   /* htslib logs two lines of its own for unrecognised binary data; ours says it */
        enum htsLogLevel lvl = hts_get_log_level();
        hts_set_log_level(HTS_LOG_OFF);
        errno = 0;
        r->fp = hts_open(fn, "r");
        hts_set_log_level(lvl);
    }
    if (!r->fp) {
        if (errno == ENOEXEC) {
            grs_log_error("'%s' is not a VCF or BCF file (unrecognised binary data)", fn);
            return GRS_EFORMAT;
        }
        grs_log_error("cannot open '%s': %s", fn, errno ? strerror(errno) : "unknown format");
        return GRS_EIO;
    }
    const htsFormat *f = hts_get_format(r->fp);
    if (f->category != variant_data) {
        char *desc = f->format == empty_format ? NULL : hts_format_description(f); /* malloc'd */
        grs_log_error("'%s' is not a VCF or BCF file (%s)", fn, desc ? desc : "empty file");
        free(desc);
        return GRS_EFORMAT;
    }
    r->is_text = f->format == vcf;
    if (r->opt.threads > 1 && f->compression == bgzf) hts_set_threads(r->fp, r->opt.threads);
    if (!(r->hdr = bcf_hdr_read(r->fp))) {
        grs_log_error("cannot read the VCF/BCF header of '%s'", fn);
        return GRS_EFORMAT;
    }
    if (bcf_hdr_nsamples(r->hdr) == 0) {
        grs_log_error("'%s' has no samples (a sites-only VCF): there are no genotypes to pack", fn);
        return GRS_EFORMAT;
    }
    for (int s = 0; s < bcf_hdr_nsamples(r->hdr); s++) {
        const char *nm = r->hdr->samples[s];
        if (!*nm || strpbrk(nm, "\t\n\r")) {
            grs_log_error("'%s': sample %d of the #CHROM line has %s name", fn, s + 1,
                          *nm ? "a malformed (TAB or newline in its)" : "an empty");
            return GRS_EFORMAT;
        }
    }
    r->use_index = 0;
    if (r->rg.n_reg) {
        if (f->compression == bgzf || f->format == bcf) {
            if (f->format == bcf) r->idx = bcf_index_load3(fn, NULL, HTS_IDX_SILENT_FAIL);
            else r->tbx = tbx_index_load3(fn, NULL, HTS_IDX_SILENT_FAIL);
        }
        r->use_index = r->idx || r->tbx;
        grs_log_info("%s: regions %s", fn, r->use_index ? "read through the index" :
                     "applied by streaming the whole file (no .tbi/.csi index)");
        if (r->use_index) {
            r->n_ord = 0;
            for (int k = 0; k < r->rg.n_reg; k++) {
                r->rg.reg[k].tid = r->tbx ? tbx_name2id(r->tbx, r->rg.reg[k].chrom)
                                       : bcf_hdr_name2id(r->hdr, r->rg.reg[k].chrom);
                if (r->rg.reg[k].tid >= 0) r->ord[r->n_ord++] = k;
            }
            sort_ord(r);
            r->i_ord = 0;
        }
    }
    return GRS_OK;
}

static const char *header_build(const bcf_hdr_t *h)
{
    for (int i = 0; i < h->nhrec; i++) {
        const bcf_hrec_t *x = h->hrec[i];
        if (x->type == BCF_HL_GEN && strcmp(x->key, "reference") == 0 && x->value) return x->value;
    }
    for (int i = 0; i < h->nhrec; i++) {
        const bcf_hrec_t *x = h->hrec[i];
        if (x->type != BCF_HL_CTG) continue;
        for (int k = 0; k < x->nkeys; k++)
            if (strcmp(x->keys[k], "assembly") == 0) return x->vals[k];
    }
    return NULL;
}

static int has_fmt(const bcf_hdr_t *h, const char *tag)
{
    int id = bcf_hdr_id2int(h, BCF_DT_ID, tag);
    return id >= 0 && bcf_hdr_idinfo_exists(h, BCF_HL_FMT, id);
}

int grs_vcf_reader_open(const grs_vcf_opts_t *opt, grs_vcf_reader_t **out)
{
    int ret = GRS_ENOMEM, i;
    int64_t s;
    grs_vcf_reader_t *r;

    if (!opt->n_files || !opt->files) { grs_log_error("no input files"); return GRS_EINVAL; }
    if (!(r = (grs_vcf_reader_t *)calloc(1, sizeof(*r)))) return GRS_ENOMEM;
    r->opt = *opt;
    if (opt->regions && (ret = load_regions(&r->rg, opt->regions)) < 0) goto fail;
    ret = GRS_ENOMEM;
    if (r->rg.n_reg && !(r->ord = (int *)malloc(r->rg.n_reg * sizeof(int)))) goto fail;
    if (opt->n_sites > 0) {
        if (!(r->sites = kh_init(strset))) goto fail;
        for (int64_t k = 0; k < opt->n_sites; k++) {
            int absent;
            char *key = grs_sprintf("%s\t%" PRId64, opt->sites[k].chrom, opt->sites[k].pos);
            if (!key) goto fail;
            kh_put(strset, r->sites, key, &absent);
            if (absent < 0) { free(key); goto fail; }
            if (!absent) free(key);
        }
    }

    /* every file's samples must equal the first file's, in order */
    for (i = opt->n_files - 1; i >= 0; i--) {
        if ((ret = open_file(r, i)) < 0) goto fail;
        int64_t n = bcf_hdr_nsamples(r->hdr);
        if (i == opt->n_files - 1) {
            ret = GRS_ENOMEM;
            r->n_all = n;
            if (!(r->names = (char **)calloc(n, sizeof(char *)))) goto fail;
            for (s = 0; s < n; s++)
                if (!(r->names[s] = strdup(r->hdr->samples[s]))) goto fail;
        } else {
            const char *other = opt->files[opt->n_files - 1];
            for (s = 0; s < n && s < r->n_all; s++)
                if (strcmp(r->names[s], r->hdr->samples[s]) != 0) break;
            if (s < n || n != r->n_all) {
                if (s < n && s < r->n_all)
                    grs_log_error("'%s' and '%s' have different samples: sample %" PRId64 " is '%s' in "
                                  "the first and '%s' in the second", r->fn, other, s + 1,
                                  r->hdr->samples[s], r->names[s]);
                else
                    grs_log_error("'%s' and '%s' have different samples: %" PRId64 " and %" PRId64
                                  " samples (first differing sample: %" PRId64 ", '%s')", r->fn, other,
                                  n, r->n_all, s + 1, s < n ? r->hdr->samples[s] : r->names[s]);
                ret = GRS_EINPUT;
                goto fail;
            }
        }
    }
    /* the first file is open now */
    r->first_format = (char *)(r->is_text ? "VCF" : "BCF");
    {
        const char *b = header_build(r->hdr);
        if (b && !(r->build = strdup(b))) { ret = GRS_ENOMEM; goto fail; }
    }
    r->mode = opt->dosage;
    if (r->mode == GRS_VCF_DOSAGE_AUTO) {
        r->mode = has_fmt(r->hdr, "DS") ? GRS_VCF_DOSAGE_DS : GRS_VCF_DOSAGE_GT;
        grs_log_info("--dosage auto: using FORMAT/%s (%s)", grs_vcf_dosage_name(r->mode),
                     r->mode == GRS_VCF_DOSAGE_DS ? "the header declares FORMAT/DS"
                                                  : "the header declares no FORMAT/DS");
    } else if (!has_fmt(r->hdr, grs_vcf_dosage_name(r->mode))) {
        grs_log_error("'%s': the header declares no FORMAT/%s (asked for with --dosage %s)", r->fn,
                      grs_vcf_dosage_name(r->mode), grs_vcf_dosage_name(r->mode));
        ret = GRS_EINPUT;
        goto fail;
    }
    if ((ret = load_samples(r)) < 0) goto fail;
    ret = GRS_ENOMEM;
    r->st.n_samples = r->n;
    for (i = 0; i < 256; i++)
        r->dig[i] = (int8_t)(i >= '0' && i <= '9' ? i - '0' : i == '.' ? AL_MISSING : -3);
    if (!(r->al = (int16_t *)malloc(2 * r->n_all * sizeof(int16_t)))
        || !(r->codes = (uint8_t *)malloc(r->n)) || !(r->hap = (uint8_t *)malloc(r->n))
        || !(r->dos = (uint16_t *)malloc(r->n * sizeof(uint16_t))) || !(r->rec = bcf_init()))
        goto fail;
    *out = r;
    return GRS_OK;
fail:
    grs_vcf_reader_close(r);
    return ret;
}

void grs_vcf_reader_close(grs_vcf_reader_t *r)
{
    if (!r) return;
    close_file(r);
    if (r->rec) bcf_destroy(r->rec);
    regions_free(&r->rg);
    free(r->ord);
    free_strset(r->sites);
    free(r->key.s); free(r->line.s); free(r->lbuf);
    if (r->names)
        for (int64_t s = 0; s < r->n_all; s++) free(r->names[s]);
    free(r->names); free(r->samples); free(r->keep); free(r->build);
    free(r->al); free(r->gt); free(r->fv); free(r->codes); free(r->hap); free(r->dos);
    free(r);
}

/* ---- records ------------------------------------------------------------------------------ */

/* htslib flags undeclared contigs and tags, warns, and adds them to the header: not fatal
 * (bcftools goes on too). Everything else is. */
/* 1-based POS; htslib stores an overflowing POS text as INT64_MAX, which must not wrap */
static int64_t rec_pos1(const bcf1_t *rec)
{
    return rec->pos < INT64_MAX ? (int64_t)rec->pos + 1 : INT64_MAX;
}

/* bcf_seqname that tolerates a record whose contig is not in the header */
static const char *rec_chrom_or_q(const bcf_hdr_t *h, const bcf1_t *rec)
{
    return rec->rid >= 0 && rec->rid < h->n[BCF_DT_CTG] ? bcf_seqname(h, rec) : "?";
}

static int fatal_err(const bcf1_t *rec)
{
    return rec->errcode & ~(BCF_ERR_CTG_UNDEF | BCF_ERR_TAG_UNDEF);
}

/* Decode the GT subfield of every sample column from VCF text into r->al. `p` points at the
 * first sample column, `end` at the end of the line. The fast path is the 3-byte "a/b" GT with
 * single-digit alleles; anything else goes through the general loop. */
static int decode_gt_text(grs_vcf_reader_t *r, const char *p, const char *end, int *max_allele)
{
    int16_t *al = r->al;
    int maxa = 0;
    int64_t s, n = r->n_all;
    int64_t n_half = 0;
    for (s = 0; s < n; s++) {
        /* hot loop: whole columns of exactly "a/b" or "a|b" (GT-only FORMAT), 4 bytes with the
         * TAB, checked with one 32-bit load; anything else drops to the per-sample code below */
        while (s < n && p && end - p >= 4) {
            uint32_t v;
            memcpy(&v, p, 4);
            uint32_t sep = v & 0xff00ff00u;
            if (sep != 0x09002f00u && sep != 0x09007c00u) break;
            int a0 = r->dig[v & 0xffu], a1 = r->dig[(v >> 16) & 0xffu];
            if (a0 == -3 || a1 == -3) break;
            al[2 * s] = (int16_t)a0;
            al[2 * s + 1] = (int16_t)a1;
            maxa = a0 > maxa ? a0 : maxa;
            maxa = a1 > maxa ? a1 : maxa;
            n_half += (a0 < 0) ^ (a1 < 0);
            p += 4;
            s++;
        }
        if (s >= n || !p) break;
        unsigned c0 = (unsigned char)p[0], c1 = (unsigned char)p[1];
        if ((c1 == '/' || c1 == '|') && p + 3 <= end) {
            unsigned c2 = (unsigned char)p[2], c3 = p + 3 < end ? (unsigned char)p[3] : 0;
            unsigned d0 = c0 - '0', d2 = c2 - '0';
            if ((d0 < 10 || c0 == '.') && (d2 < 10 || c2 == '.')
                && (c3 == '\t' || c3 == ':' || c3 == 0 || c3 == '\r')) {
                int a0 = d0 < 10 ? (int)d0 : AL_MISSING, a1 = d2 < 10 ? (int)d2 : AL_MISSING;
                al[2 * s] = (int16_t)a0;
                al[2 * s + 1] = (int16_t)a1;
                if (a0 > maxa) maxa = a0;
                if (a1 > maxa) maxa = a1;
                if ((a0 < 0) != (a1 < 0)) r->st.n_half_calls++;
                p += 3;
                goto next;
            }
        }
        {   /* general: allele (sep allele)* */
            int k = 0, a[3] = { AL_MISSING, AL_END, AL_END };
            const char *q = p;
            for (;;) {
                int x;
                if (q < end && *q == '.') { x = AL_MISSING; q++; }
                else if (q < end && *q >= '0' && *q <= '9') {
                    x = 0;
                    while (q < end && *q >= '0' && *q <= '9' && x < 100000) x = x * 10 + (*q++ - '0');
                    if (x > 32767) x = 32767;   /* out of range for any record: caught below */
                } else break;
                if (k < 3) a[k] = x;
                k++;
                if (q < end && (*q == '/' || *q == '|')) q++; else break;
            }
            if (q < end && *q != '\t' && *q != ':' && *q != '\r') return -(int)(s + 1);
            if (k == 0) { a[0] = AL_MISSING; a[1] = AL_MISSING; }     /* empty GT field */
            if (k > 2) { r->st.n_polyploid++; a[0] = a[1] = AL_MISSING; }
            if (k == 2 && (a[0] < 0) != (a[1] < 0)) r->st.n_half_calls++;
            al[2 * s] = (int16_t)a[0];
            al[2 * s + 1] = (int16_t)a[1];
            if (a[0] > maxa) maxa = a[0];
            if (a[1] > maxa) maxa = a[1];
            p = q;
        }
next:
        if (p < end && *p == '\t') p++;
        else p = (const char *)memchr(p, '\t', end - p), p = p ? p + 1 : NULL;
    }
    *max_allele = maxa;
    r->st.n_half_calls += n_half;
    if (s < n) return -(int)(s + 1);     /* too few columns: reported by the caller */
    if (p) return 1;                     /* too many columns */
    return 0;
}

/* GT from an htslib record into r->al (no GT: all missing). */
static int decode_gt_bcf(grs_vcf_reader_t *r, int *max_allele)
{
    int64_t s, n = r->n_all;
    int maxa = 0, k = bcf_get_genotypes(r->hdr, r->rec, &r->gt, &r->n_gt);
    if (k <= 0) {
        for (s = 0; s < 2 * n; s++) r->al[s] = AL_MISSING;
        *max_allele = 0;
        return 0;
    }
    int ploidy = k / (int)n;
    for (s = 0; s < n; s++) {
        const int32_t *g = r->gt + s * ploidy;
        int a[2] = { AL_MISSING, AL_END }, m = 0;
        for (int h = 0; h < ploidy; h++) {
            if (g[h] == bcf_int32_vector_end) break;
            int x = bcf_gt_is_missing(g[h]) ? AL_MISSING : bcf_gt_allele(g[h]);
            if (m < 2) a[m] = x;
            m++;
        }
        if (m == 0) a[0] = AL_MISSING;
        if (m > 2) { r->st.n_polyploid++; a[0] = a[1] = AL_MISSING; }
        if (m == 2 && (a[0] < 0) != (a[1] < 0)) r->st.n_half_calls++;
        if (a[0] > 32767 || a[1] > 32767) a[0] = 32767;
        r->al[2 * s] = (int16_t)a[0];
        r->al[2 * s + 1] = (int16_t)a[1];
        if (a[0] > maxa) maxa = a[0];
        if (a[1] > maxa) maxa = a[1];
    }
    *max_allele = maxa;
    return 1;
}

/* Read the next record into r->rec, its GT into r->al, and its dosage field into r->fv.
 * Returns 1, 0 at the end of the current file, or < 0. */
/* The next line of a VCF text file into r->line (without the newline), like hts_getline but
 * reading the BGZF stream in 4 MiB pieces and finding newlines with memchr: htslib's
 * bgzf_getline scans byte by byte, a third of the time of a VCF score run.
 * @return line length, -1 at the end, < -1 on a read error. */
static int64_t read_line(grs_vcf_reader_t *r)
{
    BGZF *bg = hts_get_bgzfp(r->fp);
    if (!bg) return hts_getline(r->fp, '\n', &r->line);
    for (;;) {
        char *b = r->lbuf ? r->lbuf + r->lbuf_pos : NULL;
        char *nl = r->lbuf_len > r->lbuf_pos ? (char *)memchr(b, '\n', r->lbuf_len - r->lbuf_pos) : NULL;
        if (nl || (r->lbuf_eof && r->lbuf_len > r->lbuf_pos)) {
            size_t n = nl ? (size_t)(nl - b) : r->lbuf_len - r->lbuf_pos;
            r->line.l = 0;
            if (kputsn(b, n, &r->line) < 0) return -2;
            if (r->line.l && r->line.s[r->line.l - 1] == '\r') r->line.s[--r->line.l] = 0;
            r->lbuf_pos += n + (nl != NULL);
            return (int64_t)r->line.l;
        }
        if (r->lbuf_eof) return -1;
        /* keep the partial line, read more (the buffer grows for lines longer than itself) */
        if (r->lbuf_pos) memmove(r->lbuf, r->lbuf + r->lbuf_pos, r->lbuf_len - r->lbuf_pos);
        r->lbuf_len -= r->lbuf_pos;
        r->lbuf_pos = 0;
        if (r->lbuf_cap - r->lbuf_len < ((size_t)1 << 21)) {
            size_t cap = r->lbuf_cap ? 2 * r->lbuf_cap : (size_t)4 << 20;
            char *nb = (char *)realloc(r->lbuf, cap);
            if (!nb) return -2;
            r->lbuf = nb;
            r->lbuf_cap = cap;
        }
        ssize_t got = bgzf_read(bg, r->lbuf + r->lbuf_len, r->lbuf_cap - r->lbuf_len);
        if (got < 0) return -2;
        if (got == 0) r->lbuf_eof = 1;
        r->lbuf_len += (size_t)got;
    }
}

/* Whether a text record's CHROM and POS (the line up to its second TAB) can be looked up in the
 * site set before any parsing, and if so whether it is a wanted site. 1 wanted or undecided, 0
 * not wanted. Only a canonical POS (digits, no leading zero) is decided here. */
static int text_site_wanted(grs_vcf_reader_t *r)
{
    char *s = r->line.s, *e = s + r->line.l;
    char *t1 = (char *)memchr(s, '\t', e - s);
    if (!t1 || t1 == s) return 1;
    char *p = t1 + 1, *t2 = (char *)memchr(p, '\t', e - p);
    if (!t2 || t2 == p || (*p == '0' && t2 - p > 1)) return 1;
    for (char *q = p; q < t2; q++) if (*q < '0' || *q > '9') return 1;
    *t2 = 0;
    int in = kh_get(strset, r->sites, s) != kh_end(r->sites);
    *t2 = '\t';
    return in;
}

static int read_record(grs_vcf_reader_t *r)
{
    int ret, max_allele = 0;
    bcf1_t *rec = r->rec;
    for (;;) {
        const char *samp = NULL, *end = NULL;
        int fast = 0;
        /* 1. get a line (text) or a record (BCF) */
        if (r->is_text) {
            int g;
            if (r->use_index) {
                while (!r->itr || (g = tbx_itr_next(r->fp, r->tbx, r->itr, &r->line)) < 0) {
                    if (r->itr && g < -1) goto read_error;
                    if (r->itr) { hts_itr_destroy(r->itr); r->itr = NULL; }
                    if (r->i_ord >= r->n_ord) return 0;
                    region_t *g0 = &r->rg.reg[r->ord[r->i_ord++]];
                    if (!(r->itr = tbx_itr_queryi(r->tbx, g0->tid, g0->beg - 1,
                                                  g0->end == INT64_MAX ? HTS_POS_MAX : g0->end))) {
                        grs_log_error("'%s': index query failed for %s:%" PRId64 "-%" PRId64, r->fn,
                                      g0->chrom, g0->beg, g0->end);
                        return GRS_EIO;
                    }
                }
            } else {
                int64_t gl = read_line(r);
                if (gl == -1) {
                    BGZF *bg = hts_get_bgzfp(r->fp);
                    if (bg && bg->errcode) goto read_error;
                    return 0;
                }
                if (gl < -1) goto read_error;
            }
            if (r->line.l == 0 || r->line.s[0] == '#') continue;
            if (r->sites && !r->rg.n_reg && !text_site_wanted(r)) { r->st.n_filtered++; continue; }
            /* GT-only mode and FORMAT starting with GT: site columns through vcf_parse, GT ours */
            if (r->mode == GRS_VCF_DOSAGE_GT) {
                char *p = r->line.s, *e = r->line.s + r->line.l;
                int tabs = 0;
                while (tabs < 8 && (p = (char *)memchr(p, '\t', e - p)) != NULL) { tabs++; p++; }
                if (p && e - p >= 2 && p[0] == 'G' && p[1] == 'T' && (e - p == 2 || p[2] == ':' || p[2] == '\t')) {
                    char *t = (char *)memchr(p, '\t', e - p);
                    samp = t ? t + 1 : e;
                    end = e;
                    p[-1] = 0;                    /* cut before FORMAT */
                    kstring_t site = { (size_t)(p - 1 - r->line.s), r->line.m, r->line.s };
                    fast = 1;
                    if (vcf_parse(&site, r->hdr, rec) < 0 || fatal_err(rec)) goto parse_error;
                    if (!t) { samp = NULL; }
                }
            }
            if (!fast) {
                /* htslib ignores sample columns beyond the header's: count them first */
                int64_t ntab = 0;
                for (const char *q = r->line.s, *e = r->line.s + r->line.l;
                     (q = (const char *)memchr(q, '\t', e - q)) != NULL; q++)
                    ntab++;
                if (vcf_parse(&r->line, r->hdr, rec) < 0 || fatal_err(rec)) goto parse_error;
                if (ntab > 8 + r->n_all) {
                    grs_log_error("'%s': %s:%" PRId64 ": %" PRId64 " sample columns, the header has %"
                                  PRId64 " samples", r->fn, rec_chrom_or_q(r->hdr, rec),
                                  rec_pos1(rec), ntab - 8, r->n_all);
                    return GRS_EFORMAT;
                }
            }
        } else {
            int g;
            if (r->use_index) {
                while (!r->itr || (g = bcf_itr_next(r->fp, r->itr, rec)) < 0) {
                    if (r->itr && g < -1) goto read_error;
                    if (r->itr) { hts_itr_destroy(r->itr); r->itr = NULL; }
                    if (r->i_ord >= r->n_ord) return 0;
                    region_t *g0 = &r->rg.reg[r->ord[r->i_ord++]];
                    if (!(r->itr = bcf_itr_queryi(r->idx, g0->tid, g0->beg - 1,
                                                  g0->end == INT64_MAX ? HTS_POS_MAX : g0->end))) {
                        grs_log_error("'%s': index query failed for %s:%" PRId64 "-%" PRId64, r->fn,
                                      g0->chrom, g0->beg, g0->end);
                        return GRS_EIO;
                    }
                }
            } else {
                g = bcf_read(r->fp, r->hdr, rec);
                if (g == -1) {   /* the threaded BGZF reader reports a truncated block here */
                    BGZF *bg = hts_get_bgzfp(r->fp);
                    if (bg && bg->errcode) goto read_error;
                    return 0;
                }
                if (g < -1) goto read_error;
            }
            if (fatal_err(rec)) goto parse_error;
        }
        /* 2. filters */
        if (bcf_unpack(rec, BCF_UN_STR) < 0) goto parse_error;
        int64_t pos = rec_pos1(rec);
        const char *chrom = bcf_seqname(r->hdr, rec);
        if (!chrom) goto parse_error;
        if (pos == INT64_MAX) {   /* POS text beyond 64 bits */
            grs_log_error("'%s': record %" PRId64 " at %s: POS is out of range", r->fn,
                          r->st.n_records + r->st.n_filtered + 1, chrom);
            return GRS_EFORMAT;
        }
        if (pos < 1 && !r->warned_pos0) {
            /* VCF allows POS 0 for a telomere and plink2 --dummy writes it; htslib also reads a
             * non-numeric POS as 0, so say so once rather than refuse the file */
            grs_log_warning("'%s': record %" PRId64 " at %s has POS 0 (a telomere, or a POS that is not "
                            "a number); further ones are not reported", r->fn,
                            r->st.n_records + r->st.n_filtered + 1, chrom);
            r->warned_pos0 = 1;
        }
        if (r->rg.n_reg) {
            int in = r->use_index ? (pos >= r->rg.reg[r->ord[r->i_ord - 1]].beg
                                     && pos <= r->rg.reg[r->ord[r->i_ord - 1]].end)
                                  : grs_regions_contains(&r->rg, chrom, pos);
            if (!in) { if (!r->use_index) r->st.n_filtered++; continue; }
        }
        if (r->sites) {
            r->key.l = 0;
            ksprintf(&r->key, "%s\t%" PRId64, chrom, pos);
            if (kh_get(strset, r->sites, r->key.s) == kh_end(r->sites)) { r->st.n_filtered++; continue; }
        }
        r->st.n_records++;
        if (rec->n_allele < 2) { r->st.n_no_alt++; continue; }
        /* 3. genotypes */
        if (fast) {
            int t = samp ? decode_gt_text(r, samp, end, &max_allele) : -1;
            if (t != 0) {
                BGZF *bg = hts_get_bgzfp(r->fp);
                if (bg && (bg->errcode || hts_getline(r->fp, '\n', &r->line) < -1)) goto read_error;
                if (t > 0)
                    grs_log_error("'%s': %s:%" PRId64 ": more sample columns than the %" PRId64
                                  " samples of the header", r->fn, chrom, pos, r->n_all);
                else if (samp && -t <= r->n_all && (!end || samp < end)) {
                    /* either a malformed GT or too few columns: say which */
                    int64_t cols = 1;
                    for (const char *q = samp; q < end; q++) cols += *q == '\t';
                    if (cols < r->n_all)
                        grs_log_error("'%s': %s:%" PRId64 ": %" PRId64 " sample columns, the header has %"
                                      PRId64 " samples", r->fn, chrom, pos, cols, r->n_all);
                    else
                        grs_log_error("'%s': %s:%" PRId64 ": malformed GT for sample '%s'", r->fn, chrom,
                                      pos, r->names[-t - 1]);
                } else
                    grs_log_error("'%s': %s:%" PRId64 ": no sample columns, the header has %" PRId64
                                  " samples", r->fn, chrom, pos, r->n_all);
                return GRS_EFORMAT;
            }
        } else {
            if (bcf_unpack(rec, BCF_UN_ALL) < 0 || fatal_err(rec)) goto parse_error;
            if (!decode_gt_bcf(r, &max_allele) && r->mode == GRS_VCF_DOSAGE_GT) r->st.n_no_field++;
        }
        if (max_allele >= rec->n_allele) {
            grs_log_error("'%s': %s:%" PRId64 ": GT allele index %d but the record has %d alleles",
                          r->fn, chrom, pos, max_allele, rec->n_allele);
            return GRS_EFORMAT;
        }
        r->rec_has_dosage = 0;
        if (r->mode != GRS_VCF_DOSAGE_GT) {
            const char *tag = grs_vcf_dosage_name(r->mode);
            int k = bcf_get_format_float(r->hdr, rec, tag, &r->fv, &r->n_fv);
            if (k > 0) {
                int per = k / (int)r->n_all, n_alt = rec->n_allele - 1;
                int ok = r->mode == GRS_VCF_DOSAGE_DS ? per == n_alt
                       : r->mode == GRS_VCF_DOSAGE_HDS ? per == 2 * n_alt || per == n_alt
                       : per == rec->n_allele * (rec->n_allele + 1) / 2 || per == rec->n_allele;
                if (ok) {
                    r->rec_has_dosage = 1;
                    r->dos_k = per;
                } else if (!r->warned_ds_number++) {
                    grs_log_warning("'%s': %s:%" PRId64 ": FORMAT/%s has %d values per sample for %d "
                                    "ALT alleles; using GT for such records", r->fn, chrom, pos, tag,
                                    per, n_alt);
                }
            }
            if (!r->rec_has_dosage) r->st.n_no_field++;
        }
        if (rec->n_allele > 2) r->st.n_multiallelic++;
        return 1;
    }
read_error:
    grs_log_error("read error in '%s' after %" PRId64 " records (truncated or corrupted file?)",
                  r->fn, r->st.n_records + r->st.n_filtered);
    return GRS_EIO;
parse_error:
    if (r->is_text && !r->use_index) {   /* a cut line at the end of a truncated file? */
        BGZF *bg = hts_get_bgzfp(r->fp);
        if (bg && (bg->errcode || hts_getline(r->fp, '\n', &r->line) < -1)) goto read_error;
    }
    {
        const char *c = rec->rid >= 0 && rec->rid < r->hdr->n[BCF_DT_CTG] ? bcf_seqname(r->hdr, rec) : NULL;
        if (c)
            grs_log_error("'%s': cannot parse the record at %s:%" PRId64 " (htslib error code %d)",
                          r->fn, c, rec_pos1(rec), rec->errcode);
        else
            grs_log_error("'%s': cannot parse the record after %" PRId64 " records (htslib error code %d)",
                          r->fn, r->st.n_records + r->st.n_filtered, rec->errcode);
        ret = GRS_EFORMAT;
        return ret;
    }
}

static int is_symbolic(const char *a)
{
    return a[0] == '<' || (a[0] == '*' && a[1] == 0) || strchr(a, '[') || strchr(a, ']');
}

/* Convert a dosage x (ALT copies) of a sample with `ploidy` into (code, uint16). */
static int dosage_to(double x, int ploidy, uint8_t *code, uint16_t *d)
{
    if (!(x >= -DOSAGE_SLACK && x <= ploidy + DOSAGE_SLACK)) return -1;   /* also NaN */
    if (x < 0) x = 0;
    if (x > ploidy) x = ploidy;
    long q = lround(x * GRS_DOSAGE_ONE);
    double h = nearbyint(x);
    *d = (uint16_t)q;
    *code = fabs(x - h) <= HARD_CALL_THRESHOLD ? (uint8_t)h : (uint8_t)GRS_GENO_MISSING;
    return 0;
}

/* Fill r->codes (and r->dos / r->hap) for ALT allele j of the current record. */
static int make_row(grs_vcf_reader_t *r, int j, int *any_hap, int *any_frac)
{
    const int16_t *GRS_RESTRICT al = r->al;
    const int64_t *keep = r->keep;
    uint8_t *GRS_RESTRICT codes = r->codes, *GRS_RESTRICT hapv = r->hap;
    int64_t k, n = r->n, n_missing = 0;
    int hap_seen = 0, frac = 0;
    /* branch-free: AL_END (-2) never equals j >= 1, and a haploid call is missing iff a0 < 0 */
    for (k = 0; k < n; k++) {
        int64_t s = keep ? keep[k] : k;
        int a0 = al[2 * s], a1 = al[2 * s + 1];
        int h = a1 == AL_END, miss = (a0 < 0) | (a1 == AL_MISSING);
        uint8_t c = miss ? (uint8_t)GRS_GENO_MISSING : (uint8_t)((a0 == j) + (a1 == j));
        codes[k] = c;
        hapv[k] = (uint8_t)h;
        hap_seen |= h;
        n_missing += miss;
    }
    if (r->rec_has_dosage) {
        const bcf1_t *rec = r->rec;
        int per = r->dos_k, n_all = rec->n_allele, n_alt = n_all - 1;
        for (k = 0; k < n; k++) {
            int64_t s = r->keep ? r->keep[k] : k;
            const float *f = r->fv + s * per;
            int ploidy = r->hap[k] ? 1 : 2;
            double x = 0;
            int miss = 0;
            if (r->mode == GRS_VCF_DOSAGE_DS) {
                float v = f[j - 1];
                miss = bcf_float_is_missing(v) || bcf_float_is_vector_end(v);
                x = v;
            } else if (r->mode == GRS_VCF_DOSAGE_HDS) {
                int nh = 0;
                for (int h = 0; h < per / n_alt && h < 2; h++) {
                    float v = f[h * n_alt + j - 1];
                    if (bcf_float_is_vector_end(v)) break;
                    if (bcf_float_is_missing(v)) miss = 1;
                    x += v;
                    nh++;
                }
                if (nh == 0) miss = 1;
                if (nh == 1 && !r->hap[k]) { r->hap[k] = 1; ploidy = 1; hap_seen = 1; }
            } else {   /* GP */
                int nv = 0;
                while (nv < per && !bcf_float_is_vector_end(f[nv])) nv++;
                if (!r->hap[k] && nv == n_all) { r->hap[k] = 1; hap_seen = 1; }  /* haploid GP */
                ploidy = r->hap[k] ? 1 : 2;
                if (ploidy == 1) {
                    if (nv < n_all || bcf_float_is_missing(f[j])) miss = 1; else x = f[j];
                } else {
                    if (nv < n_all * (n_all + 1) / 2) miss = 1;
                    for (int b = 0; b < n_all && !miss; b++)
                        for (int a = 0; a <= b && !miss; a++) {
                            float v = f[b * (b + 1) / 2 + a];
                            if (bcf_float_is_missing(v)) { miss = 1; break; }
                            x += ((a == j) + (b == j)) * (double)v;
                        }
                }
            }
            if (miss) {
                r->dos[k] = GRS_DOSAGE_MISSING;
                r->codes[k] = GRS_GENO_MISSING;
                continue;
            }
            if (dosage_to(x, ploidy, &r->codes[k], &r->dos[k]) < 0) {
                grs_log_error("'%s': %s:%" PRId64 ": sample '%s': %s dosage %g is outside [0, %d]",
                              r->fn, bcf_seqname(r->hdr, rec), rec_pos1(rec),
                              r->samples[k].iid, grs_vcf_dosage_name(r->mode), x, ploidy);
                return GRS_EFORMAT;
            }
            if (r->dos[k] % GRS_DOSAGE_ONE) frac = 1;
        }
    }
    if (r->rec_has_dosage)
        for (k = 0, n_missing = 0; k < n; k++) n_missing += r->dos[k] == GRS_DOSAGE_MISSING;
    r->st.n_missing += n_missing;
    *any_hap = hap_seen;
    *any_frac = frac;
    return GRS_OK;
}

int grs_vcf_reader_next(grs_vcf_reader_t *r, grs_vcf_row_t *row)
{
    int ret;
    for (;;) {
        if (r->have_rec && r->next_alt < r->rec->n_allele) {
            bcf1_t *rec = r->rec;
            int j = r->next_alt++, any_hap, any_frac;
            if (is_symbolic(rec->d.allele[j])) { r->st.n_symbolic++; continue; }
            if ((ret = make_row(r, j, &any_hap, &any_frac)) < 0) return ret;
            row->var.chrom = bcf_seqname(r->hdr, rec);
            row->var.pos = rec_pos1(rec);
            row->var.id = rec->d.id && *rec->d.id ? rec->d.id : ".";
            row->var.ref = rec->d.allele[0];
            row->var.alt = rec->d.allele[j];
            row->var.src_allele = j;
            row->var.n_src_alleles = rec->n_allele;
            row->codes = r->codes;
            row->dosage = r->rec_has_dosage ? r->dos : NULL;
            row->haploid = any_hap ? r->hap : NULL;
            r->st.n_rows++;
            if (rec->n_allele > 2) r->st.n_split_rows++;
            if (any_frac) r->st.n_dosage_rows++;
            return 1;
        }
        r->have_rec = 0;
        if (grs_interrupted()) return GRS_EINTR;
        if (!r->fp) return 0;
        ret = read_record(r);
        if (ret < 0) return ret;
        if (ret == 0) {                       /* next file, or the end */
            if (r->ifile + 1 >= r->opt.n_files) { close_file(r); return 0; }
            if ((ret = open_file(r, r->ifile + 1)) < 0) return ret;
            continue;
        }
        r->have_rec = 1;
        r->next_alt = 1;
    }
}

/* ---- packer ------------------------------------------------------------------------------- */

/* "CHROM\tPOS\tREF\tALT", CHROM normalised: the identity of a --absent-ref site */
static int homref_key(kstring_t *ks, const grs_variant_t *v)
{
    char cb[64];
    const char *c = grs_chrom_key(v->chrom, cb, sizeof(cb));
    ks->l = 0;
    return ksprintf(ks, "%s\t%" PRId64 "\t%s\t%s", c, v->pos, v->ref, v->alt) < 0 ? GRS_ENOMEM : GRS_OK;
}

static int homref_key_put(khash_t(strset) *h, const grs_variant_t *v)
{
    kstring_t ks = KS_INITIALIZE;
    int absent;
    if (homref_key(&ks, v) < 0) { ks_free(&ks); return GRS_ENOMEM; }
    kh_put(strset, h, ks.s, &absent);
    if (absent < 0) { ks_free(&ks); return GRS_ENOMEM; }
    if (!absent) ks_free(&ks);        /* already there: the set keeps its own copy */
    return GRS_OK;
}

/* --absent-ref rows, merged into the VCF's order: the list is in its file's order (the cohort's
 * VCF order); chromosomes are ranked by first appearance in it, and before each VCF record every
 * listed variant on an earlier chromosome, or at a smaller position on the same one, is written
 * as REF/REF unless the VCF had it. A patient's matrix then has the cohort's row order, so the
 * scores are summed in the same order and agree to the last bit. */
KHASH_MAP_INIT_STR(chrrank, int)

typedef struct {
    khash_t(strset) *seen;              /* keys of the VCF's rows                          */
    khash_t(strset) *done;              /* keys of the REF/REF rows written                */
    khash_t(chrrank) *rank;             /* normalised chromosome (owned) -> rank            */
    const grs_variant_t *v;
    int64_t n, i;
    int *vrank;                         /* rank of v[j]                                    */
    uint8_t *zeros;
    kstring_t key;
} homref_t;

static int homref_init(homref_t *h, const grs_vcf_opts_t *opt, int64_t n_samples)
{
    int absent, next = 0;
    h->v = opt->homref;
    h->n = opt->n_homref;
    if (!(h->seen = kh_init(strset)) || !(h->done = kh_init(strset)) || !(h->rank = kh_init(chrrank))
        || !(h->vrank = (int *)malloc(h->n * sizeof(int)))
        || !(h->zeros = (uint8_t *)calloc(n_samples > 0 ? (size_t)n_samples : 1, 1))) return GRS_ENOMEM;
    for (int64_t j = 0; j < h->n; j++) {
        char cb[64];
        const char *c = grs_chrom_key(h->v[j].chrom, cb, sizeof(cb));
        khint_t k = kh_get(chrrank, h->rank, c);
        if (k == kh_end(h->rank)) {
            char *own = strdup(c);
            if (!own) return GRS_ENOMEM;
            k = kh_put(chrrank, h->rank, own, &absent);
            if (absent < 0) { free(own); return GRS_ENOMEM; }
            kh_val(h->rank, k) = next++;
        }
        h->vrank[j] = kh_val(h->rank, k);
    }
    return GRS_OK;
}

static void homref_free(homref_t *h)
{
    free_strset(h->seen);
    free_strset(h->done);
    if (h->rank) {
        for (khint_t k = kh_begin(h->rank); k != kh_end(h->rank); k++)
            if (kh_exist(h->rank, k)) free((char *)kh_key(h->rank, k));
        kh_destroy(chrrank, h->rank);
    }
    free(h->vrank);
    free(h->zeros);
    ks_free(&h->key);
}

/* Write the listed variants that sort before `before` (all of them when NULL). */
static int homref_flush(homref_t *h, grs_geno_writer_t *w, const grs_variant_t *before, grs_vcf_stats_t *st)
{
    int r = INT_MAX;
    if (before) {
        char cb[64];
        khint_t k = kh_get(chrrank, h->rank, grs_chrom_key(before->chrom, cb, sizeof(cb)));
        if (k == kh_end(h->rank)) return GRS_OK;          /* a chromosome the list lacks */
        r = kh_val(h->rank, k);
    }
    for (; h->i < h->n; h->i++) {
        const grs_variant_t *v = &h->v[h->i];
        if (before && (h->vrank[h->i] > r || (h->vrank[h->i] == r && v->pos >= before->pos))) break;
        int ret;
        if ((ret = homref_key(&h->key, v)) < 0) return ret;
        if (kh_get(strset, h->seen, h->key.s) != kh_end(h->seen)
            || kh_get(strset, h->done, h->key.s) != kh_end(h->done)) continue;
        if ((ret = homref_key_put(h->done, v)) < 0) return ret;
        if ((ret = grs_geno_writer_add(w, v, h->zeros, NULL, NULL)) < 0) return ret;
        st->n_homref_added++;
    }
    return GRS_OK;
}

int grs_vcf_pack(const grs_vcf_opts_t *opt, const char *out_grsm, grs_vcf_stats_t *stats)
{
    int ret, r;
    grs_vcf_reader_t *rd = NULL;
    grs_geno_writer_t *w = NULL;
    grs_vcf_row_t row;
    char tbuf[32], *s = NULL;
    homref_t hr;

    memset(&hr, 0, sizeof(hr));
    if ((ret = grs_vcf_reader_open(opt, &rd)) < 0) goto fail;
    if ((ret = grs_geno_writer_open(out_grsm, grs_vcf_reader_n_samples(rd), grs_vcf_reader_samples(rd), &w)) < 0)
        goto fail;
    if (opt->n_homref > 0 && (ret = homref_init(&hr, opt, grs_vcf_reader_n_samples(rd))) < 0) goto fail;
    while ((r = grs_vcf_reader_next(rd, &row)) > 0) {
        if (hr.seen) {   /* the REF/REF rows that sort before this record go first */
            if ((ret = homref_flush(&hr, w, &row.var, &rd->st)) < 0) goto fail;
            if ((ret = homref_key(&hr.key, &row.var)) < 0) goto fail;
            if (kh_get(strset, hr.done, hr.key.s) != kh_end(hr.done)) {
                grs_log_error("'%s': record %s:%" PRId64 " comes after later positions; --absent-ref needs "
                              "a position-sorted VCF", opt->files[0], row.var.chrom, row.var.pos);
                ret = GRS_EFORMAT; goto fail;
            }
            if ((ret = homref_key_put(hr.seen, &row.var)) < 0) goto fail;
        }
        if ((ret = grs_geno_writer_add(w, &row.var, row.codes, row.dosage, row.haploid)) < 0) goto fail;
        if ((rd->st.n_rows & 1023) == 0) grs_progress("pack: variants", rd->st.n_rows, 0);
    }
    grs_progress_end();
    if (r < 0) { ret = r; goto fail; }
    if (hr.seen && (ret = homref_flush(&hr, w, NULL, &rd->st)) < 0) goto fail;
    grs_iso_time(tbuf, sizeof(tbuf));
#define META(k, v) do { if ((ret = grs_geno_writer_meta(w, (k), (v))) < 0) goto fail; } while (0)
    META("tool", "grs " GRS_VERSION);
    if (opt->command) META("command", opt->command);
    META("created", tbuf);
    META("source_format", grs_vcf_reader_format(rd));
    for (int i = 0; i < opt->n_files; i++) {
        char *fp = grs_file_fingerprint(opt->files[i]), *k = grs_sprintf("input.%d", i + 1);
        free(s);
        s = grs_sprintf("%s %s", opt->files[i], fp ? fp : "unavailable");
        free(fp);
        if (!s || !k) { free(k); ret = GRS_ENOMEM; goto fail; }
        for (char *q = s; *q; q++) if (*q == '\t' || *q == '\n') *q = ' ';
        ret = grs_geno_writer_meta(w, k, s);
        free(k);
        if (ret < 0) goto fail;
    }
    META("dosage_field", grs_vcf_dosage_name(grs_vcf_reader_dosage(rd)));
    if (grs_vcf_reader_build(rd) && !strpbrk(grs_vcf_reader_build(rd), "\t\n"))
        META("build", grs_vcf_reader_build(rd));
    if (opt->regions && !strpbrk(opt->regions, "\t\n")) META("regions", opt->regions);
    if (opt->samples_file && !strpbrk(opt->samples_file, "\t\n")) META("samples_file", opt->samples_file);
#undef META
    ret = grs_geno_writer_close(w, 1);
    w = NULL;
fail:
    grs_progress_end();
    if (ret == GRS_ENOMEM) grs_log_error("'%s': out of memory while packing", opt->files[0]);
    if (stats && rd) *stats = rd->st;
    homref_free(&hr);
    grs_geno_writer_close(w, 0);
    grs_vcf_reader_close(rd);
    free(s);
    return ret;
}
