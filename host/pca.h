/* pca.h -- (being written: see issue 9). */
#ifndef GRS_PCA_H
#define GRS_PCA_H
#endif
