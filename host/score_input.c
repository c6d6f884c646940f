/* score_input.c -- genotypes for grs score (see score_input.h). */
#include "score_input.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <math.h>

#include <htslib/hts.h>
#include <htslib/khash.h>
#include <htslib/kstring.h>

#include "bed_load.h"
#include "bgen.h"
#include "grs/log.h"
#include "grs/status.h"
#include "util.h"
#include "vcf_load.h"

/* ---- .grsm: everything is mapped; a load only hands out pointers ---------------------------- */
#define GENO_BLOCK_BYTES ((int64_t)256 << 20)   /* rows resident at once */
static int geno_load(grs_score_input_t *in, const int64_t *v, int64_t n, grs_pgs_var_t *vars,
                     grs_vstat_t *stats)
{
    grs_geno_t *g = (grs_geno_t *)in->impl;
    if (n > 0) grs_geno_release_before(g, v[0]);   /* earlier blocks are done: bound the RSS */
    for (int64_t i = 0; i < n; i++) {
        vars[i].codes = grs_geno_row(g, v[i]);
        vars[i].dosage = grs_geno_dosage_row(g, v[i]);
        vars[i].haploid = grs_geno_haploid_row(g, v[i]);
        stats[i] = *grs_geno_vstat(g, v[i]);
    }
    return GRS_OK;
}

/* ---- .bed: rows converted into a block buffer, statistics counted on the way --------------- */
typedef struct {
    grs_bed_t *bed;
    uint32_t *buf;
    int64_t cap, row_words;
} bed_impl_t;

#define BED_BLOCK_BYTES ((int64_t)256 << 20)   /* converted rows held at once */

/* Statistics of one grs-coded row by population counts: missing = both bits set, ALT copies =
 * low bits + 2·high bits (padding codes are 3 and cancel out). Built twice, with and without
 * the POPCNT instruction, and chosen at load time (the portable build targets plain x86-64). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("popcnt", "default")))
#endif
static void row_counts(const uint32_t *row, int64_t row_words, uint64_t *miss, uint64_t *alt_plus3miss)
{
    uint64_t m = 0, lo = 0, hi = 0;
    const uint64_t *x64 = (const uint64_t *)row;      /* rows are 64-byte aligned */
    for (int64_t w = 0; w < row_words / 2; w++) {
        uint64_t x = x64[w];
        m += (uint64_t)__builtin_popcountll(x & (x >> 1) & 0x5555555555555555ull);
        lo += (uint64_t)__builtin_popcountll(x & 0x5555555555555555ull);
        hi += (uint64_t)__builtin_popcountll(x & 0xaaaaaaaaaaaaaaaaull);
    }
    *miss = m;
    *alt_plus3miss = lo + 2 * hi;
}

static int bed_load(grs_score_input_t *in, const int64_t *v, int64_t n, grs_pgs_var_t *vars,
                    grs_vstat_t *stats)
{
    bed_impl_t *b = (bed_impl_t *)in->impl;
    int ret;
    if (n > b->cap) {
        uint32_t *nb = (uint32_t *)aligned_alloc(64, (size_t)(n * b->row_words) * 4);
        if (!nb) { grs_log_error("out of memory converting .bed rows"); return GRS_ENOMEM; }
        free(b->buf);
        b->buf = nb;
        b->cap = n;
    }
    for (int64_t i = 0; i < n;) {
        /* a run of consecutive variants is read and converted in one call */
        int64_t j = i + 1;
        while (j < n && v[j] == v[j - 1] + 1) j++;
        if ((ret = grs_bed_read_rows(b->bed, v[i], j - i, b->buf + i * b->row_words, b->row_words)) < 0)
            return ret;
        i = j;
        /* the same variant twice in a row (two effect alleles or models) */
        while (i < n && v[i] == v[i - 1]) {
            memcpy(b->buf + i * b->row_words, b->buf + (i - 1) * b->row_words, (size_t)b->row_words * 4);
            i++;
        }
    }
    for (int64_t i = 0; i < n; i++) {
        uint32_t *row = b->buf + i * b->row_words;
        const uint8_t *hap = grs_bed_haploid_row(b->bed, v[i]);
        uint64_t miss, alt3;
        row_counts(row, b->row_words, &miss, &alt3);
        uint64_t alt = alt3 - 3 * miss;               /* padding codes are 3 and cancel */
        miss -= (uint64_t)(b->row_words * 16 - in->n_samples);
        uint64_t called_alleles = 2 * ((uint64_t)in->n_samples - miss);
        if (hap)   /* haploid samples carry one allele */
            for (int64_t s = 0; s < in->n_samples; s++)
                if (grs_geno_is_haploid(hap, s) && grs_geno_code(row, s) != GRS_GENO_MISSING) called_alleles--;
        memset(&stats[i], 0, sizeof(stats[i]));
        stats[i].n_missing = (uint32_t)miss;
        stats[i].allele_ct = (uint32_t)called_alleles;
        stats[i].alt_freq = called_alleles ? (double)alt / (double)called_alleles : NAN;
        stats[i].dosage_row = stats[i].haploid_row = GRS_NO_ROW;
        vars[i].codes = row;
        vars[i].dosage = NULL;
        vars[i].haploid = hap;
    }
    return GRS_OK;
}

/* a .grsm path from a prefix: PREFIX.grsm unless PREFIX already names an existing .grsm */
static char *grsm_path(const char *prefix)
{
    size_t n = strlen(prefix);
    if (n > 5 && strcmp(prefix + n - 5, ".grsm") == 0) return strdup(prefix);
    return grs_sprintf("%s.grsm", prefix);
}

static int open_grsm(grs_score_input_t *in, const char *fn, const char *format, const char *shown_path)
{
    grs_geno_t *g = NULL;
    int ret = grs_geno_open(fn, 0, &g);
    if (ret < 0) return ret;
    in->impl = g;
    in->n_samples = grs_geno_n_samples(g);
    in->n_variants = grs_geno_n_variants(g);
    in->variants = grs_geno_variants(g);
    in->load = geno_load;
    in->max_load = GENO_BLOCK_BYTES / (grs_geno_row_words(g) * 4);   /* rows mapped at once */
    if (in->max_load < 1) in->max_load = 1;
    in->format = format;
    in->path = shown_path;
    in->build = grs_geno_meta(g, "build");
    if (!(in->samples = (grs_sample_t *)malloc(in->n_samples * sizeof(grs_sample_t)))) return GRS_ENOMEM;
    for (int64_t s = 0; s < in->n_samples; s++) in->samples[s] = *grs_geno_sample(g, s);
    return GRS_OK;
}

/* BGEN: pack the variants at scoring sites into a temporary .grsm, map it, unlink it */
static int open_bgen(grs_score_input_t *in, const grs_score_input_opts_t *opt)
{
    grs_bgen_opts_t bo;
    grs_bgen_stats_t st;
    grs_site_t *sites = NULL;
    int64_t n_sites = 0, cap = 0, no_pos = 0;
    char *fn = NULL;
    int ret = GRS_ENOMEM;
    for (int i = 0; i < opt->n_sites; i++)
        for (int64_t r = 0; r < opt->sites[i]->n_rows; r++) {
            const grs_score_row_t *row = &opt->sites[i]->rows[r];
            if (!row->chrom || row->pos < 0) { no_pos++; continue; }
            if (n_sites == cap) {
                cap = cap ? 2 * cap : 4096;
                grs_site_t *ns = (grs_site_t *)realloc(sites, cap * sizeof(grs_site_t));
                if (!ns) goto done;
                sites = ns;
            }
            sites[n_sites].chrom = row->chrom;   /* compared after grs_chrom_normalize */
            sites[n_sites++].pos = row->pos;
        }
    memset(&bo, 0, sizeof(bo));
    memset(&st, 0, sizeof(st));
    bo.file = opt->bgen;
    bo.sample_file = opt->bgen_sample;
    bo.hard_call_threshold = GRS_BGEN_HARD_CALL_DEFAULT;
    /* a scoring file without positions (PLINK style) needs every variant */
    bo.sites = no_pos ? NULL : sites;
    bo.n_sites = no_pos ? 0 : n_sites;
    if (!no_pos && !n_sites) {   /* no scoring rows at all: keep the filter, decode nothing */
        static const grs_site_t none = { "", -1 };
        bo.sites = &none;
        bo.n_sites = 1;
    }
    if (!(fn = grs_sprintf("%s.input.tmp.%ld.grsm", opt->out_prefix, (long)getpid()))) goto done;
    grs_cleanup_register(fn);
    ret = grs_bgen_pack(&bo, fn, &st);
    if (ret < 0) { unlink(fn); grs_cleanup_unregister(fn); goto done; }
    grs_log_info("BGEN '%s': %" PRId64 " of %" PRId64 " variants decoded (%s), %" PRId64 " rows",
                 opt->bgen, st.n_decoded, st.n_variants_file,
                 no_pos ? "all: a scoring file has no positions"
                        : st.used_index ? "found through the .bgi index"
                                        : "the others skipped without decompression", st.n_rows);
    ret = open_grsm(in, fn, "bgen", opt->bgen);
    unlink(fn);                   /* the mapping stays valid; nothing is left behind */
    grs_cleanup_unregister(fn);
    if (ret < 0) goto done;
    in->fingerprint = grs_file_fingerprint(opt->bgen);
done:
    free(sites);
    free(fn);
    return ret;
}

/* ---- --absent-ref: the sites a whole-genome call set omits when the sample is REF/REF ---- */

KHASH_SET_INIT_STR(posset)

typedef struct {
    grs_variant_t *v;
    int64_t n, cap;
    kstring_t pool;                   /* strings of v[], as offsets until the end */
} absent_list_t;

static int pool_add(kstring_t *pool, const char *s, size_t *off)
{
    *off = pool->l;
    return kputsn(s, strlen(s), pool) < 0 || kputc('\0', pool) < 0 ? GRS_ENOMEM : GRS_OK;
}

static int is_acgt(const char *a)
{
    if (!*a) return 0;
    for (; *a; a++) if (!strchr("ACGTacgt", *a)) return 0;
    return 1;
}

/* Read SITES; keep its variants whose "CHROM:POS" (no chr prefix) is in want (all when NULL). */
static int absent_ref_load(const char *fn, khash_t(posset) *want, absent_list_t *L)
{
    htsFile *fp = hts_open(fn, "r");
    kstring_t line = KS_INITIALIZE, key = KS_INITIALIZE;
    int ret = GRS_OK, is_bim = 0, c_chr = 0, c_pos = 1, c_id = 2, c_ref = 3, c_alt = 4, seen_hdr = 0;
    int64_t lno = 0;
    size_t n = strlen(fn);
    if (!fp) { grs_log_error("'%s': cannot open the --absent-ref site list", fn); return GRS_EIO; }
    if ((n > 4 && strcmp(fn + n - 4, ".bim") == 0) || (n > 7 && strcmp(fn + n - 7, ".bim.gz") == 0)) {
        is_bim = 1; c_chr = 0; c_id = 1; c_pos = 3; c_alt = 4; c_ref = 5;   /* plink2: A2 is REF */
        seen_hdr = 1;
    }
    int r;
    while ((r = hts_getline(fp, '\n', &line)) >= 0) {
        lno++;
        if (line.l && line.s[line.l - 1] == '\r') line.s[--line.l] = 0;
        if (!line.l || (line.s[0] == '#' && line.s[1] == '#')) continue;
        char *f[64];
        int nf = grs_split(line.s, is_bim ? "\t " : "\t", f, 64);
        if (nf > 64) nf = 64;    /* grs_split counts every field; a cohort VCF has one per sample */
        if (!is_bim && line.s[0] == '#') {           /* #CHROM POS ID REF ALT (VCF, .pvar) */
            c_chr = c_pos = c_id = c_ref = c_alt = -1;
            for (int i = 0; i < nf; i++) {
                const char *h = f[i] + (i == 0 && f[i][0] == '#');
                if (!strcmp(h, "CHROM")) c_chr = i;
                else if (!strcmp(h, "POS")) c_pos = i;
                else if (!strcmp(h, "ID")) c_id = i;
                else if (!strcmp(h, "REF")) c_ref = i;
                else if (!strcmp(h, "ALT")) c_alt = i;
            }
            if (c_chr < 0 || c_pos < 0 || c_ref < 0 || c_alt < 0) {
                grs_log_error("'%s' line %" PRId64 ": the header lacks #CHROM, POS, REF or ALT", fn, lno);
                ret = GRS_EFORMAT; goto done;
            }
            seen_hdr = 1;
            continue;
        }
        if (!seen_hdr) {
            grs_log_error("'%s' line %" PRId64 ": expected a #CHROM header (VCF or .pvar) or a .bim file name", fn, lno);
            ret = GRS_EFORMAT; goto done;
        }
        int need = c_chr;
        if (c_pos > need) need = c_pos;
        if (c_ref > need) need = c_ref;
        if (c_alt > need) need = c_alt;
        if (c_id > need) need = c_id;
        char *end;
        if (nf <= need) {
            grs_log_error("'%s' line %" PRId64 ": %d fields, expected at least %d", fn, lno, nf, need + 1);
            ret = GRS_EFORMAT; goto done;
        }
        long long pos = strtoll(f[c_pos], &end, 10);
        if (*end || end == f[c_pos] || pos < 0) {
            grs_log_error("'%s' line %" PRId64 ": bad position '%s'", fn, lno, f[c_pos]);
            ret = GRS_EFORMAT; goto done;
        }
        char cb[64];
        key.l = 0;
        if (ksprintf(&key, "%s:%lld", grs_chrom_key(f[c_chr], cb, sizeof(cb)), pos) < 0) { ret = GRS_ENOMEM; goto done; }
        if (want && kh_get(posset, want, key.s) == kh_end(want)) continue;
        if (!is_acgt(f[c_ref])) continue;             /* N, '.', symbolic: no REF call to assume */
        for (char *alt = f[c_alt], *nx; alt; alt = nx) {   /* one variant per ALT allele */
            if ((nx = strchr(alt, ','))) *nx++ = 0;
            if (!is_acgt(alt)) continue;
            if (L->n == L->cap) {
                int64_t nc = L->cap ? 2 * L->cap : 256;
                grs_variant_t *nv = (grs_variant_t *)realloc(L->v, nc * sizeof(*nv));
                if (!nv) { ret = GRS_ENOMEM; goto done; }
                L->v = nv; L->cap = nc;
            }
            grs_variant_t *v = &L->v[L->n];
            size_t o[4];
            memset(v, 0, sizeof(*v));
            if (pool_add(&L->pool, f[c_chr], &o[0]) < 0 || pool_add(&L->pool, c_id >= 0 ? f[c_id] : ".", &o[1]) < 0
                || pool_add(&L->pool, f[c_ref], &o[2]) < 0 || pool_add(&L->pool, alt, &o[3]) < 0) {
                ret = GRS_ENOMEM; goto done;
            }
            v->chrom = (const char *)(uintptr_t)o[0]; v->id = (const char *)(uintptr_t)o[1];
            v->ref = (const char *)(uintptr_t)o[2]; v->alt = (const char *)(uintptr_t)o[3];
            v->pos = pos; v->src_allele = 1; v->n_src_alleles = 2;
            L->n++;
        }
    }
    if (r < -1) { grs_log_error("'%s': read error after line %" PRId64, fn, lno); ret = GRS_EIO; goto done; }
    if (!seen_hdr) { grs_log_error("'%s': empty --absent-ref site list (no #CHROM header)", fn); ret = GRS_EFORMAT; goto done; }
    for (int64_t i = 0; i < L->n; i++) {            /* offsets -> pointers, now the pool is final */
        grs_variant_t *v = &L->v[i];
        v->chrom = L->pool.s + (uintptr_t)v->chrom; v->id = L->pool.s + (uintptr_t)v->id;
        v->ref = L->pool.s + (uintptr_t)v->ref; v->alt = L->pool.s + (uintptr_t)v->alt;
    }
done:
    ks_free(&line);
    ks_free(&key);
    if (hts_close(fp) < 0 && ret == GRS_OK) { grs_log_error("'%s': read error", fn); ret = GRS_EIO; }
    return ret;
}

int grs_score_input_open(const grs_score_input_opts_t *opt, grs_score_input_t **out)
{
    int ret = GRS_ENOMEM;
    absent_list_t absent_list = { NULL, 0, 0, KS_INITIALIZE };
    grs_score_input_t *in = (grs_score_input_t *)calloc(1, sizeof(*in));
    char *fn = NULL;
    if (!in) return GRS_ENOMEM;
    if (opt->geno) {
        if (!(fn = grsm_path(opt->geno))) goto fail;
        if ((ret = open_grsm(in, fn, "grsm", opt->geno)) < 0) goto fail;
        in->fingerprint = grs_file_fingerprint(fn);
    } else if (opt->bfile) {
        bed_impl_t *b = (bed_impl_t *)calloc(1, sizeof(*b));
        if (!b) goto fail;
        in->impl = b;
        in->is_bed = 1;
        if ((ret = grs_bed_open(opt->bfile, &b->bed)) < 0) goto fail;
        in->n_samples = grs_bed_n_samples(b->bed);
        in->n_variants = grs_bed_n_variants(b->bed);
        in->variants = grs_bed_variants(b->bed);
        b->row_words = grs_geno_row_bytes(in->n_samples) / 4;
        in->load = bed_load;
        in->max_load = BED_BLOCK_BYTES / (b->row_words * 4);
        if (in->max_load < 1) in->max_load = 1;
        in->format = "bed";
        in->path = opt->bfile;
        ret = GRS_ENOMEM;
        if (!(in->samples = (grs_sample_t *)malloc(in->n_samples * sizeof(grs_sample_t)))) goto fail;
        memcpy(in->samples, grs_bed_samples(b->bed), in->n_samples * sizeof(grs_sample_t));
        if (!(fn = grs_sprintf("%s.bed", opt->bfile))) goto fail;
        in->fingerprint = grs_file_fingerprint(fn);
    } else if (opt->bgen) {
        if ((ret = open_bgen(in, opt)) < 0) goto fail;
    } else {
        /* VCF/BCF: pack the scoring sites into a temporary .grsm, map it, unlink it */
        grs_vcf_opts_t vo;
        grs_site_t *sites = NULL;
        int64_t n_sites = 0, cap = 0, no_pos = 0;
        for (int i = 0; i < opt->n_sites; i++)
            for (int64_t r = 0; r < opt->sites[i]->n_rows; r++) {
                const grs_score_row_t *row = &opt->sites[i]->rows[r];
                if (!row->chrom || row->pos < 0) { no_pos++; continue; }
                if (n_sites + 2 > cap) {
                    cap = cap ? 2 * cap : 4096;
                    grs_site_t *ns = (grs_site_t *)realloc(sites, cap * sizeof(grs_site_t));
                    if (!ns) { free(sites); goto fail; }
                    sites = ns;
                }
                /* scoring-file chromosomes are normalised ("22"); VCFs may say "chr22" */
                sites[n_sites].chrom = row->chrom;
                sites[n_sites++].pos = row->pos;
                char *chr = grs_sprintf("chr%s", row->chrom);
                if (!chr) { free(sites); goto fail; }
                if (!in->chr_names) in->chr_names = (char **)calloc(1, sizeof(char *));
                char **cn = (char **)realloc(in->chr_names, (in->n_chr_names + 1) * sizeof(char *));
                if (!cn) { free(chr); free(sites); goto fail; }
                in->chr_names = cn;
                in->chr_names[in->n_chr_names++] = chr;
                sites[n_sites].chrom = chr;
                sites[n_sites++].pos = row->pos;
            }
        memset(&vo, 0, sizeof(vo));
        vo.files = opt->vcf;
        vo.n_files = opt->n_vcf;
        vo.dosage = grs_vcf_dosage_parse(opt->dosage_mode ? opt->dosage_mode : "auto");
        if (vo.dosage < 0) {
            grs_log_error("--dosage must be auto, GT, DS, HDS or GP");
            free(sites);
            ret = GRS_EINVAL;
            goto fail;
        }
        vo.threads = opt->threads;
        if (opt->absent_ref) {
            khash_t(posset) *want = kh_init(posset);
            kstring_t k = KS_INITIALIZE;
            int absent;
            ret = want ? GRS_OK : GRS_ENOMEM;
            for (int64_t i = 0; i < n_sites && ret == GRS_OK; i += 2) {   /* even: as written */
                k.l = 0;
                char *dup = NULL, cb[64];
                if (ksprintf(&k, "%s:%" PRId64, grs_chrom_key(sites[i].chrom, cb, sizeof(cb)), sites[i].pos) < 0 || !(dup = strdup(k.s))) {
                    ret = GRS_ENOMEM; break;
                }
                kh_put(posset, want, dup, &absent);
                if (absent <= 0) free(dup);
            }
            ks_free(&k);
            /* no scoring sites (grs ancestry): every listed variant */
            if (ret == GRS_OK) ret = absent_ref_load(opt->absent_ref, n_sites ? want : NULL, &absent_list);
            if (want) {
                for (khint_t h = kh_begin(want); h != kh_end(want); h++)
                    if (kh_exist(want, h)) free((char *)kh_key(want, h));
                kh_destroy(posset, want);
            }
            if (ret < 0) { free(sites); goto fail; }
            grs_log_info("--absent-ref '%s': %" PRId64 " variants at scoring positions (REF/REF where the VCF lacks them)",
                         opt->absent_ref, absent_list.n);
            vo.homref = absent_list.v;
            vo.n_homref = absent_list.n;
        }
        /* a scoring file without positions (PLINK style) needs every record */
        vo.sites = no_pos ? NULL : sites;
        vo.n_sites = no_pos ? 0 : n_sites;
        if (!(fn = grs_sprintf("%s.input.tmp.%ld.grsm", opt->out_prefix, (long)getpid()))) { free(sites); goto fail; }
        grs_cleanup_register(fn);
        grs_log_info("decoding %s VCF records into a temporary matrix", no_pos || !n_sites ? "all" : "the scoring sites'");
        grs_vcf_stats_t vst;
        memset(&vst, 0, sizeof(vst));
        ret = grs_vcf_pack(&vo, fn, &vst);
        free(sites);
        if (ret >= 0 && opt->absent_ref) {
            in->n_absent_ref = vst.n_homref_added;
            grs_log_info("--absent-ref: %" PRId64 " sites absent from the VCF scored as REF/REF", vst.n_homref_added);
        }
        if (ret < 0) { unlink(fn); grs_cleanup_unregister(fn); goto fail; }
        ret = open_grsm(in, fn, "vcf", opt->vcf[0]);
        unlink(fn);                   /* the mapping stays valid; nothing is left behind */
        grs_cleanup_unregister(fn);
        if (ret < 0) goto fail;
        in->fingerprint = grs_file_fingerprint(opt->vcf[0]);
    }
    free(fn);
    free(absent_list.v);
    ks_free(&absent_list.pool);
    *out = in;
    return GRS_OK;
fail:
    free(fn);
    free(absent_list.v);
    ks_free(&absent_list.pool);
    grs_score_input_close(in);
    return ret;
}

void grs_score_input_close(grs_score_input_t *in)
{
    if (!in) return;
    if (in->is_bed) {
        bed_impl_t *b = (bed_impl_t *)in->impl;
        if (b) { grs_bed_close(b->bed); free(b->buf); free(b); }
    } else {
        grs_geno_close((grs_geno_t *)in->impl);
    }
    for (int i = 0; i < in->n_chr_names; i++) free(in->chr_names[i]);
    free(in->chr_names);
    free(in->samples);
    free(in->fingerprint);
    free(in);
}

/* "GRCh37", "hg19", "37", "GRCh37.p13" → 37; "GRCh38", "hg38" → 38; else 0 */
static int build_num(const char *b)
{
    if (!strncasecmp(b, "GRCh", 4)) b += 4;
    else if (!strncasecmp(b, "hg", 2)) {
        int n = atoi(b + 2);
        return n == 19 ? 37 : n == 38 ? 38 : n == 18 ? 36 : 0;
    } else if (!strncasecmp(b, "b", 1) && isdigit((unsigned char)b[1])) b += 1;   /* b37 */
    return atoi(b);
}

int grs_build_same(const char *a, const char *b)
{
    int x = build_num(a), y = build_num(b);
    if (x && y) return x == y;
    return strcasecmp(a, b) == 0;
}
