/* test_geno.c -- the packed matrix: GRS_HD accessors exhaustively, writer/reader round trip,
 * and the reader's refusal of corrupted, truncated and newer files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grs/geno.h"
#include "grs/log.h"
#include "grs/status.h"
#include "check.h"

static void test_hd(void)
{
    /* every code at every position of a word, and a partial last word */
    for (int64_t n = 1; n <= 67; n++) {
        uint32_t row[8];
        memset(row, 0xff, sizeof(row));
        for (int64_t s = 0; s < n; s++) {
            uint32_t c = (uint32_t)((s * 7 + n) % 4);
            row[s / 16] &= ~(3u << (2 * (s % 16)));
            row[s / 16] |= c << (2 * (s % 16));
        }
        int ok = 1;
        for (int64_t s = 0; s < n; s++) ok &= grs_geno_code(row, s) == (uint32_t)((s * 7 + n) % 4);
        for (int64_t s = n; s < 128; s++) ok &= grs_geno_code(row, s) == GRS_GENO_MISSING;
        CHECK(ok, "grs_geno_code n=%" PRId64, n);
    }
    /* .bed code conversion: 00 hom A1 (2 ALT), 01 missing, 10 het, 11 hom A2 (0 ALT) */
    CHECK(grs_bed_to_code(0) == 2, "bed 00");
    CHECK(grs_bed_to_code(1) == 3, "bed 01");
    CHECK(grs_bed_to_code(2) == 1, "bed 10");
    CHECK(grs_bed_to_code(3) == 0, "bed 11");
    CHECK(grs_geno_row_bytes(1) == 64 && grs_geno_row_bytes(256) == 64 && grs_geno_row_bytes(257) == 128, "row bytes");
    CHECK(grs_dosage_row_bytes(32) == 64 && grs_dosage_row_bytes(33) == 128, "dosage row bytes");
    CHECK(grs_haploid_row_bytes(512) == 64 && grs_haploid_row_bytes(513) == 128, "haploid row bytes");
    CHECK(grs_dosage_value(GRS_DOSAGE_ONE, -1) == 1.0 && grs_dosage_value(GRS_DOSAGE_MISSING, -7) == -7, "dosage value");
    CHECK(grs_code_dosage(2, 0) == 2.0 && grs_code_dosage(GRS_GENO_MISSING, 0.5) == 0.5, "code dosage");
    uint8_t hap[2] = { 0x81, 0x01 };
    CHECK(grs_geno_is_haploid(hap, 0) && !grs_geno_is_haploid(hap, 1) && grs_geno_is_haploid(hap, 7)
          && grs_geno_is_haploid(hap, 8) && !grs_geno_is_haploid(NULL, 3), "haploid bits");
}

#define NS 37
#define NV 50

static int write_file(const char *fn, uint64_t seed)
{
    grs_sample_t samp[NS];
    char names[NS][16];
    grs_geno_writer_t *w;
    uint8_t codes[NS], hap[NS];
    uint16_t dos[NS];
    for (int s = 0; s < NS; s++) {
        snprintf(names[s], sizeof(names[s]), "S%d", s);
        samp[s].fid = "F";
        samp[s].iid = names[s];
        samp[s].sex = s % 3;
    }
    if (grs_geno_writer_open(fn, NS, samp, &w) < 0) return -1;
    if (grs_geno_writer_meta(w, "tool", "test_geno") < 0) return -1;
    for (int v = 0; v < NV; v++) {
        grs_variant_t var = { "22", 1000 + v, "rs1", "A", "G", 1, 2 };
        int with_dos = v % 5 == 1, with_hap = v % 7 == 2;
        for (int s = 0; s < NS; s++) {
            hap[s] = with_hap && s % 2;
            int ploidy = hap[s] ? 1 : 2;
            codes[s] = (uint8_t)(rng_next(&seed) % (ploidy + 2));
            if (codes[s] > ploidy) codes[s] = GRS_GENO_MISSING;
            dos[s] = codes[s] == GRS_GENO_MISSING ? GRS_DOSAGE_MISSING
                     : (uint16_t)(rng_next(&seed) % (ploidy * GRS_DOSAGE_ONE + 1));
        }
        if (grs_geno_writer_add(w, &var, codes, with_dos ? dos : NULL, with_hap ? hap : NULL) < 0) return -1;
    }
    return grs_geno_writer_close(w, 1);
}

static long file_size(const char *fn)
{
    FILE *fp = fopen(fn, "rb");
    long n;
    if (!fp) return -1;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fclose(fp);
    return n;
}

static void flip_byte(const char *fn, long off)
{
    FILE *fp = fopen(fn, "r+b");
    int c;
    fseek(fp, off, SEEK_SET);
    c = fgetc(fp);
    fseek(fp, off, SEEK_SET);
    fputc(c ^ 0x10, fp);
    fclose(fp);
}

static void test_roundtrip(void)
{
    char fn[] = "/tmp/test_geno_XXXXXX";
    int fd = mkstemp(fn);
    grs_geno_t *g = NULL;
    close(fd);
    CHECK(write_file(fn, 42) == GRS_OK, "write");
    CHECK(grs_geno_open(fn, 0, &g) == GRS_OK, "open");
    if (!g) return;
    CHECK(grs_geno_n_samples(g) == NS && grs_geno_n_variants(g) == NV, "dims");
    CHECK(strcmp(grs_geno_meta(g, "tool"), "test_geno") == 0, "meta");
    CHECK(strcmp(grs_geno_sample(g, 5)->iid, "S5") == 0 && grs_geno_sample(g, 5)->sex == 2, "sample");
    CHECK(grs_geno_variant(g, 3)->pos == 1003 && strcmp(grs_geno_variant(g, 3)->alt, "G") == 0, "variant");
    /* regenerate the same stream and compare every code, dosage and haploid bit */
    uint64_t seed = 42;
    int ok = 1, n_dos = 0;
    for (int v = 0; v < NV; v++) {
        int with_dos = v % 5 == 1, with_hap = v % 7 == 2;
        const uint32_t *row = grs_geno_row(g, v);
        const uint16_t *d = grs_geno_dosage_row(g, v);
        const uint8_t *h = grs_geno_haploid_row(g, v);
        int any_frac = 0;
        uint16_t dos[NS];
        for (int s = 0; s < NS; s++) {
            int hap = with_hap && s % 2, ploidy = hap ? 1 : 2;
            uint32_t c = (uint32_t)(rng_next(&seed) % (ploidy + 2));
            if (c > (uint32_t)ploidy) c = GRS_GENO_MISSING;
            dos[s] = c == GRS_GENO_MISSING ? GRS_DOSAGE_MISSING
                     : (uint16_t)(rng_next(&seed) % (ploidy * GRS_DOSAGE_ONE + 1));
            any_frac |= dos[s] != GRS_DOSAGE_MISSING && dos[s] % GRS_DOSAGE_ONE;
            ok &= grs_geno_code(row, s) == c;
            ok &= grs_geno_is_haploid(h, s) == hap;
        }
        if (with_dos && any_frac) {
            n_dos++;
            ok &= d != NULL && memcmp(d, dos, sizeof(dos)) == 0;
        } else ok &= d == NULL;
        ok &= (h != NULL) == with_hap;
        for (int s = NS; s < 64 * 4; s++) ok &= grs_geno_code(row, s) == GRS_GENO_MISSING;
    }
    CHECK(ok, "round trip of codes, dosages, haploid bits and padding");
    CHECK(grs_geno_n_dosage_rows(g) == n_dos, "dosage rows %" PRId64 " vs %d", grs_geno_n_dosage_rows(g), n_dos);
    grs_geno_close(g);

    /* corruption anywhere is caught: flip one byte in header, matrix, tables */
    long size = file_size(fn);
    long offs[] = { 20, 4096 + 3, size / 2, size - 5 };
    int saved = grs_get_log_level();
    grs_set_log_level(GRS_LOG_OFF);
    for (int i = 0; i < 4; i++) {
        CHECK(write_file(fn, 42) == GRS_OK, "rewrite");
        flip_byte(fn, offs[i]);
        g = NULL;
        int r = grs_geno_open(fn, 0, &g);
        CHECK(r == GRS_EFORMAT && g == NULL, "flipped byte at %ld: got %d", offs[i], r);
        grs_geno_close(g);
    }
    /* truncated */
    CHECK(write_file(fn, 42) == GRS_OK, "rewrite");
    CHECK(truncate(fn, size - 100) == 0, "truncate");
    g = NULL;
    CHECK(grs_geno_open(fn, 0, &g) == GRS_EFORMAT, "truncated");
    CHECK(truncate(fn, 0) == 0, "truncate");
    CHECK(grs_geno_open(fn, 0, &g) == GRS_EFORMAT, "empty");
    /* newer major version */
    CHECK(write_file(fn, 42) == GRS_OK, "rewrite");
    {
        FILE *fp = fopen(fn, "r+b");
        uint32_t major = 99;
        fseek(fp, 8, SEEK_SET);
        fwrite(&major, 4, 1, fp);
        fclose(fp);
    }
    CHECK(grs_geno_open(fn, 0, &g) == GRS_EUNSUPPORTED, "newer version refused");
    CHECK(grs_geno_open("/nonexistent/x.grsm", 0, &g) == GRS_EIO, "missing file");
    grs_set_log_level(saved);
    unlink(fn);

    /* an abandoned writer leaves nothing behind */
    {
        grs_sample_t s1 = { "0", "A", 0 };
        grs_geno_writer_t *w;
        char tmpl[] = "/tmp/test_geno_abandon_XXXXXX";
        int fd2 = mkstemp(tmpl);
        close(fd2);
        unlink(tmpl);
        CHECK(grs_geno_writer_open(tmpl, 1, &s1, &w) == GRS_OK, "open writer");
        grs_geno_writer_close(w, 0);
        CHECK(access(tmpl, F_OK) != 0, "no output after abandon");
        char *t = NULL;
        (void)t;
    }
}

int main(void)
{
    test_hd();
    test_roundtrip();
    return check_done("test_geno");
}
