// Stage 1 of the JSON record scanner (issue 16), after simdjson (Langdale & Lemire, "Parsing
// Gigabytes of JSON per Second", VLDB Journal 2019): 64 bytes at a time, byte classes become
// bit masks; escaped characters, the in-string mask (a prefix XOR of the unescaped quotes) and
// the starts of scalars follow by bit arithmetic, carried from block to block; the structural
// positions are written out for stage 2 (JSONStructuralScanner.swift). Kernels: AVX-512 and
// AVX2 (chosen at run time), SSE2 (every x86-64) and a byte-at-a-time scalar one, the
// reference the others are tested against. The `_line` entry points also frame the line: they
// stop at the first LF (NDJSON decoding reads each line once, with no search for its end
// before). The AVX-512 and AVX2 kernels also validate UTF-8 on the way and check escapes
// with vector compares; the others check escapes one by one.
#include "bytekernels.h"
#include "cpu.h"
#include "utf8_avx2.h"
#include "utf8_tables.h"
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define MOTCUA_X86 1
#include <immintrin.h>
#endif

#define ALWAYS_INLINE inline __attribute__((always_inline))

static ALWAYS_INLINE int is_hex(uint8_t b) {
    return (uint8_t)(b - '0') < 10 || (uint8_t)((b | 0x20) - 'a') < 6;
}

/// The character after a backslash inside a string, at q: one of `"\/bfnrt`, or `u` and four
/// hex digits, all before the end of the line.
static int valid_escape(const uint8_t *p, size_t n, size_t q) {
    if (q >= n) return 0;
    switch (p[q]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': return 1;
    case 'u': return q + 4 < n && is_hex(p[q + 1]) && is_hex(p[q + 2]) && is_hex(p[q + 3]) && is_hex(p[q + 4]);
    default: return 0;
    }
}

static ALWAYS_INLINE int is_op(uint8_t b) {
    return b == '{' || b == '}' || b == '[' || b == ']' || b == ':' || b == ',';
}

static ALWAYS_INLINE int is_ws(uint8_t b) { return b == ' ' || b == '\t' || b == '\r' || b == '\n'; }

// MARK: - The reference: one byte at a time

/// With `stop_at_lf`, the line ends at the first LF of p[0..<n] (its offset, or n, goes to
/// `*lf`); bytes after it are not read. A byte's checks only look ahead for hex digits, and an
/// LF is none, so the verdicts on the line are those of scanning it alone.
static ALWAYS_INLINE long index_scalar_impl(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8,
                                            size_t *lf, int stop_at_lf) {
    *utf8 = -1;
    uint32_t *o = out;
    int in_string = 0, escaped = 0, in_scalar = 0, error = 0, any_escape = 0;
    size_t end = n;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (stop_at_lf && b == '\n') { end = i; break; }
        if (in_string) {
            if (escaped) {
                escaped = 0;
                if (!valid_escape(p, n, i)) error = 1;
            } else if (b == '\\') {
                escaped = 1;
                any_escape = 1;
            } else if (b == '"') {
                in_string = 0;
            } else if (b < 0x20) {
                error = 1;
            }
            continue;
        }
        if (b == '"') {
            *o++ = (uint32_t)i;
            in_string = 1;
            in_scalar = 0;
        } else if (is_op(b)) {
            *o++ = (uint32_t)i;
            in_scalar = 0;
        } else if (is_ws(b)) {
            in_scalar = 0;
        } else {
            if (b == '\\') error = 1;   // never valid outside a string
            if (!in_scalar) *o++ = (uint32_t)i;
            in_scalar = 1;
        }
    }
    if (in_string) error = 1;
    *escapes = any_escape;
    *o = (uint32_t)end;
    if (stop_at_lf) *lf = end;
    return error ? -1 : (long)(o - out);
}

static long index_scalar(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8) {
    return index_scalar_impl(p, n, out, escapes, utf8, 0, 0);
}

static long index_scalar_line(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8, size_t *lf) {
    return index_scalar_impl(p, n, out, escapes, utf8, lf, 1);
}

// MARK: - 64-byte blocks: the bit arithmetic shared by the vector kernels

/// One block's byte classes, bit i for byte i.
typedef struct { uint64_t quote, backslash, op, ws, control, lf; } block_masks;

/// The masks of a block whose bytes from `keep` on are spaces: where a line ends inside it.
static ALWAYS_INLINE block_masks cut_block(block_masks m, uint32_t keep) {
    uint64_t k = keep ? ~0ULL >> (64 - keep) : 0;
    m.quote &= k; m.backslash &= k; m.op &= k; m.control &= k; m.lf &= k;
    m.ws |= ~k;
    return m;
}

/// What one block hands the next.
typedef struct {
    uint64_t prev_escaped;    // bit 0: the block's first byte is escaped
    uint64_t prev_in_string;  // all ones when the block starts inside a string
    uint64_t prev_scalar;     // 1 when the previous block ended in a scalar's bytes
    uint64_t error;
    int escapes;
    uint64_t esc;             // with `vector_escapes`: the block's escaped characters, for the caller
} block_state;

/// Hides a mask's origin from the optimizer: clang otherwise keeps movemask results as vectors
/// of booleans and does the bit arithmetic below with byte inserts and extracts, 3× slower.
#define IN_REGISTER(x) __asm__("" : "+r"(x))

static ALWAYS_INLINE block_masks in_registers(block_masks m) {
    IN_REGISTER(m.quote); IN_REGISTER(m.backslash); IN_REGISTER(m.op); IN_REGISTER(m.ws); IN_REGISTER(m.control);
    return m;
}

/// 64 for 0 (tzcnt's answer; __builtin_ctzll(0) is undefined).
static ALWAYS_INLINE uint32_t trailing_zeros(uint64_t x) { return x ? (uint32_t)__builtin_ctzll(x) : 64; }

static ALWAYS_INLINE uint64_t prefix_xor(uint64_t x) {
    x ^= x << 1; x ^= x << 2; x ^= x << 4; x ^= x << 8; x ^= x << 16; x ^= x << 32;
    return x;
}

/// The escaped characters: those after an odd-length run of backslashes (simdjson's
/// branchless form; a run may come in from the previous block).
static ALWAYS_INLINE uint64_t find_escaped(uint64_t backslash, uint64_t *prev_escaped) {
    if (backslash == 0) { uint64_t e = *prev_escaped; *prev_escaped = 0; return e; }
    backslash &= ~*prev_escaped;
    uint64_t follows_escape = backslash << 1 | *prev_escaped;
    const uint64_t even_bits = 0x5555555555555555ULL;
    uint64_t odd_sequence_starts = backslash & ~even_bits & ~follows_escape;
    uint64_t sequences_starting_on_even_bits;
    *prev_escaped = __builtin_add_overflow(odd_sequence_starts, backslash, &sequences_starting_on_even_bits);
    uint64_t invert_mask = sequences_starting_on_even_bits << 1;
    return (even_bits ^ invert_mask) & follows_escape;
}

/// The vector kernels' escape check, on masks of the block p[at..<at+64]: whether every
/// escaped character (`esc`) is one of `"\/bfnrt` (`simple`), or `u` and four hex digits
/// (`hex`) before `limit`, the line's end — valid_escape's verdicts. A `u` in the block's last
/// four bytes takes its digits from the line's next bytes.
static ALWAYS_INLINE int escapes_valid(uint64_t esc, uint64_t simple, uint64_t u, uint64_t hex, const uint8_t *p,
                                       size_t at, size_t limit) {
    u &= esc;
    if (esc & ~(simple | u)) return 0;
    if (!u) return 1;
    uint64_t next = 0;
    if (at + 64 < limit && (u >> 60) != 0) {
        size_t more = limit - (at + 64) < 4 ? limit - (at + 64) : 4;
        for (size_t k = 0; k < more; k++) next |= (uint64_t)is_hex(p[at + 64 + k]) << k;
    }
    uint64_t four = (hex >> 1 | next << 63) & (hex >> 2 | next << 62) & (hex >> 3 | next << 61) & (hex >> 4 | next << 60);
    return (u & ~four) == 0;
}

/// The block's structural positions as bits; updates what the next block needs. Escapes are
/// checked here one by one, or with `vector_escapes` left in s->esc for the caller to check
/// (the AVX-512 kernel, with vector compares). `xor_prefix` is prefix_xor, or the AVX2
/// kernel's carry-less multiply (a constant: inlined).
static ALWAYS_INLINE uint64_t block_structural_with(block_state *s, block_masks m, const uint8_t *p, size_t n, size_t at,
                                                    int vector_escapes, uint64_t (*xor_prefix)(uint64_t)) {
    m = in_registers(m);
    uint64_t escaped = find_escaped(m.backslash, &s->prev_escaped);
    uint64_t quote = m.quote & ~escaped;
    uint64_t in_string = xor_prefix(quote) ^ s->prev_in_string;   // opening quote in, closing out
    s->prev_in_string = (uint64_t)((int64_t)in_string >> 63);
    s->error |= (m.control & in_string) | (m.backslash & ~in_string);
    uint64_t esc = escaped & in_string;
    if (vector_escapes) {
        s->esc = esc;
    } else if (esc) {   // rare: check each escape against the bytes
        s->escapes = 1;
        do {
            if (!valid_escape(p, n, at + trailing_zeros(esc))) s->error = 1;
            esc &= esc - 1;
        } while (esc);
    }
    uint64_t scalar = ~(m.op | m.ws | m.quote | in_string);
    uint64_t scalar_start = scalar & ~(scalar << 1 | s->prev_scalar);
    s->prev_scalar = scalar >> 63;
    // Opening quotes only (in_string holds them, not the closing ones): stage 2 finds a
    // string's end from the next position when it needs it.
    return (m.op & ~in_string) | (quote & in_string) | scalar_start;
}

static ALWAYS_INLINE uint64_t block_structural(block_state *s, block_masks m, const uint8_t *p, size_t n, size_t at) {
    return block_structural_with(s, m, p, n, at, 0, prefix_xor);
}

/// Writes the offsets of the set bits, eight at a time whether or not they exist (the buffer
/// has slack): fewer unpredictable branches than one per position.
static ALWAYS_INLINE uint32_t *flatten(uint32_t *o, size_t at, uint64_t bits) {
    uint32_t *end = o + __builtin_popcountll(bits);
    uint32_t at32 = (uint32_t)at;
    while (bits) {
        o[0] = at32 + trailing_zeros(bits); bits &= bits - 1;
        o[1] = at32 + trailing_zeros(bits); bits &= bits - 1;
        o[2] = at32 + trailing_zeros(bits); bits &= bits - 1;
        o[3] = at32 + trailing_zeros(bits); bits &= bits - 1;
        o[4] = at32 + trailing_zeros(bits); bits &= bits - 1;
        o[5] = at32 + trailing_zeros(bits); bits &= bits - 1;
        o[6] = at32 + trailing_zeros(bits); bits &= bits - 1;
        o[7] = at32 + trailing_zeros(bits); bits &= bits - 1;
        o += 8;
    }
    return end;
}

static ALWAYS_INLINE uint32_t *block_step(block_state *s, block_masks m, const uint8_t *p, size_t n,
                                          size_t at, uint32_t *o) {
    return flatten(o, at, block_structural(s, m, p, n, at));
}

/// Every kernel's end: a string left open is an error; the line's length follows its
/// positions; the count, or -1 for a line that cannot be JSON.
static ALWAYS_INLINE long finish_index(block_state *s, uint32_t *out, uint32_t *o, size_t end, int *escapes, size_t *lf,
                                       int stop_at_lf) {
    if (s->prev_in_string) s->error = 1;
    *escapes = s->escapes;
    *o = (uint32_t)end;
    if (stop_at_lf) *lf = end;
    return s->error ? -1 : (long)(o - out);
}

/// Runs `classify` over the whole blocks, then over the tail padded with spaces (which add
/// no positions and keep a string open if it was). With `stop_at_lf` the line ends at the
/// first LF: that block is cut there (its later bytes count as spaces) and is the last.
#define INDEX_BLOCKS(classify, stop_at_lf)                                                  \
    block_state s = {0, 0, 0, 0, 0};                                                        \
    uint32_t *o = out;                                                                      \
    size_t i = 0, end = n;                                                                  \
    for (; i + 64 <= n; i += 64) {                                                          \
        block_masks m = classify(p + i);                                                    \
        if (stop_at_lf && m.lf) {                                                           \
            uint32_t j = trailing_zeros(m.lf);                                              \
            end = i + j;                                                                    \
            o = block_step(&s, cut_block(m, j), p, n, i, o);                                \
            goto done;                                                                      \
        }                                                                                   \
        o = block_step(&s, m, p, n, i, o);                                                  \
    }                                                                                       \
    if (i < n) {                                                                            \
        uint8_t tail[64];                                                                   \
        memset(tail, ' ', 64);                                                              \
        memcpy(tail, p + i, n - i);                                                         \
        block_masks m = classify(tail);                                                     \
        if (stop_at_lf && m.lf) {                                                           \
            uint32_t j = trailing_zeros(m.lf);                                              \
            end = i + j;                                                                    \
            m = cut_block(m, j);                                                            \
        }                                                                                   \
        o = block_step(&s, m, p, n, i, o);                                                  \
    }                                                                                       \
done:                                                                                       \
    return finish_index(&s, out, o, end, escapes, lf, stop_at_lf);

#if MOTCUA_X86

static ALWAYS_INLINE block_masks classify_sse2(const uint8_t *p) {
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), lower = _mm_set1_epi8(0x20),
                  open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}'), colon = _mm_set1_epi8(':'),
                  comma = _mm_set1_epi8(','), space = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'),
                  cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n'), control = _mm_set1_epi8(0x1F);
    block_masks m = {0, 0, 0, 0, 0, 0};
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        __m128i folded = _mm_or_si128(v, lower);   // [ → {, ] → }
        __m128i op = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close)),
                                  _mm_or_si128(_mm_cmpeq_epi8(v, colon), _mm_cmpeq_epi8(v, comma)));
        __m128i ws = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, tab)),
                                  _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
        int shift = 16 * k;
        m.quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) << shift;
        m.backslash |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)) << shift;
        m.op |= (uint64_t)(uint16_t)_mm_movemask_epi8(op) << shift;
        m.ws |= (uint64_t)(uint16_t)_mm_movemask_epi8(ws) << shift;
        m.control |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, control), v)) << shift;
        m.lf |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)) << shift;
    }
    return m;
}

static long index_sse2(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8) {
    *utf8 = -1;
    size_t *lf = 0;
    INDEX_BLOCKS(classify_sse2, 0)
}

static long index_sse2_line(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8, size_t *lf) {
    *utf8 = -1;
    INDEX_BLOCKS(classify_sse2, 1)
}

#define AVX2 __attribute__((target("avx2,bmi,popcnt,pclmul")))

/// prefix_xor in one carry-less multiply by all ones.
AVX2 static ALWAYS_INLINE uint64_t prefix_xor_clmul(uint64_t x) {
    return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x), _mm_set1_epi8(-1), 0));
}

/// The byte classes of one block, given as two vectors (lf is left 0: the kernel finds the
/// line's end itself). Whitespace and operators by one table lookup each on the low nibble:
/// the four whitespace bytes have distinct low nibbles, and so do the four operators once
/// `[` and `]` are folded onto `{` and `}` (| 0x20); a byte is in the class when it equals its
/// nibble's entry. The fold also maps the control bytes 0x0C and 0x1A onto `,` and `:`, so
/// control bytes are taken out of the operators.
AVX2 static ALWAYS_INLINE block_masks classify_avx2(__m256i v0, __m256i v1) {
    const __m256i ws_table = _mm256_setr_epi8(' ', -1, -1, -1, -1, -1, -1, -1, -1, '\t', '\n', -1, -1, '\r', -1, -1,
                                              ' ', -1, -1, -1, -1, -1, -1, -1, -1, '\t', '\n', -1, -1, '\r', -1, -1);
    const __m256i op_table = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ':', '{', ',', '}', 0, 0,
                                              0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ':', '{', ',', '}', 0, 0);
    const __m256i quote = _mm256_set1_epi8('"'), backslash = _mm256_set1_epi8('\\'), lower = _mm256_set1_epi8(0x20),
                  control = _mm256_set1_epi8(0x1F);
    block_masks m = {0, 0, 0, 0, 0, 0};
    for (int k = 0; k < 2; k++) {
        __m256i v = k ? v1 : v0;
        __m256i ws = _mm256_cmpeq_epi8(_mm256_shuffle_epi8(ws_table, v), v);
        __m256i op = _mm256_cmpeq_epi8(_mm256_shuffle_epi8(op_table, v), _mm256_or_si256(v, lower));
        int shift = 32 * k;
        m.quote |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)) << shift;
        m.backslash |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, backslash)) << shift;
        m.op |= (uint64_t)(uint32_t)_mm256_movemask_epi8(op) << shift;
        m.ws |= (uint64_t)(uint32_t)_mm256_movemask_epi8(ws) << shift;
        m.control |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(v, control), v)) << shift;
    }
    m.op &= ~m.control;
    return m;
}

/// For byte j of a block's mask and each value of it, the offsets in the block of its set bits
/// (8j + i), in order (then zeros): the positions of eight mask bits at a time without a branch
/// per position (flatten's loop runs one, two or three rounds a block, and the CPU cannot
/// predict which). One table per j (16 KiB in all) rather than one added to: the eight steps of
/// a block then share no running sum but the output's (stage 1 1.055× over 9 rounds).
static uint8_t bit_indices[8][256][8];

__attribute__((constructor)) static void fill_bit_indices(void) {
    for (int j = 0; j < 8; j++)
        for (int b = 0; b < 256; b++) {
            int k = 0;
            for (int i = 0; i < 8; i++) if (b >> i & 1) bit_indices[j][b][k++] = (uint8_t)(8 * j + i);
        }
}

/// flatten's result by table: eight positions are written for each byte of the mask (a
/// buffer with slack), and the output moves on by the byte's bit count.
AVX2 static ALWAYS_INLINE uint32_t *flatten_avx2(uint32_t *o, size_t at, uint64_t bits) {
    const __m256i base = _mm256_set1_epi32((int)at);
    for (int j = 0; j < 8; j++) {
        uint32_t byte = (uint32_t)(bits >> (8 * j)) & 0xFF;
        __m128i indices = _mm_loadl_epi64((const __m128i *)bit_indices[j][byte]);
        _mm256_storeu_si256((__m256i *)o, _mm256_add_epi32(_mm256_cvtepu8_epi32(indices), base));
        o += __builtin_popcount(byte);
    }
    return o;
}

/// What valid_escapes_avx2 asks of a byte, as flags from one lookup per nibble: a byte has a
/// flag when both its high nibble's entry and its low nibble's entry have it. Each flag is a
/// set of high nibbles times a set of low nibbles (so `b` and `f` are both an escape and a hex
/// digit); bytes from 0x80 have none.
enum {
    ESC_QUOTE_SLASH = 0x01,   // " /
    ESC_BACKSLASH = 0x02,     // \ (0x5C)
    ESC_BFN = 0x04,           // b f n
    ESC_RT = 0x08,            // r t
    ESC_U = 0x10,             // u
    HEX_DIGIT = 0x20,         // 0-9
    HEX_LETTER = 0x40,        // A-F a-f
};

/// Escape and hex-digit masks of one 32-byte half (bit i for byte i).
typedef struct { uint32_t simple, u, hex; } escape_masks;

AVX2 static ALWAYS_INLINE escape_masks escape_classes_avx2(__m256i v) {
    const __m256i high_table = _mm256_setr_epi8(
        0, 0, ESC_QUOTE_SLASH, HEX_DIGIT, HEX_LETTER, ESC_BACKSLASH, ESC_BFN | HEX_LETTER, ESC_RT | ESC_U, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, ESC_QUOTE_SLASH, HEX_DIGIT, HEX_LETTER, ESC_BACKSLASH, ESC_BFN | HEX_LETTER, ESC_RT | ESC_U, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i low_table = _mm256_setr_epi8(
        HEX_DIGIT, HEX_DIGIT | HEX_LETTER, ESC_QUOTE_SLASH | ESC_BFN | ESC_RT | HEX_DIGIT | HEX_LETTER, HEX_DIGIT | HEX_LETTER,
        ESC_RT | HEX_DIGIT | HEX_LETTER, ESC_U | HEX_DIGIT | HEX_LETTER, ESC_BFN | HEX_DIGIT | HEX_LETTER, HEX_DIGIT, HEX_DIGIT,
        HEX_DIGIT, 0, 0, ESC_BACKSLASH, 0, ESC_BFN, ESC_QUOTE_SLASH,
        HEX_DIGIT, HEX_DIGIT | HEX_LETTER, ESC_QUOTE_SLASH | ESC_BFN | ESC_RT | HEX_DIGIT | HEX_LETTER, HEX_DIGIT | HEX_LETTER,
        ESC_RT | HEX_DIGIT | HEX_LETTER, ESC_U | HEX_DIGIT | HEX_LETTER, ESC_BFN | HEX_DIGIT | HEX_LETTER, HEX_DIGIT, HEX_DIGIT,
        HEX_DIGIT, 0, 0, ESC_BACKSLASH, 0, ESC_BFN, ESC_QUOTE_SLASH);
    const __m256i nibble = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256();
    __m256i high = _mm256_shuffle_epi8(high_table, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
    __m256i flags = _mm256_and_si256(high, _mm256_shuffle_epi8(low_table, _mm256_and_si256(v, nibble)));
#define HAS_FLAGS(f) ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(flags, _mm256_set1_epi8(f)), zero))
    escape_masks m = {HAS_FLAGS(ESC_QUOTE_SLASH | ESC_BACKSLASH | ESC_BFN | ESC_RT), HAS_FLAGS(ESC_U),
                      HAS_FLAGS(HEX_DIGIT | HEX_LETTER)};
#undef HAS_FLAGS
    return m;
}

/// escapes_valid for the block v0 ‖ v1 = p[at..<at+64] (bytes from `limit`, the line's end,
/// are spaces there).
AVX2 static ALWAYS_INLINE int valid_escapes_avx2(__m256i v0, __m256i v1, uint64_t esc, const uint8_t *p, size_t at,
                                                 size_t limit) {
    escape_masks lo = escape_classes_avx2(v0), hi = escape_classes_avx2(v1);
    return escapes_valid(esc, (uint64_t)lo.simple | (uint64_t)hi.simple << 32, (uint64_t)lo.u | (uint64_t)hi.u << 32,
                         (uint64_t)lo.hex | (uint64_t)hi.hex << 32, p, at, limit);
}

/// What the AVX2 kernel carries from block to block.
typedef struct {
    block_state s;
    uint32_t *o;
    uint64_t pending;     // the previous block's positions, not yet written
    size_t pending_at;
    __m256i prev, utf8_error;
} avx2_state;

/// One block v0 ‖ v1 = p[i..<i+64] of the AVX2 kernel (bytes from `limit`, the line's end,
/// are spaces in it): UTF-8, the positions, the escapes.
AVX2 static ALWAYS_INLINE void avx2_block(avx2_state *st, __m256i v0, __m256i v1, const uint8_t *p, size_t n, size_t i,
                                          size_t limit) {
    // Every block, ASCII or not: about half the blocks of Vietnamese records have a non-ASCII
    // byte, in no order a branch could predict. Checking every block instead of skipping the
    // ASCII ones: stage 1 1.088× on the benchmark records, 0.968× on all-ASCII ones.
    st->utf8_error = _mm256_or_si256(st->utf8_error,
                                     _mm256_or_si256(utf8_errors_avx2(v0, st->prev), utf8_errors_avx2(v1, v0)));
    st->prev = v1;
    uint64_t bits = block_structural_with(&st->s, classify_avx2(v0, v1), p, n, i, 1, prefix_xor_clmul);
    if (st->s.esc) {
        st->s.escapes = 1;
        if (!valid_escapes_avx2(v0, v1, st->s.esc, p, i, limit)) st->s.error = 1;
    }
    // The previous block's positions are written now, while this block's are still being found:
    // its loads and stores then wait on nothing, where this block's wait on a chain from its
    // loads through the carry-less multiply (as simdjson's indexer writes the block before).
    st->o = flatten_avx2(st->o, st->pending_at, st->pending);
    st->pending = bits;
    st->pending_at = i;
}

/// avx2_block, and with `stop_at_lf` the line's end: when the block holds an LF, its lanes from
/// the LF on become spaces, `*end` is the LF's offset, and the result 1 says the block was the
/// line's last (its spaces then catch a character left unfinished).
AVX2 static ALWAYS_INLINE int avx2_line_block(avx2_state *st, __m256i v0, __m256i v1, const uint8_t *p, size_t n, size_t i,
                                              size_t *end, int stop_at_lf) {
    if (stop_at_lf) {
        const __m256i newline = _mm256_set1_epi8('\n'), space = _mm256_set1_epi8(' ');
        const __m256i lanes = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                               22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
        uint64_t lfs = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, newline)) |
                       (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, newline)) << 32;
        if (lfs) {
            uint32_t j = trailing_zeros(lfs);
            *end = i + j;
            // Lanes at j and after become spaces (as signed bytes: j - 32 < 0 keeps none of v1).
            v0 = _mm256_blendv_epi8(space, v0, _mm256_cmpgt_epi8(_mm256_set1_epi8((char)j), lanes));
            v1 = _mm256_blendv_epi8(space, v1, _mm256_cmpgt_epi8(_mm256_set1_epi8((char)((int)j - 32)), lanes));
            avx2_block(st, v0, v1, p, n, i, *end);
            return 1;
        }
    }
    avx2_block(st, v0, v1, p, n, i, n);
    return 0;
}

/// AVX2: two 32-byte halves a block, and UTF-8 validated on the way, as the AVX-512 kernel
/// does (the line is read once; a CPU without AVX-512 otherwise validates it in a second pass).
/// With `stop_at_lf` the line ends at the first LF: that block's later bytes become spaces.
/// The whole blocks are read in place; the tail, padded with spaces, after the loop: the copy
/// is a call, and a call in the loop would make it keep its constants and state in memory.
AVX2 static ALWAYS_INLINE long index_avx2_impl(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8,
                                               size_t *lf, int stop_at_lf) {
    avx2_state st = {{0, 0, 0, 0, 0, 0}, out, 0, 0, _mm256_setzero_si256(), _mm256_setzero_si256()};
    size_t end = n, i = 0;
    for (; i + 64 <= n; i += 64) {
        // The next lines of the chunk, asked for ahead (see the AVX-512 kernel).
        if (stop_at_lf) _mm_prefetch((const char *)(p + i + 1024), _MM_HINT_T0);
        __m256i v0 = _mm256_loadu_si256((const __m256i *)(p + i));
        __m256i v1 = _mm256_loadu_si256((const __m256i *)(p + i + 32));
        if (avx2_line_block(&st, v0, v1, p, n, i, &end, stop_at_lf)) goto done;
    }
    if (i < n) {
        uint8_t tail[64];
        memset(tail, ' ', 64);
        memcpy(tail, p + i, n - i);
        avx2_line_block(&st, _mm256_loadu_si256((const __m256i *)tail), _mm256_loadu_si256((const __m256i *)(tail + 32)),
                        p, n, i, &end, stop_at_lf);
    } else if (_mm256_movemask_epi8(st.prev) != 0) {
        // A character left unfinished at the end: a space where its continuation is due.
        st.utf8_error = _mm256_or_si256(st.utf8_error, utf8_errors_avx2(_mm256_set1_epi8(' '), st.prev));
    }
done:
    st.o = flatten_avx2(st.o, st.pending_at, st.pending);
    *utf8 = _mm256_testz_si256(st.utf8_error, st.utf8_error);
    return finish_index(&st.s, out, st.o, end, escapes, lf, stop_at_lf);
}

AVX2 static long index_avx2(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8) {
    return index_avx2_impl(p, n, out, escapes, utf8, 0, 0);
}

AVX2 static long index_avx2_line(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8, size_t *lf) {
    return index_avx2_impl(p, n, out, escapes, utf8, lf, 1);
}

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vbmi2,bmi,popcnt")))

/// One table of utf8_tables.h in all four 128-bit lanes (vpshufb looks up within a lane).
#define TABLE512(t) _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(t)))

/// UTF-8 errors of a 64-byte block given the previous one (Keiser & Lemire, as utf8.c's AVX2
/// kernel): the bytes 1, 2 and 3 before each come from one two-register byte permute (VBMI).
AVX512 static ALWAYS_INLINE __m512i utf8_errors(__m512i input, __m512i prev_input) {
    const __m512i nibble = _mm512_set1_epi8(0x0F);
    __m512i idx = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42,
                                  41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20,
                                  19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    // Byte j of the concatenation prev_input ‖ input, n bytes back: index 64 + j − n.
    __m512i prev1 = _mm512_permutex2var_epi8(prev_input, _mm512_add_epi8(idx, _mm512_set1_epi8(63)), input);
    __m512i prev2 = _mm512_permutex2var_epi8(prev_input, _mm512_add_epi8(idx, _mm512_set1_epi8(62)), input);
    __m512i prev3 = _mm512_permutex2var_epi8(prev_input, _mm512_add_epi8(idx, _mm512_set1_epi8(61)), input);
    __m512i byte_1_high = _mm512_shuffle_epi8(TABLE512(byte_1_high_table), _mm512_and_si512(_mm512_srli_epi16(prev1, 4), nibble));
    __m512i byte_1_low = _mm512_shuffle_epi8(TABLE512(byte_1_low_table), _mm512_and_si512(prev1, nibble));
    __m512i byte_2_high = _mm512_shuffle_epi8(TABLE512(byte_2_high_table), _mm512_and_si512(_mm512_srli_epi16(input, 4), nibble));
    __m512i special = _mm512_and_si512(_mm512_and_si512(byte_1_high, byte_1_low), byte_2_high);
    __m512i third = _mm512_subs_epu8(prev2, _mm512_set1_epi8((char)(0xE0 - 0x80)));
    __m512i fourth = _mm512_subs_epu8(prev3, _mm512_set1_epi8((char)(0xF0 - 0x80)));
    __m512i must23 = _mm512_and_si512(_mm512_or_si512(third, fourth), _mm512_set1_epi8((char)0x80));
    return _mm512_xor_si512(must23, special);
}

/// Hex digits of a vector of bytes, as a mask.
AVX512 static ALWAYS_INLINE uint64_t hex_digits(__m512i v) {
    __m512i digit = _mm512_sub_epi8(v, _mm512_set1_epi8('0'));
    __m512i letter = _mm512_sub_epi8(_mm512_or_si512(v, _mm512_set1_epi8(0x20)), _mm512_set1_epi8('a'));
    return _mm512_cmplt_epu8_mask(digit, _mm512_set1_epi8(10)) | _mm512_cmplt_epu8_mask(letter, _mm512_set1_epi8(6));
}

/// escapes_valid for the block v = p[at..<at+64] (bytes from `limit`, the line's end, are
/// spaces in v), its masks by vector compares.
AVX512 static ALWAYS_INLINE int valid_escapes_avx512(__m512i v, uint64_t esc, const uint8_t *p, size_t at, size_t limit) {
    uint64_t simple = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"')) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\')) |
                      _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('/')) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('b')) |
                      _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('f')) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('n')) |
                      _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('r')) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('t'));
    return escapes_valid(esc, simple, _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('u')), hex_digits(v), p, at, limit);
}

/// AVX-512 (Zen 4, Ice Lake and later; VBMI2 for the byte compress): the compares give the
/// 64-bit masks directly, the tail is a masked load, the positions' offsets in the block are
/// compressed as bytes (no branch per position) and widened to positions sixteen at a time —
/// one 64-byte store for a block of at most 16 positions, where four compresses of sixteen
/// 32-bit lanes wrote four — and UTF-8 is validated on the way (the line is read once). With
/// `stop_at_lf` the line ends at the first LF: that block's later bytes become spaces.
AVX512 static ALWAYS_INLINE long index_avx512_impl(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8,
                                                   size_t *lf, int stop_at_lf) {
    const __m512i quote = _mm512_set1_epi8('"'), backslash = _mm512_set1_epi8('\\'), lower = _mm512_set1_epi8(0x20),
                  open = _mm512_set1_epi8('{'), close = _mm512_set1_epi8('}'), colon = _mm512_set1_epi8(':'),
                  comma = _mm512_set1_epi8(','), space = _mm512_set1_epi8(' '), tab = _mm512_set1_epi8('\t'),
                  cr = _mm512_set1_epi8('\r'), newline = _mm512_set1_epi8('\n'), control = _mm512_set1_epi8(0x1F);
    const __m512i byte_lanes = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44,
        43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14,
        13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    block_state s = {0, 0, 0, 0, 0};
    uint32_t *o = out;
    __m512i prev = _mm512_setzero_si512(), utf8_error = _mm512_setzero_si512();
    size_t end = n;
    int padded = 0;   // the last block read ends in spaces: a character left unfinished is caught
    for (size_t i = 0; i < n; i += 64) {
        padded = n - i < 64;
        __m512i v = !padded ? _mm512_loadu_si512((const void *)(p + i))
                            : _mm512_mask_loadu_epi8(space, (__mmask64)(~0ULL >> (64 - (n - i))), p + i);
        int last = 0;
        if (stop_at_lf) {
            // The next lines of the chunk, which another thread wrote (inflated): asked for
            // ahead so that the loads above find them nearer (a prefetch never faults).
            _mm_prefetch((const char *)(p + i + 1024), _MM_HINT_T0);
            uint64_t lfs = _mm512_cmpeq_epi8_mask(v, newline);
            if (lfs) {
                uint32_t j = trailing_zeros(lfs);
                end = i + j;
                v = _mm512_mask_mov_epi8(space, (__mmask64)(j ? ~0ULL >> (64 - j) : 0), v);
                padded = last = 1;
            }
        }
        // An ASCII block after complete characters has nothing to check.
        if (_mm512_movepi8_mask(_mm512_or_si512(v, prev)) != 0) utf8_error = _mm512_or_si512(utf8_error, utf8_errors(v, prev));
        prev = v;
        __m512i folded = _mm512_or_si512(v, lower);   // [ → {, ] → }
        block_masks m;
        m.quote = _mm512_cmpeq_epi8_mask(v, quote);
        m.backslash = _mm512_cmpeq_epi8_mask(v, backslash);
        m.op = _mm512_cmpeq_epi8_mask(folded, open) | _mm512_cmpeq_epi8_mask(folded, close) |
               _mm512_cmpeq_epi8_mask(v, colon) | _mm512_cmpeq_epi8_mask(v, comma);
        m.ws = _mm512_cmpeq_epi8_mask(v, space) | _mm512_cmpeq_epi8_mask(v, tab) |
               _mm512_cmpeq_epi8_mask(v, cr) | _mm512_cmpeq_epi8_mask(v, newline);
        m.control = _mm512_cmple_epu8_mask(v, control);
        m.lf = 0;
        uint64_t bits = block_structural_with(&s, m, p, n, i, 1, prefix_xor);
        if (s.esc) {
            s.escapes = 1;
            if (!valid_escapes_avx512(v, s.esc, p, i, last ? end : n)) s.error = 1;
        }
        // The positions' offsets in the block, compressed as bytes and widened sixteen at a
        // time: one store for most blocks (these records have ~8.5 positions a block), not four.
        __m512i offsets = _mm512_maskz_compress_epi8(bits, byte_lanes);
        __m512i at = _mm512_set1_epi32((int)i);
        uint32_t count = (uint32_t)__builtin_popcountll(bits);
        _mm512_storeu_si512((void *)o, _mm512_add_epi32(at, _mm512_cvtepu8_epi32(_mm512_castsi512_si128(offsets))));
        if (count > 16) {
            _mm512_storeu_si512((void *)(o + 16), _mm512_add_epi32(at, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(offsets, 1))));
            if (count > 32) {
                _mm512_storeu_si512((void *)(o + 32), _mm512_add_epi32(at, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(offsets, 2))));
                _mm512_storeu_si512((void *)(o + 48), _mm512_add_epi32(at, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(offsets, 3))));
            }
        }
        o += count;
        if (last) break;
    }
    // A character left unfinished at the end: a space where its continuation is due (done
    // already when the last block was padded with spaces).
    if (!padded && _mm512_movepi8_mask(prev) != 0) utf8_error = _mm512_or_si512(utf8_error, utf8_errors(space, prev));
    *utf8 = _mm512_test_epi8_mask(utf8_error, utf8_error) == 0;
    return finish_index(&s, out, o, end, escapes, lf, stop_at_lf);
}

AVX512 static long index_avx512(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8) {
    return index_avx512_impl(p, n, out, escapes, utf8, 0, 0);
}

AVX512 static long index_avx512_line(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8, size_t *lf) {
    return index_avx512_impl(p, n, out, escapes, utf8, lf, 1);
}

/// The AVX2 kernel also needs PCLMULQDQ (every AVX2 CPU has it, but a VM may hide it).
static int has_avx2_clmul(void) {
    static int known = -1;
    int k = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (k < 0) {
        __builtin_cpu_init();
        k = has_avx2() && __builtin_cpu_supports("pclmul") ? 1 : 0;
        __atomic_store_n(&known, k, __ATOMIC_RELAXED);
    }
    return k;
}

static int has_avx512(void) {
    static int known = -1;
    int k = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (k < 0) {
        __builtin_cpu_init();
        k = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vbmi2") &&
            __builtin_cpu_supports("bmi") &&
            __builtin_cpu_supports("popcnt") ? 1 : 0;
        __atomic_store_n(&known, k, __ATOMIC_RELAXED);
    }
    return k;
}
#endif

long motcua_json_index_with(int kernel, const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8) {
    switch (kernel) {
    case MOTCUA_JSON_INDEX_SCALAR: return index_scalar(p, n, out, escapes, utf8);
#if MOTCUA_X86
    case MOTCUA_JSON_INDEX_SSE2: return index_sse2(p, n, out, escapes, utf8);
    case MOTCUA_JSON_INDEX_AVX2: return has_avx2_clmul() ? index_avx2(p, n, out, escapes, utf8) : -2;
    case MOTCUA_JSON_INDEX_AVX512: return has_avx512() ? index_avx512(p, n, out, escapes, utf8) : -2;
#endif
    default: *utf8 = -1; return -2;
    }
}

long motcua_json_index(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8) {
#if MOTCUA_X86
    if (has_avx512()) return index_avx512(p, n, out, escapes, utf8);
    return has_avx2_clmul() ? index_avx2(p, n, out, escapes, utf8) : index_sse2(p, n, out, escapes, utf8);
#else
    return index_scalar(p, n, out, escapes, utf8);
#endif
}

long motcua_json_index_line_with(int kernel, const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8, size_t *lf) {
    switch (kernel) {
    case MOTCUA_JSON_INDEX_SCALAR: return index_scalar_line(p, n, out, escapes, utf8, lf);
#if MOTCUA_X86
    case MOTCUA_JSON_INDEX_SSE2: return index_sse2_line(p, n, out, escapes, utf8, lf);
    case MOTCUA_JSON_INDEX_AVX2: return has_avx2_clmul() ? index_avx2_line(p, n, out, escapes, utf8, lf) : -2;
    case MOTCUA_JSON_INDEX_AVX512: return has_avx512() ? index_avx512_line(p, n, out, escapes, utf8, lf) : -2;
#endif
    default: *utf8 = -1; return -2;
    }
}

long motcua_json_index_line(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8, size_t *lf) {
#if MOTCUA_X86
    if (has_avx512()) return index_avx512_line(p, n, out, escapes, utf8, lf);
    return has_avx2_clmul() ? index_avx2_line(p, n, out, escapes, utf8, lf) : index_sse2_line(p, n, out, escapes, utf8, lf);
#else
    return index_scalar_line(p, n, out, escapes, utf8, lf);
#endif
}
