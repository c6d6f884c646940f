/* omics.h -- sample-keyed numeric tables for training and prediction (internal): phenotypes,
 * covariates, omics matrices (samples × features) and .sscore columns.
 *
 * Format: one header line, then one line per sample. The delimiter is taken from the header:
 * TAB if it has one, else ',' if it has one, else runs of spaces. Plain or gzip/bgzip.
 * Sample IDs: a header starting "FID IID" (optionally "#FID") gives two ID columns; a first
 * column named IID, #IID, ID, sample, sample_id or SampleID gives one; otherwise the first
 * column is the sample ID. Samples are matched by IID. Missing cells: "", NA, NaN, nan, "."
 * (and -9 with GRS_TABLE_MINUS9_NA, PLINK's phenotype convention).
 * Errors (each names the file and line): an empty file, a header with no data column, a line
 * with a different number of fields, a duplicate sample ID (both lines), a non-numeric cell
 * in a numeric table (line and column).
 */
#ifndef GRS_HOST_OMICS_H
#define GRS_HOST_OMICS_H

#include <stdint.h>

#include "grs/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRS_TABLE_STRINGS    0x1u  /* keep every cell as text (categorical columns allowed)   */
#define GRS_TABLE_MINUS9_NA  0x2u  /* -9 is missing (PLINK phenotypes)                       */

typedef struct grs_table_s {
    char *path;
    int64_t n_rows;          /* samples                                                   */
    int64_t n_cols;          /* data columns (ID columns excluded)                        */
    char **iid;              /* n_rows sample IDs                                         */
    int64_t *line;           /* n_rows file line numbers (1-based)                        */
    char **names;            /* n_cols column names                                       */
    double *x;               /* n_cols × n_rows, column-major; NaN = missing or text      */
    char **str;              /* GRS_TABLE_STRINGS: n_rows × n_cols cells (row-major)      */
    unsigned char *is_text;  /* n_cols: some non-missing cell is not a number             */
    void *hash;              /* IID → row                                                 */
} grs_table_t;

/**
 * Read a table. Without GRS_TABLE_STRINGS a non-numeric cell is an error (file, line,
 * column). @return GRS_OK, GRS_EIO, GRS_EFORMAT, GRS_ENOMEM (logged).
 */
int grs_table_read(const char *fn, unsigned flags, grs_table_t **out) GRS_RESULT_USED;
void grs_table_destroy(grs_table_t *t);
/** Row of a sample ID, or -1. */
int64_t grs_table_find(const grs_table_t *t, const char *iid);
/** Column by name, or -1. */
int64_t grs_table_col(const grs_table_t *t, const char *name);
/** Whether a cell text means missing. */
int grs_table_is_na(const char *s, unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
