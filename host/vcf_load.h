/* vcf_load.h -- read VCF/BCF genotypes as biallelic grs rows, and pack them into a .grsm.
 *
 * The reader streams one or more VCF/BCF files (plain, gzip or BGZF; e.g. one per chromosome,
 * which must all have the same samples in the same order) and hands back one row per ALT
 * allele: multi-allelic records are split into biallelic rows (the genotype code of the row for
 * ALT j is the number of copies of allele j; the other ALT alleles count as "not j"), symbolic
 * ALT alleles (<DEL>, <*>, *) and records without an ALT allele are skipped and counted.
 *
 * Genotypes come from FORMAT/GT (hard calls) or, for imputed data, from a dosage field:
 *   DS  (Number=A or 1) expected ALT dosage;   HDS  haplotype dosages, summed;
 *   GP  genotype probabilities, expected dosage = P(het) + 2 P(hom ALT) (generalised per ALT).
 * Dosages are stored at 1/16384 resolution; the hard-call code is the nearest integer when the
 * dosage is within 0.1 of it (plink2's --hard-call-threshold default), else missing.
 * Records without the dosage field fall back to their GT. A missing dosage value is missing.
 *
 * Ploidy: a GT with one allele (chrX in males, chrY, MT) is haploid; its code is its ALT count
 * (0 or 1) and the row's haploid array says so. GTs with more than two alleles and half-calls
 * ("0/.") are stored as missing and counted.
 *
 * Regions select records whose POS lies in a region (1-based, inclusive). With an index (.tbi or
 * .csi next to the file) only those regions are read; without one the file is streamed and
 * filtered. Either way the rows come out in file order and no record is returned twice.
 *
 * GT-only VCF text is decoded by a tight loop of our own (the site columns still go through
 * htslib's vcf_parse); BCF and dosage fields go through htslib's bcf_get_* accessors.
 *
 * Usage (what grs_vcf_pack does):
 *     grs_vcf_reader_t *r; grs_vcf_row_t row; int ret;
 *     if ((ret = grs_vcf_reader_open(&opt, &r)) < 0) return ret;
 *     while ((ret = grs_vcf_reader_next(r, &row)) > 0)
 *         use(row.var, row.codes, row.dosage, row.haploid);   // n = grs_vcf_reader_n_samples(r)
 *     grs_vcf_reader_close(r);                                  // ret < 0: error, logged
 */
#ifndef GRS_VCF_LOAD_H
#define GRS_VCF_LOAD_H

#include <stdint.h>

#include "grs/defs.h"
#include "grs/geno.h"

#ifdef __cplusplus
extern "C" {
#endif

/* where genotypes come from (grs_vcf_opts_t.dosage) */
enum grs_vcf_dosage {
    GRS_VCF_DOSAGE_AUTO = 0,  /* DS when the first file's header declares FORMAT/DS, else GT */
    GRS_VCF_DOSAGE_GT,        /* hard calls from FORMAT/GT                                  */
    GRS_VCF_DOSAGE_DS,        /* FORMAT/DS, expected ALT dosage (Number=A, or 1 if biallelic)*/
    GRS_VCF_DOSAGE_HDS,       /* FORMAT/HDS, haplotype ALT dosages, summed                  */
    GRS_VCF_DOSAGE_GP         /* FORMAT/GP, genotype probabilities -> expected dosage       */
};

/** Name of a dosage mode ("auto", "GT", "DS", "HDS", "GP"). */
const char *grs_vcf_dosage_name(int mode);
/** Parse a dosage mode name (case-insensitive); returns the mode or -1. */
int grs_vcf_dosage_parse(const char *name);

/* ---- regions (also used by the PLINK .bed packer) ----------------------------------------- */

typedef struct grs_regions_s grs_regions_t;

/**
 * Load regions: an existing file (CHR POS [END] per line, 1-based inclusive; .bed/.bed.gz:
 * 0-based half-open), else a string "CHR[:BEG[-END]][,...]". Overlapping regions are merged.
 * @param out on GRS_OK, the regions; free with grs_regions_destroy()
 * @return GRS_OK, GRS_EIO, GRS_EFORMAT (bad line), GRS_EINVAL (bad string, no regions), GRS_ENOMEM.
 */
int grs_regions_load(const char *spec, grs_regions_t **out) GRS_RESULT_USED;
/** Whether POS of (chrom, pos) lies in a region. Not thread-safe (caches the last chromosome). */
int grs_regions_contains(grs_regions_t *g, const char *chrom, int64_t pos);
/** Free. Accepts NULL. */
void grs_regions_destroy(grs_regions_t *g);

/** A target site: keep only records at (chrom, pos). */
typedef struct grs_site_t {
    const char *chrom;
    int64_t pos;           /* 1-based */
} grs_site_t;

/** Options. Everything is borrowed and must stay valid until the reader is closed. */
typedef struct grs_vcf_opts_t {
    const char *const *files;   /* n_files paths; "-" is stdin                                 */
    int n_files;
    int dosage;                 /* enum grs_vcf_dosage                                         */
    const char *regions;        /* NULL, "CHR[:BEG[-END]][,...]", or a file: CHR BEG [END]
                                   (1-based, inclusive), or a .bed/.bed.gz file (0-based)       */
    const char *samples_file;   /* NULL, or a file of sample names, one per line (a 2-column
                                   line "FID IID" selects IID); samples keep the VCF's order    */
    int threads;                /* BGZF decompression threads (<= 1: none)                      */
    const grs_site_t *sites;    /* NULL, or n_sites target sites                                */
    int64_t n_sites;
    const char *command;        /* command line recorded in META by grs_vcf_pack (may be NULL)  */
    /* grs_vcf_pack only: variants that a whole-genome call set leaves out when the sample is
     * homozygous for REF. Each one without a packed row of the same CHROM ("chr" prefix
     * ignored), POS, REF and ALT is appended as a row of REF/REF calls (code 0). */
    const grs_variant_t *homref;
    int64_t n_homref;
} grs_vcf_opts_t;

/** Counts gathered while reading. */
typedef struct grs_vcf_stats_t {
    int64_t n_samples;       /* samples kept                                                   */
    int64_t n_records;       /* records read (after region/site filters)                       */
    int64_t n_filtered;      /* records dropped by the region or site filters while streaming  */
    int64_t n_rows;          /* biallelic rows returned                                        */
    int64_t n_multiallelic;  /* records with more than one ALT                                 */
    int64_t n_split_rows;    /* rows that came from multi-allelic records                      */
    int64_t n_symbolic;      /* ALT alleles skipped: symbolic (<...>) or '*'                   */
    int64_t n_no_alt;        /* records without an ALT allele (ALT '.'), skipped               */
    int64_t n_dosage_rows;   /* rows with at least one fractional dosage                       */
    int64_t n_missing;       /* missing genotypes over all rows                                */
    int64_t n_homref_added;  /* rows appended from opts.homref (absent from the VCF)           */
    int64_t n_half_calls;    /* genotypes like 0/. stored as missing                           */
    int64_t n_polyploid;     /* genotypes with more than two alleles, stored as missing        */
    int64_t n_no_field;      /* records without the genotype/dosage field used (GT fallback or
                                all missing)                                                    */
} grs_vcf_stats_t;

/** One row. Every pointer is owned by the reader and valid until the next call. */
typedef struct grs_vcf_row_t {
    grs_variant_t var;        /* chrom, pos, id, ref, alt, src_allele, n_src_alleles          */
    const uint8_t *codes;     /* n_samples grs codes (0..2, 3 missing; haploid 0/1/3)          */
    const uint16_t *dosage;   /* n_samples dosages (16384 = 1 ALT, 65535 missing), or NULL when
                                 the row has hard calls only                                    */
    const uint8_t *haploid;   /* n_samples flags (1 = haploid), or NULL when all are diploid    */
} grs_vcf_row_t;

typedef struct grs_vcf_reader_s grs_vcf_reader_t;

/**
 * Open the files, check that their sample lists agree, resolve the dosage mode (logged at
 * INFO), load the sample subset, regions and sites.
 * @param opt  options (borrowed until grs_vcf_reader_close)
 * @param out  on GRS_OK, the reader; free with grs_vcf_reader_close()
 * @return GRS_OK; GRS_EIO (cannot open or read a file); GRS_EFORMAT (bad header, no samples,
 *         bad region or sample file); GRS_EINPUT (sample lists differ, unknown samples in the
 *         subset, the requested dosage field is not declared); GRS_EINVAL (bad options);
 *         GRS_ENOMEM. Each failure is logged once.
 */
int grs_vcf_reader_open(const grs_vcf_opts_t *opt, grs_vcf_reader_t **out) GRS_RESULT_USED;

/**
 * Next biallelic row.
 * @return 1 (row filled), 0 (end of the last file), or GRS_EFORMAT (unparsable record, wrong
 *         number of sample columns, allele index out of range, dosage out of range: logged with
 *         file and CHROM:POS), GRS_EIO (read error, truncated file), GRS_ENOMEM, GRS_EINTR.
 */
int grs_vcf_reader_next(grs_vcf_reader_t *r, grs_vcf_row_t *row) GRS_RESULT_USED;

/** Samples kept (>= 1). */
int64_t grs_vcf_reader_n_samples(const grs_vcf_reader_t *r);
/** The kept samples (FID "0", IID = VCF name, sex 0), borrowed. */
const grs_sample_t *grs_vcf_reader_samples(const grs_vcf_reader_t *r);
/** The dosage mode in use (never AUTO). */
int grs_vcf_reader_dosage(const grs_vcf_reader_t *r);
/** Genome build from the first header's ##reference or ##contig assembly=, or NULL. Borrowed. */
const char *grs_vcf_reader_build(const grs_vcf_reader_t *r);
/** "VCF" or "BCF" (of the first file). */
const char *grs_vcf_reader_format(const grs_vcf_reader_t *r);
/** Counts so far (borrowed). */
const grs_vcf_stats_t *grs_vcf_reader_stats(const grs_vcf_reader_t *r);
/** Close files and free. Accepts NULL. */
void grs_vcf_reader_close(grs_vcf_reader_t *r);

/**
 * Pack VCF/BCF files into a .grsm matrix (streaming: memory does not grow with the number of
 * variants). Writes META keys tool, command, created, source_format, input.N (path and
 * fingerprint), dosage_field, build (when known). On any failure nothing is left at out_grsm.
 * @param opt       options (borrowed)
 * @param out_grsm  path of the .grsm to write
 * @param stats     NULL, or filled with the counts on return (also on failure: partial)
 * @return GRS_OK or any code of grs_vcf_reader_open/next, or of the .grsm writer.
 */
int grs_vcf_pack(const grs_vcf_opts_t *opt, const char *out_grsm, grs_vcf_stats_t *stats)
    GRS_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif /* GRS_VCF_LOAD_H */
