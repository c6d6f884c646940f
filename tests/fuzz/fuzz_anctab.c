/* fuzz_anctab.c -- libFuzzer target: the ancestry-table reader of grs normalize
 * (host/normalize.c, grs_ancestry_tab_read; the PREFIX.ancestry.tsv that grs ancestry writes).
 * Input layout: the first byte picks n_pcs (0..15), the rest is the table. After a successful
 * read every cell is walked. */
#include "fuzz_common.h"
#include "normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300];
    if (!fn[0]) fuzz_path(fn, sizeof(fn), "a.ancestry.tsv");
    if (size < 1) return 0;
    int n_pcs = data[0] & 15;
    fuzz_write(fn, data + 1, size - 1);
    grs_ancestry_tab_t *t = NULL;
    if (grs_ancestry_tab_read(fn, n_pcs, &t) != 0) { if (t) abort(); return 0; }
    if (t->n_rows < 0 || t->n_pcs != n_pcs) abort();
    volatile size_t sink = 0;
    volatile double dsink = 0;
    for (int64_t r = 0; r < t->n_rows; r++) {
        if (!t->iid[r] || (t->is_ref[r] != 0 && t->is_ref[r] != 1) || t->line[r] < 1) abort();
        sink += strlen(t->iid[r]) + (t->fid[r] ? strlen(t->fid[r]) : 0);
        sink += (t->pop[r] ? strlen(t->pop[r]) : 0) + (t->msp[r] ? strlen(t->msp[r]) : 0)
              + (t->lowconf[r] ? strlen(t->lowconf[r]) : 0);
        for (int c = 0; c < t->n_pcs; c++) dsink += t->pcs[(size_t)r * (size_t)t->n_pcs + (size_t)c];
    }
    (void)sink; (void)dsink;
    grs_ancestry_tab_destroy(t);
    return 0;
}
