/* cmd_score.c -- grs score: polygenic scores with plink2 --score semantics and pgsc_calc
 * matching (DESIGN §5).
 *
 * Flow: genotypes (a .grsm, or a PLINK fileset / VCF packed on the fly to a temporary .grsm
 * restricted to the scoring sites) → read every scoring file → match each against the variant
 * table (pgsc_calc rules, host/match.c) → drop scores under --min-overlap → build one weight
 * matrix over the union of (variant, effect allele, model) keys → per-key imputation values from
 * the missing-data policy → backend evaluates Σ W·e exactly (grs/pgs.h) → .sscore in plink2's
 * layout, the match log and a JSON summary. Every output goes to a temporary name first. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/hts.h>
#include <htslib/khash.h>
#include <htslib/kseq.h>
#include <htslib/kstring.h>

#include "cmds.h"
#include "grs/backend.h"
#include "grs/geno.h"
#include "grs/log.h"
#include "grs/pgs.h"
#include "grs/status.h"
#include "json.h"
#include "match.h"
#include "score_input.h"
#include "scorefile.h"
#include "score_output.h"
#include "shard.h"
#include "store.h"
#include "util.h"

KHASH_MAP_INIT_STR(str2i, int64_t)

enum { MISSING_MEAN = 0, MISSING_ZERO = 1, MISSING_HOMREF = 2 };
static const char *const missing_name[] = { "mean", "zero", "homref" };

typedef struct {
    char **geno_in;  int n_geno;   /* --geno PREFIX (one)                          */
    char *bfile;                   /* --bfile PREFIX                               */
    char **vcf; int n_vcf;         /* --vcf F...                                   */
    char *bgen, *bgen_sample;      /* --bgen F [--sample S]                        */
    char *absent_ref;              /* --absent-ref SITES (with --vcf)              */
    char **score; int n_score;     /* --score F (repeatable)                       */
    char *ref_freq;                /* --ref-freq F (.afreq)                        */
    char *out;                     /* --out PREFIX                                 */
    char *build;                   /* --build (target genome build)                */
    int missing;                   /* MISSING_*                                    */
    double min_overlap;
    int backend, threads, full_precision, center, standardize;
    grs_match_opts_t mopt;
    grs_scorefile_opts_t sopt;
    int *col_nums; int n_col_nums;
    grs_shard_spec_t shard;        /* --shard K/N (n == 0: not sharded), --shard-by */
    int skip_existing;             /* --skip-existing                              */
    int64_t memory_mb;             /* --memory MB (0: no bound)                    */
    char *db;                      /* --db F.sqlite: results store                 */
} opts_t;

/* one (variant, effect allele, model) key per distinct use of a target variant */
typedef struct {
    int64_t v;          /* target variant */
    int32_t flip;       /* effect allele is REF */
    int32_t model;
    int32_t file;       /* scoring file */
    int64_t row;        /* row in that file */
} entry_t;

static int cmp_entry(const void *a, const void *b)
{
    const entry_t *x = (const entry_t *)a, *y = (const entry_t *)b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    if (x->flip != y->flip) return x->flip - y->flip;
    if (x->model != y->model) return x->model - y->model;
    if (x->file != y->file) return x->file - y->file;
    return x->row < y->row ? -1 : x->row > y->row;
}

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: grs score (--geno PREFIX | --bfile PREFIX | --vcf F [F...] | --bgen F) --score F [--score F ...] --out PREFIX\n"
"Compute polygenic scores (plink2 --score semantics; pgsc_calc variant matching).\n\n"
"Genotypes:\n"
"  --geno PREFIX          packed matrix PREFIX.grsm (grs pack)\n"
"  --bfile PREFIX         PLINK 1 fileset PREFIX.bed/.bim/.fam\n"
"  --vcf F [F...]         VCF/BCF (one per chromosome is fine; only scoring sites are decoded)\n"
"  --absent-ref SITES     --vcf is one patient's whole-genome call set that omits REF/REF sites:\n"
"                         variants of SITES (.bim, .pvar or sites VCF; the cohort's or panel's\n"
"                         variant list) at scoring positions that the VCF lacks count as REF/REF\n"
"  --dosage MODE          auto|GT|DS|HDS|GP for --vcf [auto]\n"
"  --bgen F               BGEN v1.1/v1.2, first allele = REF (plink2 'ref-first'); expected\n"
"                         dosages; only scoring sites are decoded (F.bgi used when present)\n"
"  --sample S             Oxford .sample file with the --bgen sample IDs [the file's own]\n"
"Scoring files (PGS Catalog v2 or PLINK-style, plain or gzip):\n"
"  --score F              repeatable; each weight column is one score\n"
"  --score-col-nums LIST  PLINK-style: 1-based weight columns, e.g. 3,5-7\n"
"  --score-id-col N       PLINK-style: variant ID column [1]\n"
"  --score-allele-col N   PLINK-style: effect allele column [2]\n"
"  --header-read          PLINK-style: the first line names the scores\n"
"Matching:\n"
"  --match-id             match on variant ID (plink2's behaviour) instead of position + alleles\n"
"  --keep-ambiguous       keep strand-ambiguous (A/T, C/G) variants\n"
"  --no-flip              do not match on the complementary strand\n"
"  --min-overlap X        leave out a score matching fewer than X of its rows [0.75]\n"
"  --build B              genome build of the genotypes (checked against the scoring file)\n"
"Semantics:\n"
"  --missing M            mean (plink2 default) | zero (no-mean-imputation) | homref [mean]\n"
"  --ref-freq F           allele frequencies for mean imputation (plink2 .afreq)\n"
"  --center               centre each variant on its mean (plink2 'center')\n"
"  --standardize          centre and scale to unit variance (plink2 'variance-standardize')\n"
"Output:\n"
"  --out PREFIX           PREFIX.sscore, PREFIX.match.tsv.gz, PREFIX.summary.json\n"
"  --full-precision       17 significant digits instead of 6\n"
"  --db F.sqlite          also add the .sscore and summary to this results store (grs query)\n"
"Sharding (SLURM arrays; combine the shards with grs merge):\n"
"  --shard K/N|auto       compute part K of N (auto: from SLURM_ARRAY_TASK_ID and the array's range);\n"
"                         writes PREFIX.shardK-of-N.{partial.gz,manifest.json} (+ match.tsv.gz for K=1)\n"
"  --shard-by W           variants (ranges of the matched variants) | samples [variants]\n"
"  --skip-existing        do nothing if this shard's complete output for the same run exists\n"
"  --memory MB            bound the memory for genotype blocks and weights; peak RSS is reported\n"
"Other:\n"
"  --backend B            auto|cpu|cuda [auto, or $GRS_BACKEND]\n"
"  --threads N            threads [all cores]\n"
"  -v N, --verbosity N    0 quiet .. 6 trace [3]\n"
"  -h, --help\n");
}

/* "3,5-7" → list of ints */
static int parse_cols(const char *s, int **out, int *n)
{
    int cap = 0, *a = NULL;
    const char *p = s;
    *n = 0;
    while (*p) {
        char *e;
        long x = strtol(p, &e, 10), y = x;
        if (e == p || x < 1) { free(a); return -1; }
        if (*e == '-') {
            p = e + 1;
            y = strtol(p, &e, 10);
            if (e == p || y < x) { free(a); return -1; }
        }
        for (long c = x; c <= y; c++) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                int *b = (int *)realloc(a, cap * sizeof(int));
                if (!b) { free(a); return -1; }
                a = b;
            }
            a[(*n)++] = (int)c;
        }
        if (*e == ',') e++;
        else if (*e) { free(a); return -1; }
        p = e;
    }
    *out = a;
    return *n ? 0 : -1;
}

/* ---- reference frequencies (plink2 .afreq: #CHROM ID REF ALT [PROVISIONAL_REF?] ALT_FREQS OBS_CT) */
typedef struct {
    khash_t(str2i) *h;
    char **ref, **alt;
    double *freq;
    int64_t n;
} afreq_t;

static void afreq_destroy(afreq_t *a)
{
    if (!a) return;
    if (a->h) {
        for (khint_t k = kh_begin(a->h); k != kh_end(a->h); k++)
            if (kh_exist(a->h, k)) free((char *)kh_key(a->h, k));
        kh_destroy(str2i, a->h);
    }
    for (int64_t i = 0; i < a->n; i++) { free(a->ref[i]); free(a->alt[i]); }
    free(a->ref); free(a->alt); free(a->freq);
    free(a);
}

static int afreq_read(const char *fn, afreq_t **out)
{
    int ret = GRS_EFORMAT, c_id = -1, c_ref = -1, c_alt = -1, c_freq = -1, nf;
    htsFile *fp = hts_open(fn, "r");
    kstring_t line = { 0, 0, NULL };
    char *f[64];
    int64_t lineno = 0, cap = 0;
    afreq_t *a = (afreq_t *)calloc(1, sizeof(*a));

    if (!fp) { grs_log_error("cannot open '%s': %s", fn, strerror(errno)); free(a); return GRS_EIO; }
    if (!a || !(a->h = kh_init(str2i))) { ret = GRS_ENOMEM; goto fail; }
    while (hts_getline(fp, KS_SEP_LINE, &line) >= 0) {
        lineno++;
        if (line.l && line.s[line.l - 1] == '\r') line.s[--line.l] = 0;
        if (lineno == 1) {
            if (line.s[0] != '#') { grs_log_error("'%s': line 1: expected a '#CHROM ...' header (plink2 .afreq)", fn); goto fail; }
            nf = grs_split(line.s + 1, "\t", f, 64);
            for (int i = 0; i < nf && i < 64; i++) {
                if (!strcmp(f[i], "ID")) c_id = i;
                else if (!strcmp(f[i], "REF")) c_ref = i;
                else if (!strcmp(f[i], "ALT")) c_alt = i;
                else if (!strcmp(f[i], "ALT_FREQS")) c_freq = i;
            }
            if (c_id < 0 || c_ref < 0 || c_alt < 0 || c_freq < 0) {
                grs_log_error("'%s': header lacks one of ID, REF, ALT, ALT_FREQS", fn);
                goto fail;
            }
            continue;
        }
        nf = grs_split(line.s, "\t", f, 64);
        if (nf <= c_freq || nf <= c_id || nf <= c_ref || nf <= c_alt) {
            grs_log_error("'%s': line %" PRId64 ": %d fields, too few", fn, lineno, nf);
            goto fail;
        }
        double x;
        if (grs_parse_double(f[c_freq], &x) < 0 || !(x >= 0 && x <= 1)) {
            grs_log_error("'%s': line %" PRId64 ": ALT_FREQS '%s' is not a frequency (a multi-allelic "
                          "ALT list is not supported here)", fn, lineno, f[c_freq]);
            goto fail;
        }
        if (a->n == cap) {
            cap = cap ? 2 * cap : 1024;
            char **r2 = (char **)realloc(a->ref, cap * sizeof(char *));
            if (r2) a->ref = r2;
            char **a2 = (char **)realloc(a->alt, cap * sizeof(char *));
            if (a2) a->alt = a2;
            double *f2 = (double *)realloc(a->freq, cap * sizeof(double));
            if (f2) a->freq = f2;
            if (!r2 || !a2 || !f2) { ret = GRS_ENOMEM; goto fail; }
        }
        int absent;
        char *key = strdup(f[c_id]);
        if (!key) { ret = GRS_ENOMEM; goto fail; }
        khint_t k = kh_put(str2i, a->h, key, &absent);
        if (!absent) { free(key); continue; }         /* first occurrence wins */
        kh_val(a->h, k) = a->n;
        a->ref[a->n] = strdup(f[c_ref]);
        a->alt[a->n] = strdup(f[c_alt]);
        a->freq[a->n] = x;
        a->n++;
    }
    if (lineno == 0) { grs_log_error("'%s': empty file", fn); goto fail; }
    hts_close(fp);
    free(line.s);
    *out = a;
    return GRS_OK;
fail:
    hts_close(fp);
    free(line.s);
    afreq_destroy(a);
    return ret;
}

/* ALT frequency of target variant v from the reference, or NaN */
static double afreq_lookup(const afreq_t *a, const grs_variant_t *var)
{
    char buf[512];
    khint_t k = kh_get(str2i, a->h, var->id);
    if (k == kh_end(a->h)) {
        snprintf(buf, sizeof(buf), "%s:%" PRId64 ":%s:%s", var->chrom, var->pos, var->ref, var->alt);
        k = kh_get(str2i, a->h, buf);
        if (k == kh_end(a->h)) return NAN;
    }
    int64_t i = kh_val(a->h, k);
    if (!strcmp(a->ref[i], var->ref) && !strcmp(a->alt[i], var->alt)) return a->freq[i];
    if (!strcmp(a->ref[i], var->alt) && !strcmp(a->alt[i], var->ref)) return 1 - a->freq[i];
    return NAN;
}

/* ---- duplicate rows: the same variant and effect allele twice in one scoring file is an
 * error (plink2 refuses duplicate IDs in a --score file); the rows are named. */
static const grs_scorefile_t *dup_sf;
static int cmp_row_key(const grs_score_row_t *x, const grs_score_row_t *y)
{
    int c;
    if (dup_sf->format == GRS_SF_PLINK) {
        if ((c = strcmp(x->id ? x->id : "", y->id ? y->id : ""))) return c;
    } else {
        if ((c = strcmp(x->chrom ? x->chrom : "", y->chrom ? y->chrom : ""))) return c;
        if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
        if (x->pos < 0 && (c = strcmp(x->id ? x->id : "", y->id ? y->id : ""))) return c;
        if ((c = strcmp(x->other_allele ? x->other_allele : "", y->other_allele ? y->other_allele : ""))) return c;
    }
    return strcmp(x->effect_allele, y->effect_allele);
}

static int cmp_row_idx(const void *a, const void *b)
{
    const grs_score_row_t *x = &dup_sf->rows[*(const int64_t *)a], *y = &dup_sf->rows[*(const int64_t *)b];
    int c = cmp_row_key(x, y);
    return c ? c : (x->line < y->line ? -1 : x->line > y->line);
}

static int check_duplicate_rows(const grs_scorefile_t *sf)
{
    int64_t *idx = (int64_t *)malloc((sf->n_rows + 1) * sizeof(int64_t));
    int ret = GRS_OK;
    if (!idx) return GRS_ENOMEM;
    for (int64_t i = 0; i < sf->n_rows; i++) idx[i] = i;
    dup_sf = sf;      /* qsort has no user pointer in C11; this runs single-threaded */
    qsort(idx, sf->n_rows, sizeof(int64_t), cmp_row_idx);
    for (int64_t i = 1; i < sf->n_rows; i++) {
        const grs_score_row_t *a = &sf->rows[idx[i - 1]], *b = &sf->rows[idx[i]];
        if (a->unsupported || b->unsupported) continue;
        int64_t lo = idx[i - 1], hi = idx[i];    /* sorted: lo has the smaller line */
        if (cmp_row_key(a, b) == 0) {
            grs_log_error("'%s': lines %" PRId64 " and %" PRId64 " score the same variant and effect allele (%s%s%s %s); "
                          "remove one of them", sf->path, sf->rows[lo].line, sf->rows[hi].line,
                          a->chrom ? a->chrom : "", a->chrom ? ":" : "", a->pos >= 0 ? "" : (a->id ? a->id : "?"),
                          a->effect_allele);
            ret = GRS_EFORMAT;
            break;
        }
    }
    free(idx);
    return ret;
}

/* ---- the identity of a run, for shards: everything that changes a result (inputs by
 * content, scoring files by checksum, options), nothing that does not (threads, backend,
 * paths). Computed before the genotypes are read, so that --skip-existing costs nothing. */
static char *fingerprint_or_none(const char *fn)
{
    struct stat sb;
    if (stat(fn, &sb) == 0 && !S_ISREG(sb.st_mode)) return grs_sprintf("stream:%s", fn);  /* a pipe: reading would consume it */
    char *f = grs_file_fingerprint(fn);
    return f ? f : grs_sprintf("absent:%s", fn);
}

static int run_identity(const opts_t *o, const char *dosage_mode, grs_kv_t *kv)
{
    kstring_t ks = { 0, 0, NULL };
    int ret = GRS_ENOMEM;
    char *f = NULL;
    if (o->n_geno) {
        size_t n = strlen(o->geno_in[0]);
        char *fn = n > 5 && !strcmp(o->geno_in[0] + n - 5, ".grsm") ? strdup(o->geno_in[0])
                                                                  : grs_sprintf("%s.grsm", o->geno_in[0]);
        if (!fn) goto fail;
        f = fingerprint_or_none(fn);
        free(fn);
        if (!f || kputs("grsm ", &ks) < 0 || kputs(f, &ks) < 0) goto fail;
    } else if (o->bfile) {
        static const char *const ext[] = { "bed", "bim", "fam" };
        for (int i = 0; i < 3; i++) {
            char *fn = grs_sprintf("%s.%s", o->bfile, ext[i]);
            if (!fn) goto fail;
            free(f);
            f = fingerprint_or_none(fn);
            free(fn);
            if (!f || ksprintf(&ks, "%s%s %s", i ? "; " : "bed ", ext[i], f) < 0) goto fail;
        }
    } else {
        for (int i = 0; i < o->n_vcf; i++) {
            free(f);
            if (!(f = fingerprint_or_none(o->vcf[i])) || ksprintf(&ks, "%s%s", i ? "; " : "vcf ", f) < 0) goto fail;
        }
    }
    if (grs_kv_add(kv, "genotypes", "%s", ks.s) < 0) goto fail;
    ks.l = 0;
    for (int i = 0; i < o->n_score; i++) {
        uint32_t crc;
        int64_t size;
        if (grs_file_crc32(o->score[i], &crc, &size) < 0) {
            grs_log_error("cannot read '%s': %s", o->score[i], strerror(errno));
            ret = GRS_EIO;
            goto fail;
        }
        if (ksprintf(&ks, "%s%d: crc32=%08x bytes=%" PRId64, i ? "; " : "", i + 1, crc, size) < 0) goto fail;
    }
    if (grs_kv_add(kv, "score_files", "%s", ks.s) < 0) goto fail;
    free(f);
    f = o->ref_freq ? fingerprint_or_none(o->ref_freq) : strdup("none");
    if (!f || grs_kv_add(kv, "ref_freq", "%s", f) < 0) goto fail;
    ks.l = 0;
    ksprintf(&ks, "missing=%s min_overlap=%.17g match_id=%d keep_ambiguous=%d no_flip=%d center=%d "
             "standardize=%d build=%s dosage=%s score_id_col=%d score_allele_col=%d header_read=%d "
             "score_col_nums=", missing_name[o->missing], o->min_overlap, o->mopt.by_id,
             o->mopt.keep_ambiguous, o->mopt.no_flip, o->center, o->standardize, o->build ? o->build : "-",
             o->n_vcf ? dosage_mode : "-", o->sopt.id_col, o->sopt.allele_col, o->sopt.header_read);
    for (int i = 0; i < o->n_col_nums; i++) ksprintf(&ks, "%s%d", i ? "," : "", o->col_nums[i]);
    if (grs_kv_add(kv, "options", "%s", ks.s) < 0) goto fail;
    if (grs_kv_add(kv, "output", "full_precision=%d", o->full_precision) < 0) goto fail;
    ret = GRS_OK;
fail:
    if (ret == GRS_ENOMEM) grs_log_error("out of memory");
    free(f);
    free(ks.s);
    return ret;
}

int main_score(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "geno", required_argument, NULL, 1 }, { "bfile", required_argument, NULL, 2 },
        { "vcf", required_argument, NULL, 3 }, { "score", required_argument, NULL, 4 },
        { "out", required_argument, NULL, 'o' }, { "missing", required_argument, NULL, 5 },
        { "ref-freq", required_argument, NULL, 6 }, { "min-overlap", required_argument, NULL, 7 },
        { "backend", required_argument, NULL, 8 }, { "threads", required_argument, NULL, 't' },
        { "full-precision", no_argument, NULL, 9 }, { "center", no_argument, NULL, 10 },
        { "standardize", no_argument, NULL, 11 }, { "match-id", no_argument, NULL, 12 },
        { "keep-ambiguous", no_argument, NULL, 13 }, { "no-flip", no_argument, NULL, 14 },
        { "score-col-nums", required_argument, NULL, 15 }, { "score-id-col", required_argument, NULL, 16 },
        { "score-allele-col", required_argument, NULL, 17 }, { "header-read", no_argument, NULL, 18 },
        { "build", required_argument, NULL, 19 }, { "dosage", required_argument, NULL, 20 },
        { "bgen", required_argument, NULL, 60 }, { "sample", required_argument, NULL, 61 },
        { "absent-ref", required_argument, NULL, 62 },
        { "shard", required_argument, NULL, 40 }, { "shard-by", required_argument, NULL, 41 },
        { "skip-existing", no_argument, NULL, 42 }, { "memory", required_argument, NULL, 43 },
        { "db", required_argument, NULL, 44 },
        { "verbosity", required_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    opts_t o;
    int c, ret = 1, st;
    double t0 = grs_wall_seconds();
    const char *dosage_mode = "auto";
    grs_score_input_t *in = NULL;
    grs_scorefile_t **sf = NULL;
    grs_match_t **mt = NULL;
    int *keep = NULL, *col0 = NULL;
    entry_t *ent = NULL;
    int64_t n_ent = 0, n_keys = 0, K = 0;
    grs_pgs_var_t *vars = NULL;
    double *W = NULL, *offset = NULL, *denom = NULL;
    grs_fix128_t *acc = NULL, *off_fix = NULL;
    int64_t *allele_ct = NULL, *key_of = NULL, *kv = NULL;
    grs_vstat_t *kstat = NULL;
    double *named = NULL;
    afreq_t *af = NULL;
    grs_backend_t *be = NULL;
    grs_out_t *os = NULL, *om = NULL, *oj = NULL;
    char *fn_sscore = NULL, *fn_match = NULL, *fn_json = NULL, **names = NULL;
    int64_t n_missing_calls = 0, n_imputed_freq_target = 0, n_imputed_freq_ref = 0, n_ref_missing = 0;
    int64_t n_zero_var = 0;
    grs_kv_t run = { NULL, NULL, 0, 0 };
    grs_score_table_t tab;
    int shard_written = 0;

    memset(&o, 0, sizeof(o));
    memset(&tab, 0, sizeof(tab));
    o.min_overlap = 0.75;
    o.threads = grs_cmd_default_threads();
    o.mopt.keep_multiallelic = 1;
    o.sopt.id_col = 1;
    o.sopt.allele_col = 2;
    o.backend = GRS_BACKEND_AUTO;
    if (getenv("GRS_BACKEND")) {
        int b = grs_backend_parse(getenv("GRS_BACKEND"));
        if (b >= 0) o.backend = b;
    }
    if (!(o.vcf = (char **)calloc(argc, sizeof(char *))) || !(o.score = (char **)calloc(argc, sizeof(char *)))
        || !(o.geno_in = (char **)calloc(argc, sizeof(char *)))) {
        fprintf(stderr, "[E::score] out of memory\n");
        goto done;
    }
    while ((c = getopt_long(argc, argv, "o:t:v:h", lopts, NULL)) >= 0) {
        switch (c) {
        case 1: o.geno_in[o.n_geno++] = optarg; break;
        case 2: o.bfile = optarg; break;
        case 3:
            o.vcf[o.n_vcf++] = optarg;
            while (optind < argc && argv[optind][0] != '-') o.vcf[o.n_vcf++] = argv[optind++];
            break;
        case 4: o.score[o.n_score++] = optarg; break;
        case 'o': o.out = optarg; break;
        case 5:
            if (!strcmp(optarg, "mean")) o.missing = MISSING_MEAN;
            else if (!strcmp(optarg, "zero")) o.missing = MISSING_ZERO;
            else if (!strcmp(optarg, "homref")) o.missing = MISSING_HOMREF;
            else { fprintf(stderr, "[E::score] --missing must be mean, zero or homref\n"); ret = 2; goto done; }
            break;
        case 6: o.ref_freq = optarg; break;
        case 7:
            if (grs_parse_double(optarg, &o.min_overlap) < 0 || o.min_overlap < 0 || o.min_overlap > 1) {
                fprintf(stderr, "[E::score] --min-overlap must be a number in [0, 1]\n"); ret = 2; goto done;
            }
            break;
        case 8:
            if ((o.backend = grs_backend_parse(optarg)) < 0) {
                fprintf(stderr, "[E::score] --backend must be auto, cpu or cuda\n"); ret = 2; goto done;
            }
            break;
        case 't': o.threads = atoi(optarg); if (o.threads < 1) { fprintf(stderr, "[E::score] --threads must be >= 1\n"); ret = 2; goto done; } break;
        case 9: o.full_precision = 1; break;
        case 10: o.center = 1; break;
        case 11: o.standardize = 1; break;
        case 12: o.mopt.by_id = 1; break;
        case 13: o.mopt.keep_ambiguous = 1; break;
        case 14: o.mopt.no_flip = 1; break;
        case 15:
            if (parse_cols(optarg, &o.col_nums, &o.n_col_nums) < 0) {
                fprintf(stderr, "[E::score] --score-col-nums: expected a list like 3,5-7\n"); ret = 2; goto done;
            }
            o.sopt.weight_cols = o.col_nums;
            o.sopt.n_weight_cols = o.n_col_nums;
            break;
        case 16: o.sopt.id_col = atoi(optarg); break;
        case 17: o.sopt.allele_col = atoi(optarg); break;
        case 18: o.sopt.header_read = 1; break;
        case 19: o.build = optarg; break;
        case 20: dosage_mode = optarg; break;
        case 60: o.bgen = optarg; break;
        case 61: o.bgen_sample = optarg; break;
        case 62: o.absent_ref = optarg; break;
        case 40: {
            char err[256];
            int by = o.shard.by;
            if (grs_shard_parse(optarg, &o.shard, err) < 0) { fprintf(stderr, "[E::score] %s\n", err); ret = 2; goto done; }
            o.shard.by = by;
            break;
        }
        case 41:
            if (!strcmp(optarg, "variants")) o.shard.by = GRS_SHARD_BY_VARIANTS;
            else if (!strcmp(optarg, "samples")) o.shard.by = GRS_SHARD_BY_SAMPLES;
            else { fprintf(stderr, "[E::score] --shard-by must be variants or samples\n"); ret = 2; goto done; }
            break;
        case 42: o.skip_existing = 1; break;
        case 43:
            if (grs_parse_int64(optarg, &o.memory_mb) < 0 || o.memory_mb < 1) {
                fprintf(stderr, "[E::score] --memory must be a whole number of MB (>= 1)\n"); ret = 2; goto done;
            }
            break;
        case 44: o.db = optarg; break;
        case 'v': grs_cmd_set_verbosity(atoi(optarg)); break;
        case 'h': usage(stdout); ret = 0; goto done;
        default: usage(stderr); ret = 2; goto done;
        }
    }
    if (optind < argc) { fprintf(stderr, "[E::score] unexpected argument '%s'\n", argv[optind]); ret = 2; goto done; }
    if ((o.n_geno > 0) + (o.bfile != NULL) + (o.n_vcf > 0) + (o.bgen != NULL) != 1 || o.n_geno > 1) {
        fprintf(stderr, "[E::score] give exactly one of --geno PREFIX, --bfile PREFIX, --vcf F... or --bgen F\n");
        usage(stderr); ret = 2; goto done;
    }
    if (o.absent_ref && !o.n_vcf) {
        fprintf(stderr, "[E::score] --absent-ref applies to --vcf input (a call set that omits REF/REF sites)\n"); ret = 2; goto done;
    }
    if (o.bgen_sample && !o.bgen) {
        fprintf(stderr, "[E::score] --sample gives the sample IDs of a --bgen file\n"); ret = 2; goto done;
    }
    if (!o.n_score || !o.out) {
        fprintf(stderr, "[E::score] --score and --out are required\n");
        usage(stderr); ret = 2; goto done;
    }
    if (o.center && o.standardize) { fprintf(stderr, "[E::score] --center and --standardize exclude each other\n"); ret = 2; goto done; }
    if (o.skip_existing && !o.shard.n) { fprintf(stderr, "[E::score] --skip-existing needs --shard\n"); ret = 2; goto done; }
    if (o.db && o.shard.n) {
        fprintf(stderr, "[E::score] --db stores a complete run: store the merged .sscore with grs store\n"); ret = 2; goto done;
    }
    grs_cmd_log_start(argc, argv);
    if (o.shard.n) {
        if (run_identity(&o, dosage_mode, &run) < 0) goto done;
        if (o.skip_existing && grs_shard_complete(o.out, &o.shard, &run)) {
            fprintf(stderr, "[grs score] shard %d of %d is complete, skipped (--skip-existing)\n", o.shard.k, o.shard.n);
            ret = 0;
            goto done;
        }
    }

    /* ---- scoring files first: --vcf uses their sites to decode only what is needed */
    sf = (grs_scorefile_t **)calloc(o.n_score, sizeof(*sf));
    mt = (grs_match_t **)calloc(o.n_score, sizeof(*mt));
    keep = (int *)calloc(o.n_score, sizeof(int));
    col0 = (int *)calloc(o.n_score + 1, sizeof(int));
    if (!sf || !mt || !keep || !col0) goto oom;
    for (int i = 0; i < o.n_score; i++)
        if (grs_scorefile_read(o.score[i], &o.sopt, &sf[i]) < 0 || check_duplicate_rows(sf[i]) < 0) goto done;

    /* ---- genotypes */
    {
        grs_score_input_opts_t io;
        memset(&io, 0, sizeof(io));
        io.geno = o.n_geno ? o.geno_in[0] : NULL;
        io.bfile = o.bfile;
        io.vcf = (const char *const *)o.vcf;
        io.n_vcf = o.n_vcf;
        io.bgen = o.bgen;
        io.bgen_sample = o.bgen_sample;
        io.absent_ref = o.absent_ref;
        io.dosage_mode = dosage_mode;
        io.threads = o.threads;
        io.out_prefix = o.out;
        io.sites = (const grs_scorefile_t *const *)sf;
        io.n_sites = o.n_score;
        if (grs_score_input_open(&io, &in) < 0) goto done;
    }
    const int64_t n_samples = in->n_samples, n_variants = in->n_variants;
    const grs_variant_t *variants = in->variants;

    /* ---- genome build */
    for (int i = 0; i < o.n_score; i++) {
        const char *sb = sf[i]->hm_build ? sf[i]->hm_build : sf[i]->genome_build;
        const char *tb = o.build ? o.build : in->build;
        if (sb && tb && *sb && *tb && strcmp(sb, "NR") != 0 && !grs_build_same(sb, tb)) {
            grs_log_error("'%s' is on genome build %s but the genotypes are on %s (use a harmonized "
                          "scoring file for %s, or --build if the genotypes' build is mislabelled)",
                          o.score[i], sb, tb, tb);
            goto done;
        }
    }

    /* ---- matching and overlap */
    int n_pass = 0;
    for (int i = 0; i < o.n_score; i++) {
        if (grs_match_run(variants, n_variants, sf[i], &o.mopt, &mt[i]) < 0) goto done;
        double rate = sf[i]->n_rows ? (double)mt[i]->n_matched / sf[i]->n_rows : 0;
        keep[i] = mt[i]->n_matched > 0 && rate >= o.min_overlap;
        n_pass += keep[i];
        if (!keep[i])
            grs_log_warning("'%s': %" PRId64 " of %" PRId64 " rows matched (%.1f%%), below --min-overlap %.2f: "
                            "this score is left out", o.score[i], mt[i]->n_matched, sf[i]->n_rows,
                            100 * rate, o.min_overlap);
        else
            grs_log_info("'%s': %" PRId64 " of %" PRId64 " rows matched (%.1f%%)", o.score[i],
                         mt[i]->n_matched, sf[i]->n_rows, 100 * rate);
    }
    if (!n_pass) {
        kstring_t ks = { 0, 0, NULL };
        for (int i = 0; i < o.n_score; i++)
            ksprintf(&ks, "%s%s: %.1f%%", i ? "; " : "", o.score[i],
                     sf[i]->n_rows ? 100.0 * mt[i]->n_matched / sf[i]->n_rows : 0.0);
        grs_log_error("no score reaches --min-overlap %.2f (matched rows: %s)", o.min_overlap, ks.s ? ks.s : "");
        free(ks.s);
        goto done;
    }
    for (int i = 0; i < o.n_score; i++) col0[i + 1] = col0[i] + (keep[i] ? sf[i]->n_scores : 0);
    K = col0[o.n_score];

    /* ---- keys: distinct (variant, effect allele, model) over every kept score */
    for (int i = 0; i < o.n_score; i++) if (keep[i]) n_ent += mt[i]->n_matched;
    if (!(ent = (entry_t *)malloc((n_ent + 1) * sizeof(entry_t)))) goto oom;
    n_ent = 0;
    for (int i = 0; i < o.n_score; i++) {
        if (!keep[i]) continue;
        for (int64_t r = 0; r < sf[i]->n_rows; r++) {
            const grs_match_row_t *m = &mt[i]->rows[r];
            if (m->status != GRS_MS_MATCHED) continue;
            entry_t *e = &ent[n_ent++];
            e->v = m->variant; e->flip = m->effect_is_ref; e->model = sf[i]->rows[r].model;
            e->file = i; e->row = r;
        }
    }
    qsort(ent, n_ent, sizeof(entry_t), cmp_entry);
    if (!(key_of = (int64_t *)malloc((n_ent + 1) * sizeof(int64_t)))) goto oom;
    for (int64_t i = 0; i < n_ent; i++) {
        if (i == 0 || ent[i].v != ent[i - 1].v || ent[i].flip != ent[i - 1].flip || ent[i].model != ent[i - 1].model)
            n_keys++;
        key_of[i] = n_keys - 1;
    }
    if (!(vars = (grs_pgs_var_t *)calloc(n_keys + 1, sizeof(*vars))) || !(offset = (double *)calloc(K + 1, sizeof(double))))
        goto oom;

    /* ---- this shard's part: keys [kb, ke) (whole exact chunks) or samples [sb, se) */
    int64_t kb = 0, ke = n_keys, sb = 0, se = n_samples;
    if (o.shard.n) {
        uint32_t crc = grs_crc32(0, NULL, 0);
        for (int64_t s = 0; s < n_samples; s++) {
            crc = grs_crc32(crc, in->samples[s].fid, strlen(in->samples[s].fid) + 1);
            crc = grs_crc32(crc, in->samples[s].iid, strlen(in->samples[s].iid) + 1);
        }
        if (grs_kv_add(&run, "samples", "n=%" PRId64 " ids_crc32=%08x matched_keys=%" PRId64 " scores=%" PRId64,
                       n_samples, crc, n_keys, K) < 0) goto oom;
        if (o.shard.by == GRS_SHARD_BY_VARIANTS) grs_shard_key_range(&o.shard, n_keys, &kb, &ke);
        else grs_shard_sample_range(&o.shard, n_samples, &sb, &se);
        grs_log_info("shard %d of %d by %s: variant keys [%" PRId64 ", %" PRId64 ") of %" PRId64 ", samples [%"
                     PRId64 ", %" PRId64 ") of %" PRId64, o.shard.k, o.shard.n, grs_shard_by_name(o.shard.by),
                     kb, ke, n_keys, sb, se, n_samples);
        if (o.n_vcf) grs_log_info("each shard decodes the VCF again: `grs pack` it once to save that time");
    }
    const int64_t ns = se - sb;

    /* ---- compute, one block of keys at a time (a whole number of exact chunks, so blocks do
     * not change the result): load rows and statistics, set the imputation values from the
     * missing-data policy, evaluate on the backend. */
    if (o.ref_freq && afreq_read(o.ref_freq, &af) < 0) goto done;
    if (grs_backend_open(o.backend, &be) < 0) goto done;
    if (!(acc = (grs_fix128_t *)calloc(ns * K + 1, sizeof(grs_fix128_t)))
        || !(off_fix = (grs_fix128_t *)calloc(K + 1, sizeof(grs_fix128_t)))
        || !(allele_ct = (int64_t *)calloc(ns + 1, sizeof(int64_t)))
        || !(named = (double *)calloc(ns + 1, sizeof(double)))
        || !(denom = (double *)calloc(ns + 1, sizeof(double)))
        || !(kv = (int64_t *)malloc((n_keys + 1) * sizeof(int64_t)))
        || !(kstat = (grs_vstat_t *)malloc((n_keys + 1) * sizeof(grs_vstat_t))))
        goto oom;
    for (int64_t i = 0, k = -1; i < n_ent; i++)
        if (key_of[i] != k) { k = key_of[i]; kv[k] = ent[i].v; vars[k].flip = ent[i].flip; vars[k].model = ent[i].model; }
    for (int64_t s = 0; s < ns; s++) denom[s] = 2.0 * (ke - kb);
    {
        int64_t block = n_keys, ei = 0;
        const int64_t row_bytes = grs_geno_row_bytes(n_samples);
        if (in->max_load > 0 && in->max_load < n_keys)
            block = (in->max_load / GRS_PGS_CHUNK > 0 ? in->max_load / GRS_PGS_CHUNK : 1) * GRS_PGS_CHUNK;
        if (o.memory_mb) {
            /* --memory: what stays for the whole run (accumulators, key tables, scoring files,
             * program), then blocks of whole chunks whose weights and genotype rows fit in the rest */
            double fixed = 16.0 * (1 << 20) + (double)ns * K * 16 + ns * 32.0
                         + (double)n_keys * (sizeof(grs_pgs_var_t) + sizeof(grs_vstat_t) + 8)
                         + (double)n_ent * (sizeof(entry_t) + 8);
            for (int i = 0; i < o.n_score; i++) fixed += sf[i]->n_rows * (160.0 + 8.0 * sf[i]->n_scores);
            fixed += n_variants * 100.0;                      /* the variant table */
            double per_key = K * 8.0 + (double)row_bytes, avail = o.memory_mb * 1048576.0 - fixed;
            int64_t fit = avail > 0 ? (int64_t)(avail / per_key / GRS_PGS_CHUNK) * GRS_PGS_CHUNK : 0;
            if (fit < GRS_PGS_CHUNK) {
                grs_log_error("--memory %" PRId64 " MB is too small for %" PRId64 " samples x %" PRId64 " scores: at least "
                              "%.0f MB are needed (give more, or split the samples with --shard-by samples)",
                              o.memory_mb, ns, K, (fixed + per_key * GRS_PGS_CHUNK) / 1048576.0 + 1);
                goto done;
            }
            if (fit < block) block = fit;
            grs_log_info("--memory %" PRId64 " MB: variant blocks of %" PRId64 " keys", o.memory_mb, block);
        }
        if (!(W = (double *)malloc(((ke - kb < block ? ke - kb : block) * K + 1) * sizeof(double)))) goto oom;
        for (int64_t k0 = kb; k0 < ke; k0 += block) {
            int64_t nk = k0 + block < ke ? block : ke - k0;
            /* this block's weights: the matched rows of its keys, added in entry order */
            memset(W, 0, nk * K * sizeof(double));
            for (; ei < n_ent && key_of[ei] < k0 + nk; ei++) {
                if (key_of[ei] < k0) continue;
                const grs_scorefile_t *s = sf[ent[ei].file];
                double *w = W + (key_of[ei] - k0) * K + col0[ent[ei].file];
                for (int j = 0; j < s->n_scores; j++) w[j] += s->weights[ent[ei].row * s->n_scores + j];
            }
            if ((st = in->load(in, kv + k0, nk, vars + k0, kstat + k0)) < 0) goto done;
            if (sb)   /* sample shard: rows start at sample sb (a whole number of 64-byte units) */
                for (int64_t k = k0; k < k0 + nk; k++) {
                    vars[k].codes += sb / GRS_GENO_PER_WORD;
                    if (vars[k].dosage) vars[k].dosage += sb;
                    if (vars[k].haploid) vars[k].haploid += sb / 8;
                }
            for (int64_t k = k0; k < k0 + nk; k++) {
                const grs_vstat_t *vs = &kstat[k];
                grs_pgs_var_t *var = &vars[k];
                n_missing_calls += vs->n_missing;
                if (o.missing == MISSING_MEAN && !af && n_samples < 50 && vs->n_missing) {
                    grs_log_error("mean imputation of missing calls (first at %s:%" PRId64 ") needs allele "
                                  "frequencies, and %" PRId64 " samples (< 50) are too few to estimate them: "
                                  "give --ref-freq F (plink2 .afreq) or use --missing zero",
                                  variants[kv[k]].chrom, variants[kv[k]].pos, n_samples);
                    goto done;
                }
                double fa = NAN;
                if (af) {
                    fa = afreq_lookup(af, &variants[kv[k]]);
                    if (isnan(fa)) n_ref_missing++; else n_imputed_freq_ref++;
                }
                if (isnan(fa)) { fa = vs->alt_freq; n_imputed_freq_target++; }
                if (isnan(fa)) fa = 0;     /* every call missing: nothing to estimate from */
                double f = var->flip ? 1 - fa : fa;          /* effect-allele frequency */
                for (int ploidy = 1; ploidy <= 2; ploidy++) {
                    double imp;
                    if (o.missing == MISSING_ZERO) imp = 0;
                    else if (o.missing == MISSING_HOMREF) imp = grs_pgs_effect(0, ploidy, var->flip, var->model);
                    else if (var->model == GRS_MODEL_DOMINANT) imp = ploidy == 2 ? 1 - (1 - f) * (1 - f) : f;
                    else if (var->model == GRS_MODEL_RECESSIVE) imp = ploidy == 2 ? f * f : 0;
                    else imp = ploidy * f;
                    var->impute[ploidy - 1] = imp;
                }
                if (o.center || o.standardize) {
                    /* plink2 'center' / 'variance-standardize': e' = (e - 2f) / sd; a missing call
                     * contributes 0 (imputed at the mean); the constant goes to `offset`. */
                    double sd = o.standardize ? sqrt(2 * f * (1 - f)) : 1.0;
                    double *w = W + (k - k0) * K;
                    if (!(sd > 0)) {
                        n_zero_var++;
                        for (int64_t j = 0; j < K; j++) w[j] = 0;
                    }
                    for (int64_t j = 0; j < K; j++) {
                        w[j] /= sd > 0 ? sd : 1;
                        offset[j] -= w[j] * 2 * f;
                    }
                    var->impute[1] = 2 * f;
                    var->impute[0] = f;
                }
                /* DENOM counts one allele for a haploid sample */
                if (var->haploid)
                    for (int64_t s = 0; s < ns; s++) denom[s] -= grs_geno_is_haploid(var->haploid, s);
                /* the centring constants are summed exactly per chunk, like the scores, so that
                 * variant shards add up to the same bits */
                if ((o.center || o.standardize) && ((k + 1) % GRS_PGS_CHUNK == 0 || k + 1 == ke))
                    for (int64_t j = 0; j < K; j++) {
                        grs_score_fix_add_double(&off_fix[j], offset[j]);
                        offset[j] = 0;
                    }
            }
            grs_pgs_problem_t p = { ns, nk, K, vars + k0, W, o.threads };
            grs_pgs_result_t r = { acc, allele_ct, named };
            if ((st = grs_backend_pgs(be, &p, &r)) < 0) goto done;
            if (o.memory_mb && !in->is_bed) {
                /* mapped .grsm rows count in the resident set once read: hand them back */
                long page = sysconf(_SC_PAGESIZE);
                for (int64_t k = k0; k < k0 + nk; k++) {
                    uintptr_t a = (uintptr_t)(vars[k].codes - sb / GRS_GENO_PER_WORD);
                    uintptr_t b = (a + (uintptr_t)row_bytes + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1);
                    a &= ~(uintptr_t)(page - 1);
                    madvise((void *)a, b - a, MADV_DONTNEED);
                }
            }
            if (grs_interrupted()) goto done;
            grs_progress("scoring variants", k0 + nk, n_keys);
        }
        grs_progress_end();
    }
    if (n_zero_var) grs_log_warning("%" PRId64 " monomorphic variants have zero variance and were given weight 0 (--standardize)", n_zero_var);
    if (o.missing != MISSING_MEAN)
        grs_log_info("missing calls: %s (%" PRId64 " missing calls at scored variants)", missing_name[o.missing], n_missing_calls);
    /* DENOM: plink2's is the allele count over all scored variants with mean imputation, and
     * the observed allele count with no-mean-imputation. */
    if (o.missing == MISSING_ZERO)
        for (int64_t s = 0; s < ns; s++) denom[s] = (double)allele_ct[s];

    /* ---- outputs: a single run writes PREFIX.sscore, .match.tsv.gz and .summary.json, all
     * committed together at the end; a shard writes its partial and (shard 1) match log first
     * and its manifest last, so that a manifest always describes complete files. */
    if (o.shard.n) {
        fn_sscore = grs_shard_path(o.out, &o.shard, "partial.gz");
        fn_match = o.shard.k == 1 ? grs_shard_path(o.out, &o.shard, "match.tsv.gz") : strdup("");
        fn_json = grs_shard_path(o.out, &o.shard, "manifest.json");
    } else {
        fn_sscore = grs_sprintf("%s.sscore", o.out);
        fn_match = grs_sprintf("%s.match.tsv.gz", o.out);
        fn_json = grs_sprintf("%s.summary.json", o.out);
    }
    if (!fn_sscore || !fn_match || !fn_json) goto oom;
    if (!(names = (char **)calloc(K + 1, sizeof(char *)))) goto oom;
    for (int i = 0, j = 0; i < o.n_score; i++) {
        if (!keep[i]) continue;
        for (int q = 0; q < sf[i]->n_scores; q++, j++) {
            int dup = 0;   /* the same name from two files: SCORE, SCORE_2, ... */
            for (int x = 0; x < j; x++) dup += !strcmp(names[x], sf[i]->score_names[q]);
            names[j] = dup ? grs_sprintf("%s_%d", sf[i]->score_names[q], dup + 1) : strdup(sf[i]->score_names[q]);
            if (!names[j]) goto oom;
        }
    }
    memset(&tab, 0, sizeof(tab));
    tab.n_samples = ns;
    tab.n_scores = K;
    tab.names = names;
    tab.allele_ct = allele_ct;
    tab.denom = denom;
    tab.named = named;
    tab.acc = acc;
    tab.offset = off_fix;
    if (!(tab.fid = (char **)malloc((ns + 1) * sizeof(char *))) || !(tab.iid = (char **)malloc((ns + 1) * sizeof(char *))))
        goto oom;
    for (int64_t s = 0; s < ns; s++) {
        tab.fid[s] = (char *)in->samples[sb + s].fid;
        tab.iid[s] = (char *)in->samples[sb + s].iid;
    }
    if (o.shard.n) {
        unlink(fn_json);                  /* an older manifest must not describe the new files */
        if (grs_partial_write(fn_sscore, &tab) < 0) goto done;
        shard_written = 1;
    } else if (!(os = grs_sscore_write(fn_sscore, &tab, o.full_precision))) goto done;
    if (*fn_match) {
        if (!(om = grs_out_open(fn_match, 1))) goto done;
        for (int i = 0; i < o.n_score; i++)
            if (grs_match_write_tsv(om, sf[i], mt[i], variants, i == 0) < 0) goto done;
        if (o.shard.n) {
            st = grs_out_close(om, 1); om = NULL;
            if (st < 0) goto done;
        }
    }

    if (!(oj = grs_out_open(fn_json, 0))) goto done;
    {
        grs_json_t j;
        char when[32], *cl = grs_cmdline(argc, argv), *full = grs_sprintf("grs %s", cl ? cl : "");
        grs_iso_time(when, sizeof(when));
        grs_json_begin(&j, oj);
        if (o.shard.n) {
            /* the manifest: what merge checks, then this shard's summary as a single run's */
            const char *files[2] = { fn_sscore, fn_match }, *what[2] = { "partial", "match_log" };
            grs_json_str(&j, "format", "grs-shard-manifest");
            grs_json_int(&j, "format_version", GRS_SHARD_FORMAT_VERSION);
            grs_json_str(&j, "tool_version", GRS_VERSION " (" GRS_GIT ")");
            grs_json_obj(&j, "shard");
            grs_json_int(&j, "k", o.shard.k);
            grs_json_int(&j, "n", o.shard.n);
            grs_json_str(&j, "by", grs_shard_by_name(o.shard.by));
            grs_json_int(&j, "key_begin", kb);
            grs_json_int(&j, "key_end", ke);
            grs_json_int(&j, "sample_begin", sb);
            grs_json_int(&j, "sample_end", se);
            grs_json_close(&j, '}');
            grs_kv_json(&j, "run", &run);
            for (int f = 0; f < 2; f++) {
                uint32_t crc;
                int64_t size;
                char hex[16];
                const char *base = strrchr(files[f], '/');
                if (!*files[f]) continue;
                if (grs_file_crc32(files[f], &crc, &size) < 0) {
                    grs_log_error("cannot read back '%s': %s", files[f], strerror(errno));
                    free(cl); free(full);
                    goto done;
                }
                snprintf(hex, sizeof(hex), "%08x", crc);
                grs_json_obj(&j, what[f]);
                grs_json_str(&j, "file", base ? base + 1 : files[f]);
                grs_json_int(&j, "bytes", size);
                grs_json_str(&j, "crc32", hex);
                grs_json_close(&j, '}');
            }
            grs_json_arr(&j, "score_names");
            for (int64_t k = 0; k < K; k++) grs_json_str(&j, NULL, names[k]);
            grs_json_close(&j, ']');
            grs_json_int(&j, "zero_variance_variants", n_zero_var);
            grs_json_obj(&j, "summary");
        }
        grs_json_str(&j, "tool", "grs " GRS_VERSION " (" GRS_GIT ")");
        grs_json_str(&j, "command", full);
        free(cl);
        free(full);
        grs_json_str(&j, "created", when);
        grs_json_str(&j, "backend", grs_backend_name(be));
        grs_json_str(&j, "device", grs_backend_device(be));
        grs_json_int(&j, "threads", o.threads);
        grs_json_obj(&j, "genotypes");
        grs_json_str(&j, "path", in->path);
        grs_json_str(&j, "format", in->format);
        grs_json_str(&j, "fingerprint", in->fingerprint);
        grs_json_str(&j, "build", o.build ? o.build : in->build);
        grs_json_int(&j, "samples", n_samples);
        grs_json_int(&j, "variants", n_variants);
        grs_json_close(&j, '}');
        grs_json_obj(&j, "options");
        grs_json_str(&j, "missing", missing_name[o.missing]);
        grs_json_str(&j, "ref_freq", o.ref_freq);
        grs_json_num(&j, "min_overlap", o.min_overlap);
        grs_json_bool(&j, "match_id", o.mopt.by_id);
        grs_json_bool(&j, "keep_ambiguous", o.mopt.keep_ambiguous);
        grs_json_bool(&j, "no_flip", o.mopt.no_flip);
        grs_json_bool(&j, "center", o.center);
        grs_json_bool(&j, "standardize", o.standardize);
        grs_json_close(&j, '}');
        grs_json_obj(&j, "imputation");
        grs_json_str(&j, "policy", missing_name[o.missing]);
        grs_json_int(&j, "missing_calls_at_scored_variants", n_missing_calls);
        grs_json_int(&j, "frequencies_from_target", n_imputed_freq_target);
        grs_json_int(&j, "frequencies_from_ref_freq", n_imputed_freq_ref);
        grs_json_int(&j, "variants_absent_from_ref_freq", n_ref_missing);
        grs_json_close(&j, '}');
        grs_json_int(&j, "scored_variant_keys", n_keys);
        grs_json_arr(&j, "score_files");
        for (int i = 0; i < o.n_score; i++) {
            char *fp = grs_file_fingerprint(o.score[i]);
            grs_json_obj(&j, NULL);
            grs_json_str(&j, "path", o.score[i]);
            grs_json_str(&j, "fingerprint", fp);
            free(fp);
            grs_json_str(&j, "format", sf[i]->format == GRS_SF_PGS_CATALOG ? "pgs_catalog" : "plink");
            grs_json_str(&j, "pgs_id", sf[i]->pgs_id);
            grs_json_str(&j, "pgs_name", sf[i]->pgs_name);
            grs_json_str(&j, "trait_reported", sf[i]->trait_reported);
            grs_json_str(&j, "genome_build", sf[i]->genome_build);
            grs_json_str(&j, "weight_type", sf[i]->weight_type);
            grs_json_bool(&j, "harmonized", sf[i]->harmonized);
            grs_json_arr(&j, "scores");
            for (int q = 0; q < sf[i]->n_scores; q++) grs_json_str(&j, NULL, sf[i]->score_names[q]);
            grs_json_close(&j, ']');
            grs_json_int(&j, "rows", sf[i]->n_rows);
            grs_json_int(&j, "matched", mt[i]->n_matched);
            grs_json_int(&j, "excluded", mt[i]->n_excluded);
            grs_json_int(&j, "unmatched", mt[i]->n_unmatched);
            grs_json_num(&j, "match_rate", sf[i]->n_rows ? (double)mt[i]->n_matched / sf[i]->n_rows : 0);
            grs_json_obj(&j, "excluded_by_reason");
            for (int r = GRS_MR_NONE + 1; r < GRS_MR_COUNT; r++)
                if (mt[i]->n_by_reason[r]) grs_json_int(&j, grs_match_reason_str(r), mt[i]->n_by_reason[r]);
            grs_json_close(&j, '}');
            grs_json_bool(&j, "passed_min_overlap", keep[i]);
            grs_json_close(&j, '}');
        }
        grs_json_close(&j, ']');
        grs_json_num(&j, "seconds", grs_wall_seconds() - t0);
        grs_json_num(&j, "peak_rss_mb", grs_peak_rss_mb());
        if (o.shard.n) grs_json_close(&j, '}');
        grs_json_end(&j);
    }
    /* commit all three only when all are complete, the one that marks completion last: the
     * manifest of a shard, the .sscore of a single run (a run stopped between two renames must
     * not leave a .sscore that looks finished beside a missing summary) */
    {
        grs_out_t *order[3] = { om, oj, os };
        const char *names3[3] = { fn_match, fn_json, fn_sscore };
        if (o.shard.n) {
            order[0] = os; order[1] = om; order[2] = oj;
            names3[0] = fn_sscore; names3[1] = fn_match; names3[2] = fn_json;
        }
        int wrote[3];
        os = om = oj = NULL;
        for (int i = 0; i < 3; i++) wrote[i] = order[i] != NULL;
        for (int i = 0; i < 3; i++) {
            st = grs_out_close(order[i], 1);
            order[i] = NULL;
            if (st < 0) {
                for (int k = i + 1; k < 3; k++) grs_out_close(order[k], 0);
                for (int k = 0; k < i; k++) if (wrote[k] && names3[k]) unlink(names3[k]);
                goto done;
            }
        }
    }
    if (o.db) {
        /* the committed outputs go to the store as one run; the files stay if this fails */
        char *cl = grs_cmdline(argc, argv), *full = grs_sprintf("grs %s", cl ? cl : "");
        grs_store_inputs_t si = { .sscore = fn_sscore, .summary_json = fn_json, .command = full, .kind = "score" };
        st = grs_store_ingest(o.db, &si);
        free(cl); free(full);
        if (st < 0) goto done;
    }
    fprintf(stderr, "[grs score] %" PRId64 " samples, %d/%d scores (%" PRId64 " columns), %" PRId64
            " variant keys, backend %s: %s\n", n_samples, n_pass, o.n_score, K, n_keys, grs_backend_name(be),
            o.shard.n ? fn_json : fn_sscore);
    grs_cmd_log_end("score", t0);
    ret = 0;
    goto done;
oom:
    grs_log_error("out of memory");
done:
    grs_out_close(os, 0);
    grs_out_close(om, 0);
    grs_out_close(oj, 0);
    if (ret != 0 && shard_written) {      /* a failed shard leaves nothing that looks finished */
        unlink(fn_sscore);
        if (fn_match && *fn_match) unlink(fn_match);
    }
    free(tab.fid); free(tab.iid);
    if (names) for (int64_t k = 0; k < K; k++) free(names[k]);
    free(names);
    free(fn_sscore); free(fn_match); free(fn_json);
    grs_backend_close(be);
    afreq_destroy(af);
    free(acc); free(off_fix); free(allele_ct); free(named); free(denom);
    free(vars); free(W); free(offset); free(key_of); free(ent); free(kv); free(kstat);
    if (sf) for (int i = 0; i < o.n_score; i++) grs_scorefile_destroy(sf[i]);
    if (mt) for (int i = 0; i < o.n_score; i++) grs_match_destroy(mt[i]);
    free(sf); free(mt); free(keep); free(col0);
    grs_score_input_close(in);
    grs_kv_free(&run);
    free(o.vcf); free(o.score); free(o.geno_in); free(o.col_nums);
    return ret;
}
