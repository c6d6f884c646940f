/* enet_cuda.h -- the CUDA backend's training ops (kernels/enet.cu) and the per-backend cache of
 * the device copy of a genotype block (owned by the backend context, kernels/backend_cuda.cu). */
#ifndef GRS_ENET_CUDA_H
#define GRS_ENET_CUDA_H

#include "grs/backend_ops.h"

struct grs_cuda_enet_cache;

/** The cache slot of an open CUDA backend (NULL if none). */
extern "C" struct grs_cuda_enet_cache **grs_cuda_enet_slot(struct grs_backend_s *be);
extern "C" void grs_cuda_enet_free(struct grs_cuda_enet_cache *c);

extern "C" int grs_cuda_enet_dot(struct grs_backend_s *be, const grs_enet_geno_t *g, const int64_t *cols, int64_t n,
                                 const double *r, double *out);
extern "C" int grs_cuda_enet_sqdot(struct grs_backend_s *be, const grs_enet_geno_t *g, const int64_t *cols, int64_t n,
                                   const double *cw, double *out);
extern "C" int grs_cuda_enet_axpy(struct grs_backend_s *be, const grs_enet_geno_t *g, const int64_t *cols, int64_t n,
                                  const double *a, const double *cw, double *r);
extern "C" int grs_cuda_enet_moments(struct grs_backend_s *be, const grs_enet_geno_t *g, const double *w, double *out);
extern "C" int grs_cuda_enet_axpy_dot(struct grs_backend_s *be, const grs_enet_geno_t *g, int64_t ja, double a,
                                      const double *cw, int64_t jd, double *r, double *out);

#endif
