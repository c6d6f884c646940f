/* cmd_view.c -- grs view: print a .grsm matrix as text (genotypes, dosages, tables). */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "grs/geno.h"
#include "grs/log.h"
#include "grs/status.h"
#include "util.h"

static void usage(FILE *fp)
{
    fprintf(fp,
"\nUsage: grs view --geno PREFIX [--dosage | --variants | --samples]\n\n"
"Print PREFIX.grsm as text on standard output. Default: one line per variant,\n"
"  CHROM POS REF ALT GT...   (GT 0/0 0/1 1/1 ./., haploid 0 1 .), like\n"
"  bcftools query -f '%%CHROM\\t%%POS\\t%%REF\\t%%ALT[\\t%%GT]\\n' on a biallelic-split VCF.\n\n"
"  --geno PREFIX     the matrix (PREFIX.grsm, or the .grsm path itself)\n"
"  --dosage          ALT dosages instead of GTs (%%.6g; '.' missing): the dosage plane where\n"
"                    the variant has one, else the hard call\n"
"  --variants        the variant table: CHROM POS ID REF ALT SRC_ALLELE N_SRC_ALLELES ALT_FREQ\n"
"                    N_MISSING ALLELE_CT DOSAGE HAPLOID (with a #header line)\n"
"  --samples         the sample table: FID IID SEX (with a #header line)\n"
"  --meta            the META section (KEY TAB VALUE)\n"
"  -v, --verbosity N log level 0..6 [3]\n"
"  -h, --help        this text\n\n");
}

static void print_meta(FILE *out, const grs_geno_t *g)
{
    static const char *const keys[] = { "tool", "command", "created", "source_format", "dosage_field",
                                         "build", "regions", "samples_file" };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = grs_geno_meta(g, keys[i]);
        if (v) fprintf(out, "%s\t%s\n", keys[i], v);
    }
    for (int i = 1; i < 100000; i++) {
        char k[32];
        snprintf(k, sizeof(k), "input.%d", i);
        const char *v = grs_geno_meta(g, k);
        if (!v) break;
        fprintf(out, "%s\t%s\n", k, v);
    }
}

int main_view(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "geno", required_argument, NULL, 1 },
        { "dosage", no_argument, NULL, 2 },
        { "variants", no_argument, NULL, 3 },
        { "samples", no_argument, NULL, 4 },
        { "meta", no_argument, NULL, 5 },
        { "verbosity", required_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *geno = NULL;
    int what = 0, c, r, verbosity = GRS_LOG_WARNING;   /* what: 0 GT, 2 dosage, 3 variants, 4 samples, 5 meta */
    int64_t x, v, s;
    char *fn = NULL, *line = NULL;
    grs_geno_t *g = NULL;
    FILE *out = stdout;

    while ((c = getopt_long(argc, argv, "v:h", lopts, NULL)) >= 0) {
        switch (c) {
        case 1: geno = optarg; break;
        case 2: case 3: case 4: case 5:
            if (what && what != c) { fprintf(stderr, "[E::view] give at most one of --dosage, --variants, --samples, --meta\n"); return 2; }
            what = c;
            break;
        case 'v':
            if (grs_parse_int64(optarg, &x) != 0 || x < 0 || x > 6) {
                fprintf(stderr, "[E::view] -v: '%s' is not a level from 0 to 6\n", optarg);
                return 2;
            }
            verbosity = (int)x;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) { fprintf(stderr, "[E::view] unexpected argument '%s'\n", argv[optind]); return 2; }
    if (!geno) { fprintf(stderr, "[E::view] --geno is required\n"); usage(stderr); return 2; }
    grs_cmd_set_verbosity(verbosity);
    {
        size_t l = strlen(geno);
        fn = l > 5 && strcmp(geno + l - 5, ".grsm") == 0 ? strdup(geno) : grs_sprintf("%s.grsm", geno);
        if (!fn) return 1;
    }
    if ((r = grs_geno_open(fn, 0, &g)) < 0) { free(fn); return 1; }
    int64_t n = grs_geno_n_samples(g), nv = grs_geno_n_variants(g);
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof(obuf));

    if (what == 4) {
        fputs("#FID\tIID\tSEX\n", out);
        for (s = 0; s < n; s++) {
            const grs_sample_t *sm = grs_geno_sample(g, s);
            fprintf(out, "%s\t%s\t%d\n", sm->fid, sm->iid, sm->sex);
        }
    } else if (what == 5) {
        print_meta(out, g);
    } else if (what == 3) {
        fputs("#CHROM\tPOS\tID\tREF\tALT\tSRC_ALLELE\tN_SRC_ALLELES\tALT_FREQ\tN_MISSING\tALLELE_CT\tDOSAGE\tHAPLOID\n", out);
        for (v = 0; v < nv; v++) {
            const grs_variant_t *var = grs_geno_variant(g, v);
            const grs_vstat_t *st = grs_geno_vstat(g, v);
            fprintf(out, "%s\t%" PRId64 "\t%s\t%s\t%s\t%d\t%d\t", var->chrom, var->pos, var->id, var->ref,
                    var->alt, var->src_allele, var->n_src_alleles);
            if (isnan(st->alt_freq)) fputs("NA", out); else fprintf(out, "%.6g", st->alt_freq);
            fprintf(out, "\t%u\t%u\t%d\t%d\n", st->n_missing, st->allele_ct,
                    !!(st->flags & GRS_VAR_DOSAGE), !!(st->flags & GRS_VAR_HAPLOID));
        }
    } else {
        /* each genotype prints in at most 16 bytes: "\t" + "%.6g" of a value <= 2 */
        static const char *const gt_dip[4] = { "\t0/0", "\t0/1", "\t1/1", "\t./." };
        static const char *const gt_hap[4] = { "\t0", "\t1", "\t?", "\t." };
        static const char *const ds[4] = { "\t0", "\t1", "\t2", "\t." };
        if (!(line = (char *)malloc((size_t)n * 16 + 1))) { r = GRS_ENOMEM; goto done; }
        for (v = 0; v < nv; v++) {
            const grs_variant_t *var = grs_geno_variant(g, v);
            const uint32_t *row = grs_geno_row(g, v);
            const uint8_t *hap = grs_geno_haploid_row(g, v);
            const uint16_t *dos = what == 2 ? grs_geno_dosage_row(g, v) : NULL;
            char *p = line;
            fprintf(out, "%s\t%" PRId64 "\t%s\t%s", var->chrom, var->pos, var->ref, var->alt);
            for (s = 0; s < n; s++) {
                uint32_t code = grs_geno_code(row, s);
                const char *t;
                if (dos) {
                    if (dos[s] == GRS_DOSAGE_MISSING) t = "\t.";
                    else { p += sprintf(p, "\t%.6g", grs_dosage_value(dos[s], NAN)); continue; }
                } else if (what == 2) {
                    t = ds[code];
                } else {
                    t = grs_geno_is_haploid(hap, s) ? gt_hap[code] : gt_dip[code];
                }
                while (*t) *p++ = *t++;
            }
            *p++ = '\n';
            fwrite(line, 1, (size_t)(p - line), out);
        }
    }
    r = GRS_OK;
done:
    if (fflush(out) != 0 || ferror(out)) {
        grs_log_error("write error on standard output");
        r = GRS_EIO;
    }
    free(line);
    grs_geno_close(g);
    free(fn);
    return r < 0 ? 1 : 0;
}
