/* table.h -- a generic delimited table of samples: phenotype, covariate and .sscore files.
 *
 * Accepted layouts (plain or gzip/bgzip):
 *   - a header line whose first field is FID, IID, #FID or #IID (any case): plink2 .sscore,
 *     plink2 pheno/covar files, regenie files, header TSV/CSV;
 *   - a header line starting with '#' (the '#' is dropped);
 *   - no header (PLINK 1 style): FID IID v1 v2 ..., columns named FID, IID, <prefix>1, ...
 * The delimiter is taken from the first line: tab if it has one, else comma if it has one,
 * else runs of spaces. Every row must have the header's number of fields; blank lines are
 * skipped; a trailing '\r' is dropped. A sample key is FID + IID when there is an FID column,
 * else IID; a key seen twice is an error naming both lines.
 *
 * Missing values (grs_sampletab_is_missing): "", NA, N/A, NaN, nan, ".", -9 (PLINK's convention). */
#ifndef GRS_HOST_SAMPLETAB_H
#define GRS_HOST_SAMPLETAB_H

#include <stdint.h>

#include "grs/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    char *path;            /* as given                                              */
    int n_cols;            /* columns, key columns included                         */
    char **names;          /* column names                                          */
    int fid_col, iid_col;  /* column of FID (-1 if none) and IID                    */
    int has_header;        /* 0: PLINK-style headerless file                        */
    char delim;            /* '\t', ',' or ' ' (runs of blanks)                     */
    int64_t n_rows;
    char **cells;          /* n_rows × n_cols, row-major; point into per-row buffers */
    int64_t *line;         /* 1-based file line of each row                         */
    char **rowbuf;         /* per-row storage                                       */
} grs_sampletab_t;

/**
 * Read FN. `prefix` names the value columns of a headerless file (e.g. "PHENO" → PHENO1, ...).
 * @return GRS_OK; GRS_EIO (cannot open/read), GRS_EFORMAT (empty, header only, ragged rows,
 *         no IID column, duplicate sample), GRS_ENOMEM. Errors are logged with file and line.
 */
int grs_sampletab_read(const char *fn, const char *prefix, grs_sampletab_t **out) GRS_RESULT_USED;
void grs_sampletab_destroy(grs_sampletab_t *t);

/** Column index of NAME (exact, then case-insensitive), or -1. */
int grs_sampletab_col(const grs_sampletab_t *t, const char *name);
/** Cell (row r, column c). */
static inline const char *grs_sampletab_cell(const grs_sampletab_t *t, int64_t r, int c)
{
    return t->cells[r * t->n_cols + c];
}
/** A string hash for sample keys: FNV-1a with a final avalanche. khash's default (X31) puts
 *  structured IDs such as "F123\tS123" into long probe chains. */
static inline uint32_t grs_sampletab_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h ^= h >> 33; h *= 0xff51afd7ed558ccdull; h ^= h >> 33;
    return (uint32_t)h;
}
/** Nonzero for a missing-value token. */
int grs_sampletab_is_missing(const char *s);
/** Sample key of row r ("FID\tIID" when with_fid and the table has FID, else IID) into a new
 *  string. Caller frees. */
char *grs_sampletab_key(const grs_sampletab_t *t, int64_t r, int with_fid);

#ifdef __cplusplus
}
#endif
#endif
