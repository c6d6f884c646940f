/* fuzz_grsm.c -- libFuzzer target: the .grsm reader (host/geno_io.c, grs_geno_open) and every
 * accessor over the opened matrix.
 *
 * Random bytes almost never pass the header and section CRC-32s, which would leave the table
 * parsers unexplored. So when the last header byte (offset 4095, always zero in real files) is
 * zero, the target recomputes the section CRCs and then the header CRC before writing the file;
 * a mutation of that byte turns the fix-up off and exercises the checksum errors instead.
 * The header layout used here (sections at byte 80, 24 bytes each: offset, length, CRC; header
 * CRC at byte 272) is geno_io.c's. */
#include <zlib.h>

#include "fuzz_common.h"
#include "grs/geno.h"

enum { H_SECT = 80, H_CRC = 80 + 24 * 8 };

static uint64_t rd64(const uint8_t *p) { uint64_t x; memcpy(&x, p, 8); return x; }
static void wr32(uint8_t *p, uint32_t x) { memcpy(p, &x, 4); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char fn[300];
    if (!fn[0]) fuzz_path(fn, sizeof(fn), "m.grsm");
    uint8_t *buf = (uint8_t *)malloc(size + 1);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    if (size >= GRS_GRSM_HEADER_BYTES && buf[GRS_GRSM_HEADER_BYTES - 1] == 0) {
        for (int i = 0; i < GRS_SEC_COUNT; i++) {
            uint64_t off = rd64(buf + H_SECT + 24 * i), len = rd64(buf + H_SECT + 24 * i + 8);
            if (off <= size && len <= size - off)
                wr32(buf + H_SECT + 24 * i + 16, (uint32_t)crc32_z(crc32(0, NULL, 0), buf + off, len));
        }
        wr32(buf + H_CRC, 0);
        wr32(buf + H_CRC, (uint32_t)crc32_z(crc32(0, NULL, 0), buf, GRS_GRSM_HEADER_BYTES));
    }
    fuzz_write(fn, buf, size);
    free(buf);

    grs_geno_t *g = NULL;
    if (grs_geno_open(fn, 0, &g) == 0) {
        volatile uint64_t sink = 0;
        int64_t ns = grs_geno_n_samples(g), nv = grs_geno_n_variants(g);
        for (int64_t v = 0; v < nv; v++) {
            const uint32_t *row = grs_geno_row(g, v);
            const uint16_t *d = grs_geno_dosage_row(g, v);
            const uint8_t *h = grs_geno_haploid_row(g, v);
            for (int64_t s = 0; s < ns; s++) {
                sink += grs_geno_code(row, s);
                if (d) sink += d[s];
                if (h) sink += (uint64_t)grs_geno_is_haploid(h, s);
            }
            const grs_variant_t *var = grs_geno_variant(g, v);
            sink += strlen(var->chrom) + strlen(var->id) + strlen(var->ref) + strlen(var->alt);
            sink += (uint64_t)grs_geno_vstat(g, v)->n_missing;
        }
        for (int64_t s = 0; s < ns; s++) {
            const grs_sample_t *sm = grs_geno_sample(g, s);
            sink += strlen(sm->fid) + strlen(sm->iid);
        }
        const char *t = grs_geno_meta(g, "tool");
        if (t) sink += strlen(t);
        (void)sink;
        grs_geno_close(g);
    } else if (g) {
        abort();
    }
    return 0;
}
