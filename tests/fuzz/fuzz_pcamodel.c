/* fuzz_pcamodel.c -- libFuzzer target: the .pcamodel reader of grs ancestry (host/pca.c,
 * grs_pca_model_read). After a successful read every variant, loading, eigenvalue, population
 * and provenance line is walked; the dimensions must be consistent. */
#include <math.h>

#include "fuzz_common.h"
#include "pca.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300];
    if (!fn[0]) fuzz_path(fn, sizeof(fn), "m.pcamodel");
    fuzz_write(fn, data, size);
    grs_pca_model_t *m = NULL;
    if (grs_pca_model_read(fn, &m) != 0) { if (m) abort(); return 0; }
    if (m->k < 1 || m->n_vars < 0 || m->n_assign < 0 || m->n_assign > m->k) abort();
    if (m->n_pops < 0 || (m->n_pops > 0 && !m->pops) || m->n_prov < 0) abort();
    volatile size_t sink = 0;
    volatile double dsink = m->p_threshold;
    for (int64_t j = 0; j < m->n_vars; j++) {
        sink += strlen(m->chrom[j]) + strlen(m->id[j]) + strlen(m->ref[j]) + strlen(m->alt[j]);
        dsink += m->freq[j] + m->scale[j] + (double)m->pos[j];
        for (int c = 0; c < m->k; c++) dsink += m->V[(size_t)c * (size_t)m->n_vars + (size_t)j];
    }
    for (int c = 0; c < m->k; c++) dsink += m->eigval[c] + m->shrink[c];
    for (int p = 0; p < m->n_pops; p++) {
        if (!m->pops[p].name) abort();
        sink += strlen(m->pops[p].name);
        for (int a = 0; a < m->n_assign; a++) dsink += m->pops[p].mean[a];
        for (int a = 0; a < m->n_assign * m->n_assign; a++) dsink += m->pops[p].cov[a];
    }
    for (int i = 0; i < m->n_prov; i++) sink += strlen(m->prov[i]);
    (void)sink; (void)dsink;
    grs_pca_model_destroy(m);
    return 0;
}
