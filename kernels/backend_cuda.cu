/* backend_cuda.cu -- the CUDA backend's vtable (grs_cuda_ops) and device discovery.
 *
 * Device discovery never aborts: no GPU, no driver or a driver too old for this runtime all
 * mean "0 devices", with the reason logged at INFO (PyTorch device_count_impl, ggml). The
 * runtime is linked statically, so a CUDA-enabled grs starts on machines without libcudart. */
#include <cuda_runtime.h>

#include <stdio.h>
#include <stdlib.h>

#include "grs/backend_ops.h"
#include "grs/log.h"
#include "grs/status.h"
#include "enet_cuda.h"

extern "C" int grs_cuda_device_count(void)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        if (e != cudaErrorNoDevice) grs_log_info("CUDA unavailable: %s", cudaGetErrorString(e));
        (void)cudaGetLastError();
        return 0;
    }
    return n;
}

typedef struct {
    int device;
    struct grs_cuda_enet_cache *enet;   /* device copy of a training genotype block (enet.cu) */
} cuda_ctx_t;

extern "C" struct grs_cuda_enet_cache **grs_cuda_enet_slot(struct grs_backend_s *be)
{
    return be && be->ctx ? &((cuda_ctx_t *)be->ctx)->enet : NULL;
}

static int cuda_available(void) { return grs_cuda_device_count(); }

static int cuda_open(struct grs_backend_s *be)
{
    int ret = GRS_EDEVICE, drv = 0, rt = 0;
    cudaDeviceProp prop;
    cuda_ctx_t *ctx = NULL;
    size_t len = 0;

    if (!(ctx = (cuda_ctx_t *)calloc(1, sizeof(*ctx)))) return GRS_ENOMEM;
    be->ctx = ctx;
    if (cudaSetDevice(0) != cudaSuccess || cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
        grs_log_error("cannot open CUDA device 0: %s", cudaGetErrorString(cudaGetLastError()));
        return ret;
    }
    cudaDriverGetVersion(&drv);
    cudaRuntimeGetVersion(&rt);
    len = 512;
    if (!(be->device = (char *)malloc(len))) return GRS_ENOMEM;
    snprintf(be->device, len, "%s (sm_%d%d, %.1f GiB), driver %d.%d, runtime %d.%d", prop.name,
             prop.major, prop.minor, prop.totalGlobalMem / 1073741824.0, drv / 1000, (drv % 1000) / 10,
             rt / 1000, (rt % 1000) / 10);
    return GRS_OK;
}

static void cuda_close(struct grs_backend_s *be)
{
    if (be->ctx) grs_cuda_enet_free(((cuda_ctx_t *)be->ctx)->enet);
    free(be->ctx);
    be->ctx = NULL;
}

extern "C" int grs_cuda_pgs(struct grs_backend_s *be, const grs_pgs_problem_t *p, grs_pgs_result_t *r);

extern "C" const struct grs_backend_ops grs_cuda_ops = {
    "cuda",
    cuda_available,
    cuda_open,
    cuda_close,
    grs_cuda_pgs,    /* kernels/pgs.cu */
    grs_cuda_enet_dot,      /* kernels/enet.cu: many columns on the GPU, few on the CPU */
    grs_cuda_enet_sqdot,    /* the CPU reference (enet.cu says why) */
    grs_cuda_enet_axpy,
    grs_cuda_enet_moments,
    grs_cuda_enet_axpy_dot,
    NULL,                   /* coordinate-descent steps: the host's CPU reference */
    NULL,
    NULL,
};
