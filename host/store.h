/* store.h -- the results store: one SQLite file (--db F.sqlite) that accumulates the outputs of
 * grs score, normalize, ancestry, predict and report runs, so that `grs query` can answer for
 * one patient without re-reading the cohort files (internal, not public API).
 *
 * Layout (schema version GRS_STORE_SCHEMA_VERSION, also in PRAGMA user_version):
 *   meta(key, value)                    format = grs-results-store, schema_version, created_by
 *   runs(run_id, created, grs_version, command, kind, inputs_json)   one row per ingest
 *   samples(sample_id, fid)             every target sample seen, keyed by IID
 *   scores(run_id, sample_id, score, raw, avg, allele_ct, denom, named_dosage, coverage)
 *   norm(run_id, sample_id, score, dataset, pop, low_conf, raw, percentile, z, z_norm1, z_norm2)
 *   ref_dist(run_id, score, pop, n, mean, sd, min, max)   summaries of the reference rows of a
 *                                        norm.tsv (reference individuals are not stored one by one)
 *   ancestry(run_id, sample_id, pop, low_conf, pcs_json, p_json)
 *   predictions(run_id, sample_id, model, trait, calibrated, lp, risk, contrib_json, top_features)
 *   score_meta(run_id, score, pgs_id, pgs_name, trait, n_variants_total, n_matched, or_per_sd,
 *              or_lo, or_hi, auc, cohort_column, cohort_n, cohort_mean, cohort_sd)   (from summary.json
 *                                        and report.json; readers take the latest non-NULL value)
 * Per-sample tables are WITHOUT ROWID with the primary key (sample_id, score, run_id), so one
 * patient's rows are one B-tree range. Runs append; readers take the latest run per score.
 *
 * Safety: the file is created with mode 0600 (owner only, whatever the umask) before SQLite
 * opens it; SQLite gives its journal the same mode. Each ingest is one transaction, so a failed
 * or killed run leaves the store as it was. A store written by a newer schema is refused.
 *
 * Usage:
 *     grs_store_inputs_t in = { .sscore = "out.sscore", .summary_json = "out.summary.json",
 *                               .command = cmdline, .kind = "score" };
 *     if (grs_store_ingest("results.sqlite", &in) < 0) return 1;   // error already logged
 */
#ifndef GRS_STORE_H
#define GRS_STORE_H

#include <stdint.h>

#include "grs/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRS_STORE_SCHEMA_VERSION 1            /* PRAGMA user_version and meta.schema_version */
#define GRS_STORE_FORMAT "grs-results-store"  /* meta.format                                 */

typedef struct sqlite3 grs_store_db_t;        /* the SQLite connection, for readers          */

/** What one run adds to the store: paths of existing outputs (any may be NULL). */
typedef struct grs_store_inputs_t {
    const char *sscore;        /* .sscore of grs score or plink2 (ALLELE_CT/DENOM/…_SUM/…_AVG)  */
    const char *summary_json;  /* PREFIX.summary.json of grs score (match counts, pgs_id, trait);
                                  NULL with sscore set: PREFIX.summary.json beside it if present */
    const char *norm_tsv;      /* PREFIX.norm.tsv of grs normalize (shared long format)         */
    const char *refdist_json;  /* P.refdist.json of grs normalize: when given, the reference
                                  summaries (ref_dist) come from it, not from norm_tsv's
                                  reference rows, so a --ref-dist run stores the same ones      */
    const char *ancestry_tsv;  /* PREFIX.ancestry.tsv of grs ancestry                          */
    const char *predict_tsv;   /* PREFIX.predict.tsv of grs predict (its .predict.json is read
                                  from beside it when present: model path, calibration)         */
    const char *report_json;   /* report.json of grs report (per-score OR per SD, AUC, mean/SD) */
    const char *command;       /* the command line recorded with the run (may be NULL)          */
    const char *kind;          /* "score", "predict", "normalize", "store", ...                 */
} grs_store_inputs_t;

/**
 * Open (create_ok: creating it with mode 0600 if absent) the store at PATH and check that it is
 * a grs results store of a schema this build can read. read_only opens it read-only.
 * @return GRS_OK; GRS_EIO (missing file, cannot open/create), GRS_EFORMAT (not a grs results
 *         store, or one written by a newer grs), GRS_ENOMEM. Errors are logged naming PATH.
 * Close *out with grs_store_close.
 */
int grs_store_open(const char *path, int create_ok, int read_only, grs_store_db_t **out) GRS_RESULT_USED;
/** Close a store opened by grs_store_open. Accepts NULL. */
void grs_store_close(grs_store_db_t *db);

/**
 * Add one run to the store at DB_PATH (created if absent): parse every input given, then insert
 * everything in a single transaction. All or nothing: on any error the store is unchanged (and a
 * store file this call created is removed). The new run's id is logged at INFO.
 * @return GRS_OK; GRS_EIO, GRS_EFORMAT (a malformed input or not-a-store; logged with file and
 *         line), GRS_EINVAL (no input given), GRS_ENOMEM.
 */
int grs_store_ingest(const char *db_path, const grs_store_inputs_t *in) GRS_RESULT_USED;

/** One variant's part in a patient's score. */
typedef struct grs_store_contrib_t {
    char *variant;             /* chrom:pos:ref:alt of the target (and the scoring file's ID)   */
    char *effect_allele;
    double weight, dosage;     /* dosage of the effect allele (imputed when the call is missing) */
    double contribution;       /* weight * dosage                                               */
    int imputed;               /* the call was missing: dosage from the missing-call policy     */
} grs_store_contrib_t;

/** A patient's score recomputed variant by variant (grs_store_explain). */
typedef struct grs_store_explain_t {
    int64_t n_matched;         /* matched rows of the score in the run's match log              */
    int64_t n_found;           /* of those, found in the genotype file now                      */
    int64_t n_missing;         /* the patient's missing calls among them                        */
    double sum;                /* Σ weight · dosage: the reconstructed _SUM                     */
    double missing_var;        /* Σ over missing calls of w² · 2p(1-p), p = effect allele freq  */
    char *missing_policy;      /* mean | zero | homref, from the run's summary                  */
    char *genotypes;           /* the genotype file read                                        */
    grs_store_contrib_t *top;  /* the n_top largest |contribution|, largest first               */
    int n_top;
} grs_store_explain_t;

/**
 * Recompute one sample's per-variant contributions to one score from the files recorded in a
 * score run's provenance (inputs_json of its runs row → its summary.json → the genotype file,
 * the scoring file and PREFIX.match.tsv.gz). Relative paths are tried as given, then beside the
 * summary.json. Genotypes: .grsm or VCF/BCF (hard calls; fractional dosages are not used);
 * scoring files in PGS Catalog format.
 * @return GRS_OK; GRS_EUNSUPPORTED (input kind not handled), GRS_EIO (a file no longer exists
 *         or changed since the run), GRS_EFORMAT, GRS_EINPUT (sample or score not found),
 *         GRS_ENOMEM. Problems are logged as warnings. Free *out with grs_store_explain_free.
 */
int grs_store_explain(const char *inputs_json, const char *iid, const char *score, int n_top,
                      grs_store_explain_t *out) GRS_RESULT_USED;
/** Free what grs_store_explain filled in (accepts a zeroed struct). */
void grs_store_explain_free(grs_store_explain_t *e);

#ifdef __cplusplus
}
#endif
#endif
