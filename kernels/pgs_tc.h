/* pgs_tc.h -- the integer tensor-core path of the CUDA scoring op (kernels/pgs_tc.cu), called by
 * kernels/pgs.cu for score groups of >= GRS_PGS_TC_MIN_SCORES scores when GRS_CUDA_TC=1. */
#ifndef GRS_PGS_TC_H
#define GRS_PGS_TC_H

#include <cuda_runtime.h>
#include <stdint.h>

#include "grs/pgs.h"

/** Rows of the Q matrix for a launch range of n_vars variants (2 per variant, padded to 16). */
extern "C" int64_t grs_pgs_tc_rows(int64_t n_vars);

/** Samples the limb-sum buffer L holds per score (n_samples rounded up to whole blocks). */
extern "C" int64_t grs_pgs_tc_samples_padded(int64_t n_samples);

/** Sum the plain variants [a, b) of a staged slab (within one chunk) into the limb sums L, on
 *  stream st; at the chunk's last launch (flush) add the chunk's value to acc (n_samples × kg
 *  fixed-point) and zero L. Q: 4 × ceil(kg/16) × grs_pgs_tc_rows(b - a) × 16 bytes of device
 *  scratch; L: 4 × grs_pgs_tc_samples_padded(n) × 16·ceil(kg/16) int32, zeroed before the first
 *  chunk; both 256-byte aligned. scale: kg device doubles (grs_pgs_tc_scales). */
extern "C" cudaError_t grs_pgs_tc_launch(cudaStream_t st, const grs_pgs_var_t *vars, const double *W, int64_t ldw,
                                         int64_t a, int64_t b, int64_t n_samples, int64_t kg,
                                         const double *scale, int8_t *Q, int32_t *L, int flush, grs_fix128_t *acc);

#endif
