/* normalize.c -- (being written: see issue 9). */
#include "normalize.h"
