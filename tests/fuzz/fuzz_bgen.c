/* fuzz_bgen.c -- libFuzzer target: BGEN v1.1/v1.2 reader (host/bgen.c, helper "bgen"): open,
 * then every variant block decoded to rows (streamed, no index). Every row is checked against
 * the reader's contract: codes 0..3, no hom-ALT code in a haploid sample, dosages within the
 * ploidy or missing. */
#include "bgen.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300];
    if (!fn[0]) fuzz_path(fn, sizeof(fn), "in.bgen");
    fuzz_write(fn, data, size);
    grs_bgen_opts_t o;
    memset(&o, 0, sizeof(o));
    o.file = fn; o.hard_call_threshold = GRS_BGEN_HARD_CALL_DEFAULT; o.no_index = 1;
    grs_bgen_reader_t *r = NULL;
    if (grs_bgen_reader_open(&o, &r) != 0) { if (r) abort(); return 0; }
    int64_t ns = grs_bgen_reader_n_samples(r);
    grs_bgen_row_t row;
    int64_t n = 0;
    while (n++ < 100000 && grs_bgen_reader_next(r, &row) > 0) {
        if (!row.var.chrom || !row.var.ref || !row.var.alt) abort();
        for (int64_t s = 0; s < ns; s++) {
            int hap = row.haploid && row.haploid[s];
            if (row.codes[s] > 3 || (hap && row.codes[s] == 2)) abort();
            if (row.dosage && row.dosage[s] != GRS_DOSAGE_MISSING
                && row.dosage[s] > (hap ? 1 : 2) * GRS_DOSAGE_ONE) abort();
        }
    }
    grs_bgen_reader_close(r);
    return 0;
}
