/* match.c -- scoring-file rows -> target variants, pgsc_calc's rules (see match.h). */
#include "match.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include <htslib/khash.h>

#include "grs/log.h"
#include "grs/status.h"
#include "util.h"

KHASH_MAP_INIT_STR(mchr, int32_t)   /* normalised chromosome -> small id (keys owned) */
KHASH_MAP_INIT_STR(mid, int64_t)    /* target id -> first target row (keys borrowed)    */

#define POS_BITS 40                 /* positions up to 2^40-1; chrom ids in the top 24 bits */

/* (chrom id, pos) -> first target row of its chain. Open addressing with linear probing and
 * key and value side by side, so a lookup is usually one cache miss (khash keeps keys, values
 * and flags in three arrays: three misses, which dominated matching 10M rows). */
typedef struct pos_slot_t { uint64_t key; int64_t head; } pos_slot_t;   /* key 0 = empty */
typedef struct pos_hash_t { pos_slot_t *slot; uint64_t mask; int shift; } pos_hash_t;

#define PREFETCH_AHEAD 16

static int pos_hash_init(pos_hash_t *h, int64_t n)
{
    int bits = 4;
    while (((int64_t)1 << bits) < n + n / 2 + 1) bits++;       /* load factor <= 2/3 */
    h->mask = ((uint64_t)1 << bits) - 1;
    h->shift = 64 - bits;
    size_t bytes = ((size_t)h->mask + 1) * sizeof(pos_slot_t);
    h->slot = NULL;
    if (bytes >= ((size_t)2 << 20)) {
        /* big table: 2 MiB-aligned and marked for transparent huge pages, which removes most
         * TLB misses of the random probes (about 2x faster at 10M variants where THP is on) */
        void *p = NULL;
        if (posix_memalign(&p, (size_t)2 << 20, bytes) == 0) {
#ifdef MADV_HUGEPAGE
            (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
            memset(p, 0, bytes);
            h->slot = (pos_slot_t *)p;
        }
    } else h->slot = (pos_slot_t *)calloc(1, bytes);
    return h->slot ? 0 : -1;
}

/* the slot of key (key != 0): either holding key, or empty */
static pos_slot_t *pos_hash_slot(const pos_hash_t *h, uint64_t key)
{
    uint64_t i = (key * 0x9E3779B97F4A7C15ull) >> h->shift;   /* Fibonacci hashing (as the
                                                                prefetch in grs_match_run) */
    while (h->slot[i].key && h->slot[i].key != key) i = (i + 1) & h->mask;
    return &h->slot[i];
}

static const char *const reason_str[GRS_MR_COUNT] = {
    "", "unsupported: is_haplotype", "unsupported: is_diplotype", "unsupported: is_interaction",
    "unsupported: dosage_N_weight", "unsupported: non-ACGT effect allele", "unsupported",
    "duplicate_ID", "ambiguous", "is_multiallelic", "strand flip (no_flip)",
    "no position (use --match-id)", "no ID", "no target variant", "allele mismatch",
};

static const char *const type_str[GRS_MT_COUNT] = {
    ".", "refalt", "altref", "refalt_flip", "altref_flip",
    "no_oa_ref", "no_oa_alt", "no_oa_ref_flip", "no_oa_alt_flip",
};

void grs_match_opts_default(grs_match_opts_t *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->keep_multiallelic = 1;
}

const char *grs_match_reason_str(int reason)
{
    return reason >= 0 && reason < GRS_MR_COUNT ? reason_str[reason] : "?";
}

const char *grs_match_type_str(int type)
{
    return type >= 0 && type < GRS_MT_COUNT ? type_str[type] : "?";
}

const char *grs_match_status_str(int status)
{
    return status == GRS_MS_MATCHED ? "matched" : status == GRS_MS_EXCLUDED ? "excluded"
                                                                            : "unmatched";
}

static char comp_base(char c)
{
    switch (toupper((unsigned char)c)) {
    case 'A': return 'T';
    case 'C': return 'G';
    case 'G': return 'C';
    case 'T': return 'A';
    default: return 0;
    }
}

/* ~s into *buf (pgscatalog complement_valid_alleles: only [ACGT]+ is complemented) */
static int complement(const char *s, char **buf, size_t *cap)
{
    size_t n = strlen(s);
    if (n + 1 > *cap) {
        char *b = (char *)realloc(*buf, n + 1);
        if (!b) return -1;
        *buf = b; *cap = n + 1;
    }
    int ok = n > 0;
    for (size_t i = 0; i < n && ok; i++) if (!((*buf)[i] = comp_base(s[i]))) ok = 0;
    if (!ok) memcpy(*buf, s, n);
    (*buf)[n] = 0;
    return 0;
}

/* target REF and ALT are complements of each other (A/T, C/G, AT/TA ...) */
static int is_ambiguous(const char *ref, const char *alt)
{
    size_t n = strlen(ref);
    if (!n || strlen(alt) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = comp_base(ref[i]);
        if (!c || c != toupper((unsigned char)alt[i])) return 0;
    }
    return 1;
}

static int eq(const char *a, const char *b) { return a && b && !strcasecmp(a, b); }

/* best match type of row (ea, oa, ~ea, ~oa) against one target row */
static int classify(const char *ea, const char *oa, const char *fea, const char *foa,
                    const grs_variant_t *v)
{
    const char *ref = v->ref, *alt = v->alt;
    if (oa) {
        if (eq(ea, ref) && eq(oa, alt)) return GRS_MT_REFALT;
        if (eq(ea, alt) && eq(oa, ref)) return GRS_MT_ALTREF;
        if (eq(fea, ref) && eq(foa, alt)) return GRS_MT_REFALT_FLIP;
        if (eq(fea, alt) && eq(foa, ref)) return GRS_MT_ALTREF_FLIP;
        return GRS_MT_NONE;
    }
    if (eq(ea, ref)) return GRS_MT_NO_OA_REF;
    if (eq(ea, alt)) return GRS_MT_NO_OA_ALT;
    if (eq(fea, ref)) return GRS_MT_NO_OA_REF_FLIP;
    if (eq(fea, alt)) return GRS_MT_NO_OA_ALT_FLIP;
    return GRS_MT_NONE;
}

static int unsupported_reason(const char *u)
{
    if (!strcmp(u, GRS_SF_UNSUP_HAPLOTYPE)) return GRS_MR_UNSUP_HAPLOTYPE;
    if (!strcmp(u, GRS_SF_UNSUP_DIPLOTYPE)) return GRS_MR_UNSUP_DIPLOTYPE;
    if (!strcmp(u, GRS_SF_UNSUP_INTERACTION)) return GRS_MR_UNSUP_INTERACTION;
    if (!strcmp(u, GRS_SF_UNSUP_DOSAGE)) return GRS_MR_UNSUP_DOSAGE;
    if (!strcmp(u, GRS_SF_UNSUP_NON_ACGT)) return GRS_MR_UNSUP_NON_ACGT;
    return GRS_MR_UNSUP_OTHER;
}

static int is_flip(int t)
{
    return t == GRS_MT_REFALT_FLIP || t == GRS_MT_ALTREF_FLIP || t == GRS_MT_NO_OA_REF_FLIP ||
           t == GRS_MT_NO_OA_ALT_FLIP;
}

static int is_ref(int t)
{
    return t == GRS_MT_REFALT || t == GRS_MT_REFALT_FLIP || t == GRS_MT_NO_OA_REF ||
           t == GRS_MT_NO_OA_REF_FLIP;
}

/* chromosome id of a name (normalised here); -1 if unknown or not in the table.
 * insert != 0 adds it. */
static int chrom_id(khash_t(mchr) *h, const char *name, int insert, int32_t *n_ids)
{
    char buf[256];
    int l = grs_chrom_normalize(name, buf, sizeof(buf));
    if (l <= 0) return -1;
    khint_t k = kh_get(mchr, h, buf);
    if (k != kh_end(h)) return kh_val(h, k);
    if (!insert) return -1;
    char *key = strdup(buf);
    int absent;
    if (!key) return -2;
    k = kh_put(mchr, h, key, &absent);
    if (absent < 0) { free(key); return -2; }
    kh_val(h, k) = (*n_ids)++;
    return kh_val(h, k);
}

/* never 0: positions are >= 1 */
static uint64_t pos_key(int32_t cid, int64_t pos)
{
    return ((uint64_t)(uint32_t)cid << POS_BITS) | (uint64_t)pos;
}

int grs_match_run(const grs_variant_t *variants, int64_t n_variants, const grs_scorefile_t *sf,
                  const grs_match_opts_t *opt, grs_match_t **out)
{
    int ret = GRS_ENOMEM;
    khash_t(mchr) *hc = NULL;
    pos_hash_t hp = { NULL, 0, 0 };
    khash_t(mid) *hi = NULL;
    int64_t *next = NULL;
    uint8_t *n_chosen = NULL;
    char *fea = NULL, *foa = NULL;
    size_t fea_cap = 0, foa_cap = 0;
    grs_match_t *m = NULL;
    grs_match_opts_t o;
    int32_t n_cids = 0;

    if (!sf || !out || n_variants < 0 || (n_variants > 0 && !variants)) {
        grs_log_error("invalid arguments");
        return GRS_EINVAL;
    }
    if (opt) o = *opt; else grs_match_opts_default(&o);

    if (!(m = (grs_match_t *)calloc(1, sizeof(*m)))) goto fail;
    m->n_rows = sf->n_rows;
    if (sf->n_rows && !(m->rows = (grs_match_row_t *)calloc((size_t)sf->n_rows, sizeof(*m->rows))))
        goto fail;
    if (n_variants && !(next = (int64_t *)malloc((size_t)n_variants * sizeof(*next)))) goto fail;
    if (n_variants && !(n_chosen = (uint8_t *)calloc((size_t)n_variants, 1))) goto fail;

    /* ---- index the target. Walking backwards makes every chain ascend in target order, so
     * "the first candidate" is the first in the table. ---- */
    if (!o.by_id) {
        if (!(hc = kh_init(mchr)) || pos_hash_init(&hp, n_variants) < 0) goto fail;
        const char *last_raw = NULL;
        int32_t last_cid = -1;
        for (int64_t v = n_variants - 1; v >= 0; v--) {
            const grs_variant_t *var = &variants[v];
            next[v] = -1;
            if (!var->chrom || var->pos < 1 || var->pos >= ((int64_t)1 << POS_BITS)) continue;
            if (!last_raw || (var->chrom != last_raw && strcmp(var->chrom, last_raw))) {
                last_cid = chrom_id(hc, var->chrom, 1, &n_cids);
                if (last_cid == -2) goto fail;
                last_raw = var->chrom;
            }
            if (last_cid < 0) continue;
            pos_slot_t *sl = pos_hash_slot(&hp, pos_key(last_cid, var->pos));
            next[v] = sl->key ? sl->head : -1;
            sl->key = pos_key(last_cid, var->pos);
            sl->head = v;
        }
    } else {
        if (!(hi = kh_init(mid))) goto fail;
        if (n_variants && kh_resize(mid, hi, (khint_t)(n_variants + n_variants / 3 + 1)) < 0)
            goto fail;
        for (int64_t v = n_variants - 1; v >= 0; v--) {
            const char *id = variants[v].id;
            next[v] = -1;
            if (!id || !*id || !strcmp(id, ".")) continue;
            int absent;
            khint_t k = kh_put(mid, hi, id, &absent);
            if (absent < 0) goto fail;
            next[v] = absent ? -1 : kh_val(hi, k);
            kh_val(hi, k) = v;
        }
    }

    /* ---- candidates, best match per row ---- */
    const char *last_chrom = NULL, *pf_chrom = NULL;
    int32_t last_cid = -1, pf_cid = -1;
    for (int64_t i = 0; i < sf->n_rows; i++) {
        const grs_score_row_t *r = &sf->rows[i];
#if defined(__GNUC__) || defined(__clang__)
        /* the probes are random DRAM accesses: prefetch the slot of a row PREFETCH_AHEAD on */
        if (!o.by_id && i + PREFETCH_AHEAD < sf->n_rows) {
            const grs_score_row_t *q = &sf->rows[i + PREFETCH_AHEAD];
            if (q->chrom && q->pos >= 1 && q->pos < ((int64_t)1 << POS_BITS)) {
                if (!pf_chrom || (q->chrom != pf_chrom && strcmp(q->chrom, pf_chrom))) {
                    pf_cid = chrom_id(hc, q->chrom, 0, &n_cids);
                    pf_chrom = q->chrom;
                }
                if (pf_cid >= 0) {
                    uint64_t k = pos_key(pf_cid, q->pos);
                    __builtin_prefetch(&hp.slot[(k * 0x9E3779B97F4A7C15ull) >> hp.shift]);
                }
            }
        }
#endif
        grs_match_row_t *mr = &m->rows[i];
        mr->variant = -1;
        mr->type = GRS_MT_NONE;
        mr->status = GRS_MS_UNMATCHED;
        if (r->unsupported) {
            mr->status = GRS_MS_EXCLUDED;
            mr->reason_id = unsupported_reason(r->unsupported);
            continue;
        }
        int64_t head = -1;
        if (!o.by_id) {
            if (!r->chrom || r->pos < 1) { mr->reason_id = GRS_MR_NO_POSITION; continue; }
            if (!last_chrom || (r->chrom != last_chrom && strcmp(r->chrom, last_chrom))) {
                last_cid = chrom_id(hc, r->chrom, 0, &n_cids);
                last_chrom = r->chrom;
            }
            if (last_cid >= 0 && r->pos < ((int64_t)1 << POS_BITS)) {
                const pos_slot_t *sl = pos_hash_slot(&hp, pos_key(last_cid, r->pos));
                if (sl->key) head = sl->head;
            }
        } else {
            if (!r->id) { mr->reason_id = GRS_MR_NO_ID; continue; }
            khint_t k = kh_get(mid, hi, r->id);
            if (k != kh_end(hi)) head = kh_val(hi, k);
        }
        if (head < 0) { mr->reason_id = GRS_MR_NO_VARIANT; continue; }

        if (complement(r->effect_allele, &fea, &fea_cap) < 0) goto fail;
        if (r->other_allele && complement(r->other_allele, &foa, &foa_cap) < 0) goto fail;
        int best = GRS_MT_COUNT, n_best = 0;
        int64_t best_v = -1;
        for (int64_t v = head; v >= 0; v = next[v]) {
            int t = classify(r->effect_allele, r->other_allele, fea, r->other_allele ? foa : NULL,
                             &variants[v]);
            if (t == GRS_MT_NONE) continue;
            if (t < best) { best = t; best_v = v; n_best = 1; }
            else if (t == best) n_best++;
        }
        if (best_v < 0) { mr->reason_id = GRS_MR_ALLELE_MISMATCH; continue; }
        const grs_variant_t *var = &variants[best_v];
        mr->variant = best_v;
        mr->type = best;
        mr->effect_is_ref = is_ref(best);
        mr->duplicate_best_match = n_best > 1;
        mr->ambiguous = is_ambiguous(var->ref, var->alt);
        mr->multiallelic = var->n_src_alleles > 2;
        if (n_chosen[best_v] < 2) n_chosen[best_v]++;
    }

    /* ---- duplicate_ID, exclusion, counts ---- */
    for (int64_t i = 0; i < sf->n_rows; i++) {
        grs_match_row_t *mr = &m->rows[i];
        if (mr->variant >= 0) {
            mr->duplicate_id = n_chosen[mr->variant] > 1;
            if (mr->duplicate_id) mr->reason_id = GRS_MR_DUPLICATE_ID;
            else if (mr->ambiguous && !o.keep_ambiguous) mr->reason_id = GRS_MR_AMBIGUOUS;
            else if (mr->multiallelic && !o.keep_multiallelic) mr->reason_id = GRS_MR_MULTIALLELIC;
            else if (is_flip(mr->type) && o.no_flip) mr->reason_id = GRS_MR_FLIP;
            else mr->reason_id = GRS_MR_NONE;
            mr->status = mr->reason_id == GRS_MR_NONE ? GRS_MS_MATCHED : GRS_MS_EXCLUDED;
        }
        mr->reason = mr->reason_id == GRS_MR_NONE ? NULL : reason_str[mr->reason_id];
        m->n_by_reason[mr->reason_id]++;
        if (mr->status == GRS_MS_MATCHED) { m->n_matched++; m->n_by_type[mr->type]++; }
        else if (mr->status == GRS_MS_EXCLUDED) m->n_excluded++;
        else m->n_unmatched++;
        m->n_ambiguous += mr->ambiguous;
        m->n_multiallelic += mr->multiallelic;
        m->n_duplicate_best_match += mr->duplicate_best_match;
        m->n_duplicate_id += mr->duplicate_id;
    }

    *out = m; m = NULL; ret = GRS_OK;
fail:
    if (ret == GRS_ENOMEM) grs_log_error("out of memory matching '%s'", sf->path ? sf->path : "?");
    if (hc) {
        for (khint_t k = kh_begin(hc); k != kh_end(hc); k++)
            if (kh_exist(hc, k)) free((char *)kh_key(hc, k));
        kh_destroy(mchr, hc);
    }
    free(hp.slot);
    if (hi) kh_destroy(mid, hi);
    free(next); free(n_chosen); free(fea); free(foa);
    grs_match_destroy(m);
    return ret;
}

void grs_match_destroy(grs_match_t *m)
{
    if (!m) return;
    free(m->rows);
    free(m);
}

static const char *dot(const char *s) { return s && *s ? s : "."; }

int grs_match_write_tsv(struct grs_out_s *o, const grs_scorefile_t *sf, const grs_match_t *m,
                        const grs_variant_t *variants, int write_header)
{
    if (!o || !sf || !m || m->n_rows != sf->n_rows) {
        grs_log_error("invalid arguments (match rows %" PRId64 ", scoring rows %" PRId64 ")",
                      m ? m->n_rows : -1, sf ? sf->n_rows : -1);
        return GRS_EINVAL;
    }
    if (write_header)
        grs_out_printf(o, "score_file\tline\tchr_name\tchr_position\trsID\teffect_allele\t"
                          "other_allele\ttarget_id\ttarget_chrom\ttarget_pos\ttarget_ref\t"
                          "target_alt\tmatch_type\tstatus\treason\tambiguous\tis_multiallelic\t"
                          "duplicate_best_match\tduplicate_ID\n");
    for (int64_t i = 0; i < sf->n_rows; i++) {
        const grs_score_row_t *r = &sf->rows[i];
        const grs_match_row_t *mr = &m->rows[i];
        char pos[32] = ".", tpos[32] = ".";
        if (r->pos >= 0) snprintf(pos, sizeof(pos), "%" PRId64, r->pos);
        const grs_variant_t *v = mr->variant >= 0 && variants ? &variants[mr->variant] : NULL;
        if (v) snprintf(tpos, sizeof(tpos), "%" PRId64, v->pos);
        grs_out_printf(o, "%s\t%" PRId64 "\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t"
                          "%d\t%d\t%d\t%d\n",
                       sf->path, r->line, dot(r->chrom), pos, dot(r->id), dot(r->effect_allele),
                       dot(r->other_allele), v ? dot(v->id) : ".", v ? dot(v->chrom) : ".", tpos,
                       v ? dot(v->ref) : ".", v ? dot(v->alt) : ".", grs_match_type_str(mr->type),
                       grs_match_status_str(mr->status), dot(mr->reason), mr->ambiguous,
                       mr->multiallelic, mr->duplicate_best_match, mr->duplicate_id);
    }
    return GRS_OK;
}
