/* fuzz_vcf.c -- libFuzzer target: VCF/BCF records -> biallelic packed rows (host/vcf_load.c,
 * grs_vcf_reader_open/next), then the rows through the .grsm writer.
 *
 * Each input is read three times: --dosage auto; GT with a site filter (the path grs score
 * --vcf takes); and DS/HDS/GP chosen by the last input byte. Every returned row is checked
 * against the reader's contract (codes 0..3, haploid codes 0/1/3, dosages <= ploidy or missing)
 * and the first run's rows are written with the streaming .grsm writer. */
#include "fuzz_common.h"
#include "grs/geno.h"
#include "vcf_load.h"

static void run(const char *fn, int dosage, int with_sites, const char *out)
{
    const char *files[1] = { fn };
    grs_site_t sites[3] = { { "1", 100 }, { "chr1", 100 }, { "X", 2 } };
    grs_vcf_opts_t o;
    memset(&o, 0, sizeof(o));
    o.files = files; o.n_files = 1; o.dosage = dosage; o.threads = 1;
    if (with_sites) { o.sites = sites; o.n_sites = 3; }
    grs_vcf_reader_t *r = NULL;
    if (grs_vcf_reader_open(&o, &r) != 0) { if (r) abort(); return; }
    int64_t ns = grs_vcf_reader_n_samples(r);
    if (ns < 1) abort();
    grs_geno_writer_t *w = NULL;
    if (out && grs_geno_writer_open(out, ns, grs_vcf_reader_samples(r), &w) != 0) w = NULL;
    grs_vcf_row_t row;
    int ret, ok = 1;
    while ((ret = grs_vcf_reader_next(r, &row)) > 0) {
        for (int64_t s = 0; s < ns; s++) {
            int hap = row.haploid && row.haploid[s];
            if (row.codes[s] > 3 || (hap && row.codes[s] == 2)) abort();
            if (row.dosage && row.dosage[s] != GRS_DOSAGE_MISSING
                && row.dosage[s] > (hap ? 1 : 2) * GRS_DOSAGE_ONE) abort();
        }
        if (!row.var.chrom || !row.var.ref || !row.var.alt || !row.var.id) abort();
        if (w && grs_geno_writer_add(w, &row.var, row.codes, row.dosage, row.haploid) != 0) ok = 0;
    }
    if (ret < 0) ok = 0;
    (void)grs_vcf_reader_stats(r);
    if (w) (void)grs_geno_writer_close(w, ok);
    grs_vcf_reader_close(r);
    if (w && ok) {  /* what was written must read back */
        grs_geno_t *g = NULL;
        if (grs_geno_open(out, 0, &g) != 0) abort();
        grs_geno_close(g);
        unlink(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300], out[300];
    if (!fn[0]) { fuzz_path(fn, sizeof(fn), "in.vcf"); fuzz_path(out, sizeof(out), "out.grsm"); }
    fuzz_write(fn, data, size);
    run(fn, GRS_VCF_DOSAGE_AUTO, 0, out);
    run(fn, GRS_VCF_DOSAGE_GT, 1, NULL);
    static const int modes[3] = { GRS_VCF_DOSAGE_DS, GRS_VCF_DOSAGE_HDS, GRS_VCF_DOSAGE_GP };
    run(fn, modes[size ? data[size - 1] % 3 : 0], 0, NULL);
    return 0;
}
