/* fuzz_omics.c -- libFuzzer target: the sample-keyed table reader of grs train / grs predict
 * (host/omics.c, grs_table_read: the --omics matrices, --pheno, --covar and --pgs tables).
 * Input layout: the first byte picks the flags (bit 0 GRS_TABLE_STRINGS, bit 1 GRS_TABLE_MINUS9_NA:
 * omics/--pgs read with none, pheno/covar with both), the rest is the table. After a successful
 * read every ID is looked up again, every cell and column name walked, and the shape checked. */
#include <math.h>

#include "fuzz_common.h"
#include "omics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300];
    if (!fn[0]) fuzz_path(fn, sizeof(fn), "omics.tsv");
    if (size < 1) return 0;
    unsigned flags = data[0] & 3u;
    fuzz_write(fn, data + 1, size - 1);
    grs_table_t *t = NULL;
    if (grs_table_read(fn, flags, &t) != 0) { if (t) abort(); return 0; }
    if (!t || t->n_rows < 1 || t->n_cols < 1 || !t->x || !t->iid || !t->names) abort();
    if ((flags & GRS_TABLE_STRINGS) && !t->str) abort();
    volatile size_t sink = 0;
    for (int64_t j = 0; j < t->n_cols; j++) {
        sink += strlen(t->names[j]);
        if (grs_table_col(t, t->names[j]) != j) abort();   /* names are unique */
    }
    for (int64_t i = 0; i < t->n_rows; i++) {
        if (!t->iid[i][0] || t->line[i] < 2) abort();
        if (grs_table_find(t, t->iid[i]) != i) abort();     /* IDs are unique */
        for (int64_t j = 0; j < t->n_cols; j++) {
            double x = t->x[j * t->n_rows + i];
            if (isinf(x)) abort();                           /* finite or NaN (missing / text) */
            if (!(flags & GRS_TABLE_STRINGS) && t->is_text[j]) abort();
            if (flags & GRS_TABLE_STRINGS) {
                const char *s = t->str[i * t->n_cols + j];
                if (!s) abort();
                sink += strlen(s) + (size_t)grs_table_is_na(s, flags);
            }
        }
    }
    (void)grs_table_find(t, "no such sample");
    (void)sink;
    grs_table_destroy(t);
    return 0;
}
