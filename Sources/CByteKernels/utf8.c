// UTF-8 validation 32 bytes at a time with AVX2: the lookup algorithm of Keiser & Lemire,
// "Validating UTF-8 In Less Than One Instruction Per Byte" (Software: Practice and
// Experience, 2021), as simdjson implements it. Each byte is classified by three 16-entry
// tables (high nibble of the previous byte, its low nibble, high nibble of this byte) whose
// AND is non-zero exactly at a two-byte error; 3- and 4-byte sequences are checked by where
// continuation bytes must be. Chosen at run time; other CPUs get -1.
#include "bytekernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <string.h>

#include "utf8_avx2.h"

#define AVX2 __attribute__((target("avx2")))

AVX2 static int validate_avx2(const uint8_t *p, size_t n) {
    __m256i prev = _mm256_setzero_si256();
    __m256i error = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i input = _mm256_loadu_si256((const __m256i *)(p + i));
        // An ASCII block after complete characters has nothing to check.
        if (_mm256_movemask_epi8(_mm256_or_si256(input, prev)) == 0) { prev = input; continue; }
        error = _mm256_or_si256(error, utf8_errors_avx2(input, prev));
        prev = input;
    }
    // The tail zero-padded (fewer than 32 bytes, so at least one zero follows the last byte):
    // a zero where a continuation is due makes an unfinished last character an error.
    uint8_t tail[32] = {0};
    memcpy(tail, p + i, n - i);
    error = _mm256_or_si256(error, utf8_errors_avx2(_mm256_loadu_si256((const __m256i *)tail), prev));
    return _mm256_testz_si256(error, error);
}

int motcua_utf8_validate(const uint8_t *p, size_t n) {
    // Parse workers call this concurrently: the CPU check is cached with atomic accesses.
    static int has_avx2 = -1;
    int known = __atomic_load_n(&has_avx2, __ATOMIC_RELAXED);
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") ? 1 : 0;
        __atomic_store_n(&has_avx2, known, __ATOMIC_RELAXED);
    }
    return known ? validate_avx2(p, n) : -1;
}

#else
int motcua_utf8_validate(const uint8_t *p, size_t n) { (void)p; (void)n; return -1; }
#endif
