/* reference.h -- the CPU reference backend's entry points (grs_ref_<op>). */
#ifndef GRS_REFERENCE_H
#define GRS_REFERENCE_H

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

#ifdef __cplusplus
}
#endif
#endif
