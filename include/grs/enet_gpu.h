/* grs/enet_gpu.h -- the per-lane arithmetic of the CUDA Gᵀr kernel (kernels/enet.cu), shared
 * with its CPU replay (tests/unit/test_enet_device.c).
 *
 * The kernel gives one warp to a column j: lane l sums r[s]·x̃(j, s) over the packed bytes
 * l, l+32, l+64, … (byte b holds samples 4b .. 4b+3), each product and sum rounded once, then
 * the 32 lane sums are added by a shuffle-down tree (offsets 16, 8, 4, 2, 1): a fixed order, so
 * the result is identical run to run. It is not the CPU reference's order (grs/enet.h), so a
 * GPU dot differs from the CPU's by rounding only (relative ~1e-15 of Σ|r·x̃|).
 */
#ifndef GRS_ENET_GPU_H
#define GRS_ENET_GPU_H

#include <stdint.h>

#include "grs/defs.h"
#include "grs/enet.h"
#include "grs/pgs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRS_ENET_GPU_LANES 32

/** Lane `lane` of n_lanes: Σ r[s]·val[code(s)] over the bytes lane, lane + n_lanes, … of row. */
GRS_HD double grs_enet_dot_lane(const uint8_t *GRS_RESTRICT row, int64_t n_samples, const double *GRS_RESTRICT r,
                                const double val[4], int lane, int n_lanes)
{
    double acc = 0.0;
    const int64_t nb = (n_samples + 3) / 4;
    for (int64_t b = lane; b < nb; b += n_lanes) {
        const uint32_t byte = row[b];
        for (int j = 0; j < 4; j++) {
            const int64_t s = 4 * b + j;
            const uint32_t c = (byte >> (2 * j)) & 3u;   /* selects, not val[c]: registers on the GPU */
            const double x = c == 0 ? val[0] : c == 1 ? val[1] : c == 2 ? val[2] : val[3];
            if (s < n_samples) acc = grs_add_rn(acc, grs_mul_rn(r[s], x));
        }
    }
    return acc;
}

/** The four standardized values of a column, indexed by code (grs_enet_std_value). */
GRS_HD void grs_enet_col_values(double center, double inv_scale, double val[4])
{
    for (uint32_t c = 0; c < 4; c++) val[c] = grs_enet_std_value(c, center, inv_scale);
}

#ifdef __cplusplus
}
#endif
#endif
