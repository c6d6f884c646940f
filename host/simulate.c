/* simulate.c -- seeded synthetic cohorts (the model is documented in simulate.h).
 *
 * Work split: the variant range is cut into jobs of ~2M genotypes. A job computes the codes of
 * its variants (grs_sim_genotypes) and turns them into VCF text (or BCF records) on a pool
 * thread; the main thread takes finished jobs IN ORDER, hands the text to htslib's BGZF writer
 * (whose compression runs on the same pool), and adds the causal variants' true genotypes to
 * the genetic values. Nothing depends on the job size or the thread count, so the output bytes
 * do not either. Memory: the in-flight jobs (2 per thread), the genetic values (N doubles) and
 * the genotypes of the omics "cis" variants (F/4 × N bytes); never the matrix. */
#include "simulate.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/bgzf.h>
#include <htslib/hts.h>
#include <htslib/thread_pool.h>
#include <htslib/vcf.h>

#include "grs/log.h"
#include "grs/status.h"
#include "json.h"
#include "util.h"

/* ---- random numbers: counter-based splitmix64 ---------------------------------------------- */
#define PHI 0x9E3779B97F4A7C15ULL

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* stream tags: each kind of draw has its own keys, so adding one never shifts another */
enum {
    T_GENO, T_POS, T_ALLELE, T_HOT, T_FREQ, T_CAUSAL, T_BETA, T_SEX, T_AGE, T_EQ, T_EL,
    T_CENTROID, T_PC, T_CIS, T_OMICS_PAR, T_OMICS, T_OMICS_NA, N_TAGS
};

typedef struct { uint64_t key, j; } stream_t;

static inline uint64_t draw(uint64_t key, uint64_t j) { return mix64(key + (j + 1) * PHI); }

/* The hot draw, one per haplotype and variant: wyrand's output function (one 64×64→128-bit
 * multiply) at counter j of the stream `key`, about twice as fast as mix64. */
#define WY0 0xA0761D6478BD642FULL
#define WY1 0xE7037ED1A0B428DBULL
static inline uint64_t hap_draw(uint64_t key, uint64_t j)
{
    uint64_t x = key + (j + 1) * WY0;
    unsigned __int128 m = (unsigned __int128)x * (x ^ WY1);
    return (uint64_t)m ^ (uint64_t)(m >> 64);
}
static inline double u01(uint64_t r) { return (double)(r >> 11) * (1.0 / 9007199254740992.0); }
static inline uint64_t s_next(stream_t *s) { return draw(s->key, s->j++); }
static inline double s_unif(stream_t *s) { return u01(s_next(s)); }
static double s_norm(stream_t *s)   /* Box–Muller, one normal per two uniforms */
{
    double u1 = 1.0 - s_unif(s), u2 = s_unif(s);   /* u1 in (0, 1] */
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Marsaglia–Tsang gamma(a, 1); a < 1 via the boost gamma(a+1)·U^(1/a). */
static double s_gamma(stream_t *s, double a)
{
    if (a < 1.0) {
        double u = 1.0 - s_unif(s);
        return s_gamma(s, a + 1.0) * pow(u, 1.0 / a);
    }
    double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = s_norm(s), v = 1.0 + c * x;
        if (v <= 0) continue;
        v = v * v * v;
        double u = 1.0 - s_unif(s);
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v)) return d * v;
    }
}

static double s_beta(stream_t *s, double a, double b)
{
    double x = s_gamma(s, a), y = s_gamma(s, b);
    return x + y > 0 ? x / (x + y) : 0.5;
}

/* ---- the model ------------------------------------------------------------------------------ */
static const int64_t grch38_len[GRS_SIM_MAX_CHROM] = {
    248956422, 242193529, 198295559, 190214555, 181538259, 170805979, 159345973, 145138636,
    138394717, 133797422, 135086622, 133275309, 114364328, 107043718, 101991189, 90338345,
    83257441, 80373285, 58617616, 64444167, 46709983, 50818468
};

#define HOTSPOT_RATE 0.01
#define SWAP_EVERY 50      /* causal k with k % SWAP_EVERY == SWAP_AT: effect allele = REF */
#define SWAP_AT 25

struct grs_sim_t {
    grs_sim_opts_t o;
    uint64_t tag[N_TAGS];
    int64_t chr_start[GRS_SIM_MAX_CHROM + 1];   /* first variant of each chromosome       */
    int64_t pop_start[GRS_SIM_MAX_POPS + 1];    /* first sample of each population        */
    int64_t *causal, n_causal;                  /* sorted variant indices                 */
    uint32_t keep16;                            /* κ·65536                                */
    uint32_t miss16, frac16;
    uint64_t hot_thr;                           /* hotspot iff draw < hot_thr             */
};

static inline uint64_t skey(const grs_sim_t *s, int tag, uint64_t idx)
{
    return draw(s->tag[tag], idx);
}

void grs_sim_opts_init(grs_sim_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->n_score = -1;
    o->n_pops = 1;
    o->n_chrom = 22;
    o->n_omics = 200;
    o->seed = 1;
    o->fst = 0.05;
    o->ld = 0.8;
    o->missing_rate = 0.005;
    o->dosage_frac = 0.2;
    o->h2 = 0.5;
    o->prevalence = 0.1;
    o->compress_level = -1;
    o->threads = 1;
}

int grs_sim_opts_check(const grs_sim_opts_t *o, char *msg, int n)
{
    int64_t tot = 0;
    for (int c = 0; c < GRS_SIM_MAX_CHROM && c < o->n_chrom; c++) tot += grch38_len[c];
#define BAD(...) do { snprintf(msg, n, __VA_ARGS__); return GRS_EINVAL; } while (0)
    if (o->n_samples < 1) BAD("--samples must be at least 1");
    if (o->n_variants < 1) BAD("--variants must be at least 1");
    if (o->n_chrom < 1 || o->n_chrom > GRS_SIM_MAX_CHROM) BAD("--chromosomes must be 1..22");
    if (o->n_variants > tot) BAD("--variants exceeds the length of the chosen chromosomes");
    if (o->n_pops < 1 || o->n_pops > GRS_SIM_MAX_POPS)
        BAD("--populations must be 1..%d", GRS_SIM_MAX_POPS);
    if (o->n_pops > o->n_samples) BAD("--populations cannot exceed --samples");
    if (o->n_score > o->n_variants) BAD("--score-variants cannot exceed --variants");
    if (o->n_score == 0) BAD("--score-variants must be at least 1");
    if (o->n_omics < 0) BAD("--omics-features must be >= 0");
    if (!(o->fst >= 0 && o->fst < 1)) BAD("--fst must be in [0, 1)");
    if (!(o->ld >= 0 && o->ld <= 1)) BAD("--ld must be in [0, 1]");
    if (!(o->missing_rate >= 0 && o->missing_rate < 1)) BAD("--missing-rate must be in [0, 1)");
    if (!(o->dosage_frac >= 0 && o->dosage_frac <= 1)) BAD("--dosage-frac must be in [0, 1]");
    if (!(o->h2 >= 0 && o->h2 <= 1)) BAD("--h2 must be in [0, 1]");
    if (!(o->prevalence > 0 && o->prevalence < 1)) BAD("--prevalence must be in (0, 1)");
    if (o->compress_level < -1 || o->compress_level > 9) BAD("--compress-level must be 0..9");
    if (o->threads < 1) BAD("--threads must be at least 1");
    if (!o->out || !*o->out) BAD("--out is required");
#undef BAD
    return GRS_OK;
}

int grs_sim_init(const grs_sim_opts_t *o, grs_sim_t **out)
{
    char msg[256];
    grs_sim_t *s;
    *out = NULL;
    if (grs_sim_opts_check(o, msg, sizeof(msg)) < 0) {
        grs_log_error("%s", msg);
        return GRS_EINVAL;
    }
    if (!(s = (grs_sim_t *)calloc(1, sizeof(*s)))) return GRS_ENOMEM;
    s->o = *o;
    if (s->o.n_score < 0) s->o.n_score = o->n_variants < 1000 ? o->n_variants : 1000;
    for (int t = 0; t < N_TAGS; t++)
        s->tag[t] = mix64(o->seed ^ mix64((uint64_t)(t + 1) * 0xD1B54A32D192ED03ULL));

    /* chromosome c holds variants [chr_start[c], chr_start[c+1]), in proportion to length */
    unsigned __int128 tot = 0, cum = 0;
    for (int c = 0; c < o->n_chrom; c++) tot += (uint64_t)grch38_len[c];
    for (int c = 0; c <= o->n_chrom; c++) {
        s->chr_start[c] = (int64_t)(cum * (uint64_t)o->n_variants / tot);
        if (c < o->n_chrom) cum += (uint64_t)grch38_len[c];
    }
    for (int k = 0; k <= o->n_pops; k++) s->pop_start[k] = k * o->n_samples / o->n_pops;

    /* causal variants: one uniform draw in each of K equal strata (distinct because K <= M) */
    s->n_causal = s->o.n_score;
    if (!(s->causal = (int64_t *)malloc((size_t)s->n_causal * sizeof(int64_t)))) {
        free(s);
        return GRS_ENOMEM;
    }
    for (int64_t k = 0; k < s->n_causal; k++) {
        double u = u01(skey(s, T_CAUSAL, (uint64_t)k));
        int64_t v = (int64_t)floor(((double)k + u) * (double)o->n_variants / (double)s->n_causal);
        int64_t lo = (k * o->n_variants + s->n_causal - 1) / s->n_causal;   /* stratum bounds */
        int64_t hi = ((k + 1) * o->n_variants + s->n_causal - 1) / s->n_causal - 1;
        s->causal[k] = v < lo ? lo : v > hi ? hi : v;   /* guard against rounding */
    }
    s->keep16 = (uint32_t)llround(o->ld * 65536.0);
    s->miss16 = (uint32_t)llround(o->missing_rate * 65536.0);
    s->frac16 = (uint32_t)llround(o->dosage_frac * 65536.0);
    s->hot_thr = (uint64_t)(HOTSPOT_RATE * 18446744073709551616.0);
    *out = s;
    return GRS_OK;
}

void grs_sim_destroy(grs_sim_t *s)
{
    if (!s) return;
    free(s->causal);
    free(s);
}

const int64_t *grs_sim_causal(const grs_sim_t *s, int64_t *n)
{
    *n = s->n_causal;
    return s->causal;
}

int grs_sim_pop_of(const grs_sim_t *s, int64_t i)
{
    int k = (int)(i * s->o.n_pops / s->o.n_samples);   /* first guess, then fix rounding */
    while (k > 0 && i < s->pop_start[k]) k--;
    while (k + 1 < s->o.n_pops && i >= s->pop_start[k + 1]) k++;
    return k;
}

static int chrom_of(const grs_sim_t *s, int64_t v)
{
    int c = 0;
    while (c + 1 < s->o.n_chrom && v >= s->chr_start[c + 1]) c++;
    return c;
}

/* κ of variant v (as a 16-bit threshold) and its genotype key: all a walk back needs. */
static uint32_t var_keep(const grs_sim_t *s, int64_t v, int c, uint64_t *key)
{
    *key = skey(s, T_GENO, (uint64_t)v);
    if (v == s->chr_start[c]) return 0;
    if (skey(s, T_HOT, (uint64_t)v) < s->hot_thr) return 0;
    return s->keep16;
}

static int64_t find_causal(const grs_sim_t *s, int64_t v)
{
    int64_t lo = 0, hi = s->n_causal;
    while (lo < hi) {
        int64_t m = (lo + hi) / 2;
        if (s->causal[m] < v) lo = m + 1; else hi = m;
    }
    return lo < s->n_causal && s->causal[lo] == v ? lo : -1;
}

static const char transition[256] = { ['A'] = 'G', ['G'] = 'A', ['C'] = 'T', ['T'] = 'C' };
static const char *const transversion[256] = {
    ['A'] = "CT", ['C'] = "AG", ['G'] = "CT", ['T'] = "AG"
};

void grs_sim_variant(const grs_sim_t *s, int64_t v, grs_sim_var_t *var)
{
    int c = chrom_of(s, v);
    int64_t j = v - s->chr_start[c], n = s->chr_start[c + 1] - s->chr_start[c];
    int64_t slot = grch38_len[c] / n;
    memset(var, 0, sizeof(*var));
    var->chrom = c + 1;
    var->pos = 1 + j * slot;
    if (slot >= 2) var->pos += (int64_t)(skey(s, T_POS, (uint64_t)v) % (uint64_t)(slot - 1));
    var->keep16 = var_keep(s, v, c, &var->key);
    var->dkey = mix64(var->key ^ 0x5851F42D4C957F2DULL);
    var->causal = find_causal(s, v);

    uint64_t h = skey(s, T_ALLELE, (uint64_t)v);
    var->ref = "ACGT"[h & 3];
    if ((h >> 8) % 3 != 0) {
        var->alt = transition[(unsigned char)var->ref];
    } else {
        const char *tv = transversion[(unsigned char)var->ref];
        int b = (int)((h >> 16) & 1);
        char a = tv[b];
        int ambiguous = (var->ref == 'A' && a == 'T') || (var->ref == 'T' && a == 'A')
                     || (var->ref == 'C' && a == 'G') || (var->ref == 'G' && a == 'C');
        if (ambiguous && var->causal >= 0) a = tv[1 - b];
        var->alt = a;
    }

    stream_t st = { skey(s, T_FREQ, (uint64_t)v), 0 };
    double p = 0.05 + 0.45 * s_unif(&st), F = s->o.fst;
    var->p_anc = p;
    for (int k = 0; k < s->o.n_pops; k++) {
        double pk = F > 0 ? s_beta(&st, p * (1 - F) / F, (1 - p) * (1 - F) / F) : p;
        var->p[k] = pk;
        var->thr[k] = (uint64_t)(pk * 4294967296.0);
    }
}

/* The hot loop: samples [i0, i1) of one population at one variant. Everything is a local or a
 * restrict pointer so that the byte stores into cv do not force reloads. */
static void hap_block(uint64_t kv, uint32_t keep, uint32_t miss, uint32_t frac, uint64_t T,
                      int64_t i0, int64_t i1, uint32_t *GRS_RESTRICT U, uint8_t *GRS_RESTRICT cv)
{
    for (int64_t i = i0; i < i1; i++) {
        uint64_t r0 = hap_draw(kv, (uint64_t)(2 * i));
        uint64_t r1 = hap_draw(kv, (uint64_t)(2 * i + 1));
        uint32_t u0 = U[2 * i], u1 = U[2 * i + 1];
        if ((r0 & 0xFFFF) >= keep) u0 = (uint32_t)(r0 >> 32);
        if ((r1 & 0xFFFF) >= keep) u1 = (uint32_t)(r1 >> 32);
        U[2 * i] = u0; U[2 * i + 1] = u1;
        cv[i] = (uint8_t)((u0 < T) | (u1 < T) << 1
                          | (((r0 >> 16) & 0xFFFF) < miss) << 2
                          | (((r1 >> 16) & 0xFFFF) < frac) << 3);
    }
}

int grs_sim_genotypes(const grs_sim_t *s, int64_t v0, int64_t v1, uint8_t *codes)
{
    const int64_t N = s->o.n_samples;
    uint32_t *U = (uint32_t *)malloc((size_t)(2 * N) * sizeof(uint32_t));
    grs_sim_var_t *var = (grs_sim_var_t *)malloc(sizeof(grs_sim_var_t));
    if (!U || !var) { free(U); free(var); return GRS_ENOMEM; }

    /* latent state before v0: for each haplotype, the value drawn at the last redraw */
    if (v0 > 0) {
        enum { W = 64 };
        uint64_t wkey[W];
        uint32_t wkeep[W];
        int64_t wlo = v0 - W < 0 ? 0 : v0 - W;
        for (int64_t u = wlo; u < v0; u++)
            wkeep[u - wlo] = var_keep(s, u, chrom_of(s, u), &wkey[u - wlo]);
        for (int64_t H = 0; H < 2 * N; H++) {
            for (int64_t u = v0 - 1;; u--) {
                uint64_t key = 0;
                uint32_t keep;
                if (u >= wlo) { keep = wkeep[u - wlo]; key = wkey[u - wlo]; }
                else keep = var_keep(s, u, chrom_of(s, u), &key);
                uint64_t r = hap_draw(key, (uint64_t)H);
                if ((r & 0xFFFF) >= keep) { U[H] = (uint32_t)(r >> 32); break; }
            }
        }
    }
    for (int64_t v = v0; v < v1; v++) {
        grs_sim_var_t *x = var;
        grs_sim_variant(s, v, x);
        for (int k = 0; k < s->o.n_pops; k++)
            hap_block(x->key, x->keep16, s->miss16, s->frac16, x->thr[k], s->pop_start[k],
                      s->pop_start[k + 1], U, codes + (v - v0) * N);
    }
    free(var);
    free(U);
    return GRS_OK;
}

int grs_sim_ds_milli(const grs_sim_t *s, const grs_sim_var_t *var, int64_t i, unsigned code)
{
    int g = (int)(code & 1) + (int)((code >> 1) & 1);
    (void)s;
    if (!(code & GRS_SIM_FRAC)) return 1000 * g;
    uint64_t r = draw(var->dkey, (uint64_t)i);
    int e = 1 + (int)((r & 0xFFFFFFFF) % 499);
    if (g == 0) return e;
    if (g == 2) return 2000 - e;
    return (r >> 63) ? 1000 + e : 1000 - e;
}

/* ---- writing the genotypes ------------------------------------------------------------------ */
typedef struct job_s {
    const grs_sim_t *s;
    bcf_hdr_t *hdr;              /* BCF only (read-only while jobs run)                      */
    int64_t v0, v1;
    uint8_t *codes; size_t codes_cap;
    char *text; size_t len, text_cap;    /* VCF                                              */
    bcf1_t **recs;               /* BCF                                                      */
    int status;
    struct job_s *next;          /* spare list: buffers are reused, not returned to the OS  */
} job_t;

static void job_free(job_t *j)
{
    if (!j) return;
    if (j->recs)
        for (int64_t v = 0; v < j->v1 - j->v0; v++)
            if (j->recs[v]) bcf_destroy(j->recs[v]);
    free(j->recs); free(j->text); free(j->codes); free(j);
}

static char *put_i64(char *p, int64_t x)
{
    char buf[24];
    int n = 0;
    if (x < 0) { *p++ = '-'; x = -x; }
    do { buf[n++] = (char)('0' + x % 10); x /= 10; } while (x);
    while (n) *p++ = buf[--n];
    return p;
}

/* x with 4 decimals (like %.4f, but no "-0.0000"); |x| < 9e14 */
static char *put_fixed4(char *p, double x)
{
    long long q = llround(x * 10000.0);
    if (q < 0) { *p++ = '-'; q = -q; }
    p = put_i64(p, q / 10000);
    q %= 10000;
    p[0] = '.'; p[1] = (char)('0' + q / 1000); p[2] = (char)('0' + q / 100 % 10);
    p[3] = (char)('0' + q / 10 % 10); p[4] = (char)('0' + q % 10);
    return p + 5;
}

static size_t line_cap(const grs_sim_t *s) { return 96 + (size_t)s->o.n_samples * 10; }

static int job_text(job_t *j, grs_sim_var_t *var)
{
    const grs_sim_t *s = j->s;
    const int64_t N = s->o.n_samples;
    /* indexed by code & 7 (A0 | A1 | MISS); 4 bytes are copied, the NUL is never written */
    static const char gt_unph[8][5] = { "\t0/0", "\t0/1", "\t0/1", "\t1/1",
                                        "\t./.", "\t./.", "\t./.", "\t./." };
    static const char gt_ph[8][5] = { "\t0|0", "\t1|0", "\t0|1", "\t1|1",
                                      "\t.|.", "\t.|.", "\t.|.", "\t.|." };
    const char (*gt)[5] = s->o.phased ? gt_ph : gt_unph;
    size_t need = line_cap(s) * (size_t)(j->v1 - j->v0);
    if (j->text_cap < need) {
        free(j->text);
        j->text_cap = 0;
        if (!(j->text = (char *)malloc(need))) return GRS_ENOMEM;
        j->text_cap = need;
    }
    char *p = j->text;
    for (int64_t v = j->v0; v < j->v1; v++) {
        const uint8_t *cv = j->codes + (v - j->v0) * N;
        grs_sim_variant(s, v, var);
        p = put_i64(p, var->chrom); *p++ = '\t';
        p = put_i64(p, var->pos); *p++ = '\t'; *p++ = 'r'; *p++ = 's';
        p = put_i64(p, v + 1); *p++ = '\t';
        *p++ = var->ref; *p++ = '\t'; *p++ = var->alt;
        if (!s->o.dosage) {
            memcpy(p, "\t.\tPASS\t.\tGT", 12); p += 12;
            for (int64_t i = 0; i < N; i++) { memcpy(p, gt[cv[i] & 7], 4); p += 4; }
        } else {
            memcpy(p, "\t.\tPASS\t.\tGT:DS", 15); p += 15;
            for (int64_t i = 0; i < N; i++) {
                unsigned c = cv[i];
                memcpy(p, gt[c & 7], 4); p += 4;
                *p++ = ':';
                if (c & GRS_SIM_MISS) { *p++ = '.'; continue; }
                int d = grs_sim_ds_milli(s, var, i, c);
                *p++ = (char)('0' + d / 1000);
                if (d % 1000) {
                    int f = d % 1000;
                    p[0] = '.'; p[1] = (char)('0' + f / 100); p[2] = (char)('0' + f / 10 % 10);
                    p[3] = (char)('0' + f % 10);
                    p += 4;
                }
            }
        }
        *p++ = '\n';
    }
    j->len = (size_t)(p - j->text);
    return GRS_OK;
}

static int job_bcf(job_t *j, grs_sim_var_t *var)
{
    const grs_sim_t *s = j->s;
    const int64_t N = s->o.n_samples, nv = j->v1 - j->v0;
    int32_t *gt = (int32_t *)malloc((size_t)(2 * N) * sizeof(int32_t));
    float *ds = s->o.dosage ? (float *)malloc((size_t)N * sizeof(float)) : NULL;
    int ret = GRS_ENOMEM, pass = bcf_hdr_id2int(j->hdr, BCF_DT_ID, "PASS");
    char al[4] = { 0, ',', 0, 0 }, id[32];
    if (!gt || (s->o.dosage && !ds)) goto done;
    if (!(j->recs = (bcf1_t **)calloc((size_t)nv, sizeof(bcf1_t *)))) goto done;
    for (int64_t v = j->v0; v < j->v1; v++) {
        const uint8_t *cv = j->codes + (v - j->v0) * N;
        bcf1_t *b = j->recs[v - j->v0] = bcf_init();
        if (!b) goto done;
        grs_sim_variant(s, v, var);
        snprintf(id, sizeof(id), "%d", var->chrom);
        b->rid = bcf_hdr_name2id(j->hdr, id);
        b->pos = var->pos - 1;
        bcf_float_set_missing(b->qual);
        snprintf(id, sizeof(id), "rs%" PRId64, v + 1);
        al[0] = var->ref; al[2] = var->alt;
        for (int64_t i = 0; i < N; i++) {
            unsigned c = cv[i];
            if (c & GRS_SIM_MISS) {
                gt[2 * i] = bcf_gt_missing;
                gt[2 * i + 1] = s->o.phased ? bcf_gt_missing | 1 : bcf_gt_missing;
                if (ds) bcf_float_set_missing(ds[i]);
                continue;
            }
            int a0 = (int)(c & 1), a1 = (int)((c >> 1) & 1);
            if (s->o.phased) { gt[2 * i] = bcf_gt_unphased(a0); gt[2 * i + 1] = bcf_gt_phased(a1); }
            else { gt[2 * i] = bcf_gt_unphased(a0 & a1); gt[2 * i + 1] = bcf_gt_unphased(a0 | a1); }
            if (ds) ds[i] = (float)(grs_sim_ds_milli(s, var, i, c) / 1000.0);
        }
        if (bcf_update_id(j->hdr, b, id) < 0 || bcf_update_alleles_str(j->hdr, b, al) < 0
            || bcf_update_filter(j->hdr, b, &pass, 1) < 0
            || bcf_update_genotypes(j->hdr, b, gt, (int)(2 * N)) < 0
            || (ds && bcf_update_format_float(j->hdr, b, "DS", ds, (int)N) < 0)) {
            ret = GRS_EIO;
            goto done;
        }
    }
    ret = GRS_OK;
done:
    free(gt); free(ds);
    return ret;
}

static void *job_run(void *arg)
{
    job_t *j = (job_t *)arg;
    grs_sim_var_t *var = (grs_sim_var_t *)malloc(sizeof(grs_sim_var_t));
    size_t n = (size_t)(j->v1 - j->v0) * (size_t)j->s->o.n_samples;
    if (var && j->codes_cap < n) {
        free(j->codes);
        j->codes_cap = (j->codes = (uint8_t *)malloc(n)) ? n : 0;
    }
    if (!var || !j->codes) { j->status = GRS_ENOMEM; free(var); return j; }
    j->status = grs_sim_genotypes(j->s, j->v0, j->v1, j->codes);
    if (j->status == GRS_OK) j->status = j->hdr ? job_bcf(j, var) : job_text(j, var);
    free(var);
    return j;
}

/* State shared by the consumer (main thread). */
typedef struct {
    const grs_sim_t *s;
    BGZF *bg;                    /* VCF */
    htsFile *hf; bcf_hdr_t *hdr; /* BCF */
    const char *fn;
    double *G;                   /* raw genetic values                                      */
    double *beta;                /* raw effects b_k                                         */
    int64_t ck;                  /* next causal variant to add                              */
    int64_t *cis_v; int n_cis; int cf;   /* omics cis variants (sorted) and the next one    */
    uint8_t *cis_x;              /* n_cis × N true ALT counts                               */
    int64_t n_missing;
    job_t *spare; int n_spare;   /* finished jobs kept for their buffers (main thread only)  */
} run_t;

static job_t *job_get(run_t *r, int64_t v0, int64_t v1)
{
    job_t *j = r->spare;
    if (j) { r->spare = j->next; r->n_spare--; }
    else if (!(j = (job_t *)calloc(1, sizeof(job_t)))) return NULL;
    j->s = r->s; j->hdr = r->hdr; j->v0 = v0; j->v1 = v1;
    j->status = GRS_OK; j->len = 0; j->next = NULL;
    return j;
}

static void job_put(run_t *r, job_t *j)
{
    if (!j) return;
    if (j->recs) {
        for (int64_t v = 0; v < j->v1 - j->v0; v++) if (j->recs[v]) bcf_destroy(j->recs[v]);
        free(j->recs);
        j->recs = NULL;
    }
    if (r->n_spare >= 8) { job_free(j); return; }
    j->next = r->spare; r->spare = j; r->n_spare++;
}

static int consume(run_t *r, job_t *j)
{
    const grs_sim_t *s = r->s;
    const int64_t N = s->o.n_samples;
    if (j->status < 0) {
        grs_log_error("cannot generate variants %" PRId64 "..%" PRId64 ": %s", j->v0 + 1, j->v1,
                      grs_strerror(j->status));
        return j->status;
    }
    if (r->bg) {
        if (bgzf_write(r->bg, j->text, j->len) != (ssize_t)j->len) {
            grs_log_error("write error on '%s': %s", r->fn, strerror(errno ? errno : EIO));
            return GRS_EIO;
        }
    } else {
        for (int64_t v = 0; v < j->v1 - j->v0; v++)
            if (bcf_write(r->hf, r->hdr, j->recs[v]) < 0) {
                grs_log_error("write error on '%s'", r->fn);
                return GRS_EIO;
            }
    }
    for (; r->ck < s->n_causal && s->causal[r->ck] < j->v1; r->ck++) {
        const uint8_t *cv = j->codes + (s->causal[r->ck] - j->v0) * N;
        const double b = r->beta[r->ck];
        for (int64_t i = 0; i < N; i++) r->G[i] += b * (double)((cv[i] & 1) + ((cv[i] >> 1) & 1));
    }
    for (; r->cf < r->n_cis && r->cis_v[r->cf] < j->v1; r->cf++) {
        const uint8_t *cv = j->codes + (r->cis_v[r->cf] - j->v0) * N;
        uint8_t *x = r->cis_x + (size_t)r->cf * (size_t)N;
        for (int64_t i = 0; i < N; i++) x[i] = (uint8_t)((cv[i] & 1) + ((cv[i] >> 1) & 1));
    }
    const int64_t n = (j->v1 - j->v0) * N;
    for (int64_t i = 0; i < n; i++) r->n_missing += (j->codes[i] >> 2) & 1;
    return GRS_OK;
}

static void sample_name(char *buf, size_t n, const grs_sim_t *s, int64_t i)
{
    snprintf(buf, n, "POP%d_%06" PRId64, grs_sim_pop_of(s, i) + 1, i + 1);
}

static char *vcf_header_text(const grs_sim_t *s, int with_samples)
{
    const grs_sim_opts_t *o = &s->o;
    size_t cap = 4096 + (size_t)o->n_samples * 24;
    char *h = (char *)malloc(cap), *p = h, name[48];
    if (!h) return NULL;
    p += sprintf(p, "##fileformat=VCFv4.2\n");
    if (with_samples) p += sprintf(p, "##FILTER=<ID=PASS,Description=\"All filters passed\">\n");
    p += sprintf(p, "##source=grs simulate %s (seed=%" PRIu64 " samples=%" PRId64 " variants=%" PRId64
                 " populations=%d fst=%g ld=%g missing_rate=%g%s)\n", o->version ? o->version : "",
                 o->seed, o->n_samples, o->n_variants, o->n_pops, o->fst, o->ld, o->missing_rate,
                 o->dosage ? " dosage" : "");
    p += sprintf(p, "##reference=GRCh38\n");
    for (int c = 0; c < o->n_chrom; c++)
        p += sprintf(p, "##contig=<ID=%d,length=%" PRId64 ",assembly=GRCh38>\n", c + 1, grch38_len[c]);
    p += sprintf(p, "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n");
    if (o->dosage)
        p += sprintf(p, "##FORMAT=<ID=DS,Number=1,Type=Float,Description=\"Expected ALT allele count "
                        "(simulated imputation dosage)\">\n");
    p += sprintf(p, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO");
    if (with_samples) {
        p += sprintf(p, "\tFORMAT");
        for (int64_t i = 0; i < o->n_samples; i++) {
            sample_name(name, sizeof(name), s, i);
            *p++ = '\t';
            p = stpcpy(p, name);
        }
        *p++ = '\n';
    }
    *p = 0;
    return h;
}

static bcf_hdr_t *bcf_header(const grs_sim_t *s)
{
    char *txt = vcf_header_text(s, 0), name[48];
    bcf_hdr_t *h = bcf_hdr_init("w");
    if (!txt || !h) goto fail;
    /* append every ## line, then the samples */
    for (char *line = txt, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        *nl = 0;
        if (line[0] == '#' && line[1] == '#' && strncmp(line, "##fileformat", 12) != 0
            && bcf_hdr_append(h, line) < 0) goto fail;
    }
    for (int64_t i = 0; i < s->o.n_samples; i++) {
        sample_name(name, sizeof(name), s, i);
        if (bcf_hdr_add_sample(h, name) < 0) goto fail;
    }
    if (bcf_hdr_sync(h) < 0) goto fail;
    free(txt);
    return h;
fail:
    free(txt);
    if (h) bcf_hdr_destroy(h);
    return NULL;
}

static void spare_free(run_t *r)
{
    while (r->spare) { job_t *j = r->spare; r->spare = j->next; job_free(j); }
    r->n_spare = 0;
}

/* Take the next finished job (waiting for it if `wait`), write it and free it.
 * @return 1 if one was taken, 0 if none was ready, or a negative status. */
static int take_result(run_t *r, hts_tpool_process *q, int wait)
{
    hts_tpool_result *res = wait ? hts_tpool_next_result_wait(q) : hts_tpool_next_result(q);
    if (!res) return wait ? GRS_EIO : 0;
    job_t *d = (job_t *)hts_tpool_result_data(res);
    hts_tpool_delete_result(res, 0);
    int ret = consume(r, d);
    job_put(r, d);
    return ret < 0 ? ret : 1;
}

/* genotype file: PREFIX.vcf.gz / PREFIX.bcf under a temporary name; jobs through the pool */
static int write_genotypes(run_t *r, const char *fn, const char *tmp, int threads)
{
    const grs_sim_t *s = r->s;
    const int64_t N = s->o.n_samples, M = s->o.n_variants;
    int level = s->o.compress_level >= 0 ? s->o.compress_level
              : (double)N * (double)M >= 1e8 ? 1 : 6;
    int ret = GRS_EIO;
    char mode[16];
    hts_tpool *pool = NULL;
    hts_tpool_process *q = NULL;
    job_t *j = NULL;
    int64_t n_pending = 0;
    int64_t per_job = 2000000 / N;
    if (per_job < 4) per_job = 4;
    if (per_job > 4096) per_job = 4096;

    r->fn = fn;
    if (threads > 1 && !(pool = hts_tpool_init(threads))) { ret = GRS_ENOMEM; goto fail; }
    if (s->o.format == GRS_SIM_VCF) {
        snprintf(mode, sizeof(mode), "w%d", level);
        if (!(r->bg = bgzf_open(tmp, mode))) {
            grs_log_error("cannot create '%s': %s", fn, strerror(errno));
            goto fail;
        }
        if (pool && bgzf_thread_pool(r->bg, pool, 0) < 0) goto fail;
        char *h = vcf_header_text(s, 1);
        if (!h) { ret = GRS_ENOMEM; goto fail; }
        ssize_t hl = (ssize_t)strlen(h), w = bgzf_write(r->bg, h, (size_t)hl);
        free(h);
        if (w != hl) { grs_log_error("write error on '%s'", fn); goto fail; }
    } else {
        snprintf(mode, sizeof(mode), "wb%d", level);
        if (!(r->hdr = bcf_header(s))) { grs_log_error("cannot build the BCF header"); goto fail; }
        if (!(r->hf = hts_open(tmp, mode))) {
            grs_log_error("cannot create '%s': %s", fn, strerror(errno));
            goto fail;
        }
        if (pool) {
            htsThreadPool tp = { pool, 0 };
            if (hts_set_thread_pool(r->hf, &tp) < 0) goto fail;
        }
        if (bcf_hdr_write(r->hf, r->hdr) < 0) {
            grs_log_error("write error on '%s'", fn);
            goto fail;
        }
    }
    if (pool && !(q = hts_tpool_process_init(pool, 2 * threads, 0))) {
        ret = GRS_ENOMEM;
        goto fail;
    }

    for (int64_t v = 0; v < M; v += per_job) {
        if (!(j = job_get(r, v, v + per_job < M ? v + per_job : M))) {
            ret = GRS_ENOMEM;
            goto fail;
        }
        if (!pool) {
            job_run(j);
            ret = consume(r, j);
            job_put(r, j); j = NULL;
            if (ret < 0) goto fail;
        } else {
            /* dispatch without blocking; while the queue is full, write the oldest result */
            while (hts_tpool_dispatch2(pool, q, job_run, j, 1) < 0) {
                if (errno != EAGAIN) goto fail;
                n_pending--;
                if ((ret = take_result(r, q, 1)) < 0) goto fail;
            }
            j = NULL;
            n_pending++;
            while (n_pending > 0 && (ret = take_result(r, q, 0)) != 0) {
                n_pending--;
                if (ret < 0) goto fail;
            }
        }
        grs_progress("variants", v, M);
    }
    while (n_pending > 0) {
        n_pending--;
        if ((ret = take_result(r, q, 1)) < 0) goto fail;
    }
    grs_progress_end();
    ret = GRS_OK;
    if ((r->bg && bgzf_close(r->bg) < 0) || (r->hf && hts_close(r->hf) < 0)) {
        grs_log_error("write error on '%s'", fn);
        ret = GRS_EIO;
    }
    r->bg = NULL;
    r->hf = NULL;
    if (q) hts_tpool_process_destroy(q);
    if (pool) hts_tpool_destroy(pool);
    spare_free(r);
    return ret;
fail:
    if (ret == GRS_OK) ret = GRS_EIO;
    job_free(j);
    for (; n_pending > 0; n_pending--) {   /* let started jobs finish, then drop them */
        hts_tpool_result *res = hts_tpool_next_result_wait(q);
        if (!res) break;
        job_free((job_t *)hts_tpool_result_data(res));
        hts_tpool_delete_result(res, 0);
    }
    if (r->bg) { bgzf_close(r->bg); r->bg = NULL; }
    if (r->hf) { hts_close(r->hf); r->hf = NULL; }
    if (q) hts_tpool_process_destroy(q);
    if (pool) hts_tpool_destroy(pool);
    spare_free(r);
    return ret;
}

/* ---- phenotypes, covariates, truth, omics, scoring file ------------------------------------- */
static double snorm(const grs_sim_t *s, int tag, uint64_t idx)
{
    stream_t st = { skey(s, tag, idx), 0 };
    return s_norm(&st);
}

/* Per-sample values derived once the genotypes are written. */
typedef struct {
    double *g, *qt, *lia, *cov;  /* genetic value, trait_qt, liability, covariate effect     */
    int *sex, *age;
    uint8_t *is_case;
    double mG, vG, scale;        /* raw G mean and variance; weight = b_k * scale            */
    double swap_shift;           /* PGS sum - g - mG * scale, from rows with effect = REF    */
} traits_t;

typedef struct { double l; int64_t i; } lrank_t;

static int cmp_lrank(const void *a, const void *b)
{
    const lrank_t *x = (const lrank_t *)a, *y = (const lrank_t *)b;
    if (x->l != y->l) return x->l > y->l ? -1 : 1;   /* highest liability first */
    return x->i < y->i ? -1 : x->i > y->i;
}

static void traits_free(traits_t *t)
{
    free(t->g); free(t->qt); free(t->lia); free(t->cov);
    free(t->sex); free(t->age); free(t->is_case);
}

/* g, covariates, trait_qt, liability and cases (the architecture in simulate.h) */
static int traits_compute(const grs_sim_t *s, const run_t *r, traits_t *t, grs_sim_summary_t *sum)
{
    const grs_sim_opts_t *o = &s->o;
    const int64_t N = o->n_samples;
    const size_t nd = (size_t)N * sizeof(double);
    lrank_t *rank = (lrank_t *)malloc((size_t)N * sizeof(lrank_t));
    if (!rank || !(t->g = (double *)malloc(nd)) || !(t->qt = (double *)malloc(nd))
        || !(t->lia = (double *)malloc(nd)) || !(t->cov = (double *)malloc(nd))
        || !(t->sex = (int *)malloc((size_t)N * sizeof(int)))
        || !(t->age = (int *)malloc((size_t)N * sizeof(int)))
        || !(t->is_case = (uint8_t *)calloc((size_t)N, 1))) {
        free(rank);
        return GRS_ENOMEM;
    }
    for (int64_t i = 0; i < N; i++) t->mG += r->G[i];
    t->mG /= (double)N;
    for (int64_t i = 0; i < N; i++) t->vG += (r->G[i] - t->mG) * (r->G[i] - t->mG);
    t->vG = N > 1 ? t->vG / (double)(N - 1) : 0;
    t->scale = t->vG > 0 ? sqrt(o->h2 / t->vG) : 0;
    if (t->vG <= 0)
        grs_log_warning("the causal variants do not vary in this cohort: genetic values are all 0");
    const double se = sqrt(1 - o->h2);
    for (int64_t i = 0; i < N; i++) {
        int k = grs_sim_pop_of(s, i);
        t->g[i] = (r->G[i] - t->mG) * t->scale;
        t->sex[i] = (int)(skey(s, T_SEX, (uint64_t)i) >> 63) + 1;
        t->age[i] = 40 + (int)(skey(s, T_AGE, (uint64_t)i) % 31);
        t->cov[i] = 0.2 * k + 0.3 * (t->sex[i] == 1) + 0.02 * (t->age[i] - 55);
        t->qt[i] = t->g[i] + se * snorm(s, T_EQ, (uint64_t)i) + t->cov[i];
        t->lia[i] = t->g[i] + se * snorm(s, T_EL, (uint64_t)i) + t->cov[i];
        rank[i].l = t->lia[i]; rank[i].i = i;
    }
    qsort(rank, (size_t)N, sizeof(lrank_t), cmp_lrank);
    sum->n_cases = llround(o->prevalence * (double)N);
    for (int64_t c = 0; c < sum->n_cases; c++) t->is_case[rank[c].i] = 1;
    free(rank);

    /* realised h2: squared correlation of trait_qt - c with g */
    double mg = 0, my = 0, sgg = 0, syy = 0, sgy = 0;
    for (int64_t i = 0; i < N; i++) { mg += t->g[i]; my += t->qt[i] - t->cov[i]; }
    mg /= (double)N; my /= (double)N;
    for (int64_t i = 0; i < N; i++) {
        double a = t->g[i] - mg, b = t->qt[i] - t->cov[i] - my;
        sgg += a * a; syy += b * b; sgy += a * b;
    }
    sum->realised_h2 = sgg > 0 && syy > 0 ? sgy * sgy / (sgg * syy) : 0;
    sum->var_G_raw = t->vG;
    sum->n_causal = s->n_causal;
    return GRS_OK;
}


static int write_pgs(grs_out_t *w, const grs_sim_t *s, const run_t *r, traits_t *t,
                     grs_sim_summary_t *sum)
{
    const grs_sim_opts_t *o = &s->o;
    grs_sim_var_t *var = (grs_sim_var_t *)malloc(sizeof(*var));
    if (!var) return GRS_ENOMEM;
    grs_out_printf(w, "###PGS CATALOG SCORING FILE - see "
                      "https://www.pgscatalog.org/downloads/#dl_ftp_scoring for additional information\n"
                      "#format_version=2.0\n##POLYGENIC SCORE (PGS) INFORMATION\n"
                      "#pgs_id=PGS_SIM%06" PRIu64 "\n#pgs_name=grs_simulate_seed%" PRIu64 "\n"
                      "#trait_reported=simulated quantitative trait (trait_qt)\n"
                      "#trait_mapped=\n#trait_efo=\n"
                      "#genome_build=GRCh38\n#variants_number=%" PRId64 "\n#weight_type=beta\n"
                      "##SOURCE INFORMATION\n#pgp_id=\n#citation=grs simulate (synthetic)\n",
                   o->seed % 1000000, o->seed, s->n_causal);
    grs_out_printf(w, "rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n");
    for (int64_t k = 0; k < s->n_causal; k++) {
        int64_t v = s->causal[k];
        double wt = r->beta[k] * t->scale;
        int swap = k % SWAP_EVERY == SWAP_AT;
        grs_sim_variant(s, v, var);
        sum->n_swapped += swap;
        if (swap) t->swap_shift += 2 * wt;   /* REF dosage = 2 - ALT dosage */
        grs_out_printf(w, "rs%" PRId64 "\t%d\t%" PRId64 "\t%c\t%c\t%.8g\n", v + 1, var->chrom,
                       var->pos, swap ? var->ref : var->alt, swap ? var->alt : var->ref,
                       swap ? -wt : wt);
    }
    free(var);
    return GRS_OK;
}

static void write_pheno(grs_out_t *w, const grs_sim_t *s, const traits_t *t)
{
    char name[48];
    grs_out_printf(w, "FID\tIID\ttrait_bin\ttrait_qt\n");
    for (int64_t i = 0; i < s->o.n_samples; i++) {
        sample_name(name, sizeof(name), s, i);
        grs_out_printf(w, "%s\t%s\t%d\t%.6f\n", name, name, t->is_case[i] ? 2 : 1, t->qt[i]);
    }
}

static void write_covar(grs_out_t *w, const grs_sim_t *s, const traits_t *t)
{
    const int64_t N = s->o.n_samples;
    double cen[GRS_SIM_MAX_POPS][4];
    char name[48];
    for (int k = 0; k < s->o.n_pops; k++)
        for (int c = 0; c < 4; c++) cen[k][c] = snorm(s, T_CENTROID, (uint64_t)(k * 4 + c));
    grs_out_printf(w, "FID\tIID\tsex\tage\tpopulation\tPC1\tPC2\tPC3\tPC4\n");
    for (int64_t i = 0; i < N; i++) {
        int k = grs_sim_pop_of(s, i);
        stream_t st = { skey(s, T_PC, (uint64_t)i), 0 };
        sample_name(name, sizeof(name), s, i);
        grs_out_printf(w, "%s\t%s\t%d\t%d\tPOP%d", name, name, t->sex[i], t->age[i], k + 1);
        for (int c = 0; c < 4; c++)
            grs_out_printf(w, "\t%.6g", (cen[k][c] + 0.25 * s_norm(&st)) / sqrt((double)N));
        grs_out_printf(w, "\n");
    }
}

static void write_truth(grs_out_t *w, const grs_sim_t *s, const traits_t *t)
{
    char name[48];
    grs_out_printf(w, "FID\tIID\tpopulation\tgenetic_value\tliability\tcovariate_effect\n");
    for (int64_t i = 0; i < s->o.n_samples; i++) {
        sample_name(name, sizeof(name), s, i);
        grs_out_printf(w, "%s\t%s\tPOP%d\t%.8g\t%.8g\t%.8g\n", name, name, grs_sim_pop_of(s, i) + 1,
                       t->g[i], t->lia[i], t->cov[i]);
    }
}

/* ---- omics ---------------------------------------------------------------------------------- */
typedef struct {
    char kind[8];       /* "cis", "trait", "noise"                          */
    int64_t variant;    /* cis: variant index                               */
    const char *driver; /* trait: "liability" or "trait_qt"                 */
    double effect, shift, scale;
    double xm, xsd;     /* cis: mean and SD of the variant's true ALT count */
} feat_t;

static void omics_params(const grs_sim_t *s, const run_t *r, feat_t *feat)
{
    const int64_t N = s->o.n_samples;
    const int F = s->o.n_omics, F_cis = F / 4, F_trait = F / 4;
    for (int f = 0; f < F; f++) {
        stream_t st = { skey(s, T_OMICS_PAR, (uint64_t)f), 0 };
        double sign = s_unif(&st) < 0.5 ? -1 : 1;
        feat[f].shift = 5 + 2 * s_norm(&st);
        feat[f].scale = 0.5 + 1.5 * s_unif(&st);
        if (f < F_cis) {
            const uint8_t *x = r->cis_x + (size_t)f * (size_t)N;
            double m = 0, q = 0;
            strcpy(feat[f].kind, "cis");
            feat[f].variant = r->cis_v[f];
            feat[f].effect = sign * (0.3 + 0.7 * s_unif(&st));
            for (int64_t i = 0; i < N; i++) m += x[i];
            m /= (double)N;
            for (int64_t i = 0; i < N; i++) q += (x[i] - m) * (x[i] - m);
            feat[f].xm = m;
            feat[f].xsd = q > 0 ? sqrt(q / (double)N) : 1;
        } else if (f < F_cis + F_trait) {
            strcpy(feat[f].kind, "trait");
            feat[f].driver = (f - F_cis) % 2 == 0 ? "liability" : "trait_qt";
            feat[f].effect = sign * (0.2 + 0.4 * s_unif(&st));
        } else {
            strcpy(feat[f].kind, "noise");
        }
    }
}

static void mean_sd(const double *x, int64_t n, double *m, double *sd)
{
    double a = 0, q = 0;
    for (int64_t i = 0; i < n; i++) a += x[i];
    a /= (double)n;
    for (int64_t i = 0; i < n; i++) q += (x[i] - a) * (x[i] - a);
    *m = a;
    *sd = q > 0 ? sqrt(q / (double)n) : 1;
}

static int write_omics(grs_out_t *w, const grs_sim_t *s, const run_t *r, const traits_t *t,
                       const feat_t *feat)
{
    const int64_t N = s->o.n_samples;
    const int F = s->o.n_omics, F_cis = F / 4, F_trait = F / 4;
    const uint64_t na_thr = (uint64_t)(0.01 * 18446744073709551616.0);
    double ml, sl, mq, sq;
    char name[48], *line = (char *)malloc((size_t)F * 24 + 64);   /* printf per cell is slow */
    if (!line) return GRS_ENOMEM;
    mean_sd(t->lia, N, &ml, &sl);
    mean_sd(t->qt, N, &mq, &sq);
    grs_out_printf(w, "IID");
    for (int f = 0; f < F; f++) grs_out_printf(w, "\tF%04d", f + 1);
    grs_out_printf(w, "\n");
    for (int64_t i = 0; i < N; i++) {
        char *p = line;
        sample_name(name, sizeof(name), s, i);
        p = stpcpy(p, name);
        for (int f = 0; f < F; f++) {
            const feat_t *ft = &feat[f];
            uint64_t cell = (uint64_t)i * (uint64_t)F + (uint64_t)f;
            if (skey(s, T_OMICS_NA, cell) < na_thr) { p = stpcpy(p, "\tNA"); continue; }
            double x = snorm(s, T_OMICS, cell);
            if (f < F_cis)
                x += ft->effect * (r->cis_x[(size_t)f * (size_t)N + (size_t)i] - ft->xm) / ft->xsd;
            else if (f < F_cis + F_trait)
                x += ft->effect * (ft->driver[0] == 'l' ? (t->lia[i] - ml) / sl
                                                        : (t->qt[i] - mq) / sq);
            *p++ = '\t';
            p = put_fixed4(p, ft->shift + ft->scale * x);
        }
        *p++ = '\n';
        grs_out_write(w, line, (size_t)(p - line));
    }
    free(line);
    return GRS_OK;
}

/* sim.json: the parameters, the codings and the truth a check needs */
static void write_json(grs_out_t *w, const grs_sim_t *s, const run_t *r, const traits_t *t,
                       const feat_t *feat, const grs_sim_summary_t *sum)
{
    const grs_sim_opts_t *o = &s->o;
    const int F = o->n_omics;
    char name[48];
    grs_json_t js;
    grs_json_begin(&js, w);
    grs_json_str(&js, "tool", "grs simulate");
    grs_json_str(&js, "version", o->version);
    grs_json_obj(&js, "parameters");
    grs_json_int(&js, "seed", (int64_t)o->seed);
    grs_json_int(&js, "samples", o->n_samples);
    grs_json_int(&js, "variants", o->n_variants);
    grs_json_int(&js, "populations", o->n_pops);
    grs_json_int(&js, "chromosomes", o->n_chrom);
    grs_json_int(&js, "score_variants", s->n_causal);
    grs_json_num(&js, "fst", o->fst);
    grs_json_num(&js, "ld", o->ld);
    grs_json_num(&js, "hotspot_rate", HOTSPOT_RATE);
    grs_json_num(&js, "missing_rate", o->missing_rate);
    grs_json_bool(&js, "dosage", o->dosage);
    grs_json_num(&js, "dosage_frac", o->dosage_frac);
    grs_json_bool(&js, "phased", o->phased);
    grs_json_num(&js, "h2", o->h2);
    grs_json_num(&js, "prevalence", o->prevalence);
    grs_json_int(&js, "omics_features", F);
    grs_json_close(&js, '}');
    grs_json_obj(&js, "codings");
    grs_json_str(&js, "trait_bin", "PLINK: 1 = control, 2 = case (top prevalence*N liabilities)");
    grs_json_str(&js, "sex", "1 = male, 2 = female");
    grs_json_str(&js, "covariate_effect", "0.2*population_index0 + 0.3*male + 0.02*(age-55)");
    grs_json_str(&js, "trait_qt", "genetic_value + N(0,1-h2) + covariate_effect");
    grs_json_str(&js, "liability",
                 "genetic_value + N(0,1-h2) + covariate_effect (independent noise)");
    grs_json_str(&js, "genetic_value", "sum of true effects x true ALT counts, centred, var = h2");
    grs_json_str(&js, "pgs", "effect_weight = true per-allele effect; rows with effect_allele = REF "
                             "have the weight negated");
    grs_json_close(&js, '}');
    grs_json_obj(&js, "realised");
    grs_json_int(&js, "cases", sum->n_cases);
    grs_json_int(&js, "controls", o->n_samples - sum->n_cases);
    grs_json_num(&js, "h2_qt", sum->realised_h2);
    grs_json_num(&js, "raw_genetic_variance", t->vG);
    grs_json_num(&js, "weight_scale", t->scale);
    grs_json_num(&js, "pgs_sum_minus_genetic_value", t->mG * t->scale - t->swap_shift);
    grs_json_int(&js, "missing_calls", r->n_missing);
    grs_json_int(&js, "swapped_effect_alleles", sum->n_swapped);
    grs_json_close(&js, '}');
    grs_json_arr(&js, "omics_features");
    for (int f = 0; f < F; f++) {
        grs_json_obj(&js, NULL);
        snprintf(name, sizeof(name), "F%04d", f + 1);
        grs_json_str(&js, "name", name);
        grs_json_str(&js, "kind", feat[f].kind);
        if (feat[f].kind[0] == 'c') {
            snprintf(name, sizeof(name), "rs%" PRId64, feat[f].variant + 1);
            grs_json_str(&js, "variant", name);
        }
        if (feat[f].driver) grs_json_str(&js, "driver", feat[f].driver);
        grs_json_num(&js, "effect", feat[f].effect);
        grs_json_num(&js, "shift", feat[f].shift);
        grs_json_num(&js, "scale", feat[f].scale);
        grs_json_close(&js, '}');
    }
    grs_json_close(&js, ']');
    grs_json_end(&js);
}

/* ---- the whole run -------------------------------------------------------------------------- */
static char *out_name(const char *prefix, const char *ext)
{
    return grs_sprintf("%s%s", prefix, ext);
}

int grs_sim_run(const grs_sim_opts_t *opt, grs_sim_summary_t *sum)
{
    enum { MAX_OUT = 8 };
    grs_sim_t *s = NULL;
    run_t r;
    traits_t t;
    int ret, n_out = 0, committed = 0;
    grs_out_t *out[MAX_OUT] = { NULL };
    char *final_fn[MAX_OUT] = { NULL };
    char *geno_fn = NULL, *geno_tmp = NULL;
    feat_t *feat = NULL;
    double t0 = grs_wall_seconds();

    memset(&r, 0, sizeof(r));
    memset(&t, 0, sizeof(t));
    memset(sum, 0, sizeof(*sum));
    if ((ret = grs_sim_init(opt, &s)) < 0) return ret;
    const grs_sim_opts_t *o = &s->o;
    const int64_t N = o->n_samples, K = s->n_causal;
    const int F = o->n_omics, F_cis = F / 4;
    ret = GRS_ENOMEM;
    r.s = s;
    r.n_cis = F_cis;
    if (!(r.G = (double *)calloc((size_t)N, sizeof(double)))
        || !(r.beta = (double *)malloc((size_t)K * sizeof(double)))
        || !(r.cis_v = (int64_t *)malloc((size_t)(F_cis + 1) * sizeof(int64_t)))
        || !(r.cis_x = (uint8_t *)calloc((size_t)F_cis * (size_t)N + 1, 1))
        || !(feat = (feat_t *)calloc((size_t)F + 1, sizeof(feat_t))))
        goto fail;
    for (int64_t k = 0; k < K; k++) r.beta[k] = snorm(s, T_BETA, (uint64_t)k);
    for (int f = 0; f < F_cis; f++) {   /* one cis variant per stratum of the genome */
        double u = u01(skey(s, T_CIS, (uint64_t)f));
        int64_t v = (int64_t)floor(((double)f + u) * (double)o->n_variants / (double)F_cis);
        r.cis_v[f] = v >= o->n_variants ? o->n_variants - 1 : v;
        if (f > 0 && r.cis_v[f] < r.cis_v[f - 1]) r.cis_v[f] = r.cis_v[f - 1];
    }

    /* 1. genotypes, streamed; the causal and cis genotypes are kept on the way */
    geno_fn = out_name(o->out, o->format == GRS_SIM_BCF ? ".bcf" : ".vcf.gz");
    if (!geno_fn || !(geno_tmp = grs_tmp_name(geno_fn))) goto fail;
    grs_cleanup_register(geno_tmp);
    if ((ret = write_genotypes(&r, geno_fn, geno_tmp, o->threads)) < 0) goto fail;
    sum->seconds_genotypes = grs_wall_seconds() - t0;
    sum->n_missing_calls = r.n_missing;

    /* 2. traits; 3. the text outputs, each under a temporary name */
    if ((ret = traits_compute(s, &r, &t, sum)) < 0) goto fail;
    omics_params(s, &r, feat);
    static const char *const ext[] = { ".pgs.txt", ".pheno.tsv", ".covar.tsv", ".truth.tsv",
                                       ".omics.tsv.gz", ".sim.json" };
    for (int k = 0; k < 6; k++) {
        if (k == 4 && F == 0) continue;
        ret = GRS_ENOMEM;
        if (!(final_fn[n_out] = out_name(o->out, ext[k]))) goto fail;
        ret = GRS_EIO;
        if (!(out[n_out] = grs_out_open(final_fn[n_out], k == 4))) goto fail;
        grs_out_t *w = out[n_out++];
        ret = GRS_OK;
        switch (k) {
        case 0: ret = write_pgs(w, s, &r, &t, sum); break;
        case 1: write_pheno(w, s, &t); break;
        case 2: write_covar(w, s, &t); break;
        case 3: write_truth(w, s, &t); break;
        case 4: ret = write_omics(w, s, &r, &t, feat); break;
        default: write_json(w, s, &r, &t, feat, sum); break;
        }
        if (ret < 0) goto fail;
    }

    /* 4. commit: the text files, then the genotypes; undo the renames if one fails */
    for (committed = 0; committed < n_out; committed++) {
        int st = grs_out_close(out[committed], 1);
        out[committed] = NULL;
        if (st < 0) { ret = st; break; }
    }
    if (ret == GRS_OK && rename(geno_tmp, geno_fn) != 0) {
        grs_log_error("cannot rename '%s' to '%s': %s", geno_tmp, geno_fn, strerror(errno));
        ret = GRS_EIO;
    }
    if (ret < 0) {
        for (int k = 0; k < committed; k++) unlink(final_fn[k]);
        goto fail;
    }
    grs_cleanup_unregister(geno_tmp);
    goto done;
fail:
    if (ret == GRS_OK) ret = GRS_EIO;
    for (int k = 0; k < n_out; k++) if (out[k]) grs_out_close(out[k], 0);
    if (geno_tmp) { unlink(geno_tmp); grs_cleanup_unregister(geno_tmp); }
done:
    for (int k = 0; k < n_out; k++) free(final_fn[k]);
    free(geno_fn); free(geno_tmp);
    traits_free(&t);
    free(feat);
    free(r.G); free(r.beta); free(r.cis_v); free(r.cis_x);
    if (r.hdr) bcf_hdr_destroy(r.hdr);
    grs_sim_destroy(s);
    return ret;
}
