/* simulate.h -- seeded synthetic cohorts for demos, tests and benchmarks (grs simulate).
 *
 * ---------------------------------------------------------------------------------------
 * The model (every number below is a pure function of --seed and the index it belongs to, so
 * the output is identical for any --threads value and any work split)
 *
 * Randomness: counter-based. A stream key is mix64(seed-derived tag key + (index+1)·φ) and draw
 *   j of a stream is mix64(key + (j+1)·φ) (splitmix64's finaliser, φ = 0x9E3779B97F4A7C15).
 *   The hot draw, variant v's value for haplotype H, is wyrand's output function at counter H
 *   of the variant's key (one 64×64→128-bit multiply): bits 0-15 decide keep/redraw, bits
 *   32-63 are the new latent value, bits 16-31 decide missingness (first haplotype) and a
 *   fractional DS (second haplotype).
 * Layout: variants are spread over chromosomes 1..C (--chromosomes, default 22) in proportion
 *   to their GRCh38 lengths; within a chromosome the n variants sit in n equal slots of
 *   floor(length/n) bp, one at a random offset in each slot (strictly increasing positions).
 *   IDs are rs<v+1>. REF is uniform over ACGT; ALT is a transition with probability 2/3, else a
 *   transversion (so ~1/6 of SNPs are strand-ambiguous A/T or C/G; causal variants never are,
 *   so that the scoring file matches fully under default matching rules).
 * Populations (Balding–Nichols): ancestral ALT frequency p ~ U(0.05, 0.5); population k's
 *   frequency p_k ~ Beta(p(1-F)/F, (1-p)(1-F)/F) with F = --fst (default 0.05); F = 0 gives
 *   p_k = p. Samples are split into P contiguous, near-equal populations POP1..POPP.
 * LD: a latent-uniform Markov copying copula along each haplotype. Haplotype H carries a latent
 *   U_H(v) ~ U(0,1); at each variant it keeps U_H(v-1) with probability κ (--ld, default 0.8)
 *   and draws a fresh uniform otherwise; its allele is ALT iff U_H(v) < p_k(v). Marginal
 *   frequencies are exactly p_k, and two neighbouring variants share the latent value with
 *   probability κ, so allele correlation decays like κ^distance (in variants, not bp, so
 *   that any density shows LD). κ is 0 at each chromosome start and at "recombination
 *   hotspots" (1% of variants), which cut the genome into independent LD blocks. A job that
 *   starts at variant v finds U_H(v-1) by walking back to the last redraw (1/(1-κ) steps
 *   expected), which is what makes variant ranges independent and parallel. (Chosen over a
 *   Gaussian AR(1) copula: no normal draw per genotype, integer-only, exact marginals.)
 * Calls: GT is the true genotype, or ./. with probability --missing-rate (default 0.005).
 *   With --dosage, DS is the true ALT count, except for a fraction --dosage-frac (default
 *   0.2) of calls whose DS is moved towards the neighbouring genotype by e ~ U{0.001..0.499}
 *   (3 decimals), as imputed dosages are; round(DS) is always the GT.
 * Genetic architecture: K causal variants (--score-variants, default min(M, 1000)), one drawn
 *   uniformly in each of K equal strata of the variant index. Raw per-ALT-allele effects
 *   b_k ~ N(0,1); G_i = Σ b_k x_ik over TRUE genotypes (missingness and dosage noise are
 *   observation error). g_i = (G_i - mean G)·sqrt(h2)/sd(G), so var(g) = h2 (--h2, default 0.5)
 *   in the cohort. The scoring file's effect_weight is b_k·sqrt(h2)/sd(G), hence a sample's
 *   PGS sum is g_i + const (the constant is sim.json's realised.pgs_sum_minus_genetic_value).
 *   Rows with k % 50 == 25 are written with effect allele = REF and the weight negated (our
 *   matcher, in pgsc_calc's vocabulary, reports them as refalt and the others as altref).
 * Traits: covariate and population effects c_i = 0.2·(pop index, 0-based) + 0.3·[male]
 *   + 0.02·(age - 55); trait_qt = g + e_q + c, e_q ~ N(0, 1-h2), so h2 is the variance of
 *   trait_qt explained by g once c is removed. Liability = g + e_l + c, e_l ~ N(0, 1-h2)
 *   independent of e_q; the round(K·N) samples with the highest liability are cases
 *   (--prevalence K, default 0.1). trait_bin uses PLINK coding: 1 = control, 2 = case.
 * Covariates: sex 1 = male, 2 = female (each 1/2); age uniform integer 40..70; PC1..PC4 =
 *   (population centroid ~ N(0,1) + N(0, 0.25²)) / sqrt(N), a stand-in for ancestry PCs.
 * Omics (--omics-features F, default 200): features 1..F/4 are "cis": a_f·z_x + N(0,1) with
 *   z_x the standardised true ALT count of one variant (stratified over the genome) and |a_f| ~
 *   U(0.3, 1); the next F/4 are trait-driven: b_f·z + N(0,1) with z the standardised
 *   liability (odd f) or trait_qt (even f) and |b_f| ~ U(0.2, 0.6); the rest are N(0,1) noise.
 *   Each feature is then shifted and scaled (mean ~ N(5, 2²), scale ~ U(0.5, 2)) and ~1% of
 *   cells are NA. Which feature is which is recorded in PREFIX.sim.json.
 * ---------------------------------------------------------------------------------------
 * Outputs of grs_sim_run (each written to a temporary name; all renamed only when all are
 * complete): PREFIX.vcf.gz (BGZF) or PREFIX.bcf, PREFIX.pgs.txt, PREFIX.pheno.tsv,
 * PREFIX.covar.tsv, PREFIX.truth.tsv, PREFIX.omics.tsv.gz (F > 0) and PREFIX.sim.json.
 * Speed: VCF lines are formatted here, not through bcf_update_*, and compressed by htslib's
 * BGZF writer on the --threads pool at level 1 for N·M >= 1e8 (--compress-level). On the
 * project's 2-core machine, 20,000 × 200,000 (--threads 2, 1.6 GB) measured 103 CPU-seconds
 * (perf: ~40% generation and formatting, ~50% deflate) and 190 s wall while the machine was
 * shared (load average ~9); peak RSS 78 MB.
 */
#ifndef GRS_HOST_SIMULATE_H
#define GRS_HOST_SIMULATE_H

#include <stdint.h>

#include "grs/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRS_SIM_MAX_CHROM 22   /* autosomes 1..22 */
#define GRS_SIM_MAX_POPS 64

enum grs_sim_format {
    GRS_SIM_VCF = 0,   /* PREFIX.vcf.gz, text lines built here, BGZF-compressed in a thread pool */
    GRS_SIM_BCF = 1,   /* PREFIX.bcf through htslib's BCF writer                                   */
};

/** Everything that defines a cohort (and how it is written). grs_sim_opts_init sets defaults. */
typedef struct grs_sim_opts_t {
    int64_t n_samples;      /* N (>= 1)                                                     */
    int64_t n_variants;     /* M (>= 1)                                                     */
    int64_t n_score;        /* K causal variants; -1 = min(M, 1000)                         */
    int n_pops;             /* P, 1..min(N, GRS_SIM_MAX_POPS)                               */
    int n_chrom;            /* C, 1..22                                                     */
    int n_omics;            /* omics features F (0 = no omics file)                         */
    uint64_t seed;
    double fst;             /* Balding–Nichols F, [0, 1)                                    */
    double ld;              /* κ, probability of keeping the latent value, [0, 1]           */
    double missing_rate;    /* [0, 1)                                                       */
    double dosage_frac;     /* fraction of fractional DS values, [0, 1]                     */
    double h2;              /* [0, 1]                                                       */
    double prevalence;      /* (0, 1)                                                       */
    int dosage;             /* write DS                                                     */
    int phased;             /* write GT as a|b                                              */
    int format;             /* enum grs_sim_format                                          */
    int compress_level;     /* 0..9; -1: 1 for N·M >= 1e8, else 6                           */
    int threads;            /* >= 1: generation jobs and BGZF compression share one pool   */
    const char *out;        /* PREFIX                                                       */
    const char *version;    /* recorded in ##source and sim.json (may be NULL)              */
} grs_sim_opts_t;

/** What a run produced (for the summary line). */
typedef struct grs_sim_summary_t {
    int64_t n_cases, n_causal, n_swapped, n_missing_calls;
    double var_G_raw;       /* variance of the raw genetic value before scaling              */
    double realised_h2;     /* squared correlation of trait_qt - covariate effects with g    */
    double seconds_genotypes;
} grs_sim_summary_t;

/** The model, initialised from options: chromosome table, populations, causal variants. */
typedef struct grs_sim_t grs_sim_t;

/** One variant's parameters. */
typedef struct grs_sim_var_t {
    int chrom;              /* 1..22                                                         */
    int64_t pos;            /* 1-based                                                       */
    char ref, alt;
    double p_anc;           /* ancestral ALT frequency                                       */
    double p[GRS_SIM_MAX_POPS];    /* per-population ALT frequency                           */
    uint64_t thr[GRS_SIM_MAX_POPS];/* p[k]·2^32: ALT iff latent < thr                        */
    uint32_t keep16;        /* κ·65536, 0 at chromosome starts and hotspots                  */
    uint64_t key;           /* genotype stream key                                           */
    uint64_t dkey;          /* dosage-noise stream key                                       */
    int64_t causal;         /* index k among causal variants, or -1                          */
} grs_sim_var_t;

/* Genotype codes written by grs_sim_genotypes (one byte per sample and variant). */
#define GRS_SIM_A0   1u     /* first haplotype carries ALT                                   */
#define GRS_SIM_A1   2u     /* second haplotype carries ALT                                  */
#define GRS_SIM_MISS 4u     /* the call is reported missing (./.)                            */
#define GRS_SIM_FRAC 8u     /* DS is fractional                                              */

void grs_sim_opts_init(grs_sim_opts_t *o);
/** Check ranges; on error write a message (without newline) to msg and return GRS_EINVAL. */
int grs_sim_opts_check(const grs_sim_opts_t *o, char *msg, int n_msg) GRS_RESULT_USED;

/** Build the model. @return GRS_OK, GRS_EINVAL (logged) or GRS_ENOMEM. */
int grs_sim_init(const grs_sim_opts_t *o, grs_sim_t **out) GRS_RESULT_USED;
void grs_sim_destroy(grs_sim_t *s);

/** Parameters of variant v (0 <= v < M). */
void grs_sim_variant(const grs_sim_t *s, int64_t v, grs_sim_var_t *var);
/** Codes of variants [v0, v1) for all samples into codes[(v - v0)·N + i]. Identical for any
 *  split of a range into sub-ranges. @return GRS_OK or GRS_ENOMEM. */
int grs_sim_genotypes(const grs_sim_t *s, int64_t v0, int64_t v1, uint8_t *codes) GRS_RESULT_USED;
/** DS of a non-missing call in thousandths of an allele (0..2000). */
int grs_sim_ds_milli(const grs_sim_t *s, const grs_sim_var_t *var, int64_t i, unsigned code);
/** Population (0-based) of sample i. */
int grs_sim_pop_of(const grs_sim_t *s, int64_t i);
/** The sorted causal variant indices (K of them) and their count. */
const int64_t *grs_sim_causal(const grs_sim_t *s, int64_t *n);

/** Write every output of the cohort. @return GRS_OK or a negative status (logged); on failure
 *  no output file is left. */
int grs_sim_run(const grs_sim_opts_t *o, grs_sim_summary_t *sum) GRS_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif /* GRS_HOST_SIMULATE_H */
