/* normalize.h -- (being written: see issue 9). */
#ifndef GRS_NORMALIZE_H
#define GRS_NORMALIZE_H
#endif
