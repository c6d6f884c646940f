/* bam_load.h -- genotypes from aligned reads: `grs pack --bam LIST --sites F --fasta REF`.
 *
 * For every biallelic SNP site of F and every BAM/CRAM of LIST (one sample per file) the reads
 * covering the site are fetched through the file's index (never by scanning the file), piled up
 * with htslib's mpileup engine, turned into genotype likelihoods for 0, 1 and 2 ALT copies,
 * combined with a Hardy-Weinberg prior into posteriors, and written to a .grsm matrix:
 *     dosage plane  = posterior expected ALT dosage  E[G] = P(G=1) + 2 P(G=2)
 *     hard call     = the maximum-posterior genotype if its posterior >= min_gp, else missing
 *     no read       = missing in both.
 * Depth, allele depths, PL, GP and GQ of every site x sample go to PREFIX.bamqc.tsv.gz, and a
 * per-sample coverage summary to PREFIX.bamsamples.tsv.
 *
 * ---------------------------------------------------------------------------------------
 * Read and base filters (defaults are those of bcftools mpileup 1.16, each an option):
 *   - reads with any flag of skip_flags set are skipped [UNMAP,SECONDARY,QCFAIL,DUP = 0x704];
 *     supplementary alignments are kept, as bcftools keeps them;
 *   - paired reads that are not in a proper pair are skipped unless count_orphans (bcftools -A);
 *   - reads with mapping quality < min_mq are skipped [0];
 *   - overlapping mates are counted once (htslib's bam_mplp_init_overlaps, as bcftools: where the
 *     two bases agree one keeps the sum of the qualities and the other gets 0, where they differ
 *     the better keeps 0.8 x its quality and the other gets 0), unless ignore_overlaps (-x);
 *   - at most max_depth reads per file and position enter the pileup [250];
 *   - a base quality is capped at (lower neighbour's quality + delta_bq) [30], bases below
 *     min_bq are dropped [1; bcftools <= 1.12 used 13], qualities are capped at max_bq [60];
 *   - BAQ: off by default. bcftools 1.16 realigns only reads in columns with indel evidence
 *     (partial BAQ); at SNP sites of its own test data that equals no BAQ. baq = 1 realigns every
 *     read (bcftools -D) with htslib's sam_prob_realn.
 * The quality of a base in the likelihood is q = min(BQ, MQ) with MQ 255 read as 20 and MQ capped
 * at 60, then clamped to [4, 63] (so MQ-0 reads count as BQ 4): bcftools' bcf_call_glfgen.
 *
 * Genotype likelihoods (gl_model):
 *   GRS_BAM_GL_MAQ (default): htslib's errmod_cal(), the MAQ model that bcftools uses (error
 *     dependency theta = 0.83: the k-th error of the same base at a site counts for theta^k of an
 *     independent one, so deep columns do not give unlimited evidence). Same pileup, same PL.
 *   GRS_BAM_GL_SIMPLE: independent errors. With e = 10^(-q/10),
 *         P(b | allele a) = 1 - e if b == a, e/3 otherwise,
 *         P(b | G) = (1 - G/2) P(b | REF) + (G/2) P(b | ALT)      (G = ALT copies 0, 1, 2),
 *         L(G) = prod over reads P(b | G).
 *     Bases other than REF/ALT/N fit all genotypes equally (e/3) and so carry no information.
 *     Compared with MAQ it gives more confident likelihoods at deep sites (errors are treated as
 *     independent) and the same ranking at clean sites.
 *   Columns deeper than 255 reads are reduced to 255 by a shuffle seeded from the position, so
 *   the result does not depend on thread count or run (errmod's own shuffle is not).
 *
 * Prior and posterior:
 *   p = ALT frequency of the site: INFO/AF of the sites VCF, else prior_af [0.5]; clamped to
 *   [0.001, 0.999] so that reads can always overturn it. Prior (1-p)^2, 2p(1-p), p^2 (HWE).
 *   P(G | reads) = L(G) prior(G) / sum. GQ = min(99, round(-10 log10(1 - max_G P(G | reads)))).
 *   With no reads the posterior is the prior, but the call and dosage are stored as missing
 *   (the scorer's missing-data policy then applies).
 *
 * Sites (F): a VCF/BCF (biallelic SNPs; indels, multi-allelic and symbolic records are counted
 * and reported as unsupported, never genotyped), or a scoring file (grs_scorefile_read): REF is
 * read from the FASTA; the ALT is the effect or other allele that is not REF (rows whose alleles
 * do not include the REF base, or that are not single ACGT bases, are reported as unsupported).
 * REF of a VCF site must equal the FASTA base (else the site is skipped and counted). Chromosome
 * names are matched to the FASTA by exact name, then with "chr" added or removed (MT/M too).
 * Variants come out in FASTA contig order, then position, then ALT; duplicates are dropped.
 *
 * LIST: one BAM/CRAM per line, optionally a second TAB/space-separated column with the sample
 * name; otherwise the sample is the SM of the file's @RG lines (all @RG must agree). Blank lines
 * and lines starting with '#' are skipped. A relative path is taken from the current directory,
 * or else from LIST's directory. A sample listed twice is an error.
 *
 * Checks: every file must have an index (.bai/.csi/.crai; the message says `samtools index`),
 * an end-of-file marker, and a header whose @SQ lines that the FASTA also names have the FASTA's
 * lengths, sharing at least one contig with the FASTA. CRAM is decoded with the FASTA as its
 * reference (hts_set_fai_filename); a FASTA that is not the CRAM's reference fails decoding.
 *
 * Threads: files are processed in parallel, one file per worker, over chunks of sites whose
 * results are then written in site order, so the output does not depend on the thread count.
 * Memory: one chunk of sites x samples results (~16 M cells) plus, with BAQ, one contig.
 */
#ifndef GRS_BAM_LOAD_H
#define GRS_BAM_LOAD_H

#include <stdint.h>

#include "grs/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

enum grs_bam_gl_model {
    GRS_BAM_GL_MAQ = 0,     /* htslib errmod (bcftools mpileup's likelihoods)  */
    GRS_BAM_GL_SIMPLE = 1,  /* independent errors                              */
};

/** Options (strings borrowed). grs_bam_opts_init() sets the defaults. */
typedef struct grs_bam_opts_t {
    const char *list;        /* --bam LIST                                                  */
    const char *sites;       /* --sites F: VCF/BCF or scoring file                          */
    const char *fasta;       /* --fasta REF (faidx-indexed; .fai made if absent and writable) */
    int min_mq;              /* --min-MQ [0]                                                */
    int min_bq;              /* --min-BQ [1]                                                */
    int max_bq;              /* --max-BQ [60]                                               */
    int delta_bq;            /* --delta-BQ [30]                                             */
    int max_depth;           /* --max-depth, reads per file and position [250]              */
    unsigned skip_flags;     /* --skip-flags [0x704 UNMAP,SECONDARY,QCFAIL,DUP]             */
    int count_orphans;       /* --count-orphans: keep paired reads not in a proper pair     */
    int ignore_overlaps;     /* --ignore-overlaps: count both overlapping mates             */
    int baq;                 /* --baq: 0 off, 1 full (every read)                           */
    int gl_model;            /* enum grs_bam_gl_model                                       */
    double prior_af;         /* --prior-af: ALT frequency when the site has none [0.5]      */
    double min_gp;           /* --min-gp [0.9]                                              */
    int hard_calls;          /* --hard-calls: store hard calls only (no dosage plane)       */
    int threads;             /* --threads: files in parallel                                */
    const char *command;     /* recorded in META (may be NULL)                              */
} grs_bam_opts_t;

/** Counts gathered while packing. */
typedef struct grs_bam_stats_t {
    int64_t n_samples;       /* files (= samples)                                           */
    int64_t n_records;       /* records / rows read from the sites file                     */
    int64_t n_sites;         /* biallelic SNP sites genotyped (matrix rows)                 */
    int64_t n_indel;         /* indel records: unsupported, skipped                         */
    int64_t n_multiallelic;  /* records with more than one ALT: unsupported, skipped        */
    int64_t n_other;         /* symbolic / no ALT / non-ACGT alleles: unsupported, skipped  */
    int64_t n_no_contig;     /* sites on contigs absent from the FASTA, skipped             */
    int64_t n_ref_mismatch;  /* VCF REF (or scoring alleles) disagreeing with the FASTA      */
    int64_t n_duplicate;     /* duplicate sites dropped                                     */
    int64_t n_with_af;       /* sites with an allele frequency from the sites file          */
    int64_t n_covered;       /* site x sample cells with at least one read base             */
    int64_t n_called;        /* cells with a hard call (posterior >= min_gp)                */
} grs_bam_stats_t;

/** Fill o with the defaults listed above. */
void grs_bam_opts_init(grs_bam_opts_t *o);

/**
 * Genotype the sites from the reads and write out_grsm, plus PREFIX.bamqc.tsv.gz and
 * PREFIX.bamsamples.tsv where PREFIX is out_grsm without ".grsm". Nothing is left behind on
 * failure.
 * @return GRS_OK; GRS_EIO (a file cannot be opened/read, a truncated BAM); GRS_EFORMAT (bad
 *         list, sites or FASTA, undecodable records); GRS_EINPUT (no index, FASTA not matching a
 *         header, a sample twice, no SM, no sites); GRS_EINVAL; GRS_ENOMEM; GRS_EINTR.
 *         Each failure is logged once, naming the file (and line or position).
 */
int grs_bam_pack(const grs_bam_opts_t *opt, const char *out_grsm, grs_bam_stats_t *stats)
    GRS_RESULT_USED;

/** Whether argv asks for BAM input (has --bam or --bam=...). */
int grs_bam_wanted(int argc, char **argv);

/** `grs pack --bam ...`: option parsing, run, summary. Returns the exit code (0, 1, 2). */
int grs_bam_pack_main(int argc, char **argv);

/* ---- the per-site arithmetic, exposed for unit tests ------------------------------------ */

/**
 * Genotype log10-likelihoods under the simple independent-error model.
 * @param bases  n entries q<<5 | strand<<4 | b (b: 0..3 = ACGT, 4 = N), as bcftools packs them
 * @param ref, alt  0..3
 * @param gl     out: log10 L(G) for G = 0, 1, 2 (not normalised)
 */
void grs_bam_gl_simple(const uint16_t *bases, int n, int ref, int alt, double gl[3]);

/**
 * Posterior from log10-likelihoods and ALT frequency p (clamped to [0.001, 0.999]).
 * @param gp    out: posterior of G = 0, 1, 2
 * @return      the phred-scaled GQ (0..99)
 */
int grs_bam_posterior(const double gl[3], double p, double gp[3]);

#ifdef __cplusplus
}
#endif
#endif /* GRS_BAM_LOAD_H */
