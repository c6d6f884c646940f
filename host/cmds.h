/* cmds.h -- the subcommands: int main_<cmd>(argc, argv) returns the process exit code
 * (0 success, 1 bad input or failure, 2 bad usage). */
#ifndef GRS_CMDS_H
#define GRS_CMDS_H

int main_pack(int argc, char **argv);
int main_view(int argc, char **argv);
int main_simulate(int argc, char **argv);
int main_score(int argc, char **argv);
int main_merge(int argc, char **argv);
int main_version(int argc, char **argv);
int main_report(int argc, char **argv);
int main_train(int argc, char **argv);
int main_predict(int argc, char **argv);
int main_ancestry(int argc, char **argv);
int main_normalize(int argc, char **argv);
int main_query(int argc, char **argv);
int main_store(int argc, char **argv);

/* shared option handling for every command (common.c) */
typedef struct grs_common_opts_t {
    int threads;          /* --threads, default: online cores                    */
    int verbosity;        /* -v, 0..6                                            */
} grs_common_opts_t;

/** Set verbosity for grs and htslib together. */
void grs_cmd_set_verbosity(int level);
/** Online cores (>= 1). */
int grs_cmd_default_threads(void);
/** Log the standard INFO closing lines: command, wall time, peak RSS. */
void grs_cmd_log_end(const char *cmd, double t0);
/** Log the opening INFO line (version and command line). */
void grs_cmd_log_start(int argc, char **argv);

#endif
