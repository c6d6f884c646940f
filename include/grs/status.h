/* grs/status.h -- status codes returned by every fallible grs function (STYLE G3).
 *
 * Functions return 0 (GRS_OK) or one of the negative codes below; functions that return a
 * count return >= 0 on success. The code says what kind of failure it was; the message that
 * says which file, line or record is logged once, where the failure was detected. */
#ifndef GRS_STATUS_H
#define GRS_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

enum grs_status {
    GRS_OK           =  0,
    GRS_ENOMEM       = -1,  /* allocation failed (host or device)                          */
    GRS_EIO          = -2,  /* open/read/write failed; errno is meaningful                  */
    GRS_EFORMAT      = -3,  /* malformed input file                                         */
    GRS_EINPUT       = -4,  /* inconsistent inputs, e.g. different sample lists             */
    GRS_EDEGENERATE  = -5,  /* well-formed but degenerate: zero variance, no overlap        */
    GRS_EDEVICE      = -6,  /* CUDA/cuBLAS failure                                          */
    GRS_EUNSUPPORTED = -7,  /* backend, op or feature not available in this build/machine   */
    GRS_EINVAL       = -8,  /* invalid argument: a caller bug or a bad command-line value   */
    GRS_EINTR        = -9,  /* interrupted by a signal (SIGINT/SIGTERM); outputs removed    */
};

/** Return a short English description of a status code (never NULL). */
const char *grs_strerror(int status);

#ifdef __cplusplus
}
#endif
#endif /* GRS_STATUS_H */
