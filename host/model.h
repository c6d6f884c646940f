/* model.h -- the learned-model file (MODEL.model.json) written by grs train and read by
 * grs predict (internal).
 *
 * MODEL.model.json, format "grs-model" version 1 (self-describing JSON):
 *   format, version, tool, command, created, backend, device
 *   trait ("binary"|"quantitative"), family ("binomial"|"gaussian"), alpha, lambda,
 *   lambda_index (1-based), lambda_rule ("min"|"1se"|"last"), intercept (original scale)
 *   calibration: null or {method: "platt", a, b}: risk = 1/(1+exp(-(a + b·lp)))
 *   training: {n_samples, n_cases, pheno, inputs: [{block, path, fingerprint}], n_features}
 *   cv: null or {folds, seed, lambda_min, lambda_1se}
 *   path: {lambda[], df[], dev_ratio[], objective[], cv_mean[], cv_se[]}
 *   features: [{block, name, level?, source?, chrom?, pos?, ref?, alt?, effect_allele?,
 *               center, scale, beta, beta_std}] -- nonzero coefficients at the chosen λ.
 *     x is the value of the feature (genotype: count of effect_allele = ALT of training);
 *     a missing x takes `center` (the training mean); the linear predictor is
 *     lp = intercept + Σ beta·x. beta_std = beta·scale (glmnet's standardized coefficient).
 * Side files: MODEL.path.tsv (every nonzero along the path), MODEL.lambda.tsv (the path),
 * MODEL.cv.tsv (held-out linear predictors at the chosen λ).
 */
#ifndef GRS_HOST_MODEL_H
#define GRS_HOST_MODEL_H

#include <stdint.h>

#include "enet.h"
#include "grs/defs.h"
#include "grs/geno.h"

typedef struct grs_model_feature_t {
    char *block;         /* "geno", "covar", "pgs", "omics1", ...            */
    char *name;          /* column name or variant ID                         */
    char *level;         /* categorical covariate level, or NULL              */
    int source;          /* omics file index                                  */
    double pf;           /* raw penalty factor                                */
    /* predict side */
    char *chrom, *ref, *alt, *effect;
    int64_t pos;
    double center, scale, beta;
} grs_model_feature_t;

/** What train hands to the writer; dense features listed in design order. */
typedef struct grs_model_t {
    grs_model_feature_t *features; int64_t n_features, cap;
    int binary; double alpha; int64_t n_train, n_cases;
    const grs_enet_path_t *path; int64_t chosen; const char *lambda_rule;
    const double *cvm, *cvsd; int cv_folds; uint64_t cv_seed; double lambda_min, lambda_1se;
    int calibrated; double platt_a, platt_b;
    const grs_geno_t *geno; const int64_t *vsel; int64_t n_geno; double pf_geno;
    const char *pheno, *covar, *pgs; char **omics; int n_omics;
    const char *backend, *device;
    int argc; char **argv;
} grs_model_t;

int grs_model_add_feature(grs_model_t *m, const char *block, const char *name, const char *level,
                          int source, double pf) GRS_RESULT_USED;
void grs_model_feature_free(grs_model_feature_t *f);
void grs_model_free_features(grs_model_t *m);

/** Write MODEL.model.json and the side files (and the PGS file), all or nothing. */
int grs_model_write_train(const grs_model_t *m, const char *out, const char *export_pgs,
                          const double *y, const double *w, const int *fold,
                          const double *cv_eta) GRS_RESULT_USED;

/** A model read back for prediction. */
typedef struct grs_model_read_t {
    int binary, calibrated;
    double intercept, platt_a, platt_b, lambda, alpha;
    int64_t n_train;
    grs_model_feature_t *features; int64_t n_features;
    char *path;
} grs_model_read_t;

/** Read MODEL (a .model.json path, or the prefix). @return GRS_OK, GRS_EIO, GRS_EFORMAT. */
int grs_model_read(const char *fn, grs_model_read_t **out) GRS_RESULT_USED;
void grs_model_read_destroy(grs_model_read_t *m);

#endif
