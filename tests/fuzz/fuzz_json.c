/* fuzz_json.c -- libFuzzer target: the JSON reader behind shard manifests, summary.json and
 * model files (host/shard.c, grs_jv_read). A parsed value is walked and its accessors used. */
#include "fuzz_common.h"
#include "shard.h"

static void walk(const grs_jv_t *v, int depth)
{
    if (depth > 10000) abort();
    if ((v->type == GRS_JV_ARR || v->type == GRS_JV_OBJ) && v->n > 0 && !v->items) abort();
    if (v->type == GRS_JV_STR && !v->str) abort();
    for (int i = 0; i < v->n; i++) {
        if (v->type == GRS_JV_OBJ && !v->keys[i]) abort();
        walk(&v->items[i], depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300];
    if (!fn[0]) fuzz_path(fn, sizeof(fn), "in.json");
    fuzz_write(fn, data, size);
    grs_jv_t *v = NULL;
    if (grs_jv_read(fn, &v) != 0) { if (v) abort(); return 0; }
    walk(v, 0);
    if (v->type == GRS_JV_OBJ) {
        (void)grs_jv_str(v, "tool");
        (void)grs_jv_int(v, "n", 0);
        (void)grs_jv_get(v, "run");
    }
    grs_jv_free(v);
    return 0;
}
