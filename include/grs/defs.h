/* grs/defs.h -- attribute and portability macros shared by C11 (cc) and CUDA C++ (nvcc).
 *
 * Every attribute the project uses is defined here, behind a compiler test, so that
 * public headers compile under gcc, clang and nvcc alike (htslib's hts_defs.h pattern). */
#ifndef GRS_DEFS_H
#define GRS_DEFS_H

#if defined(__GNUC__) || defined(__clang__)
#  define GRS_RESULT_USED __attribute__((warn_unused_result))
#  define GRS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#  define GRS_UNUSED __attribute__((unused))
#else
#  define GRS_RESULT_USED
#  define GRS_PRINTF(f, a)
#  define GRS_UNUSED
#endif

/* GRS_HD marks per-element arithmetic that both the CPU reference and the CUDA kernels call,
 * so that CPU unit tests cover exactly what the device runs (STYLE G8). */
#ifdef __CUDACC__
#  define GRS_HD       static __host__ __device__ __forceinline__
#  define GRS_RESTRICT __restrict__
#else
#  define GRS_HD       static inline
#  ifdef __cplusplus
#    define GRS_RESTRICT __restrict__
#  else
#    define GRS_RESTRICT restrict
#  endif
#endif

/* Constant tables visible to both host and device code. */
#ifdef __CUDACC__
#  define GRS_TABLE static const __device__
#else
#  define GRS_TABLE static const
#endif

#endif /* GRS_DEFS_H */
