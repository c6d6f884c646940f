/* util.h -- small host-side helpers shared by the CLI commands (internal, not public API). */
#ifndef GRS_HOST_UTIL_H
#define GRS_HOST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "grs/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/** printf into a new malloc'd string; NULL on allocation failure. Caller frees. */
char *grs_sprintf(const char *fmt, ...) GRS_PRINTF(1, 2);

/** "FN.tmp.PID": the temporary name an output is written under before its rename. Caller frees. */
char *grs_tmp_name(const char *fn);

/** CRC-32 (zlib polynomial) of buf, continuing from crc (start with grs_crc32(0, NULL, 0)). */
uint32_t grs_crc32(uint32_t crc, const void *buf, size_t len);

/* ---- outputs: temporary name, rename on success, removal on failure or signal ---------- */

/** An output file being written (text or gzip). */
typedef struct grs_out_s grs_out_t;

/**
 * Open FN for writing under its temporary name; gz != 0 writes BGZF-compatible gzip.
 * FN "-" writes to stdout (no temporary name). The temporary file is registered so that a
 * SIGINT/SIGTERM removes it. @return NULL on failure (logged).
 */
grs_out_t *grs_out_open(const char *fn, int gz);
/** printf to the output; errors are remembered and reported by grs_out_close. */
void grs_out_printf(grs_out_t *o, const char *fmt, ...) GRS_PRINTF(2, 3);
/** write raw bytes */
void grs_out_write(grs_out_t *o, const void *buf, size_t n);
/** commit != 0: flush, close and rename to the final name; else remove. Frees o.
 *  @return GRS_OK or GRS_EIO (logged). Accepts NULL. */
int grs_out_close(grs_out_t *o, int commit);

/** Register/unregister a path to unlink if the process is interrupted (SIGINT/SIGTERM). */
void grs_cleanup_register(const char *path);
void grs_cleanup_unregister(const char *path);
/** Install SIGINT/SIGTERM handlers that unlink registered paths and set the interrupt flag. */
void grs_signals_install(void);
/** Nonzero once SIGINT/SIGTERM arrived; long loops poll it and return GRS_EINTR. */
int grs_interrupted(void);

/* ---- provenance ------------------------------------------------------------------------- */

/** "size=N;mtime=T;crc32_head=X": a cheap fingerprint of an input file. Caller frees. NULL if
 *  the file cannot be stat'ed. (crc32_head covers the first 1 MiB.) */
char *grs_file_fingerprint(const char *fn);
/** The command line as one string (arguments with spaces are quoted). Caller frees. */
char *grs_cmdline(int argc, char **argv);
/** Peak resident set size of this process in MiB. */
double grs_peak_rss_mb(void);
/** Wall-clock seconds since an arbitrary origin (monotonic). */
double grs_wall_seconds(void);
/** ISO 8601 UTC time of now, in buf (at least 32 bytes). */
void grs_iso_time(char *buf, size_t n);

/* ---- progress ---------------------------------------------------------------------------- */
/** Print "\r[grs] label: done/total" on stderr at most every 0.5 s, only if stderr is a tty. */
void grs_progress(const char *label, int64_t done, int64_t total);
/** End a progress line (newline) if one was printed. */
void grs_progress_end(void);

/* ---- text ------------------------------------------------------------------------------- */
/** Split s in place on any of `delims`, up to max fields; returns the field count (may be > max,
 *  extra fields are not stored). */
int grs_split(char *s, const char *delims, char **f, int max);
/** Split s in place into a growing array *f (capacity *cap, realloc'd as needed): on delim, or
 *  with delim ' ' on runs of spaces/TABs with leading/trailing blanks ignored (a blank line has
 *  0 fields). @return the field count, -1 when out of memory. */
int64_t grs_split_grow(char *s, char delim, char ***f, int64_t *cap);
/** Strict number parsing: whole string must be consumed; returns 0 on success. */
int grs_parse_double(const char *s, double *x);
int grs_parse_int64(const char *s, int64_t *x);

#ifdef __cplusplus
}
#endif
#endif
