/* bed_load.h -- PLINK 1 binary genotypes (.bed/.bim/.fam): a reader that returns grs-coded
 * packed rows, and a packer to .grsm.
 *
 * Alleles: A1 (.bim column 5) is the ALT allele and A2 (column 6) the REF allele, as plink2
 * reads a .bed by default; .bed code 00 (hom A1) becomes grs code 2, 10 (het) 1, 11 (hom A2) 0,
 * 01 missing 3 (grs_bed_to_code in grs/geno.h, applied a byte at a time through a 256-entry
 * table built at open).
 *
 * Ploidy (plink2's rules): on chrY (Y, 24, chrY) and MT (MT, M, 26, chrM, chrMT) every sample
 * is haploid; on chrX (X, 23, chrX; not the pseudo-autosomal XY/25) samples with SEX=1 in the
 * .fam are haploid. A haploid het becomes missing and a haploid hom-ALT becomes code 1.
 *
 * Checks at open: the .bed magic (0x6c 0x1b 0x01 = variant-major; the old sample-major mode
 * 0x00 is refused), the .bed size (3 + n_variants * ceil(n_samples / 4)), well-formed .bim
 * (CHROM ID CM POS A1 A2) and .fam (FID IID PAT MAT SEX PHENO) lines, whitespace-delimited.
 *
 * Memory: the .bim and .fam tables are held in memory (about 100 bytes per variant); genotypes
 * are read from the file with pread on demand, so rows cost only the caller's buffer.
 *
 * Usage (what grs score --bfile can do, without packing):
 *     grs_bed_t *b;
 *     if ((ret = grs_bed_open("data/cohort", &b)) < 0) return ret;
 *     int64_t words = grs_geno_row_bytes(grs_bed_n_samples(b)) / 4;
 *     uint32_t *rows = malloc(64 * words * 4);
 *     for (v = 0; v < grs_bed_n_variants(b); v += 64) {
 *         int64_t k = min(64, n_variants - v);
 *         if ((ret = grs_bed_read_rows(b, v, k, rows, words)) < 0) break;
 *         // row i: rows + i * words, grs codes, padding = 3; haploid: grs_bed_haploid_row(b, v+i)
 *     }
 *     grs_bed_close(b);
 */
#ifndef GRS_BED_LOAD_H
#define GRS_BED_LOAD_H

#include <stdint.h>

#include "grs/defs.h"
#include "grs/geno.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grs_bed_s grs_bed_t;

/**
 * Open PREFIX.bed, PREFIX.bim and PREFIX.fam and validate them (see above).
 * @param prefix path prefix (PREFIX.bed etc.); a prefix ending in ".bed" is accepted too
 * @param out    on GRS_OK, the reader; free with grs_bed_close()
 * @return GRS_OK; GRS_EIO (a file cannot be opened/read); GRS_EFORMAT (bad magic, sample-major
 *         .bed, size mismatch, malformed .bim/.fam line, no samples); GRS_ENOMEM.
 *         Each failure is logged once, naming the file.
 */
int grs_bed_open(const char *prefix, grs_bed_t **out) GRS_RESULT_USED;

/** Close and free. Accepts NULL. */
void grs_bed_close(grs_bed_t *b);

int64_t grs_bed_n_samples(const grs_bed_t *b);
int64_t grs_bed_n_variants(const grs_bed_t *b);
/** The variant table (n_variants entries; ref = A2, alt = A1, src_allele 1, n_src_alleles 2).
 *  Borrowed, valid until grs_bed_close. */
const grs_variant_t *grs_bed_variants(const grs_bed_t *b);
/** The sample table (FID, IID, SEX from the .fam). Borrowed. */
const grs_sample_t *grs_bed_samples(const grs_bed_t *b);
/** Haploid bitset of variant v (bit s%8 of byte s/8 = sample s haploid), or NULL when every
 *  sample is diploid there. Borrowed. */
const uint8_t *grs_bed_haploid_row(const grs_bed_t *b, int64_t v);

/**
 * Read rows [v0, v0 + n_rows) as grs-coded packed rows (the .grsm MATRIX layout: sample s at
 * bits 2*(s%16) of word s/16), haploid rules applied, padding codes set to 3.
 * @param dst           n_rows * dst_row_words words, caller-owned
 * @param dst_row_words stride in words, >= ceil(n_samples / 16)
 * @return GRS_OK, GRS_EINVAL (rows out of range, stride too small), GRS_EIO (read error,
 *         logged), GRS_ENOMEM.
 */
int grs_bed_read_rows(grs_bed_t *b, int64_t v0, int64_t n_rows, uint32_t *dst,
                      int64_t dst_row_words) GRS_RESULT_USED;

/** Options of grs_bed_pack (borrowed). */
typedef struct grs_bed_opts_t {
    const char *prefix;        /* PREFIX of .bed/.bim/.fam                                     */
    const char *regions;       /* NULL, or as grs_regions_load (vcf_load.h): keep POS in them  */
    const char *samples_file;  /* NULL, or sample IIDs one per line ("FID IID" lines: IID)     */
    const char *command;       /* recorded in META (may be NULL)                               */
} grs_bed_opts_t;

/** Counts of grs_bed_pack. */
typedef struct grs_bed_stats_t {
    int64_t n_samples, n_variants;  /* written                                                 */
    int64_t n_filtered;             /* variants outside --regions                              */
    int64_t n_missing;              /* missing genotypes written                               */
    int64_t n_haploid_het;          /* haploid hets set to missing                             */
} grs_bed_stats_t;

/**
 * Pack a .bed/.bim/.fam into a .grsm (streaming). META: tool, command, created,
 * source_format (PLINK1-bed), input.1-3 (.bed/.bim/.fam and fingerprints), dosage_field (GT).
 * On failure nothing is left at out_grsm.
 * @param stats NULL, or filled with the counts
 * @return GRS_OK or the codes of grs_bed_open/grs_bed_read_rows and the .grsm writer;
 *         GRS_EINPUT (samples file names samples that are not in the .fam).
 */
int grs_bed_pack(const grs_bed_opts_t *opt, const char *out_grsm, grs_bed_stats_t *stats)
    GRS_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif /* GRS_BED_LOAD_H */
