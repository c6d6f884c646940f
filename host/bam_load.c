/* bam_load.c -- genotypes from aligned reads at given sites (see bam_load.h for the model). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/faidx.h>
#include <htslib/hts.h>
#include <htslib/sam.h>
#include <htslib/vcf.h>

#include "bam_load.h"
#include "cmds.h"
#include "grs/geno.h"
#include "grs/log.h"
#include "grs/status.h"
#include "scorefile.h"
#include "util.h"

#define DEF_MAPQ      20     /* MQ 255 ("unknown") is read as this, as bcftools does        */
#define CAP_MAPQ      60     /* MQ above this counts as this (bcftools' capQ)               */
#define MAX_ERRMOD_N  255    /* errmod_cal's own limit; deeper columns are subsampled       */
#define CLUSTER_GAP   2000   /* sites closer than this share one index query                */
#define AF_MIN        0.001  /* prior ALT frequency clamp, so that reads can overturn it    */
#define CHUNK_CELLS   (16 << 20) /* site x sample results held in memory at once            */

void grs_bam_opts_init(grs_bam_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->min_mq = 0;
    o->min_bq = 1;
    o->max_bq = 60;
    o->delta_bq = 30;
    o->max_depth = 250;
    o->skip_flags = BAM_FUNMAP | BAM_FSECONDARY | BAM_FQCFAIL | BAM_FDUP;
    o->baq = 0;
    o->gl_model = GRS_BAM_GL_MAQ;
    o->prior_af = 0.5;
    o->min_gp = 0.9;
    o->threads = 1;
}

/* ---- the per-site arithmetic ------------------------------------------------------------ */

void grs_bam_gl_simple(const uint16_t *bases, int n, int ref, int alt, double gl[3])
{
    gl[0] = gl[1] = gl[2] = 0.0;
    for (int i = 0; i < n; i++) {
        int b = bases[i] & 15, q = bases[i] >> 5;
        if (b > 3) continue;                      /* N: the same for every genotype */
        double e = pow(10.0, -q / 10.0), pr = b == ref ? 1.0 - e : e / 3.0,
               pa = b == alt ? 1.0 - e : e / 3.0;
        gl[0] += log10(pr);
        gl[1] += log10(0.5 * pr + 0.5 * pa);
        gl[2] += log10(pa);
    }
}

int grs_bam_posterior(const double gl[3], double p, double gp[3])
{
    if (!(p >= AF_MIN)) p = AF_MIN;               /* also catches NaN */
    if (p > 1.0 - AF_MIN) p = 1.0 - AF_MIN;
    double prior[3] = { (1 - p) * (1 - p), 2 * p * (1 - p), p * p };
    double mx = gl[0] > gl[1] ? gl[0] : gl[1];
    if (gl[2] > mx) mx = gl[2];
    double s = 0;
    for (int g = 0; g < 3; g++) s += gp[g] = pow(10.0, gl[g] - mx) * prior[g];
    int best = 0;
    for (int g = 0; g < 3; g++) {
        gp[g] /= s;
        if (gp[g] > gp[best]) best = g;
    }
    /* 1 - max as the sum of the others: no cancellation when max is close to 1 */
    double err = 0;
    for (int g = 0; g < 3; g++) if (g != best) err += gp[g];
    if (err <= 0) return 99;
    double gq = -10.0 * log10(err);
    return gq >= 99 ? 99 : (int)lround(gq);
}

/* ---- sites -------------------------------------------------------------------------------- */

typedef struct site_t {
    int64_t pos;          /* 1-based                                   */
    int ctg;              /* FASTA contig index                        */
    int ref, alt;         /* 0..3 = ACGT                               */
    double af;            /* ALT frequency from the sites file, or NaN */
    char *id;             /* owned                                     */
} site_t;

typedef struct fa_name_t { const char *name; int idx; } fa_name_t;

static int base4(int c)
{
    switch (toupper(c)) {
    case 'A': return 0;
    case 'C': return 1;
    case 'G': return 2;
    case 'T': return 3;
    }
    return -1;
}

static int fa_name_cmp(const void *a, const void *b)
{
    return strcmp(((const fa_name_t *)a)->name, ((const fa_name_t *)b)->name);
}

typedef struct ctx_s ctx_t;

/* The FASTA, its contig names sorted for lookup, and a 1 Mb window for REF bases. */
typedef struct fasta_t {
    faidx_t *fai;
    int n;
    fa_name_t *sorted;
    int64_t *len;
    int win_ctg;
    int64_t win_beg;
    char *win;
    hts_pos_t win_len;
    char last_chrom[256];   /* cache of the last chromosome looked up */
    int last_ctg;
} fasta_t;

static int fa_find(fasta_t *f, const char *name)
{
    fa_name_t key = { name, 0 }, *hit;
    hit = (fa_name_t *)bsearch(&key, f->sorted, f->n, sizeof(fa_name_t), fa_name_cmp);
    return hit ? hit->idx : -1;
}

/* contig index of a sites-file chromosome: exact name, then with "chr" added or removed */
static int fa_contig(fasta_t *f, const char *chrom)
{
    char buf[300];
    int i;
    if (strlen(chrom) < sizeof(f->last_chrom) && strcmp(chrom, f->last_chrom) == 0) return f->last_ctg;
    if ((i = fa_find(f, chrom)) < 0) {
        const char *bare = strncasecmp(chrom, "chr", 3) == 0 ? chrom + 3 : chrom;
        if (bare != chrom) i = fa_find(f, bare);
        if (i < 0 && strlen(bare) < 200) {
            snprintf(buf, sizeof(buf), "chr%s", bare);
            i = fa_find(f, buf);
        }
        if (i < 0 && (strcmp(bare, "MT") == 0 || strcmp(bare, "M") == 0)) {
            const char *alts[] = { "MT", "M", "chrM", "chrMT" };
            for (int k = 0; k < 4 && i < 0; k++) i = fa_find(f, alts[k]);
        }
    }
    if (strlen(chrom) < sizeof(f->last_chrom)) {
        strcpy(f->last_chrom, chrom);
        f->last_ctg = i;
    }
    return i;
}

/* FASTA base at (ctg, 1-based pos), upper case; 0 when outside the contig, -1 on error */
static int fa_base(fasta_t *f, int ctg, int64_t pos)
{
    if (pos < 1 || pos > f->len[ctg]) return 0;
    if (ctg != f->win_ctg || pos - 1 < f->win_beg || pos - 1 >= f->win_beg + f->win_len) {
        free(f->win);
        f->win = faidx_fetch_seq64(f->fai, faidx_iseq(f->fai, ctg), pos - 1, pos - 1 + (1 << 20) - 1,
                                   &f->win_len);
        f->win_ctg = ctg;
        f->win_beg = pos - 1;
        if (!f->win || f->win_len <= 0) { f->win_ctg = -1; f->win_len = 0; return -1; }
    }
    return toupper((unsigned char)f->win[pos - 1 - f->win_beg]);
}

static int fasta_open(const char *fn, fasta_t *f)
{
    memset(f, 0, sizeof(*f));
    f->win_ctg = -1;
    f->last_ctg = -1;
    struct stat st;
    if (stat(fn, &st) != 0) { grs_log_error("cannot open FASTA %s: %s", fn, strerror(errno)); return GRS_EIO; }
    if (!(f->fai = fai_load(fn)) || faidx_nseq(f->fai) <= 0) {
        grs_log_error("%s: not a FASTA file that can be indexed (samtools faidx %s)", fn, fn);
        return GRS_EFORMAT;
    }
    f->n = faidx_nseq(f->fai);
    f->sorted = (fa_name_t *)malloc(f->n * sizeof(fa_name_t));
    f->len = (int64_t *)malloc(f->n * sizeof(int64_t));
    if (!f->sorted || !f->len) return GRS_ENOMEM;
    for (int i = 0; i < f->n; i++) {
        f->sorted[i].name = faidx_iseq(f->fai, i);
        f->sorted[i].idx = i;
        f->len[i] = faidx_seq_len(f->fai, f->sorted[i].name);
    }
    qsort(f->sorted, f->n, sizeof(fa_name_t), fa_name_cmp);
    return GRS_OK;
}

static void fasta_close(fasta_t *f)
{
    if (f->fai) fai_destroy(f->fai);
    free(f->sorted);
    free(f->len);
    free(f->win);
}

typedef struct sites_t {
    site_t *a;
    int64_t n, m;
    int is_vcf;
    char first_indel[128];
} sites_t;

static int sites_push(sites_t *s, const site_t *x)
{
    if (s->n == s->m) {
        int64_t m = s->m ? 2 * s->m : 1024;
        site_t *a = (site_t *)realloc(s->a, m * sizeof(site_t));
        if (!a) return GRS_ENOMEM;
        s->a = a;
        s->m = m;
    }
    s->a[s->n++] = *x;
    return GRS_OK;
}

static int site_cmp(const void *a, const void *b)
{
    const site_t *x = (const site_t *)a, *y = (const site_t *)b;
    if (x->ctg != y->ctg) return x->ctg < y->ctg ? -1 : 1;
    if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
    return x->alt - y->alt;
}

static int sites_from_vcf(htsFile *fp, const char *fn, fasta_t *fa, sites_t *s, grs_bam_stats_t *st)
{
    bcf_hdr_t *h = bcf_hdr_read(fp);
    bcf1_t *rec = bcf_init();
    float *af = NULL;
    int naf = 0, r, ret = GRS_OK;
    if (!h) { grs_log_error("%s: cannot read the VCF/BCF header", fn); ret = GRS_EFORMAT; goto done; }
    if (!rec) { ret = GRS_ENOMEM; goto done; }
    while ((r = bcf_read(fp, h, rec)) >= 0) {
        if (grs_interrupted()) { ret = GRS_EINTR; goto done; }
        if (rec->errcode) {
            grs_log_error("%s: malformed record at %s:%" PRId64, fn, bcf_seqname_safe(h, rec), (int64_t)rec->pos + 1);
            ret = GRS_EFORMAT;
            goto done;
        }
        bcf_unpack(rec, BCF_UN_STR);
        st->n_records++;
        /* a record cut after ID has no alleles at all (htslib leaves d.allele NULL): no ALT */
        const char *chrom = bcf_seqname_safe(h, rec), *ref = rec->n_allele > 0 ? rec->d.allele[0] : ".";
        const char *alt = rec->n_allele > 1 ? rec->d.allele[1] : ".";
        int64_t pos = (int64_t)rec->pos + 1;
        if (rec->n_allele > 2) { st->n_multiallelic++; continue; }
        if (rec->n_allele < 2 || alt[0] == '<' || alt[0] == '*' || strcmp(alt, ".") == 0) { st->n_other++; continue; }
        if (strlen(ref) != strlen(alt)) {
            if (!st->n_indel++) snprintf(s->first_indel, sizeof(s->first_indel), "%s:%" PRId64, chrom, pos);
            continue;
        }
        if (strlen(ref) != 1 || base4(ref[0]) < 0 || base4(alt[0]) < 0 || base4(ref[0]) == base4(alt[0])) {
            st->n_other++;
            continue;
        }
        site_t x;
        memset(&x, 0, sizeof(x));
        x.pos = pos;
        x.ref = base4(ref[0]);
        x.alt = base4(alt[0]);
        if ((x.ctg = fa_contig(fa, chrom)) < 0) { st->n_no_contig++; continue; }
        int fb = fa_base(fa, x.ctg, pos);
        if (fb < 0) { grs_log_error("%s: cannot read the FASTA at %s:%" PRId64, fn, chrom, pos); ret = GRS_EIO; goto done; }
        if (fb == 0) { st->n_no_contig++; continue; }
        if (base4(fb) != x.ref) {
            if (st->n_ref_mismatch++ < 5)
                grs_log_warning("%s: REF %s at %s:%" PRId64 " is %c in the FASTA; site skipped", fn, ref, chrom, pos, fb);
            continue;
        }
        x.af = NAN;
        if (bcf_get_info_float(h, rec, "AF", &af, &naf) >= 1 && !bcf_float_is_missing(af[0]) && isfinite(af[0])
            && af[0] >= 0 && af[0] <= 1) {
            x.af = af[0];
            st->n_with_af++;
        }
        x.id = strdup(rec->d.id ? rec->d.id : ".");
        if (!x.id || sites_push(s, &x) < 0) { free(x.id); ret = GRS_ENOMEM; goto done; }
    }
    if (r < -1) { grs_log_error("%s: truncated or unreadable after %" PRId64 " records", fn, st->n_records); ret = GRS_EIO; }
done:
    free(af);
    if (rec) bcf_destroy(rec);
    if (h) bcf_hdr_destroy(h);
    return ret;
}

static int sites_from_scorefile(const char *fn, fasta_t *fa, sites_t *s, grs_bam_stats_t *st)
{
    grs_scorefile_t *sf = NULL;
    int ret = grs_scorefile_read(fn, NULL, &sf);
    if (ret < 0) return ret;
    for (int64_t i = 0; i < sf->n_rows; i++) {
        const grs_score_row_t *row = &sf->rows[i];
        const char *ea = row->effect_allele, *oa = row->other_allele;
        st->n_records++;
        if (row->unsupported || !row->chrom || row->pos < 1) { st->n_other++; continue; }
        if (strlen(ea) != 1 || (oa && strlen(oa) != 1)) {
            if (oa && strlen(ea) != strlen(oa)) {
                if (!st->n_indel++) snprintf(s->first_indel, sizeof(s->first_indel), "%s:%" PRId64, row->chrom, row->pos);
            } else st->n_other++;
            continue;
        }
        site_t x;
        memset(&x, 0, sizeof(x));
        x.pos = row->pos;
        if ((x.ctg = fa_contig(fa, row->chrom)) < 0) { st->n_no_contig++; continue; }
        int fb = fa_base(fa, x.ctg, x.pos);
        if (fb < 0) { grs_log_error("%s: cannot read the FASTA at %s:%" PRId64, fn, row->chrom, x.pos); ret = GRS_EIO; break; }
        if (fb == 0) { st->n_no_contig++; continue; }
        int rb = base4(fb), e = base4(ea[0]), o = oa ? base4(oa[0]) : -1;
        if (rb < 0 || e < 0 || (oa && o < 0)) { st->n_other++; continue; }
        x.ref = rb;
        if (o == rb && e != rb) x.alt = e;
        else if (e == rb && o >= 0 && o != rb) x.alt = o;
        else if (!oa && e != rb) x.alt = e;
        else {
            if (st->n_ref_mismatch++ < 5)
                grs_log_warning("%s:%" PRId64 ": alleles %s/%s at %s:%" PRId64 " do not include the FASTA base %c; "
                                "row skipped", fn, row->line, ea, oa ? oa : "?", row->chrom, x.pos, fb);
            continue;
        }
        x.af = NAN;
        x.id = strdup(row->id ? row->id : ".");
        if (!x.id || sites_push(s, &x) < 0) { free(x.id); ret = GRS_ENOMEM; break; }
    }
    grs_scorefile_destroy(sf);
    return ret;
}

static int sites_load(const char *fn, fasta_t *fa, sites_t *s, grs_bam_stats_t *st)
{
    int ret;
    htsFile *fp = hts_open(fn, "r");
    if (!fp) { grs_log_error("cannot open sites file %s: %s", fn, strerror(errno)); return GRS_EIO; }
    if (hts_get_format(fp)->category == variant_data) {
        s->is_vcf = 1;
        ret = sites_from_vcf(fp, fn, fa, s, st);
        hts_close(fp);
    } else {
        hts_close(fp);
        ret = sites_from_scorefile(fn, fa, s, st);
    }
    if (ret < 0) return ret;
    if (s->n > 1) qsort(s->a, s->n, sizeof(site_t), site_cmp);
    int64_t k = 0;
    for (int64_t i = 0; i < s->n; i++) {
        if (k && site_cmp(&s->a[k - 1], &s->a[i]) == 0) { free(s->a[i].id); st->n_duplicate++; continue; }
        s->a[k++] = s->a[i];
    }
    s->n = k;
    if (st->n_indel)
        grs_log_warning("%s: %" PRId64 " indel record(s) are not supported by --bam and were skipped (first at %s)",
                        fn, st->n_indel, s->first_indel);
    if (st->n_multiallelic || st->n_other)
        grs_log_warning("%s: %" PRId64 " multi-allelic and %" PRId64 " other non-SNP record(s) skipped (only "
                        "biallelic SNPs are genotyped)", fn, st->n_multiallelic, st->n_other);
    if (st->n_no_contig)
        grs_log_warning("%s: %" PRId64 " site(s) on contigs absent from the FASTA (or past their end) skipped",
                        fn, st->n_no_contig);
    if (st->n_ref_mismatch)
        grs_log_warning("%s: %" PRId64 " site(s) whose alleles disagree with the FASTA skipped (wrong genome build?)",
                        fn, st->n_ref_mismatch);
    if (!s->n) {
        grs_log_error("%s: no biallelic SNP site to genotype (%" PRId64 " records read)", fn, st->n_records);
        return GRS_EINPUT;
    }
    return GRS_OK;
}

/* ---- the list of files ------------------------------------------------------------------ */

typedef struct bamfile_t {
    char *path;          /* as opened                                 */
    char *sample;        /* from the list or the @RG SM               */
    int line;            /* line of LIST                              */
    int is_cram;
    int *ctg2tid;        /* FASTA contig -> header tid (-1: absent)   */
    /* per-sample summary */
    int64_t n_covered, n_called, dp_sum;
} bamfile_t;

static char *path_near(const char *list, const char *p)
{
    struct stat st;
    const char *slash = strrchr(list, '/');
    if (p[0] == '/' || stat(p, &st) == 0 || !slash) return strdup(p);
    char *q = grs_sprintf("%.*s/%s", (int)(slash - list), list, p);
    if (q && stat(q, &st) != 0) { free(q); return strdup(p); }
    return q;
}

static int list_load(const char *fn, bamfile_t **out, int *n_out)
{
    FILE *fp = fopen(fn, "r");
    char *line = NULL, *f[3];
    size_t ml = 0;
    ssize_t l;
    int n = 0, m = 0, ln = 0, ret = GRS_OK;
    bamfile_t *a = NULL;
    if (!fp) { grs_log_error("cannot open BAM list %s: %s", fn, strerror(errno)); return GRS_EIO; }
    while ((l = getline(&line, &ml, fp)) >= 0) {
        ln++;
        while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r')) line[--l] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (!*p || *p == '#') continue;
        int nf = grs_split(p, "\t ", f, 3);
        int k = 0;
        for (int i = 0; i < nf && i < 3; i++) if (*f[i]) f[k++] = f[i];  /* runs of separators */
        if (k > 2) {
            grs_log_error("%s:%d: expected PATH [SAMPLE], found more columns", fn, ln);
            ret = GRS_EFORMAT;
            break;
        }
        if (n == m) {
            m = m ? 2 * m : 16;
            bamfile_t *b = (bamfile_t *)realloc(a, m * sizeof(bamfile_t));
            if (!b) { ret = GRS_ENOMEM; break; }
            a = b;
        }
        memset(&a[n], 0, sizeof(bamfile_t));
        a[n].line = ln;
        a[n].path = path_near(fn, f[0]);
        a[n].sample = k > 1 ? strdup(f[1]) : NULL;
        n++;
        if (!a[n - 1].path || (k > 1 && !a[n - 1].sample)) { ret = GRS_ENOMEM; break; }
    }
    if (ret == GRS_OK && ferror(fp)) { grs_log_error("%s: read error", fn); ret = GRS_EIO; }
    if (ret == GRS_OK && n == 0) {
        grs_log_error("%s: no BAM/CRAM path in the list (one path per line, optional sample name after it)", fn);
        ret = GRS_EFORMAT;
    }
    fclose(fp);
    free(line);
    *out = a;
    *n_out = n;
    return ret;
}

static void files_free(bamfile_t *a, int n)
{
    for (int i = 0; i < n; i++) { free(a[i].path); free(a[i].sample); free(a[i].ctg2tid); }
    free(a);
}

/* Open a BAM/CRAM with what reading it needs; logs and returns NULL on failure. */
static htsFile *bam_open(const bamfile_t *f, const char *fasta, sam_hdr_t **h, hts_idx_t **idx)
{
    htsFile *fp = hts_open(f->path, "r");
    *h = NULL;
    if (idx) *idx = NULL;
    if (!fp) { grs_log_error("cannot open %s: %s", f->path, strerror(errno)); return NULL; }
    const htsFormat *fmt = hts_get_format(fp);
    if (fmt->category != sequence_data || (fmt->format != bam && fmt->format != cram && fmt->format != sam)) {
        grs_log_error("%s: not a BAM or CRAM file (%s)", f->path, hts_format_description(fmt));
        goto fail;
    }
    if (fmt->format == cram) {
        if (hts_set_fai_filename(fp, fasta) != 0) {
            grs_log_error("%s: cannot use %s as the CRAM reference", f->path, fasta);
            goto fail;
        }
        hts_set_opt(fp, CRAM_OPT_DECODE_MD, 0);
    }
    if (!(*h = sam_hdr_read(fp))) { grs_log_error("%s: cannot read the header (empty or corrupt file)", f->path); goto fail; }
    if (idx && !(*idx = sam_index_load3(fp, f->path, NULL, HTS_IDX_SILENT_FAIL))) {
        grs_log_error("%s has no index (.%s); create one with `samtools index %s`", f->path,
                      fmt->format == cram ? "crai" : "bai or .csi", f->path);
        goto fail;
    }
    return fp;
fail:
    if (*h) sam_hdr_destroy(*h);
    *h = NULL;
    hts_close(fp);
    return NULL;
}

/* Sample name, index, EOF marker and header-vs-FASTA checks (main thread, before any work). */
static int file_check(bamfile_t *f, const char *fasta, fasta_t *fa)
{
    sam_hdr_t *h = NULL;
    hts_idx_t *idx = NULL;
    kstring_t ks = { 0, 0, NULL };
    int ret = GRS_EINPUT, n_ref, shared = 0;
    htsFile *fp = bam_open(f, fasta, &h, &idx);
    if (!fp) return errno == ENOENT ? GRS_EIO : GRS_EINPUT;
    f->is_cram = hts_get_format(fp)->format == cram;
    if (hts_check_EOF(fp) == 0) {
        grs_log_error("%s is truncated (no end-of-file marker)", f->path);
        ret = GRS_EIO;
        goto done;
    }
    if (!f->sample) {
        int n_rg = sam_hdr_count_lines(h, "RG");
        for (int i = 0; i < n_rg; i++) {
            if (sam_hdr_find_tag_pos(h, "RG", i, "SM", &ks) < 0) continue;
            if (!f->sample) { if (!(f->sample = strdup(ks.s))) { ret = GRS_ENOMEM; goto done; } }
            else if (strcmp(f->sample, ks.s) != 0) {
                grs_log_error("%s: its @RG lines name several samples (%s, %s); give the sample in the second "
                              "column of the list", f->path, f->sample, ks.s);
                goto done;
            }
        }
        if (!f->sample) {
            grs_log_error("%s: no @RG SM tag in the header; give the sample name in the second column of the list",
                          f->path);
            goto done;
        }
    }
    if (!(f->ctg2tid = (int *)malloc(fa->n * sizeof(int)))) { ret = GRS_ENOMEM; goto done; }
    for (int i = 0; i < fa->n; i++) f->ctg2tid[i] = -1;
    n_ref = sam_hdr_nref(h);
    for (int t = 0; t < n_ref; t++) {
        const char *name = sam_hdr_tid2name(h, t);
        int c = fa_find(fa, name);
        if (c < 0) continue;
        if (sam_hdr_tid2len(h, t) != fa->len[c]) {
            grs_log_error("%s: contig %s has length %" PRId64 " in its header but %" PRId64 " in the FASTA %s: "
                          "the reads were not aligned to this reference", f->path, name,
                          (int64_t)sam_hdr_tid2len(h, t), fa->len[c], fasta);
            goto done;
        }
        f->ctg2tid[c] = t;
        shared++;
    }
    if (!shared) {
        grs_log_error("%s: none of its %d header contigs (%s%s) is in the FASTA %s: the reads were not aligned "
                      "to this reference (or use the same contig names)", f->path, n_ref,
                      n_ref ? sam_hdr_tid2name(h, 0) : "", n_ref > 1 ? ", ..." : "", fasta);
        goto done;
    }
    ret = GRS_OK;
done:
    free(ks.s);
    if (idx) hts_idx_destroy(idx);
    sam_hdr_destroy(h);
    hts_close(fp);
    return ret;
}

/* ---- pileup ------------------------------------------------------------------------------- */

typedef struct cell_t {
    float gl[3];              /* log10 L(G), max 0                         */
    uint16_t dp, ad_ref, ad_alt, ad_oth;
} cell_t;

struct ctx_s {
    const grs_bam_opts_t *opt;
    bamfile_t *files;
    int n_files;
    const site_t *sites;
    fasta_t *fa;
    errmod_t *em;
    /* the chunk being worked on */
    int64_t s0, s1;
    cell_t *cells;            /* [file][site - s0]                         */
    const char *ref;          /* --baq: the chunk's contig                 */
    hts_pos_t ref_len;
    int ref_ctg;
    pthread_mutex_t lock;
    int next_file;
    int status;               /* first failure                             */
};

typedef struct reader_t {
    htsFile *fp;
    hts_itr_t *itr;
    const ctx_t *c;
    int err;
} reader_t;

static int read_func(void *data, bam1_t *b)
{
    reader_t *r = (reader_t *)data;
    const grs_bam_opts_t *o = r->c->opt;
    for (;;) {
        int ret = sam_itr_next(r->fp, r->itr, b);
        if (ret < 0) { if (ret < -1) r->err = ret; return ret; }
        uint16_t fl = b->core.flag;
        if (b->core.tid < 0 || (fl & BAM_FUNMAP) || (fl & o->skip_flags)) continue;
        if (r->c->ref && b->core.pos >= r->c->ref_len) continue;
        if (o->baq && r->c->ref) sam_prob_realn(b, r->c->ref, r->c->ref_len, 3);
        if (b->core.qual < o->min_mq) continue;
        if (!o->count_orphans && (fl & BAM_FPAIRED) && !(fl & BAM_FPROPER_PAIR)) continue;
        return ret;
    }
}

/* deterministic Fisher-Yates on the first k of n (xorshift seeded from the position) */
static void subsample(uint16_t *a, int n, int k, uint64_t seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 0; i < k; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        int j = i + (int)(x % (uint64_t)(n - i));
        uint16_t t = a[i]; a[i] = a[j]; a[j] = t;
    }
}

static void column(const ctx_t *c, const site_t *s, const bam_pileup1_t *plp, int n_plp, cell_t *cell,
                   uint16_t **bases, int *m_bases)
{
    const grs_bam_opts_t *o = c->opt;
    static const char acgt[] = "ACGT";
    int ref16 = seq_nt16_table[(unsigned char)acgt[s->ref]], n = 0;
    unsigned dp = 0, ar = 0, aa = 0, ao = 0;
    if (n_plp > *m_bases) {
        uint16_t *nb = (uint16_t *)realloc(*bases, (size_t)n_plp * sizeof(uint16_t));
        if (!nb) return;     /* cell stays empty: counted as no coverage */
        *bases = nb;
        *m_bases = n_plp;
    }
    for (int i = 0; i < n_plp; i++) {
        const bam_pileup1_t *p = plp + i;
        if (p->is_del || p->is_refskip) continue;
        const uint8_t *qual = bam_get_qual(p->b);
        int b16 = bam_seqi(bam_get_seq(p->b), p->qpos), b = seq_nt16_int[b16 ? b16 : ref16];
        int q = qual[p->qpos];
        if (p->qpos > 0 && q > qual[p->qpos - 1] + o->delta_bq) q = qual[p->qpos - 1] + o->delta_bq;
        if (p->qpos + 1 < p->b->core.l_qseq && q > qual[p->qpos + 1] + o->delta_bq)
            q = qual[p->qpos + 1] + o->delta_bq;
        if (q < o->min_bq) continue;
        if (q > o->max_bq) q = o->max_bq;
        int mq = p->b->core.qual < 255 ? p->b->core.qual : DEF_MAPQ;
        if (mq > CAP_MAPQ) mq = CAP_MAPQ;
        if (q > mq) q = mq;
        if (q > 63) q = 63;
        if (q < 4) q = 4;
        (*bases)[n++] = (uint16_t)(q << 5 | (bam_is_rev(p->b) ? 16 : 0) | b);
        dp++;
        if (b == s->ref) ar++;
        else if (b == s->alt) aa++;
        else ao++;
    }
    cell->dp = dp > 65535 ? 65535 : (uint16_t)dp;
    cell->ad_ref = ar > 65535 ? 65535 : (uint16_t)ar;
    cell->ad_alt = aa > 65535 ? 65535 : (uint16_t)aa;
    cell->ad_oth = ao > 65535 ? 65535 : (uint16_t)ao;
    if (!n) return;
    double gl[3];
    if (o->gl_model == GRS_BAM_GL_SIMPLE) {
        grs_bam_gl_simple(*bases, n, s->ref, s->alt, gl);
    } else {
        float pl[25];
        if (n > MAX_ERRMOD_N) {
            subsample(*bases, n, MAX_ERRMOD_N, (uint64_t)s->pos);
            n = MAX_ERRMOD_N;
        }
        errmod_cal(c->em, n, 5, *bases, pl);
        gl[0] = -pl[s->ref * 5 + s->ref] / 10.0;
        gl[1] = -pl[s->ref * 5 + s->alt] / 10.0;
        gl[2] = -pl[s->alt * 5 + s->alt] / 10.0;
    }
    double mx = gl[0] > gl[1] ? gl[0] : gl[1];
    if (gl[2] > mx) mx = gl[2];
    for (int g = 0; g < 3; g++) cell->gl[g] = (float)(gl[g] - mx);
}

/* One file over the chunk's sites. Logs its failure. */
static int file_chunk(ctx_t *c, int fi)
{
    bamfile_t *f = &c->files[fi];
    sam_hdr_t *h = NULL;
    hts_idx_t *idx = NULL;
    bam_mplp_t mp = NULL;
    uint16_t *bases = NULL;
    int m_bases = 0, ret = GRS_OK;
    cell_t *cells = c->cells + (int64_t)fi * (c->s1 - c->s0);
    reader_t rd;
    memset(&rd, 0, sizeof(rd));
    rd.c = c;
    if (!(rd.fp = bam_open(f, c->opt->fasta, &h, &idx))) return GRS_EIO;
    for (int64_t a = c->s0; a < c->s1 && ret == GRS_OK;) {
        int64_t b = a + 1;
        while (b < c->s1 && c->sites[b].ctg == c->sites[a].ctg && c->sites[b].pos - c->sites[b - 1].pos < CLUSTER_GAP) b++;
        int tid = f->ctg2tid[c->sites[a].ctg];
        if (tid < 0) { a = b; continue; }              /* contig absent from this file: no reads */
        if (grs_interrupted()) { ret = GRS_EINTR; break; }
        rd.err = 0;
        if (!(rd.itr = sam_itr_queryi(idx, tid, c->sites[a].pos - 1, c->sites[b - 1].pos))) {
            grs_log_error("%s: index query failed at %s:%" PRId64, f->path, sam_hdr_tid2name(h, tid), c->sites[a].pos);
            ret = GRS_EFORMAT;
            break;
        }
        void *data = &rd;
        if (!(mp = bam_mplp_init(1, read_func, &data))) { ret = GRS_ENOMEM; break; }
        bam_mplp_set_maxcnt(mp, c->opt->max_depth);
        if (!c->opt->ignore_overlaps) bam_mplp_init_overlaps(mp);
        int ptid, ppos, n_plp, r;
        const bam_pileup1_t *plp;
        int64_t k = a;
        while (k < b && (r = bam_mplp_auto(mp, &ptid, &ppos, &n_plp, &plp)) > 0) {
            if (ptid != tid) continue;
            while (k < b && c->sites[k].pos - 1 < ppos) k++;
            for (; k < b && c->sites[k].pos - 1 == ppos; k++)
                column(c, &c->sites[k], plp, n_plp, &cells[k - c->s0], &bases, &m_bases);
        }
        if (k < b && r < 0) rd.err = rd.err ? rd.err : r;
        if (rd.err) {
            grs_log_error("%s: cannot decode the records near %s:%" PRId64 " (truncated or corrupt file%s)", f->path,
                          sam_hdr_tid2name(h, tid), c->sites[a].pos,
                          f->is_cram ? "; or --fasta is not the reference this CRAM was written with" : "");
            ret = GRS_EFORMAT;
        }
        bam_mplp_destroy(mp);
        mp = NULL;
        hts_itr_destroy(rd.itr);
        rd.itr = NULL;
        a = b;
    }
    free(bases);
    hts_idx_destroy(idx);
    sam_hdr_destroy(h);
    hts_close(rd.fp);
    return ret;
}

static void *worker(void *arg)
{
    ctx_t *c = (ctx_t *)arg;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        int fi = c->status < 0 ? c->n_files : c->next_file++;
        pthread_mutex_unlock(&c->lock);
        if (fi >= c->n_files) break;
        int r = file_chunk(c, fi);
        if (r < 0) {
            pthread_mutex_lock(&c->lock);
            if (c->status == GRS_OK) c->status = r;
            pthread_mutex_unlock(&c->lock);
        }
    }
    return NULL;
}

static int run_chunk(ctx_t *c, int n_threads)
{
    pthread_t th[256];
    int nt = n_threads < c->n_files ? n_threads : c->n_files, started = 0;
    if (nt > 256) nt = 256;
    memset(c->cells, 0, (size_t)(c->s1 - c->s0) * c->n_files * sizeof(cell_t));
    c->next_file = 0;
    c->status = GRS_OK;
    if (nt <= 1) {
        worker(c);
        return c->status;
    }
    for (int i = 0; i < nt; i++) {
        if (pthread_create(&th[i], NULL, worker, c) != 0) break;
        started++;
    }
    if (!started) worker(c);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    return c->status;
}

/* ---- output ------------------------------------------------------------------------------- */

static char *prefix_of(const char *grsm)
{
    size_t l = strlen(grsm);
    if (l > 5 && strcmp(grsm + l - 5, ".grsm") == 0) l -= 5;
    return grs_sprintf("%.*s", (int)l, grsm);
}

int grs_bam_pack(const grs_bam_opts_t *opt, const char *out_grsm, grs_bam_stats_t *stats)
{
    static const char acgt[] = "ACGT", *gts[] = { "0/0", "0/1", "1/1", "./." };
    grs_bam_stats_t st;
    fasta_t fa;
    sites_t sites;
    bamfile_t *files = NULL;
    int n_files = 0, ret;
    grs_geno_writer_t *w = NULL;
    grs_out_t *qc = NULL, *sm = NULL;
    grs_sample_t *samples = NULL;
    uint8_t *codes = NULL;
    uint16_t *dos = NULL;
    char *prefix = NULL, *qc_fn = NULL, *sm_fn = NULL, *s = NULL, tbuf[32];
    ctx_t c;
    int have_lock = 0, qc_committed = 0, sm_committed = 0;
    int64_t chunk;
    char *ref_seq = NULL;

    memset(&st, 0, sizeof(st));
    memset(&sites, 0, sizeof(sites));
    memset(&c, 0, sizeof(c));
    if ((ret = fasta_open(opt->fasta, &fa)) < 0) goto done;
    if ((ret = list_load(opt->list, &files, &n_files)) < 0) goto done;
    for (int i = 0; i < n_files; i++) {
        if ((ret = file_check(&files[i], opt->fasta, &fa)) < 0) goto done;
        for (int j = 0; j < i; j++)
            if (strcmp(files[i].sample, files[j].sample) == 0) {
                grs_log_error("%s: sample %s is listed twice (lines %d and %d: %s and %s); merge its files or "
                              "rename one in the second column", opt->list, files[i].sample, files[j].line,
                              files[i].line, files[j].path, files[i].path);
                ret = GRS_EINPUT;
                goto done;
            }
    }
    if ((ret = sites_load(opt->sites, &fa, &sites, &st)) < 0) goto done;
    st.n_samples = n_files;
    st.n_sites = sites.n;
    grs_log_info("%d file(s), %" PRId64 " SNP sites (%" PRId64 " with an allele frequency from %s), GL model %s, "
                 "BAQ %s, prior ALT frequency otherwise %g", n_files, sites.n, st.n_with_af, opt->sites,
                 opt->gl_model == GRS_BAM_GL_SIMPLE ? "simple" : "maq", opt->baq ? "full" : "off", opt->prior_af);

    /* outputs */
    if (!(prefix = prefix_of(out_grsm)) || !(qc_fn = grs_sprintf("%s.bamqc.tsv.gz", prefix))
        || !(sm_fn = grs_sprintf("%s.bamsamples.tsv", prefix))) { ret = GRS_ENOMEM; goto done; }
    samples = (grs_sample_t *)calloc(n_files, sizeof(grs_sample_t));
    codes = (uint8_t *)malloc(n_files);
    dos = (uint16_t *)malloc(n_files * sizeof(uint16_t));
    if (!samples || !codes || !dos) { ret = GRS_ENOMEM; goto done; }
    for (int i = 0; i < n_files; i++) { samples[i].fid = "0"; samples[i].iid = files[i].sample; samples[i].sex = 0; }
    if ((ret = grs_geno_writer_open(out_grsm, n_files, samples, &w)) < 0) goto done;
    if (!(qc = grs_out_open(qc_fn, 1)) || !(sm = grs_out_open(sm_fn, 0))) { ret = GRS_EIO; goto done; }
    grs_out_printf(qc, "# grs %s bam genotypes; command: %s\n", GRS_VERSION, opt->command ? opt->command : "");
    grs_out_printf(qc, "# DP: bases used; AD: REF,ALT,other bases; PL: phred-scaled genotype likelihoods (%s model), "
                   "GP: posteriors with a HWE prior at AF; DS: expected ALT dosage; GT: MAP call if GP >= %g\n",
                   opt->gl_model == GRS_BAM_GL_SIMPLE ? "simple" : "maq", opt->min_gp);
    grs_out_printf(qc, "CHROM\tPOS\tID\tREF\tALT\tSAMPLE\tAF\tDP\tAD\tPL\tGP\tGQ\tDS\tGT\n");

    /* work */
    c.opt = opt;
    c.files = files;
    c.n_files = n_files;
    c.sites = sites.a;
    c.fa = &fa;
    c.ref_ctg = -1;
    if (!(c.em = errmod_init(1.0 - 0.83))) { ret = GRS_ENOMEM; goto done; }
    if (pthread_mutex_init(&c.lock, NULL) != 0) { ret = GRS_ENOMEM; goto done; }
    have_lock = 1;
    chunk = CHUNK_CELLS / n_files;
    if (chunk < 256) chunk = 256;
    if (!(c.cells = (cell_t *)malloc((size_t)(chunk < sites.n ? chunk : sites.n) * n_files * sizeof(cell_t)))) {
        ret = GRS_ENOMEM;
        goto done;
    }
    for (int64_t s0 = 0; s0 < sites.n;) {
        int64_t s1 = s0 + chunk < sites.n ? s0 + chunk : sites.n;
        if (opt->baq) {
            /* BAQ needs the whole contig: a chunk never spans two */
            for (int64_t k = s0 + 1; k < s1; k++) if (sites.a[k].ctg != sites.a[s0].ctg) { s1 = k; break; }
            if (c.ref_ctg != sites.a[s0].ctg) {
                free(ref_seq);
                c.ref = ref_seq = faidx_fetch_seq64(fa.fai, faidx_iseq(fa.fai, sites.a[s0].ctg), 0, HTS_POS_MAX,
                                                    &c.ref_len);
                if (!ref_seq) { grs_log_error("%s: cannot read contig %s", opt->fasta, faidx_iseq(fa.fai, sites.a[s0].ctg));
                                ret = GRS_EIO; goto done; }
                c.ref_ctg = sites.a[s0].ctg;
            }
        }
        c.s0 = s0;
        c.s1 = s1;
        if ((ret = run_chunk(&c, opt->threads)) < 0) goto done;
        for (int64_t k = s0; k < s1; k++) {
            const site_t *x = &sites.a[k];
            const char *chrom = faidx_iseq(fa.fai, x->ctg);
            double p = isnan(x->af) ? opt->prior_af : x->af;
            grs_variant_t var;
            char ref[2] = { acgt[x->ref], 0 }, alt[2] = { acgt[x->alt], 0 };
            var.chrom = chrom; var.pos = x->pos; var.id = x->id; var.ref = ref; var.alt = alt;
            var.src_allele = 1; var.n_src_alleles = 2;
            for (int i = 0; i < n_files; i++) {
                const cell_t *cl = &c.cells[(int64_t)i * (s1 - s0) + (k - s0)];
                double gl[3] = { cl->gl[0], cl->gl[1], cl->gl[2] }, gp[3];
                int gq = grs_bam_posterior(gl, p, gp), best = 0, n_used = cl->dp;
                for (int g = 1; g < 3; g++) if (gp[g] > gp[best]) best = g;
                double ds = gp[1] + 2 * gp[2];
                if (!n_used) {
                    codes[i] = GRS_GENO_MISSING;
                    dos[i] = GRS_DOSAGE_MISSING;
                } else {
                    codes[i] = gp[best] >= opt->min_gp ? (uint8_t)best : GRS_GENO_MISSING;
                    long d = lround(ds * GRS_DOSAGE_ONE);
                    dos[i] = (uint16_t)(d < 0 ? 0 : d > 2 * GRS_DOSAGE_ONE ? 2 * GRS_DOSAGE_ONE : d);
                    files[i].n_covered++;
                    files[i].dp_sum += n_used;
                    if (codes[i] != GRS_GENO_MISSING) files[i].n_called++;
                }
                grs_out_printf(qc, "%s\t%" PRId64 "\t%s\t%c\t%c\t%s\t%.6g\t%d\t%d,%d,%d\t", chrom, x->pos, x->id,
                               acgt[x->ref], acgt[x->alt], files[i].sample, p, cl->dp, cl->ad_ref, cl->ad_alt,
                               cl->ad_oth);
                if (n_used)
                    grs_out_printf(qc, "%ld,%ld,%ld\t%.4g,%.4g,%.4g\t%d\t%.4f\t%s\n", lround(-10.0 * gl[0]),
                                   lround(-10.0 * gl[1]), lround(-10.0 * gl[2]), gp[0], gp[1], gp[2], gq, ds,
                                   gts[codes[i]]);
                else
                    grs_out_printf(qc, ".\t.\t.\t.\t./.\n");
            }
            if ((ret = grs_geno_writer_add(w, &var, codes, opt->hard_calls ? NULL : dos, NULL)) < 0) goto done;
        }
        grs_progress("pack --bam: sites", s1, sites.n);
        s0 = s1;
    }
    grs_progress_end();

    /* per-sample summary */
    grs_out_printf(sm, "SAMPLE\tFILE\tFORMAT\tN_SITES\tN_COVERED\tFRAC_COVERED\tMEAN_DP\tN_CALLED\tFRAC_CALLED\n");
    for (int i = 0; i < n_files; i++) {
        const bamfile_t *f = &files[i];
        st.n_covered += f->n_covered;
        st.n_called += f->n_called;
        grs_out_printf(sm, "%s\t%s\t%s\t%" PRId64 "\t%" PRId64 "\t%.4f\t%.3f\t%" PRId64 "\t%.4f\n", f->sample, f->path,
                       f->is_cram ? "CRAM" : "BAM", sites.n, f->n_covered, (double)f->n_covered / sites.n,
                       (double)f->dp_sum / sites.n, f->n_called, (double)f->n_called / sites.n);
        grs_log_info("%s (%s): %" PRId64 " of %" PRId64 " sites covered, mean depth %.2f, %" PRId64 " called",
                     f->sample, f->path, f->n_covered, sites.n, (double)f->dp_sum / sites.n, f->n_called);
    }

    grs_iso_time(tbuf, sizeof(tbuf));
#define META(k, v) do { if ((ret = grs_geno_writer_meta(w, (k), (v))) < 0) goto done; } while (0)
    META("tool", "grs " GRS_VERSION);
    if (opt->command && !strpbrk(opt->command, "\t\n")) META("command", opt->command);
    META("created", tbuf);
    {
        int n_cram = 0;
        for (int i = 0; i < n_files; i++) n_cram += files[i].is_cram;
        META("source_format", n_cram == 0 ? "BAM" : n_cram == n_files ? "CRAM" : "BAM+CRAM");
    }
    for (int i = 0; i < n_files; i++) {
        char *fp = grs_file_fingerprint(files[i].path), *k = grs_sprintf("input.%d", i + 1);
        free(s);
        s = grs_sprintf("%s %s", files[i].path, fp ? fp : "unavailable");
        free(fp);
        if (!s || !k) { free(k); ret = GRS_ENOMEM; goto done; }
        for (char *q = s; *q; q++) if (*q == '\t' || *q == '\n') *q = ' ';
        ret = grs_geno_writer_meta(w, k, s);
        free(k);
        if (ret < 0) goto done;
    }
    free(s);
    s = grs_sprintf("gl_model=%s;baq=%s;min_MQ=%d;min_BQ=%d;max_BQ=%d;delta_BQ=%d;max_depth=%d;skip_flags=0x%x;"
                    "count_orphans=%d;ignore_overlaps=%d;prior_af=%g;min_gp=%g;sites=%s;fasta=%s",
                    opt->gl_model == GRS_BAM_GL_SIMPLE ? "simple" : "maq", opt->baq ? "full" : "off", opt->min_mq,
                    opt->min_bq, opt->max_bq, opt->delta_bq, opt->max_depth, opt->skip_flags, opt->count_orphans,
                    opt->ignore_overlaps, opt->prior_af, opt->min_gp, opt->sites, opt->fasta);
    if (!s) { ret = GRS_ENOMEM; goto done; }
    for (char *q = s; *q; q++) if (*q == '\t' || *q == '\n') *q = ' ';
    META("bam_genotyping", s);
    META("dosage_field", opt->hard_calls ? "GT (BAM MAP calls)" : "DS (BAM posterior mean)");
#undef META

    /* commit: side files first, the matrix last; a failure removes what was committed */
    ret = grs_out_close(qc, 1);
    qc = NULL;
    if (ret < 0) goto done;
    qc_committed = 1;
    ret = grs_out_close(sm, 1);
    sm = NULL;
    if (ret < 0) goto done;
    sm_committed = 1;
    ret = grs_geno_writer_close(w, 1);
    w = NULL;
done:
    grs_progress_end();
    if (ret < 0) {
        if (qc_committed) unlink(qc_fn);
        if (sm_committed) unlink(sm_fn);
    }
    grs_out_close(qc, 0);
    grs_out_close(sm, 0);
    grs_geno_writer_close(w, 0);
    if (stats) *stats = st;
    if (have_lock) pthread_mutex_destroy(&c.lock);
    free(ref_seq);
    if (c.em) errmod_destroy(c.em);
    free(c.cells);
    for (int64_t i = 0; i < sites.n; i++) free(sites.a[i].id);
    free(sites.a);
    files_free(files, n_files);
    fasta_close(&fa);
    free(samples); free(codes); free(dos); free(prefix); free(qc_fn); free(sm_fn); free(s);
    return ret;
}

/* ---- command line ------------------------------------------------------------------------ */

int grs_bam_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "--bam") == 0 || strncmp(argv[i], "--bam=", 6) == 0) return 1;
    }
    return 0;
}

static void bam_usage(FILE *fp)
{
    fprintf(fp,
"\nUsage: grs pack --bam LIST --sites F --fasta REF [options] --out PREFIX\n\n"
"Genotype the biallelic SNPs of F from aligned reads (BAM/CRAM, read through their index) and\n"
"write PREFIX.grsm (posterior expected dosages + hard calls), PREFIX.bamqc.tsv.gz (DP, AD, PL,\n"
"GP, GQ per site and sample) and PREFIX.bamsamples.tsv (per-sample coverage of the sites).\n\n"
"Input:\n"
"  --bam LIST            one BAM/CRAM per line, optionally followed by the sample name\n"
"                        (default: the @RG SM of the file); every file needs an index\n"
"  --sites F             VCF/BCF of biallelic SNPs (INFO/AF is the prior frequency), or a scoring\n"
"                        file (PGS Catalog / PLINK style with positions)\n"
"  --fasta REF           the reference the reads were aligned to (also decodes CRAM)\n"
"Reads and bases (defaults as bcftools mpileup 1.16):\n"
"  --min-MQ INT          skip reads with mapping quality below INT [0]\n"
"  --min-BQ INT          skip bases with quality below INT [1]\n"
"  --max-BQ INT          cap base qualities at INT [60]\n"
"  --delta-BQ INT        cap a base quality at its lower neighbour's + INT [30]\n"
"  --max-depth INT       at most INT reads per file and position [250]\n"
"  --skip-flags INT      skip reads with any of these flag bits [0x704: UNMAP,SECONDARY,QCFAIL,DUP]\n"
"  --count-orphans       keep paired reads that are not in a proper pair\n"
"  --ignore-overlaps     count both mates where a pair overlaps\n"
"  --baq off|full        base alignment quality: off, or realign every read (bcftools -D) [off]\n"
"Genotypes:\n"
"  --gl-model maq|simple likelihood model: maq (bcftools') or simple independent errors [maq]\n"
"  --prior-af P          ALT frequency of sites without INFO/AF, for the HWE prior [0.5]\n"
"  --min-gp P            hard call only if its posterior is at least P, else missing [0.9]\n"
"  --hard-calls          store the hard calls only (no dosage plane)\n"
"Other:\n"
"  --threads T           files processed in parallel [online cores]\n"
"  --out PREFIX          output prefix\n"
"  -v, --verbosity N     0 silent .. 3 warnings (default) .. 4 info .. 6 trace\n"
"  -h, --help            this text\n\n");
}

static int parse_int_opt(const char *name, const char *v, long lo, long hi, int *out)
{
    int64_t x;
    if (grs_parse_int64(v, &x) != 0) {
        char *end;
        errno = 0;
        long y = strtol(v, &end, 0);           /* hex, e.g. --skip-flags 0x704 */
        if (errno || *end || end == v) goto bad;
        x = y;
    }
    if (x < lo || x > hi) goto bad;
    *out = (int)x;
    return 0;
bad:
    fprintf(stderr, "[E::pack] %s: '%s' is not a number from %ld to %ld\n", name, v, lo, hi);
    return -1;
}

static int parse_prob_opt(const char *name, const char *v, double *out)
{
    double x;
    if (grs_parse_double(v, &x) != 0 || !(x >= 0 && x <= 1)) {
        fprintf(stderr, "[E::pack] %s: '%s' is not a number from 0 to 1\n", name, v);
        return -1;
    }
    *out = x;
    return 0;
}

int grs_bam_pack_main(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "bam", required_argument, NULL, 1 }, { "sites", required_argument, NULL, 2 },
        { "fasta", required_argument, NULL, 3 }, { "min-MQ", required_argument, NULL, 4 },
        { "min-BQ", required_argument, NULL, 5 }, { "max-BQ", required_argument, NULL, 6 },
        { "delta-BQ", required_argument, NULL, 7 }, { "max-depth", required_argument, NULL, 8 },
        { "skip-flags", required_argument, NULL, 9 }, { "count-orphans", no_argument, NULL, 10 },
        { "ignore-overlaps", no_argument, NULL, 11 }, { "baq", required_argument, NULL, 12 },
        { "gl-model", required_argument, NULL, 13 }, { "prior-af", required_argument, NULL, 14 },
        { "min-gp", required_argument, NULL, 15 }, { "hard-calls", no_argument, NULL, 16 },
        { "threads", required_argument, NULL, 17 }, { "out", required_argument, NULL, 'o' },
        { "verbosity", required_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    grs_bam_opts_t o;
    grs_bam_stats_t st;
    const char *out = NULL;
    char *out_fn = NULL, *cmd = NULL, *full = NULL;
    int c, r, ret = 2, verbosity = GRS_LOG_WARNING, x;
    double t0 = grs_wall_seconds();

    grs_bam_opts_init(&o);
    o.threads = grs_cmd_default_threads();
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:v:h", lopts, NULL)) >= 0) {
        switch (c) {
        case 1: o.list = optarg; break;
        case 2: o.sites = optarg; break;
        case 3: o.fasta = optarg; break;
        case 4: if (parse_int_opt("--min-MQ", optarg, 0, 255, &o.min_mq)) goto done; break;
        case 5: if (parse_int_opt("--min-BQ", optarg, 0, 255, &o.min_bq)) goto done; break;
        case 6: if (parse_int_opt("--max-BQ", optarg, 0, 255, &o.max_bq)) goto done; break;
        case 7: if (parse_int_opt("--delta-BQ", optarg, 0, 255, &o.delta_bq)) goto done; break;
        case 8: if (parse_int_opt("--max-depth", optarg, 1, 1000000, &o.max_depth)) goto done; break;
        case 9: if (parse_int_opt("--skip-flags", optarg, 0, 0xffff, &x)) goto done; o.skip_flags = (unsigned)x; break;
        case 10: o.count_orphans = 1; break;
        case 11: o.ignore_overlaps = 1; break;
        case 12:
            if (strcmp(optarg, "off") == 0) o.baq = 0;
            else if (strcmp(optarg, "full") == 0) o.baq = 1;
            else { fprintf(stderr, "[E::pack] --baq: '%s' is not off or full\n", optarg); goto done; }
            break;
        case 13:
            if (strcmp(optarg, "maq") == 0) o.gl_model = GRS_BAM_GL_MAQ;
            else if (strcmp(optarg, "simple") == 0) o.gl_model = GRS_BAM_GL_SIMPLE;
            else { fprintf(stderr, "[E::pack] --gl-model: '%s' is not maq or simple\n", optarg); goto done; }
            break;
        case 14: if (parse_prob_opt("--prior-af", optarg, &o.prior_af)) goto done; break;
        case 15: if (parse_prob_opt("--min-gp", optarg, &o.min_gp)) goto done; break;
        case 16: o.hard_calls = 1; break;
        case 17: if (parse_int_opt("--threads", optarg, 1, 1024, &o.threads)) goto done; break;
        case 'o': out = optarg; break;
        case 'v': if (parse_int_opt("-v", optarg, 0, 6, &verbosity)) goto done; break;
        case 'h': bam_usage(stdout); ret = 0; goto done;
        default: bam_usage(stderr); goto done;
        }
    }
    if (optind < argc) { fprintf(stderr, "[E::pack] unexpected argument '%s'\n", argv[optind]); bam_usage(stderr); goto done; }
    if (!o.list || !o.sites || !o.fasta || !out) {
        fprintf(stderr, "[E::pack] --bam needs --sites, --fasta and --out\n");
        bam_usage(stderr);
        goto done;
    }
    grs_cmd_set_verbosity(verbosity);
    grs_cmd_log_start(argc, argv);
    ret = 1;
    {
        size_t l = strlen(out);
        out_fn = l > 5 && strcmp(out + l - 5, ".grsm") == 0 ? strdup(out) : grs_sprintf("%s.grsm", out);
    }
    if (!out_fn || !(cmd = grs_cmdline(argc, argv)) || !(full = grs_sprintf("grs %s", cmd))) {
        grs_log_error("out of memory");
        goto done;
    }
    o.command = full;
    r = grs_bam_pack(&o, out_fn, &st);
    if (r < 0) {
        if (verbosity > 0) fprintf(stderr, "grs pack: failed (%s); no %s written\n", grs_strerror(r), out_fn);
        goto done;
    }
    if (verbosity > 0) {
        double cells = (double)st.n_sites * st.n_samples;
        fprintf(stderr, "grs pack: %" PRId64 " samples, %" PRId64 " SNP sites from reads (%" PRId64 " indel, %" PRId64
                " multi-allelic, %" PRId64 " other records unsupported), %.4g%% covered, %.4g%% called, %.2f s -> %s\n",
                st.n_samples, st.n_sites, st.n_indel, st.n_multiallelic, st.n_other,
                cells > 0 ? 100.0 * st.n_covered / cells : 0.0, cells > 0 ? 100.0 * st.n_called / cells : 0.0,
                grs_wall_seconds() - t0, out_fn);
    }
    grs_cmd_log_end("pack", t0);
    ret = 0;
done:
    free(out_fn); free(cmd); free(full);
    return ret;
}
