/* cmd_version.c -- grs --version: version, commit, build options, library versions. */
#include <stdio.h>

#include <cblas.h>
#include <htslib/hts.h>
#include <zlib.h>

#include "cmds.h"
#include "grs/backend.h"

int main_version(int argc, char **argv)
{
    (void)argc; (void)argv;
    printf("grs %s\n", GRS_VERSION);
    printf("commit: %s\n", GRS_GIT);
    printf("backends built: %s\n", grs_backend_built());
    printf("htslib: %s\n", hts_version());
    printf("zlib: %s\n", zlibVersion());
    printf("OpenBLAS: %s\n", openblas_get_config());
    return 0;
}
