/* pgs_stage.c -- see pgs_stage.h. Plain C: the CUDA backend stages with it, the CPU tests replay
 * the staged slab through the device arithmetic (grs_pgs_group) to check the kernels' schedule. */
#include "pgs_stage.h"

#include <math.h>

#include <string.h>

#define ALIGN64(x) (((x) + (size_t)63) & ~(size_t)63)

size_t grs_pgs_stage_var_bytes(const grs_pgs_problem_t *p, int64_t v, int64_t ldw)
{
    const grs_pgs_var_t *var = &p->vars[v];
    size_t b = sizeof(grs_pgs_var_t) + (size_t)ldw * sizeof(double) + (size_t)grs_geno_row_bytes(p->n_samples);
    if (var->dosage) b += ALIGN64((size_t)p->n_samples * sizeof(uint16_t));
    if (var->haploid) b += (size_t)grs_haploid_row_bytes(p->n_samples);
    return b;
}

int64_t grs_pgs_stage(const grs_pgs_problem_t *p, int64_t v0, int64_t k0, int64_t kg, int64_t ldw,
                      void *buf, size_t cap, uintptr_t dev_base, grs_pgs_slab_t *slab)
{
    const int64_t n = p->n_samples, K = p->n_scores;
    const size_t rb = (size_t)grs_geno_row_bytes(n), used = (size_t)((n + 3) / 4);
    const size_t db = ALIGN64((size_t)n * sizeof(uint16_t)), hb = (size_t)grs_haploid_row_bytes(n);
    uint8_t *base = (uint8_t *)buf;
    int64_t nv = 0;
    size_t total = 3 * 64;                              /* alignment slack of the regions */

    while (v0 + nv < p->n_vars) {                       /* how many fit */
        size_t b = grs_pgs_stage_var_bytes(p, v0 + nv, ldw);
        if (total + b > cap) break;
        total += b;
        nv++;
    }
    memset(slab, 0, sizeof(*slab));
    slab->v0 = v0;
    slab->n_vars = nv;
    slab->ldw = ldw;
    if (nv == 0) return 0;

    size_t off = 0;
    slab->off_vars = off;
    off = ALIGN64(off + (size_t)nv * sizeof(grs_pgs_var_t));
    slab->off_w = off;
    off = ALIGN64(off + (size_t)nv * (size_t)ldw * sizeof(double));
    grs_pgs_var_t *vars = (grs_pgs_var_t *)(base + slab->off_vars);
    double *W = (double *)(base + slab->off_w);
    for (int64_t i = 0; i < nv; i++) {
        const grs_pgs_var_t *src = &p->vars[v0 + i];
        grs_pgs_var_t *dst = &vars[i];
        *dst = *src;
        memcpy(base + off, src->codes, used);
        memset(base + off + used, 0, rb - used);
        dst->codes = (const uint32_t *)(dev_base + off);
        off += rb;
        if (src->dosage) {
            memcpy(base + off, src->dosage, (size_t)n * sizeof(uint16_t));
            dst->dosage = (const uint16_t *)(dev_base + off);
            off += db;
        }
        if (src->haploid) {
            memcpy(base + off, src->haploid, (size_t)((n + 7) / 8));
            dst->haploid = (const uint8_t *)(dev_base + off);
            off += hb;
        }
        double *w = W + i * ldw;
        for (int64_t k = 0; k < ldw; k++) w[k] = k < kg ? p->weights[(v0 + i) * K + k0 + k] : 0.0;
    }
    slab->bytes = off;
    return nv;
}

void grs_pgs_tc_scales(const grs_pgs_problem_t *p, int64_t k0, int64_t kg, double *scale)
{
    for (int64_t k = 0; k < kg; k++) scale[k] = 0.0;
    for (int64_t v = 0; v < p->n_vars; v++) {
        const grs_pgs_var_t *var = &p->vars[v];
        if (!grs_pgs_is_plain(var)) continue;
        const double *w = p->weights + v * p->n_scores + k0;
        double im = fabs(var->impute[1]) > 1.0 ? fabs(var->impute[1]) : 1.0;
        for (int64_t k = 0; k < kg; k++) {
            double x = fabs(w[k]) * im;
            if (x > scale[k]) scale[k] = x;
        }
    }
    for (int64_t k = 0; k < kg; k++) scale[k] = grs_pgs_tc_scale(scale[k]);
}
