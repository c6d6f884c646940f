/* score_input.c -- genotypes for grs score (see score_input.h). */
#include "score_input.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "grs/log.h"
#include "grs/status.h"
#include "util.h"

static const grs_vstat_t *geno_vstat(grs_score_input_t *in, int64_t v)
{
    return grs_geno_vstat((grs_geno_t *)in->impl, v);
}

static int geno_rows(grs_score_input_t *in, int64_t v, grs_pgs_var_t *var)
{
    grs_geno_t *g = (grs_geno_t *)in->impl;
    var->codes = grs_geno_row(g, v);
    var->dosage = grs_geno_dosage_row(g, v);
    var->haploid = grs_geno_haploid_row(g, v);
    return GRS_OK;
}

/* a .grsm path from a prefix: PREFIX.grsm unless PREFIX already names an existing .grsm */
static char *grsm_path(const char *prefix)
{
    size_t n = strlen(prefix);
    if (n > 5 && strcmp(prefix + n - 5, ".grsm") == 0) return strdup(prefix);
    return grs_sprintf("%s.grsm", prefix);
}

static int open_grsm(grs_score_input_t *in, const char *fn, const char *format, const char *shown_path)
{
    grs_geno_t *g = NULL;
    int ret = grs_geno_open(fn, 0, &g);
    if (ret < 0) return ret;
    in->impl = g;
    in->n_samples = grs_geno_n_samples(g);
    in->n_variants = grs_geno_n_variants(g);
    in->variants = grs_geno_variants(g);
    in->vstat = geno_vstat;
    in->rows = geno_rows;
    in->format = format;
    in->path = shown_path;
    in->build = grs_geno_meta(g, "build");
    if (!(in->samples = (grs_sample_t *)malloc(in->n_samples * sizeof(grs_sample_t)))) return GRS_ENOMEM;
    for (int64_t s = 0; s < in->n_samples; s++) in->samples[s] = *grs_geno_sample(g, s);
    return GRS_OK;
}

int grs_score_input_open(const grs_score_input_opts_t *opt, grs_score_input_t **out)
{
    int ret = GRS_ENOMEM;
    grs_score_input_t *in = (grs_score_input_t *)calloc(1, sizeof(*in));
    char *fn = NULL;
    if (!in) return GRS_ENOMEM;
    if (opt->geno) {
        if (!(fn = grsm_path(opt->geno))) goto fail;
        if ((ret = open_grsm(in, fn, "grsm", opt->geno)) < 0) goto fail;
        in->fingerprint = grs_file_fingerprint(fn);
    } else {
        grs_log_error("this input kind is not available in this build");
        ret = GRS_EUNSUPPORTED;
        goto fail;
    }
    free(fn);
    *out = in;
    return GRS_OK;
fail:
    free(fn);
    grs_score_input_close(in);
    return ret;
}

void grs_score_input_close(grs_score_input_t *in)
{
    if (!in) return;
    grs_geno_close((grs_geno_t *)in->impl);
    free(in->samples);
    free(in->fingerprint);
    free(in);
}

/* "GRCh37", "hg19", "37", "GRCh37.p13" → 37; "GRCh38", "hg38" → 38; else 0 */
static int build_num(const char *b)
{
    if (!strncasecmp(b, "GRCh", 4)) b += 4;
    else if (!strncasecmp(b, "hg", 2)) {
        int n = atoi(b + 2);
        return n == 19 ? 37 : n == 38 ? 38 : n == 18 ? 36 : 0;
    } else if (!strncasecmp(b, "b", 1) && isdigit((unsigned char)b[1])) b += 1;   /* b37 */
    return atoi(b);
}

int grs_build_same(const char *a, const char *b)
{
    int x = build_num(a), y = build_num(b);
    if (x && y) return x == y;
    return strcasecmp(a, b) == 0;
}
