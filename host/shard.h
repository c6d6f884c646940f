/* shard.h -- sharded scoring (internal): shard specs and ranges, exact partial results, the
 * shard manifest, and the small JSON reader that `grs merge` and `--skip-existing` use.
 *
 * A run of `grs score --shard K/N` computes one part of a single run and writes
 *     PREFIX.shardK-of-N.partial.gz      per-sample exact partial sums (gzip text, below)
 *     PREFIX.shardK-of-N.match.tsv.gz    the match log (shard 1 only: every shard's is the same)
 *     PREFIX.shardK-of-N.manifest.json   written last: its presence means the shard is complete
 * and `grs merge` adds the parts into exactly the outputs a single run writes.
 *
 * Exactness. Scores accumulate in 128-bit fixed point per GRS_PGS_CHUNK keys (grs/pgs.h), so
 *  - variant shards are ranges of whole chunks of the sorted matched keys: every chunk is
 *    summed by the same code in every layout, and integer addition of the shards' accumulators
 *    gives the single run's bits for any N (when there are fewer chunks than shards, the last
 *    shards are empty: they still write a partial);
 *  - sample shards are ranges of whole GRS_SHARD_SAMPLE_UNIT samples (64-byte aligned rows);
 *    every shard scores every key, per-sample results do not depend on the other samples, and
 *    imputation frequencies come from the whole cohort's rows (each loader counts full rows).
 * ALLELE_CT, DENOM and NAMED_ALLELE_DOSAGE_SUM are integers or multiples of 1/16384, so their
 * double sums are exact too.
 *
 * Partial file (gzip text, tab-separated; fixed-point values as 32 hex digits of the two's
 * complement 128-bit integer, high word first):
 *     ##grs-partial	1
 *     ##offset	HEX...                     (K values: centering constants, exact)
 *     #FID	IID	ALLELE_CT	DENOM	NAMED_ALLELE_DOSAGE_SUM	<score>...
 *     fid	iid	ct	%.17g	%.17g	HEX...      (one row per sample of the shard)
 */
#ifndef GRS_HOST_SHARD_H
#define GRS_HOST_SHARD_H

#include <stdint.h>

#include "grs/defs.h"
#include "grs/pgs.h"
#include "json.h"
#include "score_output.h"

#define GRS_SHARD_FORMAT_VERSION 1    /* manifest and partial layout; merge refuses others */
#define GRS_SHARD_SAMPLE_UNIT    256  /* sample-shard boundaries: 256 samples = 64 bytes of row */

enum { GRS_SHARD_BY_VARIANTS = 0, GRS_SHARD_BY_SAMPLES = 1 };

/** --shard K/N: k in 1..n; n == 0 means "not sharded". */
typedef struct grs_shard_spec_t {
    int k, n;
    int by;                   /* GRS_SHARD_BY_*                                       */
} grs_shard_spec_t;

/** Parse "K/N" or "auto" (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN/MAX or _COUNT).
 *  @return GRS_OK, or GRS_EINVAL with a message in err (256 bytes). */
int grs_shard_parse(const char *s, grs_shard_spec_t *sp, char *err) GRS_RESULT_USED;
/** "variants" / "samples" */
const char *grs_shard_by_name(int by);

/** Keys [*k0, *k1) of shard sp among n_keys sorted keys: whole GRS_PGS_CHUNKs, balanced. */
void grs_shard_key_range(const grs_shard_spec_t *sp, int64_t n_keys, int64_t *k0, int64_t *k1);
/** Samples [*s0, *s1) of shard sp: whole GRS_SHARD_SAMPLE_UNITs, balanced. */
void grs_shard_sample_range(const grs_shard_spec_t *sp, int64_t n_samples, int64_t *s0, int64_t *s1);

/** "PREFIX.shardK-of-N.<what>" (caller frees) */
char *grs_shard_path(const char *prefix, const grs_shard_spec_t *sp, const char *what);

/* ---- key/value lists: the identity of a run (inputs, checksums, options) --------------------- */
typedef struct grs_kv_t {
    char **key, **val;
    int n, cap;
} grs_kv_t;

/** Append key = printf(fmt, ...). @return GRS_OK or GRS_ENOMEM. */
int grs_kv_add(grs_kv_t *kv, const char *key, const char *fmt, ...) GRS_PRINTF(3, 4);
void grs_kv_free(grs_kv_t *kv);
/** Write kv as a JSON object member `key` (all values strings). */
void grs_kv_json(grs_json_t *j, const char *key, const grs_kv_t *kv);

/* ---- JSON reader ------------------------------------------------------------------------------ */
enum { GRS_JV_NULL, GRS_JV_BOOL, GRS_JV_NUM, GRS_JV_STR, GRS_JV_ARR, GRS_JV_OBJ };

typedef struct grs_jv_t grs_jv_t;
struct grs_jv_t {
    int type;                 /* GRS_JV_*                                              */
    int b;                    /* BOOL                                                  */
    double num;               /* NUM                                                   */
    char *str;                /* STR: the string; NUM: its text as written             */
    int n;                    /* ARR/OBJ: members                                      */
    char **keys;              /* OBJ: member names                                     */
    grs_jv_t *items;          /* ARR/OBJ: members                                      */
};

/** Parse a whole JSON file. Errors name the file and line. @return GRS_OK, GRS_EIO, GRS_EFORMAT. */
int grs_jv_read(const char *fn, grs_jv_t **out) GRS_RESULT_USED;
/** Parse JSON text (NUL-terminated); errors name `name` and the line. Same returns as grs_jv_read. */
int grs_jv_parse(const char *text, const char *name, grs_jv_t **out) GRS_RESULT_USED;
/** Free a parsed value (accepts NULL). */
void grs_jv_free(grs_jv_t *v);
/** Member of an object, or NULL. */
const grs_jv_t *grs_jv_get(const grs_jv_t *o, const char *key);
/** String member, or NULL when absent or not a string. */
const char *grs_jv_str(const grs_jv_t *o, const char *key);
/** Integer member; returns def when absent or not a number. */
int64_t grs_jv_int(const grs_jv_t *o, const char *key, int64_t def);
/** Write v back through the JSON writer as member `key` (NULL inside arrays). Integers written
 *  by grs_json_int and doubles by grs_json_num come back with the same text. */
void grs_jv_emit(grs_json_t *j, const char *key, const grs_jv_t *v);

/* ---- partial results ---------------------------------------------------------------------- */

/** Write t (rows of this shard) to fn as a partial file; the file is committed on success. */
int grs_partial_write(const char *fn, const grs_score_table_t *t) GRS_RESULT_USED;
/** Read a partial file written for n_scores scores. Fills t (allocates rows; free with
 *  grs_score_table_free). @return GRS_OK or a negative status (logged with file and line). */
int grs_partial_read(const char *fn, int64_t n_scores, grs_score_table_t *t) GRS_RESULT_USED;

/** CRC-32 and size of a whole file. @return GRS_OK or GRS_EIO (not logged). */
int grs_file_crc32(const char *fn, uint32_t *crc, int64_t *size) GRS_RESULT_USED;

/**
 * --skip-existing: whether the shard's outputs are complete and belong to this run: the
 * manifest parses, has this format and tool version, the same shard K/N/by, a run identity
 * equal to `run` (keys starting "samples" are not compared: they are known only after the
 * genotypes are read), and its partial (and, for shard 1, match log) have the recorded sizes
 * and checksums. Logs the reason at INFO when not. @return 1 complete, 0 not.
 */
int grs_shard_complete(const char *prefix, const grs_shard_spec_t *sp, const grs_kv_t *run);

#endif
