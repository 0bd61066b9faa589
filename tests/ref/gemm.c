/* CPU reference for GEMM. */
#include "ref.h"

void ref_gemm(clnn_transpose ta, clnn_transpose tb, size_t m, size_t n, size_t k,
              double alpha, const float *a, size_t lda, const float *b, size_t ldb,
              double beta, const float *c, size_t ldc, double *out)
{
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            double sum = 0;
            for (size_t p = 0; p < k; p++) {
                double av = ta == CLNN_TRANS ? a[p * lda + i] : a[i * lda + p];
                double bv = tb == CLNN_TRANS ? b[j * ldb + p] : b[p * ldb + j];
                sum += av * bv;
            }
            out[i * n + j] = alpha * sum + (beta != 0 ? beta * c[i * ldc + j] : 0);
        }
    }
}
