/* grs/backend_ops.h -- the backend vtable that reference/ and kernels/ fill (ggml_backend_i,
 * htslib hFILE_backend). For backend implementers and host/backend.c only; commands use
 * grs/backend.h. */
#ifndef GRS_BACKEND_OPS_H
#define GRS_BACKEND_OPS_H

#include "grs/enet.h"
#include "grs/pgs.h"

#ifdef __cplusplus
extern "C" {
#endif

struct grs_backend_s;

struct grs_backend_ops {
    const char *name;                                     /* "cpu", "cuda"                    */
    /* number of usable devices (cpu: 1). 0 means this backend cannot be opened here.          */
    int (*available)(void);
    /* set be->ctx and be->device (a malloc'd description). GRS_OK / GRS_EDEVICE / GRS_ENOMEM */
    int (*open)(struct grs_backend_s *be);
    /* free be->ctx (not be->device). Accepts a half-opened backend.                          */
    void (*close)(struct grs_backend_s *be);
    /* evaluate a scoring problem (grs/pgs.h); host memory in and out                         */
    int (*pgs)(struct grs_backend_s *be, const grs_pgs_problem_t *p, grs_pgs_result_t *r);
    /* elastic-net ops on a standardized genotype block (grs/enet.h); each (optional): NULL
     * means the host computes it with the CPU reference. Return GRS_OK / GRS_ENOMEM / ...     */
    /* out[k] = Σ_s r[s]·x̃(cols[k], s)                                             (optional) */
    int (*enet_dot)(struct grs_backend_s *be, const grs_enet_geno_t *g, const int64_t *cols,
                    int64_t n, const double *r, double *out);
    /* out[k] = Σ_s c[s]·x̃(cols[k], s)²; c NULL = 1                                (optional) */
    int (*enet_sqdot)(struct grs_backend_s *be, const grs_enet_geno_t *g, const int64_t *cols,
                      int64_t n, const double *c, double *out);
    /* r[s] += Σ_k a[k]·c[s]·x̃(cols[k], s); c NULL = 1                             (optional) */
    int (*enet_axpy)(struct grs_backend_s *be, const grs_enet_geno_t *g, const int64_t *cols,
                     int64_t n, const double *a, const double *c, double *r);
    /* out[3j+0..2] = Σ w·[called], Σ w·code, Σ w·code² for every column; w NULL = 1 (optional) */
    int (*enet_moments)(struct grs_backend_s *be, const grs_enet_geno_t *g, const double *w,
                        double *out);
    /* r[s] += a·c[s]·x̃(ja, s) for every s (c NULL = 1), then *out = Σ_s r[s]·x̃(jd, s) with the
     * updated r: bit-identical to enet_axpy({ja}) followed by enet_dot({jd}), one pass over r
     * (the coordinate-descent step).                                                (optional) */
    int (*enet_axpy_dot)(struct grs_backend_s *be, const grs_enet_geno_t *g, int64_t ja, double a,
                         const double *c, int64_t jd, double *r, double *out);
    /* The coordinate-descent step on host memory, on samples [s0, s1) (s0 a multiple of
     * GRS_ENET_BLOCK): the threads of host/enet.c's coordinate descent split the samples and
     * call these at once on disjoint ranges. part[i] receives the partial sum of the block
     * that starts at s0 + i·GRS_ENET_BLOCK, as enet_dot / enet_axpy_dot compute it, so the
     * ordered sum of all blocks' partials is their result. No failure. (optional: NULL = the
     * CPU reference's; a GPU backend leaves them NULL, a step is too small for a device)     */
    void (*enet_dot_part)(const grs_enet_geno_t *g, int64_t j, const double *r, int64_t s0,
                          int64_t s1, double *part);
    void (*enet_axpy_range)(const grs_enet_geno_t *g, int64_t j, double a, const double *c,
                            int64_t s0, int64_t s1, double *r);
    void (*enet_axpy_dot_part)(const grs_enet_geno_t *g, int64_t ja, double a, const double *c,
                               int64_t jd, double *r, int64_t s0, int64_t s1, double *part);
};

struct grs_backend_s {
    const struct grs_backend_ops *ops;
    void *ctx;          /* backend-private state (device memory lives only here)   */
    char *device;       /* description for logs and provenance                     */
};

/* the tables */
extern const struct grs_backend_ops grs_ref_ops;
extern const struct grs_backend_ops grs_cuda_ops;

#ifdef __cplusplus
}
#endif
#endif
