/* enet.c -- CPU reference of the elastic-net genotype-block ops (grs/enet.h).
 *
 * The design's genotype columns stay 2-bit packed; each op standardizes on the fly. One byte
 * of a packed row holds four samples' codes; a static 256-entry table decodes a byte into four
 * doubles (code, called) at once, so x̃ = (code - center·called)·inv_scale is four-lane vector
 * arithmetic with no branch and no shift in the inner loop.
 *
 * Reduction order (what a CUDA kernel must reproduce up to rounding, see grs/enet.h): samples
 * are summed in blocks of GRS_ENET_BLOCK; inside a block, lane i (i = 0..7) sums the samples
 * s ≡ i (mod 8) in increasing s, and the block partial is
 * ((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7)); block partials are added in block order,
 * starting from 0. Threads split columns (dot, sqdot, moments) or samples (axpy, at block
 * boundaries), so a result never depends on the thread count. Eight lanes (two 4-double
 * vectors) because one vector accumulator makes the loop wait on the add latency.
 */
#include "reference.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "grs/status.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define GRS_ENET_AVX2 1
#include <immintrin.h>
#endif

/* codes of the four samples of one packed byte */
static uint8_t byte_codes[256][4];
/* the same byte decoded for arithmetic: code[i] = ALT count of sample i (missing -> 0) and
 * called[i] = 1 (0 for a missing sample), so that x̃ = (code - center·called)·inv_scale is
 * ((double)code - center)·inv_scale for a called genotype, exactly as grs_enet_std_value
 * computes it, and 0 for a missing one, with no branch and no per-column table: the inner
 * loops are four independent lanes that the compiler vectorizes. One 64-byte line per byte. */
typedef double v4d __attribute__((vector_size(32)));    /* GCC/clang vector: 4 lanes */
typedef struct { v4d code, called; } byte_dec_t;
static byte_dec_t byte_dec[256] __attribute__((aligned(64)));
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

#ifdef GRS_ENET_AVX2
static void perm_init(void);
#endif

static void tables_init(void)
{
    for (int b = 0; b < 256; b++)
        for (int i = 0; i < 4; i++) {
            uint8_t c = (uint8_t)((b >> (2 * i)) & 3);
            byte_codes[b][i] = c;
            byte_dec[b].code[i] = c == GRS_GENO_MISSING ? 0.0 : (double)c;
            byte_dec[b].called[i] = c == GRS_GENO_MISSING ? 0.0 : 1.0;
        }
#ifdef GRS_ENET_AVX2
    perm_init();
#endif
}

/* ---- AVX2 kernels: the same arithmetic with the byte decoded by a register permute ---------
 * A column's four standardized values val[code] (grs_enet_std_value: exactly the (code -
 * center·called)·inv_scale of the portable loops) sit in one 256-bit register; a packed byte
 * turns into the dword indices (2·code, 2·code + 1) of its four samples through a 2 KiB table
 * (one vpmovzxbd load), and vpermd picks the four doubles. One table load in place of two
 * 32-byte ones and no arithmetic to standardize: the portable loops spent their time on
 * those loads. Each product, sum and lane is the portable loop's, so the bits are the same
 * (tests/unit/test_enet.c compares both ways on every op). */
#ifdef GRS_ENET_AVX2
static uint64_t byte_perm[256];   /* byte → 8 dword indices (2c, 2c+1) of its 4 samples */
static int have_avx2;

static void perm_init(void)
{
    for (int b = 0; b < 256; b++) {
        uint64_t v = 0;
        for (int i = 0; i < 4; i++) {
            uint64_t c = (uint64_t)((b >> (2 * i)) & 3);
            v |= (2 * c) << (16 * i) | (2 * c + 1) << (16 * i + 8);
        }
        byte_perm[b] = v;
    }
    __builtin_cpu_init();
    have_avx2 = __builtin_cpu_supports("avx2") && !getenv("GRS_NO_AVX2");
}

__attribute__((target("avx2"))) static inline __m256d perm4(uint8_t byte, __m256i vals)
{
    __m256i idx = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)&byte_perm[byte]));
    return _mm256_castsi256_pd(_mm256_permutevar8x32_epi32(vals, idx));
}

/* the four values of a column (times a), indexed by code: exactly the portable loops' x̃·a */
static inline void col_vals(double ctr, double inv, double a, double v[4])
{
    for (uint32_t c = 0; c < 4; c++) v[c] = grs_enet_std_value(c, ctr, inv) * a;
}

__attribute__((target("avx2"))) static inline __m256i load_vals(const double v[4])
{
    return _mm256_castpd_si256(_mm256_loadu_pd(v));
}

/* lanes 0-7 of Σ r·x̃ over the whole 8-sample groups of [b0, b1); returns the first sample left */
__attribute__((target("avx2"))) static int64_t dot_lanes_avx2(const uint8_t *GRS_RESTRICT row, const double v[4],
                                                               const double *GRS_RESTRICT r, int64_t b0,
                                                               int64_t b1, double lane[8])
{
    const __m256i vals = load_vals(v);
    __m256d la = _mm256_setzero_pd(), lb = _mm256_setzero_pd();
    int64_t s = b0;
    for (; s + 8 <= b1; s += 8) {
        const int64_t q = s >> 2;
        la = _mm256_add_pd(la, _mm256_mul_pd(_mm256_loadu_pd(r + s), perm4(row[q], vals)));
        lb = _mm256_add_pd(lb, _mm256_mul_pd(_mm256_loadu_pd(r + s + 4), perm4(row[q + 1], vals)));
    }
    _mm256_storeu_pd(lane, la);
    _mm256_storeu_pd(lane + 4, lb);
    return s;
}

/* r[s0..s1) += val·a (· c[s]) over whole 4-sample groups; returns the first sample left */
__attribute__((target("avx2"))) static int64_t axpy_avx2(const uint8_t *GRS_RESTRICT row, const double va[4],
                                                          const double *GRS_RESTRICT c, int64_t s0, int64_t s1,
                                                          double *GRS_RESTRICT r)
{
    const __m256i vals_a = load_vals(va);
    int64_t s = s0;
    if (c)
        for (; s + 4 <= s1; s += 4)
            _mm256_storeu_pd(r + s, _mm256_add_pd(_mm256_loadu_pd(r + s),
                                                  _mm256_mul_pd(_mm256_loadu_pd(c + s), perm4(row[s >> 2], vals_a))));
    else
        for (; s + 4 <= s1; s += 4)
            _mm256_storeu_pd(r + s, _mm256_add_pd(_mm256_loadu_pd(r + s), perm4(row[s >> 2], vals_a)));
    return s;
}

/* the fused step over whole 8-sample groups of [b0, b1): r += c·x̃_a·a, lanes of Σ r·x̃_d */
__attribute__((target("avx2"))) static int64_t axpy_dot_avx2(const uint8_t *GRS_RESTRICT ra, const double va[4],
                                                              const double *GRS_RESTRICT c,
                                                              const uint8_t *GRS_RESTRICT rd, const double vd[4],
                                                              int64_t b0, int64_t b1, double *GRS_RESTRICT r,
                                                              double lane[8])
{
    const __m256i vals_a = load_vals(va), vals_d = load_vals(vd);
    __m256d la = _mm256_setzero_pd(), lb = _mm256_setzero_pd();
    int64_t s = b0;
    for (; s + 8 <= b1; s += 8) {
        const int64_t q = s >> 2;
        __m256d xa0 = perm4(ra[q], vals_a), xa1 = perm4(ra[q + 1], vals_a);
        if (c) {
            xa0 = _mm256_mul_pd(_mm256_loadu_pd(c + s), xa0);
            xa1 = _mm256_mul_pd(_mm256_loadu_pd(c + s + 4), xa1);
        }
        __m256d r0 = _mm256_add_pd(_mm256_loadu_pd(r + s), xa0);
        __m256d r1 = _mm256_add_pd(_mm256_loadu_pd(r + s + 4), xa1);
        _mm256_storeu_pd(r + s, r0);
        _mm256_storeu_pd(r + s + 4, r1);
        la = _mm256_add_pd(la, _mm256_mul_pd(r0, perm4(rd[q], vals_d)));
        lb = _mm256_add_pd(lb, _mm256_mul_pd(r1, perm4(rd[q + 1], vals_d)));
    }
    _mm256_storeu_pd(lane, la);
    _mm256_storeu_pd(lane + 4, lb);
    return s;
}
#endif

/* ---- per-column kernels --------------------------------------------------------------------
 * Written as four-lane loops over the bytes of a packed row so that they vectorize (SSE2 by
 * default, AVX2 through the clones below on a CPU that has it); every lane computes the same
 * IEEE operations in the same order whatever the vector width, so the clones agree bit for bit
 * (the reference is compiled with -ffp-contract=off: no FMA). */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__clang__)
#define VEC_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VEC_CLONES
#endif

/* Σ_s r[s]·x̃(j, s)^(1+sq) over samples [b0, b1), b0 % 4 == 0, lanes as documented above;
 * r NULL = 1. Inlined with constant flags into the four specialized callers below. */
static inline double dot_range(const uint8_t *GRS_RESTRICT row, const uint32_t *codes, double ctr,
                               double inv, const double *GRS_RESTRICT r, int has_r, int sq,
                               int64_t b0, int64_t b1)
{
    const v4d vc = { ctr, ctr, ctr, ctr }, vi = { inv, inv, inv, inv };
    v4d la = { 0, 0, 0, 0 }, lb = { 0, 0, 0, 0 };   /* lanes 0-3 and 4-7 */
    int64_t s = b0;
#ifdef GRS_ENET_AVX2
    if (has_r && !sq && have_avx2) {
        double val[4], lane[8];
        col_vals(ctr, inv, 1.0, val);
        s = dot_lanes_avx2(row, val, r, b0, b1, lane);
        memcpy(&la, lane, sizeof(la));
        memcpy(&lb, lane + 4, sizeof(lb));
    }
#endif
    for (; s + 8 <= b1; s += 8) {
        const byte_dec_t *d0 = &byte_dec[row[s >> 2]], *d1 = &byte_dec[row[(s >> 2) + 1]];
        v4d x0 = (d0->code - vc * d0->called) * vi, x1 = (d1->code - vc * d1->called) * vi;
        if (sq) { x0 = x0 * x0; x1 = x1 * x1; }
        if (has_r) {
            v4d r0, r1;
            memcpy(&r0, r + s, sizeof(r0));
            memcpy(&r1, r + s + 4, sizeof(r1));
            la += r0 * x0;
            lb += r1 * x1;
        } else {
            la += x0;
            lb += x1;
        }
    }
    double lane[8] = { la[0], la[1], la[2], la[3], lb[0], lb[1], lb[2], lb[3] };
    for (; s < b1; s++) {
        const byte_dec_t *d = &byte_dec[grs_geno_code(codes, s)];   /* lane 0 of a 1-code byte */
        double x = (d->code[0] - ctr * d->called[0]) * inv;
        if (sq) x = x * x;
        lane[s & 7] += has_r ? r[s] * x : x;
    }
    return ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
}

#define DOT_VARIANT(NAME, HAS_R, SQ)                                                              \
    VEC_CLONES static double NAME(const grs_enet_geno_t *g, int64_t j, const double *GRS_RESTRICT r) \
    {                                                                                             \
        const uint8_t *row = (const uint8_t *)g->codes[j];                                        \
        const double ctr = g->center[j], inv = g->inv_scale[j];                                   \
        const int64_t n = g->n_samples;                                                           \
        double total = 0.0;                                                                       \
        for (int64_t b0 = 0; b0 < n; b0 += GRS_ENET_BLOCK)                                        \
            total += dot_range(row, g->codes[j], ctr, inv, r, HAS_R, SQ, b0,                      \
                               b0 + GRS_ENET_BLOCK < n ? b0 + GRS_ENET_BLOCK : n);                \
        return total;                                                                             \
    }
DOT_VARIANT(col_dot_r, 1, 0)        /* Σ r·x̃        */

/* the block partials of Σ r·x̃_j over samples [s0, s1) (s0 a multiple of GRS_ENET_BLOCK):
 * part[i] for the block starting at s0 + i·GRS_ENET_BLOCK, each as col_dot_r computes it */
VEC_CLONES static void col_dot_part(const grs_enet_geno_t *g, int64_t j, const double *GRS_RESTRICT r,
                                    int64_t s0, int64_t s1, double *part)
{
    const uint8_t *row = (const uint8_t *)g->codes[j];
    for (int64_t b0 = s0; b0 < s1; b0 += GRS_ENET_BLOCK)
        *part++ = dot_range(row, g->codes[j], g->center[j], g->inv_scale[j], r, 1, 0, b0,
                            b0 + GRS_ENET_BLOCK < s1 ? b0 + GRS_ENET_BLOCK : s1);
}
DOT_VARIANT(col_sqdot_c, 1, 1)      /* Σ c·x̃²       */
DOT_VARIANT(col_sqdot_1, 0, 1)      /* Σ x̃²         */

/* Σ_s r[s] · x̃(j, s) (sq = 0) or Σ_s r[s] · x̃(j, s)² (sq = 1; r may be NULL = 1) */
static double col_dot1(const grs_enet_geno_t *g, int64_t j, const double *GRS_RESTRICT r, int sq)
{
    return !sq ? col_dot_r(g, j, r) : r ? col_sqdot_c(g, j, r) : col_sqdot_1(g, j, NULL);
}

/* raw moments of column j: Σ w·[called], Σ w·code, Σ w·code² */
static void col_moments1(const grs_enet_geno_t *g, int64_t j, const double *GRS_RESTRICT w, double *out)
{
    const uint8_t *row = (const uint8_t *)g->codes[j];
    const int64_t n = g->n_samples;
    if (!w) {
        /* exact integer counts per code */
        int64_t cnt[4] = { 0, 0, 0, 0 };
        int64_t s = 0;
        for (; s + 4 <= n; s += 4) {
            const uint8_t *c = byte_codes[row[s >> 2]];
            cnt[c[0]]++; cnt[c[1]]++; cnt[c[2]]++; cnt[c[3]]++;
        }
        for (; s < n; s++) cnt[grs_geno_code(g->codes[j], s)]++;
        out[0] = (double)(cnt[0] + cnt[1] + cnt[2]);
        out[1] = (double)(cnt[1] + 2 * cnt[2]);
        out[2] = (double)(cnt[1] + 4 * cnt[2]);
        return;
    }
    double m0 = 0, m1 = 0, m2 = 0;
    static const double called[4] = { 1, 1, 1, 0 }, lin[4] = { 0, 1, 2, 0 }, quad[4] = { 0, 1, 4, 0 };
    for (int64_t s = 0; s < n; s++) {
        uint32_t c = grs_geno_code(g->codes[j], s);
        m0 += w[s] * called[c];
        m1 += w[s] * lin[c];
        m2 += w[s] * quad[c];
    }
    out[0] = m0; out[1] = m1; out[2] = m2;
}

/* r[s0..s1) += (x̃(j, s)·a) · c[s]  (c NULL = 1), s0 % 4 == 0 */
static inline void axpy_range(const uint8_t *GRS_RESTRICT row, const uint32_t *codes, double ctr,
                              double inv, double a, const double *GRS_RESTRICT c, int has_c,
                              int64_t s0, int64_t s1, double *GRS_RESTRICT r)
{
    const v4d vc = { ctr, ctr, ctr, ctr }, vi = { inv, inv, inv, inv }, va = { a, a, a, a };
    int64_t s = s0;
#ifdef GRS_ENET_AVX2
    if (have_avx2) {
        double val[4];
        col_vals(ctr, inv, a, val);
        s = axpy_avx2(row, val, has_c ? c : NULL, s0, s1, r);
    }
#endif
    for (; s + 4 <= s1; s += 4) {
        const byte_dec_t *d = &byte_dec[row[s >> 2]];
        v4d x = (d->code - vc * d->called) * vi * va, rv;
        memcpy(&rv, r + s, sizeof(rv));
        if (has_c) {
            v4d cv;
            memcpy(&cv, c + s, sizeof(cv));
            rv += cv * x;
        } else {
            rv += x;
        }
        memcpy(r + s, &rv, sizeof(rv));
    }
    for (; s < s1; s++) {
        const byte_dec_t *d = &byte_dec[grs_geno_code(codes, s)];
        double x = (d->code[0] - ctr * d->called[0]) * inv * a;
        r[s] += has_c ? c[s] * x : x;
    }
}

VEC_CLONES static void col_axpy_c(const grs_enet_geno_t *g, int64_t j, double a,
                                  const double *GRS_RESTRICT c, int64_t s0, int64_t s1,
                                  double *GRS_RESTRICT r)
{
    axpy_range((const uint8_t *)g->codes[j], g->codes[j], g->center[j], g->inv_scale[j], a, c, 1, s0, s1, r);
}

VEC_CLONES static void col_axpy_1(const grs_enet_geno_t *g, int64_t j, double a, int64_t s0,
                                  int64_t s1, double *GRS_RESTRICT r)
{
    axpy_range((const uint8_t *)g->codes[j], g->codes[j], g->center[j], g->inv_scale[j], a, NULL, 0, s0, s1, r);
}

/* r[s0..s1) += a · c[s] · x̃(j, s); s0 is a multiple of 4 (threads split at multiples of
 * GRS_ENET_BLOCK) */
static void col_axpy1(const grs_enet_geno_t *g, int64_t j, double a, const double *GRS_RESTRICT c,
                      int64_t s0, int64_t s1, double *GRS_RESTRICT r)
{
    if (c) col_axpy_c(g, j, a, c, s0, s1, r);
    else col_axpy_1(g, j, a, s0, s1, r);
}

/* ---- fused axpy + dot (the coordinate-descent step) ------------------------------------------
 * r[s] += a·c[s]·x̃(ja, s), then Σ_s r[s]·x̃(jd, s) with the updated r: the same operations as an
 * axpy call followed by a dot call, in one pass over r. r is 8 bytes a sample against a quarter
 * byte of codes, and it does not fit in L1, so the two separate passes were bound by moving r
 * between L2 and the core; fusing them saves a third of that traffic. */
VEC_CLONES static void col_axpy_dot(const grs_enet_geno_t *g, int64_t ja, double a,
                                    const double *GRS_RESTRICT c, int64_t jd, int64_t s0, int64_t s1,
                                    double *GRS_RESTRICT r, double *part)
{
    const uint8_t *ra = (const uint8_t *)g->codes[ja], *rd = (const uint8_t *)g->codes[jd];
    const double ca = g->center[ja], ia = g->inv_scale[ja], cd = g->center[jd], id = g->inv_scale[jd];
    const v4d vca = { ca, ca, ca, ca }, via = { ia, ia, ia, ia }, va = { a, a, a, a };
    const v4d vcd = { cd, cd, cd, cd }, vid = { id, id, id, id };
#ifdef GRS_ENET_AVX2
    double vala[4], vald[4];
    col_vals(ca, ia, a, vala);
    col_vals(cd, id, 1.0, vald);
#endif
    for (int64_t b0 = s0; b0 < s1; b0 += GRS_ENET_BLOCK) {
        const int64_t b1 = b0 + GRS_ENET_BLOCK < s1 ? b0 + GRS_ENET_BLOCK : s1;
        v4d la = { 0, 0, 0, 0 }, lb = { 0, 0, 0, 0 };
        int64_t s = b0;
#ifdef GRS_ENET_AVX2
        if (have_avx2) {
            double lane8[8];
            s = axpy_dot_avx2(ra, vala, c, rd, vald, b0, b1, r, lane8);
            memcpy(&la, lane8, sizeof(la));
            memcpy(&lb, lane8 + 4, sizeof(lb));
        }
#endif
        for (; s + 8 <= b1; s += 8) {
            const byte_dec_t *a0 = &byte_dec[ra[s >> 2]], *a1 = &byte_dec[ra[(s >> 2) + 1]];
            const byte_dec_t *d0 = &byte_dec[rd[s >> 2]], *d1 = &byte_dec[rd[(s >> 2) + 1]];
            v4d xa0 = (a0->code - vca * a0->called) * via * va, xa1 = (a1->code - vca * a1->called) * via * va;
            v4d r0, r1;
            memcpy(&r0, r + s, sizeof(r0));
            memcpy(&r1, r + s + 4, sizeof(r1));
            if (c) {
                v4d c0, c1;
                memcpy(&c0, c + s, sizeof(c0));
                memcpy(&c1, c + s + 4, sizeof(c1));
                r0 += c0 * xa0;
                r1 += c1 * xa1;
            } else {
                r0 += xa0;
                r1 += xa1;
            }
            memcpy(r + s, &r0, sizeof(r0));
            memcpy(r + s + 4, &r1, sizeof(r1));
            la += r0 * ((d0->code - vcd * d0->called) * vid);
            lb += r1 * ((d1->code - vcd * d1->called) * vid);
        }
        double lane[8] = { la[0], la[1], la[2], la[3], lb[0], lb[1], lb[2], lb[3] };
        for (; s < b1; s++) {
            const byte_dec_t *da = &byte_dec[grs_geno_code(g->codes[ja], s)];
            const byte_dec_t *dd = &byte_dec[grs_geno_code(g->codes[jd], s)];
            double xa = (da->code[0] - ca * da->called[0]) * ia * a;
            r[s] += c ? c[s] * xa : xa;
            lane[s & 7] += r[s] * ((dd->code[0] - cd * dd->called[0]) * id);
        }
        *part++ = ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
    }
}

int grs_ref_enet_axpy_dot(const grs_enet_geno_t *g, int64_t ja, double a, const double *c, int64_t jd,
                          double *r, double *out)
{
    const int64_t n = g->n_samples, nblk = (n + GRS_ENET_BLOCK - 1) / GRS_ENET_BLOCK;
    double stack[64], *part = nblk <= 64 ? stack : (double *)malloc(nblk * sizeof(double));
    if (!part) return GRS_ENOMEM;
    pthread_once(&tables_once, tables_init);
    col_axpy_dot(g, ja, a, c, jd, 0, n, r, part);
    double total = 0.0;
    for (int64_t k = 0; k < nblk; k++) total += part[k];
    if (part != stack) free(part);
    *out = total;
    return GRS_OK;
}

int grs_ref_enet_use_simd(int on)
{
    pthread_once(&tables_once, tables_init);
#ifdef GRS_ENET_AVX2
    int was = have_avx2;
    have_avx2 = on && __builtin_cpu_supports("avx2");
    return was;
#else
    (void)on;
    return 0;
#endif
}

/* ---- the coordinate-descent step on a sample range (grs/backend_ops.h) ---------------------- */
void grs_ref_enet_dot_part(const grs_enet_geno_t *g, int64_t j, const double *r, int64_t s0,
                           int64_t s1, double *part)
{
    pthread_once(&tables_once, tables_init);
    col_dot_part(g, j, r, s0, s1, part);
}

void grs_ref_enet_axpy_range(const grs_enet_geno_t *g, int64_t j, double a, const double *c,
                             int64_t s0, int64_t s1, double *r)
{
    pthread_once(&tables_once, tables_init);
    col_axpy1(g, j, a, c, s0, s1, r);
}

void grs_ref_enet_axpy_dot_part(const grs_enet_geno_t *g, int64_t ja, double a, const double *c,
                                int64_t jd, double *r, int64_t s0, int64_t s1, double *part)
{
    pthread_once(&tables_once, tables_init);
    col_axpy_dot(g, ja, a, c, jd, s0, s1, r, part);
}

/* ---- threading: a parallel for over [0, n) in contiguous ranges ---------------------------- */

enum { OP_DOT, OP_SQDOT, OP_MOMENTS, OP_AXPY };

typedef struct {
    int op;
    const grs_enet_geno_t *g;
    const int64_t *cols;
    int64_t n;
    const double *a, *v;   /* a: axpy coefficients; v: r (dot), c (sqdot, axpy), w (moments) */
    double *out;
    int64_t i0, i1;        /* this worker's range: columns, or samples for axpy */
} work_t;

static void *worker(void *arg)
{
    work_t *w = (work_t *)arg;
    switch (w->op) {
    case OP_DOT:
        for (int64_t k = w->i0; k < w->i1; k++) w->out[k] = col_dot1(w->g, w->cols[k], w->v, 0);
        break;
    case OP_SQDOT:
        for (int64_t k = w->i0; k < w->i1; k++) w->out[k] = col_dot1(w->g, w->cols[k], w->v, 1);
        break;
    case OP_MOMENTS:
        for (int64_t k = w->i0; k < w->i1; k++) col_moments1(w->g, k, w->v, w->out + 3 * k);
        break;
    case OP_AXPY:
        for (int64_t k = 0; k < w->n; k++)
            if (w->a[k] != 0.0) col_axpy1(w->g, w->cols[k], w->a[k], w->v, w->i0, w->i1, w->out);
        break;
    }
    return NULL;
}

/* Split `range` items over threads when the work (items × per_item genotypes) is large enough
 * to pay for thread start-up; `align` is the granularity of a split. */
static int run(work_t *proto, int64_t range, int64_t per_item, int64_t align)
{
    pthread_once(&tables_once, tables_init);
    int nt = proto->g->n_threads > 1 ? proto->g->n_threads : 1;
    if ((double)range * (double)per_item < 4e6) nt = 1;
    int64_t units = (range + align - 1) / align;
    if (nt > units) nt = (int)(units > 0 ? units : 1);
    if (nt == 1) {
        proto->i0 = 0;
        proto->i1 = range;
        worker(proto);
        return GRS_OK;
    }
    work_t *w = (work_t *)malloc(nt * sizeof(work_t));
    pthread_t *th = (pthread_t *)malloc(nt * sizeof(pthread_t));
    if (!w || !th) { free(w); free(th); return GRS_ENOMEM; }
    char *joined = (char *)calloc(nt, 1);     /* 1: th[t] was started and must be joined */
    if (!joined) { free(w); free(th); return GRS_ENOMEM; }
    for (int t = 0; t < nt; t++) {
        w[t] = *proto;
        w[t].i0 = units * t / nt * align;
        w[t].i1 = units * (t + 1) / nt * align;
        if (w[t].i1 > range) w[t].i1 = range;
        if (t > 0) {
            if (pthread_create(&th[t], NULL, worker, &w[t]) == 0) joined[t] = 1;
            else worker(&w[t]);                 /* could not start a thread: do it here */
        }
    }
    worker(&w[0]);
    for (int t = 1; t < nt; t++)
        if (joined[t]) pthread_join(th[t], NULL);
    free(joined);
    free(w);
    free(th);
    return GRS_OK;
}

int grs_ref_enet_dot(const grs_enet_geno_t *g, const int64_t *cols, int64_t n, const double *r, double *out)
{
    work_t w = { OP_DOT, g, cols, n, NULL, r, out, 0, 0 };
    return run(&w, n, g->n_samples, 1);
}

int grs_ref_enet_sqdot(const grs_enet_geno_t *g, const int64_t *cols, int64_t n, const double *c, double *out)
{
    work_t w = { OP_SQDOT, g, cols, n, NULL, c, out, 0, 0 };
    return run(&w, n, g->n_samples, 1);
}

int grs_ref_enet_axpy(const grs_enet_geno_t *g, const int64_t *cols, int64_t n, const double *a,
                      const double *c, double *r)
{
    work_t w = { OP_AXPY, g, cols, n, a, c, r, 0, 0 };
    return run(&w, g->n_samples, n, GRS_ENET_BLOCK);
}

int grs_ref_enet_moments(const grs_enet_geno_t *g, const double *wt, double *out)
{
    work_t w = { OP_MOMENTS, g, NULL, g->n_cols, NULL, wt, out, 0, 0 };
    return run(&w, g->n_cols, g->n_samples, 1);
}
