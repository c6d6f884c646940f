/* store.c -- (being written: see issue 9). */
#include "store.h"
