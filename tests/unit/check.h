/* check.h -- minimal test helpers: CHECK macros that count failures, and a seeded RNG. */
#ifndef GRS_TEST_CHECK_H
#define GRS_TEST_CHECK_H

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

static int n_fail, n_pass;

#define CHECK(cond, ...) do {                                                      \
        if (cond) n_pass++;                                                        \
        else { n_fail++; fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
               fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); }               \
    } while (0)

/* SplitMix64: small, seeded, the same on every platform */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline double rng_unif(uint64_t *s) { return (rng_next(s) >> 11) * 0x1p-53; }

static inline int check_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, n_pass, n_fail);
    return n_fail ? 1 : 0;
}

#endif
