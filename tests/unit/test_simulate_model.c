/* test_simulate_model.c -- the simulation model (host/simulate.h): option checks, invariance of the
 * genotypes to how the variant range is split (what makes --threads irrelevant), layout,
 * causal variants, and the model's stated statistics (marginal frequencies, Balding–Nichols
 * divergence, LD from the copying copula, missing rate, dosage noise) within sampling error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grs/status.h"
#include "simulate.h"

#include "check.h"

static grs_sim_opts_t base(int64_t n, int64_t m)
{
    grs_sim_opts_t o;
    grs_sim_opts_init(&o);
    o.n_samples = n;
    o.n_variants = m;
    o.out = "unused";
    return o;
}

static void test_opts(void)
{
    char msg[256];
    grs_sim_opts_t o = base(10, 10);
    CHECK(grs_sim_opts_check(&o, msg, sizeof(msg)) == GRS_OK, "defaults are valid");
    o.n_samples = 0;
    CHECK(grs_sim_opts_check(&o, msg, sizeof(msg)) == GRS_EINVAL && strstr(msg, "--samples"), "%s", msg);
    o = base(10, 10); o.n_pops = 11;
    CHECK(grs_sim_opts_check(&o, msg, sizeof(msg)) == GRS_EINVAL, "more populations than samples");
    o = base(10, 10); o.n_score = 11;
    CHECK(grs_sim_opts_check(&o, msg, sizeof(msg)) == GRS_EINVAL, "K > M");
    o = base(10, 10); o.h2 = 1.5;
    CHECK(grs_sim_opts_check(&o, msg, sizeof(msg)) == GRS_EINVAL, "h2 > 1");
    o = base(10, 10); o.prevalence = 0;
    CHECK(grs_sim_opts_check(&o, msg, sizeof(msg)) == GRS_EINVAL, "prevalence 0");
    o = base(10, 10); o.fst = 1;
    CHECK(grs_sim_opts_check(&o, msg, sizeof(msg)) == GRS_EINVAL, "fst 1");
    o = base(10, 10); o.n_chrom = 23;
    CHECK(grs_sim_opts_check(&o, msg, sizeof(msg)) == GRS_EINVAL, "23 chromosomes");
    o = base(10, 10); o.out = NULL;
    CHECK(grs_sim_opts_check(&o, msg, sizeof(msg)) == GRS_EINVAL, "no --out");
}

/* the same codes whatever the split of [0, M) */
static void test_split_invariance(void)
{
    grs_sim_opts_t o = base(37, 400);
    o.n_pops = 3; o.n_chrom = 2; o.ld = 0.95; o.missing_rate = 0.05; o.seed = 99;
    grs_sim_t *s = NULL;
    CHECK(grs_sim_init(&o, &s) == GRS_OK, "init");
    if (!s) return;
    const int64_t N = o.n_samples, M = o.n_variants;
    uint8_t *a = (uint8_t *)malloc((size_t)(N * M)), *b = (uint8_t *)malloc((size_t)(N * M));
    CHECK(grs_sim_genotypes(s, 0, M, a) == GRS_OK, "all at once");
    uint64_t rs = 5;
    for (int rep = 0; rep < 20; rep++) {
        int64_t v = 0;
        memset(b, 0xFF, (size_t)(N * M));
        while (v < M) {
            int64_t len = 1 + (int64_t)(rng_next(&rs) % (rep < 10 ? 7 : 150));
            if (v + len > M) len = M - v;
            if (grs_sim_genotypes(s, v, v + len, b + v * N) != GRS_OK) break;
            v += len;
        }
        CHECK(memcmp(a, b, (size_t)(N * M)) == 0, "split %d differs", rep);
    }
    /* a different seed gives different genotypes */
    grs_sim_t *s2 = NULL;
    o.seed = 100;
    CHECK(grs_sim_init(&o, &s2) == GRS_OK, "init 2");
    if (s2) {
        CHECK(grs_sim_genotypes(s2, 0, M, b) == GRS_OK, "seed 100");
        CHECK(memcmp(a, b, (size_t)(N * M)) != 0, "seeds 99 and 100 give the same genotypes");
    }
    grs_sim_destroy(s2);
    free(a); free(b);
    grs_sim_destroy(s);
}

static void test_layout(void)
{
    grs_sim_opts_t o = base(10, 5000);
    o.n_score = 700; o.n_pops = 4;
    grs_sim_t *s = NULL;
    CHECK(grs_sim_init(&o, &s) == GRS_OK, "init");
    if (!s) return;
    grs_sim_var_t *x = (grs_sim_var_t *)malloc(sizeof(*x)), *y = (grs_sim_var_t *)malloc(sizeof(*y));
    int64_t per_chrom[23] = { 0 }, bad_order = 0, bad_alleles = 0, ambiguous = 0;
    for (int64_t v = 0; v < o.n_variants; v++) {
        grs_sim_variant(s, v, x);
        per_chrom[x->chrom]++;
        if (v > 0 && (x->chrom < y->chrom || (x->chrom == y->chrom && x->pos <= y->pos))) bad_order++;
        if (x->ref == x->alt || !strchr("ACGT", x->ref) || !strchr("ACGT", x->alt)) bad_alleles++;
        int amb = (x->ref == 'A' && x->alt == 'T') || (x->ref == 'T' && x->alt == 'A')
               || (x->ref == 'C' && x->alt == 'G') || (x->ref == 'G' && x->alt == 'C');
        ambiguous += amb;
        if (x->causal >= 0) CHECK(!amb, "causal variant %" PRId64 " is strand-ambiguous", v);
        if (x->pos < 1) bad_order++;
        grs_sim_var_t *t = x; x = y; y = t;
    }
    CHECK(bad_order == 0, "%" PRId64 " variants out of order", bad_order);
    CHECK(bad_alleles == 0, "%" PRId64 " bad allele pairs", bad_alleles);
    /* transitions 2/3, transversions 1/3 of which half ambiguous: ~1/6 */
    CHECK(ambiguous > 0.12 * 5000 && ambiguous < 0.21 * 5000, "ambiguous fraction %" PRId64 "/5000", ambiguous);
    /* chromosome 1 (249 Mb) holds about 8% of the variants, chromosome 21 (47 Mb) about 1.5% */
    CHECK(llabs(per_chrom[1] - 5000 * 248956422LL / 2875001522LL) <= 1, "chr1 has %" PRId64, per_chrom[1]);
    CHECK(llabs(per_chrom[21] - 5000 * 46709983LL / 2875001522LL) <= 1, "chr21 has %" PRId64, per_chrom[21]);
    int64_t n_c;
    const int64_t *c = grs_sim_causal(s, &n_c);
    CHECK(n_c == 700, "K = %" PRId64, n_c);
    for (int64_t k = 1; k < n_c; k++) CHECK(c[k] > c[k - 1], "causal not increasing at %" PRId64, k);
    CHECK(c[0] >= 0 && c[n_c - 1] < 5000, "causal out of range");
    /* populations: contiguous, sizes differ by at most one */
    int64_t cnt[4] = { 0 };
    for (int64_t i = 0; i < 10; i++) {
        int k = grs_sim_pop_of(s, i);
        cnt[k]++;
        if (i) CHECK(k >= grs_sim_pop_of(s, i - 1), "populations not contiguous");
    }
    for (int k = 0; k < 4; k++) CHECK(cnt[k] == 2 || cnt[k] == 3, "population %d has %" PRId64, k, cnt[k]);
    free(x); free(y);
    grs_sim_destroy(s);
}

/* frequencies, divergence, LD, missingness, dosages */
static void test_statistics(void)
{
    grs_sim_opts_t o = base(4000, 300);
    o.n_pops = 2; o.fst = 0.1; o.ld = 0.8; o.missing_rate = 0.02; o.dosage_frac = 0.3;
    o.n_chrom = 1; o.seed = 3;
    grs_sim_t *s = NULL;
    CHECK(grs_sim_init(&o, &s) == GRS_OK, "init");
    if (!s) return;
    const int64_t N = o.n_samples, M = o.n_variants;
    uint8_t *g = (uint8_t *)malloc((size_t)(N * M));
    grs_sim_var_t *x = (grs_sim_var_t *)malloc(sizeof(*x));
    CHECK(grs_sim_genotypes(s, 0, M, g) == GRS_OK, "genotypes");
    double z2 = 0, fst_num = 0, n_miss = 0, n_frac = 0, n_nonmiss = 0;
    int64_t bad_ds = 0;
    for (int64_t v = 0; v < M; v++) {
        grs_sim_variant(s, v, x);
        for (int k = 0; k < 2; k++) {
            double alt = 0, n = 0;
            for (int64_t i = k * N / 2; i < (k + 1) * N / 2; i++) {
                alt += (g[v * N + i] & 1) + ((g[v * N + i] >> 1) & 1);
                n += 2;
            }
            double p = x->p[k], f = alt / n;
            z2 += (f - p) * (f - p) / (p * (1 - p) / n + 1e-12);
        }
        fst_num += (x->p[0] - x->p_anc) * (x->p[0] - x->p_anc) / (x->p_anc * (1 - x->p_anc));
        for (int64_t i = 0; i < N; i++) {
            unsigned c = g[v * N + i];
            if (c & GRS_SIM_MISS) { n_miss++; continue; }
            n_nonmiss++;
            int d = grs_sim_ds_milli(s, x, i, c), t = (int)(c & 1) + (int)((c >> 1) & 1);
            if ((d + 500) / 1000 != t || d < 0 || d > 2000 || d % 1000 == 500) bad_ds++;
            n_frac += d % 1000 != 0;
        }
    }
    /* haplotypes are independent across samples, so each frequency is binomial: Σz² ~ χ²(2M) */
    CHECK(z2 < 2 * M + 6 * sqrt(4.0 * M), "allele frequencies off their model values: chi2 %.1f on %d df",
          z2, (int)(2 * M));
    /* Balding–Nichols: E[(p_k - p)²] = F p (1 - p) */
    double fst_hat = fst_num / M;
    CHECK(fst_hat > 0.07 && fst_hat < 0.13, "Balding-Nichols F estimate %.4f, want 0.1", fst_hat);
    double mr = n_miss / (double)(N * M);
    CHECK(fabs(mr - 0.02) < 0.002, "missing rate %.4f, want 0.02", mr);
    double fr = n_frac / n_nonmiss;
    CHECK(fabs(fr - 0.3) < 0.01, "fractional DS rate %.4f, want 0.3", fr);
    CHECK(bad_ds == 0, "%" PRId64 " DS values do not round to their GT", bad_ds);

    /* LD: mean correlation of the ALT indicators of neighbouring variants on one haplotype
     * (within population 1); positive with κ = 0.8, near 0 with κ = 0 */
    for (int pass = 0; pass < 2; pass++) {
        grs_sim_t *t = NULL;
        o.ld = pass == 0 ? 0.8 : 0.0;
        if (grs_sim_init(&o, &t) != GRS_OK) { CHECK(0, "init"); break; }
        if (grs_sim_genotypes(t, 0, M, g) != GRS_OK) { CHECK(0, "genotypes"); grs_sim_destroy(t); break; }
        double rsum = 0;
        int n_pairs = 0;
        for (int64_t v = 1; v < M; v++) {
            double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0, n = 0;
            for (int64_t i = 0; i < N / 2; i++) {
                double a = g[(v - 1) * N + i] & 1, b = g[v * N + i] & 1;
                sa += a; sb += b; sab += a * b; saa += a * a; sbb += b * b; n++;
            }
            double va = saa / n - (sa / n) * (sa / n), vb = sbb / n - (sb / n) * (sb / n);
            if (va <= 0 || vb <= 0) continue;
            rsum += (sab / n - sa / n * sb / n) / sqrt(va * vb);
            n_pairs++;
        }
        double r = rsum / n_pairs;
        if (pass == 0) CHECK(r > 0.3, "mean neighbour correlation %.3f with ld 0.8", r);
        else CHECK(fabs(r) < 0.02, "mean neighbour correlation %.3f with ld 0", r);
        grs_sim_destroy(t);
    }
    free(x); free(g);
    grs_sim_destroy(s);
}

int main(void)
{
    test_opts();
    test_split_invariance();
    test_layout();
    test_statistics();
    return check_done("test_simulate_model");
}
