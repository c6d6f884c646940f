/* backend.c -- the backend registry. The ONLY file that tests GRS_HAVE_CUDA (STYLE G7). */
#include "grs/backend.h"

#include <stdlib.h>
#include <string.h>

#include "grs/backend_ops.h"
#include "grs/log.h"
#include "grs/status.h"

static const struct grs_backend_ops *const grs_registry[] = {
#ifdef GRS_HAVE_CUDA
    &grs_cuda_ops,
#endif
    &grs_ref_ops,            /* always present, always last: the fallback and the oracle */
};
#define N_REGISTRY ((int)(sizeof(grs_registry) / sizeof(grs_registry[0])))

const char *grs_backend_built(void)
{
#ifdef GRS_HAVE_CUDA
    return "cuda,cpu";
#else
    return "cpu";
#endif
}

int grs_backend_parse(const char *s)
{
    if (strcmp(s, "auto") == 0) return GRS_BACKEND_AUTO;
    if (strcmp(s, "cpu") == 0) return GRS_BACKEND_CPU;
    if (strcmp(s, "cuda") == 0) return GRS_BACKEND_CUDA;
    return GRS_EINVAL;
}

static const struct grs_backend_ops *find(const char *name)
{
    for (int i = 0; i < N_REGISTRY; i++)
        if (strcmp(grs_registry[i]->name, name) == 0) return grs_registry[i];
    return NULL;
}

int grs_backend_open(int kind, grs_backend_t **out)
{
    const struct grs_backend_ops *ops = NULL;
    grs_backend_t *be;
    int ret;

    if (kind == GRS_BACKEND_CUDA || kind == GRS_BACKEND_AUTO) {
        const struct grs_backend_ops *c = find("cuda");
        if (c && c->available() > 0) ops = c;
        else if (kind == GRS_BACKEND_CUDA) {
            grs_log_error("--backend cuda: %s", c ? "no usable CUDA device on this machine"
                                                  : "this grs was built without the CUDA backend");
            return GRS_EUNSUPPORTED;
        } else {
            grs_log_info("no CUDA device%s; using the CPU backend", c ? "" : " support in this build");
        }
    }
    if (!ops) ops = find("cpu");
    if (!(be = (grs_backend_t *)calloc(1, sizeof(*be)))) return GRS_ENOMEM;
    be->ops = ops;
    if ((ret = ops->open(be)) < 0) {
        ops->close(be);
        free(be->device);
        free(be);
        return ret;
    }
    grs_log_info("backend: %s (%s)", ops->name, be->device ? be->device : "?");
    *out = be;
    return GRS_OK;
}

void grs_backend_close(grs_backend_t *be)
{
    if (!be) return;
    be->ops->close(be);
    free(be->device);
    free(be);
}

const char *grs_backend_name(const grs_backend_t *be) { return be->ops->name; }
const char *grs_backend_device(const grs_backend_t *be) { return be->device ? be->device : ""; }

int grs_backend_pgs(grs_backend_t *be, const grs_pgs_problem_t *p, grs_pgs_result_t *r)
{
    if (!be->ops->pgs) {   /* op not (yet) on this backend: the reference computes it */
        grs_log_info("backend %s has no scoring op; computing on the CPU", be->ops->name);
        return grs_ref_ops.pgs(be, p, r);
    }
    return be->ops->pgs(be, p, r);
}
