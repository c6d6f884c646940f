/* bed_load.c -- PLINK 1 .bed/.bim/.fam reader and packer (see bed_load.h). */
#include "bed_load.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grs/log.h"
#include "grs/status.h"
#include "util.h"
#include "vcf_load.h"

enum { PLOIDY_DIPLOID = 0, PLOIDY_X = 1, PLOIDY_HAPLOID = 2 };   /* chr_class values */

struct grs_bed_s {
    char *bed_fn, *bim_fn, *fam_fn;
    int fd;
    int64_t n_samples, n_variants, bed_row_bytes;
    grs_variant_t *vars;
    char *bim_text, *fam_text;     /* the files, NUL-split in place; tables point into them */
    grs_sample_t *samples;
    uint8_t *chr_class;            /* per variant: PLOIDY_* */
    uint8_t *hap_all, *hap_male;   /* haploid bitsets: every sample / SEX=1 samples */
    int64_t n_male;
    uint8_t tab[256];              /* .bed byte -> grs byte (4 codes) */
    uint8_t *buf;
    int64_t buf_rows;
    int64_t n_haploid_het;
};

/* Population count without relying on -mpopcnt (the portable build has no POPCNT). */
static inline uint64_t popc64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (x * 0x0101010101010101ull) >> 56;
}

int64_t grs_bed_n_samples(const grs_bed_t *b) { return b->n_samples; }
int64_t grs_bed_n_variants(const grs_bed_t *b) { return b->n_variants; }
const grs_variant_t *grs_bed_variants(const grs_bed_t *b) { return b->vars; }
const grs_sample_t *grs_bed_samples(const grs_bed_t *b) { return b->samples; }

const uint8_t *grs_bed_haploid_row(const grs_bed_t *b, int64_t v)
{
    switch (b->chr_class[v]) {
    case PLOIDY_HAPLOID: return b->hap_all;
    case PLOIDY_X: return b->n_male ? b->hap_male : NULL;
    default: return NULL;
    }
}

/* Read a whole text file into a NUL-terminated buffer. */
static int slurp(const char *fn, char **out, size_t *len)
{
    FILE *fp = fopen(fn, "rb");
    char *t = NULL;
    size_t cap = 0, n = 0, k;
    if (!fp) { grs_log_error("cannot open '%s': %s", fn, strerror(errno)); return GRS_EIO; }
    do {
        if (n + 65536 + 1 > cap) {
            size_t c2 = cap ? 2 * cap : 1 << 20;
            char *t2 = (char *)realloc(t, c2);
            if (!t2) { free(t); fclose(fp); return GRS_ENOMEM; }
            t = t2;
            cap = c2;
        }
        k = fread(t + n, 1, 65536, fp);
        n += k;
    } while (k > 0);
    if (ferror(fp)) {
        grs_log_error("read error on '%s': %s", fn, strerror(errno));
        free(t); fclose(fp);
        return GRS_EIO;
    }
    fclose(fp);
    t[n] = 0;
    *out = t;
    *len = n;
    return GRS_OK;
}

/* Split text into lines and whitespace-separated fields in place; calls cb per non-empty line. */
static int for_lines(char *t, size_t len, const char *fn, int want_fields,
                     int (*cb)(grs_bed_t *b, int64_t i, char **f), grs_bed_t *b, int64_t *n_lines)
{
    char *p = t, *end = t + len, *f[8];
    int64_t lno = 0, i = 0;
    while (p < end) {
        char *nl = (char *)memchr(p, '\n', end - p);
        if (!nl) nl = end;
        *nl = 0;
        lno++;
        if (nl > p && nl[-1] == '\r') nl[-1] = 0;
        int nf = grs_split(p, " \t", f, 8);
        if (nf > 0) {
            if (nf != want_fields) {
                grs_log_error("'%s' line %" PRId64 ": %d fields, expected %d", fn, lno, nf, want_fields);
                return GRS_EFORMAT;
            }
            if (cb && cb(b, i, f) < 0) {
                grs_log_error("'%s' line %" PRId64 ": bad value", fn, lno);
                return GRS_EFORMAT;
            }
            i++;
        }
        p = nl + 1;
    }
    *n_lines = i;
    return GRS_OK;
}

static int chrom_class(const char *c)
{
    if (strncmp(c, "chr", 3) == 0) c += 3;
    if (!strcmp(c, "X") || !strcmp(c, "23")) return PLOIDY_X;
    if (!strcmp(c, "Y") || !strcmp(c, "24") || !strcmp(c, "MT") || !strcmp(c, "M") || !strcmp(c, "26"))
        return PLOIDY_HAPLOID;
    return PLOIDY_DIPLOID;
}

static int bim_cb(grs_bed_t *b, int64_t i, char **f)
{
    grs_variant_t *v = &b->vars[i];
    if (grs_parse_int64(f[3], &v->pos) != 0 || v->pos < 0) return -1;
    v->chrom = f[0];
    v->id = f[1];
    v->alt = f[4];     /* A1 */
    v->ref = f[5];     /* A2 */
    v->src_allele = 1;
    v->n_src_alleles = 2;
    b->chr_class[i] = (uint8_t)chrom_class(f[0]);
    return 0;
}

static int cmp_sample_ptr(const void *x, const void *y)
{
    const grs_sample_t *a = *(const grs_sample_t *const *)x, *b = *(const grs_sample_t *const *)y;
    int c = strcmp(a->fid, b->fid);
    return c ? c : strcmp(a->iid, b->iid);
}

/* Duplicate (FID, IID) pairs are an error, as in plink2: scores are reported per sample ID. */
static int check_duplicate_samples(const grs_bed_t *b, int64_t n)
{
    const grs_sample_t **p = (const grs_sample_t **)malloc((size_t)n * sizeof(*p));
    int ret = GRS_OK;
    if (!p) return GRS_ENOMEM;
    for (int64_t i = 0; i < n; i++) p[i] = &b->samples[i];
    qsort(p, (size_t)n, sizeof(*p), cmp_sample_ptr);
    for (int64_t i = 1; i < n; i++)
        if (cmp_sample_ptr(&p[i - 1], &p[i]) == 0) {
            int64_t l1 = p[i - 1] - b->samples + 1, l2 = p[i] - b->samples + 1;
            grs_log_error("'%s': samples %" PRId64 " and %" PRId64 " have the same ID '%s %s' (FID IID)",
                          b->fam_fn, l1 < l2 ? l1 : l2, l1 < l2 ? l2 : l1, p[i]->fid, p[i]->iid);
            ret = GRS_EFORMAT;
            break;
        }
    free(p);
    return ret;
}

static int fam_cb(grs_bed_t *b, int64_t i, char **f)
{
    grs_sample_t *s = &b->samples[i];
    s->fid = f[0];
    s->iid = f[1];
    s->sex = !strcmp(f[4], "1") ? 1 : !strcmp(f[4], "2") ? 2 : 0;
    return 0;
}

static char *with_ext(const char *prefix, const char *ext)
{
    size_t l = strlen(prefix);
    if (l > 4 && (!strcmp(prefix + l - 4, ".bed") || !strcmp(prefix + l - 4, ".bim")
                  || !strcmp(prefix + l - 4, ".fam")))
        l -= 4;
    return grs_sprintf("%.*s%s", (int)l, prefix, ext);
}

int grs_bed_open(const char *prefix, grs_bed_t **out)
{
    int ret = GRS_ENOMEM;
    size_t len;
    int64_t n, i;
    struct stat st;
    uint8_t magic[3];
    grs_bed_t *b = (grs_bed_t *)calloc(1, sizeof(*b));

    if (!b) return GRS_ENOMEM;
    b->fd = -1;
    if (!(b->bed_fn = with_ext(prefix, ".bed")) || !(b->bim_fn = with_ext(prefix, ".bim"))
        || !(b->fam_fn = with_ext(prefix, ".fam")))
        goto fail;
    /* .fam */
    if ((ret = slurp(b->fam_fn, &b->fam_text, &len)) < 0) goto fail;
    for (n = 0, i = 0; i < (int64_t)len; i++) n += b->fam_text[i] == '\n';
    n += len > 0 && b->fam_text[len - 1] != '\n';
    ret = GRS_ENOMEM;
    if (!(b->samples = (grs_sample_t *)calloc(n + 1, sizeof(grs_sample_t)))) goto fail;
    if ((ret = for_lines(b->fam_text, len, b->fam_fn, 6, fam_cb, b, &n)) < 0) goto fail;
    if (n == 0) { grs_log_error("'%s' has no samples", b->fam_fn); ret = GRS_EFORMAT; goto fail; }
    if ((ret = check_duplicate_samples(b, n)) < 0) goto fail;
    b->n_samples = n;
    /* .bim */
    if ((ret = slurp(b->bim_fn, &b->bim_text, &len)) < 0) goto fail;
    for (n = 0, i = 0; i < (int64_t)len; i++) n += b->bim_text[i] == '\n';
    n += len > 0 && b->bim_text[len - 1] != '\n';
    ret = GRS_ENOMEM;
    if (!(b->vars = (grs_variant_t *)calloc(n + 1, sizeof(grs_variant_t)))
        || !(b->chr_class = (uint8_t *)calloc(n + 1, 1)))
        goto fail;
    if ((ret = for_lines(b->bim_text, len, b->bim_fn, 6, bim_cb, b, &n)) < 0) goto fail;
    b->n_variants = n;
    /* .bed */
    b->bed_row_bytes = (b->n_samples + 3) / 4;
    if ((b->fd = open(b->bed_fn, O_RDONLY)) < 0 || fstat(b->fd, &st) != 0) {
        grs_log_error("cannot open '%s': %s", b->bed_fn, strerror(errno));
        ret = GRS_EIO;
        goto fail;
    }
    (void)posix_fadvise(b->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    ret = GRS_EFORMAT;
    if (st.st_size < 3 || pread(b->fd, magic, 3, 0) != 3 || magic[0] != 0x6c || magic[1] != 0x1b) {
        grs_log_error("'%s': %s", b->bed_fn, st.st_size == 0 ? "empty file, not a PLINK .bed"
                      : "bad magic number: not a PLINK 1 .bed file");
        goto fail;
    }
    if (magic[2] != 0x01) {
        grs_log_error("'%s': %s", b->bed_fn, magic[2] == 0x00
                      ? "sample-major .bed (PLINK 1.0 individual-major mode) is not supported; "
                        "convert it with plink --make-bed" : "bad mode byte: not a PLINK 1 .bed file");
        goto fail;
    }
    if ((int64_t)st.st_size != 3 + b->n_variants * b->bed_row_bytes) {
        grs_log_error("'%s' has %lld bytes, but %" PRId64 " variants (.bim) x %" PRId64
                      " samples (.fam) need 3 + %" PRId64 " x %" PRId64 " = %" PRId64 " bytes",
                      b->bed_fn, (long long)st.st_size, b->n_variants, b->n_samples, b->n_variants,
                      b->bed_row_bytes, 3 + b->n_variants * b->bed_row_bytes);
        goto fail;
    }
    /* tables */
    ret = GRS_ENOMEM;
    int64_t hb = grs_haploid_row_bytes(b->n_samples);
    if (!(b->hap_all = (uint8_t *)calloc(hb, 1)) || !(b->hap_male = (uint8_t *)calloc(hb, 1))) goto fail;
    for (i = 0; i < b->n_samples; i++) {
        b->hap_all[i >> 3] |= (uint8_t)(1u << (i & 7));
        if (b->samples[i].sex == 1) { b->hap_male[i >> 3] |= (uint8_t)(1u << (i & 7)); b->n_male++; }
    }
    for (i = 0; i < 256; i++) {
        uint32_t x = 0;
        for (int k = 0; k < 4; k++) x |= grs_bed_to_code(((uint32_t)i >> (2 * k)) & 3u) << (2 * k);
        b->tab[i] = (uint8_t)x;
    }
    *out = b;
    return GRS_OK;
fail:
    grs_bed_close(b);
    return ret;
}

void grs_bed_close(grs_bed_t *b)
{
    if (!b) return;
    if (b->fd >= 0) close(b->fd);
    free(b->bed_fn); free(b->bim_fn); free(b->fam_fn);
    free(b->vars); free(b->bim_text); free(b->fam_text); free(b->samples);
    free(b->chr_class); free(b->hap_all); free(b->hap_male); free(b->buf);
    free(b);
}

/* haploid rule on one grs-coded row: het -> missing, hom ALT (2) -> 1 */
static void apply_haploid(grs_bed_t *b, uint8_t *row, const uint8_t *hap)
{
    for (int64_t s = 0; s < b->n_samples; s++) {
        if (!((hap[s >> 3] >> (s & 7)) & 1)) continue;
        int sh = 2 * (s & 3);
        uint32_t c = (row[s >> 2] >> sh) & 3u, c2 = c == 1 ? 3u : c == 2 ? 1u : c;
        if (c == 1) b->n_haploid_het++;
        row[s >> 2] = (uint8_t)((row[s >> 2] & ~(3u << sh)) | (c2 << sh));
    }
}

int grs_bed_read_rows(grs_bed_t *b, int64_t v0, int64_t n_rows, uint32_t *dst, int64_t dst_row_words)
{
    int64_t rb = b->bed_row_bytes, n = b->n_samples, chunk, done = 0;
    if (v0 < 0 || n_rows < 0 || v0 + n_rows > b->n_variants || dst_row_words * 16 < n) return GRS_EINVAL;
    if (!b->buf) {
        b->buf_rows = (4 << 20) / rb > 0 ? (4 << 20) / rb : 1;
        if (!(b->buf = (uint8_t *)malloc(b->buf_rows * rb))) return GRS_ENOMEM;
    }
    while (done < n_rows) {
        chunk = n_rows - done < b->buf_rows ? n_rows - done : b->buf_rows;
        size_t want = (size_t)(chunk * rb), got = 0;
        off_t off = (off_t)(3 + (v0 + done) * rb);
        while (got < want) {
            ssize_t k = pread(b->fd, b->buf + got, want - got, off + (off_t)got);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) {
                grs_log_error("read error on '%s' at variant %" PRId64 ": %s", b->bed_fn,
                              v0 + done + (int64_t)(got / rb) + 1, k < 0 ? strerror(errno) : "unexpected end of file");
                return GRS_EIO;
            }
            got += (size_t)k;
        }
        for (int64_t i = 0; i < chunk; i++) {
            const uint8_t *src = b->buf + i * rb;
            uint8_t *row = (uint8_t *)(dst + (done + i) * dst_row_words);
            int64_t k = 0;
            /* SWAR form of grs_bed_to_code on 32 genotypes at once: for bed bits (h, l) the grs
             * code is (!h, h ^ l): 00->10, 01->11, 10->01, 11->00. The 256-entry table (built
             * from grs_bed_to_code) handles the tail and is the reference the tests check. */
            for (; k + 8 <= rb; k += 8) {
                uint64_t x, y;
                memcpy(&x, src + k, 8);
                y = (~x & 0xaaaaaaaaaaaaaaaaull) | ((x ^ (x >> 1)) & 0x5555555555555555ull);
                memcpy(row + k, &y, 8);
            }
            for (; k < rb; k++) row[k] = b->tab[src[k]];
            for (int64_t s = n; s % 4; s++) row[s >> 2] |= (uint8_t)(3u << (2 * (s & 3)));
            memset(row + rb, 0xff, (size_t)(dst_row_words * 4 - rb));
            const uint8_t *hap = grs_bed_haploid_row(b, v0 + done + i);
            if (hap) apply_haploid(b, row, hap);
        }
        done += chunk;
    }
    return GRS_OK;
}

/* ---- packer ------------------------------------------------------------------------------- */

static int load_keep(const grs_bed_t *b, const char *fn, int64_t **keep, int64_t *n_keep)
{
    FILE *fp = fopen(fn, "r");
    char *line = NULL, *f[3];
    size_t cap = 0;
    int64_t lno = 0, s, nk = 0, n_names = 0;
    uint8_t *sel = NULL;
    int ret = GRS_ENOMEM;
    if (!fp) { grs_log_error("cannot open samples file '%s': %s", fn, strerror(errno)); return GRS_EIO; }
    if (!(sel = (uint8_t *)calloc(b->n_samples, 1))) goto done;
    while (getline(&line, &cap, fp) >= 0) {
        lno++;
        int nf = grs_split(line, " \t\r\n", f, 3);
        if (nf < 1 || f[0][0] == '#') continue;
        const char *iid = nf >= 2 ? f[1] : f[0];
        int found = 0;
        n_names++;
        for (s = 0; s < b->n_samples; s++)          /* samples files are short: linear is fine */
            if (!strcmp(b->samples[s].iid, iid)) { found = 1; if (!sel[s]) { sel[s] = 1; nk++; } }
        if (!found) {
            grs_log_error("samples file '%s' line %" PRId64 ": sample '%s' is not in '%s'", fn, lno,
                          iid, b->fam_fn);
            ret = GRS_EINPUT;
            goto done;
        }
    }
    if (!n_names) { grs_log_error("samples file '%s' lists no samples", fn); ret = GRS_EFORMAT; goto done; }
    if (!(*keep = (int64_t *)malloc(nk * sizeof(int64_t)))) goto done;
    for (s = 0, nk = 0; s < b->n_samples; s++) if (sel[s]) (*keep)[nk++] = s;
    *n_keep = nk;
    ret = GRS_OK;
done:
    free(sel); free(line); fclose(fp);
    return ret;
}

int grs_bed_pack(const grs_bed_opts_t *opt, const char *out_grsm, grs_bed_stats_t *stats)
{
    int ret;
    grs_bed_t *b = NULL;
    grs_geno_writer_t *w = NULL;
    grs_regions_t *rg = NULL;
    grs_sample_t *sub = NULL;
    int64_t *keep = NULL, n_keep = 0, v, words, block = 256, i, k;
    uint32_t *rows = NULL;
    uint8_t *codes = NULL, *hap = NULL;
    grs_bed_stats_t st;
    char tbuf[32];

    memset(&st, 0, sizeof(st));
    if ((ret = grs_bed_open(opt->prefix, &b)) < 0) goto fail;
    if (opt->regions && (ret = grs_regions_load(opt->regions, &rg)) < 0) goto fail;
    if (opt->samples_file) {
        if ((ret = load_keep(b, opt->samples_file, &keep, &n_keep)) < 0) goto fail;
        ret = GRS_ENOMEM;
        if (!(sub = (grs_sample_t *)malloc(n_keep * sizeof(grs_sample_t)))
            || !(codes = (uint8_t *)malloc(n_keep)) || !(hap = (uint8_t *)malloc(n_keep)))
            goto fail;
        for (i = 0; i < n_keep; i++) sub[i] = b->samples[keep[i]];
    }
    st.n_samples = keep ? n_keep : b->n_samples;
    words = grs_geno_row_bytes(b->n_samples) / 4;
    if (!(rows = (uint32_t *)malloc(block * words * sizeof(uint32_t)))) { ret = GRS_ENOMEM; goto fail; }
    if ((ret = grs_geno_writer_open(out_grsm, st.n_samples, keep ? sub : b->samples, &w)) < 0) goto fail;
    for (v = 0; v < b->n_variants; v += block) {
        int64_t nr = b->n_variants - v < block ? b->n_variants - v : block;
        if (grs_interrupted()) { ret = GRS_EINTR; goto fail; }
        if ((ret = grs_bed_read_rows(b, v, nr, rows, words)) < 0) goto fail;
        for (i = 0; i < nr; i++) {
            const grs_variant_t *var = &b->vars[v + i];
            const uint8_t *row = (const uint8_t *)(rows + i * words), *hb = grs_bed_haploid_row(b, v + i);
            if (rg && !grs_regions_contains(rg, var->chrom, var->pos)) { st.n_filtered++; continue; }
            if (!keep) {
                for (k = 0; k < words * 4; k += 8) {    /* missing codes, padding included */
                    uint64_t x;
                    memcpy(&x, row + k, 8);
                    st.n_missing += popc64(x & (x >> 1) & 0x5555555555555555ull);
                }
                st.n_missing -= words * 16 - b->n_samples;
                ret = grs_geno_writer_add_packed(w, var, row, hb);
            } else {
                int any = 0;
                for (k = 0; k < n_keep; k++) {
                    int64_t s = keep[k];
                    codes[k] = (row[s >> 2] >> (2 * (s & 3))) & 3u;
                    hap[k] = hb ? (hb[s >> 3] >> (s & 7)) & 1u : 0;
                    any |= hap[k];
                    st.n_missing += codes[k] == GRS_GENO_MISSING;
                }
                ret = grs_geno_writer_add(w, var, codes, NULL, any ? hap : NULL);
            }
            if (ret < 0) goto fail;
            st.n_variants++;
        }
        grs_progress("pack: variants", v + nr, b->n_variants);
    }
    grs_progress_end();
    grs_iso_time(tbuf, sizeof(tbuf));
#define META(k, val) do { if ((ret = grs_geno_writer_meta(w, (k), (val))) < 0) goto fail; } while (0)
    META("tool", "grs " GRS_VERSION);
    if (opt->command) META("command", opt->command);
    META("created", tbuf);
    META("source_format", "PLINK1-bed");
    {
        const char *fns[3] = { b->bed_fn, b->bim_fn, b->fam_fn };
        for (int j = 0; j < 3; j++) {
            char *fp = grs_file_fingerprint(fns[j]), *key = grs_sprintf("input.%d", j + 1);
            char *val = grs_sprintf("%s %s", fns[j], fp ? fp : "unavailable");
            free(fp);
            if (!key || !val) { free(key); free(val); ret = GRS_ENOMEM; goto fail; }
            for (char *q = val; *q; q++) if (*q == '\t' || *q == '\n') *q = ' ';
            ret = grs_geno_writer_meta(w, key, val);
            free(key); free(val);
            if (ret < 0) goto fail;
        }
    }
    META("dosage_field", "GT");
    if (opt->regions && !strpbrk(opt->regions, "\t\n")) META("regions", opt->regions);
    if (opt->samples_file && !strpbrk(opt->samples_file, "\t\n")) META("samples_file", opt->samples_file);
#undef META
    ret = grs_geno_writer_close(w, 1);
    w = NULL;
fail:
    grs_progress_end();
    if (ret == GRS_ENOMEM) grs_log_error("'%s': out of memory while packing", opt->prefix);
    if (b) st.n_haploid_het = b->n_haploid_het;
    if (stats) *stats = st;
    grs_geno_writer_close(w, 0);
    grs_regions_destroy(rg);
    grs_bed_close(b);
    free(rows); free(codes); free(hap); free(keep); free(sub);
    return ret;
}
