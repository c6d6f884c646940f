/* test_scorefile.c -- the scoring-file reader: PGS Catalog v2 (plain, harmonized, OR-only,
 * dominant/recessive, haplotype rows, CRLF + BOM, gzip) and PLINK style (header-read, column
 * numbers), and the malformed files that must fail with GRS_EFORMAT. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "grs/log.h"
#include "grs/pgs.h"
#include "grs/status.h"
#include "scorefile.h"

#include "check.h"

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
    static char buf[256];
    snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
    return buf;
}

static const char *write_file(const char *name, const char *text)
{
    const char *p = tmp_path(name);
    FILE *fp = fopen(p, "wb");
    if (!fp) { perror(p); exit(2); }
    fputs(text, fp);
    fclose(fp);
    return p;
}

static const char *write_gz(const char *name, const char *text)
{
    const char *p = tmp_path(name);
    gzFile fp = gzopen(p, "wb");
    if (!fp) { perror(p); exit(2); }
    gzputs(fp, text);
    gzclose(fp);
    return p;
}

static int streq(const char *a, const char *b) { return a && b ? !strcmp(a, b) : a == b; }

#define S(x) ((x) ? (x) : "(null)")

static const char pgs_v2[] =
    "###PGS CATALOG SCORING FILE - see https://www.pgscatalog.org/downloads/#dl_ftp_scoring\n"
    "#format_version=2.0\n"
    "##POLYGENIC SCORE (PGS) INFORMATION\n"
    "#pgs_id=PGS000001\n"
    "#pgs_name=PRS77_BC\n"
    "#trait_reported=Breast cancer\n"
    "#trait_efo=EFO_0000305\n"
    "#weight_type=NR\n"
    "#genome_build=GRCh37\n"
    "#variants_number=4\n"
    "rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tis_haplotype\tlocus_"
    "name\n"
    "rs1\t1\t100\tA\tG\t0.5\tFalse\t\n"
    "rs2\tchr2\t200\tc\tt\t-1.25e-2\tFalse\tX\n"
    "\t23\t300\tG\t\t3\tFalse\t\n"
    "rs4\t22\t400\tT\tA/C\t0\tTrue\t\n";

static void test_pgs_basic(void)
{
    grs_scorefile_t *sf = NULL;
    int r = grs_scorefile_read(write_file("pgs.txt", pgs_v2), NULL, &sf);
    CHECK(r == GRS_OK, "read: %d", r);
    if (r) return;
    CHECK(sf->format == GRS_SF_PGS_CATALOG, "format %d", sf->format);
    CHECK(sf->n_rows == 4, "n_rows %lld", (long long)sf->n_rows);
    CHECK(sf->n_scores == 1 && streq(sf->score_names[0], "PGS000001"), "name %s",
          S(sf->score_names[0]));
    CHECK(streq(sf->pgs_name, "PRS77_BC") && streq(sf->trait_efo, "EFO_0000305") &&
          streq(sf->genome_build, "GRCh37") && streq(sf->format_version, "2.0") &&
          streq(sf->weight_type, "NR") && streq(sf->trait_reported, "Breast cancer"), "header");
    CHECK(sf->variants_number == 4 && sf->hm_build == NULL && !sf->harmonized, "header numbers");
    const grs_score_row_t *w = sf->rows;
    CHECK(w[0].line == 12 && streq(w[0].chrom, "1") && w[0].pos == 100 && streq(w[0].id, "rs1") &&
          streq(w[0].effect_allele, "A") && streq(w[0].other_allele, "G") && !w[0].unsupported &&
          w[0].model == GRS_MODEL_ADDITIVE, "row 0: line %lld", (long long)w[0].line);
    CHECK(sf->weights[0] == 0.5 && sf->weights[1] == -1.25e-2 && sf->weights[2] == 3, "weights");
    CHECK(streq(w[1].chrom, "2") && streq(w[1].effect_allele, "C") && streq(w[1].other_allele, "T"),
          "row 1: chr prefix stripped, alleles upper-cased: %s %s", S(w[1].chrom),
          S(w[1].effect_allele));
    CHECK(streq(w[2].chrom, "X") && w[2].id == NULL && w[2].other_allele == NULL, "row 2: 23 -> X");
    CHECK(streq(w[3].unsupported, GRS_SF_UNSUP_HAPLOTYPE) && w[3].other_allele == NULL,
          "row 3: haplotype kept as unsupported, A/C other allele unknown");
    grs_scorefile_destroy(sf);
}

static void test_pgs_harmonized(void)
{
    static const char txt[] =
        "#pgs_id=PGS000002\n"
        "#HmPOS_build=GRCh38\n"
        "rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\thm_source\t"
        "hm_rsID\thm_chr\thm_pos\thm_inferOtherAllele\n"
        "rs1\t1\t100\tA\tG\t0.1\tENSEMBL\trs1\t1\t1100\t\n"
        "rs2\t2\t200\tC\t\t0.2\tENSEMBL\trs2\tchr2\t2200\tT\n"
        "rs3\t3\t300\tG\t\t0.3\tENSEMBL\trs3\t3\t3300\tA/C\n"
        "\t4\t400\tT\tC\t0.4\tAuthor-reported\trs44\t\t\t\n";
    grs_scorefile_t *sf = NULL;
    int r = grs_scorefile_read(write_file("hm.txt", txt), NULL, &sf);
    CHECK(r == GRS_OK, "read: %d", r);
    if (r) return;
    const grs_score_row_t *w = sf->rows;
    CHECK(sf->harmonized && streq(sf->hm_build, "GRCh38"), "harmonized %d", sf->harmonized);
    CHECK(w[0].pos == 1100 && streq(w[0].chrom, "1"), "row 0 uses hm_pos: %lld",
          (long long)w[0].pos);
    CHECK(w[1].pos == 2200 && streq(w[1].chrom, "2") && streq(w[1].other_allele, "T"),
          "row 1: hm_inferOtherAllele fills other_allele: %s", S(w[1].other_allele));
    CHECK(w[2].other_allele == NULL, "row 2: several inferred alleles -> unknown");
    CHECK(w[3].pos == 400 && streq(w[3].chrom, "4") && streq(w[3].id, "rs44"),
          "row 3: empty hm_* falls back to chr_name/chr_position; hm_rsID fills rsID");
    grs_scorefile_destroy(sf);
}

static void test_pgs_or_models(void)
{
    static const char txt[] =
        "#pgs_id=PGS000003\n"
        "chr_name\tchr_position\teffect_allele\tother_allele\tOR\tis_dominant\tis_recessive\t"
        "is_diplotype\tis_interaction\tdosage_0_weight\tdosage_1_weight\tdosage_2_weight\n"
        "1\t10\tA\tG\t2.0\tTrue\tFalse\tFalse\tFalse\t\t\t\n"
        "1\t20\tA\tG\t0.5\tFALSE\tTRUE\tFalse\tFalse\t\t\t\n"
        "1\t30\tA\tG\t1\tfalse\t0\tTrue\tFalse\t\t\t\n"
        "1\t40\tA\tG\t1\t\t\tFalse\ttrue\t\t\t\n"
        "1\t50\tA\tG\t\t\t\tFalse\tFalse\t0\t0.1\t0.3\n"
        "1\t60\tD\tI\t1.5\t\t\tFalse\tFalse\t\t\t\n";
    grs_scorefile_t *sf = NULL;
    int r = grs_scorefile_read(write_file("or.txt", txt), NULL, &sf);
    CHECK(r == GRS_OK, "read: %d", r);
    if (r) return;
    const grs_score_row_t *w = sf->rows;
    CHECK(sf->n_rows == 6, "n_rows %lld", (long long)sf->n_rows);
    CHECK(fabs(sf->weights[0] - log(2.0)) < 1e-15 && fabs(sf->weights[1] - log(0.5)) < 1e-15,
          "OR -> ln(OR): %g %g", sf->weights[0], sf->weights[1]);
    CHECK(w[0].model == GRS_MODEL_DOMINANT && w[1].model == GRS_MODEL_RECESSIVE &&
          w[2].model == GRS_MODEL_ADDITIVE, "models %d %d %d", w[0].model, w[1].model, w[2].model);
    CHECK(!w[0].unsupported && !w[1].unsupported, "rows 0-1 supported");
    CHECK(streq(w[2].unsupported, GRS_SF_UNSUP_DIPLOTYPE), "row 2: %s", S(w[2].unsupported));
    CHECK(streq(w[3].unsupported, GRS_SF_UNSUP_INTERACTION), "row 3: %s", S(w[3].unsupported));
    CHECK(streq(w[4].unsupported, GRS_SF_UNSUP_DOSAGE) && sf->weights[4] == 0,
          "row 4 (dosage weights, no OR): %s", S(w[4].unsupported));
    CHECK(streq(w[5].unsupported, GRS_SF_UNSUP_NON_ACGT), "row 5: %s", S(w[5].unsupported));
    grs_scorefile_destroy(sf);

    /* HR only; no header lines at all (pgsc_calc custom format without '#') */
    sf = NULL;
    r = grs_scorefile_read(write_file("hr.txt", "chr_name\tchr_position\teffect_allele\tHR\n"
                                                "5\t7\tT\t3\n"), NULL, &sf);
    CHECK(r == GRS_OK && sf->format == GRS_SF_PGS_CATALOG &&
              fabs(sf->weights[0] - log(3.0)) < 1e-15 && streq(sf->score_names[0], "hr") &&
              sf->rows[0].other_allele == NULL,
          "HR-only file (%d)", r);
    grs_scorefile_destroy(sf);
}

static void test_crlf_bom_gz(void)
{
    static const char txt[] =
        "\xEF\xBB\xBF#pgs_name=crlf\r\n"
        "#genome_build=GRCh38\r\n"
        "rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\r\n"
        "rs1\tchrX\t5\tA\tG\t1.5\r\n"
        "rs2\tMT\t6\tC\tT\t-2\r\n";
    for (int gz = 0; gz < 2; gz++) {
        grs_scorefile_t *sf = NULL;
        const char *p = gz ? write_gz("crlf.txt.gz", txt) : write_file("crlf.txt", txt);
        int r = grs_scorefile_read(p, NULL, &sf);
        CHECK(r == GRS_OK, "read (gz=%d): %d", gz, r);
        if (r) continue;
        CHECK(sf->n_rows == 2 && streq(sf->pgs_name, "crlf") && streq(sf->genome_build, "GRCh38"),
              "gz=%d: header '%s'", gz, S(sf->genome_build));
        CHECK(streq(sf->score_names[0], "crlf"), "gz=%d: score name from pgs_name", gz);
        CHECK(streq(sf->rows[0].chrom, "X") && streq(sf->rows[1].chrom, "MT") &&
              streq(sf->rows[1].other_allele, "T") && sf->weights[1] == -2,
              "gz=%d: no CR left in the last field: '%s'", gz, S(sf->rows[1].other_allele));
        grs_scorefile_destroy(sf);
    }
}

static void test_plink(void)
{
    /* header-read, default columns: every column after the allele column */
    static const char txt[] =
        "ID\teffect_allele\tPGS_A\tPGS_B\n"
        "22:100:G:A  g  0.1 0.2\n"
        "rs2\tT\t-1\t2e-3\r\n";
    grs_scorefile_t *sf = NULL;
    grs_scorefile_opts_t o;
    memset(&o, 0, sizeof(o));
    o.header_read = 1;
    int r = grs_scorefile_read(write_file("plink.txt", txt), &o, &sf);
    CHECK(r == GRS_OK, "read: %d", r);
    if (!r) {
        CHECK(sf->format == GRS_SF_PLINK && sf->n_scores == 2 && sf->n_rows == 2, "shape");
        CHECK(streq(sf->score_names[0], "PGS_A") && streq(sf->score_names[1], "PGS_B"), "names");
        CHECK(streq(sf->rows[0].id, "22:100:G:A") && streq(sf->rows[0].effect_allele, "G") &&
                  sf->rows[0].chrom == NULL && sf->rows[0].pos == -1 &&
                  sf->rows[0].other_allele == NULL,
              "row 0");
        CHECK(sf->weights[0] == 0.1 && sf->weights[1] == 0.2 && sf->weights[2] == -1 &&
              sf->weights[3] == 2e-3, "weights row-major");
        CHECK(sf->rows[1].line == 3, "line numbers count the header");
        grs_scorefile_destroy(sf);
    }

    /* plink2 --score F 3 1 --score-col-nums 4,2 without a header */
    static const char txt2[] = "A 0.5 rs1 9 x\nC 0.25 rs2 8 y\n";
    static const int cols[2] = { 4, 2 };
    memset(&o, 0, sizeof(o));
    o.id_col = 3; o.allele_col = 1; o.weight_cols = cols; o.n_weight_cols = 2;
    sf = NULL;
    r = grs_scorefile_read(write_file("plink2.txt", txt2), &o, &sf);
    CHECK(r == GRS_OK, "read col nums: %d", r);
    if (!r) {
        CHECK(sf->n_scores == 2 && streq(sf->score_names[0], "SCORE1") &&
                  streq(sf->score_names[1], "SCORE2"),
              "default names");
        CHECK(streq(sf->rows[1].id, "rs2") && streq(sf->rows[1].effect_allele, "C") &&
                  sf->weights[0] == 9 && sf->weights[1] == 0.5 && sf->weights[2] == 8 &&
                  sf->weights[3] == 0.25,
              "columns picked by number");
        grs_scorefile_destroy(sf);
    }

    /* force PLINK format on a file that would otherwise look like PGS Catalog */
    memset(&o, 0, sizeof(o));
    o.force_format = GRS_SF_PLINK; o.header_read = 1; o.id_col = 1; o.allele_col = 2;
    sf = NULL;
    r = grs_scorefile_read(
        write_file("forced.txt", "id\teffect_allele\teffect_weight\nrs1\tA\t1\n"), &o, &sf);
    CHECK(r == GRS_OK && sf->format == GRS_SF_PLINK && streq(sf->score_names[0], "effect_weight"),
          "forced PLINK (%d)", r);
    grs_scorefile_destroy(sf);
}

static void expect_eformat(const char *name, const char *text, const grs_scorefile_opts_t *o)
{
    grs_scorefile_t *sf = NULL;
    fprintf(stderr, "  (expected error for %s:) ", name);
    int r = grs_scorefile_read(write_file(name, text), o, &sf);
    CHECK(r == GRS_EFORMAT && sf == NULL, "%s: expected GRS_EFORMAT, got %d", name, r);
    if (r == GRS_OK) { fputc('\n', stderr); grs_scorefile_destroy(sf); }
}

static void test_malformed(void)
{
    static const grs_scorefile_opts_t force_pgs = { .force_format = GRS_SF_PGS_CATALOG };
    static const char hdr[] =
        "rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n";
    char buf[1024];
    expect_eformat("empty.txt", "", NULL);
    expect_eformat("only_hash.txt", "#pgs_id=X\n#genome_build=GRCh37\n", NULL);
    expect_eformat("no_rows.txt", hdr, NULL);
    expect_eformat("missing_col.txt",
                   "#pgs_id=X\nrsID\tchr_name\tchr_position\tother_allele\teffect_weight\n"
                   "rs1\t1\t1\tA\t1\n",
                   &force_pgs);
    expect_eformat("no_weight_col.txt",
                   "rsID\tchr_name\tchr_position\teffect_allele\tother_allele\n"
                   "rs1\t1\t1\tA\tG\n",
                   &force_pgs);
    snprintf(buf, sizeof(buf), "%srs1\t1\t10\tA\tG\tNaN\n", hdr);
    expect_eformat("nan.txt", buf, NULL);
    snprintf(buf, sizeof(buf), "%srs1\t1\t10\tA\tG\tinf\n", hdr);
    expect_eformat("inf.txt", buf, NULL);
    snprintf(buf, sizeof(buf), "%srs1\t1\t10\tA\tG\t0.1\nrs2\t1\t11\tA\tG\tabc\n", hdr);
    expect_eformat("nonnum.txt", buf, NULL);
    snprintf(buf, sizeof(buf), "%srs1\t1\t10\tA\tG\t\n", hdr);
    expect_eformat("empty_weight.txt", buf, NULL);
    snprintf(buf, sizeof(buf), "%srs1\t1\t10\tA\tG\n", hdr);
    expect_eformat("short.txt", buf, NULL);
    snprintf(buf, sizeof(buf), "%srs1\t1\t10\tA\tG\t1\t7\n", hdr);
    expect_eformat("long.txt", buf, NULL);
    snprintf(buf, sizeof(buf), "%srs1\t1\t10\t\tG\t1\n", hdr);
    expect_eformat("empty_allele.txt", buf, NULL);
    snprintf(buf, sizeof(buf), "%srs1\t1\tx10\tA\tG\t1\n", hdr);
    expect_eformat("bad_pos.txt", buf, NULL);
    expect_eformat("or_neg.txt", "chr_name\tchr_position\teffect_allele\tOR\n1\t1\tA\t-2\n", NULL);
    expect_eformat(
        "domrec.txt",
        "chr_name\tchr_position\teffect_allele\teffect_weight\tis_dominant\tis_recessive\n"
        "1\t1\tA\t1\tTrue\tTrue\n",
        NULL);
    expect_eformat("plink_short.txt", "rs1 A 0.1\nrs2 C\n", NULL);
    expect_eformat("plink_nonnum.txt", "rs1 A 0.1\nrs2 C x\n", NULL);
    expect_eformat("plink_nocol.txt", "rs1 A\n", NULL);

    grs_scorefile_t *sf = NULL;
    fprintf(stderr, "  (expected error for a missing file:) ");
    int r = grs_scorefile_read(tmp_path("does_not_exist.txt"), NULL, &sf);
    CHECK(r == GRS_EIO && !sf, "missing file: %d", r);
}

/* The shared data, when present: every PGS Catalog example file reads. */
static void test_shared(void)
{
#ifdef GRS_SRC_DIR
    char p[1024];
    snprintf(p, sizeof(p), "%s/../shared/data/pgsc_calc-cineca/PGS001229_22.txt", GRS_SRC_DIR);
    if (access(p, R_OK) != 0) { printf("SKIP: %s not found\n", p); return; }
    grs_scorefile_t *sf = NULL;
    int r = grs_scorefile_read(p, NULL, &sf);
    CHECK(r == GRS_OK, "PGS001229_22: %d", r);
    if (r) return;
    CHECK(sf->n_rows == 835 && streq(sf->pgs_id, "PGS001229") && sf->variants_number == 51209 &&
              streq(sf->genome_build, "GRCh37") && streq(sf->format_version, "2.0"),
          "PGS001229_22 header");
    CHECK(sf->rows[0].line == 16 && sf->rows[0].pos == 17080378 &&
              streq(sf->rows[0].id, "rs5746679") && sf->weights[0] == 1.045457e-02,
          "first row");
    grs_scorefile_destroy(sf);

    static const char *const more[] = { "scorefile_dominant_and_recessive.txt", "customgrch37.txt",
                                        "multiscore.txt", "test.scorefile", "scorefile.txt" };
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof(p), "%s/../shared/data/pgsc_calc-cineca/%s", GRS_SRC_DIR, more[i]);
        grs_scorefile_opts_t o;
        memset(&o, 0, sizeof(o));
        o.header_read = 1;                  /* used by the PLINK-style ones only */
        sf = NULL;
        r = grs_scorefile_read(p, &o, &sf);
        CHECK(r == GRS_OK, "%s: %d", more[i], r);
        if (r) continue;
        if (i == 0) {
            int64_t n_dom = 0, n_rec = 0;
            for (int64_t k = 0; k < sf->n_rows; k++) {
                n_dom += sf->rows[k].model == GRS_MODEL_DOMINANT;
                n_rec += sf->rows[k].model == GRS_MODEL_RECESSIVE;
            }
            CHECK(n_dom > 0 && n_rec > 0 && sf->n_rows == 835, "dominant %lld recessive %lld",
                  (long long)n_dom, (long long)n_rec);
        }
        if (i == 1) CHECK(sf->n_rows == 2 && streq(sf->score_names[0], "custom"), "customgrch37");
        if (i == 2) CHECK(sf->format == GRS_SF_PLINK && sf->n_scores == 2 && sf->n_rows == 829 &&
                          streq(sf->score_names[1], "second_score"), "multiscore");
        if (i == 3)
            CHECK(sf->format == GRS_SF_PLINK && sf->n_scores == 1 && sf->n_rows == 829,
                  "test.scorefile");
        if (i == 4) CHECK(sf->format == GRS_SF_PGS_CATALOG && sf->n_rows == 835 &&
                          streq(sf->score_names[0], "PGS001229_22"), "scorefile.txt");
        grs_scorefile_destroy(sf);
    }
#else
    printf("SKIP: GRS_SRC_DIR not defined\n");
#endif
}

static void test_chrom_normalize(void)
{
    static const char *const cases[][2] = {
        {"chr22", "22"},
        {"22", "22"},
        {"CHRX", "X"},
        {"x", "X"},
        {"23", "X"},
        {"24", "Y"},
        {"25", "XY"},
        {"26", "MT"},
        {"chrM", "MT"},
        {"M", "MT"},
        {"mt", "MT"},
        {"01", "1"},
        {"chr6_cox_hap2", "6_cox_hap2"},
        {"GL000192.1", "GL000192.1"},
        {"", ""},
        {".", ""},
        {"NA", ""},
        {"0", ""},
        {"chr", ""},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int l = grs_chrom_normalize(cases[i][0], buf, sizeof(buf));
        CHECK(l == (int)strlen(cases[i][1]) && !strcmp(buf, cases[i][1]),
              "'%s' -> '%s' (%d), want '%s'", cases[i][0], buf, l, cases[i][1]);
    }
    CHECK(grs_chrom_normalize("chr22", buf, 2) == -1, "small buffer");
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/grs_test_scorefile.%d", (int)getpid());
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "mkdir -p %s", tmpdir);
    if (system(cmd) != 0) return 2;
    test_chrom_normalize();
    test_pgs_basic();
    test_pgs_harmonized();
    test_pgs_or_models();
    test_crlf_bom_gz();
    test_plink();
    test_malformed();
    test_shared();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", tmpdir);
    return check_done("test_scorefile");
}
