// The three lookup tables of Keiser & Lemire's UTF-8 validation (see utf8.c) and its AVX2
// block check, shared by the AVX2 validator and the AVX2 and AVX-512 JSON stage 1
// (json_index.c), which checks UTF-8 on the way.
#ifndef MOTCUA_UTF8_TABLES_H
#define MOTCUA_UTF8_TABLES_H
#include <stdint.h>

#define TOO_SHORT (1 << 0)
#define TOO_LONG (1 << 1)
#define OVERLONG_3 (1 << 2)
#define TOO_LARGE (1 << 3)
#define SURROGATE (1 << 4)
#define OVERLONG_2 (1 << 5)
#define TOO_LARGE_1000 (1 << 6)
#define OVERLONG_4 (1 << 6)
#define TWO_CONTS (1 << 7)
#define CARRY (TOO_SHORT | TOO_LONG | TWO_CONTS)

/// A 16-entry table in both 128-bit lanes (vpshufb looks up within a lane).
#define TWICE(...) {__VA_ARGS__, __VA_ARGS__}

static const uint8_t byte_1_high_table[32] = TWICE(
    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,  // 0_______ ASCII
    TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,                                    // 10______ continuation
    TOO_SHORT | OVERLONG_2,                                                       // 1100____ 2-byte lead
    TOO_SHORT,                                                                    // 1101____ 2-byte lead
    TOO_SHORT | OVERLONG_3 | SURROGATE,                                           // 1110____ 3-byte lead
    TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4);                         // 1111____ 4+-byte lead

static const uint8_t byte_1_low_table[32] = TWICE(
    CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,   // ____0000
    CARRY | OVERLONG_2,                             // ____0001
    CARRY, CARRY,                                   // ____001_
    CARRY | TOO_LARGE,                              // ____0100
    CARRY | TOO_LARGE | TOO_LARGE_1000,             // ____0101
    CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,   // ____011_
    CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,   // ____1000, 1001
    CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,   // ____1010, 1011
    CARRY | TOO_LARGE | TOO_LARGE_1000,             // ____1100
    CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE, // ____1101
    CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000);  // ____111_

static const uint8_t byte_2_high_table[32] = TWICE(
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,  // 0_______
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,   // 1000____
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,                     // 1001____
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,                      // 101_____
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT);                                    // 11______

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define UTF8_AVX2 __attribute__((target("avx2")))

UTF8_AVX2 static inline __m256i utf8_lookup_avx2(const uint8_t table[32], __m256i nibbles) {
    return _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)table), nibbles);
}

/// The 32 bytes ending `n` bytes before `input` starts (prev_input's tail, then input's head).
UTF8_AVX2 static inline __m256i utf8_previous_avx2(__m256i input, __m256i prev_input, int n) {
    __m256i straddle = _mm256_permute2x128_si256(prev_input, input, 0x21);
    switch (n) {
    case 1: return _mm256_alignr_epi8(input, straddle, 15);
    case 2: return _mm256_alignr_epi8(input, straddle, 14);
    default: return _mm256_alignr_epi8(input, straddle, 13);
    }
}

/// Non-zero bytes where the 32 bytes `input`, after `prev_input`, break UTF-8.
UTF8_AVX2 static inline __m256i utf8_errors_avx2(__m256i input, __m256i prev_input) {
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256i prev1 = utf8_previous_avx2(input, prev_input, 1);
    __m256i byte_1_high = utf8_lookup_avx2(byte_1_high_table, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nibble));
    __m256i byte_1_low = utf8_lookup_avx2(byte_1_low_table, _mm256_and_si256(prev1, nibble));
    __m256i byte_2_high = utf8_lookup_avx2(byte_2_high_table, _mm256_and_si256(_mm256_srli_epi16(input, 4), nibble));
    __m256i special = _mm256_and_si256(_mm256_and_si256(byte_1_high, byte_1_low), byte_2_high);
    // Third and fourth bytes of 3- and 4-byte sequences must be continuations (0x80 marks them).
    __m256i prev2 = utf8_previous_avx2(input, prev_input, 2);
    __m256i prev3 = utf8_previous_avx2(input, prev_input, 3);
    __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8((char)(0xE0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8((char)(0xF0 - 0x80)));
    __m256i must23 = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must23, special);
}
#endif

#endif
