/* main.c -- the grs command line: a bcftools-style command table (STYLE G13). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/hts.h>

#include "cmds.h"
#include "grs/log.h"
#include "util.h"

typedef struct {
    int (*func)(int argc, char **argv);
    const char *alias, *help;
} cmd_t;

static const cmd_t cmds[] = {
    { NULL, "Data", NULL },
    { main_pack, "pack", "pack VCF/BCF or PLINK .bed genotypes into a .grsm matrix" },
    { main_view, "view", "print a .grsm matrix as text (genotypes, dosages, tables)" },
    { main_simulate, "simulate", "write a seeded synthetic cohort (VCF/BCF, PGS file, traits, omics)" },
    /* @@DATA_CMDS@@ */
    { NULL, "Scores", NULL },
    { main_score, "score", "compute polygenic scores (plink2 --score compatible)" },
    { main_merge, "merge", "merge the shards of a grs score --shard run into one output" },
    { main_train, "train", "fit an elastic-net risk model (genotypes, omics, covariates, PGS)" },
    { main_report, "report", "stratified cohort report of scores vs a phenotype (HTML, JSON, TSV)" },
    { main_predict, "predict", "apply a trained model: risk, block contributions, top features" },
    { NULL, "Ancestry and patients", NULL },
    { main_ancestry, "ancestry", "reference-panel PCA, projection and most-similar population" },
    { main_normalize, "normalize", "percentile and Z of scores within the most-similar population" },
    { main_query, "query", "one patient's risk from a results store (--db)" },
    { main_store, "store", "add existing outputs (.sscore, norm, ancestry, predict, report) to a results store" },
    /* @@SCORE_CMDS@@ */
    { NULL, "Other", NULL },
    { main_version, "version", "print version, build options and library versions" },
};
#define N_CMDS ((int)(sizeof(cmds) / sizeof(cmds[0])))

static void usage(FILE *fp)
{
    fprintf(fp, "\nProgram: grs (GPU-accelerated genomic risk scorer)\nVersion: %s (%s)\n\n"
                "Usage:   grs <command> [options]\n", GRS_VERSION, GRS_GIT);
    for (int i = 0; i < N_CMDS; i++) {
        if (!cmds[i].func) fprintf(fp, "\n  -- %s\n", cmds[i].alias);
        else fprintf(fp, "     %-10s %s\n", cmds[i].alias, cmds[i].help);
    }
    fprintf(fp, "\nEvery command takes --help. Logs go to stderr; -v N sets verbosity (0-6).\n\n");
}

/* Leave without running library destructors: every output is already committed or removed,
 * and OpenBLAS's (pthreads build) joins its load-time server threads at exit, which never
 * returns under `ulimit -v`. Sanitizer builds exit normally so that LeakSanitizer runs. */
static int leave(int ret)
{
#if defined(__SANITIZE_ADDRESS__)
    return ret;
#else
    fflush(NULL);
    _exit(ret);
#endif
}

int main(int argc, char **argv)
{
    if (argc < 2) { usage(stderr); return leave(2); }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return leave(0);
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) return leave(main_version(1, argv));
    grs_signals_install();
    hts_set_log_level(HTS_LOG_WARNING);
    for (int i = 0; i < N_CMDS; i++)
        if (cmds[i].func && strcmp(argv[1], cmds[i].alias) == 0) {
            int ret = cmds[i].func(argc - 1, argv + 1);
            if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "[E::main] write error on standard output\n");
                return leave(1);
            }
            return leave(ret);
        }
    fprintf(stderr, "[E::main] unrecognized command '%s'\n", argv[1]);
    usage(stderr);
    return leave(2);
}
