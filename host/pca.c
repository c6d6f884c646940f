/* pca.c -- (being written: see issue 9). */
#include "pca.h"
