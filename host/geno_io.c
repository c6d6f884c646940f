/* geno_io.c -- the .grsm packed genotype matrix: streaming writer and validating mmap reader.
 * The format is documented in include/grs/geno.h. */
#include "grs/geno.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "grs/log.h"
#include "grs/status.h"
#include "util.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "grs stores .grsm integers little-endian and supports little-endian hosts only"
#endif

/* Header field offsets (bytes). The header is serialised field by field, never as a struct. */
enum {
    H_MAGIC = 0, H_MAJOR = 8, H_MINOR = 12, H_HBYTES = 16, H_FLAGS = 20,
    H_NSAMP = 24, H_NVAR = 32, H_ROWB = 40, H_DOSB = 48, H_HAPB = 56,
    H_NDOS = 64, H_NHAP = 72, H_SECT = 80, /* GRS_SEC_COUNT entries of 24 bytes */
    H_CRC = 80 + 24 * 8                   /* room for 8 sections */
};

static const char *const sec_name[GRS_SEC_COUNT] = {
    "MATRIX", "DOSAGE", "HAPLOID", "VSTATS", "VARIANTS", "SAMPLES", "META"
};

/* Population count without relying on -mpopcnt (the portable build has no POPCNT). */
static inline uint64_t popc64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (x * 0x0101010101010101ull) >> 56;
}

static void put32(uint8_t *p, uint32_t x) { memcpy(p, &x, 4); }
static void put64(uint8_t *p, uint64_t x) { memcpy(p, &x, 8); }
static uint32_t get32(const uint8_t *p) { uint32_t x; memcpy(&x, p, 4); return x; }
static uint64_t get64(const uint8_t *p) { uint64_t x; memcpy(&x, p, 8); return x; }

uint32_t grs_crc32(uint32_t crc, const void *buf, size_t len)
{
    return (uint32_t)crc32_z(crc, (const Bytef *)buf, (z_size_t)len);
}

/* =========================================================================================
 * Writer
 * ========================================================================================= */

typedef struct {
    FILE *fp;        /* unlinked temporary file in the output directory */
    uint64_t len;
} spool_t;

/* MATRIX rows are written by a background thread (CRC + fwrite) from two alternating blocks,
 * so that the producer (parsing, converting) overlaps with the output I/O. Only this thread
 * touches w->fp and crc[MATRIX] between grs_geno_writer_open and the start of close. */
#define MAT_BLOCK ((size_t)8 << 20)
typedef struct {
    pthread_t th;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint8_t *buf[2];
    size_t len[2];
    int cur;          /* block the producer fills             */
    int queued;       /* a block is queued or being written    */
    int quit, err, err_no;
    int discard;      /* close without commit: drop queued blocks */
} matq_t;

struct grs_geno_writer_s {
    char *fn, *tmp;
    FILE *fp;
    int64_t n_samples, n_variants, n_dosage, n_haploid;
    int64_t row_bytes, dos_bytes, hap_bytes;
    uint32_t crc[GRS_SEC_COUNT];
    uint8_t *row, *hap;           /* scratch rows */
    uint16_t *dos;
    uint8_t *ucodes, *uhap;       /* scratch for grs_geno_writer_add_packed with haploid rows */
    spool_t sp[GRS_SEC_COUNT];    /* DOSAGE, HAPLOID, VSTATS, VARIANTS spools */
    grs_sample_t *samples;
    char **meta_k, **meta_v;
    int n_meta;
    matq_t mq;
};

static void *matq_main(void *arg)
{
    grs_geno_writer_t *w = (grs_geno_writer_t *)arg;
    matq_t *q = &w->mq;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->queued && !q->quit) pthread_cond_wait(&q->cv, &q->mu);
        if (!q->queued) break;
        int b = q->cur ^ 1;          /* the producer moved on to the other block */
        int skip = q->err || q->discard;
        pthread_mutex_unlock(&q->mu);
        int bad = 0, e = 0;
        if (!skip) {
            w->crc[GRS_SEC_MATRIX] = grs_crc32(w->crc[GRS_SEC_MATRIX], q->buf[b], q->len[b]);
            if (fwrite(q->buf[b], 1, q->len[b], w->fp) != q->len[b]) { bad = 1; e = errno; }
        }
        pthread_mutex_lock(&q->mu);
        if (bad) { q->err = 1; q->err_no = e; }
        q->len[b] = 0;
        q->queued = 0;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* Hand the current block to the thread (waiting for the previous one) and switch blocks. */
static int matq_submit(grs_geno_writer_t *w)
{
    matq_t *q = &w->mq;
    pthread_mutex_lock(&q->mu);
    while (q->queued) pthread_cond_wait(&q->cv, &q->mu);
    int err = q->err;
    if (!err && q->len[q->cur]) {
        q->queued = 1;
        q->cur ^= 1;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    if (err) {
        errno = q->err_no;
        grs_log_error("write error on '%s': %s", w->tmp, strerror(q->err_no));
        return GRS_EIO;
    }
    return GRS_OK;
}

/* Flush everything queued and stop the thread. Returns GRS_OK or GRS_EIO (logged). */
static int matq_finish(grs_geno_writer_t *w)
{
    matq_t *q = &w->mq;
    int ret = GRS_OK;
    if (!q->started) return GRS_OK;
    if (q->len[q->cur] && !q->discard) ret = matq_submit(w);
    pthread_mutex_lock(&q->mu);
    while (q->queued) pthread_cond_wait(&q->cv, &q->mu);
    q->quit = 1;
    pthread_cond_broadcast(&q->cv);
    int err = q->err;
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->th, NULL);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    q->started = 0;
    if (err && ret == GRS_OK && !q->discard) {
        errno = q->err_no;
        grs_log_error("write error on '%s': %s", w->tmp, strerror(q->err_no));
        ret = GRS_EIO;
    }
    return ret;
}

/* Append one padded MATRIX row. */
static int matq_put(grs_geno_writer_t *w, const uint8_t *row, size_t n)
{
    matq_t *q = &w->mq;
    int ret;
    if (q->len[q->cur] + n > MAT_BLOCK && (ret = matq_submit(w)) < 0) return ret;
    memcpy(q->buf[q->cur] + q->len[q->cur], row, n);
    q->len[q->cur] += n;
    return GRS_OK;
}

static int spool_open(spool_t *s, const char *near)
{
    char *t = grs_sprintf("%s.spool.XXXXXX", near);
    int fd;
    if (!t) return GRS_ENOMEM;
    if ((fd = mkstemp(t)) < 0) {
        grs_log_error("cannot create temporary file '%s': %s", t, strerror(errno));
        free(t);
        return GRS_EIO;
    }
    unlink(t);   /* anonymous from now on: nothing is left behind whatever happens */
    free(t);
    if (!(s->fp = fdopen(fd, "w+b"))) { close(fd); return GRS_EIO; }
    s->len = 0;
    return GRS_OK;
}

static int spool_write(grs_geno_writer_t *w, int sec, const void *buf, size_t n)
{
    if (fwrite(buf, 1, n, w->sp[sec].fp) != n) {
        grs_log_error("write error on temporary file for '%s': %s", w->fn, strerror(errno));
        return GRS_EIO;
    }
    w->sp[sec].len += n;
    w->crc[sec] = grs_crc32(w->crc[sec], buf, n);
    return GRS_OK;
}

int grs_geno_writer_open(const char *fn, int64_t n_samples, const grs_sample_t *samples,
                         grs_geno_writer_t **out)
{
    int ret = GRS_ENOMEM, i;
    grs_geno_writer_t *w;
    uint8_t hdr[GRS_GRSM_HEADER_BYTES] = {0};

    if (n_samples < 1) { grs_log_error("'%s': no samples", fn); return GRS_EINVAL; }
    if (!(w = (grs_geno_writer_t *)calloc(1, sizeof(*w)))) return GRS_ENOMEM;
    w->n_samples = n_samples;
    w->row_bytes = grs_geno_row_bytes(n_samples);
    w->dos_bytes = grs_dosage_row_bytes(n_samples);
    w->hap_bytes = grs_haploid_row_bytes(n_samples);
    if (!(w->fn = strdup(fn)) || !(w->tmp = grs_tmp_name(fn))) goto fail;
    if (!(w->row = (uint8_t *)malloc(w->row_bytes)) || !(w->hap = (uint8_t *)malloc(w->hap_bytes))
        || !(w->dos = (uint16_t *)malloc(w->dos_bytes)))
        goto fail;
    if (!(w->samples = (grs_sample_t *)calloc(n_samples, sizeof(*w->samples)))) goto fail;
    for (int64_t s = 0; s < n_samples; s++) {
        const char *fid = samples[s].fid ? samples[s].fid : "0";
        if (!samples[s].iid || !*samples[s].iid || strpbrk(samples[s].iid, "\t\n\r") || strpbrk(fid, "\t\n\r")
            || samples[s].sex < 0 || samples[s].sex > 2) {   /* what the reader would refuse */
            grs_log_error("'%s': sample %" PRId64 " has an empty ID, a TAB or newline in its ID, or a "
                          "bad sex code", fn, s + 1);
            ret = GRS_EINVAL;
            goto fail;
        }
        w->samples[s].sex = samples[s].sex;
        if (!(w->samples[s].fid = strdup(samples[s].fid ? samples[s].fid : "0"))) goto fail;
        if (!(w->samples[s].iid = strdup(samples[s].iid))) goto fail;
    }
    for (i = 0; i < GRS_SEC_COUNT; i++) w->crc[i] = grs_crc32(0, NULL, 0);
    if (!(w->fp = fopen(w->tmp, "wb"))) {
        grs_log_error("cannot create '%s': %s", w->tmp, strerror(errno));
        ret = GRS_EIO;
        goto fail;
    }
    grs_cleanup_register(w->tmp);   /* SIGINT/SIGTERM remove the partial file */
    setvbuf(w->fp, NULL, _IOFBF, 1 << 20);
    if (fwrite(hdr, 1, sizeof(hdr), w->fp) != sizeof(hdr)) {
        grs_log_error("write error on '%s': %s", w->tmp, strerror(errno));
        ret = GRS_EIO;
        goto fail;
    }
    for (i = GRS_SEC_DOSAGE; i <= GRS_SEC_VARIANTS; i++)
        if ((ret = spool_open(&w->sp[i], w->tmp)) < 0) goto fail;
    ret = GRS_ENOMEM;
    if ((size_t)w->row_bytes > MAT_BLOCK) goto fail;    /* > 33M samples: not supported */
    if (!(w->mq.buf[0] = (uint8_t *)malloc(MAT_BLOCK)) || !(w->mq.buf[1] = (uint8_t *)malloc(MAT_BLOCK)))
        goto fail;
    if (pthread_mutex_init(&w->mq.mu, NULL) != 0) goto fail;
    if (pthread_cond_init(&w->mq.cv, NULL) != 0) { pthread_mutex_destroy(&w->mq.mu); goto fail; }
    if (pthread_create(&w->mq.th, NULL, matq_main, w) != 0) {
        pthread_cond_destroy(&w->mq.cv);
        pthread_mutex_destroy(&w->mq.mu);
        grs_log_error("cannot start the writer thread for '%s'", w->tmp);
        goto fail;
    }
    w->mq.started = 1;
    *out = w;
    return GRS_OK;
fail:
    grs_geno_writer_close(w, 0);
    return ret;
}

int grs_geno_writer_meta(grs_geno_writer_t *w, const char *key, const char *value)
{
    int i;
    char *v;
    if (strpbrk(key, "\t\n") || strpbrk(value, "\t\n")) return GRS_EINVAL;
    if (!(v = strdup(value))) return GRS_ENOMEM;
    for (i = 0; i < w->n_meta; i++)
        if (strcmp(w->meta_k[i], key) == 0) { free(w->meta_v[i]); w->meta_v[i] = v; return GRS_OK; }
    char **k2 = (char **)realloc(w->meta_k, (w->n_meta + 1) * sizeof(char *));
    if (!k2) { free(v); return GRS_ENOMEM; }
    w->meta_k = k2;
    char **v2 = (char **)realloc(w->meta_v, (w->n_meta + 1) * sizeof(char *));
    if (!v2) { free(v); return GRS_ENOMEM; }
    w->meta_v = v2;
    if (!(w->meta_k[w->n_meta] = strdup(key))) { free(v); return GRS_ENOMEM; }
    w->meta_v[w->n_meta++] = v;
    return GRS_OK;
}

int64_t grs_geno_writer_n_variants(const grs_geno_writer_t *w) { return w->n_variants; }

static int write_row(grs_geno_writer_t *w, const grs_variant_t *var, const uint16_t *dosage,
                     int has_hap, uint32_t n_missing, uint32_t allele_ct, double alt_sum);

/* w->row holds the first (n+3)/4 bytes of a diploid hard-call row (bits past n_samples in the
 * last byte are overwritten): pad it, count its statistics with popcounts, write. */
static int write_packed(grs_geno_writer_t *w, const grs_variant_t *var)
{
    int64_t n = w->n_samples, nb = (n + 3) / 4, s;
    uint64_t n_missing = 0, lo = 0, hi = 0;
    for (s = n; s % 4; s++) w->row[s >> 2] |= (uint8_t)(3u << (2 * (s & 3)));  /* padding = 3 */
    memset(w->row + nb, 0xff, w->row_bytes - nb);
    /* code 3 = both bits set; sum of codes = popcount(low bits) + 2 popcount(high bits) */
    for (s = 0; s < w->row_bytes; s += 8) {
        uint64_t x;
        memcpy(&x, w->row + s, 8);
        n_missing += popc64(x & (x >> 1) & 0x5555555555555555ull);
        lo += popc64(x & 0x5555555555555555ull);
        hi += popc64(x & 0xaaaaaaaaaaaaaaaaull);
    }
    uint64_t alt = lo + 2 * hi - 3 * n_missing;   /* padding codes (3) cancel out */
    n_missing -= (uint64_t)(w->row_bytes * 4 - n);
    return write_row(w, var, NULL, 0, (uint32_t)n_missing, (uint32_t)(2 * ((uint64_t)n - n_missing)),
                     (double)alt);
}

/* The writer must never produce a file its reader refuses: fields with a TAB or newline would
 * break the VARIANTS table, and the allele indices are checked on reading. */
static int bad_variant(const grs_geno_writer_t *w, const grs_variant_t *var)
{
    const char *f[4] = { var->chrom, var->id ? var->id : ".", var->ref, var->alt };
    for (int i = 0; i < 4; i++)
        if (!f[i] || strpbrk(f[i], "\t\n\r")) {
            grs_log_error("'%s': variant %" PRId64 " has %s %s", w->fn, w->n_variants + 1,
                          f[i] ? "a TAB or newline in its" : "no",
                          i == 0 ? "chromosome" : i == 1 ? "ID" : i == 2 ? "REF allele" : "ALT allele");
            return GRS_EINVAL;
        }
    if (var->pos < 0 || var->src_allele < 1 || var->n_src_alleles < 2
        || var->src_allele >= var->n_src_alleles) {
        grs_log_error("'%s': variant %s:%" PRId64 " has a bad position or allele index", w->fn,
                      var->chrom, var->pos);
        return GRS_EINVAL;
    }
    return GRS_OK;
}

int grs_geno_writer_add_packed(grs_geno_writer_t *w, const grs_variant_t *var, const uint8_t *row,
                               const uint8_t *haploid_bits)
{
    int64_t s, n = w->n_samples;
    int any_hap = 0;
    if (bad_variant(w, var) < 0) return GRS_EINVAL;
    if (haploid_bits)
        for (s = 0; s < (n + 7) / 8 && !any_hap; s++)
            any_hap = (haploid_bits[s] & (s == n / 8 ? (1u << (n % 8)) - 1 : 0xffu)) != 0;
    if (!any_hap) {
        memcpy(w->row, row, (n + 3) / 4);
        return write_packed(w, var);
    }
    if (!w->ucodes && (!(w->ucodes = (uint8_t *)malloc(n)) || !(w->uhap = (uint8_t *)malloc(n))))
        return GRS_ENOMEM;
    for (s = 0; s < n; s++) {
        w->ucodes[s] = (row[s >> 2] >> (2 * (s & 3))) & 3u;
        w->uhap[s] = (haploid_bits[s >> 3] >> (s & 7)) & 1u;
    }
    return grs_geno_writer_add(w, var, w->ucodes, NULL, w->uhap);
}

int grs_geno_writer_add(grs_geno_writer_t *w, const grs_variant_t *var, const uint8_t *codes,
                        const uint16_t *dosage, const uint8_t *haploid)
{
    int64_t s, n = w->n_samples;
    int has_hap = 0, has_frac = 0;
    uint32_t n_missing = 0, allele_ct = 0;
    double alt_sum = 0;

    if (bad_variant(w, var) < 0) return GRS_EINVAL;
    if (haploid)
        for (s = 0; s < n && !has_hap; s++) has_hap = haploid[s] != 0;
    if (dosage)
        for (s = 0; s < n && !has_frac; s++)
            has_frac = dosage[s] != GRS_DOSAGE_MISSING && dosage[s] % GRS_DOSAGE_ONE != 0;

    if (!has_hap && !has_frac) {   /* the common case: diploid hard calls, packed 4 at a time */
        uint8_t *r = w->row;
        for (s = 0; s + 4 <= n; s += 4) {
            uint32_t c0 = codes[s], c1 = codes[s + 1], c2 = codes[s + 2], c3 = codes[s + 3];
            if ((c0 | c1 | c2 | c3) > 3) break;
            r[s >> 2] = (uint8_t)(c0 | c1 << 2 | c2 << 4 | c3 << 6);
        }
        if (s + 4 > n) {
            uint32_t b = 0;
            int64_t s0 = s;
            for (; s < n && codes[s] <= 3; s++) b |= (uint32_t)codes[s] << (2 * (s - s0));
            if (s == n) {
                if (s0 < n) r[s0 >> 2] = (uint8_t)b;
                return write_packed(w, var);
            }
        }
        for (; codes[s] <= 3; s++) {}
        grs_log_error("'%s': variant %s:%" PRId64 " sample %" PRId64 ": code %u is not a genotype code",
                      w->fn, var->chrom, var->pos, s + 1, codes[s]);
        return GRS_EINVAL;
    }
    memset(w->row, 0xff, w->row_bytes);      /* padding codes are 3 (missing) */
    memset(w->row, 0, (n + 3) / 4);
    if (has_hap) memset(w->hap, 0, w->hap_bytes);
    for (s = 0; s < n; s++) {
        uint32_t c = codes[s];
        int hap = has_hap && haploid[s];
        int ploidy = hap ? 1 : 2;
        if (c > 3 || ((int)c > ploidy && c != GRS_GENO_MISSING)) {
            grs_log_error("'%s': variant %s:%" PRId64 " sample %" PRId64 ": code %u exceeds ploidy %d",
                          w->fn, var->chrom, var->pos, s + 1, c, ploidy);
            return GRS_EINVAL;
        }
        w->row[s >> 2] |= (uint8_t)(c << (2 * (s & 3)));
        if (hap) w->hap[s >> 3] |= (uint8_t)(1u << (s & 7));
        if (has_frac) {
            uint16_t d = dosage[s];
            if (d == GRS_DOSAGE_MISSING) { n_missing++; continue; }
            if (d > ploidy * GRS_DOSAGE_ONE) {
                grs_log_error("'%s': variant %s:%" PRId64 " sample %" PRId64 ": dosage %.4f exceeds ploidy %d",
                              w->fn, var->chrom, var->pos, s + 1, d / (double)GRS_DOSAGE_ONE, ploidy);
                return GRS_EINVAL;
            }
            alt_sum += d / (double)GRS_DOSAGE_ONE;
            allele_ct += ploidy;
        } else if (c == GRS_GENO_MISSING) {
            n_missing++;
        } else {
            alt_sum += c;
            allele_ct += ploidy;
        }
    }
    for (s = n; s % 4; s++) w->row[s >> 2] |= (uint8_t)(3u << (2 * (s & 3)));  /* padding = 3 */
    return write_row(w, var, has_frac ? dosage : NULL, has_hap, n_missing, allele_ct, alt_sum);
}

/* Write w->row (padded) and, when given, the dosage row and w->hap, plus the tables. */
static int write_row(grs_geno_writer_t *w, const grs_variant_t *var, const uint16_t *dosage,
                     int has_hap, uint32_t n_missing, uint32_t allele_ct, double alt_sum)
{
    int ret, has_frac = dosage != NULL;
    int64_t s, n = w->n_samples;
    uint8_t vs[32] = {0};
    uint32_t dos_row = GRS_NO_ROW, hap_row = GRS_NO_ROW, flags = 0;

    if ((ret = matq_put(w, w->row, (size_t)w->row_bytes)) < 0) return ret;
    if (has_frac) {
        memcpy(w->dos, dosage, n * sizeof(uint16_t));
        for (s = n; s < w->dos_bytes / 2; s++) w->dos[s] = GRS_DOSAGE_MISSING;
        if ((ret = spool_write(w, GRS_SEC_DOSAGE, w->dos, w->dos_bytes)) < 0) return ret;
        dos_row = (uint32_t)w->n_dosage++;
        flags |= GRS_VAR_DOSAGE;
    }
    if (has_hap) {
        if ((ret = spool_write(w, GRS_SEC_HAPLOID, w->hap, w->hap_bytes)) < 0) return ret;
        hap_row = (uint32_t)w->n_haploid++;
        flags |= GRS_VAR_HAPLOID;
    }
    if (var->n_src_alleles > 2) flags |= GRS_VAR_SPLIT;
    double freq = allele_ct ? alt_sum / allele_ct : NAN;
    memcpy(vs, &freq, 8);
    put32(vs + 8, n_missing);
    put32(vs + 12, allele_ct);
    put32(vs + 16, dos_row);
    put32(vs + 20, hap_row);
    put32(vs + 24, flags);
    if ((ret = spool_write(w, GRS_SEC_VSTATS, vs, sizeof(vs))) < 0) return ret;

    char *line = grs_sprintf("%s\t%" PRId64 "\t%s\t%s\t%s\t%d\t%d\n", var->chrom, var->pos,
                             var->id && *var->id ? var->id : ".", var->ref, var->alt,
                             var->src_allele, var->n_src_alleles);
    if (!line) return GRS_ENOMEM;
    ret = spool_write(w, GRS_SEC_VARIANTS, line, strlen(line));
    free(line);
    if (ret < 0) return ret;
    w->n_variants++;
    return GRS_OK;
}

/* Pad the output to a 64-byte boundary; returns the new offset or -1. */
static int64_t pad64(FILE *fp)
{
    static const uint8_t zeros[GRS_GENO_ROW_ALIGN] = {0};
    long off = ftell(fp);
    if (off < 0) return -1;
    size_t pad = (GRS_GENO_ROW_ALIGN - off % GRS_GENO_ROW_ALIGN) % GRS_GENO_ROW_ALIGN;
    if (pad && fwrite(zeros, 1, pad, fp) != pad) return -1;
    return off + (int64_t)pad;
}

int grs_geno_writer_close(grs_geno_writer_t *w, int commit)
{
    int ret = GRS_OK, i;
    uint8_t hdr[GRS_GRSM_HEADER_BYTES] = {0};
    uint64_t off[GRS_SEC_COUNT] = {0}, len[GRS_SEC_COUNT] = {0};
    char *buf = NULL;

    if (!w) return GRS_OK;
    if (w->mq.started) {
        if (!commit) {
            pthread_mutex_lock(&w->mq.mu);
            w->mq.discard = 1;
            pthread_mutex_unlock(&w->mq.mu);
        }
        ret = matq_finish(w);
        if (ret < 0 || !commit) goto cleanup;
    }
    if (!commit || !w->fp) goto cleanup;
    ret = GRS_EIO;
    off[GRS_SEC_MATRIX] = GRS_GRSM_HEADER_BYTES;
    len[GRS_SEC_MATRIX] = (uint64_t)w->n_variants * w->row_bytes;
    if (!(buf = (char *)malloc(1 << 20))) { ret = GRS_ENOMEM; goto cleanup; }
    for (i = GRS_SEC_DOSAGE; i <= GRS_SEC_VARIANTS; i++) {     /* append the spools */
        int64_t o = pad64(w->fp);
        size_t n;
        if (o < 0) goto werr;
        off[i] = o;
        len[i] = w->sp[i].len;
        if (fflush(w->sp[i].fp) != 0 || fseek(w->sp[i].fp, 0, SEEK_SET) != 0) goto werr;
        while ((n = fread(buf, 1, 1 << 20, w->sp[i].fp)) > 0)
            if (fwrite(buf, 1, n, w->fp) != n) goto werr;
        if (ferror(w->sp[i].fp)) goto werr;
    }
    /* SAMPLES and META are small text sections written from memory */
    {
        int64_t o = pad64(w->fp);
        if (o < 0) goto werr;
        off[GRS_SEC_SAMPLES] = o;
        for (int64_t s = 0; s < w->n_samples; s++) {
            char *l = grs_sprintf("%s\t%s\t%d\n", w->samples[s].fid, w->samples[s].iid, w->samples[s].sex);
            if (!l) { ret = GRS_ENOMEM; goto cleanup; }
            size_t n = strlen(l);
            w->crc[GRS_SEC_SAMPLES] = grs_crc32(w->crc[GRS_SEC_SAMPLES], l, n);
            len[GRS_SEC_SAMPLES] += n;
            int bad = fwrite(l, 1, n, w->fp) != n;
            free(l);
            if (bad) goto werr;
        }
        if ((o = pad64(w->fp)) < 0) goto werr;
        off[GRS_SEC_META] = o;
        for (i = 0; i < w->n_meta; i++) {
            char *l = grs_sprintf("%s\t%s\n", w->meta_k[i], w->meta_v[i]);
            if (!l) { ret = GRS_ENOMEM; goto cleanup; }
            size_t n = strlen(l);
            w->crc[GRS_SEC_META] = grs_crc32(w->crc[GRS_SEC_META], l, n);
            len[GRS_SEC_META] += n;
            int bad = fwrite(l, 1, n, w->fp) != n;
            free(l);
            if (bad) goto werr;
        }
    }
    memcpy(hdr + H_MAGIC, GRS_GRSM_MAGIC, 8);
    put32(hdr + H_MAJOR, GRS_GRSM_VERSION_MAJOR);
    put32(hdr + H_MINOR, GRS_GRSM_VERSION_MINOR);
    put32(hdr + H_HBYTES, GRS_GRSM_HEADER_BYTES);
    put64(hdr + H_NSAMP, w->n_samples);
    put64(hdr + H_NVAR, w->n_variants);
    put64(hdr + H_ROWB, w->row_bytes);
    put64(hdr + H_DOSB, w->dos_bytes);
    put64(hdr + H_HAPB, w->hap_bytes);
    put64(hdr + H_NDOS, w->n_dosage);
    put64(hdr + H_NHAP, w->n_haploid);
    for (i = 0; i < GRS_SEC_COUNT; i++) {
        put64(hdr + H_SECT + 24 * i, off[i]);
        put64(hdr + H_SECT + 24 * i + 8, len[i]);
        put32(hdr + H_SECT + 24 * i + 16, w->crc[i]);
    }
    put32(hdr + H_CRC, grs_crc32(grs_crc32(0, NULL, 0), hdr, sizeof(hdr)));
    if (fseek(w->fp, 0, SEEK_SET) != 0 || fwrite(hdr, 1, sizeof(hdr), w->fp) != sizeof(hdr)) goto werr;
    if (fflush(w->fp) != 0) goto werr;
    if (fclose(w->fp) != 0) { w->fp = NULL; goto werr; }
    w->fp = NULL;
    if (rename(w->tmp, w->fn) != 0) {
        grs_log_error("cannot rename '%s' to '%s': %s", w->tmp, w->fn, strerror(errno));
        goto cleanup;
    }
    ret = GRS_OK;
    goto cleanup;
werr:
    grs_log_error("write error on '%s': %s", w->tmp, strerror(errno));
    ret = GRS_EIO;
cleanup:
    free(buf);
    if (w->fp) fclose(w->fp);
    if (ret != GRS_OK || !commit) unlink(w->tmp);
    if (w->tmp) grs_cleanup_unregister(w->tmp);
    for (i = 0; i < GRS_SEC_COUNT; i++) if (w->sp[i].fp) fclose(w->sp[i].fp);
    if (w->samples)
        for (int64_t s = 0; s < w->n_samples; s++) {
            free((char *)w->samples[s].fid);
            free((char *)w->samples[s].iid);
        }
    for (i = 0; i < w->n_meta; i++) { free(w->meta_k[i]); free(w->meta_v[i]); }
    free(w->meta_k); free(w->meta_v);
    free(w->ucodes); free(w->uhap); free(w->mq.buf[0]); free(w->mq.buf[1]);
    free(w->samples); free(w->row); free(w->hap); free(w->dos); free(w->fn); free(w->tmp);
    free(w);
    return ret;
}

/* =========================================================================================
 * Reader
 * ========================================================================================= */

struct grs_geno_s {
    char *fn;
    uint8_t *map;
    size_t map_len;
    int64_t n_samples, n_variants, n_dosage, n_haploid;
    int64_t row_bytes, dos_bytes, hap_bytes;
    uint64_t off[GRS_SEC_COUNT], len[GRS_SEC_COUNT];
    grs_vstat_t *vstats;         /* aligned copy of VSTATS */
    grs_variant_t *variants;
    grs_sample_t *samples;
    char *vtext, *stext, *mtext; /* NUL-separated copies of the text sections */
    char **meta;                 /* key, value, key, value, ... */
    int n_meta;
};

/* Split a text section copy into lines of `nf` TAB-separated fields; calls back per line. */
static int split_lines(char *t, size_t len, int64_t n_expect, int nf, const char *fn, const char *sec,
                       int (*cb)(void *ud, int64_t i, char **f), void *ud)
{
    int64_t i = 0;
    char *p = t, *end = t + len;
    char *f[16];
    while (p < end) {
        char *nl = (char *)memchr(p, '\n', end - p);
        int k = 0;
        if (!nl) { grs_log_error("'%s': %s table: line %" PRId64 " not terminated", fn, sec, i + 1); return GRS_EFORMAT; }
        *nl = 0;
        f[k++] = p;
        for (char *q = p; *q; q++)
            if (*q == '\t') { *q = 0; if (k < 16) f[k++] = q + 1; else { k++; break; } }
        if (k != nf) {
            grs_log_error("'%s': %s table line %" PRId64 ": %d fields, expected %d", fn, sec, i + 1, k, nf);
            return GRS_EFORMAT;
        }
        if (i >= n_expect) break;
        if (cb(ud, i, f) < 0) {
            grs_log_error("'%s': %s table line %" PRId64 ": bad value", fn, sec, i + 1);
            return GRS_EFORMAT;
        }
        i++;
        p = nl + 1;
    }
    if (i != n_expect || p < end) {
        grs_log_error("'%s': %s table has %s%" PRId64 " lines, the header says %" PRId64, fn, sec,
                      p < end ? "more than " : "", i, n_expect);
        return GRS_EFORMAT;
    }
    return GRS_OK;
}

static int variant_cb(void *ud, int64_t i, char **f)
{
    grs_geno_t *g = (grs_geno_t *)ud;
    grs_variant_t *v = &g->variants[i];
    char *e;
    v->chrom = f[0];
    v->pos = strtoll(f[1], &e, 10);
    if (*e || e == f[1] || v->pos < 0) return -1;
    v->id = f[2]; v->ref = f[3]; v->alt = f[4];
    v->src_allele = (int32_t)strtol(f[5], &e, 10);
    if (*e || v->src_allele < 1) return -1;
    v->n_src_alleles = (int32_t)strtol(f[6], &e, 10);
    if (*e || v->n_src_alleles < 2 || v->src_allele >= v->n_src_alleles) return -1;
    return 0;
}

static int sample_cb(void *ud, int64_t i, char **f)
{
    grs_geno_t *g = (grs_geno_t *)ud;
    g->samples[i].fid = f[0];
    g->samples[i].iid = f[1];
    g->samples[i].sex = atoi(f[2]);
    return (g->samples[i].sex < 0 || g->samples[i].sex > 2 || !*f[1]) ? -1 : 0;
}

static char *copy_section(const grs_geno_t *g, int sec)
{
    char *t = (char *)malloc(g->len[sec] + 1);
    if (!t) return NULL;
    memcpy(t, g->map + g->off[sec], g->len[sec]);
    t[g->len[sec]] = 0;
    return t;
}

/* CRC-32 of a section, 64 MiB at a time; the pages of the big sections are dropped from the
 * resident set once checksummed, so verifying a large matrix does not hold it in memory. */
static uint32_t section_crc(const grs_geno_t *g, int i)
{
    const uint64_t piece = (uint64_t)64 << 20;      /* a multiple of any page size */
    uint32_t crc = grs_crc32(0, NULL, 0);
    for (uint64_t o = 0; o < g->len[i]; o += piece) {
        uint64_t n = g->len[i] - o < piece ? g->len[i] - o : piece;
        crc = grs_crc32(crc, g->map + g->off[i] + o, n);
        if ((i == GRS_SEC_MATRIX || i == GRS_SEC_DOSAGE) && (g->off[i] + o) % 4096 == 0 && n == piece)
            madvise(g->map + g->off[i] + o, n, MADV_DONTNEED);
    }
    return crc;
}

int grs_geno_open(const char *fn, unsigned flags, grs_geno_t **out)
{
    int ret = GRS_EFORMAT, fd = -1, i;
    struct stat st;
    uint8_t hdr[GRS_GRSM_HEADER_BYTES];
    grs_geno_t *g = NULL;

    if ((fd = open(fn, O_RDONLY)) < 0) {
        grs_log_error("cannot open '%s': %s", fn, strerror(errno));
        return GRS_EIO;
    }
    if (fstat(fd, &st) != 0) { grs_log_error("cannot stat '%s': %s", fn, strerror(errno)); ret = GRS_EIO; goto fail; }
    if (st.st_size < GRS_GRSM_HEADER_BYTES) {
        grs_log_error("'%s': %s (%lld bytes, a .grsm header alone is %d)", fn,
                      st.st_size == 0 ? "empty file" : "truncated or not a grs matrix",
                      (long long)st.st_size, GRS_GRSM_HEADER_BYTES);
        goto fail;
    }
    if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
        grs_log_error("cannot read '%s': %s", fn, strerror(errno)); ret = GRS_EIO; goto fail;
    }
    if (memcmp(hdr, GRS_GRSM_MAGIC, 8) != 0) { grs_log_error("'%s': not a grs matrix (bad magic)", fn); goto fail; }
    if (get32(hdr + H_MAJOR) > GRS_GRSM_VERSION_MAJOR) {
        grs_log_error("'%s': written by a newer grs (format %u.%u); this grs reads format %d.x",
                      fn, get32(hdr + H_MAJOR), get32(hdr + H_MINOR), GRS_GRSM_VERSION_MAJOR);
        ret = GRS_EUNSUPPORTED;
        goto fail;
    }
    {
        uint32_t want = get32(hdr + H_CRC);
        put32(hdr + H_CRC, 0);
        if (grs_crc32(grs_crc32(0, NULL, 0), hdr, sizeof(hdr)) != want) {
            grs_log_error("'%s': header checksum mismatch: the file is corrupted", fn);
            goto fail;
        }
    }
    if (!(g = (grs_geno_t *)calloc(1, sizeof(*g))) || !(g->fn = strdup(fn))) { ret = GRS_ENOMEM; goto fail; }
    g->n_samples = (int64_t)get64(hdr + H_NSAMP);
    g->n_variants = (int64_t)get64(hdr + H_NVAR);
    g->row_bytes = (int64_t)get64(hdr + H_ROWB);
    g->dos_bytes = (int64_t)get64(hdr + H_DOSB);
    g->hap_bytes = (int64_t)get64(hdr + H_HAPB);
    g->n_dosage = (int64_t)get64(hdr + H_NDOS);
    g->n_haploid = (int64_t)get64(hdr + H_NHAP);
    /* sizes come from the file: check them before any product is formed */
    if (g->n_samples < 1 || g->n_samples > ((int64_t)1 << 40) || g->n_variants < 0
        || g->n_variants > ((int64_t)1 << 40) || g->row_bytes != grs_geno_row_bytes(g->n_samples)
        || g->dos_bytes != grs_dosage_row_bytes(g->n_samples) || g->hap_bytes != grs_haploid_row_bytes(g->n_samples)
        || g->n_dosage < 0 || g->n_dosage > g->n_variants || g->n_haploid < 0 || g->n_haploid > g->n_variants) {
        grs_log_error("'%s': inconsistent dimensions in header", fn);
        goto fail;
    }
    for (i = 0; i < GRS_SEC_COUNT; i++) {
        g->off[i] = get64(hdr + H_SECT + 24 * i);
        g->len[i] = get64(hdr + H_SECT + 24 * i + 8);
        if (g->off[i] > (uint64_t)st.st_size || g->len[i] > (uint64_t)st.st_size - g->off[i]) {
            grs_log_error("'%s': truncated: section %s ends at byte %" PRIu64 " of %lld", fn,
                          sec_name[i], g->off[i] + g->len[i], (long long)st.st_size);
            goto fail;
        }
    }
    /* lengths are divided, not counts multiplied: 2^40 x 2^38 would overflow int64 */
    if (g->len[GRS_SEC_MATRIX] % g->row_bytes || g->len[GRS_SEC_MATRIX] / g->row_bytes != (uint64_t)g->n_variants
        || g->len[GRS_SEC_DOSAGE] % g->dos_bytes || g->len[GRS_SEC_DOSAGE] / g->dos_bytes != (uint64_t)g->n_dosage
        || g->len[GRS_SEC_HAPLOID] % g->hap_bytes || g->len[GRS_SEC_HAPLOID] / g->hap_bytes != (uint64_t)g->n_haploid
        || g->len[GRS_SEC_VSTATS] != (uint64_t)g->n_variants * 32
        || (uint64_t)g->n_samples > g->len[GRS_SEC_SAMPLES] / 5      /* "\tI\t0\n": 5 bytes at least */
        || (uint64_t)g->n_variants > g->len[GRS_SEC_VARIANTS] / 11   /* "\t0\t\t\t\t1\t2\n": 11 */
        || g->off[GRS_SEC_MATRIX] % GRS_GENO_ROW_ALIGN || g->off[GRS_SEC_DOSAGE] % GRS_GENO_ROW_ALIGN
        || g->off[GRS_SEC_VSTATS] % 8) {
        grs_log_error("'%s': section sizes disagree with the header", fn);
        goto fail;
    }
    g->map_len = (size_t)st.st_size;
    g->map = (uint8_t *)mmap(NULL, g->map_len, PROT_READ, MAP_SHARED, fd, 0);
    if (g->map == MAP_FAILED) {
        g->map = NULL;
        grs_log_error("cannot map '%s': %s", fn, strerror(errno));
        ret = GRS_EIO;
        goto fail;
    }
    close(fd);
    fd = -1;
    for (i = 0; i < GRS_SEC_COUNT; i++) {
        if ((flags & GRS_GENO_OPEN_NOVERIFY) && (i == GRS_SEC_MATRIX || i == GRS_SEC_DOSAGE)) continue;
        uint32_t want = get32(hdr + H_SECT + 24 * i + 16);
        if (i == GRS_SEC_MATRIX) madvise(g->map + g->off[i], g->len[i], MADV_SEQUENTIAL);
        if (section_crc(g, i) != want) {
            grs_log_error("'%s': checksum mismatch in section %s: the file is corrupted", fn, sec_name[i]);
            goto fail;
        }
    }
    ret = GRS_ENOMEM;
    if (!(g->vstats = (grs_vstat_t *)malloc(g->n_variants * sizeof(grs_vstat_t) + 1))) goto fail;
    memcpy(g->vstats, g->map + g->off[GRS_SEC_VSTATS], g->len[GRS_SEC_VSTATS]);
    for (int64_t v = 0; v < g->n_variants; v++) {
        const grs_vstat_t *s = &g->vstats[v];
        if ((s->dosage_row != GRS_NO_ROW && s->dosage_row >= (uint64_t)g->n_dosage)
            || (s->haploid_row != GRS_NO_ROW && s->haploid_row >= (uint64_t)g->n_haploid)
            || (s->dosage_row != GRS_NO_ROW) != !!(s->flags & GRS_VAR_DOSAGE)
            || (s->haploid_row != GRS_NO_ROW) != !!(s->flags & GRS_VAR_HAPLOID)
            || s->n_missing > (uint64_t)g->n_samples
            || s->allele_ct > 2 * (uint64_t)g->n_samples
            || !(isnan(s->alt_freq) || (s->alt_freq >= 0 && s->alt_freq <= 1))) {
            grs_log_error("'%s': variant statistics of variant %" PRId64 " are inconsistent", fn, v + 1);
            ret = GRS_EFORMAT;
            goto fail;
        }
    }
    if (!(g->variants = (grs_variant_t *)calloc(g->n_variants + 1, sizeof(grs_variant_t)))) goto fail;
    if (!(g->samples = (grs_sample_t *)calloc(g->n_samples, sizeof(grs_sample_t)))) goto fail;
    if (!(g->vtext = copy_section(g, GRS_SEC_VARIANTS)) || !(g->stext = copy_section(g, GRS_SEC_SAMPLES))
        || !(g->mtext = copy_section(g, GRS_SEC_META)))
        goto fail;
    if ((ret = split_lines(g->vtext, g->len[GRS_SEC_VARIANTS], g->n_variants, 7, fn, "variant",
                           variant_cb, g)) < 0)
        goto fail;
    if ((ret = split_lines(g->stext, g->len[GRS_SEC_SAMPLES], g->n_samples, 3, fn, "sample",
                           sample_cb, g)) < 0)
        goto fail;
    {   /* META: KEY TAB VALUE lines, any count */
        char *p = g->mtext, *end = g->mtext + g->len[GRS_SEC_META];
        int cap = 0;
        while (p < end) {
            char *nl = (char *)memchr(p, '\n', end - p), *tab;
            if (!nl || !(tab = (char *)memchr(p, '\t', nl - p))) {
                grs_log_error("'%s': malformed META section", fn);
                ret = GRS_EFORMAT;
                goto fail;
            }
            *nl = 0; *tab = 0;
            if (g->n_meta + 1 > cap) {
                cap = cap ? 2 * cap : 16;
                char **m = (char **)realloc(g->meta, 2 * cap * sizeof(char *));
                if (!m) { ret = GRS_ENOMEM; goto fail; }
                g->meta = m;
            }
            g->meta[2 * g->n_meta] = p;
            g->meta[2 * g->n_meta + 1] = tab + 1;
            g->n_meta++;
            p = nl + 1;
        }
    }
    *out = g;
    return GRS_OK;
fail:
    if (ret == GRS_ENOMEM) grs_log_error("'%s': out of memory while reading the tables", fn);
    if (fd >= 0) close(fd);
    grs_geno_close(g);
    return ret;
}

void grs_geno_close(grs_geno_t *g)
{
    if (!g) return;
    if (g->map) munmap(g->map, g->map_len);
    free(g->vstats); free(g->variants); free(g->samples);
    free(g->vtext); free(g->stext); free(g->mtext); free(g->meta); free(g->fn);
    free(g);
}

int64_t grs_geno_n_samples(const grs_geno_t *g) { return g->n_samples; }
int64_t grs_geno_n_variants(const grs_geno_t *g) { return g->n_variants; }
int64_t grs_geno_row_words(const grs_geno_t *g) { return g->row_bytes / 4; }
int64_t grs_geno_n_dosage_rows(const grs_geno_t *g) { return g->n_dosage; }
const char *grs_geno_path(const grs_geno_t *g) { return g->fn; }

const uint32_t *grs_geno_matrix(const grs_geno_t *g)
{
    return (const uint32_t *)(g->map + g->off[GRS_SEC_MATRIX]);
}

const uint32_t *grs_geno_row(const grs_geno_t *g, int64_t v)
{
    return (const uint32_t *)(g->map + g->off[GRS_SEC_MATRIX] + (uint64_t)v * g->row_bytes);
}

void grs_geno_release_before(const grs_geno_t *g, int64_t v)
{
    long page = sysconf(_SC_PAGESIZE);
    uint64_t beg = (uint64_t)g->off[GRS_SEC_MATRIX], end = beg + (uint64_t)v * g->row_bytes;
    beg = (beg + (uint64_t)page - 1) / (uint64_t)page * (uint64_t)page;    /* whole pages inside */
    end = end / (uint64_t)page * (uint64_t)page;
    if (page > 0 && end > beg) madvise(g->map + beg, end - beg, MADV_DONTNEED);
}

const uint16_t *grs_geno_dosage_row(const grs_geno_t *g, int64_t v)
{
    uint32_t r = g->vstats[v].dosage_row;
    if (r == GRS_NO_ROW) return NULL;
    return (const uint16_t *)(g->map + g->off[GRS_SEC_DOSAGE] + (uint64_t)r * g->dos_bytes);
}

const uint8_t *grs_geno_haploid_row(const grs_geno_t *g, int64_t v)
{
    uint32_t r = g->vstats[v].haploid_row;
    if (r == GRS_NO_ROW) return NULL;
    return g->map + g->off[GRS_SEC_HAPLOID] + (uint64_t)r * g->hap_bytes;
}

const grs_vstat_t *grs_geno_vstat(const grs_geno_t *g, int64_t v) { return &g->vstats[v]; }
const grs_variant_t *grs_geno_variant(const grs_geno_t *g, int64_t v) { return &g->variants[v]; }
const grs_variant_t *grs_geno_variants(const grs_geno_t *g) { return g->variants; }
const grs_sample_t *grs_geno_sample(const grs_geno_t *g, int64_t s) { return &g->samples[s]; }

const char *grs_geno_meta(const grs_geno_t *g, const char *key)
{
    for (int i = 0; i < g->n_meta; i++)
        if (strcmp(g->meta[2 * i], key) == 0) return g->meta[2 * i + 1];
    return NULL;
}
