/* bgen.h -- read BGEN genotype probabilities as biallelic grs rows, and pack them into a .grsm.
 *
 * Format (https://www.well.ox.ac.uk/~gav/bgen_format/spec/latest.html), all integers
 * little-endian:
 *   - uint32 offset: the first variant block starts at byte offset + 4;
 *   - header block: uint32 L_H, uint32 M (variants), uint32 N (samples), 4-byte magic "bgen"
 *     (four zero bytes are allowed by the spec for old files), L_H - 20 bytes of free data,
 *     uint32 flags: bits 0-1 compression (0 none, 1 zlib, 2 zstd), bits 2-5 layout (1 or 2),
 *     bit 31 sample identifiers present;
 *   - optional sample identifier block: uint32 L_SI, uint32 N, N x (uint16 length, bytes);
 *   - M variant blocks: [layout 1: uint32 N], uint16+id, uint16+rsid, uint16+chrom, uint32 pos,
 *     [layout 2: uint16 K alleles; layout 1: K = 2], K x (uint32 length, allele), then the
 *     genotype block:
 *       layout 1: (compressed: uint32 C, C bytes of zlib data | uncompressed: 6N bytes), which
 *                 hold N x 3 uint16 probabilities P(AA), P(AB), P(BB) scaled by 32768; all
 *                 three zero = missing;
 *       layout 2: uint32 C, (compressed: uint32 D, C - 4 bytes of zlib/zstd data | C bytes),
 *                 which hold uint32 N, uint16 K, uint8 Pmin, uint8 Pmax, N ploidy bytes
 *                 (bits 0-5 ploidy, bit 7 missing), uint8 phased, uint8 B (1..32 bits per
 *                 probability), then the probabilities packed B bits each, least significant
 *                 bit first, value / (2^B - 1). Unphased: per sample the first C(Z+K-1, K-1) - 1
 *                 genotype probabilities in colex order of the allele-count vectors (for Z = 2:
 *                 11, 12, 22, 13, 23, 33, ...), the last one implied; phased: per haplotype the
 *                 first K - 1 allele probabilities, the last implied. Missing samples are stored
 *                 as zeros of the same size.
 *
 * Alleles: the FIRST allele is REF and the others are ALT (plink2's `--bgen F ref-first`).
 * Multi-allelic variants become one row per ALT allele, as VCF records do in vcf_load.h: the
 * row for allele j has the expected number of copies of allele j as its dosage.
 *
 * Dosages: the expected ALT dosage, sum over genotypes of P(g) x copies of ALT in g (layout 1:
 * divided by P(AA) + P(AB) + P(BB), which need not sum to one in v1.1 files), rounded to
 * 1/16384 (the .grsm dosage plane); for 8-bit unphased diploid biallelic data the rounding is
 * plink2's (REF dosage in 16.16 fixed point, ALT = 2 - REF), which differs from exact rounding
 * only within 0.002 units of a half, so that scores equal plink2's. Hard calls follow plink2's --hard-call-threshold rule on
 * that rounded dosage: with t = floor(T * 16384) (T = 0.1 by default: t = 1638), a sample gets
 * the nearest integer as its hard call when its dosage is within t/16384 of it, else missing.
 * plink2 holds haploid dosages on the diploid scale, so a haploid sample is called 0 when its
 * dosage is within t/2 of 0 and 1 when within t/2 of 1. (plink2 measures the distance over all
 * alleles of a multi-allelic variant; here each split row is judged on its own ALT dosage.)
 *
 * Ploidy comes from the file per sample and variant (layout 2): ploidy 1 is haploid (dosage in
 * [0, 1], the row's haploid array says so), 2 diploid; ploidy 0 or above 2 is stored as missing
 * and counted. Layout 1 is all diploid. A sample flagged missing is missing.
 *
 * Samples: IDs from --sample F (an Oxford .sample file: a header line of column names, a line
 * of column types, then one line per sample; columns ID_1 and ID_2 become FID and IID, a column
 * named sex gives 1/2 = male/female), else from the file's sample identifier block (FID "0").
 * A .sample whose sample count differs from the BGEN header is an error.
 *
 * Site filter (grs score): with sites, only variants at those (chromosome, position) pairs are
 * decoded (chromosome names compared after grs_chrom_normalize). When F.bgi (bgenix's SQLite
 * index) is present and describes this file, only the needed variants are read, by file offset;
 * otherwise the file is streamed and the genotype blocks of the other variants are skipped
 * without being decompressed.
 *
 * Checks: every length read from the file is checked against the bytes left in the file before
 * anything is allocated; a genotype block must inflate to exactly its stated size, and that size
 * must equal what N, the ploidies, K and B require; probabilities of a sample must not sum above
 * one; N and K in a block must agree with the header. Every error names the file, the variant
 * (1-based index and ID) and what is wrong, and is returned as GRS_EFORMAT (GRS_EUNSUPPORTED for
 * a layout, compression or bit depth that the format allows but this reader does not).
 *
 * Usage (what grs_bgen_pack does):
 *     grs_bgen_reader_t *r; grs_bgen_row_t row; int ret;
 *     if ((ret = grs_bgen_reader_open(&opt, &r)) < 0) return ret;
 *     while ((ret = grs_bgen_reader_next(r, &row)) > 0)
 *         use(row.var, row.codes, row.dosage, row.haploid);   // n = grs_bgen_reader_n_samples(r)
 *     grs_bgen_reader_close(r);                                 // ret < 0: error, logged
 */
#ifndef GRS_BGEN_H
#define GRS_BGEN_H

#include <stdint.h>

#include "grs/defs.h"
#include "grs/geno.h"
#include "vcf_load.h"   /* grs_site_t */

#ifdef __cplusplus
extern "C" {
#endif

#define GRS_BGEN_HARD_CALL_DEFAULT 0.1   /* plink2's --hard-call-threshold default */

/** Options. Everything is borrowed until the reader is closed. */
typedef struct grs_bgen_opts_t {
    const char *file;             /* the .bgen                                                 */
    const char *sample_file;      /* NULL, or an Oxford .sample file (--sample)                */
    double hard_call_threshold;   /* T in [0, 0.5]; see above                                  */
    const grs_site_t *sites;      /* NULL, or n_sites (chrom, pos) pairs to keep               */
    int64_t n_sites;
    int no_index;                 /* nonzero: ignore F.bgi and stream                          */
    const char *command;          /* recorded in META by grs_bgen_pack (may be NULL)           */
} grs_bgen_opts_t;

/** Counts gathered while reading. */
typedef struct grs_bgen_stats_t {
    int64_t n_samples;         /* samples                                                     */
    int64_t n_variants_file;   /* M in the header                                             */
    int64_t n_decoded;         /* variant blocks whose genotypes were decoded                 */
    int64_t n_skipped;         /* variant blocks skipped by the site filter, not decompressed */
    int64_t n_rows;            /* biallelic rows returned                                     */
    int64_t n_multiallelic;    /* variants with more than two alleles                         */
    int64_t n_split_rows;      /* rows from multi-allelic variants                            */
    int64_t n_dosage_rows;     /* rows with at least one fractional dosage                    */
    int64_t n_missing;         /* missing dosages over all rows                               */
    int64_t n_uncalled;        /* present dosages too far from an integer for a hard call     */
    int64_t n_bad_ploidy;      /* sample genotypes with ploidy 0 or > 2, stored as missing     */
    int layout;                /* 1 or 2                                                      */
    int compression;           /* 0 none, 1 zlib, 2 zstd                                      */
    int bits;                  /* bits per probability of the first decoded block (layout 2)  */
    int phased;                /* 1 if some decoded block was phased                          */
    int used_index;            /* 1 if F.bgi selected the variants                            */
} grs_bgen_stats_t;

/** One row; every pointer is owned by the reader and valid until the next call. */
typedef struct grs_bgen_row_t {
    grs_variant_t var;        /* chrom, pos, id (rsid, else the variant id, else "."), ref = first
                                 allele, alt, src_allele (1-based ALT index), n_src_alleles      */
    const uint8_t *codes;     /* n_samples grs codes (0..2, haploid 0..1, 3 missing)            */
    const uint16_t *dosage;   /* n_samples dosages (16384 = 1 ALT, 65535 missing)               */
    const uint8_t *haploid;   /* n_samples flags (1 = haploid), or NULL when none is haploid    */
} grs_bgen_row_t;

typedef struct grs_bgen_reader_s grs_bgen_reader_t;

/**
 * Open the file, read and check the header and the sample IDs, load the index if used.
 * @return GRS_OK; GRS_EIO (cannot open or read); GRS_EFORMAT (bad magic, truncated header,
 *         malformed sample block or .sample file); GRS_EUNSUPPORTED (layout 0 or > 2, a
 *         compression code above 2); GRS_EINPUT (.sample count differs, no sample IDs at all);
 *         GRS_EINVAL (bad options); GRS_ENOMEM. Each failure is logged once.
 */
int grs_bgen_reader_open(const grs_bgen_opts_t *opt, grs_bgen_reader_t **out) GRS_RESULT_USED;

/**
 * Next biallelic row.
 * @return 1 (row filled), 0 (no more variants), or GRS_EFORMAT / GRS_EUNSUPPORTED (a malformed
 *         or unsupported variant block: logged with the file, the variant index and ID),
 *         GRS_EIO, GRS_ENOMEM, GRS_EINTR.
 */
int grs_bgen_reader_next(grs_bgen_reader_t *r, grs_bgen_row_t *row) GRS_RESULT_USED;

int64_t grs_bgen_reader_n_samples(const grs_bgen_reader_t *r);
/** The samples (borrowed). */
const grs_sample_t *grs_bgen_reader_samples(const grs_bgen_reader_t *r);
/** Counts so far (borrowed). */
const grs_bgen_stats_t *grs_bgen_reader_stats(const grs_bgen_reader_t *r);
/** Close and free. Accepts NULL. */
void grs_bgen_reader_close(grs_bgen_reader_t *r);

/** "none", "zlib" or "zstd". */
const char *grs_bgen_compression_name(int c);

/**
 * Pack a BGEN file into a .grsm (streaming). META: tool, command, created, source_format
 * ("BGEN-v1.1" or "BGEN-v1.2"), input.1 (and input.2 for the .sample) with fingerprints,
 * dosage_field ("BGEN probabilities"), hard_call_threshold. On failure nothing is left.
 * @param stats NULL, or filled with the counts (also on failure: partial)
 * @return GRS_OK or any code of the reader or of the .grsm writer.
 */
int grs_bgen_pack(const grs_bgen_opts_t *opt, const char *out_grsm, grs_bgen_stats_t *stats)
    GRS_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif /* GRS_BGEN_H */
