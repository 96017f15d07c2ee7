// CSV framing and cell splitting (issue 16) 64 bytes at a time, after simdjson's stage 1:
// quote, delimiter, LF and CR bytes become bit masks and the in-quotes mask is a prefix XOR of
// the quotes, carried from block to block. SPEC §2.3 opens a quote only at a field's start,
// so the XOR alone is not the truth: a quote inside an unquoted field is literal. Each block
// therefore checks that every quote the XOR takes as opening follows a field start (or, when
// framing, a closing quote: `""` inside quotes); where one does not, framing runs that block
// through the byte-at-a-time state machine and splitting hands the record back to the Swift
// splitter (CSVRecordSplitter, the reference), which also takes every malformed record and
// every `""`. Kernels: AVX2 (chosen at run time; it also validates the record's UTF-8 on the
// way, so the decoder need not read it twice), SSE2 (every x86-64) and a scalar one that
// builds the same masks byte by byte.
#include "bytekernels.h"
#include "cpu.h"
#include "utf8_avx2.h"
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define MOTCUA_X86 1
#include <immintrin.h>
#endif

#define ALWAYS_INLINE inline __attribute__((always_inline))

/// One block's byte classes, bit i for byte i (`low`: bytes ≤ 0x20, what trimming may remove).
typedef struct { uint64_t quote, delim, lf, cr, low; } csv_masks;

/// Keeps movemask results in general registers (clang otherwise does the bit arithmetic on
/// vectors of booleans; see json_index.c).
#define IN_REGISTER(x) __asm__("" : "+r"(x))

static ALWAYS_INLINE uint64_t prefix_xor(uint64_t x) {
    x ^= x << 1; x ^= x << 2; x ^= x << 4; x ^= x << 8; x ^= x << 16; x ^= x << 32;
    return x;
}

static ALWAYS_INLINE int trimmable(uint8_t b) { return b == ' ' || b == '\t' || b == '\r' || b == '\n'; }

static ALWAYS_INLINE csv_masks classify_scalar(const uint8_t *p, uint8_t delim) {
    csv_masks m = {0, 0, 0, 0, 0};
    for (int k = 0; k < 64; k++) {
        uint64_t bit = 1ULL << k;
        uint8_t b = p[k];
        if (b == '"') m.quote |= bit;
        if (b == delim) m.delim |= bit;
        if (b == '\n') m.lf |= bit;
        if (b == '\r') m.cr |= bit;
        if (b <= ' ') m.low |= bit;
    }
    return m;
}

// MARK: - Framing

enum { FIELD_START = 0, UNQUOTED = 1, QUOTED = 2, QUOTE_IN_QUOTED = 3 };

/// RecordFraming's state machine, one byte; 1 when the byte is a record-ending LF.
static ALWAYS_INLINE int frame_step(int *state, uint8_t b, uint8_t delim) {
    switch (*state) {
    case FIELD_START:
        if (b == '"') *state = QUOTED; else if (b == '\n') return 1; else if (b != delim) *state = UNQUOTED;
        return 0;
    case UNQUOTED:
        if (b == delim) *state = FIELD_START; else if (b == '\n') { *state = FIELD_START; return 1; }
        return 0;
    case QUOTED:
        if (b == '"') *state = QUOTE_IN_QUOTED;
        return 0;
    default:
        if (b == '"') *state = QUOTED;
        else if (b == delim) *state = FIELD_START;
        else if (b == '\n') { *state = FIELD_START; return 1; }
        else *state = UNQUOTED;
        return 0;
    }
}

/// The record-ending LFs of one block (its first `len` bytes) as bits, from `*state` on;
/// leaves the state after byte len - 1.
static ALWAYS_INLINE uint64_t frame_block(csv_masks m, const uint8_t *p, uint32_t len, uint8_t delim, int *state) {
    uint64_t valid = ~0ULL >> (64 - len);
    m.quote &= valid; m.delim &= valid; m.lf &= valid;
    IN_REGISTER(m.quote); IN_REGISTER(m.delim); IN_REGISTER(m.lf);
    int s = *state;
    uint64_t inside = prefix_xor(m.quote) ^ (s == QUOTED ? ~0ULL : 0);
    uint64_t opening = m.quote & inside, closing = m.quote & ~inside;
    // A quote opens where the machine is at a field start or just after a closing quote.
    uint64_t may_open = (m.delim | m.lf | closing) << 1 | (uint64_t)(s == FIELD_START || s == QUOTE_IN_QUOTED);
    uint32_t last = len - 1;
    if (__builtin_expect((opening & ~may_open) != 0, 0)) {
        uint64_t ends = 0;
        for (uint32_t k = 0; k < len; k++) {
            if (frame_step(&s, p[k], delim)) ends |= 1ULL << k;
        }
        *state = s;
        return ends;
    }
    uint64_t at_last = 1ULL << last;
    if (inside & at_last) *state = QUOTED;
    else if (closing & at_last) *state = QUOTE_IN_QUOTED;
    else if ((m.delim | m.lf) & at_last) *state = FIELD_START;
    else *state = UNQUOTED;
    return m.lf & ~inside;
}

#define FRAME_BLOCKS(classify)                                                              \
    long found = -1;                                                                        \
    size_t i = 0;                                                                           \
    for (; i + 64 <= n; i += 64) {                                                          \
        uint64_t ends = frame_block(classify(p + i, delim), p + i, 64, delim, state);      \
        if (ends) found = (long)(i + 63 - (size_t)__builtin_clzll(ends));                  \
    }                                                                                       \
    if (i < n) {                                                                            \
        uint8_t tail[64];                                                                   \
        memset(tail, 0, 64);                                                                \
        memcpy(tail, p + i, n - i);                                                         \
        uint64_t ends = frame_block(classify(tail, delim), tail, (uint32_t)(n - i), delim, state); \
        if (ends) found = (long)(i + 63 - (size_t)__builtin_clzll(ends));                  \
    }                                                                                       \
    return found;

static long frame_scalar(const uint8_t *p, size_t n, uint8_t delim, int *state) { FRAME_BLOCKS(classify_scalar) }

// MARK: - Splitting

/// Writes the offsets of the set bits, eight at a time whether or not they exist, at least
/// once (the arrays have 8 entries of slack). A block of these records has ~3 delimiters and
/// more than four in about one block of five: rounds of four took a second round that often,
/// a branch the CPU cannot predict; rounds of eight rarely take one.
static ALWAYS_INLINE void flatten(long *o, size_t at, uint64_t bits) {
    long at64 = (long)at;
    const uint64_t never_zero = 1ULL << 63;   // ctz of 0 is undefined; a missing bit writes 63
    do {
        // In general registers: clang otherwise computes the offsets in vectors (popcounts of
        // masks), which is slower.
        long t0 = __builtin_ctzll(bits | never_zero); bits &= bits - 1; IN_REGISTER(t0);
        long t1 = __builtin_ctzll(bits | never_zero); bits &= bits - 1; IN_REGISTER(t1);
        long t2 = __builtin_ctzll(bits | never_zero); bits &= bits - 1; IN_REGISTER(t2);
        long t3 = __builtin_ctzll(bits | never_zero); bits &= bits - 1; IN_REGISTER(t3);
        long t4 = __builtin_ctzll(bits | never_zero); bits &= bits - 1; IN_REGISTER(t4);
        long t5 = __builtin_ctzll(bits | never_zero); bits &= bits - 1; IN_REGISTER(t5);
        long t6 = __builtin_ctzll(bits | never_zero); bits &= bits - 1; IN_REGISTER(t6);
        long t7 = __builtin_ctzll(bits | never_zero); bits &= bits - 1; IN_REGISTER(t7);
        o[0] = at64 + t0; o[1] = at64 + t1; o[2] = at64 + t2; o[3] = at64 + t3;
        o[4] = at64 + t4; o[5] = at64 + t5; o[6] = at64 + t6; o[7] = at64 + t7;
        o += 8;
    } while (bits);
}

/// The exact trim of every cell (isTrimmable in Swift), for the rare record whose cells' edge
/// bytes the masks flagged.
static void trim_cells(const uint8_t *p, size_t count, long *starts, long *ends) {
    for (size_t k = 0; k < count; k++) {
        size_t a = (size_t)starts[k], b = (size_t)ends[k];
        while (a < b && trimmable(p[a])) a++;
        while (b > a && trimmable(p[b - 1])) b--;
        starts[k] = (long)a;
        ends[k] = (long)b;
    }
}

/// Turns the cells' ends (ends[k]: the offset of the delimiter after cell k, or of the
/// record's end) into spans without their quotes. A quoted cell is `"…"` exactly — the checks
/// leave no other form — and p[s] is readable for an empty cell too (it is the delimiter, the
/// LF or the CR after it).
static ALWAYS_INLINE void unquoted_spans(const uint8_t *p, size_t count, long *starts, long *ends) {
    size_t s = 0;
    for (size_t k = 0; k < count; k++) {
        size_t e = (size_t)ends[k];
        size_t q = p[s] == '"';
        starts[k] = (long)(s + q);
        ends[k] = (long)(e - q);
        s = e + 1;
    }
}

/// Splits the record at p[0..<n] (see motcua_csv_split): a block's checks cover its bytes up to
/// the record's LF; the delimiters outside quotes are the cells' ends, turned into spans last.
/// Whether any cell needs trimming is read off the masks: a cell starts after a delimiter (or
/// the record's start), one byte later when it opens with a quote, and ends at its closing
/// quote or else at the delimiter or the record's end; a byte ≤ 0x20 (a superset of what is
/// trimmed) just inside either edge sends the cells through the exact trim.
/// `utf8_block(b, last, j)` checks a block's UTF-8 (in the last block, its bytes up to the LF
/// at j) and `utf8_verdict` says 1 or 0 (-1 from kernels that leave UTF-8 to the caller).
#define SPLIT_BLOCKS(classify, utf8_block, utf8_verdict)                                    \
    uint64_t carry_inside = 0;      /* all ones when the block starts inside quotes */      \
    uint64_t carry_start = 1;       /* the block's first byte starts a field */             \
    uint64_t carry_follow = 0;      /* its first byte must be a delimiter, LF or CR LF */   \
    uint64_t carry_cr_lf = 0;       /* its first byte must be the LF of a CR LF */          \
    uint64_t carry_open = 0;        /* the previous block ended with an opening quote */    \
    uint64_t carry_low = 0;         /* ... with a cell's byte ≤ 0x20 */                     \
    uint64_t prev_cr = 0;           /* ... with a CR */                                     \
    uint64_t trim = 0;                                                                      \
    size_t lines = 0, cells = 0;                                                            \
    uint8_t tail[64];                                                                       \
    for (size_t i = 0; i < n; i += 64) {                                                    \
        const uint8_t *b = p + i;                                                           \
        uint64_t keep = ~0ULL;          /* the record's bytes in this block, LF included */ \
        if (i + 64 > n) {                                                                   \
            memset(tail, 0, 64);                                                            \
            memcpy(tail, p + i, n - i);                                                     \
            b = tail;                                                                       \
            keep = ~0ULL >> (64 - (n - i));                                                 \
        }                                                                                   \
        csv_masks m = classify(b, delim);                                                   \
        m.quote &= keep; m.delim &= keep; m.lf &= keep; m.cr &= keep;                       \
        IN_REGISTER(m.quote); IN_REGISTER(m.delim); IN_REGISTER(m.lf); IN_REGISTER(m.cr);   \
        uint64_t inside = prefix_xor(m.quote) ^ carry_inside;                               \
        uint64_t ends = m.lf & ~inside;                                                     \
        uint64_t content = keep;        /* the record's bytes before its terminator */      \
        uint32_t j = 0;                                                                     \
        size_t cr = 0;                                                                      \
        if (ends) {                                                                         \
            j = (uint32_t)__builtin_ctzll(ends);                                            \
            keep = j == 63 ? ~0ULL : (2ULL << j) - 1;                                       \
            cr = j ? (size_t)((m.cr >> (j - 1)) & 1) : (size_t)prev_cr;                     \
            /* (a CR in the previous block stayed a cell byte there: at worst a needless trim) */ \
            content = j >= cr ? (1ULL << (j - cr)) - 1 : 0;                                 \
        }                                                                                   \
        uint64_t opening = m.quote & inside & keep, closing = m.quote & ~inside & keep;     \
        uint64_t follow = m.delim | m.lf | (m.cr & (m.lf >> 1 | 1ULL << 63));               \
        uint64_t must_follow = (closing << 1 | carry_follow) & keep;                        \
        uint64_t bad = (opening & ~(m.delim << 1 | carry_start)) | (must_follow & ~follow)  \
                     | (carry_cr_lf & ~m.lf);                                               \
        if (bad) return 0;                                                                  \
        utf8_block(b, ends != 0, j);                                                        \
        lines += (size_t)__builtin_popcountll(m.lf & inside & keep);                        \
        uint64_t seps = m.delim & ~inside & keep;                                           \
        uint64_t field_starts = seps << 1 | carry_start;                                    \
        uint64_t cell_starts = (field_starts & ~opening) | opening << 1 | carry_open;       \
        uint64_t cell_ends = closing | (seps & ~(closing << 1 | carry_follow));             \
        uint64_t low = m.low & ~seps & content;                                             \
        uint64_t edges = cell_ends | (ends ? 1ULL << j >> cr : 0);                          \
        trim |= (cell_starts & low) | (edges >> 1 & low) | (edges & carry_low);             \
        trim |= ends && j < cr;         /* the record ended at the previous block's CR */   \
        carry_cr_lf = (must_follow & m.cr) >> 63;                                           \
        carry_follow = closing >> 63;                                                       \
        carry_start = (m.delim & ~inside) >> 63;                                            \
        carry_open = opening >> 63;                                                         \
        carry_low = low >> 63;                                                              \
        carry_inside = (uint64_t)((int64_t)inside >> 63);                                   \
        size_t count = (size_t)__builtin_popcountll(seps);                                  \
        if (cells + count >= capacity) return 0;                                            \
        flatten(ends_out + cells, i, seps);                                                 \
        cells += count;                                                                     \
        if (ends) {                                                                         \
            size_t lf = i + j;                                                              \
            ends_out[cells++] = (long)(lf - cr);                                            \
            unquoted_spans(p, cells, starts, ends_out);                                     \
            if (__builtin_expect(trim != 0, 0)) trim_cells(p, cells, starts, ends_out);     \
            r->next = lf + 1;                                                               \
            r->byte_count = lf - cr;                                                        \
            r->line_feeds = lines + 1;                                                      \
            r->cell_count = cells;                                                          \
            r->utf8 = utf8_verdict;                                                         \
            return 1;                                                                       \
        }                                                                                   \
        prev_cr = m.cr >> 63;                                                               \
    }                                                                                       \
    return 0;   /* no record-ending LF before n */

/// Kernels that leave UTF-8 to the caller.
#define NO_UTF8_BLOCK(b, last, j) ((void)0)
#define NO_UTF8_VERDICT (-1)

static int split_scalar(const uint8_t *p, size_t n, uint8_t delim, long *starts, long *ends_out, size_t capacity,
                        motcua_csv_record *r) {
    SPLIT_BLOCKS(classify_scalar, NO_UTF8_BLOCK, NO_UTF8_VERDICT)
}

#if MOTCUA_X86

static ALWAYS_INLINE csv_masks classify_sse2(const uint8_t *p, uint8_t delim) {
    const __m128i quote = _mm_set1_epi8('"'), d = _mm_set1_epi8((char)delim), lf = _mm_set1_epi8('\n'),
                  cr = _mm_set1_epi8('\r'), space = _mm_set1_epi8(' ');
    csv_masks m = {0, 0, 0, 0, 0};
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        int shift = 16 * k;
        m.quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) << shift;
        m.delim |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, d)) << shift;
        m.lf |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)) << shift;
        m.cr |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, cr)) << shift;
        m.low |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, space), v)) << shift;
    }
    return m;
}

static long frame_sse2(const uint8_t *p, size_t n, uint8_t delim, int *state) { FRAME_BLOCKS(classify_sse2) }

static int split_sse2(const uint8_t *p, size_t n, uint8_t delim, long *starts, long *ends_out, size_t capacity,
                      motcua_csv_record *r) {
    SPLIT_BLOCKS(classify_sse2, NO_UTF8_BLOCK, NO_UTF8_VERDICT)
}

#define AVX2 __attribute__((target("avx2,bmi,popcnt")))

AVX2 static ALWAYS_INLINE csv_masks classify_avx2(const uint8_t *p, uint8_t delim) {
    const __m256i quote = _mm256_set1_epi8('"'), d = _mm256_set1_epi8((char)delim), lf = _mm256_set1_epi8('\n'),
                  cr = _mm256_set1_epi8('\r'), space = _mm256_set1_epi8(' ');
    csv_masks m = {0, 0, 0, 0, 0};
    for (int k = 0; k < 2; k++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(p + 32 * k));
        int shift = 32 * k;
        m.quote |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)) << shift;
        m.delim |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, d)) << shift;
        m.lf |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, lf)) << shift;
        m.cr |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, cr)) << shift;
        m.low |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(v, space), v)) << shift;
    }
    return m;
}

AVX2 static long frame_avx2(const uint8_t *p, size_t n, uint8_t delim, int *state) { FRAME_BLOCKS(classify_avx2) }

/// Adds the UTF-8 errors of a 64-byte block (after the one whose second half is `*prev`) to
/// `*errors`; in the record's last block its bytes after the LF at j count as NUL, which can
/// flag nothing up to the LF (an error involves only the bytes before it).
AVX2 static ALWAYS_INLINE void utf8_block(const uint8_t *b, int last, uint32_t j, __m256i *prev, __m256i *errors) {
    __m256i v0 = _mm256_loadu_si256((const __m256i *)b), v1 = _mm256_loadu_si256((const __m256i *)(b + 32));
    if (last) {
        const __m256i index0 = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                                                20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
        const __m256i through = _mm256_set1_epi8((char)(j + 1));
        v0 = _mm256_and_si256(v0, _mm256_cmpgt_epi8(through, index0));
        v1 = _mm256_and_si256(v1, _mm256_cmpgt_epi8(through, _mm256_add_epi8(index0, _mm256_set1_epi8(32))));
    }
    // Every block, ASCII or not: about half the blocks of Vietnamese records have a non-ASCII
    // byte, in no order a branch could predict (as json_index.c's AVX2 kernel).
    *errors = _mm256_or_si256(*errors, _mm256_or_si256(utf8_errors_avx2(v0, *prev), utf8_errors_avx2(v1, v0)));
    *prev = v1;
}

AVX2 static int split_avx2(const uint8_t *p, size_t n, uint8_t delim, long *starts, long *ends_out, size_t capacity,
                           motcua_csv_record *r) {
    __m256i utf8_prev = _mm256_setzero_si256(), utf8_errors = _mm256_setzero_si256();
#define UTF8_BLOCK_AVX2(b, last, j) utf8_block(b, last, j, &utf8_prev, &utf8_errors)
#define UTF8_VERDICT_AVX2 _mm256_testz_si256(utf8_errors, utf8_errors)
    SPLIT_BLOCKS(classify_avx2, UTF8_BLOCK_AVX2, UTF8_VERDICT_AVX2)
#undef UTF8_BLOCK_AVX2
#undef UTF8_VERDICT_AVX2
}
#endif

// MARK: - Entry points

long motcua_csv_last_boundary_with(int kernel, const uint8_t *p, size_t n, uint8_t delim, int *state) {
    switch (kernel) {
    case MOTCUA_CSV_SCALAR: return frame_scalar(p, n, delim, state);
#if MOTCUA_X86
    case MOTCUA_CSV_SSE2: return frame_sse2(p, n, delim, state);
    case MOTCUA_CSV_AVX2: return has_avx2() ? frame_avx2(p, n, delim, state) : -2;
#endif
    default: return -2;
    }
}

long motcua_csv_last_boundary(const uint8_t *p, size_t n, uint8_t delim, int *state) {
#if MOTCUA_X86
    return has_avx2() ? frame_avx2(p, n, delim, state) : frame_sse2(p, n, delim, state);
#else
    return frame_scalar(p, n, delim, state);
#endif
}

int motcua_csv_split_with(int kernel, const uint8_t *p, size_t n, uint8_t delim, long *starts, long *ends,
                          size_t capacity, motcua_csv_record *r) {
    switch (kernel) {
    case MOTCUA_CSV_SCALAR: return split_scalar(p, n, delim, starts, ends, capacity, r);
#if MOTCUA_X86
    case MOTCUA_CSV_SSE2: return split_sse2(p, n, delim, starts, ends, capacity, r);
    case MOTCUA_CSV_AVX2: return has_avx2() ? split_avx2(p, n, delim, starts, ends, capacity, r) : -2;
#endif
    default: return -2;
    }
}

int motcua_csv_split(const uint8_t *p, size_t n, uint8_t delim, long *starts, long *ends, size_t capacity,
                     motcua_csv_record *r) {
#if MOTCUA_X86
    return has_avx2() ? split_avx2(p, n, delim, starts, ends, capacity, r) : split_sse2(p, n, delim, starts, ends, capacity, r);
#else
    return split_scalar(p, n, delim, starts, ends, capacity, r);
#endif
}
