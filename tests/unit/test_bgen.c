/* test_bgen.c -- the BGEN reader (host/bgen.h) on files built byte by byte here, for what
 * plink2 cannot write: multi-allelic variants (K = 3, 4), mixed ploidy (0, 1, 2, 3) and the
 * missing flag, phased multi-allelic data, odd bit depths (1, 3, 13, 32), layout 1 with
 * probabilities that do not sum to one, zstd and uncompressed blocks, the site filter, and
 * every malformed-file error. Expected dosages are computed here from the stored integers with
 * the VCF genotype order (index b(b+1)/2 + a for alleles a <= b), independently of the reader's
 * colex enumeration. The plink2-made files are checked in tests/cli/test_bgen.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "bgen.h"
#include "grs/log.h"
#include "grs/status.h"
#include "util.h"

#include "check.h"

/* ---- a byte buffer ------------------------------------------------------------------------ */
typedef struct { uint8_t *b; size_t n, cap; } buf_t;

static void put(buf_t *o, const void *p, size_t n)
{
    if (!n) return;
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2 + 64;
        o->b = (uint8_t *)realloc(o->b, o->cap);
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
static void put8(buf_t *o, uint32_t x) { uint8_t v = (uint8_t)x; put(o, &v, 1); }
static void put16(buf_t *o, uint32_t x) { uint8_t v[2] = { (uint8_t)x, (uint8_t)(x >> 8) }; put(o, v, 2); }
static void put32(buf_t *o, uint32_t x)
{
    uint8_t v[4] = { (uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24) };
    put(o, v, 4);
}
static void put_s16(buf_t *o, const char *s) { put16(o, (uint32_t)strlen(s)); put(o, s, strlen(s)); }
static void put_s32(buf_t *o, const char *s) { put32(o, (uint32_t)strlen(s)); put(o, s, strlen(s)); }

/* LSB-first bit packing */
typedef struct { buf_t *o; uint64_t acc; int nacc; } bits_t;
static void put_bits(bits_t *w, uint64_t v, int B)
{
    w->acc |= v << w->nacc;
    w->nacc += B;
    while (w->nacc >= 8) { put8(w->o, (uint32_t)(w->acc & 0xff)); w->acc >>= 8; w->nacc -= 8; }
}
static void flush_bits(bits_t *w) { if (w->nacc) put8(w->o, (uint32_t)w->acc); w->acc = 0; w->nacc = 0; }

/* ---- a layout-2 variant: per sample ploidy, missing flag and stored integer values ---------- */
#define NS 6
#define MAXV 16
typedef struct {
    const char *id, *chrom;
    uint32_t pos, k, B;
    const char *alleles[4];
    int phased;
    uint8_t ploidy[NS], miss[NS];
    uint64_t v[NS][MAXV];      /* stored values per sample, in file order (last implied) */
} var_t;

static uint64_t n_stored(const var_t *x, int s)
{
    uint32_t z = x->ploidy[s], k = x->k;
    if (x->phased) return (uint64_t)z * (k - 1);
    uint64_t c = 1;
    for (uint32_t i = 1; i <= z; i++) c = c * (k - 1 + i) / i;
    return c - 1;
}

/* the uncompressed genotype block */
static void geno_block(const var_t *x, buf_t *o)
{
    uint32_t pmin = 63, pmax = 0;
    for (int s = 0; s < NS; s++) {
        if (x->ploidy[s] < pmin) pmin = x->ploidy[s];
        if (x->ploidy[s] > pmax) pmax = x->ploidy[s];
    }
    put32(o, NS); put16(o, x->k); put8(o, pmin); put8(o, pmax);
    for (int s = 0; s < NS; s++) put8(o, x->ploidy[s] | (x->miss[s] ? 0x80u : 0));
    put8(o, (uint32_t)x->phased); put8(o, x->B);
    bits_t w = { o, 0, 0 };
    for (int s = 0; s < NS; s++)
        for (uint64_t i = 0; i < n_stored(x, s); i++) put_bits(&w, x->miss[s] ? 0 : x->v[s][i], (int)x->B);
    flush_bits(&w);
}

/* compression: 0 none, 1 zlib, 2 zstd; tweak: 1 = state a wrong uncompressed size */
static void variant(const var_t *x, int comp, int tweak, buf_t *o)
{
    buf_t g = { 0 };
    put_s16(o, x->id); put_s16(o, x->id); put_s16(o, x->chrom); put32(o, x->pos); put16(o, x->k);
    for (uint32_t a = 0; a < x->k; a++) put_s32(o, x->alleles[a]);
    geno_block(x, &g);
    if (comp == 0) { put32(o, (uint32_t)g.n); put(o, g.b, g.n); }
    else {
        size_t cap = compressBound(g.n) + ZSTD_compressBound(g.n);
        uint8_t *z = (uint8_t *)malloc(cap);
        size_t zn = cap;
        if (comp == 1) { uLongf zl = (uLongf)cap; compress2(z, &zl, g.b, g.n, 6); zn = zl; }
        else zn = ZSTD_compress(z, cap, g.b, g.n, 3);
        put32(o, (uint32_t)zn + 4); put32(o, (uint32_t)g.n + (tweak == 1)); put(o, z, zn);
        free(z);
    }
    free(g.b);
}

/* header (+ sample block) for layout 2 with m variants */
static void header(buf_t *o, uint32_t m, int comp, int layout, int ids)
{
    buf_t sb = { 0 };
    if (ids) {
        put32(&sb, 0); put32(&sb, NS);
        for (int s = 0; s < NS; s++) { char nm[16]; snprintf(nm, sizeof(nm), "id%d", s); put_s16(&sb, nm); }
        uint32_t l = (uint32_t)sb.n;
        memcpy(sb.b, &l, 4);
    }
    put32(o, 20 + (uint32_t)sb.n);
    put32(o, 20); put32(o, m); put32(o, NS); put(o, "bgen", 4);
    put32(o, (uint32_t)comp | ((uint32_t)layout << 2) | (ids ? 0x80000000u : 0));
    put(o, sb.b, sb.n);
    free(sb.b);
}

static char tmpdir[256];

static const char *write_file(const char *name, const buf_t *o)
{
    static char fn[512];
    snprintf(fn, sizeof(fn), "%s/%s", tmpdir, name);
    FILE *f = fopen(fn, "wb");
    fwrite(o->b, 1, o->n, f);
    fclose(f);
    return fn;
}

/* ---- expected dosage of ALT j, independently: VCF genotype order for diploids --------------- */
static double expect(const var_t *x, int s, uint32_t j, int *missing)
{
    const double max = (double)((((uint64_t)1) << x->B) - 1);
    uint32_t z = x->ploidy[s], k = x->k;
    *missing = x->miss[s] || z == 0 || z > 2;
    if (*missing) return 0;
    double d = 0;
    if (x->phased) {
        for (uint32_t h = 0; h < z; h++) {
            double sum = 0;
            for (uint32_t a = 0; a + 1 < k; a++) sum += (double)x->v[s][h * (k - 1) + a];
            d += j + 1 < k ? (double)x->v[s][h * (k - 1) + j] : max - sum;
        }
    } else if (z == 1) {
        double sum = 0;
        for (uint32_t a = 0; a + 1 < k; a++) sum += (double)x->v[s][a];
        d = j + 1 < k ? (double)x->v[s][j] : max - sum;
    } else {
        uint64_t ng = (uint64_t)k * (k + 1) / 2;
        double sum = 0;
        for (uint64_t g = 0; g + 1 < ng; g++) sum += (double)x->v[s][g];
        for (uint32_t b = 0; b < k; b++)
            for (uint32_t a = 0; a <= b; a++) {
                uint64_t g = (uint64_t)b * (b + 1) / 2 + a;
                double p = g + 1 < ng ? (double)x->v[s][g] : max - sum;
                d += p * ((a == j) + (b == j));
            }
    }
    return d / max;
}

/* random stored values for every sample that sum to at most max */
static void fill(var_t *x, uint64_t *seed)
{
    const uint64_t max = (((uint64_t)1) << x->B) - 1;
    for (int s = 0; s < NS; s++) {
        uint64_t nv = n_stored(x, s), per = x->phased ? x->k - 1 : nv, groups = nv / (per ? per : 1);
        for (uint64_t g = 0; g < groups; g++) {
            uint64_t left = max;
            for (uint64_t i = 0; i < per; i++) {
                uint64_t v = (uint64_t)(rng_unif(seed) * (double)(left + 1));
                if (v > left) v = left;
                if (i + 1 == per && rng_unif(seed) < 0.3) v = left;   /* sums exactly to one */
                x->v[s][g * per + i] = v;
                left -= v;
            }
        }
    }
}

/* read every row of fn and compare with expect() */
static void check_file(const char *fn, const var_t *const *vars, int n_vars, const char *what,
                       const grs_site_t *sites, int n_sites)
{
    grs_bgen_opts_t o;
    grs_bgen_reader_t *r = NULL;
    grs_bgen_row_t row;
    memset(&o, 0, sizeof(o));
    o.file = fn;
    o.hard_call_threshold = 0.1;
    o.sites = sites;
    o.n_sites = n_sites;
    int ret = grs_bgen_reader_open(&o, &r);
    CHECK(ret == GRS_OK, "%s: open returned %d", what, ret);
    if (ret < 0) return;
    CHECK(grs_bgen_reader_n_samples(r) == NS, "%s", what);
    CHECK(!strcmp(grs_bgen_reader_samples(r)[2].iid, "id2"), "%s: sample ID", what);
    for (int v = 0; v < n_vars; v++) {
        const var_t *x = vars[v];
        for (uint32_t j = 1; j < x->k; j++) {
            ret = grs_bgen_reader_next(r, &row);
            CHECK(ret == 1, "%s: variant %d ALT %u: next returned %d", what, v, j, ret);
            if (ret != 1) goto done;
            CHECK(!strcmp(row.var.alt, x->alleles[j]) && !strcmp(row.var.ref, x->alleles[0])
                  && row.var.src_allele == (int32_t)j && row.var.n_src_alleles == (int32_t)x->k
                  && row.var.pos == x->pos, "%s: variant %d ALT %u: table", what, v, j);
            for (int s = 0; s < NS; s++) {
                int miss;
                double e = expect(x, s, j, &miss) * 16384.0;
                if (miss) {
                    CHECK(row.dosage[s] == 65535 && row.codes[s] == 3, "%s: v%d j%u s%d missing", what, v, j, s);
                    continue;
                }
                CHECK(fabs(row.dosage[s] - e) <= 0.5 + 1e-6, "%s: v%d j%u s%d: dosage %u, expected %.3f",
                      what, v, j, s, row.dosage[s], e);
                int hap = x->ploidy[s] == 1;
                CHECK((row.haploid && row.haploid[s]) == hap, "%s: v%d s%d haploid flag", what, v, s);
                /* the hard call: nearest integer within 0.1 (haploid: within 0.05) */
                double d = row.dosage[s] / 16384.0, t = hap ? 0.05 : 0.1;
                int want = fabs(d - floor(d + 0.5)) <= t + 1e-9 ? (int)floor(d + 0.5) : 3;
                CHECK(row.codes[s] == want, "%s: v%d j%u s%d: code %u, expected %d (dosage %g)", what,
                      v, j, s, row.codes[s], want, d);
            }
        }
    }
    CHECK(grs_bgen_reader_next(r, &row) == 0, "%s: end", what);
done:
    grs_bgen_reader_close(r);
}

static int open_status(const char *fn, const char *sample_file)
{
    grs_bgen_opts_t o;
    grs_bgen_reader_t *r = NULL;
    grs_bgen_row_t row;
    int ret;
    memset(&o, 0, sizeof(o));
    o.file = fn;
    o.sample_file = sample_file;
    o.hard_call_threshold = 0.1;
    if ((ret = grs_bgen_reader_open(&o, &r)) < 0) return ret;
    while ((ret = grs_bgen_reader_next(r, &row)) > 0) {}
    grs_bgen_reader_close(r);
    return ret;
}

int main(void)
{
    uint64_t seed = 42;
    snprintf(tmpdir, sizeof(tmpdir), "%s/grs-test-bgen.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    grs_set_log_level(GRS_LOG_OFF);

    /* v1: K = 3 diploid, 8 bits, with a haploid, a triploid (missing), ploidy 0 and a missing flag */
    var_t a = { "rsA", "1", 100, 3, 8, { "A", "C", "G" }, 0, { 2, 1, 3, 2, 0, 2 }, { 0, 0, 0, 1, 0, 0 }, { { 0 } } };
    /* v2: K = 4 diploid, 13 bits (not byte aligned) */
    var_t b = { "rsB", "01", 200, 4, 13, { "T", "TA", "TAA", "C" }, 0, { 2, 2, 2, 2, 1, 2 }, { 0 }, { { 0 } } };
    /* v3: biallelic phased, 3 bits, mixed ploidy */
    var_t c = { "rsC", "1", 300, 2, 3, { "G", "T" }, 1, { 2, 2, 1, 2, 2, 2 }, { 0, 0, 0, 0, 1, 0 }, { { 0 } } };
    /* v4: K = 3 phased, 32 bits */
    var_t d = { "rsD", "2", 400, 3, 32, { "C", "A", "T" }, 1, { 2, 2, 2, 1, 2, 2 }, { 0 }, { { 0 } } };
    /* v5: biallelic, 1 bit: probabilities are 0 or 1, i.e. hard calls */
    var_t e = { "rsE", "2", 500, 2, 1, { "A", "G" }, 0, { 2, 2, 2, 2, 2, 2 }, { 0 }, { { 0 } } };
    /* v6: biallelic unphased, 16 bits, triploid-free ordinary imputed data */
    var_t f = { "rsF", "X", 600, 2, 16, { "A", "G" }, 0, { 1, 2, 1, 2, 2, 2 }, { 0 }, { { 0 } } };
    var_t *all[] = { &a, &b, &c, &d, &e, &f };
    const int nv = 6;
    for (int i = 0; i < nv; i++) fill(all[i], &seed);
    /* exact hard-call edge cases in v6: P(AA)=0.9, P(AB)=0.1 (dosage 0.1: called 0) and 0.5 */
    f.v[1][0] = 58982; f.v[1][1] = 6553;    /* dosage 6553/65535 = 0.09999 */
    f.v[3][0] = 0; f.v[3][1] = 65535;       /* het exactly                */
    f.v[0][0] = 62259;                      /* haploid REF 0.95 -> dosage 0.05 */

    for (int comp = 0; comp <= 2; comp++) {
        buf_t o = { 0 };
        char name[32], what[64];
        header(&o, (uint32_t)nv, comp, 2, 1);
        for (int i = 0; i < nv; i++) variant(all[i], comp, 0, &o);
        snprintf(name, sizeof(name), "c%d.bgen", comp);
        snprintf(what, sizeof(what), "layout 2 %s", grs_bgen_compression_name(comp));
        check_file(write_file(name, &o), (const var_t *const *)all, nv, what, NULL, 0);
        free(o.b);
    }

    /* the site filter: "01" in the file matches "1" in a scoring file; others are skipped */
    {
        buf_t o = { 0 };
        header(&o, (uint32_t)nv, 1, 2, 1);
        for (int i = 0; i < nv; i++) variant(all[i], 1, 0, &o);
        const char *fn = write_file("sites.bgen", &o);
        grs_site_t sites[] = { { "1", 200 }, { "chr2", 500 }, { "3", 1 } };
        const var_t *want[] = { &b, &e };
        check_file(fn, want, 2, "site filter", sites, 3);
        free(o.b);
    }

    /* layout 1: 3 x uint16 / 32768, which need not sum to one: dosage normalised by the sum */
    {
        buf_t o = { 0 }, g = { 0 };
        uint16_t p[NS][3] = { { 32768, 0, 0 }, { 0, 32768, 0 }, { 100, 200, 300 }, { 0, 0, 0 },
                              { 16000, 16000, 0 }, { 0, 3000, 29000 } };
        put32(&o, 20); put32(&o, 20); put32(&o, 1); put32(&o, NS); put(&o, "bgen", 4);
        put32(&o, 1u | (1u << 2));                            /* zlib, layout 1, no IDs */
        put32(&o, NS); put_s16(&o, "v1"); put_s16(&o, "rs1"); put_s16(&o, "1"); put32(&o, 7);
        put_s32(&o, "A"); put_s32(&o, "C");
        for (int s = 0; s < NS; s++) for (int i = 0; i < 3; i++) put16(&g, p[s][i]);
        uLongf zl = compressBound(g.n);
        uint8_t *z = (uint8_t *)malloc(zl);
        compress2(z, &zl, g.b, g.n, 6);
        put32(&o, (uint32_t)zl); put(&o, z, zl);
        free(z);
        const char *fn = write_file("l1.bgen", &o);
        char sfn[512];
        snprintf(sfn, sizeof(sfn), "%s/l1.sample", tmpdir);
        FILE *sf = fopen(sfn, "w");
        fprintf(sf, "ID_1 ID_2 missing sex\n0 0 0 D\n");
        for (int s = 0; s < NS; s++) fprintf(sf, "f%d  i%d 0 %d\n", s, s, s % 2 + 1);
        fclose(sf);
        grs_bgen_opts_t op;
        grs_bgen_reader_t *r = NULL;
        grs_bgen_row_t row;
        memset(&op, 0, sizeof(op));
        op.file = fn;
        op.sample_file = sfn;
        op.hard_call_threshold = 0.1;
        CHECK(grs_bgen_reader_open(&op, &r) == GRS_OK, "layout 1 open");
        if (r) {
            CHECK(!strcmp(grs_bgen_reader_samples(r)[3].fid, "f3") && !strcmp(grs_bgen_reader_samples(r)[3].iid, "i3")
                  && grs_bgen_reader_samples(r)[3].sex == 2, "layout 1: .sample IDs and sex");
            CHECK(grs_bgen_reader_next(r, &row) == 1, "layout 1 row");
            for (int s = 0; s < NS; s++) {
                double sum = p[s][0] + p[s][1] + p[s][2];
                if (sum == 0) { CHECK(row.dosage[s] == 65535 && row.codes[s] == 3, "layout 1 missing"); continue; }
                double e = (p[s][1] + 2.0 * p[s][2]) / sum * 16384;
                CHECK(fabs(row.dosage[s] - e) <= 0.5 + 1e-6, "layout 1 s%d: %u vs %.2f", s, row.dosage[s], e);
            }
            CHECK(row.codes[0] == 0 && row.codes[1] == 1 && row.codes[4] == 3, "layout 1 calls");
            CHECK(grs_bgen_reader_next(r, &row) == 0, "layout 1 end");
            grs_bgen_reader_close(r);
        }
        free(o.b); free(g.b);
    }

    /* ---- malformed files ---------------------------------------------------------------- */
    {
        buf_t good = { 0 };
        header(&good, 2, 1, 2, 1);
        variant(&a, 1, 0, &good);
        variant(&f, 1, 0, &good);
        CHECK(open_status(write_file("good.bgen", &good), NULL) == 0, "good file");

        buf_t t = { 0 };
        put(&t, good.b, good.n - 7);                                   /* truncated */
        CHECK(open_status(write_file("trunc.bgen", &t), NULL) == GRS_EFORMAT, "truncated");
        t.n = 0; put(&t, good.b, 10);                                  /* truncated header */
        CHECK(open_status(write_file("trunc2.bgen", &t), NULL) == GRS_EFORMAT, "truncated header");
        t.n = 0;
        CHECK(open_status(write_file("empty.bgen", &t), NULL) == GRS_EFORMAT, "empty");
        t.n = 0; put(&t, good.b, good.n); memcpy(t.b + 16, "BGEN", 4);  /* magic */
        CHECK(open_status(write_file("magic.bgen", &t), NULL) == GRS_EFORMAT, "magic");
        t.n = 0; put(&t, good.b, good.n); t.b[20] = (uint8_t)(1u | (3u << 2));   /* layout 3 */
        CHECK(open_status(write_file("layout3.bgen", &t), NULL) == GRS_EUNSUPPORTED, "layout 3");
        t.n = 0; put(&t, good.b, good.n); t.b[20] = (uint8_t)(1u | (0u << 2));   /* layout 0 */
        CHECK(open_status(write_file("layout0.bgen", &t), NULL) == GRS_EUNSUPPORTED, "layout 0");
        t.n = 0; put(&t, good.b, good.n); t.b[20] = (uint8_t)(2u | (1u << 2));   /* zstd in layout 1 */
        CHECK(open_status(write_file("l1zstd.bgen", &t), NULL) == GRS_EUNSUPPORTED, "zstd layout 1");
        t.n = 0; put(&t, good.b, good.n); memset(t.b + t.n - 40, 0x55, 12);     /* damaged zlib */
        CHECK(open_status(write_file("zlib.bgen", &t), NULL) == GRS_EFORMAT, "damaged zlib");

        buf_t w = { 0 };                                               /* stated size off by one */
        header(&w, 1, 1, 2, 1);
        variant(&a, 1, 1, &w);
        CHECK(open_status(write_file("dsize.bgen", &w), NULL) == GRS_EFORMAT, "stated size");
        w.n = 0;
        header(&w, 1, 2, 2, 1);
        variant(&a, 2, 1, &w);
        CHECK(open_status(write_file("dsize2.bgen", &w), NULL) == GRS_EFORMAT, "stated size zstd");

        var_t x = e;                                                   /* bit depth 0 */
        x.B = 0;
        w.n = 0; header(&w, 1, 0, 2, 1); variant(&x, 0, 0, &w);
        CHECK(open_status(write_file("bits0.bgen", &w), NULL) == GRS_EUNSUPPORTED, "bits 0");
        x = f;                                                         /* probabilities above one */
        x.v[3][0] = 40000; x.v[3][1] = 40000;
        w.n = 0; header(&w, 1, 0, 2, 1); variant(&x, 0, 0, &w);
        CHECK(open_status(write_file("sum.bgen", &w), NULL) == GRS_EFORMAT, "sum above one");
        {   /* K in the genotype block differs from the variant's */
            buf_t g2 = { 0 };
            geno_block(&f, &g2);
            g2.b[4] = 3;
            buf_t w2 = { 0 };
            header(&w2, 1, 0, 2, 1);
            put_s16(&w2, "k"); put_s16(&w2, "k"); put_s16(&w2, "1"); put32(&w2, 1); put16(&w2, 2);
            put_s32(&w2, "A"); put_s32(&w2, "G");
            put32(&w2, (uint32_t)g2.n); put(&w2, g2.b, g2.n);
            CHECK(open_status(write_file("kblock.bgen", &w2), NULL) == GRS_EFORMAT, "K mismatch");
            free(g2.b); free(w2.b);
        }
        /* .sample count mismatch; no sample IDs at all */
        char sfn[512];
        snprintf(sfn, sizeof(sfn), "%s/short.sample", tmpdir);
        FILE *sf = fopen(sfn, "w");
        fprintf(sf, "ID_1 ID_2 missing\n0 0 0\n");
        for (int s = 0; s < NS - 1; s++) fprintf(sf, "a%d b%d 0\n", s, s);
        fclose(sf);
        CHECK(open_status(write_file("good2.bgen", &good), sfn) == GRS_EINPUT, ".sample count");
        w.n = 0; header(&w, 1, 0, 2, 0); variant(&f, 0, 0, &w);
        CHECK(open_status(write_file("noids.bgen", &w), NULL) == GRS_EINPUT, "no sample IDs");
        free(good.b); free(t.b); free(w.b);
    }
    {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return check_done("test_bgen");
}
