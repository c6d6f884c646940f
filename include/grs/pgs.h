/* grs/pgs.h -- polygenic score computation: the problem handed to a backend, and the
 * per-element arithmetic (GRS_HD) that the CPU reference and the CUDA kernels share.
 *
 * A scoring run is, per sample s and score k:
 *     sum[s][k] = sum over matched variants v of  W[v][k] * e(v, s)
 * where e(v, s) is the effect-allele dosage of sample s at v after the variant's model
 * (additive, dominant, recessive) and, for a missing genotype, the variant's imputed value.
 * The host (matching, frequencies, missing-data policy) fills one grs_pgs_var_t per variant;
 * the backend never decides semantics, it only evaluates this sum.
 *
 * Determinism: variants are summed in chunks of GRS_PGS_CHUNK consecutive matched variants;
 * each chunk's partial sum (a double) is rounded onto a fixed-point grid (2^-GRS_PGS_FIX_BITS)
 * and accumulated as a 128-bit integer. Integer addition is associative, so the result does
 * not depend on threads, block sizes or how variant shards are later merged, as long as shard
 * boundaries fall on chunk boundaries (the host guarantees it).
 */
#ifndef GRS_PGS_H
#define GRS_PGS_H

#include <stdint.h>

#include "grs/defs.h"
#include "grs/geno.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRS_PGS_CHUNK    4096  /* matched variants per exactly-accumulated chunk */
#define GRS_PGS_FIX_BITS 64    /* fixed-point resolution of the chunk accumulator: 2^-64 */

enum grs_pgs_model {
    GRS_MODEL_ADDITIVE = 0,   /* e = effect dosage                          */
    GRS_MODEL_DOMINANT = 1,   /* e = min(effect dosage, 1)                  */
    GRS_MODEL_RECESSIVE = 2,  /* e = max(effect dosage - 1, 0)              */
};

/** What the backend needs to know about one matched variant. */
typedef struct grs_pgs_var_t {
    const uint32_t *codes;    /* packed 2-bit row (grs codes), n_samples codes            */
    const uint16_t *dosage;   /* NULL, or n_samples dosages (GRS_DOSAGE_ONE = 1 allele)   */
    const uint8_t *haploid;   /* NULL, or haploid bitset                                  */
    double impute[2];         /* e for a missing call: [0] haploid sample, [1] diploid     */
    int32_t flip;             /* 1: the effect allele is REF, e counts REF copies          */
    int32_t model;            /* enum grs_pgs_model                                       */
} grs_pgs_var_t;

/** A scoring problem: n_vars matched variants × n_samples samples × n_scores weights. */
typedef struct grs_pgs_problem_t {
    int64_t n_samples;
    int64_t n_vars;
    int64_t n_scores;
    const grs_pgs_var_t *vars;   /* n_vars, in matrix order                                 */
    const double *weights;       /* n_vars × n_scores, variant-major (W[v*n_scores + k])      */
    int n_threads;               /* CPU threads the backend may use (>= 1)                  */
} grs_pgs_problem_t;

/** A 128-bit signed fixed-point accumulator: value = (hi·2^64 + lo) · 2^-GRS_PGS_FIX_BITS.
 *  Plain integers so that accumulators can be written to shard files and added exactly. */
typedef struct grs_fix128_t {
    uint64_t lo;
    int64_t hi;
} grs_fix128_t;

/** Results, allocated by the caller. Every field is ADDED to, so a caller may evaluate the
 *  matched variants in several calls (blocks of whole chunks) and get the same bits. */
typedef struct grs_pgs_result_t {
    grs_fix128_t *acc;    /* n_samples × n_scores, sample-major: Σ W·e, exact chunk sums     */
    int64_t *allele_ct;   /* n_samples, or NULL: Σ ploidy over present calls                  */
    double *named_dosage; /* n_samples, or NULL: Σ effect dosage over present calls (pre-model;
                             exact: multiples of 1/16384)                                      */
} grs_pgs_result_t;

/* ---- shared per-element arithmetic ------------------------------------------------------- */

/** Apply the model to an effect-allele dosage (0..ploidy). */
GRS_HD double grs_pgs_apply_model(double e, int32_t model)
{
    if (model == GRS_MODEL_DOMINANT) return e < 1.0 ? e : 1.0;
    if (model == GRS_MODEL_RECESSIVE) return e > 1.0 ? e - 1.0 : 0.0;
    return e;
}

/** Convert an accumulator to double (rounded to nearest). */
static inline double grs_fix128_to_double(grs_fix128_t a)
{
    /* hi·2^0 + lo·2^-64, summed in an order that keeps the leading bits exact */
    return (double)a.hi + (double)a.lo * 0x1p-64;
}

/** Effect dosage of a present call with ALT dosage d at the given ploidy. */
GRS_HD double grs_pgs_effect(double alt_dosage, int ploidy, int32_t flip, int32_t model)
{
    double e = flip ? (double)ploidy - alt_dosage : alt_dosage;
    return grs_pgs_apply_model(e, model);
}

/** e(v, s) for a hard-call code: imputed value when missing. */
GRS_HD double grs_pgs_code_value(uint32_t code, int ploidy, const grs_pgs_var_t *GRS_RESTRICT var)
{
    if (code == GRS_GENO_MISSING) return var->impute[ploidy - 1];
    return grs_pgs_effect((double)code, ploidy, var->flip, var->model);
}

/** e(v, s) for a dosage-plane value. */
GRS_HD double grs_pgs_dosage_value(uint16_t d, int ploidy, const grs_pgs_var_t *GRS_RESTRICT var)
{
    if (d == GRS_DOSAGE_MISSING) return var->impute[ploidy - 1];
    return grs_pgs_effect((double)d / (double)GRS_DOSAGE_ONE, ploidy, var->flip, var->model);
}

/* ---- exact accumulation and the per-thread work of the CUDA kernel ----------------------- */

/** a·b and a+b rounded once each, never contracted into an FMA: the device code then performs
 *  exactly the operations of the CPU reference (compiled with -ffp-contract=off). */
GRS_HD double grs_mul_rn(double a, double b)
{
#ifdef __CUDA_ARCH__
    return __dmul_rn(a, b);
#else
    return a * b;
#endif
}
GRS_HD double grs_add_rn(double a, double b)
{
#ifdef __CUDA_ARCH__
    return __dadd_rn(a, b);
#else
    return a + b;
#endif
}

/** a += floor(x · 2^64) · 2^-64: a chunk partial onto the fixed-point grid (|x| < 2^62).
 *  The same conversion as the CPU reference's, written with 64-bit halves so both compilers
 *  produce identical bits (tested against the __int128 version). */
GRS_HD void grs_fix128_add_double(grs_fix128_t *a, double x)
{
    int64_t hi = (int64_t)x;                        /* truncation toward zero ...          */
    hi -= (double)hi > x ? 1 : 0;                   /* ... then down to the floor          */
    uint64_t lo = (uint64_t)((x - (double)hi) * 18446744073709551616.0);   /* fraction · 2^64 */
    uint64_t nlo = a->lo + lo;
    a->hi = (int64_t)((uint64_t)a->hi + (uint64_t)hi + (nlo < lo ? 1u : 0u));
    a->lo = nlo;
}

/** a += b (two's complement, exact). */
GRS_HD void grs_fix128_add_to(grs_fix128_t *a, grs_fix128_t b)
{
    uint64_t nlo = a->lo + b.lo;
    a->hi = (int64_t)((uint64_t)a->hi + (uint64_t)b.hi + (nlo < b.lo ? 1u : 0u));
    a->lo = nlo;
}

/** Variants per shared-memory tile of the CUDA kernel (grs_pgs_load_tile). */
#define GRS_PGS_TILE_V 128

/**
 * Copy the descriptors of variants [t0, t0+tv) and their weights for scores k0 .. k0+KT-1 into
 * a tile: tile_vars[i] = vars[t0+i], tile_w[i*KT + k] = W[(t0+i)*ldw + k0 + k]. Elements
 * first, first+stride, ... are copied by this caller: on the GPU every thread of a block takes
 * its share (first = threadIdx.x, stride = blockDim.x) into shared memory; the CPU replay copies
 * all (0, 1). The tile then feeds grs_pgs_group() with ldw = KT, k0 = 0, v in [0, tv): the same
 * operands in the same order, so the sums are unchanged.
 */
GRS_HD void grs_pgs_load_tile(const grs_pgs_var_t *GRS_RESTRICT vars, const double *GRS_RESTRICT W,
                              int64_t ldw, int64_t t0, int tv, int64_t k0, int KT,
                              grs_pgs_var_t *GRS_RESTRICT tile_vars, double *GRS_RESTRICT tile_w,
                              int first, int stride)
{
    for (int i = first; i < tv; i += stride) tile_vars[i] = vars[t0 + i];
    for (int i = first; i < tv * KT; i += stride) tile_w[i] = W[(t0 + i / KT) * ldw + k0 + i % KT];
}

/**
 * The work of one CUDA thread over variants [v0, v1) of a staged block: the four samples
 * 4g .. 4g+3 (one genotype byte) and the KT scores k0 .. k0+KT-1.
 *   acc[j*KT + k]  += W[v][k0+k] · e(v, 4g+j)      summed in variant order, each product and
 *                                                   sum rounded once (the CPU K=1 order)
 *   ct[j], named[j] += allele count / effect dosage of present calls (when count != 0)
 * vars[] hold pointers valid where this runs (device pointers on the GPU); W is variant-major
 * with row length ldw. Samples past n_samples (row padding) are computed but never stored.
 * KT is a compile-time constant at every call site, so acc stays in registers.
 * skip_plain != 0: variants with neither dosage nor haploid row ("plain") add no products (the
 * integer tensor-core path, grs_pgs_tc_*, has summed them); their calls are still counted.
 */
GRS_HD void grs_pgs_group(const grs_pgs_var_t *GRS_RESTRICT vars, const double *GRS_RESTRICT W,
                          int64_t ldw, int64_t v0, int64_t v1, int64_t g, int64_t n_samples,
                          int64_t k0, int KT, double *GRS_RESTRICT acc, int count,
                          int64_t *GRS_RESTRICT ct, double *GRS_RESTRICT named, int skip_plain)
{
    int64_t ns = n_samples - 4 * g;
    if (ns > 4) ns = 4;
    for (int64_t v = v0; v < v1; v++) {
        const grs_pgs_var_t *var = &vars[v];
        double e[4];
        if (!var->dosage && !var->haploid) {
            if (skip_plain && !count) continue;   /* its products are the integer path's */
            uint32_t b = ((const uint8_t *)var->codes)[g];
            for (int j = 0; j < 4; j++) {
                uint32_t c = (b >> (2 * j)) & 3u;
                e[j] = grs_pgs_code_value(c, 2, var);
                if (count && j < ns && c != GRS_GENO_MISSING) {
                    ct[j] += 2;
                    named[j] += var->flip ? (double)(2 - c) : (double)c;
                }
            }
            if (skip_plain) continue;
        } else {
            for (int j = 0; j < 4; j++) {
                int64_t s = 4 * g + j;
                if (j >= ns) { e[j] = 0.0; continue; }
                int ploidy = grs_geno_is_haploid(var->haploid, s) ? 1 : 2;
                double d = -1.0;
                if (var->dosage) {
                    e[j] = grs_pgs_dosage_value(var->dosage[s], ploidy, var);
                    if (var->dosage[s] != GRS_DOSAGE_MISSING) d = var->dosage[s] / (double)GRS_DOSAGE_ONE;
                } else {
                    uint32_t c = grs_geno_code(var->codes, s);
                    e[j] = grs_pgs_code_value(c, ploidy, var);
                    if (c != GRS_GENO_MISSING) d = (double)c;
                }
                if (count && d >= 0.0) {
                    ct[j] += ploidy;
                    named[j] += var->flip ? (double)ploidy - d : d;
                }
            }
        }
        const double *w = W + v * ldw + k0;
        for (int k = 0; k < KT; k++) {
            double wk = w[k];
            if (wk == 0.0) continue;             /* as the CPU: a zero weight adds nothing */
            for (int j = 0; j < 4; j++) acc[j * KT + k] = grs_add_rn(acc[j * KT + k], grs_mul_rn(wk, e[j]));
        }
    }
}

/* ---- the integer tensor-core path for many scores (kernels/pgs_tc.cu) ---------------------
 *
 * For a "plain" variant (no dosage plane, no haploid row) and a diploid call, e(v, s) is either
 * a small integer (0, 1, 2 after flip and model) or, when the call is missing, the variant's
 * imputed value. So per sample
 *     Σ_v W[v][k]·e(v, s) = Σ_v e_int(v, s)·W[v][k] + Σ_v miss(v, s)·(W[v][k]·impute[1])
 * with e_int ∈ {0,1,2} (0 when missing) and miss ∈ {0,1}: a product of an exact int8 matrix
 * (two rows per variant) with a weight matrix. The weights of score k are quantized once to
 * integers q = round(w · scale[k]), |q| < 2^29 (scale[k] a power of two from the score's
 * largest |W| and |W·impute|), and q is split into four balanced int8 limbs,
 * q = l0 + 2^8·l1 + 2^16·l2 + 2^24·l3, l_i ∈ [-128, 127]. Four int8 MMAs with int32
 * accumulation then give every limb's sum EXACTLY (|sum| ≤ 2·127·rows < 2^31 for a chunk), in
 * any order: the result is independent of the MMA's internal order, reproducible bit for bit on
 * the CPU (tests/unit/test_pgs_device.c), and its only error is the quantization, at most
 * 2^-30 of the score's largest weight per term. */

/** Score groups of at least this many scores may take the integer path (GRS_CUDA_TC=1). */
#define GRS_PGS_TC_MIN_SCORES 32

/** Power of two for a score whose largest |weight| (and |weight·impute|) is maxabs:
 *  maxabs·scale < 2^29. 1 for maxabs 0 or non-finite. */
GRS_HD double grs_pgs_tc_scale(double maxabs)
{
    if (!(maxabs > 0.0) || maxabs > 1e300) return 1.0;
    double sc = 1.0;
    while (maxabs * sc >= 536870912.0) sc *= 0.5;           /* 2^29 */
    while (maxabs * sc * 2.0 < 536870912.0) sc *= 2.0;
    return sc;
}

/** Quantize w·scale to an integer and split it into four balanced int8 limbs. */
GRS_HD void grs_pgs_tc_limbs(double w, double scale, int8_t limb[4])
{
    double xr = w * scale;                                    /* exact: scale is 2^k */
    int64_t q = (int64_t)(xr >= 0.0 ? xr + 0.5 : xr - 0.5);   /* round half away from zero */
    for (int l = 0; l < 4; l++) {
        int64_t r = ((q + 128) & 255) - 128;                  /* in [-128, 127], q ≡ r mod 256 */
        limb[l] = (int8_t)r;
        q = (q - r) / 256;                                    /* exact */
    }
}

/** Whether variant v runs on the integer path. */
GRS_HD int grs_pgs_is_plain(const grs_pgs_var_t *var) { return !var->dosage && !var->haploid; }

/** The two int8 A-matrix entries of sample s at variant v: {e_int, miss}, or {0, 0} when the
 *  variant is not plain or s is past the last sample. */
GRS_HD void grs_pgs_tc_decode(const grs_pgs_var_t *var, int64_t s, int64_t n_samples, int8_t x[2])
{
    x[0] = 0;
    x[1] = 0;
    if (s >= n_samples || !grs_pgs_is_plain(var)) return;
    uint32_t c = grs_geno_code(var->codes, s);
    if (c == GRS_GENO_MISSING) x[1] = 1;
    else x[0] = (int8_t)grs_pgs_effect((double)c, 2, var->flip, var->model);
}

/** The B-matrix limbs of row `row` (2i: e rows, 2i+1: miss rows) of variant var for weight w. */
GRS_HD void grs_pgs_tc_entry(const grs_pgs_var_t *var, double w, int miss_row, double scale, int8_t limb[4])
{
    if (!grs_pgs_is_plain(var)) w = 0.0;
    else if (miss_row) w *= var->impute[1];
    grs_pgs_tc_limbs(w, scale, limb);
}

/** Combine the four exact limb sums of a chunk into its value (put on the fixed-point grid
 *  with grs_fix128_add_double, apart from the fp64 partial of the other variants). */
GRS_HD double grs_pgs_tc_value(int32_t a0, int32_t a1, int32_t a2, int32_t a3, double scale)
{
    int64_t v = (int64_t)a0 + 256 * (int64_t)a1 + 65536 * (int64_t)a2 + 16777216 * (int64_t)a3;
    return (double)v / scale;                                 /* |v| < 2^53: exact, then 2^-k */
}

#ifdef __cplusplus
}
#endif
#endif /* GRS_PGS_H */
