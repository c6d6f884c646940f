/* pgs.cu -- polygenic scores on the GPU: acc[s][k] += Σ_v W[v][k]·e(v, s) on 2-bit genotypes.
 *
 * Data layout. The matched variants are staged on the host into slabs (reference/pgs_stage.h):
 * a var table, the weights W[v][ldw] of the current score group, the packed 2-bit rows (grs
 * codes, 4 samples a byte, rows padded to 64 B), and dosage/haploid rows only for the variants
 * that have them. Genotypes cross PCIe and live on the device as those 2-bit rows; they are
 * decoded in registers inside the kernel, never expanded in memory. Two slabs are in flight:
 * the host fills slab t+1 in pinned memory while slab t is copied (copy stream) and scored
 * (compute stream).
 *
 * Thread mapping. One thread per genotype byte (samples 4g .. 4g+3) and per tile of KT scores
 * (blockIdx.y). A warp reads 32 consecutive bytes of a row (one 32-byte sector: coalesced);
 * the variant descriptors and weights of the launch's variants are staged through shared
 * memory in tiles of GRS_PGS_TILE_V variants (grs_pgs_load_tile: every thread of the block
 * copies its share, then all read the tile as a broadcast). The per-thread work is
 * grs_pgs_group() (grs/pgs.h) on the tile, the same GRS_HD functions the CPU tests replay.
 *
 * Reduction order. Within a GRS_PGS_CHUNK of consecutive matched variants each (sample, score)
 * partial is a double summed in variant order with every product and sum rounded once (no FMA
 * contraction): exactly the CPU reference's K = 1 operations, so for one score the GPU and CPU
 * results are bit-identical. Partials persist in `part` between launches (a slab may end inside
 * a chunk); at each chunk end they are added to the 128-bit fixed-point accumulator with the
 * CPU's conversion (grs_fix128_add_double), so results never depend on slab or launch sizes.
 * Allele counts and named dosages are integers (named: multiples of 2^-14) summed exactly.
 *
 * Bound. K ≤ ~4: memory — each genotype byte is read once per score tile; at K = 1 the floor
 * is 2-bit bytes / PCIe bandwidth when streamed (n·m/4 bytes) or / HBM bandwidth when resident.
 * Larger K: fp64 FMA — 4·K products per byte, ~67 TFLOP/s fp64 on an H100. Score groups of
 * >= 32 scores can take the exact int8 tensor-core path instead (kernels/pgs_tc.cu, GRS_CUDA_TC=1,
 * off by default until run on a GPU): it sums the plain variants of each chunk exactly in
 * integer limbs and converts that sum at the chunk end; this kernel then adds the rest
 * (skip_plain) in `part` and counts every call.
 * Resources (nvcc 13.0 -arch=sm_90 -Xptxas=-v): KT = 1/2/4/8 use 86/104/118/160 registers,
 * 7/8/10/14 KiB static shared memory, no spills.
 * NOT YET RUN ON A GPU: compiled in CI, its arithmetic and schedule tested on the CPU
 * (tests/unit/test_pgs_device.c).
 */
#include <cuda_runtime.h>

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grs/backend_ops.h"
#include "grs/log.h"
#include "grs/pgs.h"
#include "grs/status.h"
#include "pgs_stage.h"
#include "pgs_tc.h"

#define THREADS 128

template <int KT>
__global__ void pgs_kernel(const grs_pgs_var_t *__restrict__ vars, const double *__restrict__ W,
                           int64_t ldw, int64_t v0, int64_t v1, int64_t n_samples, int64_t kg,
                           double *__restrict__ part, int flush, grs_fix128_t *__restrict__ acc,
                           int count, int64_t *__restrict__ ct, double *__restrict__ named, int skip_plain)
{
    __shared__ grs_pgs_var_t s_vars[GRS_PGS_TILE_V];     /* 48 B each: 6 KiB          */
    __shared__ double s_w[GRS_PGS_TILE_V * KT];           /* up to 8 KiB at KT = 8     */
    const int64_t n_groups = (n_samples + 3) / 4;
    const int64_t g = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    const bool active = g < n_groups;                     /* idle threads still load tiles */
    const int64_t k0 = (int64_t)blockIdx.y * KT;
    const int do_count = count && blockIdx.y == 0;
    int64_t ns = n_samples - 4 * g;
    if (ns > 4) ns = 4;

    double a[4 * KT];
#pragma unroll
    for (int j = 0; j < 4; j++)
#pragma unroll
        for (int k = 0; k < KT; k++) a[j * KT + k] = active && j < ns ? part[(4 * g + j) * ldw + k0 + k] : 0.0;
    int64_t c[4] = { 0, 0, 0, 0 };
    double nm[4] = { 0.0, 0.0, 0.0, 0.0 };

    for (int64_t t0 = v0; t0 < v1; t0 += GRS_PGS_TILE_V) {
        const int tv = (int)(v1 - t0 < GRS_PGS_TILE_V ? v1 - t0 : GRS_PGS_TILE_V);
        __syncthreads();                                  /* the previous tile is consumed */
        grs_pgs_load_tile(vars, W, ldw, t0, tv, k0, KT, s_vars, s_w, threadIdx.x, blockDim.x);
        __syncthreads();
        if (active) grs_pgs_group(s_vars, s_w, KT, 0, tv, g, n_samples, 0, KT, a, do_count, c, nm, skip_plain);
    }
    if (!active) return;

    for (int j = 0; j < ns; j++) {
        const int64_t s = 4 * g + j;
#pragma unroll
        for (int k = 0; k < KT; k++) {
            double x = a[j * KT + k];
            if (!flush) part[s * ldw + k0 + k] = x;
            else {
                part[s * ldw + k0 + k] = 0.0;
                if (k0 + k < kg) grs_fix128_add_double(&acc[s * kg + k0 + k], x);
            }
        }
        if (do_count) {
            ct[s] += c[j];
            named[s] += nm[j];
        }
    }
}

/* ---- host driver ------------------------------------------------------------------------- */

#define CK(call)                                                                                  \
    do {                                                                                          \
        cudaError_t e_ = (call);                                                                  \
        if (e_ != cudaSuccess) {                                                                  \
            grs_log_error("CUDA: %s failed: %s", #call, cudaGetErrorString(e_));                  \
            ret = GRS_EDEVICE;                                                                    \
            goto done;                                                                            \
        }                                                                                         \
    } while (0)

static int launch(int KT, dim3 grid, cudaStream_t st, const grs_pgs_var_t *vars, const double *W,
                  int64_t ldw, int64_t v0, int64_t v1, int64_t n, int64_t kg, double *part, int flush,
                  grs_fix128_t *acc, int count, int64_t *ct, double *named, int skip_plain)
{
    switch (KT) {
    case 1: pgs_kernel<1><<<grid, THREADS, 0, st>>>(vars, W, ldw, v0, v1, n, kg, part, flush, acc, count, ct, named, skip_plain); break;
    case 2: pgs_kernel<2><<<grid, THREADS, 0, st>>>(vars, W, ldw, v0, v1, n, kg, part, flush, acc, count, ct, named, skip_plain); break;
    case 4: pgs_kernel<4><<<grid, THREADS, 0, st>>>(vars, W, ldw, v0, v1, n, kg, part, flush, acc, count, ct, named, skip_plain); break;
    default: pgs_kernel<8><<<grid, THREADS, 0, st>>>(vars, W, ldw, v0, v1, n, kg, part, flush, acc, count, ct, named, skip_plain); break;
    }
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) {
        grs_log_error("CUDA: scoring kernel launch failed: %s", cudaGetErrorString(e));
        return GRS_EDEVICE;
    }
    return GRS_OK;
}

static int tile_for(int64_t kg) { return kg <= 1 ? 1 : kg <= 2 ? 2 : kg <= 4 ? 4 : 8; }

extern "C" int grs_cuda_pgs(struct grs_backend_s *be, const grs_pgs_problem_t *p, grs_pgs_result_t *r)
{
    (void)be;
    const int64_t n = p->n_samples, K = p->n_scores;
    int ret = GRS_OK;
    size_t free_b = 0, total_b = 0;
    cudaStream_t s_copy = NULL, s_comp = NULL;
    cudaEvent_t copied[2] = { NULL, NULL }, scored[2] = { NULL, NULL };
    void *host[2] = { NULL, NULL }, *dev[2] = { NULL, NULL };
    double *d_part = NULL, *d_named = NULL, *h_named = NULL;
    grs_fix128_t *d_acc = NULL, *h_acc = NULL;
    int64_t *d_ct = NULL, *h_ct = NULL;
    int64_t kg_max, slab_cap;
    double *d_scale = NULL, *h_scale = NULL;
    int8_t *d_q = NULL;
    int32_t *d_l = NULL;
    const char *tc_env = getenv("GRS_CUDA_TC");
    const int tc_on = tc_env && strcmp(tc_env, "1") == 0;

    if (n <= 0 || p->n_vars <= 0 || K <= 0) return GRS_OK;
    CK(cudaMemGetInfo(&free_b, &total_b));
    /* per score: part (8 B) + acc (16 B) per sample; keep them under 40% of free memory */
    kg_max = (int64_t)((double)free_b * 0.4 / (24.0 * (double)n)) / 8 * 8;
    if (kg_max < 8) {
        grs_log_error("CUDA: %" PRId64 " samples need %.1f GiB of accumulators per 8 scores; %.1f GiB free",
                      n, 8 * 24.0 * n / 1073741824.0, free_b / 1073741824.0);
        return GRS_ENOMEM;
    }
    if (tc_on) {   /* + 16 B of limb sums per sample and score; Q scratch: 4 x 256 tiles x 8192 rows x 16 B */
        kg_max = (int64_t)((double)free_b * 0.4 / (40.0 * (double)n)) / 16 * 16;
        if (kg_max > 4096) kg_max = 4096;
        if (kg_max < 16) kg_max = 16;
    }
    slab_cap = (int64_t)((double)free_b * 0.15);
    if (slab_cap > ((int64_t)256 << 20)) slab_cap = (int64_t)256 << 20;

    CK(cudaStreamCreateWithFlags(&s_copy, cudaStreamNonBlocking));
    CK(cudaStreamCreateWithFlags(&s_comp, cudaStreamNonBlocking));
    for (int i = 0; i < 2; i++) {
        CK(cudaEventCreateWithFlags(&copied[i], cudaEventDisableTiming));
        CK(cudaEventCreateWithFlags(&scored[i], cudaEventDisableTiming));
        CK(cudaMallocHost(&host[i], (size_t)slab_cap));
        CK(cudaMalloc(&dev[i], (size_t)slab_cap));
    }
    CK(cudaMalloc((void **)&d_ct, (size_t)n * sizeof(int64_t)));
    CK(cudaMalloc((void **)&d_named, (size_t)n * sizeof(double)));
    CK(cudaMemsetAsync(d_ct, 0, (size_t)n * sizeof(int64_t), s_comp));
    CK(cudaMemsetAsync(d_named, 0, (size_t)n * sizeof(double), s_comp));

    for (int64_t k0 = 0; k0 < K; k0 += kg_max) {          /* score groups: genotypes re-streamed */
        const int64_t kg = K - k0 < kg_max ? K - k0 : kg_max;
        const int KT = tile_for(kg);
        const int64_t ldw = (kg + KT - 1) / KT * KT;
        const int count = k0 == 0 && (r->allele_ct || r->named_dosage);
        const dim3 grid((unsigned)((((n + 3) / 4) + THREADS - 1) / THREADS), (unsigned)(ldw / KT));
        const int use_tc = tc_on && kg >= GRS_PGS_TC_MIN_SCORES;
        if (use_tc) {
            if (!(h_scale = (double *)malloc((size_t)kg * sizeof(double)))) { ret = GRS_ENOMEM; goto done; }
            grs_pgs_tc_scales(p, k0, kg, h_scale);
            const size_t l_bytes = (size_t)4 * grs_pgs_tc_samples_padded(n) * ((kg + 15) / 16 * 16) * sizeof(int32_t);
            CK(cudaMalloc((void **)&d_scale, (size_t)kg * sizeof(double)));
            CK(cudaMemcpy(d_scale, h_scale, (size_t)kg * sizeof(double), cudaMemcpyHostToDevice));
            CK(cudaMalloc((void **)&d_q, (size_t)4 * ((kg + 15) / 16) * grs_pgs_tc_rows(GRS_PGS_CHUNK) * 16));
            CK(cudaMalloc((void **)&d_l, l_bytes));
            CK(cudaMemsetAsync(d_l, 0, l_bytes, s_comp));
        }
        CK(cudaMalloc((void **)&d_part, (size_t)n * ldw * sizeof(double)));
        CK(cudaMalloc((void **)&d_acc, (size_t)n * kg * sizeof(grs_fix128_t)));
        CK(cudaMemsetAsync(d_part, 0, (size_t)n * ldw * sizeof(double), s_comp));
        CK(cudaMemsetAsync(d_acc, 0, (size_t)n * kg * sizeof(grs_fix128_t), s_comp));

        int64_t v = 0;
        for (int t = 0; v < p->n_vars; t++) {
            const int i = t & 1;
            grs_pgs_slab_t slab;
            CK(cudaEventSynchronize(copied[i]));      /* pinned buffer i no longer being read */
            if (grs_pgs_stage(p, v, k0, kg, ldw, host[i], (size_t)slab_cap, (uintptr_t)dev[i], &slab) == 0) {
                grs_log_error("CUDA: one variant does not fit a %" PRId64 "-byte staging slab", slab_cap);
                ret = GRS_ENOMEM;
                goto done;
            }
            CK(cudaStreamWaitEvent(s_copy, scored[i], 0));   /* device slab i no longer being read */
            CK(cudaMemcpyAsync(dev[i], host[i], slab.bytes, cudaMemcpyHostToDevice, s_copy));
            CK(cudaEventRecord(copied[i], s_copy));
            CK(cudaStreamWaitEvent(s_comp, copied[i], 0));
            const grs_pgs_var_t *d_vars = (const grs_pgs_var_t *)((char *)dev[i] + slab.off_vars);
            const double *d_W = (const double *)((char *)dev[i] + slab.off_w);
            /* launches never cross a chunk boundary of the problem's variant order */
            for (int64_t a = 0; a < slab.n_vars;) {
                int64_t gv = v + a, chunk_end = (gv / GRS_PGS_CHUNK + 1) * GRS_PGS_CHUNK;
                int64_t b = chunk_end - v < slab.n_vars ? chunk_end - v : slab.n_vars;
                int flush = v + b == chunk_end || v + b == p->n_vars;
                if (use_tc) CK(grs_pgs_tc_launch(s_comp, d_vars, d_W, ldw, a, b, n, kg, d_scale, d_q, d_l, flush, d_acc));
                ret = launch(KT, grid, s_comp, d_vars, d_W, ldw, a, b, n, kg, d_part, flush, d_acc, count,
                             d_ct, d_named, use_tc);
                if (ret < 0) goto done;
                a = b;
            }
            CK(cudaEventRecord(scored[i], s_comp));
            v += slab.n_vars;
        }
        CK(cudaStreamSynchronize(s_comp));
        if (!(h_acc = (grs_fix128_t *)malloc((size_t)n * kg * sizeof(grs_fix128_t)))) { ret = GRS_ENOMEM; goto done; }
        CK(cudaMemcpy(h_acc, d_acc, (size_t)n * kg * sizeof(grs_fix128_t), cudaMemcpyDeviceToHost));
        for (int64_t s = 0; s < n; s++)
            for (int64_t k = 0; k < kg; k++) grs_fix128_add_to(&r->acc[s * K + k0 + k], h_acc[s * kg + k]);
        free(h_acc);
        h_acc = NULL;
        CK(cudaFree(d_part));
        d_part = NULL;
        CK(cudaFree(d_acc));
        d_acc = NULL;
        cudaFree(d_scale);
        d_scale = NULL;
        cudaFree(d_q);
        d_q = NULL;
        cudaFree(d_l);
        d_l = NULL;
        free(h_scale);
        h_scale = NULL;
    }
    if (r->allele_ct || r->named_dosage) {
        if (!(h_ct = (int64_t *)malloc((size_t)n * sizeof(int64_t))) || !(h_named = (double *)malloc((size_t)n * sizeof(double)))) {
            ret = GRS_ENOMEM;
            goto done;
        }
        CK(cudaMemcpy(h_ct, d_ct, (size_t)n * sizeof(int64_t), cudaMemcpyDeviceToHost));
        CK(cudaMemcpy(h_named, d_named, (size_t)n * sizeof(double), cudaMemcpyDeviceToHost));
        for (int64_t s = 0; s < n; s++) {
            if (r->allele_ct) r->allele_ct[s] += h_ct[s];
            if (r->named_dosage) r->named_dosage[s] += h_named[s];
        }
    }
done:
    if (s_comp) cudaStreamSynchronize(s_comp);
    if (s_copy) cudaStreamSynchronize(s_copy);
    for (int i = 0; i < 2; i++) {
        if (host[i]) cudaFreeHost(host[i]);
        if (dev[i]) cudaFree(dev[i]);
        if (copied[i]) cudaEventDestroy(copied[i]);
        if (scored[i]) cudaEventDestroy(scored[i]);
    }
    cudaFree(d_part);
    cudaFree(d_acc);
    cudaFree(d_scale);
    cudaFree(d_q);
    cudaFree(d_l);
    free(h_scale);
    cudaFree(d_ct);
    cudaFree(d_named);
    if (s_copy) cudaStreamDestroy(s_copy);
    if (s_comp) cudaStreamDestroy(s_comp);
    free(h_acc);
    free(h_ct);
    free(h_named);
    return ret;
}
