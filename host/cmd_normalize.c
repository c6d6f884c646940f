/* cmd_normalize.c -- grs normalize: percentile and Z of scores within the most-similar
 * population, Z_norm1 and Z_norm2 (pgsc_calc's pgs_adjust; the method is in normalize.h).
 *
 * Full run:  --ref-scores REF.sscore --scores TARGET.sscore --ancestry A.ancestry.tsv --out P
 *            fits on the reference rows of the ancestry file and writes P.norm.tsv (reference
 *            and target rows) and P.refdist.json (the fitted reference distributions).
 * Saved run: --ref-dist P.refdist.json --scores S.sscore --ancestry S.ancestry.tsv --out P2
 *            normalizes the target rows with the saved model; a sample's row is identical to
 *            the one the full run gave it. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/khash.h>

#include "cmds.h"
#include "grs/log.h"
#include "grs/status.h"
#include "normalize.h"
#include "store.h"
#include "table.h"
#include "util.h"

KHASH_MAP_INIT_STR(nkey, int64_t)

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: grs normalize --ref-scores REF.sscore --scores TARGET.sscore --ancestry A.ancestry.tsv --out P\n"
"       grs normalize --ref-dist P.refdist.json --scores S.sscore --ancestry S.ancestry.tsv --out P2\n"
"Percentile and Z of each score in the most-similar reference population, and PC-adjusted\n"
"Z_norm1 (mean) and Z_norm2 (mean and variance), as pgsc_calc's ancestry step.\n\n"
"  --ref-scores F   .sscore of the reference panel (rows DATASET=reference of --ancestry)\n"
"  --scores F       .sscore of the target samples (rows DATASET=target of --ancestry)\n"
"  --ancestry F     PREFIX.ancestry.tsv (grs ancestry): populations, PCs, MostSimilarPop\n"
"  --ref-dist F     P.refdist.json from an earlier run, instead of --ref-scores\n"
"  --n-pcs N        PCs used by Z_norm1 and Z_norm2 [4]\n"
"  --methods LIST   comma-separated: empirical, mean, mean+var [all three]\n"
"  --out P          P.norm.tsv, and P.refdist.json (full run)\n"
"  --db F.sqlite    also add the target rows (raw score, normalized values, ancestry) to this\n"
"                   results store (grs query --db F.sqlite --sample ID)\n"
"  -v N             verbosity 0..6 [3]     -h, --help\n");
}

/* the score columns of a .sscore: <name>_SUM (plink2's NAMED_ALLELE_DOSAGE_SUM excluded) */
static int score_cols(const grs_sampletab_t *t, int *col, char **names, int max)
{
    int n = 0;
    for (int c = 0; c < t->n_cols; c++) {
        const char *nm = t->names[c];
        size_t l = strlen(nm);
        if (c == t->fid_col || c == t->iid_col || l <= 4 || strcmp(nm + l - 4, "_SUM") ||
            !strcmp(nm, "NAMED_ALLELE_DOSAGE_SUM"))
            continue;
        if (n == max) return -1;
        col[n] = c;
        names[n++] = grs_sprintf("%.*s", (int)(l - 4), nm);
    }
    return n;
}

static int64_t map_get(khash_t(nkey) *h, const char *key)
{
    khint_t k = kh_get(nkey, h, key);
    return k == kh_end(h) ? -1 : kh_val(h, k);
}

static void map_free(khash_t(nkey) *h)
{
    if (!h) return;
    for (khint_t k = kh_begin(h); k != kh_end(h); k++)
        if (kh_exist(h, k)) free((char *)kh_key(h, k));
    kh_destroy(nkey, h);
}

/* key -> ancestry row maps: by FID<TAB>IID and by IID (-2: IID not unique) */
static int build_maps(const grs_ancestry_tab_t *a, khash_t(nkey) **by_fid, khash_t(nkey) **by_iid)
{
    *by_fid = kh_init(nkey);
    *by_iid = kh_init(nkey);
    if (!*by_fid || !*by_iid) return GRS_ENOMEM;
    for (int64_t r = 0; r < a->n_rows; r++) {
        int absent;
        char *k1 = grs_sprintf("%s\t%s", a->fid[r], a->iid[r]), *k2 = strdup(a->iid[r]);
        if (!k1 || !k2) { free(k1); free(k2); return GRS_ENOMEM; }
        khint_t k = kh_put(nkey, *by_fid, k1, &absent);
        if (absent < 0) { free(k1); free(k2); return GRS_ENOMEM; }
        if (!absent) {
            grs_log_error("'%s': lines %" PRId64 " and %" PRId64 ": sample '%s %s' appears twice", a->path,
                          a->line[kh_val(*by_fid, k)], a->line[r], a->fid[r], a->iid[r]);
            free(k1); free(k2);
            return GRS_EFORMAT;
        }
        kh_val(*by_fid, k) = r;
        k = kh_put(nkey, *by_iid, k2, &absent);
        if (absent < 0) { free(k2); return GRS_ENOMEM; }
        if (!absent) { free(k2); kh_val(*by_iid, k) = -2; }
        else kh_val(*by_iid, k) = r;
    }
    return GRS_OK;
}

/* ancestry row of .sscore row r, -1 absent (logged as an error by the caller), -2 ambiguous */
static int64_t find_row(const grs_sampletab_t *t, int64_t r, khash_t(nkey) *by_fid, khash_t(nkey) *by_iid)
{
    if (t->fid_col >= 0) {
        char *key = grs_sampletab_key(t, r, 1);
        int64_t v = key ? map_get(by_fid, key) : -1;
        free(key);
        return v;
    }
    return map_get(by_iid, grs_sampletab_cell(t, r, t->iid_col));
}

static void put_num(grs_out_t *o, double x)
{
    if (isfinite(x)) grs_out_printf(o, "\t%.17g", x);
    else grs_out_printf(o, "\tNA");
}

#define MAX_SCORES 4096

int main_normalize(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "ref-scores", required_argument, NULL, 1 }, { "scores", required_argument, NULL, 2 },
        { "ancestry", required_argument, NULL, 3 }, { "ref-dist", required_argument, NULL, 4 },
        { "n-pcs", required_argument, NULL, 5 }, { "methods", required_argument, NULL, 6 },
        { "db", required_argument, NULL, 7 },
        { "out", required_argument, NULL, 'o' }, { "verbosity", required_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
    };
    const char *ref_fn = NULL, *tgt_fn = NULL, *anc_fn = NULL, *dist_fn = NULL, *out = NULL, *db = NULL;
    int c, ret = 1, n_pcs = 4, n_pcs_set = 0, methods_set = 0;
    unsigned methods = GRS_NORM_EMPIRICAL | GRS_NORM_MEAN | GRS_NORM_MEANVAR;
    int64_t k64;
    double t0 = grs_wall_seconds();
    grs_ancestry_tab_t *A = NULL;
    grs_sampletab_t *RS = NULL, *TS = NULL;
    grs_norm_model_t *M = NULL;
    khash_t(nkey) *by_fid = NULL, *by_iid = NULL;
    int rcol[MAX_SCORES], tcol[MAX_SCORES], n_scores = 0, n_tscores = 0, n_pops = 0, refdist_written = 0;
    char *rnames[MAX_SCORES], *tnames[MAX_SCORES], **pops = NULL;
    int64_t *ref_of = NULL, *tgt_of = NULL, *ref_idx = NULL, n_ref = 0, *matched = NULL, *tmatched = NULL;
    int *pop = NULL, *tmap = NULL;
    double *pcs = NULL, *y = NULL;
    char *fn_tsv = NULL, *fn_json = NULL, *cl = NULL;
    grs_out_t *o = NULL;

    while ((c = getopt_long(argc, argv, "o:v:h", lopts, NULL)) >= 0) {
        switch (c) {
        case 1: ref_fn = optarg; break;
        case 2: tgt_fn = optarg; break;
        case 3: anc_fn = optarg; break;
        case 4: dist_fn = optarg; break;
        case 5:
            if (grs_parse_int64(optarg, &k64) < 0 || k64 < 1 || k64 > 64) { grs_log_error("--n-pcs must be 1..64"); return 2; }
            n_pcs = (int)k64; n_pcs_set = 1; break;
        case 6: {
            char buf[256], *f[8];
            snprintf(buf, sizeof(buf), "%s", optarg);
            int nf = grs_split(buf, ",", f, 8);
            methods = 0; methods_set = 1;
            for (int i = 0; i < nf && i < 8; i++) {
                if (!strcmp(f[i], "empirical")) methods |= GRS_NORM_EMPIRICAL;
                else if (!strcmp(f[i], "mean")) methods |= GRS_NORM_MEAN;
                else if (!strcmp(f[i], "mean+var")) methods |= GRS_NORM_MEANVAR;
                else { grs_log_error("--methods: unknown method '%s' (empirical, mean, mean+var)", f[i]); return 2; }
            }
            if (!methods || nf > 8) { grs_log_error("--methods: give 1 to 3 of empirical, mean, mean+var"); return 2; }
            break;
        }
        case 'o': out = optarg; break;
        case 7: db = optarg; break;
        case 'v':
            if (grs_parse_int64(optarg, &k64) < 0 || k64 < 0 || k64 > 6) { grs_log_error("-v must be 0..6"); return 2; }
            grs_cmd_set_verbosity((int)k64); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || !tgt_fn || !anc_fn || !out || !ref_fn == !dist_fn) {
        grs_log_error(optind < argc ? "unexpected argument '%s'"
                      : "--scores, --ancestry, --out and one of --ref-scores or --ref-dist are required",
                      optind < argc ? argv[optind] : "");
        usage(stderr);
        return 2;
    }
    if (dist_fn && (n_pcs_set || methods_set)) {
        grs_log_error("--n-pcs and --methods come from the --ref-dist file; do not give them");
        return 2;
    }
    grs_cmd_log_start(argc, argv);
    if (!(fn_tsv = grs_sprintf("%s.norm.tsv", out)) || !(fn_json = grs_sprintf("%s.refdist.json", out)) ||
        !(cl = grs_cmdline(argc, argv)))
        goto oom;
    if (dist_fn) {
        if (grs_norm_read(dist_fn, &M) < 0) goto done;
        n_pcs = M->n_pcs;
        methods = M->methods;
    }
    if (grs_ancestry_tab_read(anc_fn, n_pcs, &A) < 0) goto done;
    if (build_maps(A, &by_fid, &by_iid) < 0) goto done;
    if (grs_sampletab_read(tgt_fn, "SCORE", &TS) < 0) goto done;
    if ((n_tscores = score_cols(TS, tcol, tnames, MAX_SCORES)) <= 0) {
        grs_log_error("'%s': no <name>_SUM score columns (expected a .sscore from grs score or plink2)", tgt_fn);
        n_tscores = 0;
        goto done;
    }
    for (int k = 0; k < n_tscores; k++) if (!tnames[k]) goto oom;

    /* ---- the model: fit on the reference, or read */
    if (!dist_fn) {
        if (grs_sampletab_read(ref_fn, "SCORE", &RS) < 0) goto done;
        if ((n_scores = score_cols(RS, rcol, rnames, MAX_SCORES)) <= 0) {
            grs_log_error("'%s': no <name>_SUM score columns (expected a .sscore from grs score or plink2)", ref_fn);
            n_scores = 0;
            goto done;
        }
        for (int k = 0; k < n_scores; k++) if (!rnames[k]) goto oom;
        if (!(ref_of = (int64_t *)malloc(A->n_rows * sizeof(int64_t)))) goto oom;
        for (int64_t r = 0; r < A->n_rows; r++) ref_of[r] = -1;
        int64_t n_ignored = 0;
        for (int64_t r = 0; r < RS->n_rows; r++) {
            int64_t a = find_row(RS, r, by_fid, by_iid);
            if (a == -2) {
                grs_log_error("'%s': line %" PRId64 ": IID '%s' is not unique in '%s'; give FID in the .sscore", ref_fn,
                              RS->line[r], grs_sampletab_cell(RS, r, RS->iid_col), anc_fn);
                goto done;
            }
            if (a < 0 || !A->is_ref[a]) { n_ignored++; continue; }
            ref_of[a] = r;
        }
        if (n_ignored)
            grs_log_warning("'%s': %" PRId64 " samples are not reference samples of '%s'; ignored", ref_fn, n_ignored, anc_fn);
        for (int64_t a = 0; a < A->n_rows; a++) {
            if (!A->is_ref[a]) continue;
            if (ref_of[a] < 0) {
                grs_log_error("'%s': line %" PRId64 ": reference sample '%s' has no score in '%s'", anc_fn, A->line[a],
                              A->iid[a], ref_fn);
                goto done;
            }
            n_ref++;
        }
        if (!n_ref) {
            grs_log_error("'%s': no reference rows (DATASET reference); give --ref-dist to normalize with saved "
                          "reference distributions", anc_fn);
            goto done;
        }
        /* populations, sorted by byte order */
        if (!(pops = (char **)calloc(n_ref, sizeof(char *))) || !(pop = (int *)malloc(n_ref * sizeof(int))) ||
            !(ref_idx = (int64_t *)malloc(n_ref * sizeof(int64_t))) ||
            !(pcs = (double *)malloc(n_ref * n_pcs * sizeof(double))) ||
            !(y = (double *)malloc((int64_t)n_scores * n_ref * sizeof(double))) ||
            !(matched = (int64_t *)malloc(n_scores * sizeof(int64_t))))
            goto oom;
        int64_t s = 0;
        for (int64_t a = 0; a < A->n_rows; a++) {
            if (!A->is_ref[a]) continue;
            int q = 0;
            while (q < n_pops && strcmp(pops[q], A->pop[a])) q++;
            if (q == n_pops) {
                while (q > 0 && strcmp(pops[q - 1], A->pop[a]) > 0) { pops[q] = pops[q - 1]; q--; }
                pops[q] = A->pop[a];
                n_pops++;
            }
            ref_idx[s++] = a;
        }
        for (s = 0; s < n_ref; s++) {
            int64_t a = ref_idx[s];
            int q = 0;
            while (strcmp(pops[q], A->pop[a])) q++;
            pop[s] = q;
            memcpy(pcs + s * n_pcs, A->pcs + a * n_pcs, n_pcs * sizeof(double));
            for (int k = 0; k < n_scores; k++) {
                const char *cell = grs_sampletab_cell(RS, ref_of[a], rcol[k]);
                if (grs_parse_double(cell, &y[(int64_t)k * n_ref + s]) < 0 || !isfinite(y[(int64_t)k * n_ref + s])) {
                    grs_log_error("'%s': line %" PRId64 ": %s_SUM is '%s', not a finite number", ref_fn,
                                  RS->line[ref_of[a]], rnames[k], cell);
                    goto done;
                }
            }
        }
        /* the two .sscore files must hold the same scores, on the same variants */
        int same = n_scores == n_tscores;
        for (int k = 0; k < n_scores && same; k++) {
            int q = 0;
            while (q < n_tscores && strcmp(tnames[q], rnames[k])) q++;
            same = q < n_tscores;
        }
        if (!same) {
            grs_log_error("'%s' and '%s' do not have the same score columns (%d and %d <name>_SUM columns)", ref_fn,
                          tgt_fn, n_scores, n_tscores);
            goto done;
        }
        if (grs_norm_summary_matched(ref_fn, n_scores, rnames, matched) == 0)
            for (int k = 0; k < n_scores; k++) matched[k] = -1;
        grs_norm_input_t in = { n_ref, n_pcs, pcs, n_pops, pops, pop, n_scores, rnames, y, matched, methods };
        if (grs_norm_fit(&in, &M) < 0) goto done;
        grs_log_info("fitted %d score%s on %" PRId64 " reference samples, %d populations", n_scores,
                     n_scores == 1 ? "" : "s", n_ref, n_pops);
    } else {
        int same = M->n_scores == n_tscores;
        for (int k = 0; k < M->n_scores && same; k++) {
            int q = 0;
            while (q < n_tscores && strcmp(tnames[q], M->scores[k].name)) q++;
            same = q < n_tscores;
        }
        if (!same) {
            grs_log_error("'%s': its score columns (%d) are not the scores of '%s' (%d)", tgt_fn, n_tscores, dist_fn,
                          M->n_scores);
            goto done;
        }
    }
    /* score k of the model -> column of the target .sscore */
    if (!(tmap = (int *)malloc(M->n_scores * sizeof(int))) || !(tmatched = (int64_t *)malloc(M->n_scores * sizeof(int64_t))))
        goto oom;
    for (int k = 0; k < M->n_scores; k++) {
        int q = 0;
        while (strcmp(tnames[q], M->scores[k].name)) q++;
        tmap[k] = tcol[q];
    }
    {
        char **mn = (char **)malloc(M->n_scores * sizeof(char *));
        if (!mn) goto oom;
        for (int k = 0; k < M->n_scores; k++) mn[k] = M->scores[k].name;
        if (grs_norm_summary_matched(tgt_fn, M->n_scores, mn, tmatched))
            for (int k = 0; k < M->n_scores; k++)
                if (tmatched[k] >= 0 && M->scores[k].matched_variants >= 0 && tmatched[k] != M->scores[k].matched_variants)
                    grs_log_warning("score '%s': %" PRId64 " variants matched for the targets ('%s') but %" PRId64
                                    " for the reference: the scores should be on the same variant set", mn[k],
                                    tmatched[k], tgt_fn, M->scores[k].matched_variants);
        free(mn);
    }

    /* ---- target samples */
    if (!(tgt_of = (int64_t *)malloc(A->n_rows * sizeof(int64_t)))) goto oom;
    for (int64_t r = 0; r < A->n_rows; r++) tgt_of[r] = -1;
    {
        int64_t n_refrows = 0, n_tgt = 0, n_unscored = 0, n_unknown = 0;
        for (int64_t r = 0; r < TS->n_rows; r++) {
            int64_t a = find_row(TS, r, by_fid, by_iid);
            if (a == -2) {
                grs_log_error("'%s': line %" PRId64 ": IID '%s' is not unique in '%s'; give FID in the .sscore", tgt_fn,
                              TS->line[r], grs_sampletab_cell(TS, r, TS->iid_col), anc_fn);
                goto done;
            }
            if (a < 0) {
                grs_log_error("'%s': line %" PRId64 ": sample '%s' is not in the ancestry file '%s'", tgt_fn, TS->line[r],
                              grs_sampletab_cell(TS, r, TS->iid_col), anc_fn);
                goto done;
            }
            if (A->is_ref[a]) { n_refrows++; continue; }
            tgt_of[a] = r;
            n_tgt++;
            for (int k = 0; k < M->n_scores; k++) {
                double x;
                const char *cell = grs_sampletab_cell(TS, r, tmap[k]);
                if (grs_parse_double(cell, &x) < 0 || !isfinite(x)) {
                    grs_log_error("'%s': line %" PRId64 ": %s_SUM is '%s', not a finite number", tgt_fn, TS->line[r],
                                  M->scores[k].name, cell);
                    goto done;
                }
            }
            if (grs_norm_pop(M, A->msp[a]) < 0) {
                if (dist_fn) {
                    grs_log_error("'%s': line %" PRId64 ": MostSimilarPop '%s' of sample '%s' is not a population of '%s'",
                                  anc_fn, A->line[a], A->msp[a], A->iid[a], dist_fn);
                    goto done;
                }
                n_unknown++;
            }
        }
        for (int64_t a = 0; a < A->n_rows; a++) n_unscored += !A->is_ref[a] && tgt_of[a] < 0;
        if (n_refrows) grs_log_warning("'%s': %" PRId64 " samples are reference samples in '%s'; not normalized as targets",
                                       tgt_fn, n_refrows, anc_fn);
        if (n_unscored) grs_log_warning("'%s': %" PRId64 " target samples have no score in '%s'; left out", anc_fn,
                                        n_unscored, tgt_fn);
        if (n_unknown) grs_log_warning("%" PRId64 " target samples have a MostSimilarPop that is not a reference "
                                       "population: percentile and Z_MostSimilarPop are NA", n_unknown);
        if (!n_tgt && dist_fn) { grs_log_error("'%s': no target samples to normalize", tgt_fn); goto done; }
    }

    /* ---- outputs: refdist first, then the table; on failure neither is left */
    if (!dist_fn) {
        char *full = grs_sprintf("grs %s", cl);
        grs_norm_prov_t prov = { full ? full : cl, ref_fn, anc_fn, tgt_fn };
        int wst = grs_norm_write(M, fn_json, &prov);
        free(full);
        if (wst < 0) goto done;
        refdist_written = 1;
    }
    if (!(o = grs_out_open(fn_tsv, 0))) goto done;
    grs_out_printf(o, "##grs_version=%s (%s)\n##command=grs %s\n##n_pcs=%d\n##methods=%s%s%s\n", GRS_VERSION, GRS_GIT,
                   cl, M->n_pcs, methods & GRS_NORM_EMPIRICAL ? "empirical," : "",
                   methods & GRS_NORM_MEAN ? "mean," : "", methods & GRS_NORM_MEANVAR ? "mean+var" : "");
    if (dist_fn) grs_out_printf(o, "##ref_dist=%s\n", dist_fn);
    grs_out_printf(o, "#FID\tIID\tDATASET\tSCORE\tSUM\tMostSimilarPop\tMostSimilarPop_LowConfidence\t"
                      "percentile_MostSimilarPop\tZ_MostSimilarPop\tZ_norm1\tZ_norm2\n");
    for (int64_t a = 0; a < A->n_rows; a++) {
        const grs_sampletab_t *t = A->is_ref[a] ? RS : TS;
        const int64_t r = A->is_ref[a] ? (ref_of ? ref_of[a] : -1) : tgt_of[a];
        if (r < 0 || !t) continue;
        const int q = grs_norm_pop(M, A->is_ref[a] ? A->pop[a] : A->msp[a]);
        for (int k = 0; k < M->n_scores; k++) {
            double x, v[4];
            (void)grs_parse_double(grs_sampletab_cell(t, r, A->is_ref[a] ? rcol[k] : tmap[k]), &x);
            grs_norm_apply(M, k, x, A->pcs + a * n_pcs, q, v);
            grs_out_printf(o, "%s\t%s\t%s\t%s\t%.17g\t%s\t%s", A->fid[a], A->iid[a],
                           A->is_ref[a] ? "reference" : "target", M->scores[k].name, x, A->msp[a], A->lowconf[a]);
            for (int i = 0; i < 4; i++) put_num(o, v[i]);
            grs_out_printf(o, "\n");
        }
    }
    int st = grs_out_close(o, 1);
    o = NULL;
    if (st < 0) goto done;
    grs_log_info("wrote '%s'%s%s", fn_tsv, dist_fn ? "" : " and ", dist_fn ? "" : fn_json);
    if (db) {
        /* the committed outputs go to the store as one run; the files stay if this fails */
        char *full = grs_sprintf("grs %s", cl);
        grs_store_inputs_t si = { .sscore = tgt_fn, .norm_tsv = fn_tsv, .ancestry_tsv = anc_fn,
                                  .refdist_json = dist_fn ? dist_fn : fn_json,
                                  .command = full, .kind = "normalize" };
        st = full ? grs_store_ingest(db, &si) : GRS_ENOMEM;
        free(full);
        if (st < 0) goto done;
    }
    grs_cmd_log_end("normalize", t0);
    ret = 0;
    goto done;
oom:
    grs_log_error("out of memory");
done:
    if (o) (void)grs_out_close(o, 0);
    if (ret && refdist_written) unlink(fn_json);
    for (int k = 0; k < n_scores; k++) free(rnames[k]);
    for (int k = 0; k < n_tscores; k++) free(tnames[k]);
    map_free(by_fid); map_free(by_iid);
    grs_ancestry_tab_destroy(A);
    grs_sampletab_destroy(RS); grs_sampletab_destroy(TS);
    grs_norm_destroy(M);
    free(ref_of); free(tgt_of); free(ref_idx); free(matched); free(tmatched); free(pops); free(pop); free(tmap);
    free(pcs); free(y); free(fn_tsv); free(fn_json); free(cl);
    return ret;
}
