// Keiser & Lemire's UTF-8 check on 32 bytes with AVX2 (see utf8.c), shared by the validator
// and the AVX2 kernels of the CSV splitter (csv_index.c) and the JSON stage 1 (json_index.c),
// which check UTF-8 on the way.
#ifndef MOTCUA_UTF8_AVX2_H
#define MOTCUA_UTF8_AVX2_H
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#include "utf8_tables.h"

#define UTF8_AVX2 __attribute__((target("avx2")))

UTF8_AVX2 static inline __m256i utf8_lookup(const uint8_t table[32], __m256i nibbles) {
    return _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)table), nibbles);
}

/// The 32 bytes ending `n` bytes before `input` starts (prev_input's tail, then input's head).
UTF8_AVX2 static inline __m256i utf8_previous(__m256i input, __m256i prev_input, int n) {
    __m256i straddle = _mm256_permute2x128_si256(prev_input, input, 0x21);
    switch (n) {
    case 1: return _mm256_alignr_epi8(input, straddle, 15);
    case 2: return _mm256_alignr_epi8(input, straddle, 14);
    default: return _mm256_alignr_epi8(input, straddle, 13);
    }
}

/// Non-zero bytes where `input` (after `prev_input`) breaks UTF-8: an error at byte i involves
/// only bytes up to i, so a character cut short is flagged at the byte after it.
UTF8_AVX2 static inline __m256i utf8_errors_avx2(__m256i input, __m256i prev_input) {
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256i prev1 = utf8_previous(input, prev_input, 1);
    __m256i byte_1_high = utf8_lookup(byte_1_high_table, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nibble));
    __m256i byte_1_low = utf8_lookup(byte_1_low_table, _mm256_and_si256(prev1, nibble));
    __m256i byte_2_high = utf8_lookup(byte_2_high_table, _mm256_and_si256(_mm256_srli_epi16(input, 4), nibble));
    __m256i special = _mm256_and_si256(_mm256_and_si256(byte_1_high, byte_1_low), byte_2_high);
    // Third and fourth bytes of 3- and 4-byte sequences must be continuations (0x80 marks them).
    __m256i prev2 = utf8_previous(input, prev_input, 2);
    __m256i prev3 = utf8_previous(input, prev_input, 3);
    __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8((char)(0xE0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8((char)(0xF0 - 0x80)));
    __m256i must23 = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must23, special);
}

#endif
#endif
