/* cmd_query.c -- grs query (being written: see issue 9). */
#include <stdio.h>

#include "cmds.h"

int main_query(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "[E::query] grs query is not implemented yet\n");
    return 2;
}
