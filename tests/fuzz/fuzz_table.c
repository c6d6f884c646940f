/* fuzz_table.c -- libFuzzer target: the pheno/covar/.sscore table reader (host/table.c, helper
 * "report"): grs_sampletab_read, then every cell, key and missing-value test. */
#include "fuzz_common.h"
#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300];
    if (!fn[0]) fuzz_path(fn, sizeof(fn), "pheno.txt");
    fuzz_write(fn, data, size);
    grs_sampletab_t *t = NULL;
    if (grs_sampletab_read(fn, "PHENO", &t) != 0) { if (t) abort(); return 0; }
    volatile size_t sink = 0;
    if (t->iid_col < 0 || t->iid_col >= t->n_cols || t->fid_col >= t->n_cols) abort();
    for (int c = 0; c < t->n_cols; c++) sink += strlen(t->names[c]);
    for (int64_t r = 0; r < t->n_rows; r++) {
        for (int c = 0; c < t->n_cols; c++) {
            const char *v = grs_sampletab_cell(t, r, c);
            sink += strlen(v) + (size_t)grs_sampletab_is_missing(v);
        }
        char *k = grs_sampletab_key(t, r, 1);
        if (k) { sink += grs_sampletab_hash(k); free(k); }
    }
    (void)grs_sampletab_col(t, "IID");
    (void)sink;
    grs_sampletab_destroy(t);
    return 0;
}
