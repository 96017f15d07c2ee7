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

#include "utf8_tables.h"

#define AVX2 __attribute__((target("avx2")))

AVX2 static inline __m256i lookup(const uint8_t table[32], __m256i nibbles) {
    return _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)table), nibbles);
}

/// The 32 bytes ending `n` bytes before `input` starts (prev_input's tail, then input's head).
AVX2 static inline __m256i previous(__m256i input, __m256i prev_input, int n) {
    __m256i straddle = _mm256_permute2x128_si256(prev_input, input, 0x21);
    switch (n) {
    case 1: return _mm256_alignr_epi8(input, straddle, 15);
    case 2: return _mm256_alignr_epi8(input, straddle, 14);
    default: return _mm256_alignr_epi8(input, straddle, 13);
    }
}

AVX2 static inline __m256i block_errors(__m256i input, __m256i prev_input) {
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256i prev1 = previous(input, prev_input, 1);
    __m256i byte_1_high = lookup(byte_1_high_table, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nibble));
    __m256i byte_1_low = lookup(byte_1_low_table, _mm256_and_si256(prev1, nibble));
    __m256i byte_2_high = lookup(byte_2_high_table, _mm256_and_si256(_mm256_srli_epi16(input, 4), nibble));
    __m256i special = _mm256_and_si256(_mm256_and_si256(byte_1_high, byte_1_low), byte_2_high);
    // Third and fourth bytes of 3- and 4-byte sequences must be continuations (0x80 marks them).
    __m256i prev2 = previous(input, prev_input, 2);
    __m256i prev3 = previous(input, prev_input, 3);
    __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8((char)(0xE0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8((char)(0xF0 - 0x80)));
    __m256i must23 = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must23, special);
}

AVX2 static int validate_avx2(const uint8_t *p, size_t n) {
    __m256i prev = _mm256_setzero_si256();
    __m256i error = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i input = _mm256_loadu_si256((const __m256i *)(p + i));
        // An ASCII block after complete characters has nothing to check.
        if (_mm256_movemask_epi8(_mm256_or_si256(input, prev)) == 0) { prev = input; continue; }
        error = _mm256_or_si256(error, block_errors(input, prev));
        prev = input;
    }
    // The tail zero-padded (fewer than 32 bytes, so at least one zero follows the last byte):
    // a zero where a continuation is due makes an unfinished last character an error.
    uint8_t tail[32] = {0};
    memcpy(tail, p + i, n - i);
    error = _mm256_or_si256(error, block_errors(_mm256_loadu_si256((const __m256i *)tail), prev));
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
