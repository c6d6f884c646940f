/* reference.h -- the CPU reference backend's entry points (grs_ref_<op>). */
#ifndef GRS_REFERENCE_H
#define GRS_REFERENCE_H

#include "grs/enet.h"
#include "grs/pgs.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Evaluate a scoring problem on the CPU (see grs/pgs.h for what is computed).
 * Uses p->n_threads threads over sample ranges; output is identical for any thread count.
 * @return GRS_OK or GRS_ENOMEM.
 */
int grs_ref_pgs(const grs_pgs_problem_t *p, grs_pgs_result_t *r);

/* Elastic-net genotype-block ops (grs/enet.h; implemented in enet.c). @return GRS_OK or
 * GRS_ENOMEM. Any thread count gives the same bits (threads split columns). */
int grs_ref_enet_dot(const grs_enet_geno_t *g, const int64_t *cols, int64_t n, const double *r,
                     double *out);
int grs_ref_enet_sqdot(const grs_enet_geno_t *g, const int64_t *cols, int64_t n, const double *c,
                       double *out);
int grs_ref_enet_axpy(const grs_enet_geno_t *g, const int64_t *cols, int64_t n, const double *a,
                      const double *c, double *r);
int grs_ref_enet_moments(const grs_enet_geno_t *g, const double *w, double *out);
int grs_ref_enet_axpy_dot(const grs_enet_geno_t *g, int64_t ja, double a, const double *c, int64_t jd,
                          double *r, double *out);
/* The coordinate-descent step on samples [s0, s1) (s0 a multiple of GRS_ENET_BLOCK), for
 * host/enet.c's threads that split the samples: part[i] receives the partial of the block that
 * starts at s0 + i·GRS_ENET_BLOCK, exactly as the whole-column ops compute it, so the ordered
 * sum of every block's partial is the whole-column result. Single-threaded; no failure. */
void grs_ref_enet_dot_part(const grs_enet_geno_t *g, int64_t j, const double *r, int64_t s0,
                           int64_t s1, double *part);
void grs_ref_enet_axpy_range(const grs_enet_geno_t *g, int64_t j, double a, const double *c,
                             int64_t s0, int64_t s1, double *r);
/* For tests: turn the AVX2 kernels off (0) or on where the CPU has them (1); returns whether
 * they were on. Not thread-safe: call it with no op running. GRS_NO_AVX2 in the environment
 * starts them off. */
int grs_ref_enet_use_simd(int on);
void grs_ref_enet_axpy_dot_part(const grs_enet_geno_t *g, int64_t ja, double a, const double *c,
                                int64_t jd, double *r, int64_t s0, int64_t s1, double *part);

#ifdef __cplusplus
}
#endif
#endif
