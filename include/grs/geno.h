/* grs/geno.h -- the packed genotype matrix (PREFIX.grsm): format, reader, streaming writer,
 * and the GRS_HD accessors that the CPU reference and the CUDA kernels share.
 *
 * ---------------------------------------------------------------------------------------
 * Genotype codes (2 bits, plink2 order): code == ALT dosage.
 *     0 = hom-ref, 1 = het (or haploid ALT), 2 = hom-alt, 3 = missing (GRS_GENO_MISSING).
 * A haploid call (chrX in males, chrY, MT, or a VCF GT with one allele) stores its ALT count
 * in its own ploidy: haploid REF = 0, haploid ALT = 1; the variant's haploid plane says which
 * samples are haploid, so that scoring uses ploidy 1 for them.
 *
 * Row layout: variant-major. Row v holds n_samples codes, 4 per byte, sample s at bits
 * 2*(s%4) of byte s/4 (equivalently 16 per little-endian uint32, bits 2*(s%16)). Every row is
 * padded to GRS_GENO_ROW_ALIGN (64) bytes; padding codes are 3 and are never read as data:
 * loops are bounded by n_samples.
 *
 * ---------------------------------------------------------------------------------------
 * File format, version 1.0 (all integers little-endian):
 *
 *   [0, 4096)        header (struct below, zero-filled to 4096 bytes)
 *   MATRIX           n_variants * row_bytes, starts at 4096 (64-byte aligned)
 *   DOSAGE           n_dosage_rows * dosage_row_bytes: for variants with fractional dosages,
 *                    n_samples uint16 (16384 = one ALT allele, plink2's scale; 65535 missing),
 *                    padded to 64 bytes. Hard-call-only data has no rows here.
 *   HAPLOID          n_haploid_rows * haploid_row_bytes: a bitset (bit s%8 of byte s/8 set
 *                    = sample s is haploid at this variant), padded to 64 bytes.
 *   VSTATS           n_variants * 32-byte records (grs_vstat_t): ALT frequency, missing count,
 *                    allele count, indices into DOSAGE and HAPLOID, flags.
 *   VARIANTS         text, one line per variant: CHROM TAB POS TAB ID TAB REF TAB ALT TAB
 *                    SRC_ALLELE TAB N_SRC_ALLELES (SRC_ALLELE: index of ALT in the source
 *                    record, 1-based; N_SRC_ALLELES: allele count of the source record).
 *   SAMPLES          text, one line per sample: FID TAB IID TAB SEX (0 unknown, 1 male, 2 female)
 *   META             text, KEY TAB VALUE lines: tool version, command line, inputs and their
 *                    fingerprints, dosage source, build, creation time.
 *
 * Every section is 64-byte aligned and has its offset, length and CRC-32 in the header; the
 * header has a CRC-32 of its own. A reader refuses: a wrong magic, a newer major version, a
 * header CRC mismatch, sections outside the file, a section CRC mismatch (each names the
 * section), and tables whose counts disagree with the header.
 *
 * The writer streams: matrix rows go straight to the file, the other sections are spooled to
 * temporary files, so memory does not grow with the number of variants. Output is written to
 * "FILE.tmp.PID" and renamed to FILE only when complete.
 * --------------------------------------------------------------------------------------- */
#ifndef GRS_GENO_H
#define GRS_GENO_H

#include <stddef.h>
#include <stdint.h>

#include "grs/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRS_GENO_MISSING     3u      /* 2-bit code of a missing genotype                 */
#define GRS_GENO_PER_WORD    16      /* codes per uint32_t word                          */
#define GRS_GENO_ROW_ALIGN   64      /* every row (codes, dosage, haploid) padded to this */
#define GRS_DOSAGE_ONE       16384u  /* uint16 dosage of one ALT allele (plink2 scale)    */
#define GRS_DOSAGE_MISSING   65535u  /* uint16 dosage of a missing call                  */

#define GRS_GRSM_MAGIC       "\x89GRSM\r\n\x1a"  /* 8 bytes, PNG-style: catches text-mode damage */
#define GRS_GRSM_VERSION_MAJOR 1
#define GRS_GRSM_VERSION_MINOR 0
#define GRS_GRSM_HEADER_BYTES  4096

enum grs_grsm_section {
    GRS_SEC_MATRIX = 0,
    GRS_SEC_DOSAGE,
    GRS_SEC_HAPLOID,
    GRS_SEC_VSTATS,
    GRS_SEC_VARIANTS,
    GRS_SEC_SAMPLES,
    GRS_SEC_META,
    GRS_SEC_COUNT
};

/* per-variant flags in grs_vstat_t.flags */
#define GRS_VAR_DOSAGE   0x1u   /* the variant has a row in the DOSAGE plane            */
#define GRS_VAR_HAPLOID  0x2u   /* the variant has a row in the HAPLOID plane           */
#define GRS_VAR_SPLIT    0x4u   /* split from a multi-allelic source record             */
#define GRS_NO_ROW       0xffffffffu /* dosage_row / haploid_row of a variant without one */

/** Per-variant statistics, 32 bytes, stored in VSTATS. */
typedef struct grs_vstat_t {
    double   alt_freq;     /* ALT allele frequency over called alleles (dosage-aware); NaN if none */
    uint32_t n_missing;    /* samples with a missing call                                     */
    uint32_t allele_ct;    /* called alleles: sum of ploidy over non-missing samples          */
    uint32_t dosage_row;   /* row index in DOSAGE, or GRS_NO_ROW                              */
    uint32_t haploid_row;  /* row index in HAPLOID, or GRS_NO_ROW                             */
    uint32_t flags;        /* GRS_VAR_*                                                       */
    uint32_t reserved;     /* zero                                                            */
} grs_vstat_t;

/** One variant of the variant table (strings owned by the matrix or by the caller). */
typedef struct grs_variant_t {
    const char *chrom;     /* as in the source, e.g. "22" or "chr22"                  */
    int64_t pos;           /* 1-based position                                        */
    const char *id;        /* "." when the source has none                            */
    const char *ref, *alt; /* alleles, upper case as in the source                    */
    int32_t src_allele;    /* 1-based index of ALT in the source record               */
    int32_t n_src_alleles; /* number of alleles of the source record (2 = biallelic)  */
} grs_variant_t;

/** One sample. */
typedef struct grs_sample_t {
    const char *fid, *iid; /* FID is "0" when the source has none (VCF)               */
    int sex;               /* 0 unknown, 1 male, 2 female                             */
} grs_sample_t;

/* ---------------------------------------------------------------------------------------
 * Shared host/device arithmetic (GRS_HD). Compiled as C11 by cc and as C++ by nvcc.
 * --------------------------------------------------------------------------------------- */

/** Bytes of one packed row of n_samples codes, padded to GRS_GENO_ROW_ALIGN. */
GRS_HD int64_t grs_geno_row_bytes(int64_t n_samples)
{
    int64_t b = (n_samples + 3) / 4;
    return (b + GRS_GENO_ROW_ALIGN - 1) / GRS_GENO_ROW_ALIGN * GRS_GENO_ROW_ALIGN;
}

/** Bytes of one dosage row (uint16 per sample), padded. */
GRS_HD int64_t grs_dosage_row_bytes(int64_t n_samples)
{
    int64_t b = n_samples * 2;
    return (b + GRS_GENO_ROW_ALIGN - 1) / GRS_GENO_ROW_ALIGN * GRS_GENO_ROW_ALIGN;
}

/** Bytes of one haploid bitset row, padded. */
GRS_HD int64_t grs_haploid_row_bytes(int64_t n_samples)
{
    int64_t b = (n_samples + 7) / 8;
    return (b + GRS_GENO_ROW_ALIGN - 1) / GRS_GENO_ROW_ALIGN * GRS_GENO_ROW_ALIGN;
}

/** The 2-bit code of sample s in a packed row (words of 16 codes). */
GRS_HD uint32_t grs_geno_code(const uint32_t *GRS_RESTRICT row, int64_t s)
{
    return (row[s / GRS_GENO_PER_WORD] >> (2 * (s % GRS_GENO_PER_WORD))) & 3u;
}

/** Whether sample s is haploid in a haploid bitset row (NULL row: diploid). */
GRS_HD int grs_geno_is_haploid(const uint8_t *GRS_RESTRICT hap, int64_t s)
{
    return hap ? (hap[s >> 3] >> (s & 7)) & 1 : 0;
}

/** Convert a PLINK 1 .bed code (00 hom A1, 01 missing, 10 het, 11 hom A2) to a grs code,
 *  where A2 is REF and A1 is ALT (plink's default: A1 = minor/ALT). */
GRS_HD uint32_t grs_bed_to_code(uint32_t bed)
{
    /* bed 0 -> 2 ALT copies, 1 -> missing, 2 -> het, 3 -> 0 ALT copies */
    return (0x1Eu >> (2 * (bed & 3u))) & 3u; /* table {2,3,1,0}, 2 bits each: 0b00011110 */
}

/** Dosage in ALT copies of a uint16 plane value; `missing_value` is returned for 65535. */
GRS_HD double grs_dosage_value(uint16_t d, double missing_value)
{
    return d == GRS_DOSAGE_MISSING ? missing_value : (double)d / (double)GRS_DOSAGE_ONE;
}

/** Dosage of a hard-call code, with `missing_value` returned for GRS_GENO_MISSING. */
GRS_HD double grs_code_dosage(uint32_t code, double missing_value)
{
    return code == GRS_GENO_MISSING ? missing_value : (double)code;
}

/* ---------------------------------------------------------------------------------------
 * Reader
 * --------------------------------------------------------------------------------------- */

typedef struct grs_geno_s grs_geno_t;

#define GRS_GENO_OPEN_NOVERIFY 0x1u  /* skip the CRC of MATRIX and DOSAGE (tables still checked) */

/**
 * Open and validate a .grsm file, mapping it read-only.
 * @param fn     path of the .grsm file
 * @param flags  GRS_GENO_OPEN_* bits
 * @param out    on GRS_OK, the opened matrix; free with grs_geno_close()
 * @return GRS_OK, GRS_EIO (cannot open/map), GRS_EFORMAT (bad magic, CRC, truncation, tables),
 *         GRS_EUNSUPPORTED (written by a newer major version), GRS_ENOMEM.
 *         Each failure is logged once, naming the file and what is wrong.
 */
int grs_geno_open(const char *fn, unsigned flags, grs_geno_t **out) GRS_RESULT_USED;

/** Unmap and free. Accepts NULL. */
void grs_geno_close(grs_geno_t *g);

int64_t grs_geno_n_samples(const grs_geno_t *g);
int64_t grs_geno_n_variants(const grs_geno_t *g);
/** Words (uint32) per packed row; rows are contiguous at this stride. */
int64_t grs_geno_row_words(const grs_geno_t *g);
/** The whole MATRIX section: row v starts at grs_geno_matrix(g) + v * row_words. */
const uint32_t *grs_geno_matrix(const grs_geno_t *g);
/** Packed codes of variant v (borrowed; valid until grs_geno_close). */
const uint32_t *grs_geno_row(const grs_geno_t *g, int64_t v);
/** Drop the mapped pages of MATRIX rows before variant v from this process's resident set
 *  (they stay in the page cache; a later access maps them again). Streaming readers call it
 *  so that peak RSS stays at one block, not the whole file. */
void grs_geno_release_before(const grs_geno_t *g, int64_t v);
/** Dosage row of variant v (n_samples uint16), or NULL if the variant has only hard calls. */
const uint16_t *grs_geno_dosage_row(const grs_geno_t *g, int64_t v);
/** Haploid bitset of variant v, or NULL if every sample is diploid there. */
const uint8_t *grs_geno_haploid_row(const grs_geno_t *g, int64_t v);
/** Statistics of variant v. */
const grs_vstat_t *grs_geno_vstat(const grs_geno_t *g, int64_t v);
/** Variant v of the variant table (strings borrowed from g). */
const grs_variant_t *grs_geno_variant(const grs_geno_t *g, int64_t v);
/** The whole variant table, n_variants entries (borrowed). */
const grs_variant_t *grs_geno_variants(const grs_geno_t *g);
/** Sample s (strings borrowed from g). */
const grs_sample_t *grs_geno_sample(const grs_geno_t *g, int64_t s);
/** Value of a META key, or NULL (borrowed). */
const char *grs_geno_meta(const grs_geno_t *g, const char *key);
/** Number of variants with a dosage row. */
int64_t grs_geno_n_dosage_rows(const grs_geno_t *g);
/** Path the matrix was opened from (borrowed). */
const char *grs_geno_path(const grs_geno_t *g);

/* ---------------------------------------------------------------------------------------
 * Streaming writer
 * --------------------------------------------------------------------------------------- */

typedef struct grs_geno_writer_s grs_geno_writer_t;

/**
 * Start writing FILE (to FILE.tmp.PID until grs_geno_writer_close commits it).
 * @param fn        final path
 * @param n_samples number of samples (>= 1)
 * @param samples   n_samples samples, copied
 * @param out       on GRS_OK, the writer; finish with grs_geno_writer_close()
 * @return GRS_OK, GRS_EIO, GRS_ENOMEM, GRS_EINVAL.
 */
int grs_geno_writer_open(const char *fn, int64_t n_samples, const grs_sample_t *samples,
                         grs_geno_writer_t **out) GRS_RESULT_USED;

/**
 * Append one variant.
 * @param var     the variant (copied)
 * @param codes   n_samples bytes, each 0..3 (grs codes)
 * @param dosage  NULL, or n_samples uint16 dosages (GRS_DOSAGE_ONE scale, 65535 missing);
 *                stored only if some value is not a multiple of GRS_DOSAGE_ONE
 * @param haploid NULL, or n_samples bytes, nonzero = haploid; stored only if some is nonzero
 * @return GRS_OK, GRS_EIO, GRS_ENOMEM, GRS_EINVAL (a code > 3, a dosage above ploidy).
 */
int grs_geno_writer_add(grs_geno_writer_t *w, const grs_variant_t *var, const uint8_t *codes,
                        const uint16_t *dosage, const uint8_t *haploid) GRS_RESULT_USED;

/**
 * Append one variant given as an already packed row of hard calls (the MATRIX row layout: 4
 * codes per byte, sample s at bits 2*(s%4) of byte s/4). Much faster than grs_geno_writer_add
 * for sources that are packed already (PLINK .bed).
 * @param var          the variant (copied)
 * @param row          at least (n_samples+3)/4 bytes; bits past n_samples are ignored
 * @param haploid_bits NULL, or a bitset (bit s%8 of byte s/8 set = sample s haploid)
 * @return GRS_OK, GRS_EIO, GRS_ENOMEM, GRS_EINVAL (code 2 in a haploid sample).
 */
int grs_geno_writer_add_packed(grs_geno_writer_t *w, const grs_variant_t *var, const uint8_t *row,
                               const uint8_t *haploid_bits) GRS_RESULT_USED;

/** Set a META key (replaces an earlier value). Keys and values must not contain TAB/newline. */
int grs_geno_writer_meta(grs_geno_writer_t *w, const char *key, const char *value) GRS_RESULT_USED;

/** Variants added so far. */
int64_t grs_geno_writer_n_variants(const grs_geno_writer_t *w);

/**
 * Finish. commit != 0: write the remaining sections and header, rename to the final path.
 * commit == 0 (or any failure): remove the temporary file and leave nothing behind.
 * Always frees w (accepts NULL). @return GRS_OK or GRS_EIO.
 */
int grs_geno_writer_close(grs_geno_writer_t *w, int commit);

#ifdef __cplusplus
}
#endif
#endif /* GRS_GENO_H */
