/* grs/log.h -- leveled logging to stderr, modelled on htslib's hts_log.h (STYLE G5).
 *
 * Output format: "[E::function] message" (E, W, I, D, T for the level). errno is preserved.
 * The level is the only mutable global in grs. Default: GRS_LOG_WARNING. */
#ifndef GRS_LOG_H
#define GRS_LOG_H

#include "grs/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

enum grs_log_level {
    GRS_LOG_OFF = 0,      /* nothing, not even errors      */
    GRS_LOG_ERROR = 1,    /* the task cannot complete      */
    GRS_LOG_WARNING = 3,  /* continuing in a degraded mode */
    GRS_LOG_INFO = 4,     /* what was done, provenance     */
    GRS_LOG_DEBUG = 5,    /* details for developers        */
    GRS_LOG_TRACE = 6,    /* per-record chatter            */
};

/** Set the log level (values outside the enum are clamped). */
void grs_set_log_level(int level);
/** Current log level. */
int grs_get_log_level(void);

/** Write one message at `level` with `context` (normally __func__). Adds the newline. */
void grs_log(int level, const char *context, const char *fmt, ...) GRS_PRINTF(3, 4);

#define grs_log_error(...)   grs_log(GRS_LOG_ERROR, __func__, __VA_ARGS__)
#define grs_log_warning(...) grs_log(GRS_LOG_WARNING, __func__, __VA_ARGS__)
#define grs_log_info(...)    grs_log(GRS_LOG_INFO, __func__, __VA_ARGS__)
#define grs_log_debug(...)   grs_log(GRS_LOG_DEBUG, __func__, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif /* GRS_LOG_H */
