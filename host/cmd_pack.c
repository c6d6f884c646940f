/* cmd_pack.c -- grs pack: VCF/BCF or PLINK 1 .bed -> PREFIX.grsm. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bam_load.h"
#include "bed_load.h"
#include "bgen.h"
#include "cmds.h"
#include "grs/log.h"
#include "grs/status.h"
#include "util.h"
#include "vcf_load.h"

static void usage(FILE *fp)
{
    fprintf(fp,
"\nUsage: grs pack (--vcf F [F...] | --bfile PREFIX | --bgen F [--sample S]) [options] --out PREFIX\n\n"
"Pack genotypes into PREFIX.grsm, the packed matrix that grs score/train read.\n\n"
"Input (one of):\n"
"  --vcf F [F...]        VCF/BCF files (plain, gzip or bgzip), e.g. one per chromosome; all\n"
"                        must have the same samples. Multi-allelic records become one row per ALT.\n"
"  --bfile PREFIX        PLINK 1 PREFIX.bed/.bim/.fam (A1 = ALT, A2 = REF)\n"
"  --bgen F              BGEN v1.1 or v1.2 (zlib, zstd or uncompressed; any bit depth). The\n"
"                        first allele is REF (plink2's 'ref-first'); expected ALT dosages go to\n"
"                        the dosage plane; multi-allelic variants become one row per ALT\n"
"  --sample S            sample IDs for --bgen from an Oxford .sample file (ID_1 = FID, ID_2 =\n"
"                        IID) [the BGEN's own sample block]\n"
"  --hard-call-threshold T  --bgen: a hard call is the nearest integer when the dosage is within\n"
"                        T of it, else missing (plink2's rule) [0.1]\n"
"  --bam LIST --sites F --fasta REF   genotypes from aligned reads (BAM/CRAM) at the SNPs of F;\n"
"                        its own options: grs pack --bam LIST --help\n"
"Options:\n"
"  --dosage MODE         auto|GT|DS|HDS|GP (VCF only) [auto: DS if the header declares it, else GT]\n"
"  --regions R           CHR[:BEG[-END]][,...] or a file (CHR POS [END]; .bed: 0-based). Records\n"
"                        whose POS is in a region are kept; a .tbi/.csi index is used if present\n"
"  --samples F           keep only the samples listed in F (one IID per line, or FID IID)\n"
"  --threads T           decompression threads [online cores]\n"
"  --out PREFIX          output PREFIX.grsm (written to a temporary name, renamed when complete)\n"
"  -v, --verbosity N     0 silent .. 3 warnings (default) .. 4 info .. 6 trace\n"
"  -h, --help            this text\n\n");
}

/* The cause was logged where it was detected ([E::...]); this only gives the status. */
static void fail_line(int verbosity, int status, const char *out_fn)
{
    if (verbosity > 0) fprintf(stderr, "grs pack: failed (%s); no %s written\n", grs_strerror(status), out_fn);
}

int main_pack(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "vcf", required_argument, NULL, 1 },
        { "bfile", required_argument, NULL, 2 },
        { "dosage", required_argument, NULL, 3 },
        { "regions", required_argument, NULL, 4 },
        { "samples", required_argument, NULL, 5 },
        { "threads", required_argument, NULL, 6 },
        { "bgen", required_argument, NULL, 7 },
        { "sample", required_argument, NULL, 8 },
        { "hard-call-threshold", required_argument, NULL, 9 },
        { "out", required_argument, NULL, 'o' },
        { "verbosity", required_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char **files = NULL, *bfile = NULL, *regions = NULL, *samples = NULL, *out = NULL;
    const char *bgen = NULL, *sample_file = NULL;
    double hard_call = GRS_BGEN_HARD_CALL_DEFAULT;
    int n_files = 0, dosage = GRS_VCF_DOSAGE_AUTO, threads = grs_cmd_default_threads();
    int verbosity = GRS_LOG_WARNING, c, ret = 2;
    int64_t x;
    char *out_fn = NULL, *cmd = NULL;
    double t0 = grs_wall_seconds();

    if (grs_bam_wanted(argc, argv)) return grs_bam_pack_main(argc, argv);  /* bam_load.c */
    if (!(files = (const char **)calloc(argc + 1, sizeof(char *)))) return 1;
    while ((c = getopt_long(argc, argv, "o:v:h", lopts, NULL)) >= 0) {
        switch (c) {
        case 1: files[n_files++] = optarg; break;
        case 2: bfile = optarg; break;
        case 3:
            if ((dosage = grs_vcf_dosage_parse(optarg)) < 0) {
                fprintf(stderr, "[E::pack] --dosage: '%s' is not one of auto, GT, DS, HDS, GP\n", optarg);
                goto done;
            }
            break;
        case 4: regions = optarg; break;
        case 5: samples = optarg; break;
        case 6:
            if (grs_parse_int64(optarg, &x) != 0 || x < 1 || x > 1024) {
                fprintf(stderr, "[E::pack] --threads: '%s' is not a number from 1 to 1024\n", optarg);
                goto done;
            }
            threads = (int)x;
            break;
        case 7: bgen = optarg; break;
        case 8: sample_file = optarg; break;
        case 9:
            if (grs_parse_double(optarg, &hard_call) != 0 || !(hard_call >= 0 && hard_call <= 0.5)) {
                fprintf(stderr, "[E::pack] --hard-call-threshold: '%s' is not a number in [0, 0.5]\n", optarg);
                goto done;
            }
            break;
        case 'o': out = optarg; break;
        case 'v':
            if (grs_parse_int64(optarg, &x) != 0 || x < 0 || x > 6) {
                fprintf(stderr, "[E::pack] -v: '%s' is not a level from 0 to 6\n", optarg);
                goto done;
            }
            verbosity = (int)x;
            break;
        case 'h': usage(stdout); ret = 0; goto done;
        default: usage(stderr); goto done;
        }
    }
    /* --vcf a.vcf.gz b.vcf.gz ...: the extra files arrive as operands */
    for (; optind < argc; optind++) {
        if (!n_files) {
            fprintf(stderr, "[E::pack] unexpected argument '%s'\n", argv[optind]);
            usage(stderr);
            goto done;
        }
        files[n_files++] = argv[optind];
    }
    if ((n_files > 0) + (bfile != NULL) + (bgen != NULL) != 1) {
        fprintf(stderr, "[E::pack] give exactly one of --vcf, --bfile and --bgen\n");
        usage(stderr);
        goto done;
    }
    if (!out) { fprintf(stderr, "[E::pack] --out is required\n"); usage(stderr); goto done; }
    if (sample_file && !bgen) {
        fprintf(stderr, "[E::pack] --sample names the samples of a --bgen file (for VCF or .bed "
                "input, --samples selects samples)\n");
        goto done;
    }
    if (bgen && (regions || samples || (dosage != GRS_VCF_DOSAGE_AUTO))) {
        fprintf(stderr, "[E::pack] --regions, --samples and --dosage are not available with --bgen\n");
        goto done;
    }
    if (bfile && dosage != GRS_VCF_DOSAGE_AUTO && dosage != GRS_VCF_DOSAGE_GT) {
        fprintf(stderr, "[E::pack] --dosage %s needs VCF input; a .bed holds hard calls only\n",
                grs_vcf_dosage_name(dosage));
        goto done;
    }
    grs_cmd_set_verbosity(verbosity);
    grs_cmd_log_start(argc, argv);
    ret = 1;
    {
        size_t l = strlen(out);
        out_fn = l > 5 && strcmp(out + l - 5, ".grsm") == 0 ? strdup(out) : grs_sprintf("%s.grsm", out);
    }
    if (!out_fn || !(cmd = grs_cmdline(argc, argv))) { grs_log_error("out of memory"); goto done; }
    {
        char *full = grs_sprintf("grs %s", cmd);   /* argv[0] is "pack" */
        if (!full) goto done;
        free(cmd);
        cmd = full;
    }
    if (bgen) {
        grs_bgen_opts_t o;
        grs_bgen_stats_t st;
        memset(&o, 0, sizeof(o));
        memset(&st, 0, sizeof(st));
        o.file = bgen;
        o.sample_file = sample_file;
        o.hard_call_threshold = hard_call;
        o.command = cmd;
        int r = grs_bgen_pack(&o, out_fn, &st);
        if (r < 0) { fail_line(verbosity, r, out_fn); goto done; }
        double secs = grs_wall_seconds() - t0, denom = (double)st.n_samples * st.n_rows;
        grs_log_info("BGEN layout %d, %s, %d bits%s; %" PRId64 " dosages not within %g of an integer "
                     "left without a hard call, %" PRId64 " genotypes of ploidy 0 or > 2 set missing",
                     st.layout, grs_bgen_compression_name(st.compression), st.bits,
                     st.phased ? ", phased" : "", st.n_uncalled, hard_call, st.n_bad_ploidy);
        if (verbosity > 0)
            fprintf(stderr, "grs pack: %" PRId64 " samples, %" PRId64 " variants (%" PRId64
                    " from %" PRId64 " multi-allelic), %" PRId64 " with fractional dosages, missing "
                    "rate %.4g%% (BGEN v1.%d), %.2f s -> %s\n", st.n_samples, st.n_rows,
                    st.n_split_rows, st.n_multiallelic, st.n_dosage_rows,
                    denom > 0 ? 100.0 * st.n_missing / denom : 0.0, st.layout, secs, out_fn);
    } else if (bfile) {
        grs_bed_opts_t o = { bfile, regions, samples, cmd };
        grs_bed_stats_t st;
        int r = grs_bed_pack(&o, out_fn, &st);
        if (r < 0) { fail_line(verbosity, r, out_fn); goto done; }
        double secs = grs_wall_seconds() - t0, denom = (double)st.n_samples * st.n_variants;
        grs_log_info("%" PRId64 " samples, %" PRId64 " variants, %" PRId64 " outside --regions, "
                     "%" PRId64 " haploid hets set missing", st.n_samples, st.n_variants,
                     st.n_filtered, st.n_haploid_het);
        if (verbosity > 0)
            fprintf(stderr, "grs pack: %" PRId64 " samples, %" PRId64 " variants (PLINK .bed), "
                    "missing rate %.4g%%, %.2f s -> %s\n", st.n_samples, st.n_variants,
                    denom > 0 ? 100.0 * st.n_missing / denom : 0.0, secs, out_fn);
    } else {
        grs_vcf_opts_t o;
        grs_vcf_stats_t st;
        memset(&o, 0, sizeof(o));
        memset(&st, 0, sizeof(st));
        o.files = files;
        o.n_files = n_files;
        o.dosage = dosage;
        o.regions = regions;
        o.samples_file = samples;
        o.threads = threads;
        o.command = cmd;
        int r = grs_vcf_pack(&o, out_fn, &st);
        if (r < 0) { fail_line(verbosity, r, out_fn); goto done; }
        double secs = grs_wall_seconds() - t0, denom = (double)st.n_samples * st.n_rows;
        grs_log_info("%" PRId64 " records read, %" PRId64 " filtered out, %" PRId64 " without ALT, "
                     "%" PRId64 " symbolic ALT alleles skipped, %" PRId64 " half-calls and %" PRId64
                     " polyploid calls set missing, %" PRId64 " records without the field used",
                     st.n_records, st.n_filtered, st.n_no_alt, st.n_symbolic, st.n_half_calls,
                     st.n_polyploid, st.n_no_field);
        if (verbosity > 0)
            fprintf(stderr, "grs pack: %" PRId64 " samples, %" PRId64 " variants (%" PRId64
                    " from %" PRId64 " multi-allelic records), %" PRId64 " with dosages, missing rate "
                    "%.4g%%, %.2f s -> %s\n", st.n_samples, st.n_rows, st.n_split_rows,
                    st.n_multiallelic, st.n_dosage_rows, denom > 0 ? 100.0 * st.n_missing / denom : 0.0,
                    secs, out_fn);
    }
    grs_cmd_log_end("pack", t0);
    ret = 0;
done:
    free(files); free(out_fn); free(cmd);
    return ret;
}
