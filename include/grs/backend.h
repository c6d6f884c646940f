/* grs/backend.h -- choosing and using a compute backend (CPU reference or CUDA).
 *
 *   grs_backend_t *be;
 *   if (grs_backend_open(GRS_BACKEND_AUTO, &be) < 0) ...;     // logs which one at INFO
 *   grs_backend_pgs(be, &problem, &result);
 *   grs_backend_close(be);
 *
 * AUTO picks CUDA when this build has it and a device is present, else the CPU. An explicit
 * GRS_BACKEND_CUDA with no usable device fails with GRS_EUNSUPPORTED (never a silent fallback).
 */
#ifndef GRS_BACKEND_H
#define GRS_BACKEND_H

#include "grs/defs.h"
#include "grs/pgs.h"

#ifdef __cplusplus
extern "C" {
#endif

enum grs_backend_kind {
    GRS_BACKEND_AUTO = 0,  /* CUDA when available, else CPU */
    GRS_BACKEND_CPU = 1,   /* the reference backend          */
    GRS_BACKEND_CUDA = 2,  /* NVIDIA GPU                     */
};

typedef struct grs_backend_s grs_backend_t;

/** Parse "auto", "cpu" or "cuda"; returns the kind or GRS_EINVAL. */
int grs_backend_parse(const char *s) GRS_RESULT_USED;

/**
 * Open a backend. @param kind enum grs_backend_kind.
 * @param out on GRS_OK the backend; free with grs_backend_close().
 * @return GRS_OK, GRS_EUNSUPPORTED (CUDA asked for but not built or no device), GRS_EDEVICE,
 *         GRS_ENOMEM.
 */
int grs_backend_open(int kind, grs_backend_t **out) GRS_RESULT_USED;
void grs_backend_close(grs_backend_t *be);
/** "cpu" or "cuda". */
const char *grs_backend_name(const grs_backend_t *be);
/** Human-readable device: CPU model and thread count, or GPU name, driver and runtime. */
const char *grs_backend_device(const grs_backend_t *be);

/** Evaluate a scoring problem (see grs/pgs.h). @return GRS_OK, GRS_ENOMEM, GRS_EDEVICE,
 *  GRS_EINTR (interrupted). */
int grs_backend_pgs(grs_backend_t *be, const grs_pgs_problem_t *p, grs_pgs_result_t *r) GRS_RESULT_USED;

/** Names of the backends compiled into this build, e.g. "cuda,cpu". */
const char *grs_backend_built(void);

#ifdef __cplusplus
}
#endif
#endif
