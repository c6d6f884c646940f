/* util.c -- host helpers: temporary outputs, signal cleanup, provenance, progress. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <htslib/bgzf.h>

#include "grs/log.h"
#include "grs/status.h"

char *grs_sprintf(const char *fmt, ...)
{
    va_list ap, aq;
    int n;
    char *s;
    va_start(ap, fmt);
    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(s = (char *)malloc((size_t)n + 1))) { va_end(aq); return NULL; }
    vsnprintf(s, (size_t)n + 1, fmt, aq);
    va_end(aq);
    return s;
}

char *grs_tmp_name(const char *fn) { return grs_sprintf("%s.tmp.%ld", fn, (long)getpid()); }

/* ---- signal cleanup ----------------------------------------------------------------------
 * The registry of temporary paths is process-global by necessity: a signal handler can reach
 * nothing else. It is a fixed array so that the handler needs no allocation. */
#define MAX_CLEANUP 64
static char *cleanup_paths[MAX_CLEANUP];
static volatile sig_atomic_t interrupted_flag;

void grs_cleanup_register(const char *path)
{
    for (int i = 0; i < MAX_CLEANUP; i++)
        if (!cleanup_paths[i]) { cleanup_paths[i] = strdup(path); return; }
}

void grs_cleanup_unregister(const char *path)
{
    for (int i = 0; i < MAX_CLEANUP; i++)
        if (cleanup_paths[i] && strcmp(cleanup_paths[i], path) == 0) {
            char *p = cleanup_paths[i];
            cleanup_paths[i] = NULL;
            free(p);
            return;
        }
}

static void on_signal(int sig)
{
    interrupted_flag = 1;
    for (int i = 0; i < MAX_CLEANUP; i++)
        if (cleanup_paths[i]) unlink(cleanup_paths[i]);
    /* a second signal, or a loop that does not poll, ends the process with the usual status */
    signal(sig, SIG_DFL);
    if (sig == SIGINT || sig == SIGTERM) {
        static const char msg[] = "[E::grs] interrupted by a signal; temporary outputs removed\n";
        ssize_t r = write(2, msg, sizeof(msg) - 1);
        (void)r;
        _exit(128 + sig);
    }
}

void grs_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* past `ulimit -f` a write then fails with EFBIG, which is reported and the temporary output
     * removed, instead of SIGXFSZ killing the process and leaving FILE.tmp.PID behind */
    signal(SIGXFSZ, SIG_IGN);
}

int grs_interrupted(void) { return interrupted_flag; }

/* ---- outputs ------------------------------------------------------------------------------ */
struct grs_out_s {
    char *fn, *tmp;
    FILE *fp;     /* text */
    BGZF *bg;     /* gzip */
    int err;
};

grs_out_t *grs_out_open(const char *fn, int gz)
{
    grs_out_t *o = (grs_out_t *)calloc(1, sizeof(*o));
    if (!o) return NULL;
    if (!(o->fn = strdup(fn))) goto fail;
    if (strcmp(fn, "-") == 0) {
        if (gz) { if (!(o->bg = bgzf_dopen(1, "w"))) goto fail; }
        else o->fp = stdout;
        return o;
    }
    if (!(o->tmp = grs_tmp_name(fn))) goto fail;
    grs_cleanup_register(o->tmp);
    if (gz) o->bg = bgzf_open(o->tmp, "w");
    else o->fp = fopen(o->tmp, "w");
    if (!o->bg && !o->fp) {
        grs_log_error("cannot create '%s': %s", o->tmp, strerror(errno));
        grs_cleanup_unregister(o->tmp);
        goto fail;
    }
    if (o->fp) setvbuf(o->fp, NULL, _IOFBF, 1 << 16);
    return o;
fail:
    free(o->fn); free(o->tmp); free(o);
    return NULL;
}

void grs_out_write(grs_out_t *o, const void *buf, size_t n)
{
    if (o->err || n == 0) return;
    if (o->bg) { if (bgzf_write(o->bg, buf, n) != (ssize_t)n) o->err = errno ? errno : EIO; }
    else if (fwrite(buf, 1, n, o->fp) != n) o->err = errno ? errno : EIO;
}

void grs_out_printf(grs_out_t *o, const char *fmt, ...)
{
    char stackbuf[4096];
    va_list ap;
    int n;
    if (o->err) return;
    va_start(ap, fmt);
    n = vsnprintf(stackbuf, sizeof(stackbuf), fmt, ap);
    va_end(ap);
    if (n < 0) { o->err = EINVAL; return; }
    if ((size_t)n < sizeof(stackbuf)) { grs_out_write(o, stackbuf, (size_t)n); return; }
    char *big = (char *)malloc((size_t)n + 1);
    if (!big) { o->err = ENOMEM; return; }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    grs_out_write(o, big, (size_t)n);
    free(big);
}

int grs_out_close(grs_out_t *o, int commit)
{
    int ret = GRS_OK;
    if (!o) return GRS_OK;
    if (o->bg) { if (bgzf_close(o->bg) < 0 && !o->err) o->err = EIO; }
    else if (o->fp == stdout) { if (fflush(stdout) != 0 && !o->err) o->err = errno; }
    else if (o->fp && fclose(o->fp) != 0 && !o->err) o->err = errno;
    if (commit && o->err) {
        grs_log_error("write error on '%s': %s", o->fn, strerror(o->err));
        ret = GRS_EIO;
    }
    if (o->tmp) {
        if (commit && ret == GRS_OK) {
            if (rename(o->tmp, o->fn) != 0) {
                grs_log_error("cannot rename '%s' to '%s': %s", o->tmp, o->fn, strerror(errno));
                ret = GRS_EIO;
                unlink(o->tmp);
            }
        } else {
            unlink(o->tmp);
        }
        grs_cleanup_unregister(o->tmp);
    }
    free(o->fn); free(o->tmp); free(o);
    return ret;
}

/* ---- provenance --------------------------------------------------------------------------- */
char *grs_file_fingerprint(const char *fn)
{
    struct stat st;
    uint32_t crc = grs_crc32(0, NULL, 0);
    if (stat(fn, &st) != 0) return NULL;
    FILE *fp = fopen(fn, "rb");
    if (fp) {
        static const size_t cap = 1 << 20;
        char *buf = (char *)malloc(cap);
        if (buf) {
            size_t n = fread(buf, 1, cap, fp);
            crc = grs_crc32(crc, buf, n);
            free(buf);
        }
        fclose(fp);
    }
    return grs_sprintf("size=%lld;mtime=%lld;crc32_head=%08x", (long long)st.st_size,
                       (long long)st.st_mtime, crc);
}

char *grs_cmdline(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) * 2 + 3;
    char *s = (char *)malloc(n), *p = s;
    if (!s) return NULL;
    for (int i = 0; i < argc; i++) {
        int q = argv[i][0] == 0 || strpbrk(argv[i], " \t'\"\\$") != NULL;
        if (i) *p++ = ' ';
        if (q) *p++ = '\'';
        for (const char *a = argv[i]; *a; a++) {
            if (*a == '\n' || *a == '\t') { *p++ = ' '; continue; }
            *p++ = *a;
        }
        if (q) *p++ = '\'';
    }
    *p = 0;
    return s;
}

double grs_peak_rss_mb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return NAN;
    return ru.ru_maxrss / 1024.0;   /* Linux reports KiB */
}

double grs_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void grs_iso_time(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- progress ----------------------------------------------------------------------------- */
static double progress_last;
static int progress_shown;

void grs_progress(const char *label, int64_t done, int64_t total)
{
    double now;
    if (!isatty(2)) return;
    now = grs_wall_seconds();
    if (now - progress_last < 0.5) return;
    progress_last = now;
    progress_shown = 1;
    if (total > 0)
        fprintf(stderr, "\r[grs] %s: %" PRId64 "/%" PRId64 " (%.0f%%)   ", label, done, total,
                100.0 * done / total);
    else
        fprintf(stderr, "\r[grs] %s: %" PRId64 "   ", label, done);
}

void grs_progress_end(void)
{
    if (progress_shown) fputc('\n', stderr);
    progress_shown = 0;
}

/* ---- text --------------------------------------------------------------------------------- */
int grs_split(char *s, const char *delims, char **f, int max)
{
    int n = 0;
    char *p = s;
    for (;;) {
        if (n < max) f[n] = p;
        n++;
        p += strcspn(p, delims);
        if (!*p) break;
        *p++ = 0;
    }
    return n;
}

/* Clinger's fast path: a decimal with at most 2^53 as its digit string and a power of ten
 * within ±22 is exactly m·10^e or m/10^-e, both operands exact, so one correctly rounded
 * operation gives strtod's result. Anything else (long mantissas, nan, inf, hex, spaces) goes
 * to strtod. Scoring files hold tens of millions of such numbers. */
static int parse_decimal_fast(const char *s, double *x)
{
    static const double p10[23] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
    const uint64_t lim = (uint64_t)1 << 53;
    uint64_t m = 0;
    int neg = 0, nd = 0, e10 = 0;
    if (*s == '-' || *s == '+') neg = *s++ == '-';
    for (; *s >= '0' && *s <= '9'; s++, nd++) {
        m = m * 10 + (uint64_t)(*s - '0');
        if (m > lim) return -1;
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, nd++, e10--) {
            m = m * 10 + (uint64_t)(*s - '0');
            if (m > lim) return -1;
        }
    }
    if (nd == 0) return -1;
    if (*s == 'e' || *s == 'E') {
        int eneg = 0, ev = 0, ed = 0;
        s++;
        if (*s == '-' || *s == '+') eneg = *s++ == '-';
        for (; *s >= '0' && *s <= '9' && ev < 10000; s++, ed++) ev = ev * 10 + (*s - '0');
        if (ed == 0) return -1;
        e10 += eneg ? -ev : ev;
    }
    if (*s || e10 < -22 || e10 > 22) return -1;
    double v = (double)m;
    v = e10 < 0 ? v / p10[-e10] : v * p10[e10];
    *x = neg ? -v : v;
    return 0;
}

int grs_parse_double(const char *s, double *x)
{
    char *e;
    if (!*s) return -1;
    if (parse_decimal_fast(s, x) == 0) return 0;
    errno = 0;
    *x = strtod(s, &e);
    if (*e || e == s) return -1;
    return 0;
}

int grs_parse_int64(const char *s, int64_t *x)
{
    char *e;
    if (!*s) return -1;
    errno = 0;
    long long v = strtoll(s, &e, 10);
    if (*e || e == s || errno == ERANGE) return -1;
    *x = v;
    return 0;
}

int64_t grs_split_grow(char *s, char delim, char ***f, int64_t *cap)
{
    int64_t n = 0;
    char *p = s;
    if (delim == ' ') {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) return 0;
    }
    for (;;) {
        if (n == *cap) {
            int64_t nc = *cap ? 2 * *cap : 16;
            char **g = (char **)realloc(*f, (size_t)nc * sizeof(char *));
            if (!g) return -1;
            *f = g;
            *cap = nc;
        }
        (*f)[n++] = p;
        if (delim == ' ') {
            while (*p && *p != ' ' && *p != '\t') p++;
            if (!*p) break;
            *p++ = 0;
            while (*p == ' ' || *p == '\t') p++;
            if (!*p) break;
        } else {
            while (*p && *p != delim) p++;
            if (!*p) break;
            *p++ = 0;
        }
    }
    return n;
}
