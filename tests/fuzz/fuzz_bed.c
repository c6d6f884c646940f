/* fuzz_bed.c -- libFuzzer target: PLINK 1 .bed/.bim/.fam (host/bed_load.c).
 *
 * The input is split on the line "#@@" into three files: FAM text, BIM text, BED bytes
 * (missing parts are empty files). After a successful grs_bed_open every row is read in blocks,
 * checked (codes 0..3, padding codes 3, no hom-ALT code in a haploid sample) and the haploid
 * rows are touched. */
#include "bed_load.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char pre[300], fam[320], bim[320], bed[320];
    if (!pre[0]) {
        fuzz_path(pre, sizeof(pre), "p");
        snprintf(fam, sizeof(fam), "%s.fam", pre);
        snprintf(bim, sizeof(bim), "%s.bim", pre);
        snprintf(bed, sizeof(bed), "%s.bed", pre);
    }
    const uint8_t *end = data + size, *p = data, *q;
    const char *sep = "\n#@@\n";
    q = fuzz_find(p, end, sep);
    fuzz_write(fam, p, (size_t)(q - p) + (q < end));     /* keep the newline */
    p = q < end ? q + 5 : end;
    q = fuzz_find(p, end, sep);
    fuzz_write(bim, p, (size_t)(q - p) + (q < end));
    p = q < end ? q + 5 : end;
    fuzz_write(bed, p, (size_t)(end - p));

    grs_bed_t *b = NULL;
    if (grs_bed_open(pre, &b) != 0) { if (b) abort(); return 0; }
    int64_t ns = grs_bed_n_samples(b), nv = grs_bed_n_variants(b);
    int64_t words = grs_geno_row_bytes(ns) / 4;
    uint32_t *rows = (uint32_t *)malloc((size_t)(8 * words) * 4);
    if (!rows) abort();
    const grs_variant_t *vars = grs_bed_variants(b);
    const grs_sample_t *smp = grs_bed_samples(b);
    volatile size_t sink = 0;
    for (int64_t s = 0; s < ns; s++) sink += strlen(smp[s].fid) + strlen(smp[s].iid);
    for (int64_t v = 0; v < nv; v += 8) {
        int64_t k = nv - v < 8 ? nv - v : 8;
        if (grs_bed_read_rows(b, v, k, rows, words) != 0) break;
        for (int64_t i = 0; i < k; i++) {
            const uint32_t *row = rows + i * words;
            const uint8_t *hap = grs_bed_haploid_row(b, v + i);
            for (int64_t s = 0; s < ns; s++)
                if (grs_geno_is_haploid(hap, s) && grs_geno_code(row, s) == 2) abort();
            for (int64_t s = ns; s < words * 16; s++)
                if (grs_geno_code(row, s) != 3) abort();
            sink += strlen(vars[v + i].chrom) + strlen(vars[v + i].ref) + strlen(vars[v + i].alt);
        }
    }
    (void)sink;
    free(rows);
    grs_bed_close(b);
    return 0;
}
