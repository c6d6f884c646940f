/* grs/enet.h -- the genotype-block operations that elastic-net training needs, backend-neutral,
 * and the per-element arithmetic (GRS_HD) that the CPU reference and a CUDA kernel share.
 *
 * Training (host/enet.c) runs coordinate descent on a design whose genotype columns are never
 * densified: column j is the packed 2-bit row of variant j, standardized on the fly,
 *
 *     x̃(j, s) = (code(j, s) - center[j]) · inv_scale[j]     for a called genotype,
 *     x̃(j, s) = 0                                           for a missing one (code 3),
 *
 * which is mean imputation (center = training mean of the called dosages) followed by
 * standardization (inv_scale = 1 / SD of the imputed column over the training samples, with
 * glmnet's 1/n variance). A column with zero variance has inv_scale = 0 (all x̃ = 0).
 *
 * The hot operations on the block, each one a backend op (grs/backend_ops.h, optional there:
 * the CPU reference computes any op a backend leaves NULL):
 *     dot     out[k]  = Σ_s r[s] · x̃(cols[k], s)            (Gᵀr restricted to some columns)
 *     sqdot   out[k]  = Σ_s c[s] · x̃(cols[k], s)²           (weighted column norms, IRLS)
 *     axpy    r[s]   += Σ_k a[k] · c[s] · x̃(cols[k], s)     (residual update / Gβ: scoring)
 *     moments out[3j..3j+2] = Σ_s w[s]·[called], Σ_s w[s]·code, Σ_s w[s]·code²   (raw codes)
 *     axpy_dot  r[s] += a·c[s]·x̃(ja, s), then out = Σ_s r[s]·x̃(jd, s)   (one coordinate-descent
 *             step: exactly axpy then dot, fused into one pass over r)
 * c == NULL means c[s] = 1. Sums are taken over s = 0 .. n_samples-1 within blocks of
 * GRS_ENET_BLOCK samples: inside a block, lane i = 0..7 sums the samples s ≡ i (mod 8) in
 * increasing s and the block partial is ((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7));
 * block partials are added in block order starting from 0. A result does not depend on the
 * number of threads (threads split columns, or samples at block boundaries for axpy), and the
 * sum of one column equals the sum of calls over its blocks taken in order (host/enet.c relies
 * on it for dense features and the intercept).
 *
 * A CUDA implementation keeps the packed rows on the device (2 bits per genotype) and fills
 * the same ops; `dot` over many columns (the strong-rule screen and the KKT check over all
 * variants) is where a GPU pays off, the per-coordinate calls of the inner loop are latency
 * bound and may stay on the host.
 */
#ifndef GRS_ENET_H
#define GRS_ENET_H

#include <stdint.h>

#include "grs/defs.h"
#include "grs/geno.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRS_ENET_BLOCK 1024        /* samples per partial sum (fixed reduction order)      */

/** A genotype block: n_cols packed rows over n_samples samples, standardized on the fly. */
typedef struct grs_enet_geno_t {
    int64_t n_samples;            /* codes per row                                        */
    int64_t n_cols;               /* columns (selected variants)                          */
    const uint32_t *const *codes; /* n_cols packed rows (grs/geno.h layout), borrowed      */
    const double *center;         /* n_cols: training mean of called dosages              */
    const double *inv_scale;      /* n_cols: 1/SD of the imputed column, 0 if constant    */
    int n_threads;                /* CPU threads an op may use (>= 1)                     */
} grs_enet_geno_t;

/** x̃ for one 2-bit code. */
GRS_HD double grs_enet_std_value(uint32_t code, double center, double inv_scale)
{
    return code == GRS_GENO_MISSING ? 0.0 : ((double)code - center) * inv_scale;
}

/** Soft-thresholding operator S(z, l1) = sign(z)·max(|z| - l1, 0). */
GRS_HD double grs_enet_soft_threshold(double z, double l1)
{
    return z > l1 ? z - l1 : (z < -l1 ? z + l1 : 0.0);
}

/** The coordinate update of glmnet: S(u, l1) / (xv + l2), with l1 = λα·vp and
 *  l2 = λ(1-α)·vp (divided by the SD of y for the gaussian family, see host/enet.h). */
GRS_HD double grs_enet_coord_update(double u, double xv, double l1, double l2)
{
    return grs_enet_soft_threshold(u, l1) / (xv + l2);
}

#ifdef __cplusplus
}
#endif
#endif /* GRS_ENET_H */
