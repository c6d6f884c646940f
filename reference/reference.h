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

#ifdef __cplusplus
}
#endif
#endif
