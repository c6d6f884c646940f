/* fuzz_model.c -- libFuzzer target: the model file reader of grs predict (host/model.c,
 * grs_model_read). After a successful read every feature is walked. */
#include "fuzz_common.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300];
    if (!fn[0]) fuzz_path(fn, sizeof(fn), "m.model.json");
    fuzz_write(fn, data, size);
    grs_model_read_t *m = NULL;
    if (grs_model_read(fn, &m) != 0) { if (m) abort(); return 0; }
    if (m->n_features < 0 || (m->n_features > 0 && !m->features)) abort();
    volatile double sink = m->intercept + m->platt_a + m->platt_b;
    for (int64_t i = 0; i < m->n_features; i++) sink += (double)i;
    (void)sink;
    grs_model_read_destroy(m);
    return 0;
}
