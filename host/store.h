/* store.h -- (being written: see issue 9). */
#ifndef GRS_STORE_H
#define GRS_STORE_H
#endif
