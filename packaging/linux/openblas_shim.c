/* OpenCV's BLAS/LAPACK calls answered by NumPy's OpenBLAS (packaging/slim.py builds this).
 *
 * The OpenCV wheel carries its own OpenBLAS (37 MB, with libgfortran) for the 19 routines below;
 * the NumPy wheel carries another (scipy-openblas64: the same library, built with 64-bit
 * integers and its symbols renamed scipy_<name>64_ / scipy_<name>_64_). This library takes the
 * place of OpenCV's (same file name and soname): each routine widens its 32-bit integer
 * arguments, calls NumPy's, and narrows what comes back (info, pivot indices). Integer arrays
 * that LAPACK only uses as workspace (gesdd's iwork) get a 64-bit copy of the size LAPACK
 * documents. Fortran's hidden string lengths are passed on as they came.
 *
 * OpenCV calls LAPACK only for matrices above its small-size thresholds (solve, invert, SVD,
 * QR, Cholesky, gemm, eigen of non-symmetric matrices); `kinesight --kinesight-selfcheck`
 * compares those results with NumPy's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stddef.h>

typedef int64_t i64;

/* ---- NumPy's ILP64 OpenBLAS ---- */
void scipy_cblas_sgemm64_(int order, int ta, int tb, i64 m, i64 n, i64 k, float alpha, const float *a, i64 lda,
                          const float *b, i64 ldb, float beta, float *c, i64 ldc);
void scipy_cblas_dgemm64_(int order, int ta, int tb, i64 m, i64 n, i64 k, double alpha, const double *a, i64 lda,
                          const double *b, i64 ldb, double beta, double *c, i64 ldc);
void scipy_cblas_cgemm64_(int order, int ta, int tb, i64 m, i64 n, i64 k, const void *alpha, const void *a, i64 lda,
                          const void *b, i64 ldb, const void *beta, void *c, i64 ldc);
void scipy_cblas_zgemm64_(int order, int ta, int tb, i64 m, i64 n, i64 k, const void *alpha, const void *a, i64 lda,
                          const void *b, i64 ldb, const void *beta, void *c, i64 ldc);

#define GEMM(T, name, scalar)                                                                           \
    void cblas_##name(int order, int ta, int tb, int m, int n, int k, scalar alpha, const T *a, int lda,   \
                      const T *b, int ldb, scalar beta, T *c, int ldc) {                                \
        scipy_cblas_##name##64_(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);            \
    }
GEMM(float, sgemm, float)
GEMM(double, dgemm, double)
GEMM(void, cgemm, const void *)
GEMM(void, zgemm, const void *)

/* ---- LAPACK: gesv, getrf (pivots come back), posv, potrf, geqrf, gels, gesdd, geev ---- */
#define PIVOTS(count)                                                                                    \
    i64 n_piv = (count) > 0 ? (count) : 1;                                                           \
    i64 *piv64 = malloc(sizeof(i64) * n_piv);                                                        \
    if (!piv64) { *info = -1000; return; }

#define GESV(T, p)                                                                                       \
    void scipy_##p##gesv_64_(i64 *n, i64 *nrhs, T *a, i64 *lda, i64 *ipiv, T *b, i64 *ldb, i64 *info); \
    void p##gesv_(int *n, int *nrhs, T *a, int *lda, int *ipiv, T *b, int *ldb, int *info) {             \
        i64 n6 = *n, r6 = *nrhs, la = *lda, lb = *ldb, inf = 0;                                           \
        PIVOTS(*n)                                                                                        \
        scipy_##p##gesv_64_(&n6, &r6, a, &la, piv64, b, &lb, &inf);                                       \
        for (i64 i = 0; i < *n; i++) ipiv[i] = (int)piv64[i];                                            \
        free(piv64);                                                                                      \
        *info = (int)inf;                                                                                 \
    }
GESV(float, s)
GESV(double, d)

#define GETRF(T, p)                                                                                      \
    void scipy_##p##getrf_64_(i64 *m, i64 *n, T *a, i64 *lda, i64 *ipiv, i64 *info);                    \
    void p##getrf_(int *m, int *n, T *a, int *lda, int *ipiv, int *info) {                              \
        i64 m6 = *m, n6 = *n, la = *lda, inf = 0;                                                         \
        i64 k = *m < *n ? *m : *n;                                                                       \
        PIVOTS(k)                                                                                         \
        scipy_##p##getrf_64_(&m6, &n6, a, &la, piv64, &inf);                                              \
        for (i64 i = 0; i < k; i++) ipiv[i] = (int)piv64[i];                                             \
        free(piv64);                                                                                      \
        *info = (int)inf;                                                                                 \
    }
GETRF(float, s)
GETRF(double, d)

#define POSV(T, p)                                                                                       \
    void scipy_##p##posv_64_(const char *uplo, i64 *n, i64 *nrhs, T *a, i64 *lda, T *b, i64 *ldb,        \
                             i64 *info, size_t l_uplo);                                                 \
    void p##posv_(const char *uplo, int *n, int *nrhs, T *a, int *lda, T *b, int *ldb, int *info,       \
                  size_t l_uplo) {                                                                       \
        i64 n6 = *n, r6 = *nrhs, la = *lda, lb = *ldb, inf = 0;                                           \
        scipy_##p##posv_64_(uplo, &n6, &r6, a, &la, b, &lb, &inf, l_uplo);                                \
        *info = (int)inf;                                                                                 \
    }
POSV(float, s)
POSV(double, d)

#define POTRF(T, p)                                                                                      \
    void scipy_##p##potrf_64_(const char *uplo, i64 *n, T *a, i64 *lda, i64 *info, size_t l_uplo);       \
    void p##potrf_(const char *uplo, int *n, T *a, int *lda, int *info, size_t l_uplo) {                 \
        i64 n6 = *n, la = *lda, inf = 0;                                                                  \
        scipy_##p##potrf_64_(uplo, &n6, a, &la, &inf, l_uplo);                                            \
        *info = (int)inf;                                                                                 \
    }
POTRF(float, s)
POTRF(double, d)

#define GEQRF(T, p)                                                                                      \
    void scipy_##p##geqrf_64_(i64 *m, i64 *n, T *a, i64 *lda, T *tau, T *work, i64 *lwork, i64 *info);  \
    void p##geqrf_(int *m, int *n, T *a, int *lda, T *tau, T *work, int *lwork, int *info) {             \
        i64 m6 = *m, n6 = *n, la = *lda, lw = *lwork, inf = 0;                                           \
        scipy_##p##geqrf_64_(&m6, &n6, a, &la, tau, work, &lw, &inf);                                     \
        *info = (int)inf;                                                                                 \
    }
GEQRF(float, s)
GEQRF(double, d)

#define GELS(T, p)                                                                                       \
    void scipy_##p##gels_64_(const char *trans, i64 *m, i64 *n, i64 *nrhs, T *a, i64 *lda, T *b,         \
                             i64 *ldb, T *work, i64 *lwork, i64 *info, size_t l_trans);                 \
    void p##gels_(const char *trans, int *m, int *n, int *nrhs, T *a, int *lda, T *b, int *ldb, T *work, \
                  int *lwork, int *info, size_t l_trans) {                                               \
        i64 m6 = *m, n6 = *n, r6 = *nrhs, la = *lda, lb = *ldb, lw = *lwork, inf = 0;                     \
        scipy_##p##gels_64_(trans, &m6, &n6, &r6, a, &la, b, &lb, work, &lw, &inf, l_trans);              \
        *info = (int)inf;                                                                                 \
    }
GELS(float, s)
GELS(double, d)

#define GESDD(T, p)                                                                                      \
    void scipy_##p##gesdd_64_(const char *jobz, i64 *m, i64 *n, T *a, i64 *lda, T *s, T *u, i64 *ldu,    \
                              T *vt, i64 *ldvt, T *work, i64 *lwork, i64 *iwork, i64 *info,             \
                              size_t l_jobz);                                                           \
    void p##gesdd_(const char *jobz, int *m, int *n, T *a, int *lda, T *s, T *u, int *ldu, T *vt,        \
                   int *ldvt, T *work, int *lwork, int *iwork, int *info, size_t l_jobz) {               \
        i64 m6 = *m, n6 = *n, la = *lda, lu = *ldu, lv = *ldvt, lw = *lwork, inf = 0;                     \
        (void)iwork; /* workspace only: LAPACK wants 8 * min(m, n) integers */                           \
        PIVOTS(8 * (*m < *n ? *m : *n))                                                                   \
        scipy_##p##gesdd_64_(jobz, &m6, &n6, a, &la, s, u, &lu, vt, &lv, work, &lw, piv64, &inf, l_jobz); \
        free(piv64);                                                                                      \
        *info = (int)inf;                                                                                 \
    }
GESDD(float, s)
GESDD(double, d)

void scipy_dgeev_64_(const char *jobvl, const char *jobvr, i64 *n, double *a, i64 *lda, double *wr, double *wi,
                     double *vl, i64 *ldvl, double *vr, i64 *ldvr, double *work, i64 *lwork, i64 *info,
                     size_t l_jobvl, size_t l_jobvr);
void dgeev_(const char *jobvl, const char *jobvr, int *n, double *a, int *lda, double *wr, double *wi, double *vl,
            int *ldvl, double *vr, int *ldvr, double *work, int *lwork, int *info, size_t l_jobvl, size_t l_jobvr) {
    i64 n6 = *n, la = *lda, ll = *ldvl, lr = *ldvr, lw = *lwork, inf = 0;
    scipy_dgeev_64_(jobvl, jobvr, &n6, a, &la, wr, wi, vl, &ll, vr, &lr, work, &lw, &inf, l_jobvl, l_jobvr);
    *info = (int)inf;
}
