/* pgs_stage.h -- staging a block of a scoring problem into one contiguous buffer, the unit the
 * CUDA backend copies to the device (and that the CPU tests replay with grs_pgs_group).
 *
 * Layout of a slab (every region 64-byte aligned), for variants [v0, v0+n_vars) of a problem:
 *   vars     n_vars × grs_pgs_var_t   codes/dosage/haploid point INTO THIS SLAB at the address
 *                                     the slab will have where it is used (dev_base + offset)
 *   W        n_vars × ldw doubles     the scores [k0, k0+kg) of each variant, zero-padded to ldw
 *   codes    n_vars × row_bytes       packed 2-bit rows (grs codes), tail bytes zero
 *   dosage   one n_samples uint16 row per variant that has a dosage plane
 *   haploid  one bitset row per variant that has haploid samples
 * Nothing in a slab points outside it, so one memcpy moves it.
 */
#ifndef GRS_PGS_STAGE_H
#define GRS_PGS_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "grs/pgs.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grs_pgs_slab_t {
    int64_t v0, n_vars;      /* problem variants [v0, v0 + n_vars)                          */
    int64_t ldw;             /* row length of W                                             */
    size_t bytes;            /* bytes used at the start of the buffer                       */
    size_t off_vars, off_w;  /* offsets of the var table and W                              */
} grs_pgs_slab_t;

/** Bytes variant v needs in a slab with weight rows of ldw doubles. */
size_t grs_pgs_stage_var_bytes(const grs_pgs_problem_t *p, int64_t v, int64_t ldw);

/**
 * Stage variants v0, v0+1, … (< p->n_vars) while they fit in cap bytes of buf, taking the scores
 * [k0, k0+kg) into rows of ldw >= kg doubles. Pointers in the staged var table are computed
 * from dev_base (pass (uintptr_t)buf to use the slab where it is).
 * @return the number of variants staged (0 when even v0 alone does not fit in cap).
 */
int64_t grs_pgs_stage(const grs_pgs_problem_t *p, int64_t v0, int64_t k0, int64_t kg, int64_t ldw,
                      void *buf, size_t cap, uintptr_t dev_base, grs_pgs_slab_t *slab);

/** scale[k] of the integer tensor-core path (grs/pgs.h) for scores [k0, k0+kg): from the
 *  largest |W| and |W·impute| over the problem's plain variants. Host code; the CUDA backend
 *  and the CPU replay call it. */
void grs_pgs_tc_scales(const grs_pgs_problem_t *p, int64_t k0, int64_t kg, double *scale);

#ifdef __cplusplus
}
#endif
#endif
