/* match.h -- match scoring-file rows to target variants, following pgsc_calc
 * (pgscatalog.match: match.py, label.py, filter.py) and writing every row's fate.
 *
 * ---------------------------------------------------------------------------------------
 * The rule, per scoring file (one call = one file; rows of different files never interact):
 *
 * 1. Candidates. Rows with `unsupported` set are not matched: EXCLUDED, reason
 *    "unsupported: <why>". Otherwise the candidates of a row are the target variants
 *      - at the same normalised chromosome (grs_chrom_normalize: "chr" prefix dropped,
 *        23/24/25/26 -> X/Y/XY/MT, M -> MT) and position; a row without chromosome or
 *        position is UNMATCHED, "no position (use --match-id)";
 *      - or, with opt->by_id, with target id == row id (a row without ID: UNMATCHED "no ID").
 *    No candidate: UNMATCHED "no target variant".
 *    Split multi-allelic records are separate target rows (same chrom/pos/ref, one ALT each).
 *
 * 2. Match type of a candidate (REF/ALT of the target row; EA/OA of the scoring row; ~x is
 *    the base-wise complement of x when x is [ACGT]+, else x itself; no reversal):
 *       with OA:    refalt      EA==REF && OA==ALT      altref      EA==ALT && OA==REF
 *                   refalt_flip ~EA==REF && ~OA==ALT    altref_flip ~EA==ALT && ~OA==REF
 *       without OA: no_oa_ref   EA==REF                 no_oa_alt   EA==ALT
 *                   no_oa_ref_flip ~EA==REF             no_oa_alt_flip ~EA==ALT
 *    Priority is the order of enum grs_match_type. A candidate that matches no rule is not a
 *    candidate; if none is left: UNMATCHED "allele mismatch". (Same rules with by_id.)
 *
 * 3. Best match (label.py _label_best_match / _label_duplicate_best_match): the candidates
 *    of the best type are the row's best matches. If there are several (e.g. a no_oa row at a
 *    split multi-allelic site), the first in target order is kept and the row is flagged
 *    duplicate_best_match; the flag alone does not exclude it (as in pgsc_calc).
 *
 * 4. Flags of the chosen match, and exclusion (label.py), reason = the first that applies:
 *      duplicate_ID     several rows of this file chose the same target variant (all of them
 *                       are excluded: pgsc_calc's default keep_first_match = False). pgsc_calc
 *                       groups by the target's ID string; we group by the target row, so the
 *                       split rows of one multi-allelic record (which share an ID) don't
 *                       collide, and two target rows that share an ID do not either.
 *      ambiguous        target REF/ALT are complements (A/T, C/G; ALT == ~REF), unless
 *                       opt->keep_ambiguous (the flag is still set);
 *      is_multiallelic  the target row comes from a record with > 2 alleles, and
 *                       !opt->keep_multiallelic;
 *      strand flip (no_flip)   a *_flip match with opt->no_flip (pgsc_calc --skip_flip: the
 *                       flip is still found, so the row is reported EXCLUDED rather than
 *                       UNMATCHED, and still takes part in the duplicate_ID check).
 *    Otherwise MATCHED.
 *
 * Differences from pgsc_calc, all deliberate: target variants with ID "." and chromosomes
 * outside 1-22/X/Y are not dropped; hm_chr/hm_pos fall back to chr_name/chr_position when
 * empty (scorefile.h); multi-allelic matches are kept by default (keep_multiallelic = 1).
 *
 * Performance: one open-addressing hash of target (chrom, pos) -> chain of target rows (with
 * by_id, a khash of id -> chain); each scoring row costs one (prefetched) lookup.
 * O(n_variants + n_rows) time; about 24 bytes per target variant plus 56 per scoring row.
 * 10M target variants x 10M scoring rows: ~2.5 s on one core of the 2-core dev VM.
 * ---------------------------------------------------------------------------------------
 * Example
 *     grs_match_opts_t mo; grs_match_opts_default(&mo);
 *     grs_match_t *m = NULL;
 *     if ((ret = grs_match_run(vars, n_vars, sf, &mo, &m)) < 0) goto fail;   // logged
 *     for (int64_t i = 0; i < m->n_rows; i++)
 *         if (m->rows[i].status == GRS_MS_MATCHED)
 *             use(m->rows[i].variant, m->rows[i].effect_is_ref);
 *     grs_match_destroy(m);
 */
#ifndef GRS_HOST_MATCH_H
#define GRS_HOST_MATCH_H

#include <stdint.h>

#include "grs/defs.h"
#include "grs/geno.h"
#include "scorefile.h"

#ifdef __cplusplus
extern "C" {
#endif

struct grs_out_s;   /* host/util.h */

/** Match types, in priority order (lower = better). */
enum grs_match_type {
    GRS_MT_NONE = 0,        /* no match                                      */
    GRS_MT_REFALT,          /* EA = REF, OA = ALT                            */
    GRS_MT_ALTREF,          /* EA = ALT, OA = REF                            */
    GRS_MT_REFALT_FLIP,     /* complemented EA = REF, OA = ALT               */
    GRS_MT_ALTREF_FLIP,     /* complemented EA = ALT, OA = REF               */
    GRS_MT_NO_OA_REF,       /* no OA; EA = REF                               */
    GRS_MT_NO_OA_ALT,       /* no OA; EA = ALT                               */
    GRS_MT_NO_OA_REF_FLIP,  /* no OA; complemented EA = REF                  */
    GRS_MT_NO_OA_ALT_FLIP,  /* no OA; complemented EA = ALT                  */
    GRS_MT_COUNT
};

enum grs_match_status { GRS_MS_MATCHED = 0, GRS_MS_EXCLUDED = 1, GRS_MS_UNMATCHED = 2 };

/** Why a row was excluded or unmatched (index of grs_match_t.n_by_reason). */
enum grs_match_reason {
    GRS_MR_NONE = 0,            /* matched                                                  */
    GRS_MR_UNSUP_HAPLOTYPE,     /* "unsupported: is_haplotype"                              */
    GRS_MR_UNSUP_DIPLOTYPE,     /* "unsupported: is_diplotype"                              */
    GRS_MR_UNSUP_INTERACTION,   /* "unsupported: is_interaction"                            */
    GRS_MR_UNSUP_DOSAGE,        /* "unsupported: dosage_N_weight"                           */
    GRS_MR_UNSUP_NON_ACGT,      /* "unsupported: non-ACGT effect allele"                    */
    GRS_MR_UNSUP_OTHER,         /* "unsupported" (any other `unsupported` string)           */
    GRS_MR_DUPLICATE_ID,        /* "duplicate_ID"                                           */
    GRS_MR_AMBIGUOUS,           /* "ambiguous"                                              */
    GRS_MR_MULTIALLELIC,        /* "is_multiallelic"                                        */
    GRS_MR_FLIP,                /* "strand flip (no_flip)"                                  */
    GRS_MR_NO_POSITION,         /* "no position (use --match-id)"                           */
    GRS_MR_NO_ID,               /* "no ID"                                                  */
    GRS_MR_NO_VARIANT,          /* "no target variant"                                      */
    GRS_MR_ALLELE_MISMATCH,     /* "allele mismatch"                                        */
    GRS_MR_COUNT
};

typedef struct grs_match_opts_t {
    int by_id;             /* match on variant ID (plink2's behaviour) instead of chrom+pos  */
    int keep_ambiguous;    /* keep strand-ambiguous A/T, C/G matches                         */
    int keep_multiallelic; /* default 1: split rows of multi-allelic sites may match per ALT */
    int no_flip;           /* exclude strand-flip matches                                    */
} grs_match_opts_t;

/** The fate of one scoring-file row. */
typedef struct grs_match_row_t {
    int64_t variant;       /* index into the target variant table, -1 if none (the chosen
                              candidate is kept for EXCLUDED rows that had one)               */
    int32_t type;          /* enum grs_match_type                                           */
    int32_t status;        /* enum grs_match_status                                         */
    int32_t effect_is_ref; /* 1: the effect allele is the target REF (dosage must be flipped) */
    int32_t ambiguous, multiallelic, duplicate_best_match, duplicate_id;  /* flags (0/1)    */
    const char *reason;    /* static string, NULL when matched: grs_match_reason_str()       */
    int32_t reason_id;     /* enum grs_match_reason (GRS_MR_NONE when matched)              */
} grs_match_row_t;

typedef struct grs_match_t {
    int64_t n_rows;            /* == sf->n_rows                                              */
    grs_match_row_t *rows;
    int64_t n_matched, n_excluded, n_unmatched;
    int64_t n_by_reason[GRS_MR_COUNT];  /* rows per reason ([GRS_MR_NONE] = n_matched)       */
    int64_t n_by_type[GRS_MT_COUNT];    /* matched rows per match type                       */
    int64_t n_ambiguous, n_multiallelic, n_duplicate_best_match, n_duplicate_id; /* flags,
                                           counted over all rows whatever their status       */
} grs_match_t;

/** Defaults: by_id 0, keep_ambiguous 0, keep_multiallelic 1, no_flip 0. */
void grs_match_opts_default(grs_match_opts_t *opt);

/** The static string of a reason ("" for GRS_MR_NONE; "?" out of range). */
const char *grs_match_reason_str(int reason);
/** "refalt", ..., "no_oa_alt_flip"; "." for GRS_MT_NONE. */
const char *grs_match_type_str(int type);
/** "matched", "excluded", "unmatched". */
const char *grs_match_status_str(int status);

/**
 * Match every row of a scoring file against a target variant table.
 * @param variants    n_variants target rows (borrowed; only read during the call)
 * @param n_variants  >= 0
 * @param sf          the scoring file (borrowed)
 * @param opt         options, or NULL for grs_match_opts_default()
 * @param out         on GRS_OK, the result (rows in scoring-file order); free with
 *                    grs_match_destroy(). Untouched on failure.
 * @return GRS_OK, GRS_EINVAL (NULL arguments, n_variants < 0), GRS_ENOMEM (logged).
 *         An empty overlap is not an error here: the caller applies --min-overlap.
 */
int grs_match_run(const grs_variant_t *variants, int64_t n_variants, const grs_scorefile_t *sf,
                  const grs_match_opts_t *opt, grs_match_t **out) GRS_RESULT_USED;

/** Free a match result. Accepts NULL. */
void grs_match_destroy(grs_match_t *m);

/**
 * Write every row's fate as TSV (for PREFIX.match.tsv.gz), one line per scoring-file row in
 * file order. Columns:
 *   score_file line chr_name chr_position rsID effect_allele other_allele
 *   target_id target_chrom target_pos target_ref target_alt match_type status reason
 *   ambiguous is_multiallelic duplicate_best_match duplicate_ID
 * score_file is sf->path; missing values are "."; flags are 0/1; the target_* columns are
 * filled whenever a candidate was chosen (also for excluded rows).
 * @param o            an open output (host/util.h); write errors surface at grs_out_close()
 * @param write_header nonzero: write the column line first (once per output file)
 * @return GRS_OK or GRS_EINVAL (NULL arguments, or m->n_rows != sf->n_rows; logged).
 */
int grs_match_write_tsv(struct grs_out_s *o, const grs_scorefile_t *sf, const grs_match_t *m,
                        const grs_variant_t *variants, int write_header) GRS_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif /* GRS_HOST_MATCH_H */
