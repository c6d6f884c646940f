/* fuzz_refdist.c -- libFuzzer target: the refdist.json reader of grs normalize (host/normalize.c,
 * grs_norm_read). After a successful read every population array and coefficient is walked, and
 * each score is normalized once (grs_norm_apply) at a few PC vectors for every population. */
#include <math.h>

#include "fuzz_common.h"
#include "normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300];
    if (!fn[0]) fuzz_path(fn, sizeof(fn), "r.refdist.json");
    fuzz_write(fn, data, size);
    grs_norm_model_t *m = NULL;
    if (grs_norm_read(fn, &m) != 0) { if (m) abort(); return 0; }
    if (m->n_pcs < 0 || m->n_pops < 0 || m->n_scores < 0) abort();
    if (m->n_pcs > 4096) { grs_norm_destroy(m); return 0; }   /* keep the pc vector small */
    volatile size_t sink = 0;
    volatile double dsink = 0;
    for (int p = 0; p < m->n_pops; p++) {
        sink += strlen(m->pops[p]);
        if (grs_norm_pop(m, m->pops[p]) < 0) abort();
    }
    for (int c = 0; c < m->n_pcs; c++) dsink += m->pc_mean[c] + m->pc_std[c];
    double *pc = (double *)calloc((size_t)m->n_pcs + 1, sizeof(double));
    if (!pc) abort();
    for (int k = 0; k < m->n_scores; k++) {
        const grs_norm_score_t *s = &m->scores[k];
        if (!s->name) abort();
        sink += strlen(s->name);
        if (!s->skipped) {
            for (int p = 0; p < m->n_pops; p++) {
                if (s->pop_n[p] < 0) abort();
                dsink += s->pop_mean[p] + s->pop_std[p];
                for (int64_t i = 0; i < s->pop_n[p]; i++) dsink += s->pop_sorted[p][i];
            }
        }
        for (int pop = -1; pop < m->n_pops && pop < 8; pop++) {
            double o[4];
            for (int c = 0; c < m->n_pcs; c++) pc[c] = pop < 0 ? 0.0 : (double)(c + pop) * 0.5;
            grs_norm_apply(m, k, 0.25 * (double)(pop + 1), pc, pop, o);
            dsink += o[0] + o[1] + o[2] + o[3];
        }
    }
    free(pc);
    (void)sink; (void)dsink;
    grs_norm_destroy(m);
    return 0;
}
