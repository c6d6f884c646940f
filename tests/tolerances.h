/* tolerances.h -- every comparison tolerance in the test suite, with the reason (STYLE G7). */
#ifndef GRS_TEST_TOLERANCES_H
#define GRS_TEST_TOLERANCES_H

/* CPU reference vs a naive per-sample double loop: the reference sums 256-variant chunks in a
 * different order (and dgemm may use FMA), so sums differ by a few ulps of the chunk partials. */
#define TOL_PGS_REF_RTOL 1e-12
#define TOL_PGS_REF_ATOL 1e-12

/* GPU vs CPU scores (issue 4): relative 1e-6 of each score's SD across samples. */
#define TOL_PGS_GPU_SD_FRAC 1e-6

#endif
