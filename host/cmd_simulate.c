/* cmd_simulate.c -- grs simulate: a seeded synthetic cohort (the model: host/simulate.h). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "grs/log.h"
#include "grs/status.h"
#include "simulate.h"
#include "util.h"

static void usage(FILE *fp)
{
    fprintf(fp,
"\nUsage: grs simulate --samples N --variants M [options] --out PREFIX\n\n"
"Write a seeded synthetic cohort: the same options and --seed give the same bytes, for any\n"
"--threads value. The model is stated in host/simulate.h and recorded in PREFIX.sim.json.\n\n"
"Cohort:\n"
"  --samples N            samples (IIDs POP<k>_<index>, FID = IID)\n"
"  --variants M           biallelic SNPs on GRCh38 autosomes, spread in proportion to length\n"
"  --populations P        populations of near-equal size, Balding-Nichols frequencies [1]\n"
"  --chromosomes C        use chromosomes 1..C (1-22) [22]\n"
"  --seed S               random seed (unsigned 64-bit) [1]\n"
"  --fst F                Balding-Nichols F between populations, [0, 1) [0.05]\n"
"  --ld K                 probability that a haplotype keeps its latent value from one variant\n"
"                         to the next (LD between neighbours; 0 = none), [0, 1] [0.8]\n"
"  --missing-rate X       fraction of calls written as ./. [0.005]\n"
"  --dosage               also write DS (imputation-like: a fraction of calls fractional)\n"
"  --dosage-frac X        fraction of calls with a fractional DS [0.2]\n"
"  --phased               write GT as a|b (default a/b)\n"
"Architecture and traits:\n"
"  --score-variants K     causal variants, written to PREFIX.pgs.txt [min(M, 1000)]\n"
"  --h2 H                 heritability of trait_qt (and of the liability) [0.5]\n"
"  --prevalence K         fraction of cases of trait_bin (liability threshold) [0.1]\n"
"  --omics-features F     omics features (1/4 cis-genetic, 1/4 trait-driven, rest noise);\n"
"                         0 = no omics file [200]\n"
"Output:\n"
"  --out PREFIX           PREFIX.vcf.gz (or .bcf), .pgs.txt (PGS Catalog v2.0), .pheno.tsv\n"
"                         (FID IID trait_bin trait_qt; trait_bin: 1 = control, 2 = case),\n"
"                         .covar.tsv (FID IID sex age population PC1-PC4; sex: 1 = male,\n"
"                         2 = female), .truth.tsv (true genetic value, liability),\n"
"                         .omics.tsv.gz (IID + features; NA missing), .sim.json (parameters,\n"
"                         codings, realised h2 and prevalence, which omics feature is which)\n"
"  --format vcf|bcf       genotype file format [vcf]\n"
"  --compress-level L     BGZF level 0-9 [1 when N*M >= 1e8 (speed), else 6]\n"
"Other:\n"
"  --threads T            threads for generation and compression [online cores]\n"
"  -v, --verbosity N      0 silent .. 3 warnings (default) .. 4 info .. 6 trace\n"
"  -h, --help             this text\n\n"
"Every output is written to a temporary name and renamed only when all are complete.\n\n");
}

static int parse_i64(const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *x)
{
    if (grs_parse_int64(s, x) != 0 || *x < lo || *x > hi) {
        fprintf(stderr, "[E::simulate] %s: '%s' is not a whole number from %" PRId64 " to %" PRId64 "\n",
                opt, s, lo, hi);
        return -1;
    }
    return 0;
}

static int parse_dbl(const char *opt, const char *s, double *x)
{
    if (grs_parse_double(s, x) != 0) {
        fprintf(stderr, "[E::simulate] %s: '%s' is not a number\n", opt, s);
        return -1;
    }
    return 0;
}

int main_simulate(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "samples", required_argument, NULL, 1 }, { "variants", required_argument, NULL, 2 },
        { "populations", required_argument, NULL, 3 }, { "seed", required_argument, NULL, 4 },
        { "dosage", no_argument, NULL, 5 }, { "score-variants", required_argument, NULL, 6 },
        { "format", required_argument, NULL, 7 }, { "chromosomes", required_argument, NULL, 8 },
        { "threads", required_argument, NULL, 9 }, { "h2", required_argument, NULL, 10 },
        { "prevalence", required_argument, NULL, 11 }, { "omics-features", required_argument, NULL, 12 },
        { "fst", required_argument, NULL, 13 }, { "ld", required_argument, NULL, 14 },
        { "missing-rate", required_argument, NULL, 15 }, { "dosage-frac", required_argument, NULL, 16 },
        { "phased", no_argument, NULL, 17 }, { "compress-level", required_argument, NULL, 18 },
        { "out", required_argument, NULL, 'o' }, { "verbosity", required_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
    };
    grs_sim_opts_t o;
    grs_sim_summary_t sum;
    int c, verbosity = GRS_LOG_WARNING, have_n = 0, have_m = 0;
    int64_t x;
    char msg[256], version[128];
    double t0 = grs_wall_seconds();

    grs_sim_opts_init(&o);
    o.threads = grs_cmd_default_threads();
    while ((c = getopt_long(argc, argv, "o:v:h", lopts, NULL)) >= 0) {
        switch (c) {
#define INT_OPT(name, lo, hi, dst) \
        if (parse_i64(name, optarg, lo, hi, &x) < 0) return 2; \
        dst = x; \
        break
#define DBL_OPT(name, dst) \
        if (parse_dbl(name, optarg, &dst) < 0) return 2; \
        break
        case 1: have_n = 1; INT_OPT("--samples", 1, INT64_C(1) << 40, o.n_samples);
        case 2: have_m = 1; INT_OPT("--variants", 1, INT64_C(1) << 40, o.n_variants);
        case 3: INT_OPT("--populations", 1, GRS_SIM_MAX_POPS, o.n_pops);
        case 4: {
            char *e;
            if (!*optarg || *optarg == '-') e = optarg;
            else { errno = 0; o.seed = strtoull(optarg, &e, 10); if (errno) e = optarg; }
            if (*e || e == optarg) {
                fprintf(stderr, "[E::simulate] --seed: '%s' is not an unsigned 64-bit number\n",
                        optarg);
                return 2;
            }
            break;
        }
        case 5: o.dosage = 1; break;
        case 6: INT_OPT("--score-variants", 1, INT64_C(1) << 40, o.n_score);
        case 7:
            if (!strcmp(optarg, "vcf")) o.format = GRS_SIM_VCF;
            else if (!strcmp(optarg, "bcf")) o.format = GRS_SIM_BCF;
            else {
                fprintf(stderr, "[E::simulate] --format: '%s' is not vcf or bcf\n", optarg);
                return 2;
            }
            break;
        case 8: INT_OPT("--chromosomes", 1, GRS_SIM_MAX_CHROM, o.n_chrom);
        case 9: INT_OPT("--threads", 1, 1024, o.threads);
        case 10: DBL_OPT("--h2", o.h2);
        case 11: DBL_OPT("--prevalence", o.prevalence);
        case 12: INT_OPT("--omics-features", 0, 1000000, o.n_omics);
        case 13: DBL_OPT("--fst", o.fst);
        case 14: DBL_OPT("--ld", o.ld);
        case 15: DBL_OPT("--missing-rate", o.missing_rate);
        case 16: DBL_OPT("--dosage-frac", o.dosage_frac);
        case 17: o.phased = 1; break;
        case 18: INT_OPT("--compress-level", 0, 9, o.compress_level);
#undef INT_OPT
#undef DBL_OPT
        case 'o': o.out = optarg; break;
        case 'v':
            if (grs_parse_int64(optarg, &x) != 0 || x < 0 || x > 6) {
                fprintf(stderr, "[E::simulate] -v: '%s' is not a level from 0 to 6\n", optarg);
                return 2;
            }
            verbosity = (int)x;
            grs_cmd_set_verbosity(verbosity);
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "[E::simulate] unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!have_n || !have_m || !o.out) {
        fprintf(stderr, "[E::simulate] --samples, --variants and --out are required\n");
        usage(stderr);
        return 2;
    }
    if (grs_sim_opts_check(&o, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "[E::simulate] %s\n", msg);
        return 2;
    }
    snprintf(version, sizeof(version), "%s (%s)", GRS_VERSION, GRS_GIT);
    o.version = version;
    grs_cmd_log_start(argc, argv);

    int st = grs_sim_run(&o, &sum);
    if (st < 0) {
        if (verbosity > 0)
            fprintf(stderr, "grs simulate: failed (%s); no output written\n", grs_strerror(st));
        return 1;
    }
    if (verbosity > 0)
        fprintf(stderr, "grs simulate: %" PRId64 " samples x %" PRId64 " variants (%d populations, "
                        "%d chromosomes) -> %s%s; %" PRId64 " score variants (%" PRId64 " with effect "
                        "allele = REF); %" PRId64 " cases / %" PRId64 " controls; realised h2 %.3f; "
                        "genotypes %.1f s, total %.1f s\n",
                o.n_samples, o.n_variants, o.n_pops, o.n_chrom, o.out,
                o.format == GRS_SIM_BCF ? ".bcf" : ".vcf.gz", sum.n_causal, sum.n_swapped,
                sum.n_cases, o.n_samples - sum.n_cases, sum.realised_h2, sum.seconds_genotypes,
                grs_wall_seconds() - t0);
    grs_cmd_log_end("simulate", t0);
    return 0;
}
