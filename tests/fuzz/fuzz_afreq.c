/* fuzz_afreq.c -- libFuzzer target: the plink2 .afreq reader of grs score --ref-freq
 * (afreq_read/afreq_lookup, static in host/cmd_score.c, reached by including the file as
 * STYLE G11 allows for tests). After a successful read every ID is looked up again. */
#include "fuzz_common.h"
#include "../../host/cmd_score.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300];
    if (!fn[0]) fuzz_path(fn, sizeof(fn), "ref.afreq");
    fuzz_write(fn, data, size);

    afreq_t *a = NULL;
    if (afreq_read(fn, &a) == 0) {
        for (khint_t k = kh_begin(a->h); k != kh_end(a->h); k++) {
            if (!kh_exist(a->h, k)) continue;
            int64_t i = kh_val(a->h, k);
            if (i < 0 || i >= a->n) abort();
            grs_variant_t v;
            memset(&v, 0, sizeof(v));
            v.chrom = "1"; v.pos = 1; v.id = kh_key(a->h, k);
            v.ref = a->ref[i] ? a->ref[i] : "A";
            v.alt = a->alt[i] ? a->alt[i] : "C";
            double f = afreq_lookup(a, &v);
            if (!(f >= 0 && f <= 1)) abort();
            v.ref = "N"; v.id = "no-such-id";
            (void)afreq_lookup(a, &v);
        }
        afreq_destroy(a);
    }
    return 0;
}
