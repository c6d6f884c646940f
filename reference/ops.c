/* ops.c -- the CPU backend's vtable (grs_ref_ops). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grs/backend_ops.h"
#include "grs/status.h"
#include "reference.h"

static int ref_available(void) { return 1; }

static int ref_open(struct grs_backend_s *be)
{
    char model[256] = "unknown CPU", line[512];
    FILE *fp = fopen("/proc/cpuinfo", "r");
    if (fp) {
        while (fgets(line, sizeof(line), fp))
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c) {
                    c += 1 + (c[1] == ' ');
                    c[strcspn(c, "\n")] = 0;
                    snprintf(model, sizeof(model), "%s", c);
                }
                break;
            }
        fclose(fp);
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    size_t len = strlen(model) + 64;
    if (!(be->device = (char *)malloc(len))) return GRS_ENOMEM;
    snprintf(be->device, len, "%s, %ld cores online", model, n);
    return GRS_OK;
}

static void ref_close(struct grs_backend_s *be) { (void)be; }

static int ref_pgs(struct grs_backend_s *be, const grs_pgs_problem_t *p, grs_pgs_result_t *r)
{
    (void)be;
    return grs_ref_pgs(p, r);
}

static int ref_enet_dot(struct grs_backend_s *be, const grs_enet_geno_t *g, const int64_t *cols,
                        int64_t n, const double *r, double *out)
{
    (void)be;
    return grs_ref_enet_dot(g, cols, n, r, out);
}

static int ref_enet_sqdot(struct grs_backend_s *be, const grs_enet_geno_t *g, const int64_t *cols,
                          int64_t n, const double *c, double *out)
{
    (void)be;
    return grs_ref_enet_sqdot(g, cols, n, c, out);
}

static int ref_enet_axpy(struct grs_backend_s *be, const grs_enet_geno_t *g, const int64_t *cols,
                         int64_t n, const double *a, const double *c, double *r)
{
    (void)be;
    return grs_ref_enet_axpy(g, cols, n, a, c, r);
}

static int ref_enet_moments(struct grs_backend_s *be, const grs_enet_geno_t *g, const double *w,
                            double *out)
{
    (void)be;
    return grs_ref_enet_moments(g, w, out);
}

static int ref_enet_axpy_dot(struct grs_backend_s *be, const grs_enet_geno_t *g, int64_t ja, double a,
                             const double *c, int64_t jd, double *r, double *out)
{
    (void)be;
    return grs_ref_enet_axpy_dot(g, ja, a, c, jd, r, out);
}

const struct grs_backend_ops grs_ref_ops = {
    "cpu",
    ref_available,
    ref_open,
    ref_close,
    ref_pgs,
    ref_enet_dot,
    ref_enet_sqdot,
    ref_enet_axpy,
    ref_enet_moments,
    ref_enet_axpy_dot,
    grs_ref_enet_dot_part,
    grs_ref_enet_axpy_range,
    grs_ref_enet_axpy_dot_part,
};
