/* score_input.h -- the genotypes that `grs score` reads, whatever their format (internal).
 *
 * --geno PREFIX reads PREFIX.grsm (or PREFIX itself when it ends in .grsm) by mmap.
 * --bfile PREFIX reads the .bed directly (memory-mapped; rows of the scored variants are
 * converted to grs codes a block at a time, so memory is bounded by the block, not the file).
 * --vcf F... is packed on the fly into a temporary .grsm beside the output, restricted to the
 * scoring files' sites (only those records are decoded); the temporary file is unlinked as
 * soon as it is mapped, so nothing is left behind.
 * --bgen F is packed the same way (bgen.h): only variants at scoring sites are decoded; with
 * F.bgi present they are found through the index, else the other variants' genotype blocks are
 * skipped without decompression. */
#ifndef GRS_HOST_SCORE_INPUT_H
#define GRS_HOST_SCORE_INPUT_H

#include <stdint.h>

#include "grs/defs.h"
#include "grs/geno.h"
#include "grs/pgs.h"
#include "scorefile.h"

typedef struct grs_score_input_opts_t {
    const char *geno;                /* --geno PREFIX                                 */
    const char *bfile;               /* --bfile PREFIX                                */
    const char *const *vcf;          /* --vcf files                                   */
    int n_vcf;
    const char *dosage_mode;         /* --dosage for VCF input                         */
    const char *bgen;                /* --bgen F                                       */
    const char *bgen_sample;         /* --sample S for --bgen (NULL: the file's IDs)   */
    int threads;
    const char *out_prefix;          /* temporary files go beside it                   */
    const grs_scorefile_t *const *sites;  /* scoring files: their sites restrict VCF decoding */
    int n_sites;
    const char *absent_ref;          /* --absent-ref SITES (--vcf only): a variant list (.bim,
                                        .pvar, or VCF, plain or gz); its variants at scoring-file
                                        positions that the VCF lacks are scored as REF/REF     */
} grs_score_input_opts_t;

typedef struct grs_score_input_s grs_score_input_t;
struct grs_score_input_s {
    int64_t n_samples, n_variants;
    const grs_variant_t *variants;   /* n_variants                                     */
    grs_sample_t *samples;           /* n_samples                                      */
    const char *path, *format;       /* what was read: path and "grsm", "bed", "vcf", "bgen" */
    char *fingerprint;               /* grs_file_fingerprint of the input              */
    const char *build;               /* genome build if known, else NULL               */
    /* Load variants v[0..n): fill vars[i].codes/.dosage/.haploid and stats[i]. The rows stay
     * valid until the next load or close. */
    int (*load)(grs_score_input_t *in, const int64_t *v, int64_t n, grs_pgs_var_t *vars,
                grs_vstat_t *stats);
    /* the most variants one load should be given (bounded memory); 0: no limit */
    int64_t max_load;
    void *impl;
    int is_bed;                      /* impl is the .bed reader, not a .grsm              */
    char **chr_names;                /* "chrN" site names made for VCF decoding           */
    int64_t n_absent_ref;            /* rows added as REF/REF by opts.absent_ref           */
    int n_chr_names;
};

/** Open the genotypes named in opt. @return GRS_OK or a negative status (logged). */
int grs_score_input_open(const grs_score_input_opts_t *opt, grs_score_input_t **out) GRS_RESULT_USED;
/** Close and free (accepts NULL). */
void grs_score_input_close(grs_score_input_t *in);

/** Whether two genome-build names mean the same assembly (GRCh37 = hg19 = 37, GRCh38 = hg38 = 38). */
int grs_build_same(const char *a, const char *b);

#endif
