/* common.c -- behaviour every command shares: verbosity, threads, start and end log lines. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <htslib/hts.h>

#include "cmds.h"
#include "grs/log.h"
#include "util.h"

void grs_cmd_set_verbosity(int level)
{
    grs_set_log_level(level);
    /* htslib's levels follow the same scale (hts_log.h) */
    hts_set_log_level((enum htsLogLevel)(level >= 5 ? HTS_LOG_DEBUG : level >= 4 ? HTS_LOG_INFO
                                         : level >= 3 ? HTS_LOG_WARNING : level >= 1 ? HTS_LOG_ERROR
                                         : HTS_LOG_OFF));
}

int grs_cmd_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void grs_cmd_log_start(int argc, char **argv)
{
    char *cl = grs_cmdline(argc, argv);
    grs_log(GRS_LOG_INFO, "main", "grs %s (%s); command: grs %s", GRS_VERSION, GRS_GIT, cl ? cl : "?");
    free(cl);
}

void grs_cmd_log_end(const char *cmd, double t0)
{
    grs_log(GRS_LOG_INFO, "main", "%s done: %.2f s wall, peak RSS %.1f MiB", cmd,
            grs_wall_seconds() - t0, grs_peak_rss_mb());
}
