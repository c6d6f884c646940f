/* pgs.c -- CPU reference for polygenic scores: S = Gᵀ·W on the packed 2-bit matrix.
 *
 * This file is the specification the CUDA kernels are checked against, and the production path
 * when no GPU is present. The arithmetic per genotype lives in grs/pgs.h (GRS_HD functions);
 * this file only organises loops, threads and the exact accumulation.
 *
 * What is computed (grs/pgs.h):
 *     acc[s][k]     += Σ_v W[v][k] · e(v, s)        e: effect dosage after model / imputation
 *     allele_ct[s]  += Σ_v ploidy(v, s) · [call present]
 *     named_dosage[s]+= Σ_v effect dosage(v, s) · [call present]   (before the model)
 *
 * Loop structure:
 *   threads   — each thread owns a contiguous range of samples (results per sample never mix
 *               across threads, so the thread count cannot change a result);
 *   chunks    — matched variants are taken GRS_PGS_CHUNK (4096) at a time; within a chunk each
 *               sample's partial sum is a double summed in variant order; the chunk partial
 *               is then added to a 128-bit fixed-point accumulator (exact, associative);
 *   paths     — K == 1: a per-variant 256-entry table maps one genotype byte (4 samples) to
 *               4 weighted values, so the inner loop is one 32-byte load-add per 4 samples;
 *               K >= 2: the chunk is decoded into a dense tile X (chunk × samples, doubles) and
 *               multiplied by the chunk's weights with OpenBLAS dgemm (one BLAS thread per
 *               grs thread, so the BLAS reduction order is fixed too);
 *               rows with a dosage plane or haploid samples take a per-sample path.
 *   counts    — allele_ct and named_dosage are exact small integers (named dosage in units of
 *               1/16384) accumulated in 16-bit lanes four samples at a time.
 */
#include "reference.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "grs/log.h"
#include "grs/status.h"

typedef __int128 fix128_t;

/* Fixed-point conversion of a chunk partial: floor(x · 2^64). Deterministic for a given
 * double; |x| < 2^62 is far beyond any score. */
static inline fix128_t to_fix(double x)
{
    /* floor(x) and the fraction scaled by 2^64, each converted by one hardware instruction:
     * libgcc's generic double→int128 conversion was a third of the K=100 run time. */
    int64_t hi = (int64_t)x;                 /* truncation, then down to the floor */
    hi -= (double)hi > x;
    uint64_t lo = (uint64_t)((x - (double)hi) * 0x1p64);
    return (fix128_t)(((unsigned __int128)(uint64_t)hi << 64) | lo);
}
static inline fix128_t load_fix(grs_fix128_t a) { return (fix128_t)(((unsigned __int128)(uint64_t)a.hi << 64) | a.lo); }
static inline grs_fix128_t store_fix(fix128_t a)
{
    grs_fix128_t r;
    r.lo = (uint64_t)a;
    r.hi = (int64_t)(a >> 64);
    return r;
}

/* Number of samples decoded per GEMM tile, and per outer block (see the header comment). */
#define TILE_SAMPLES  256
#define OUTER_SAMPLES 2048

typedef struct {
    const grs_pgs_problem_t *p;
    grs_pgs_result_t *r;
    int64_t s0, s1;          /* this thread's samples [s0, s1); s0 % 4 == 0 */
    int ret;
} job_t;

/* e(v, s) for one sample, any row kind: the slow, obviously-correct path. */
static inline double value_at(const grs_pgs_var_t *var, int64_t s)
{
    int ploidy = grs_geno_is_haploid(var->haploid, s) ? 1 : 2;
    if (var->dosage) return grs_pgs_dosage_value(var->dosage[s], ploidy, var);
    return grs_pgs_code_value(grs_geno_code(var->codes, s), ploidy, var);
}

/* the four values e(code) for a diploid hard-call row */
static inline void code_values(const grs_pgs_var_t *var, double val[4])
{
    for (uint32_t c = 0; c < 4; c++) val[c] = grs_pgs_code_value(c, 2, var);
}

/* Decode samples [s0, s1) of a variant into x[0 .. s1-s0). s0 is a multiple of 4. */
static void decode_row(const grs_pgs_var_t *var, int64_t s0, int64_t s1, double *GRS_RESTRICT x)
{
    if (var->dosage || var->haploid) {
        for (int64_t s = s0; s < s1; s++) x[s - s0] = value_at(var, s);
        return;
    }
    double val[4];
    code_values(var, val);
    const uint8_t *row = (const uint8_t *)var->codes;
    int64_t s = s0;
    for (; s + 4 <= s1; s += 4) {
        uint32_t b = row[s >> 2];
        double *o = x + (s - s0);
        o[0] = val[b & 3]; o[1] = val[(b >> 2) & 3]; o[2] = val[(b >> 4) & 3]; o[3] = val[b >> 6];
    }
    for (; s < s1; s++) x[s - s0] = val[grs_geno_code(var->codes, s)];
}

/* ---- K == 1 ------------------------------------------------------------------------------ */
/* Lane tables for allele counts and named-allele dosage of a diploid hard-call byte: 4 samples,
 * one per 16-bit lane (see count_rows). */
typedef struct {
    uint64_t ct[256], named[2][256];
} count_lut_t;

static void count_lut_init(count_lut_t *t)
{
    for (int b = 0; b < 256; b++) {
        t->ct[b] = t->named[0][b] = t->named[1][b] = 0;
        for (int i = 0; i < 4; i++) {
            uint64_t c = (b >> (2 * i)) & 3;
            if (c == GRS_GENO_MISSING) continue;
            t->ct[b] |= (uint64_t)2 << (16 * i);
            t->named[0][b] |= c << (16 * i);
            t->named[1][b] |= (2 - c) << (16 * i);
        }
    }
}

/* Add the 16-bit lanes of nb bytes (4 samples each) into the counters and clear them. */
static void flush_lanes(uint64_t *lane_ct, uint64_t *lane_nm, int64_t nb, int64_t *allele_ct, double *named)
{
    for (int64_t i = 0; i < nb; i++) {
        for (int j = 0; j < 4; j++) {
            allele_ct[4 * i + j] += (lane_ct[i] >> (16 * j)) & 0xffff;
            named[4 * i + j] += (double)((lane_nm[i] >> (16 * j)) & 0xffff);
        }
    }
    memset(lane_ct, 0, nb * 8);
    memset(lane_nm, 0, nb * 8);
}

/* Per-sample counting of one row (dosage, haploid or tail samples): exact in double. */
static void count_row_slow(const grs_pgs_var_t *var, int64_t s0, int64_t s1, int64_t base,
                           int64_t *allele_ct, double *named)
{
    for (int64_t s = s0; s < s1; s++) {
        int ploidy = grs_geno_is_haploid(var->haploid, s) ? 1 : 2;
        double d;
        if (var->dosage) {
            if (var->dosage[s] == GRS_DOSAGE_MISSING) continue;
            d = var->dosage[s] / (double)GRS_DOSAGE_ONE;
        } else {
            uint32_t c = grs_geno_code(var->codes, s);
            if (c == GRS_GENO_MISSING) continue;
            d = c;
        }
        allele_ct[s - base] += ploidy;
        named[s - base] += var->flip ? ploidy - d : d;
    }
}

/* K == 1, with the allele counts fused into the same pass over the rows when ct/nm are given
 * (the genotype bytes are read once). */
static void score_one(const grs_pgs_problem_t *p, int64_t s0, int64_t s1, fix128_t *acc, double *part,
                      double (*lut)[4], int64_t *ct, double *nm, uint64_t *lane_ct, uint64_t *lane_nm,
                      const count_lut_t *cl)
{
    int64_t n = s1 - s0, nb = n / 4, pending = 0;
    int count = ct && nm;
    for (int64_t c0 = 0; c0 < p->n_vars; c0 += GRS_PGS_CHUNK) {
        int64_t c1 = c0 + GRS_PGS_CHUNK < p->n_vars ? c0 + GRS_PGS_CHUNK : p->n_vars;
        memset(part, 0, n * sizeof(double));
        for (int64_t v = c0; v < c1; v++) {
            const grs_pgs_var_t *var = &p->vars[v];
            double w = p->weights[v];
            if (var->dosage || var->haploid) {
                if (count) count_row_slow(var, s0, s1, s0, ct, nm);
                if (w != 0.0)
                    for (int64_t s = s0; s < s1; s++) part[s - s0] += w * value_at(var, s);
                continue;
            }
            if (count) {
                const uint8_t *row = (const uint8_t *)var->codes + s0 / 4;
                const uint64_t *ln = cl->named[var->flip ? 1 : 0];
                if (w == 0.0)
                    for (int64_t i = 0; i < nb; i++) { lane_ct[i] += cl->ct[row[i]]; lane_nm[i] += ln[row[i]]; }
                else {
                    double val[4];
                    code_values(var, val);
                    for (int c = 0; c < 4; c++) val[c] *= w;
                    for (int b = 0; b < 256; b++) {
                        lut[b][0] = val[b & 3]; lut[b][1] = val[(b >> 2) & 3];
                        lut[b][2] = val[(b >> 4) & 3]; lut[b][3] = val[b >> 6];
                    }
                    double *GRS_RESTRICT o = part;
                    for (int64_t i = 0; i < nb; i++, o += 4) {
                        uint32_t b = row[i];
                        const double *l = lut[b];
                        o[0] += l[0]; o[1] += l[1]; o[2] += l[2]; o[3] += l[3];
                        lane_ct[i] += cl->ct[b];
                        lane_nm[i] += ln[b];
                    }
                    for (int64_t s = s0 + nb * 4; s < s1; s++) part[s - s0] += val[grs_geno_code(var->codes, s)];
                }
                count_row_slow(var, s0 + nb * 4, s1, s0, ct, nm);
                if (++pending == 16000) { flush_lanes(lane_ct, lane_nm, nb, ct, nm); pending = 0; }
                continue;
            }
            if (w == 0.0) continue;
            double val[4];
            code_values(var, val);
            for (int c = 0; c < 4; c++) val[c] *= w;
            for (int b = 0; b < 256; b++) {
                lut[b][0] = val[b & 3]; lut[b][1] = val[(b >> 2) & 3];
                lut[b][2] = val[(b >> 4) & 3]; lut[b][3] = val[b >> 6];
            }
            const uint8_t *row = (const uint8_t *)var->codes;
            int64_t s = s0;
            double *GRS_RESTRICT o = part;
            for (; s + 4 <= s1; s += 4, o += 4) {
                const double *l = lut[row[s >> 2]];
                o[0] += l[0]; o[1] += l[1]; o[2] += l[2]; o[3] += l[3];
            }
            for (; s < s1; s++) part[s - s0] += val[grs_geno_code(var->codes, s)];
        }
        for (int64_t i = 0; i < n; i++) acc[i] += to_fix(part[i]);
    }
    if (count && pending) flush_lanes(lane_ct, lane_nm, nb, ct, nm);
}

/* ---- K >= 2 ------------------------------------------------------------------------------
 * Within a chunk, each tile of samples is multiplied sub-chunk by sub-chunk (SUBCHUNK variants,
 * dgemm with beta = 1 accumulating into `part`), so the decoded tile stays in cache; the chunk
 * partial is converted to fixed point once per chunk. */
#define SUBCHUNK 1024

static void score_many(const grs_pgs_problem_t *p, int64_t s0, int64_t s1, fix128_t *acc,
                       double *tile, double *part)
{
    const int64_t K = p->n_scores;
    for (int64_t b0 = s0; b0 < s1; b0 += OUTER_SAMPLES) {            /* outer sample block */
        int64_t b1 = b0 + OUTER_SAMPLES < s1 ? b0 + OUTER_SAMPLES : s1;
        for (int64_t c0 = 0; c0 < p->n_vars; c0 += GRS_PGS_CHUNK) {  /* exact chunks */
            int64_t c1 = c0 + GRS_PGS_CHUNK < p->n_vars ? c0 + GRS_PGS_CHUNK : p->n_vars;
            for (int64_t t0 = b0; t0 < b1; t0 += TILE_SAMPLES) {      /* tiles in cache */
                int64_t nt = (t0 + TILE_SAMPLES < b1 ? t0 + TILE_SAMPLES : b1) - t0;
                for (int64_t u0 = c0; u0 < c1; u0 += SUBCHUNK) {
                    int64_t nu = (u0 + SUBCHUNK < c1 ? u0 + SUBCHUNK : c1) - u0;
                    for (int64_t v = 0; v < nu; v++) decode_row(&p->vars[u0 + v], t0, t0 + nt, tile + v * nt);
                    /* part[nt × K] (+)= tileᵀ[nt × nu] · W[u0 .. u0+nu][K] */
                    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nt, (int)K, (int)nu, 1.0,
                                tile, (int)nt, p->weights + u0 * K, (int)K, u0 == c0 ? 0.0 : 1.0, part, (int)K);
                }
                fix128_t *a = acc + (t0 - s0) * K;
                for (int64_t i = 0; i < nt * K; i++) a[i] += to_fix(part[i]);
            }
        }
    }
}

/* ---- allele counts and named-allele dosage ------------------------------------------------
 * 16-bit lanes: lut[b] holds the 4 samples' contributions of byte b, one per 16-bit lane.
 * Named dosage of a hard call is an integer (0..2); dosage rows are exact multiples of 1/16384
 * and go through the per-sample path in double (exact: far below 2^53). */
static void count_rows(const grs_pgs_problem_t *p, int64_t s0, int64_t s1, int64_t *allele_ct,
                       double *named, uint64_t *lane_ct, uint64_t *lane_nm, const count_lut_t *cl)
{
    int64_t nb = (s1 - s0) / 4, pending = 0;     /* whole bytes; a tail is done per sample */
    for (int64_t v = 0; v < p->n_vars; v++) {
        const grs_pgs_var_t *var = &p->vars[v];
        if (var->dosage || var->haploid) {
            count_row_slow(var, s0, s1, s0, allele_ct, named);
            continue;
        }
        const uint8_t *row = (const uint8_t *)var->codes + s0 / 4;
        const uint64_t *ln = cl->named[var->flip ? 1 : 0];
        for (int64_t i = 0; i < nb; i++) { lane_ct[i] += cl->ct[row[i]]; lane_nm[i] += ln[row[i]]; }
        count_row_slow(var, s0 + nb * 4, s1, s0, allele_ct, named);
        if (++pending == 16000) {                     /* 16000 × 2 < 65536: flush lanes */
            flush_lanes(lane_ct, lane_nm, nb, allele_ct, named);
            pending = 0;
        }
    }
    if (pending) flush_lanes(lane_ct, lane_nm, nb, allele_ct, named);
}

static void *worker(void *arg)
{
    job_t *j = (job_t *)arg;
    const grs_pgs_problem_t *p = j->p;
    int64_t n = j->s1 - j->s0, K = p->n_scores, nb = n / 4 + 1;
    int count = j->r->allele_ct || j->r->named_dosage;
    fix128_t *acc = NULL;
    double *part = NULL, *tile = NULL, (*lut)[4] = NULL, *nm = NULL;
    int64_t *ct = NULL;
    uint64_t *lane_ct = NULL, *lane_nm = NULL;
    count_lut_t *cl = NULL;

    j->ret = GRS_ENOMEM;
    if (n <= 0) { j->ret = GRS_OK; return NULL; }
    if (!(acc = (fix128_t *)malloc(n * K * sizeof(fix128_t)))) goto done;
    if (count && (!(ct = (int64_t *)calloc(n, sizeof(int64_t))) || !(nm = (double *)calloc(n, sizeof(double)))
                  || !(lane_ct = (uint64_t *)calloc(nb, 8)) || !(lane_nm = (uint64_t *)calloc(nb, 8))
                  || !(cl = (count_lut_t *)malloc(sizeof(*cl)))))
        goto done;
    if (cl) count_lut_init(cl);
    for (int64_t i = 0; i < n * K; i++) acc[i] = load_fix(j->r->acc[j->s0 * K + i]);
    if (K == 1) {
        if (!(part = (double *)malloc(n * sizeof(double))) || !(lut = (double (*)[4])malloc(256 * sizeof(*lut))))
            goto done;
        score_one(p, j->s0, j->s1, acc, part, lut, ct, nm, lane_ct, lane_nm, cl);
    } else {
        if (!(part = (double *)malloc(TILE_SAMPLES * K * sizeof(double)))
            || !(tile = (double *)malloc((size_t)SUBCHUNK * TILE_SAMPLES * sizeof(double))))
            goto done;
        score_many(p, j->s0, j->s1, acc, tile, part);
        if (count) count_rows(p, j->s0, j->s1, ct, nm, lane_ct, lane_nm, cl);
    }
    for (int64_t i = 0; i < n * K; i++) j->r->acc[j->s0 * K + i] = store_fix(acc[i]);
    if (count) {
        for (int64_t i = 0; i < n; i++) {
            if (j->r->allele_ct) j->r->allele_ct[j->s0 + i] += ct[i];
            if (j->r->named_dosage) j->r->named_dosage[j->s0 + i] += nm[i];
        }
    }
    j->ret = GRS_OK;
done:
    free(acc); free(part); free(tile); free(lut);
    free(ct); free(nm); free(lane_ct); free(lane_nm); free(cl);
    return NULL;
}

int grs_ref_pgs(const grs_pgs_problem_t *p, grs_pgs_result_t *r)
{
    int T = p->n_threads > 0 ? p->n_threads : 1, ret = GRS_OK;
    job_t *jobs;
    pthread_t *th;

    if (p->n_samples <= 0) return GRS_OK;
    if (T > 1 && p->n_samples < 64 * T) T = (int)((p->n_samples + 63) / 64);
    jobs = (job_t *)calloc(T, sizeof(job_t));
    th = (pthread_t *)calloc(T, sizeof(pthread_t));
    if (!jobs || !th) { free(jobs); free(th); return GRS_ENOMEM; }
    /* one BLAS thread per grs thread: the BLAS reduction order must not depend on T */
    openblas_set_num_threads(1);
    int64_t per = (p->n_samples + T - 1) / T;
    per = (per + 3) / 4 * 4;                         /* whole genotype bytes per thread */
    for (int t = 0; t < T; t++) {
        jobs[t].p = p;
        jobs[t].r = r;
        jobs[t].s0 = t * per < p->n_samples ? t * per : p->n_samples;
        jobs[t].s1 = (t + 1) * per < p->n_samples ? (t + 1) * per : p->n_samples;
    }
    if (T == 1) worker(&jobs[0]);
    else {
        int started = 0;
        for (int t = 0; t < T; t++, started++)
            if (pthread_create(&th[t], NULL, worker, &jobs[t]) != 0) { jobs[t].ret = GRS_ENOMEM; break; }
        for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
    }
    for (int t = 0; t < T; t++) if (jobs[t].ret < 0) ret = jobs[t].ret;
    free(jobs);
    free(th);
    if (ret < 0) grs_log_error("scoring failed: %s", grs_strerror(ret));
    return ret;
}
