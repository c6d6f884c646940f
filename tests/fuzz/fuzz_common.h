/* fuzz_common.h -- helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * The readers under test take file names (they mmap, pread, or hand the path to htslib), so each
 * target writes the fuzz input to a per-process file under /dev/shm (or $TMPDIR) and calls the
 * reader on it. Logging is switched off: libFuzzer looks for crashes, leaks, sanitizer reports,
 * timeouts and memory blow-ups; the wording of each error message is checked by the bad-input
 * catalogue (tests/bad-inputs/, tests/cli/test_bad_inputs.sh) instead. */
#ifndef GRS_FUZZ_COMMON_H
#define GRS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/hts.h>

#include "grs/log.h"

/* A per-process scratch directory, made once. */
static inline const char *fuzz_dir(void)
{
    static char dir[256];
    if (!dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/grsfuzz.%ld", base ? base : "/tmp", (long)getpid());
        mkdir(dir, 0700);
        grs_set_log_level(getenv("GRS_FUZZ_LOG") ? GRS_LOG_TRACE : GRS_LOG_OFF);
        hts_set_log_level(getenv("GRS_FUZZ_LOG") ? HTS_LOG_WARNING : HTS_LOG_OFF);
    }
    return dir;
}

/* Write n bytes to DIR/name and return the path (static buffer per call site is the caller's). */
static inline void fuzz_write(const char *path, const uint8_t *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) abort();
    if (n && fwrite(data, 1, n, fp) != n) abort();
    if (fclose(fp) != 0) abort();
}

static inline void fuzz_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", fuzz_dir(), name);
}

/* Find `sep` in [p, end); returns its position or end. */
static inline const uint8_t *fuzz_find(const uint8_t *p, const uint8_t *end, const char *sep)
{
    size_t k = strlen(sep);
    for (; p + k <= end; p++)
        if (memcmp(p, sep, k) == 0) return p;
    return end;
}

#endif
