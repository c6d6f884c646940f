/* cmd_ancestry.c -- grs ancestry (being written: see issue 9). */
#include <stdio.h>

#include "cmds.h"

int main_ancestry(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "[E::ancestry] grs ancestry is not implemented yet\n");
    return 2;
}
