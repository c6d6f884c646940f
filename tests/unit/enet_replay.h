/* enet_replay.h -- the CUDA Gᵀr kernel (kernels/enet.cu) replayed on the CPU: 32 lanes of
 * grs_enet_dot_lane, then the shuffle-down tree (a lane whose partner is past lane 31 reads its
 * own value, as __shfl_down_sync does). Used by test_enet_device (CPU) and test_backends (GPU:
 * the device result must equal this bit for bit). */
#ifndef GRS_TEST_ENET_REPLAY_H
#define GRS_TEST_ENET_REPLAY_H

#include "grs/enet_gpu.h"

static inline double enet_replay_dot(const grs_enet_geno_t *g, int64_t j, const double *r)
{
    double val[4], v[GRS_ENET_GPU_LANES], nv[GRS_ENET_GPU_LANES];
    grs_enet_col_values(g->center[j], g->inv_scale[j], val);
    for (int l = 0; l < GRS_ENET_GPU_LANES; l++)
        v[l] = grs_enet_dot_lane((const uint8_t *)g->codes[j], g->n_samples, r, val, l, GRS_ENET_GPU_LANES);
    for (int off = 16; off > 0; off >>= 1) {
        for (int l = 0; l < GRS_ENET_GPU_LANES; l++) nv[l] = v[l] + (l + off < GRS_ENET_GPU_LANES ? v[l + off] : v[l]);
        for (int l = 0; l < GRS_ENET_GPU_LANES; l++) v[l] = nv[l];
    }
    return v[0];
}

#endif
