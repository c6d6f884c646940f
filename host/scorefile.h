/* scorefile.h -- read scoring files: PGS Catalog (format v2.0, plain or harmonized, and
 * pgsc_calc's "custom" subset of it) and PLINK-style (plink2 --score) weight tables.
 *
 * ---------------------------------------------------------------------------------------
 * Format detection (opts->force_format == 0)
 *   Leading lines that start with '#' are header lines. The first other line is the column
 *   line. If it is TAB-separated and names a column `effect_allele` plus a weight column
 *   (`effect_weight`, `OR`, `HR` or some `dosage_N_weight`), the file is a PGS Catalog file;
 *   otherwise it is PLINK style. (A file without '#' lines but with those columns, such as
 *   pgsc_calc's custom scoring files, therefore also reads as PGS Catalog.)
 *
 * PGS Catalog rules
 *   - `#key=value` header lines fill pgs_id, pgs_name, trait_reported, trait_efo,
 *     genome_build, weight_type, format_version, variants_number and (from HmPOS_build)
 *     hm_build. Lines starting "##" and lines without '=' are ignored.
 *   - Fields are TAB-separated; every data line must have exactly as many fields as the
 *     column line (empty fields are fine). Blank lines are skipped.
 *   - Position: `hm_chr`/`hm_pos` when those columns exist and the row's value is non-empty,
 *     else `chr_name`/`chr_position` (pgsc_calc always takes hm_* in harmonized files, even
 *     when empty; we fall back so a failed harmonisation keeps the author's position).
 *     `harmonized` is set when any row used hm_* values.
 *   - ID: `rsID`, or `hm_rsID` when rsID is empty. "." and "" mean none.
 *   - other_allele: the `other_allele` column; when empty, `hm_inferOtherAllele`. A value
 *     with several candidates ("A/G") means the other allele is unknown (NULL), as in
 *     pgscatalog.core's assign_other_allele.
 *   - Weight: `effect_weight`; when that column is absent or the row's value empty, ln(OR)
 *     and then ln(HR). The value must be finite (and OR/HR > 0).
 *   - Model: `is_dominant` / `is_recessive` (True/TRUE/true/T/1 vs False/FALSE/false/F/0/"");
 *     both true on one row is an error.
 *   - Rows that cannot be scored are kept, with `unsupported` set to one of the
 *     GRS_SF_UNSUP_* strings below (checked in that order); their weight and alleles are not
 *     validated (weight 0 when unparsable). Matching lists them as excluded.
 * PLINK-style rules (plink2 --score FILE id_col allele_col [header-read] --score-col-nums)
 *   - Fields are separated by runs of spaces/TABs; leading '#' lines are skipped.
 *   - Columns are 1-based: id_col (default 1), allele_col (default 2), weight columns (default
 *     every column after allele_col, counted on the first line). Every line must have the same
 *     number of fields as the first.
 *   - header_read: the first line names the weight columns; otherwise they are "SCORE1", ...
 *   - chrom is NULL and pos is -1: such files can only be matched by ID.
 * Both: UTF-8 BOM and CRLF line ends are accepted; plain or gzip/bgzip input.
 *
 * Chromosome names are normalised by grs_chrom_normalize() (below).
 * ---------------------------------------------------------------------------------------
 * Example
 *     grs_scorefile_t *sf = NULL;
 *     if (grs_scorefile_read("PGS000001.txt.gz", NULL, &sf) < 0) return ...;  // logged
 *     for (int64_t i = 0; i < sf->n_rows; i++)
 *         use(sf->rows[i].chrom, sf->rows[i].pos, sf->weights[i * sf->n_scores + 0]);
 *     grs_scorefile_destroy(sf);
 */
#ifndef GRS_HOST_SCOREFILE_H
#define GRS_HOST_SCOREFILE_H

#include <stddef.h>
#include <stdint.h>

#include "grs/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

enum grs_sf_format {
    GRS_SF_AUTO = 0,        /* detect (opts->force_format only)                            */
    GRS_SF_PGS_CATALOG = 1, /* PGS Catalog v2.0 / pgsc_calc custom                         */
    GRS_SF_PLINK = 2,       /* plink2 --score style: ID, allele, weight columns            */
};

/* Values of grs_score_row_t.unsupported (static strings; compare with strcmp or ==). */
#define GRS_SF_UNSUP_HAPLOTYPE   "is_haplotype"          /* is_haplotype = True            */
#define GRS_SF_UNSUP_DIPLOTYPE   "is_diplotype"          /* is_diplotype = True            */
#define GRS_SF_UNSUP_INTERACTION "is_interaction"        /* is_interaction = True          */
#define GRS_SF_UNSUP_DOSAGE      "dosage_N_weight"       /* some dosage_N_weight non-empty */
#define GRS_SF_UNSUP_NON_ACGT    "non-ACGT effect allele" /* effect allele not [ACGT]+     */

/** One scoring-file row. Strings are owned by the grs_scorefile_t (do not free them). */
typedef struct grs_score_row_t {
    int64_t line;                 /* 1-based line number in the file                        */
    char *chrom;                  /* normalised (grs_chrom_normalize); NULL if unknown      */
    int64_t pos;                  /* 1-based; -1 if unknown                                  */
    char *id;                     /* rsID / variant ID, NULL if none                         */
    char *effect_allele;          /* upper case, never NULL                                  */
    char *other_allele;           /* upper case; NULL when unknown (absent, or several)      */
    int32_t model;                /* enum grs_pgs_model: ADDITIVE / DOMINANT / RECESSIVE     */
    const char *unsupported;      /* NULL, or a GRS_SF_UNSUP_* string: why it can't be scored */
} grs_score_row_t;

struct grs_sf_arena_s;            /* private string storage */

/** A scoring file in memory. Free with grs_scorefile_destroy(). */
typedef struct grs_scorefile_t {
    char *path;                   /* as passed to grs_scorefile_read                         */
    int format;                   /* GRS_SF_PGS_CATALOG or GRS_SF_PLINK                      */
    int harmonized;               /* hm_chr/hm_pos values were used for at least one row     */
    int64_t n_rows;
    grs_score_row_t *rows;
    int n_scores;
    char **score_names;           /* PGS Catalog: pgs_id, else pgs_name, else the file stem
                                     (basename without .gz/.txt/.tsv); PLINK: header names of
                                     the weight columns, or SCORE1.. without header_read     */
    double *weights;              /* n_rows × n_scores, row-major: weights[i*n_scores + k]    */
    /* PGS Catalog header (#key=value), NULL when absent */
    char *pgs_id, *pgs_name, *trait_reported, *trait_efo, *genome_build, *weight_type,
         *format_version, *hm_build;
    int64_t variants_number;      /* -1 if absent                                           */
    struct grs_sf_arena_s *arena; /* private: owns the row strings                          */
} grs_scorefile_t;

/** Reader options. A NULL pointer, or a zero-filled struct, means all defaults. */
typedef struct grs_scorefile_opts_t {
    /* PLINK-style (plink2 --score F 1 2 3 header-read / --score-col-nums): 1-based; 0 = auto */
    int id_col, allele_col;                     /* default 1 and 2                          */
    const int *weight_cols; int n_weight_cols;  /* default: every column after allele_col   */
    int header_read;              /* first line is a header giving the score names           */
    int force_format;             /* GRS_SF_AUTO (0), GRS_SF_PGS_CATALOG or GRS_SF_PLINK      */
} grs_scorefile_opts_t;

/**
 * Read a scoring file.
 * @param fn   path (plain text, gzip or bgzip)
 * @param opt  options, or NULL for defaults
 * @param out  on GRS_OK, the file; the caller frees it with grs_scorefile_destroy().
 *             Untouched on failure.
 * @return GRS_OK;
 *         GRS_EIO     the file cannot be opened or read;
 *         GRS_EFORMAT empty file, no column line, missing required columns (named), a
 *                     non-numeric / NaN / Inf weight (line and column named), a wrong field
 *                     count, an empty effect allele, a bad position or flag value, a row
 *                     both dominant and recessive;
 *         GRS_EINVAL  bad options (column numbers < 1, id_col == allele_col, ...);
 *         GRS_ENOMEM.
 *         Each failure is logged once ([E::grs_scorefile_read] FILE:LINE: ...).
 * The reader does not reject duplicate rows: matching labels them.
 */
int grs_scorefile_read(const char *fn, const grs_scorefile_opts_t *opt,
                       grs_scorefile_t **out) GRS_RESULT_USED;

/** Free a scoring file and everything it owns. Accepts NULL. */
void grs_scorefile_destroy(grs_scorefile_t *sf);

/**
 * Normalise a chromosome name so that scoring files and targets compare equal:
 *   - a leading "chr" (any case) is removed: "chr22" -> "22", "chrX" -> "X";
 *   - leading zeros of numbers are removed: "01" -> "1";
 *   - plink's numeric codes: 23 -> X, 24 -> Y, 25 -> XY, 26 -> MT;
 *   - x, y, xy (any case) -> X, Y, XY; M, MT (any case) -> MT;
 *   - anything else (e.g. "6_cox_hap2", "GL000192.1") is kept as is.
 * "", ".", "NA" and "0" mean unknown.
 * @param in   the name as written
 * @param out  buffer for the result (NUL-terminated)
 * @param n    size of out
 * @return the length of the result; 0 for an unknown chromosome; -1 if out is too small.
 */
int grs_chrom_normalize(const char *in, char *out, size_t n);
/** The normalised name of chromosome `in` written to buf (n bytes), or `in` itself when it has
 *  none (unknown, or too long): a key under which "chr1", "1" and "01" meet. */
const char *grs_chrom_key(const char *in, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* GRS_HOST_SCOREFILE_H */
