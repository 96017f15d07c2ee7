// The three lookup tables of Keiser & Lemire's UTF-8 validation (see utf8.c), shared by the
// AVX2 check (utf8_avx2.h: the validator, the JSON and CSV AVX2 kernels) and the AVX-512 JSON
// stage 1 (json_index.c), which checks UTF-8 on the way.
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

#endif
