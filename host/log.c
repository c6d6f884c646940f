/* log.c -- grs_log() and grs_strerror(). */
#include "grs/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "grs/status.h"

static int grs_log_level = GRS_LOG_WARNING;

void grs_set_log_level(int level)
{
    if (level < GRS_LOG_OFF) level = GRS_LOG_OFF;
    if (level > GRS_LOG_TRACE) level = GRS_LOG_TRACE;
    grs_log_level = level;
}

int grs_get_log_level(void) { return grs_log_level; }

void grs_log(int level, const char *context, const char *fmt, ...)
{
    int save_errno = errno;
    if (level > grs_log_level || level <= GRS_LOG_OFF) return;
    static const char tag[] = "?E?WIDT";
    char c = level < (int)sizeof(tag) - 1 ? tag[level] : '?';
    va_list ap;
    fprintf(stderr, "[%c::%s] ", c, context ? context : "grs");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    errno = save_errno;
}

const char *grs_strerror(int status)
{
    switch (status) {
    case GRS_OK: return "success";
    case GRS_ENOMEM: return "out of memory";
    case GRS_EIO: return "input/output error";
    case GRS_EFORMAT: return "malformed input";
    case GRS_EINPUT: return "inconsistent inputs";
    case GRS_EDEGENERATE: return "degenerate input";
    case GRS_EDEVICE: return "GPU device error";
    case GRS_EUNSUPPORTED: return "not supported";
    case GRS_EINVAL: return "invalid argument";
    case GRS_EINTR: return "interrupted";
    default: return "unknown error";
    }
}
