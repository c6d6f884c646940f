/* fuzz_absentref.c -- libFuzzer target: the --absent-ref site list of grs score --vcf and grs
 * ancestry --target-absent-ref (absent_ref_load, static in host/score_input.c, reached by
 * including the file as STYLE G11 allows for tests): a VCF-like / .pvar text with a #CHROM
 * header, or a .bim (chosen by the file name).
 * Input layout: the first byte picks the name (bit 0: "sites.bim", else "sites.txt") and whether
 * the scoring positions filter the list (bit 1: only 1:100, 22:5000 and X:1 are kept); the rest
 * is the list. Checks after a successful read: every variant has a chromosome, ACGT REF and ALT,
 * a position >= 0 and, when filtered, one of the wanted positions. */
#define grs_score_input_open fuzz_grs_score_input_open
#define grs_score_input_close fuzz_grs_score_input_close
#define grs_build_same fuzz_grs_build_same
#include "fuzz_common.h"
#include "../../host/score_input.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char txt_fn[300], bim_fn[300];
    if (!txt_fn[0]) {
        fuzz_path(txt_fn, sizeof(txt_fn), "sites.txt");
        fuzz_path(bim_fn, sizeof(bim_fn), "sites.bim");
    }
    if (size < 1) return 0;
    const char *fn = (data[0] & 1) ? bim_fn : txt_fn;
    fuzz_write(fn, data + 1, size - 1);

    khash_t(posset) *want = NULL;
    static const char *keys[] = { "1:100", "22:5000", "X:1" };
    if (data[0] & 2) {
        int absent;
        if (!(want = kh_init(posset))) abort();
        for (int i = 0; i < 3; i++) kh_put(posset, want, keys[i], &absent);
    }
    absent_list_t L;
    memset(&L, 0, sizeof(L));
    if (absent_ref_load(fn, want, &L) == 0) {
        for (int64_t i = 0; i < L.n; i++) {
            const grs_variant_t *v = &L.v[i];
            if (!v->chrom || !v->id || !is_acgt(v->ref) || !is_acgt(v->alt) || v->pos < 0) abort();
            if (want) {
                char cb[64], k[128];
                snprintf(k, sizeof(k), "%s:%" PRId64, grs_chrom_key(v->chrom, cb, sizeof(cb)), v->pos);
                if (kh_get(posset, want, k) == kh_end(want)) abort();
            }
        }
    }
    free(L.v);
    ks_free(&L.pool);
    if (want) kh_destroy(posset, want);
    return 0;
}
