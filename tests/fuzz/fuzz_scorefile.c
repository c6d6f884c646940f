/* fuzz_scorefile.c -- libFuzzer target: scoring-file reader (host/scorefile.c), PGS Catalog and
 * PLINK-style. Each input is read three ways: format detection with defaults, forced PLINK style
 * with a header line, and forced PGS Catalog. On success every row is touched (strings and
 * weights) so that use-after-free or uninitialised fields show up under ASan/UBSan; every weight
 * must be finite (the reader's contract). */
#include <math.h>

#include "fuzz_common.h"
#include "scorefile.h"

static void touch(const grs_scorefile_t *sf)
{
    volatile size_t sink = 0;
    for (int64_t i = 0; i < sf->n_rows; i++) {
        const grs_score_row_t *r = &sf->rows[i];
        if (r->chrom) sink += strlen(r->chrom);
        if (r->id) sink += strlen(r->id);
        if (!r->effect_allele) abort();          /* contract: never NULL */
        sink += strlen(r->effect_allele);
        if (r->other_allele) sink += strlen(r->other_allele);
        for (int k = 0; k < sf->n_scores; k++)
            if (!r->unsupported && !isfinite(sf->weights[i * sf->n_scores + k])) abort();
    }
    for (int k = 0; k < sf->n_scores; k++) sink += strlen(sf->score_names[k]);
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300];
    if (!fn[0]) fuzz_path(fn, sizeof(fn), "score.txt");
    fuzz_write(fn, data, size);

    grs_scorefile_opts_t opts[3];
    memset(opts, 0, sizeof(opts));
    opts[1].force_format = GRS_SF_PLINK;
    opts[1].header_read = 1;
    opts[2].force_format = GRS_SF_PGS_CATALOG;
    for (int m = 0; m < 3; m++) {
        grs_scorefile_t *sf = NULL;
        if (grs_scorefile_read(fn, m ? &opts[m] : NULL, &sf) == 0) {
            if (!sf) abort();
            touch(sf);
            grs_scorefile_destroy(sf);
        } else if (sf) {
            abort();                             /* contract: untouched on failure */
        }
    }
    return 0;
}
