/* cmd_ancestry.c -- grs ancestry: reference-panel PCA (QC, LD pruning, randomized SVD),
 * projection of target samples with shrinkage correction, and the most-similar population by
 * pgsc_calc's Mahalanobis method. Also projects targets from a saved PREFIX.pcamodel.
 *
 * Flow (panel mode): open the panel (score_input.h: .grsm, .bed or VCF/BCF packed to a
 * temporary .grsm) → labels (table.h) → per-variant QC in input order (autosomal biallelic SNP,
 * not strand-ambiguous, missingness, MAF, long-range LD regions) → the candidates' packed rows
 * are copied (2 bits per genotype; the panel is never expanded to doubles) → greedy LD pruning
 * in (chromosome, position) order → randomized SVD (pca.c) → panel scores by projection →
 * shrinkage factors → population means/covariances → targets matched by CHR:POS:alleles and
 * projected with the same code as `--model` mode → outputs, each to a temporary name.
 *
 * Outputs: PREFIX.ancestry.tsv (the shared format of issue 9), PREFIX.eigenval (GRM eigenvalues
 * s²/M, one per line), PREFIX.eigenvec.var (loadings V), PREFIX.pcamodel (pca.c), PREFIX.qc.tsv
 * (the kept variants). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cblas.h>
#include <htslib/khash.h>

#include "cmds.h"
#include "grs/log.h"
#include "grs/status.h"
#include "pca.h"
#include "score_input.h"
#include "scorefile.h"
#include "table.h"
#include "util.h"

KHASH_MAP_INIT_STR(anc_s2i, int64_t)

static void usage(FILE *fp)
{
    fprintf(fp,
"\nUsage: grs ancestry (--ref-geno P | --ref-bfile P | --ref-vcf F) --labels L.tsv\n"
"                    [(--target-geno P | --target-bfile P | --target-vcf F)] --out PREFIX [options]\n"
"       grs ancestry --model PREFIX.pcamodel (--target-geno|--target-bfile|--target-vcf) --out PREFIX2\n"
"\n"
"Reference-panel PCA (plink2 --pca standardization, randomized SVD), projection of targets with\n"
"shrinkage correction (Lee, Zou & Wright 2010), most-similar population (pgsc_calc Mahalanobis).\n"
"\n"
"Panel and labels:\n"
"  --labels F          TSV with IID and a population column, or 2 columns IID POP\n"
"  --label-col COL     population column [SuperPop, else population, else the first non-ID column]\n"
"  --build 37|38       genome build for the long-range LD table [from the panel, else 38]\n"
"QC:\n"
"  --maf X [0.05]  --max-missing X [0.1]  --ld-r2 R2 [0.2]  --ld-window-kb KB [1000]\n"
"  --no-ld-prune       skip LD pruning      --no-long-range-ld   keep long-range LD regions\n"
"PCA and assignment:\n"
"  --pcs K [10]  --n-assign A [4]  --p-threshold P [1e-10]\n"
"  --oversample L [10]  --power-iters Q [7]  --seed S [1]\n"
"  --no-shrinkage      write projected target scores without the shrinkage correction\n"
"  --target-absent-ref SITES  --target-vcf is a whole-genome call set without its REF/REF sites:\n"
"                      variants of SITES (sites VCF, .pvar or .bim) it lacks are REF/REF\n"
"Other:\n"
"  --threads T         worker threads (the output does not depend on it)\n"
"  -v N                verbosity 0..6 [3]     -h, --help\n"
"\n"
"Outputs: PREFIX.ancestry.tsv, .eigenval, .eigenvec.var, .pcamodel, .qc.tsv (panel mode);\n"
"PREFIX2.ancestry.tsv (target rows only) with --model.\n");
}

typedef struct {
    const char *ref_geno, *ref_bfile, *ref_vcf, *labels, *label_col;
    const char *tgt_geno, *tgt_bfile, *tgt_vcf, *tgt_absent_ref, *model, *out;
    int k, n_assign, oversample, power_iters, threads, ld_prune, lr_ld, shrink, build;
    double maf, max_missing, ld_r2, ld_window_kb, p_threshold;
    uint64_t seed;
} anc_opts_t;

/* ---- helpers ------------------------------------------------------------------------------ */
static int is_base(const char *a) { return a[0] && !a[1] && strchr("ACGT", a[0]); }
static int ambiguous(const char *r, const char *a)
{
    char x = r[0], y = a[0];
    return (x == 'A' && y == 'T') || (x == 'T' && y == 'A') || (x == 'C' && y == 'G') || (x == 'G' && y == 'C');
}
static int chrom_num(const char *c) { char *e; long v = strtol(c, &e, 10); return *e || v < 1 || v > 22 ? 0 : (int)v; }

static void code_counts(const uint32_t *row, int64_t n, int64_t cnt[4])
{
    const uint8_t *b = (const uint8_t *)row;
    cnt[0] = cnt[1] = cnt[2] = cnt[3] = 0;
    for (int64_t s = 0; s < n; s++) cnt[(b[s >> 2] >> (2 * (s & 3))) & 3]++;
}

static void make_lut(double freq, double scale, int swapped, double *lut)
{
    for (int c = 0; c < 3; c++) {
        double g = swapped ? 2 - c : c;
        lut[c] = (g - 2 * freq) * scale;
    }
    lut[3] = 0;   /* missing: 0 after centring (the panel mean) */
}

static int open_input(const char *geno, const char *bfile, const char *vcf, const char *absent_ref,
                      const char *out, int threads, grs_score_input_t **in)
{
    grs_score_input_opts_t so;
    const char *vcfs[1] = { vcf };
    memset(&so, 0, sizeof(so));
    so.geno = geno;
    so.bfile = bfile;
    so.vcf = vcf ? vcfs : NULL;
    so.n_vcf = vcf ? 1 : 0;
    so.threads = threads;
    so.out_prefix = out;
    so.absent_ref = absent_ref;
    return grs_score_input_open(&so, in);
}

/* Imputed inputs: a call with a fractional dosage has code 3 (missing) in the 2-bit row and
 * its value in the dosage plane. The PCA works on hard calls, so such a call becomes its best
 * guess, the nearest integer dosage (a missing dosage stays missing). Rows with a dosage plane
 * are rewritten into hard_buf (valid until the next load); others are left as they are. */
static uint32_t *hard_buf;
static size_t hard_cap;

static int harden_dosages(grs_pgs_var_t *vars, int64_t nv, int64_t n_samples)
{
    size_t rw = (size_t)grs_geno_row_bytes(n_samples) / 4, need = 0;
    for (int64_t i = 0; i < nv; i++) need += vars[i].dosage ? rw : 0;
    if (!need) return GRS_OK;
    if (need > hard_cap) {
        uint32_t *nb = (uint32_t *)realloc(hard_buf, need * 4);
        if (!nb) return GRS_ENOMEM;
        hard_buf = nb;
        hard_cap = need;
    }
    uint32_t *w = hard_buf;
    for (int64_t i = 0; i < nv; i++) {
        if (!vars[i].dosage) continue;
        memcpy(w, vars[i].codes, rw * 4);
        for (int64_t s = 0; s < n_samples; s++) {
            uint32_t sh = (uint32_t)(2 * (s % GRS_GENO_PER_WORD));
            if (((w[s / GRS_GENO_PER_WORD] >> sh) & 3u) != GRS_GENO_MISSING) continue;
            uint16_t d = vars[i].dosage[s];
            if (d == GRS_DOSAGE_MISSING) continue;
            uint32_t g = (uint32_t)((d + GRS_DOSAGE_ONE / 2) / GRS_DOSAGE_ONE);   /* nearest, ties up */
            if (g > 2) g = 2;
            w[s / GRS_GENO_PER_WORD] = (w[s / GRS_GENO_PER_WORD] & ~(3u << sh)) | (g << sh);
        }
        vars[i].codes = w;
        w += rw;
    }
    return GRS_OK;
}

/* load variants [v0, v0+n) of an input: packed rows (hard calls) into vars */
static int load_range(grs_score_input_t *in, int64_t v0, int64_t n, int64_t *idx,
                      grs_pgs_var_t *vars, grs_vstat_t *st)
{
    for (int64_t i = 0; i < n; i++) idx[i] = v0 + i;
    int ret = in->load(in, idx, n, vars, st);
    return ret < 0 ? ret : harden_dosages(vars, n, in->n_samples);
}

/* ---- labels ------------------------------------------------------------------------------- */
typedef struct {
    int n_pops;
    char **pops;      /* sorted by byte order */
    int *pop_of;      /* per panel sample */
} labels_t;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int read_labels(const char *fn, const char *col, const grs_sample_t *samples, int64_t n,
                       labels_t *L)
{
    grs_sampletab_t *t = NULL;
    khash_t(anc_s2i) *h = kh_init(anc_s2i);
    int ret, pc = -1, ic;
    int64_t n_missing = 0;
    kstring_t miss = { 0, 0, NULL };
    if (!h) return GRS_ENOMEM;
    if ((ret = grs_sampletab_read(fn, "POP", &t)) < 0) { kh_destroy(anc_s2i, h); return ret; }
    ret = GRS_EFORMAT;
    ic = t->iid_col;
    if (!t->has_header) {           /* IID POP, or FID IID POP */
        if (t->n_cols == 2) { ic = 0; pc = 1; }
        else pc = 2;
    } else if (col) {
        if ((pc = grs_sampletab_col(t, col)) < 0) {
            grs_log_error("'%s': no column '%s' (--label-col)", fn, col);
            goto done;
        }
    } else {
        if ((pc = grs_sampletab_col(t, "SuperPop")) < 0 && (pc = grs_sampletab_col(t, "population")) < 0)
            for (int c = 0; c < t->n_cols; c++)
                if (c != t->fid_col && c != t->iid_col) { pc = c; break; }
        if (pc < 0) {
            grs_log_error("'%s': no population labels (a column besides FID/IID is needed; --label-col names it)", fn);
            goto done;
        }
    }
    for (int64_t r = 0; r < t->n_rows; r++) {
        int absent;
        khint_t k = kh_put(anc_s2i, h, grs_sampletab_cell(t, r, ic), &absent);
        if (absent < 0) { ret = GRS_ENOMEM; goto done; }
        kh_val(h, k) = r;
    }
    if (!(L->pop_of = (int *)malloc((size_t)n * sizeof(int))) || !(L->pops = (char **)malloc((size_t)n * sizeof(char *)))) {
        ret = GRS_ENOMEM;
        goto done;
    }
    const char **lab = (const char **)malloc((size_t)n * sizeof(char *));
    if (!lab) { ret = GRS_ENOMEM; goto done; }
    for (int64_t s = 0; s < n; s++) {
        khint_t k = kh_get(anc_s2i, h, samples[s].iid);
        lab[s] = k == kh_end(h) ? NULL : grs_sampletab_cell(t, kh_val(h, k), pc);
        if (lab[s] && grs_sampletab_is_missing(lab[s])) lab[s] = NULL;
        if (!lab[s]) {
            if (n_missing < 5) ksprintf(&miss, "%s%s", n_missing ? ", " : "", samples[s].iid);
            n_missing++;
        }
    }
    if (n_missing == n) {
        grs_log_error("'%s': no panel sample has a population label (column '%s'); the panel needs labels", fn, t->names[pc]);
        free(lab);
        goto done;
    }
    if (n_missing) {
        grs_log_error("'%s': %" PRId64 " panel samples have no population label (first: %s)", fn, n_missing, miss.s);
        free(lab);
        goto done;
    }
    /* distinct labels, sorted by byte order */
    L->n_pops = 0;
    for (int64_t s = 0; s < n; s++) {
        int seen = 0;
        for (int p = 0; p < L->n_pops && !seen; p++) seen = !strcmp(L->pops[p], lab[s]);
        if (!seen) {
            if (L->n_pops >= 1000) { grs_log_error("'%s': more than 1000 populations", fn); free(lab); goto done; }
            if (!(L->pops[L->n_pops++] = strdup(lab[s]))) { free(lab); ret = GRS_ENOMEM; goto done; }
        }
    }
    qsort(L->pops, (size_t)L->n_pops, sizeof(char *), cmp_str);
    for (int64_t s = 0; s < n; s++)
        for (int p = 0; p < L->n_pops; p++)
            if (!strcmp(L->pops[p], lab[s])) { L->pop_of[s] = p; break; }
    free(lab);
    grs_log_info("'%s': %d populations over %" PRId64 " panel samples (column '%s')", fn, L->n_pops, n, t->names[pc]);
    ret = GRS_OK;
done:
    free(miss.s);
    kh_destroy(anc_s2i, h);
    grs_sampletab_destroy(t);
    return ret;
}

/* ---- target alignment: a packed matrix whose rows are the model's variants ------------------ */
typedef struct {
    grs_pca_mat_t X;
    uint32_t *rows;
    double *lut;
    int64_t n_matched, n_swapped;
} aligned_t;

static void aligned_free(aligned_t *a) { free(a->rows); free(a->lut); }

static int align_target(const grs_pca_model_t *m, grs_score_input_t *in, aligned_t *A)
{
    const int64_t n = in->n_samples, M = m->n_vars;
    const int64_t rw = grs_geno_row_bytes(n) / 4;
    khash_t(anc_s2i) *h = kh_init(anc_s2i);
    int64_t *src = NULL, *idx = NULL;
    int *swp = NULL;
    grs_pgs_var_t *vars = NULL;
    grs_vstat_t *st = NULL;
    char **keys = NULL;
    int ret = GRS_ENOMEM;
    memset(A, 0, sizeof(*A));
    if (!h) return ret;
    if (!(keys = (char **)calloc((size_t)(M ? M : 1), sizeof(char *))) ||
        !(src = (int64_t *)malloc((size_t)(M ? M : 1) * sizeof(int64_t))) ||
        !(swp = (int *)calloc((size_t)(M ? M : 1), sizeof(int)))) goto done;
    for (int64_t j = 0; j < M; j++) {
        int absent;
        if (!(keys[j] = grs_sprintf("%s:%" PRId64, m->chrom[j], m->pos[j]))) goto done;
        khint_t k = kh_put(anc_s2i, h, keys[j], &absent);
        if (absent < 0) goto done;
        kh_val(h, k) = j;
        src[j] = -1;
    }
    /* find each model variant in the target, by normalised CHR:POS and alleles */
    for (int64_t v = 0; v < in->n_variants; v++) {
        const grs_variant_t *var = &in->variants[v];
        char cn[64], key[128];
        if (grs_chrom_normalize(var->chrom, cn, sizeof(cn)) <= 0) continue;
        snprintf(key, sizeof(key), "%s:%" PRId64, cn, var->pos);
        khint_t k = kh_get(anc_s2i, h, key);
        if (k == kh_end(h)) continue;
        int64_t j = kh_val(h, k);
        if (src[j] >= 0) continue;   /* first match wins */
        if (!strcasecmp(var->ref, m->ref[j]) && !strcasecmp(var->alt, m->alt[j])) { src[j] = v; swp[j] = 0; }
        else if (!strcasecmp(var->ref, m->alt[j]) && !strcasecmp(var->alt, m->ref[j])) { src[j] = v; swp[j] = 1; }
    }
    if (!(A->rows = (uint32_t *)aligned_alloc(64, (size_t)(M ? M : 1) * (size_t)rw * 4)) ||
        !(A->lut = (double *)calloc((size_t)(4 * (M ? M : 1)), sizeof(double)))) goto done;
    memset(A->rows, 0xff, (size_t)(M ? M : 1) * (size_t)rw * 4);   /* absent: all missing */
    int64_t blk = in->max_load > 0 && in->max_load < 4096 ? in->max_load : 4096;
    if (!(idx = (int64_t *)malloc((size_t)blk * sizeof(int64_t))) || !(vars = (grs_pgs_var_t *)malloc((size_t)blk * sizeof(*vars))) ||
        !(st = (grs_vstat_t *)malloc((size_t)blk * sizeof(*st)))) goto done;
    /* load matched rows in blocks of model order, each block sorted by source index */
    for (int64_t j0 = 0; j0 < M; j0 += blk) {
        int64_t nb = 0, jj[4096];
        for (int64_t j = j0; j < M && j < j0 + blk; j++)
            if (src[j] >= 0) { jj[nb] = j; idx[nb++] = src[j]; }
        if (!nb) continue;
        if ((ret = in->load(in, idx, nb, vars, st)) < 0) goto done;
        if ((ret = harden_dosages(vars, nb, n)) < 0) goto done;
        for (int64_t i = 0; i < nb; i++) {
            int64_t j = jj[i];
            memcpy(A->rows + j * rw, vars[i].codes, (size_t)rw * 4);
            make_lut(m->freq[j], m->scale[j], swp[j], A->lut + 4 * j);
            A->n_matched++;
            A->n_swapped += swp[j];
        }
        ret = GRS_ENOMEM;
    }
    A->X.n_samples = n;
    A->X.n_vars = M;
    A->X.row_words = rw;
    A->X.rows = A->rows;
    A->X.lut = A->lut;
    ret = GRS_OK;
done:
    if (ret == GRS_ENOMEM) grs_log_error("out of memory aligning the target to the panel");
    if (keys) for (int64_t j = 0; j < M; j++) free(keys[j]);
    free(keys); free(src); free(swp); free(idx); free(vars); free(st);
    kh_destroy(anc_s2i, h);
    if (ret < 0) aligned_free(A);
    return ret;
}

/* project the aligned target and apply the shrinkage correction (shared by both modes, so a
 * target sample gets the same numbers from a panel run and from --model) */
static int project_target(const grs_pca_model_t *m, const aligned_t *A, int threads, int shrink,
                          double *scores)
{
    int ret = grs_pca_project(&A->X, m->V, m->n_vars, m->k, m->n_vars, threads, scores);
    if (ret < 0) return ret;
    if (shrink)
        for (int64_t s = 0; s < A->X.n_samples; s++)
            for (int c = 0; c < m->k; c++) scores[s * m->k + c] /= m->shrink[c];
    return GRS_OK;
}

/* ---- ancestry.tsv ------------------------------------------------------------------------- */
static void write_rows(grs_out_t *o, const grs_pca_model_t *m, const grs_sample_t *samples, int64_t n, const double *scores, const char *dataset,
                       const labels_t *L)
{
    double *p = (double *)malloc((size_t)m->n_pops * sizeof(double));
    if (!p) { grs_out_printf(o, "%s", ""); return; }
    for (int64_t s = 0; s < n; s++) {
        const char *fid = samples[s].fid;
        /* no FID ("0": VCF input, or a .grsm packed from one): FID = IID, plink 1.9's --vcf rule */
        if (!fid || !strcmp(fid, "0")) fid = samples[s].iid;
        int best = grs_pca_pops_assign(scores + s * m->k, m->pops, m->n_pops, m->n_assign, p);
        grs_out_printf(o, "%s\t%s\t%s\t%s", fid, samples[s].iid, dataset,
                       L ? L->pops[L->pop_of[s]] : "NA");
        for (int c = 0; c < m->k; c++) grs_out_printf(o, "\t%.17g", scores[s * m->k + c]);
        grs_out_printf(o, "\t%s\t%s", m->pops[best].name, p[best] < m->p_threshold ? "TRUE" : "FALSE");
        for (int q = 0; q < m->n_pops; q++) grs_out_printf(o, "\t%.17g", p[q]);
        grs_out_printf(o, "\n");
    }
    free(p);
}

static grs_out_t *open_ancestry(const char *fn, const grs_pca_model_t *m, const char *cmdline)
{
    grs_out_t *o = grs_out_open(fn, 0);
    if (!o) return NULL;
    grs_out_printf(o, "##grs_version=%s (%s)\n##command=%s\n##n_pcs=%d\n##n_assign=%d\n"
                   "##p_threshold=%.17g\n##df=%d (pgsc_calc: chi2 with n_assign - 1 df)\n",
                   GRS_VERSION, GRS_GIT, cmdline, m->k, m->n_assign, m->p_threshold, m->n_assign - 1);
    grs_out_printf(o, "#FID\tIID\tDATASET\tPOP");
    for (int c = 0; c < m->k; c++) grs_out_printf(o, "\tPC%d", c + 1);
    grs_out_printf(o, "\tMostSimilarPop\tMostSimilarPop_LowConfidence");
    for (int q = 0; q < m->n_pops; q++) grs_out_printf(o, "\tMahalanobis_P_%s", m->pops[q].name);
    grs_out_printf(o, "\n");
    return o;
}

/* ---- panel mode ----------------------------------------------------------------------------- */
enum { R_CHROM, R_NOTSNP, R_AMBIG, R_MISSING, R_MAF, R_LRLD, R_LD, R_N };
static const char *REASON[R_N] = { "not an autosome (1-22)", "not a biallelic SNP", "strand-ambiguous (A/T, C/G)",
                                   "missingness > --max-missing", "MAF < --maf", "long-range LD region",
                                   "LD pruning" };

typedef struct { int chrom; int64_t pos, idx; } cand_key_t;
static int cmp_cand(const void *a, const void *b)
{
    const cand_key_t *x = (const cand_key_t *)a, *y = (const cand_key_t *)b;
    if (x->chrom != y->chrom) return x->chrom < y->chrom ? -1 : 1;
    if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
    return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

static double pair_dot(const uint32_t *a, const double *la, const uint32_t *b, const double *lb, int64_t n)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    double acc = 0;
    for (int64_t s = 0; s < n; s++) {
        int sh = 2 * (int)(s & 3);
        acc += la[(x[s >> 2] >> sh) & 3] * lb[(y[s >> 2] >> sh) & 3];
    }
    return acc;
}

static int run_panel(const anc_opts_t *o, const char *cmdline)
{
    grs_score_input_t *in = NULL, *tin = NULL;
    labels_t L;
    grs_pca_model_t *m = NULL;
    aligned_t A;
    int ret = GRS_ENOMEM, build = o->build;
    int64_t removed[R_N] = { 0 }, n_cand = 0, cand_cap = 0, M = 0;
    uint32_t *crow = NULL, *krow = NULL;
    int64_t *csrc = NULL, *cidx = NULL, *kept = NULL, *widx = NULL;
    cand_key_t *ck = NULL;
    double *cfreq = NULL, *csc = NULL, *cdot = NULL, *ref_scores = NULL, *tgt_scores = NULL, *sv = NULL, *klut = NULL;
    grs_pgs_var_t *vars = NULL;
    grs_vstat_t *st = NULL;
    char **cchrom = NULL;
    grs_out_t *outs[5] = { NULL };
    char *fn[5] = { NULL };
    memset(&L, 0, sizeof(L));
    memset(&A, 0, sizeof(A));

    if ((ret = open_input(o->ref_geno, o->ref_bfile, o->ref_vcf, NULL, o->out, o->threads, &in)) < 0) goto fail;
    const int64_t n = in->n_samples, rw = grs_geno_row_bytes(n) / 4;
    grs_log_info("panel '%s': %" PRId64 " samples, %" PRId64 " variants", in->path, n, in->n_variants);
    if ((ret = read_labels(o->labels, o->label_col, in->samples, n, &L)) < 0) goto fail;
    ret = GRS_EFORMAT;
    for (int p = 0; p < L.n_pops; p++) {
        int64_t c = 0;
        for (int64_t s = 0; s < n; s++) c += L.pop_of[s] == p;
        if (c <= o->n_assign) {
            grs_log_error("'%s': population '%s' has %" PRId64 " panel samples; --n-assign %d needs more than %d",
                          o->labels, L.pops[p], c, o->n_assign, o->n_assign);
            goto fail;
        }
    }
    if (!build) {
        build = in->build && grs_build_same(in->build, "GRCh37") ? 37 : 38;
        if (!in->build && o->lr_ld)
            grs_log_warning("the panel does not state its genome build; long-range LD regions of GRCh38 are used (--build 37 for GRCh37)");
    }

    /* ---- per-variant QC, streaming ---- */
    ret = GRS_ENOMEM;
    int64_t blk = in->max_load > 0 && in->max_load < 4096 ? in->max_load : 4096;
    int64_t *idx = (int64_t *)malloc((size_t)blk * sizeof(int64_t));
    if (!idx || !(vars = (grs_pgs_var_t *)malloc((size_t)blk * sizeof(*vars))) || !(st = (grs_vstat_t *)malloc((size_t)blk * sizeof(*st)))) { free(idx); goto fail; }
    for (int64_t v0 = 0; v0 < in->n_variants; v0 += blk) {
        int64_t nb = in->n_variants - v0 < blk ? in->n_variants - v0 : blk;
        if ((ret = load_range(in, v0, nb, idx, vars, st)) < 0) { free(idx); goto fail; }
        ret = GRS_ENOMEM;
        for (int64_t i = 0; i < nb; i++) {
            const grs_variant_t *var = &in->variants[v0 + i];
            char cn[64];
            int64_t cnt[4];
            int c = grs_chrom_normalize(var->chrom, cn, sizeof(cn)) > 0 ? chrom_num(cn) : 0;
            if (!c) { removed[R_CHROM]++; continue; }
            if (var->n_src_alleles != 2 || !is_base(var->ref) || !is_base(var->alt)) { removed[R_NOTSNP]++; continue; }
            if (ambiguous(var->ref, var->alt)) { removed[R_AMBIG]++; continue; }
            code_counts(vars[i].codes, n, cnt);
            if ((double)cnt[3] / (double)n > o->max_missing) { removed[R_MISSING]++; continue; }
            double p = cnt[3] < n ? (double)(cnt[1] + 2 * cnt[2]) / (2.0 * (double)(n - cnt[3])) : 0;
            double maf = p < 0.5 ? p : 1 - p;
            if (!(maf > 0) || maf < o->maf) { removed[R_MAF]++; continue; }
            if (o->lr_ld && grs_pca_long_range_ld(build, cn, var->pos)) { removed[R_LRLD]++; continue; }
            if (n_cand == cand_cap) {
                cand_cap = cand_cap ? 2 * cand_cap : 1024;
                uint32_t *nr = (uint32_t *)aligned_alloc(64, (size_t)cand_cap * (size_t)rw * 4);
                if (!nr) { free(idx); goto fail; }
                if (crow) memcpy(nr, crow, (size_t)n_cand * (size_t)rw * 4);
                free(crow);
                crow = nr;
                int64_t *ns = (int64_t *)realloc(csrc, (size_t)cand_cap * sizeof(int64_t));
                double *nf = ns ? (double *)realloc(cfreq, (size_t)cand_cap * sizeof(double)) : NULL;
                if (ns) csrc = ns;
                if (nf) cfreq = nf;
                cand_key_t *nk = nf ? (cand_key_t *)realloc(ck, (size_t)cand_cap * sizeof(cand_key_t)) : NULL;
                if (!nk) { free(idx); goto fail; }
                ck = nk;
            }
            memcpy(crow + n_cand * rw, vars[i].codes, (size_t)rw * 4);
            csrc[n_cand] = v0 + i;
            cfreq[n_cand] = p;
            ck[n_cand].chrom = c;
            ck[n_cand].pos = var->pos;
            ck[n_cand].idx = n_cand;
            n_cand++;
        }
        if (grs_interrupted()) { free(idx); ret = GRS_EINTR; goto fail; }
    }
    free(idx);

    /* ---- LD pruning: greedy in (chromosome, position) order; a candidate is dropped when its
     * r² with a variant kept earlier within --ld-window-kb exceeds --ld-r2. r is computed from
     * the standardized, mean-imputed vectors (missing = 0 after centring). Deterministic. ---- */
    qsort(ck, (size_t)n_cand, sizeof(cand_key_t), cmp_cand);
    if (!(kept = (int64_t *)malloc((size_t)(n_cand ? n_cand : 1) * sizeof(int64_t))) ||
        !(klut = (double *)malloc((size_t)(4 * (n_cand ? n_cand : 1)) * sizeof(double))) ||
        !(cdot = (double *)malloc((size_t)(n_cand ? n_cand : 1) * sizeof(double)))) goto fail;
    for (int64_t i = 0; i < n_cand; i++) {
        double p = cfreq[i];
        make_lut(p, 1.0 / sqrt(2 * p * (1 - p)), 0, klut + 4 * i);
        int64_t cnt[4];
        code_counts(crow + i * rw, n, cnt);
        cdot[i] = cnt[0] * klut[4 * i] * klut[4 * i] + cnt[1] * klut[4 * i + 1] * klut[4 * i + 1] +
                  cnt[2] * klut[4 * i + 2] * klut[4 * i + 2];   /* Σ x², also ||X||_F² per variant */
    }
    {
        int64_t w0 = 0;   /* first kept index still in the window */
        double win = o->ld_window_kb * 1000.0;
        for (int64_t q = 0; q < n_cand; q++) {
            int64_t i = ck[q].idx, drop = 0;
            if (o->ld_prune) {
                while (w0 < M && (ck[kept[w0]].chrom != ck[q].chrom || (double)(ck[q].pos - ck[kept[w0]].pos) > win)) w0++;
                for (int64_t e = w0; e < M && !drop; e++) {
                    int64_t jj = ck[kept[e]].idx;
                    double d = pair_dot(crow + i * rw, klut + 4 * i, crow + jj * rw, klut + 4 * jj, n);
                    double r2 = d * d / (cdot[i] * cdot[jj]);
                    if (r2 > o->ld_r2) drop = 1;
                }
            }
            if (drop) removed[R_LD]++;
            else kept[M++] = q;   /* position in the sorted order */
        }
    }
    for (int r = 0; r < R_N; r++)
        if (removed[r] || r == R_LD) grs_log_info("QC: %" PRId64 " variants removed: %s", removed[r], REASON[r]);
    grs_log_info("QC: %" PRId64 " of %" PRId64 " panel variants kept", M, in->n_variants);
    if (M < o->k + 1 || M < 2) {
        grs_log_error("'%s': %" PRId64 " variants left after QC, too few for %d PCs", in->path, M, o->k);
        ret = GRS_EDEGENERATE;
        goto fail;
    }

    /* ---- the kept matrix and the model's variant table ---- */
    ret = GRS_ENOMEM;
    if (!(m = (grs_pca_model_t *)calloc(1, sizeof(*m)))) goto fail;
    m->k = o->k; m->n_assign = o->n_assign; m->n_vars = M; m->n_ref = n; m->p_threshold = o->p_threshold;
    if (!(m->chrom = (char **)calloc((size_t)M, sizeof(char *))) || !(m->id = (char **)calloc((size_t)M, sizeof(char *))) ||
        !(m->ref = (char **)calloc((size_t)M, sizeof(char *))) || !(m->alt = (char **)calloc((size_t)M, sizeof(char *))) ||
        !(m->pos = (int64_t *)calloc((size_t)M, sizeof(int64_t))) || !(m->freq = (double *)calloc((size_t)M, sizeof(double))) ||
        !(m->scale = (double *)calloc((size_t)M, sizeof(double))) || !(m->V = (double *)calloc((size_t)(M * o->k), sizeof(double))) ||
        !(m->eigval = (double *)calloc((size_t)o->k, sizeof(double))) || !(m->shrink = (double *)calloc((size_t)o->k, sizeof(double))) ||
        !(sv = (double *)calloc((size_t)o->k, sizeof(double))) ||
        !(krow = (uint32_t *)aligned_alloc(64, (size_t)M * (size_t)rw * 4)) || !(cidx = (int64_t *)malloc((size_t)M * sizeof(int64_t))))
        goto fail;
    double *lut = (double *)malloc((size_t)(4 * M) * sizeof(double));
    if (!lut) goto fail;
    double frob2 = 0;
    for (int64_t j = 0; j < M; j++) {
        int64_t i = ck[kept[j]].idx;
        const grs_variant_t *var = &in->variants[csrc[i]];
        char cn[64];
        (void)grs_chrom_normalize(var->chrom, cn, sizeof(cn));
        if (!(m->chrom[j] = strdup(cn)) || !(m->id[j] = strdup(var->id)) || !(m->ref[j] = strdup(var->ref)) ||
            !(m->alt[j] = strdup(var->alt))) { free(lut); goto fail; }
        m->pos[j] = var->pos;
        m->freq[j] = cfreq[i];
        m->scale[j] = 1.0 / sqrt(2 * cfreq[i] * (1 - cfreq[i]));
        make_lut(m->freq[j], m->scale[j], 0, lut + 4 * j);
        memcpy(krow + j * rw, crow + i * rw, (size_t)rw * 4);
        frob2 += cdot[i];
    }
    free(crow); crow = NULL;
    grs_pca_mat_t X = { n, M, rw, krow, lut };
    grs_pca_rsvd_opts_t ro = { o->k, o->oversample, o->power_iters, o->seed, o->threads };
    double t0 = grs_wall_seconds();
    if ((ret = grs_pca_rsvd(&X, &ro, sv, m->V, NULL)) < 0) { free(lut); goto fail; }
    grs_log_info("randomized SVD: %" PRId64 " samples x %" PRId64 " variants, %d PCs (+%d oversampling, %d power iterations) in %.2f s",
                 n, M, o->k, o->oversample, o->power_iters, grs_wall_seconds() - t0);
    for (int c = 0; c < o->k; c++) m->eigval[c] = sv[c] * sv[c] / (double)M;
    grs_pca_shrinkage(n, M, o->k, sv, frob2, m->shrink);
    ret = GRS_ENOMEM;
    if (!(ref_scores = (double *)malloc((size_t)(n * o->k) * sizeof(double)))) { free(lut); goto fail; }
    ret = grs_pca_project(&X, m->V, M, o->k, M, o->threads, ref_scores);
    free(lut);
    if (ret < 0) goto fail;

    /* ---- populations ---- */
    ret = GRS_ENOMEM;
    if (!(m->pops = (grs_pca_pop_t *)calloc((size_t)L.n_pops, sizeof(grs_pca_pop_t)))) goto fail;
    m->n_pops = L.n_pops;
    for (int p = 0; p < L.n_pops; p++)
        if (!(m->pops[p].name = strdup(L.pops[p]))) goto fail;
    if ((ret = grs_pca_pops_fit(n, o->k, ref_scores, L.pop_of, L.n_pops, o->n_assign, m->pops)) < 0) goto fail;

    /* ---- provenance ---- */
    {
        char tbuf[32];
        grs_iso_time(tbuf, sizeof(tbuf));
        const char *pv[6];
        char *pf = grs_file_fingerprint(o->labels);
        pv[0] = grs_sprintf("grs_version=%s (%s)", GRS_VERSION, GRS_GIT);
        pv[1] = grs_sprintf("command=%s", cmdline);
        pv[2] = grs_sprintf("created=%s", tbuf);
        pv[3] = grs_sprintf("panel=%s\t%s\t%s", in->path, in->format, in->fingerprint ? in->fingerprint : "NA");
        pv[4] = grs_sprintf("labels=%s\t%s", o->labels, pf ? pf : "NA");
        pv[5] = grs_sprintf("method=plink2 --pca standardization; randomized SVD (Halko et al. 2011) oversample=%d power_iters=%d seed=%" PRIu64
                            "; build=GRCh%d; maf=%g max_missing=%g ld_r2=%g ld_window_kb=%g ld_prune=%d long_range_ld_excluded=%d; shrinkage=Lee, Zou & Wright 2010",
                            o->oversample, o->power_iters, o->seed, build, o->maf, o->max_missing, o->ld_r2,
                            o->ld_window_kb, o->ld_prune, o->lr_ld);
        free(pf);
        if (!(m->prov = (char **)calloc(6, sizeof(char *)))) goto fail;
        for (int i = 0; i < 6; i++) { if (!pv[i]) goto fail; m->prov[i] = (char *)pv[i]; m->n_prov++; }
    }

    /* ---- targets ---- */
    int64_t nt = 0;
    if (o->tgt_geno || o->tgt_bfile || o->tgt_vcf) {
        if ((ret = open_input(o->tgt_geno, o->tgt_bfile, o->tgt_vcf, o->tgt_absent_ref, o->out, o->threads, &tin)) < 0) goto fail;
        if ((ret = align_target(m, tin, &A)) < 0) goto fail;
        if (!A.n_matched) {
            grs_log_error("'%s': none of the panel's %" PRId64 " kept variants is in the target (matched by CHR:POS and alleles)", tin->path, M);
            ret = GRS_EINPUT;
            goto fail;
        }
        grs_log_info("target '%s': %" PRId64 " of %" PRId64 " panel variants matched (%" PRId64 " with REF/ALT swapped)",
                     tin->path, A.n_matched, M, A.n_swapped);
        nt = tin->n_samples;
        ret = GRS_ENOMEM;
        if (!(tgt_scores = (double *)malloc((size_t)((nt ? nt : 1) * o->k) * sizeof(double)))) goto fail;
        if ((ret = project_target(m, &A, o->threads, o->shrink, tgt_scores)) < 0) goto fail;
    }

    /* ---- outputs (temporary names; all renamed only when all are written) ---- */
    ret = GRS_ENOMEM;
    const char *ext[5] = { "ancestry.tsv", "eigenval", "eigenvec.var", "qc.tsv", "pcamodel" };
    for (int i = 0; i < 4; i++)
        if (!(fn[i] = grs_sprintf("%s.%s", o->out, ext[i]))) goto fail;
    if (!(fn[4] = grs_sprintf("%s.pcamodel", o->out))) goto fail;
    ret = GRS_EIO;
    if (!(outs[0] = open_ancestry(fn[0], m, cmdline))) goto fail;
    write_rows(outs[0], m, in->samples, n, ref_scores, "reference", &L);
    if (tin) write_rows(outs[0], m, tin->samples, nt, tgt_scores, "target", NULL);
    if (!(outs[1] = grs_out_open(fn[1], 0))) goto fail;
    for (int c = 0; c < o->k; c++) grs_out_printf(outs[1], "%.17g\n", m->eigval[c]);
    if (!(outs[2] = grs_out_open(fn[2], 0))) goto fail;
    grs_out_printf(outs[2], "#CHROM\tPOS\tID\tREF\tALT");
    for (int c = 0; c < o->k; c++) grs_out_printf(outs[2], "\tPC%d", c + 1);
    grs_out_printf(outs[2], "\n");
    for (int64_t j = 0; j < M; j++) {
        grs_out_printf(outs[2], "%s\t%" PRId64 "\t%s\t%s\t%s", m->chrom[j], m->pos[j], m->id[j], m->ref[j], m->alt[j]);
        for (int c = 0; c < o->k; c++) grs_out_printf(outs[2], "\t%.17g", m->V[j + c * M]);
        grs_out_printf(outs[2], "\n");
    }
    if (!(outs[3] = grs_out_open(fn[3], 0))) goto fail;
    grs_out_printf(outs[3], "##grs_version=%s (%s)\n##command=%s\n", GRS_VERSION, GRS_GIT, cmdline);
    for (int r = 0; r < R_N; r++) grs_out_printf(outs[3], "##removed=%s\t%" PRId64 "\n", REASON[r], removed[r]);
    grs_out_printf(outs[3], "##kept=%" PRId64 "\n#CHROM\tPOS\tID\tREF\tALT\tALT_FREQ\n", M);
    for (int64_t j = 0; j < M; j++)
        grs_out_printf(outs[3], "%s\t%" PRId64 "\t%s\t%s\t%s\t%.17g\n", m->chrom[j], m->pos[j], m->id[j], m->ref[j], m->alt[j], m->freq[j]);
    /* the model is written last and renamed first: the other files are its companions */
    if ((ret = grs_pca_model_write(m, fn[4])) < 0) goto fail;
    for (int i = 0; i < 4; i++) {
        int r = grs_out_close(outs[i], 1);
        outs[i] = NULL;
        if (r < 0) { ret = r; goto fail; }
    }
    ret = GRS_OK;
    grs_log_info("wrote %s.{ancestry.tsv,eigenval,eigenvec.var,pcamodel,qc.tsv}: %" PRId64 " reference and %" PRId64 " target samples",
                 o->out, n, nt);
fail:
    for (int i = 0; i < 4; i++) grs_out_close(outs[i], 0);
    if (ret < 0 && fn[4]) {   /* a failure after the model was renamed leaves nothing either */
        for (int i = 0; i < 5; i++) if (fn[i]) remove(fn[i]);
    }
    for (int i = 0; i < 5; i++) free(fn[i]);
    free(crow); free(krow); free(csrc); free(cidx); free(kept); free(widx); free(ck);
    free(cfreq); free(csc); free(cdot); free(ref_scores); free(tgt_scores); free(sv); free(klut);
    free(vars); free(st); free(cchrom);
    aligned_free(&A);
    grs_pca_model_destroy(m);
    if (L.pops) for (int p = 0; p < L.n_pops; p++) free(L.pops[p]);
    free(L.pops); free(L.pop_of);
    grs_score_input_close(tin);
    grs_score_input_close(in);
    return ret;
}

/* ---- --model mode ------------------------------------------------------------------------- */
static int run_model(const anc_opts_t *o, const char *cmdline)
{
    grs_pca_model_t *m = NULL;
    grs_score_input_t *tin = NULL;
    aligned_t A;
    double *sc = NULL;
    char *fn = NULL;
    grs_out_t *out = NULL;
    int ret;
    memset(&A, 0, sizeof(A));
    if ((ret = grs_pca_model_read(o->model, &m)) < 0) goto done;
    if ((ret = open_input(o->tgt_geno, o->tgt_bfile, o->tgt_vcf, o->tgt_absent_ref, o->out, o->threads, &tin)) < 0) goto done;
    if ((ret = align_target(m, tin, &A)) < 0) goto done;
    if (!A.n_matched) {
        grs_log_error("'%s': none of the %" PRId64 " variants of '%s' is in the target (matched by CHR:POS and alleles)",
                      tin->path, m->n_vars, o->model);
        ret = GRS_EINPUT;
        goto done;
    }
    grs_log_info("target '%s': %" PRId64 " of %" PRId64 " model variants matched (%" PRId64 " with REF/ALT swapped)",
                 tin->path, A.n_matched, m->n_vars, A.n_swapped);
    ret = GRS_ENOMEM;
    if (!(sc = (double *)malloc((size_t)((tin->n_samples ? tin->n_samples : 1) * m->k) * sizeof(double)))) goto done;
    if ((ret = project_target(m, &A, o->threads, o->shrink, sc)) < 0) goto done;
    ret = GRS_ENOMEM;
    if (!(fn = grs_sprintf("%s.ancestry.tsv", o->out))) goto done;
    ret = GRS_EIO;
    if (!(out = open_ancestry(fn, m, cmdline))) goto done;
    write_rows(out, m, tin->samples, tin->n_samples, sc, "target", NULL);
    ret = grs_out_close(out, 1);
    out = NULL;
done:
    grs_out_close(out, 0);
    free(fn); free(sc);
    aligned_free(&A);
    grs_score_input_close(tin);
    grs_pca_model_destroy(m);
    return ret;
}

int main_ancestry(int argc, char **argv)
{
    anc_opts_t o;
    memset(&o, 0, sizeof(o));
    o.k = 10; o.n_assign = 4; o.maf = 0.05; o.max_missing = 0.1; o.ld_r2 = 0.2; o.ld_window_kb = 1000;
    o.ld_prune = 1; o.lr_ld = 1; o.shrink = 1; o.p_threshold = 1e-10; o.oversample = 10;
    o.power_iters = 7; o.seed = 1; o.threads = grs_cmd_default_threads();
    static const struct option lopts[] = {
        { "ref-geno", required_argument, NULL, 1 }, { "ref-bfile", required_argument, NULL, 2 },
        { "ref-vcf", required_argument, NULL, 3 }, { "labels", required_argument, NULL, 4 },
        { "label-col", required_argument, NULL, 5 }, { "target-geno", required_argument, NULL, 6 },
        { "target-bfile", required_argument, NULL, 7 }, { "target-vcf", required_argument, NULL, 8 },
        { "out", required_argument, NULL, 'o' }, { "pcs", required_argument, NULL, 9 },
        { "n-assign", required_argument, NULL, 10 }, { "maf", required_argument, NULL, 11 },
        { "max-missing", required_argument, NULL, 12 }, { "ld-r2", required_argument, NULL, 13 },
        { "ld-window-kb", required_argument, NULL, 14 }, { "no-ld-prune", no_argument, NULL, 15 },
        { "no-long-range-ld", no_argument, NULL, 16 }, { "p-threshold", required_argument, NULL, 17 },
        { "oversample", required_argument, NULL, 18 }, { "power-iters", required_argument, NULL, 19 },
        { "seed", required_argument, NULL, 20 }, { "threads", required_argument, NULL, 't' },
        { "model", required_argument, NULL, 21 }, { "no-shrinkage", no_argument, NULL, 22 },
        { "build", required_argument, NULL, 23 }, { "target-absent-ref", required_argument, NULL, 24 },
        { "verbosity", required_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int c;
    int64_t x;
    double d;
#define NUM_I(name, lo, hi, dst) do { if (grs_parse_int64(optarg, &x) < 0 || x < (lo) || x > (hi)) { \
        grs_log_error("--%s must be an integer in [%lld, %lld]", name, (long long)(lo), (long long)(hi)); return 2; } dst = (int)x; } while (0)
#define NUM_D(name, lo, hi, dst) do { if (grs_parse_double(optarg, &d) < 0 || !(d >= (lo) && d <= (hi))) { \
        grs_log_error("--%s must be a number in [%g, %g]", name, (double)(lo), (double)(hi)); return 2; } dst = d; } while (0)
    while ((c = getopt_long(argc, argv, "o:t:v:h", lopts, NULL)) >= 0) {
        switch (c) {
        case 1: o.ref_geno = optarg; break;
        case 2: o.ref_bfile = optarg; break;
        case 3: o.ref_vcf = optarg; break;
        case 4: o.labels = optarg; break;
        case 5: o.label_col = optarg; break;
        case 6: o.tgt_geno = optarg; break;
        case 7: o.tgt_bfile = optarg; break;
        case 8: o.tgt_vcf = optarg; break;
        case 24: o.tgt_absent_ref = optarg; break;
        case 'o': o.out = optarg; break;
        case 9: NUM_I("pcs", 1, 64, o.k); break;
        case 10: NUM_I("n-assign", 2, 64, o.n_assign); break;
        case 11: NUM_D("maf", 0, 0.5, o.maf); break;
        case 12: NUM_D("max-missing", 0, 1, o.max_missing); break;
        case 13: NUM_D("ld-r2", 0, 1, o.ld_r2); break;
        case 14: NUM_D("ld-window-kb", 0, 1e9, o.ld_window_kb); break;
        case 15: o.ld_prune = 0; break;
        case 16: o.lr_ld = 0; break;
        case 17: NUM_D("p-threshold", 0, 1, o.p_threshold); break;
        case 18: NUM_I("oversample", 0, 1000, o.oversample); break;
        case 19: NUM_I("power-iters", 0, 100, o.power_iters); break;
        case 20: {
            char *e;
            errno = 0;
            unsigned long long s = strtoull(optarg, &e, 10);
            if (errno || *e || !*optarg) { grs_log_error("--seed must be an unsigned integer"); return 2; }
            o.seed = (uint64_t)s;
            break;
        }
        case 't': NUM_I("threads", 1, 1024, o.threads); break;
        case 21: o.model = optarg; break;
        case 22: o.shrink = 0; break;
        case 23:
            if (!strcmp(optarg, "37") || !strcasecmp(optarg, "GRCh37") || !strcasecmp(optarg, "hg19")) o.build = 37;
            else if (!strcmp(optarg, "38") || !strcasecmp(optarg, "GRCh38") || !strcasecmp(optarg, "hg38")) o.build = 38;
            else { grs_log_error("--build must be 37 or 38"); return 2; }
            break;
        case 'v':
            if (grs_parse_int64(optarg, &x) < 0 || x < 0 || x > 6) { grs_log_error("-v must be 0..6"); return 2; }
            grs_cmd_set_verbosity((int)x);
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
#undef NUM_I
#undef NUM_D
    int n_ref = !!o.ref_geno + !!o.ref_bfile + !!o.ref_vcf, n_tgt = !!o.tgt_geno + !!o.tgt_bfile + !!o.tgt_vcf;
    if (optind < argc) { grs_log_error("unexpected argument '%s'", argv[optind]); usage(stderr); return 2; }
    if (!o.out) { grs_log_error("--out is required"); usage(stderr); return 2; }
    if (n_tgt > 1) { grs_log_error("give at most one of --target-geno, --target-bfile, --target-vcf"); return 2; }
    if (o.tgt_absent_ref && !o.tgt_vcf) { grs_log_error("--target-absent-ref applies to --target-vcf"); return 2; }
    if (o.model) {
        if (n_ref || o.labels) { grs_log_error("--model projects targets only: no --ref-* or --labels"); return 2; }
        if (!n_tgt) { grs_log_error("--model needs a target (--target-geno, --target-bfile or --target-vcf)"); return 2; }
    } else {
        if (n_ref != 1) { grs_log_error("give one of --ref-geno, --ref-bfile, --ref-vcf (or --model)"); usage(stderr); return 2; }
        if (!o.labels) { grs_log_error("--labels is required with a reference panel"); return 2; }
        if (o.n_assign > o.k) { grs_log_error("--n-assign (%d) cannot exceed --pcs (%d)", o.n_assign, o.k); return 2; }
    }
    grs_cmd_log_start(argc, argv);
    double t0 = grs_wall_seconds();
    openblas_set_num_threads(1);   /* our threads call single-threaded BLAS: thread-independent results */
    char *cmdline = grs_cmdline(argc, argv);
    if (!cmdline) return 1;
    int ret = o.model ? run_model(&o, cmdline) : run_panel(&o, cmdline);
    free(cmdline);
    free(hard_buf);
    hard_buf = NULL;
    hard_cap = 0;
    if (ret < 0) return 1;
    grs_cmd_log_end("ancestry", t0);
    return 0;
}
