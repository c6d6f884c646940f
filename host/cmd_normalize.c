/* cmd_normalize.c -- grs normalize (being written: see issue 9). */
#include <stdio.h>

#include "cmds.h"

int main_normalize(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "[E::normalize] grs normalize is not implemented yet\n");
    return 2;
}
