/* fuzz_bam.c -- libFuzzer target: the text readers of grs pack --bam (host/bam_load.c, static,
 * reached by including the file as STYLE G11 allows for tests): the LIST of BAM/CRAM paths and
 * sample names (list_load) and the --sites file, a VCF/BCF or a scoring file, matched to the FASTA
 * (sites_load: REF from the FASTA, chr-prefix matching, sort and de-duplication). htslib's BAM
 * decoding is not fuzzed here (fuzz_vcf covers its VCF/BCF side).
 * Input layout: `LIST \n#@@\n SITES` (no separator: all LIST). The FASTA is fixed: contigs 1
 * (300 bp), chr2 (250 bp), MT (80 bp) and X (1 bp), written once with its .fai.
 * Checks after a successful read: every listed path non-empty, every site on a FASTA contig
 * within it, REF equal to the FASTA base, ALT != REF, sites sorted and unique. */
#define grs_bam_opts_init fuzz_grs_bam_opts_init
#define grs_bam_gl_simple fuzz_grs_bam_gl_simple
#define grs_bam_posterior fuzz_grs_bam_posterior
#define grs_bam_pack fuzz_grs_bam_pack
#define grs_bam_wanted fuzz_grs_bam_wanted
#define grs_bam_pack_main fuzz_grs_bam_pack_main
#include "fuzz_common.h"
#include "../../host/bam_load.c"

static void write_fasta(const char *fn)
{
    FILE *fp = fopen(fn, "w");
    if (!fp) abort();
    static const char *names[] = { "1", "chr2", "MT", "X" };
    static const int lens[] = { 300, 250, 80, 1 };
    for (int c = 0; c < 4; c++) {
        fprintf(fp, ">%s desc\n", names[c]);
        for (int i = 0; i < lens[c]; i++) {
            fputc("ACGTTGCAAC"[(i * 7 + c) % 10], fp);
            if (i % 60 == 59 || i == lens[c] - 1) fputc('\n', fp);
        }
    }
    if (fclose(fp) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char list_fn[300], sites_fn[300], fa_fn[300];
    if (!list_fn[0]) {
        fuzz_path(list_fn, sizeof(list_fn), "bams.list");
        fuzz_path(sites_fn, sizeof(sites_fn), "sites.vcf");
        fuzz_path(fa_fn, sizeof(fa_fn), "ref.fa");
        write_fasta(fa_fn);
    }
    const uint8_t *end = data + size, *sep = fuzz_find(data, end, "\n#@@\n");
    fuzz_write(list_fn, data, (size_t)(sep - data));

    bamfile_t *files = NULL;
    int n_files = 0;
    if (list_load(list_fn, &files, &n_files) == 0) {
        if (n_files < 1) abort();
        for (int i = 0; i < n_files; i++) {
            if (!files[i].path || !files[i].path[0] || files[i].line < 1) abort();
            if (files[i].sample && !files[i].sample[0]) abort();
        }
    }
    files_free(files, n_files);
    if (sep == end) return 0;

    fuzz_write(sites_fn, sep + 5, (size_t)(end - sep - 5));
    fasta_t fa;
    if (fasta_open(fa_fn, &fa) != 0) abort();
    sites_t s;
    grs_bam_stats_t st;
    memset(&s, 0, sizeof(s));
    memset(&st, 0, sizeof(st));
    if (sites_load(sites_fn, &fa, &s, &st) == 0) {
        if (s.n < 1) abort();
        for (int64_t i = 0; i < s.n; i++) {
            const site_t *x = &s.a[i];
            if (x->ctg < 0 || x->ctg >= fa.n || x->pos < 1 || x->pos > fa.len[x->ctg]) abort();
            if (x->ref < 0 || x->ref > 3 || x->alt < 0 || x->alt > 3 || x->ref == x->alt || !x->id) abort();
            if (base4(fa_base(&fa, x->ctg, x->pos)) != x->ref) abort();
            if (!isnan(x->af) && !(x->af >= 0 && x->af <= 1)) abort();
            if (i && site_cmp(&s.a[i - 1], x) >= 0) abort();
        }
    }
    for (int64_t i = 0; i < s.n; i++) free(s.a[i].id);
    free(s.a);
    fasta_close(&fa);
    return 0;
}
