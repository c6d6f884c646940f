/* fuzz_partial.c -- libFuzzer target: the shard partial-sum reader of grs merge (host/shard.c,
 * grs_partial_read), for one and for three scores. */
#include "fuzz_common.h"
#include "shard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300];
    if (!fn[0]) fuzz_path(fn, sizeof(fn), "p.partial.gz");
    fuzz_write(fn, data, size);
    for (int64_t k = 1; k <= 3; k += 2) {
        grs_score_table_t t;
        memset(&t, 0, sizeof(t));
        if (grs_partial_read(fn, k, &t) == 0) grs_score_table_free(&t);
    }
    return 0;
}
