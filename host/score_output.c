/* score_output.c -- the score table and its .sscore writer (see score_output.h). */
#include "score_output.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grs/log.h"
#include "grs/status.h"

int grs_score_table_alloc(grs_score_table_t *t, int64_t n_samples, int64_t n_scores)
{
    memset(t, 0, sizeof(*t));
    t->n_samples = n_samples;
    t->n_scores = n_scores;
    if (!(t->fid = (char **)calloc(n_samples + 1, sizeof(char *)))
        || !(t->iid = (char **)calloc(n_samples + 1, sizeof(char *)))
        || !(t->allele_ct = (int64_t *)calloc(n_samples + 1, sizeof(int64_t)))
        || !(t->denom = (double *)calloc(n_samples + 1, sizeof(double)))
        || !(t->named = (double *)calloc(n_samples + 1, sizeof(double)))
        || !(t->acc = (grs_fix128_t *)calloc(n_samples * n_scores + 1, sizeof(grs_fix128_t)))
        || !(t->offset = (grs_fix128_t *)calloc(n_scores + 1, sizeof(grs_fix128_t)))) {
        grs_score_table_free(t);
        return GRS_ENOMEM;
    }
    return GRS_OK;
}

void grs_score_table_free(grs_score_table_t *t)
{
    if (!t) return;
    if (t->owns) {
        for (int64_t s = 0; s < t->n_samples; s++) {
            if (t->fid) free(t->fid[s]);
            if (t->iid) free(t->iid[s]);
        }
        if (t->names) for (int64_t k = 0; k < t->n_scores; k++) free(t->names[k]);
        free(t->names);
    }
    free(t->fid); free(t->iid); free(t->allele_ct); free(t->denom); free(t->named);
    free(t->acc); free(t->offset);
    memset(t, 0, sizeof(*t));
}

static void put_num(grs_out_t *o, double x, int full)
{
    if (isnan(x)) grs_out_printf(o, "\tnan");
    else if (full) grs_out_printf(o, "\t%.17g", x);
    else grs_out_printf(o, "\t%g", x);
}

grs_out_t *grs_sscore_write(const char *fn, const grs_score_table_t *t, int full_precision)
{
    const int64_t K = t->n_scores;
    grs_out_t *os = grs_out_open(fn, 0);
    int with_fid = 0;
    if (!os) return NULL;
    for (int64_t s = 0; s < t->n_samples && !with_fid; s++) with_fid = strcmp(t->fid[s], "0") != 0;
    grs_out_printf(os, with_fid ? "#FID\tIID" : "#IID");
    grs_out_printf(os, "\tALLELE_CT\tDENOM\tNAMED_ALLELE_DOSAGE_SUM");
    for (int64_t k = 0; k < K; k++) grs_out_printf(os, "\t%s_AVG", t->names[k]);
    for (int64_t k = 0; k < K; k++) grs_out_printf(os, "\t%s_SUM", t->names[k]);
    grs_out_printf(os, "\n");
    for (int64_t s = 0; s < t->n_samples; s++) {
        if (with_fid) grs_out_printf(os, "%s\t", t->fid[s]);
        grs_out_printf(os, "%s\t%" PRId64, t->iid[s], t->allele_ct[s]);
        put_num(os, t->denom[s], full_precision);
        put_num(os, t->named[s], full_precision);
        for (int64_t k = 0; k < K; k++) {
            grs_fix128_t a = t->acc[s * K + k];
            grs_score_fix_add(&a, t->offset[k]);
            put_num(os, grs_fix128_to_double(a) / t->denom[s], full_precision);
        }
        for (int64_t k = 0; k < K; k++) {
            grs_fix128_t a = t->acc[s * K + k];
            grs_score_fix_add(&a, t->offset[k]);
            put_num(os, grs_fix128_to_double(a), full_precision);
        }
        grs_out_printf(os, "\n");
    }
    return os;
}
