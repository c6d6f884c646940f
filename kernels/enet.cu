/* enet.cu -- Gᵀr for elastic-net training on the GPU: out[k] = Σ_s r[s]·x̃(cols[k], s).
 *
 * Data layout. The genotype block of a fit (grs_enet_geno_t: n_cols packed rows) is uploaded
 * once and stays on the device as 2-bit bytes, one row of row_bytes = ceil(n/4) padded to 16 per
 * column, in column order (staged through a pinned 64 MiB buffer). It is keyed by the block's
 * row-pointer array, its first and last row and its sizes; a different block replaces it. Per
 * call only r (n doubles), the listed column indices and their standardization (center,
 * 1/scale, gathered on the host) cross PCIe, and the n sums come back.
 *
 * Thread mapping. One warp per listed column, 4 warps a block. Lane l reads bytes l, l+32, …
 * of the row (32 consecutive bytes per step: one sector) and the 4 matching doubles of r each
 * (the warp reads 1 KiB of r per step, contiguous; r stays in L2 across columns).
 *
 * Reduction order. grs_enet_dot_lane (grs/enet_gpu.h) per lane, products and sums rounded once,
 * then a shuffle-down tree over the 32 lanes: fixed, so identical run to run; replayed on the
 * CPU by tests/unit/test_enet_device.c. It differs from the CPU reference's order by rounding.
 *
 * Bound. Memory: each call reads n/4 bytes per listed column (2-bit) and r from L2; a full
 * Gᵀr at 100,000 × 500,000 moves 12.5 GB, ~4 ms at 3 TB/s, against ~10 s for one CPU core at
 * the 0.8 ns/byte measured in benchmarks/RESULTS.md. Calls with few columns (the coordinate-
 * descent steps) are latency-bound on a GPU and go to the CPU reference, as do sqdot, axpy,
 * moments and axpy_dot: the GPU takes the strong-rule screens and KKT checks over many columns.
 * NOT YET RUN ON A GPU: compiled in CI, its arithmetic replayed on the CPU. Off by default
 * (the CPU reference answers) until a GPU run has validated it: GRS_CUDA_ENET=1 turns it on;
 * test_backends sets it.
 */
#include <cuda_runtime.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "grs/backend_ops.h"
#include "grs/enet_gpu.h"
#include "grs/log.h"
#include "grs/status.h"
#include "../reference/reference.h"
#include "enet_cuda.h"

#define ENET_WARPS 4
#define ENET_MIN_COLS 512                  /* fewer columns: the CPU reference is faster */
#define ENET_STAGE_BYTES ((size_t)64 << 20)

struct grs_cuda_enet_cache {
    const void *key, *first, *last;        /* g->codes, codes[0], codes[n_cols-1]            */
    int64_t n_cols, n_samples, row_bytes;
    uint8_t *d_rows;                       /* n_cols × row_bytes                              */
    double *d_r, *d_center, *d_inv, *d_out;
    int64_t *d_cols;
    int64_t cap;                           /* columns the per-call buffers hold               */
    double *h_center, *h_inv;              /* gathered per call                               */
    int failed;                            /* 1: does not fit the device; CPU from now on     */
};

__global__ void enet_dot_kernel(const uint8_t *__restrict__ rows, int64_t row_bytes, const int64_t *__restrict__ cols,
                                int64_t n, const double *__restrict__ center, const double *__restrict__ inv,
                                int64_t n_samples, const double *__restrict__ r, double *__restrict__ out)
{
    const int64_t k = (int64_t)blockIdx.x * ENET_WARPS + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (k >= n) return;                    /* whole warps leave together */
    double val[4];
    grs_enet_col_values(center[k], inv[k], val);
    double acc = grs_enet_dot_lane(rows + cols[k] * row_bytes, n_samples, r, val, lane, GRS_ENET_GPU_LANES);
    for (int off = 16; off > 0; off >>= 1) acc = grs_add_rn(acc, __shfl_down_sync(0xffffffffu, acc, off));
    if (lane == 0) out[k] = acc;
}

static void cache_release(struct grs_cuda_enet_cache *c)
{
    cudaFree(c->d_rows); cudaFree(c->d_r); cudaFree(c->d_center); cudaFree(c->d_inv); cudaFree(c->d_out);
    cudaFree(c->d_cols);
    free(c->h_center); free(c->h_inv);
    int failed = c->failed;
    memset(c, 0, sizeof(*c));
    c->failed = failed;
}

extern "C" void grs_cuda_enet_free(struct grs_cuda_enet_cache *c)
{
    if (!c) return;
    cache_release(c);
    free(c);
}

/* make the device copy of g's rows current; GRS_OK, or GRS_ENOMEM when it cannot be held */
static int cache_rows(struct grs_cuda_enet_cache *c, const grs_enet_geno_t *g)
{
    if (c->d_rows && c->key == (const void *)g->codes && c->n_cols == g->n_cols && c->n_samples == g->n_samples &&
        c->first == (const void *)g->codes[0] && c->last == (const void *)g->codes[g->n_cols - 1])
        return GRS_OK;
    cache_release(c);
    const int64_t row_bytes = ((g->n_samples + 3) / 4 + 15) / 16 * 16;
    size_t free_b = 0, total_b = 0;
    if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess ||
        (double)g->n_cols * (double)row_bytes > 0.7 * (double)free_b) {
        grs_log_info("CUDA: the %" PRId64 " x %" PRId64 " genotype block (%.1f GiB) does not fit the device; "
                     "training ops run on the CPU", g->n_samples, g->n_cols, (double)g->n_cols * row_bytes / 1073741824.0);
        (void)cudaGetLastError();
        c->failed = 1;
        return GRS_ENOMEM;
    }
    void *stage = NULL;
    int ret = GRS_OK;
    if (cudaMalloc((void **)&c->d_rows, (size_t)g->n_cols * row_bytes) != cudaSuccess ||
        cudaMallocHost(&stage, ENET_STAGE_BYTES) != cudaSuccess) {
        ret = GRS_ENOMEM;
        goto done;
    }
    {
        const int64_t per = (int64_t)(ENET_STAGE_BYTES / (size_t)row_bytes), used = (g->n_samples + 3) / 4;
        for (int64_t j0 = 0; j0 < g->n_cols; j0 += per) {
            const int64_t j1 = j0 + per < g->n_cols ? j0 + per : g->n_cols;
            for (int64_t j = j0; j < j1; j++) {
                uint8_t *dst = (uint8_t *)stage + (j - j0) * row_bytes;
                memcpy(dst, g->codes[j], (size_t)used);
                memset(dst + used, 0, (size_t)(row_bytes - used));
            }
            if (cudaMemcpy(c->d_rows + j0 * row_bytes, stage, (size_t)(j1 - j0) * row_bytes, cudaMemcpyHostToDevice) != cudaSuccess) {
                ret = GRS_EDEVICE;
                goto done;
            }
        }
    }
    c->key = g->codes; c->first = g->codes[0]; c->last = g->codes[g->n_cols - 1];
    c->n_cols = g->n_cols; c->n_samples = g->n_samples; c->row_bytes = row_bytes;
    if (cudaMalloc((void **)&c->d_r, (size_t)g->n_samples * sizeof(double)) != cudaSuccess) ret = GRS_ENOMEM;
done:
    if (stage) cudaFreeHost(stage);
    if (ret < 0) {
        grs_log_info("CUDA: cannot hold the genotype block on the device (%s); training ops run on the CPU",
                     cudaGetErrorString(cudaGetLastError()));
        cache_release(c);
        c->failed = 1;
    }
    return ret;
}

static int cache_cols(struct grs_cuda_enet_cache *c, int64_t n)
{
    if (n <= c->cap) return GRS_OK;
    cudaFree(c->d_center); cudaFree(c->d_inv); cudaFree(c->d_out); cudaFree(c->d_cols);
    free(c->h_center); free(c->h_inv);
    c->d_center = c->d_inv = c->d_out = NULL; c->d_cols = NULL; c->h_center = c->h_inv = NULL; c->cap = 0;
    if (cudaMalloc((void **)&c->d_center, (size_t)n * 8) != cudaSuccess || cudaMalloc((void **)&c->d_inv, (size_t)n * 8) != cudaSuccess ||
        cudaMalloc((void **)&c->d_out, (size_t)n * 8) != cudaSuccess || cudaMalloc((void **)&c->d_cols, (size_t)n * 8) != cudaSuccess ||
        !(c->h_center = (double *)malloc((size_t)n * 8)) || !(c->h_inv = (double *)malloc((size_t)n * 8)))
        return GRS_ENOMEM;
    c->cap = n;
    return GRS_OK;
}

extern "C" int grs_cuda_enet_dot(struct grs_backend_s *be, const grs_enet_geno_t *g, const int64_t *cols, int64_t n,
                                 const double *r, double *out)
{
    /* the per-coordinate calls (few columns) go straight to the CPU: nothing else on their path */
    if (n < ENET_MIN_COLS || g->n_samples < 1) return grs_ref_enet_dot(g, cols, n, r, out);
    /* off until a GPU run has validated it (as the tensor-core scoring path): GRS_CUDA_ENET=1 */
    const char *on = getenv("GRS_CUDA_ENET");
    struct grs_cuda_enet_cache **slot = grs_cuda_enet_slot(be);
    if (!on || strcmp(on, "1") != 0 || !slot) return grs_ref_enet_dot(g, cols, n, r, out);
    if (!*slot && !(*slot = (struct grs_cuda_enet_cache *)calloc(1, sizeof(**slot)))) return GRS_ENOMEM;
    struct grs_cuda_enet_cache *c = *slot;
    if (c->failed || cache_rows(c, g) < 0) return grs_ref_enet_dot(g, cols, n, r, out);
    if (cache_cols(c, n) < 0) return grs_ref_enet_dot(g, cols, n, r, out);
    for (int64_t k = 0; k < n; k++) {
        c->h_center[k] = g->center[cols[k]];
        c->h_inv[k] = g->inv_scale[cols[k]];
    }
    if (cudaMemcpy(c->d_r, r, (size_t)g->n_samples * 8, cudaMemcpyHostToDevice) != cudaSuccess ||
        cudaMemcpy(c->d_cols, cols, (size_t)n * 8, cudaMemcpyHostToDevice) != cudaSuccess ||
        cudaMemcpy(c->d_center, c->h_center, (size_t)n * 8, cudaMemcpyHostToDevice) != cudaSuccess ||
        cudaMemcpy(c->d_inv, c->h_inv, (size_t)n * 8, cudaMemcpyHostToDevice) != cudaSuccess) {
        grs_log_error("CUDA: enet dot upload failed: %s", cudaGetErrorString(cudaGetLastError()));
        return GRS_EDEVICE;
    }
    enet_dot_kernel<<<(unsigned)((n + ENET_WARPS - 1) / ENET_WARPS), 32 * ENET_WARPS>>>(
        c->d_rows, c->row_bytes, c->d_cols, n, c->d_center, c->d_inv, g->n_samples, c->d_r, c->d_out);
    cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess) e = cudaMemcpy(out, c->d_out, (size_t)n * 8, cudaMemcpyDeviceToHost);
    if (e != cudaSuccess) {
        grs_log_error("CUDA: enet dot kernel failed: %s", cudaGetErrorString(e));
        return GRS_EDEVICE;
    }
    return GRS_OK;
}

/* the other training ops: latency-bound per coordinate, or once per fit: the CPU reference */
extern "C" int grs_cuda_enet_sqdot(struct grs_backend_s *be, const grs_enet_geno_t *g, const int64_t *cols, int64_t n,
                                   const double *cw, double *out)
{
    (void)be;
    return grs_ref_enet_sqdot(g, cols, n, cw, out);
}

extern "C" int grs_cuda_enet_axpy(struct grs_backend_s *be, const grs_enet_geno_t *g, const int64_t *cols, int64_t n,
                                  const double *a, const double *cw, double *r)
{
    (void)be;
    return grs_ref_enet_axpy(g, cols, n, a, cw, r);
}

extern "C" int grs_cuda_enet_moments(struct grs_backend_s *be, const grs_enet_geno_t *g, const double *w, double *out)
{
    (void)be;
    return grs_ref_enet_moments(g, w, out);
}

extern "C" int grs_cuda_enet_axpy_dot(struct grs_backend_s *be, const grs_enet_geno_t *g, int64_t ja, double a,
                                      const double *cw, int64_t jd, double *r, double *out)
{
    (void)be;
    return grs_ref_enet_axpy_dot(g, ja, a, cw, jd, r, out);
}
