/* CPU reference for dropout's random stream: Philox4x32-10 as Random123 defines
 * it, laid out as include/clnn/dropout.h documents. */
#include "ref.h"

#include <math.h>

void ref_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]}, k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        uint64_t p0 = (uint64_t)0xD2511F53u * c[0], p1 = (uint64_t)0xCD9E8D57u * c[2];
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c[1] ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c[3] ^ k1;
        c[0] = n0;
        c[1] = (uint32_t)p1;
        c[2] = n2;
        c[3] = (uint32_t)p0;
    }
    for (int i = 0; i < 4; i++) out[i] = c[i];
}

void ref_dropout_mask(uint64_t seed, uint64_t offset, size_t n, float ratio, int *mask)
{
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    for (size_t i = 0; i < n; i++) {
        /* counter offset + i, kept exact: block offset / 4 + (offset % 4 + i) / 4 */
        uint64_t pos = offset % 4 + i, block = offset / 4 + pos / 4;
        uint32_t ctr[4] = {(uint32_t)block, (uint32_t)(block >> 32), 0, 0}, out[4];
        ref_philox4x32_10(ctr, key, out);
        double u = (out[pos % 4] >> 8) / 16777216.0;
        mask[i] = u >= ratio;
    }
}
