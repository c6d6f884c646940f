/* test_util.c -- host/util.c: grs_parse_double (Clinger fast path + strtod fallback) gives
 * exactly strtod's double for every string strtod accepts whole, and rejects what it rejects. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "check.h"

int main(void)
{
    static const char *fmts[] = { "%.17g", "%.6g", "%.5g", "%g", "%.3e", "%.10f", "%.15g", "%.2f" };
    uint64_t seed = 12345;
    char buf[64];
    long n = 0, bad = 0;
    for (int i = 0; i < 400000; i++) {
        uint64_t r = rng_next(&seed);
        double v;
        if (i % 3 == 0) { memcpy(&v, &r, 8); if (v != v) continue; }
        else v = ldexp((double)(int64_t)r, -(int)(rng_next(&seed) % 80));
        snprintf(buf, sizeof(buf), fmts[i % 8], v);
        double a = strtod(buf, NULL), b = 0;
        if (grs_parse_double(buf, &b) != 0) { bad++; continue; }
        n++;
        bad += memcmp(&a, &b, 8) != 0;
    }
    CHECK(bad == 0 && n > 390000, "grs_parse_double == strtod on %ld printed doubles (%ld differ)", n, bad);
    static const char *good[] = { "1e-22", "-0", "0.1", ".5", "1.", "+3", "1e22", "1e23", "9007199254740993",
                                  "123456789012345678901234567890", "nan", "inf", "-1.5E-300", "4.9e-324" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        double a = strtod(good[i], NULL), b = 0;
        CHECK(grs_parse_double(good[i], &b) == 0 && memcmp(&a, &b, 8) == 0, "'%s' parses as strtod does", good[i]);
    }
    static const char *badstr[] = { "", "5e", "1.2.3", "abc", "1,5", "--1", "1e+", ".", "-", "1 2" };
    for (size_t i = 0; i < sizeof(badstr) / sizeof(badstr[0]); i++) {
        double b = 0;
        CHECK(grs_parse_double(badstr[i], &b) != 0, "'%s' is rejected", badstr[i]);
    }
    return check_done("test_util");
}
