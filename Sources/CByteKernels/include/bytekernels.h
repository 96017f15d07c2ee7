// SIMD byte kernels for the hot path, where Swift's SIMD types compile to slow code.
#ifndef MOTCUA_BYTEKERNELS_H
#define MOTCUA_BYTEKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// 1 when p[0..<n] is strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF),
/// 0 when it is not, -1 when this CPU has no vector kernel (the caller validates itself).
int motcua_utf8_validate(const uint8_t *p, size_t n);

/// Stage 1 of the JSON record scanner (json_index.c): writes to `out`, in order, the offset of
/// every structural position of the line p[0..<n] — `{ } [ ] : ,` outside strings, the
/// opening quote of each string and the first byte of each scalar — then n (so only
/// whitespace lies between a string's closing quote and the next position); returns how many positions (n not counted), or -1 when the line cannot be JSON (a
/// control byte, a bad escape or a backslash outside a string, a string left open). `out`
/// needs room for n + 72 entries. `*escapes` is set to 1 when some string has an escape;
/// `*utf8` to 1 or 0 when the kernel also validated UTF-8 as isValidUTF8 does (AVX2, AVX-512), to
/// -1 when it did not.
long motcua_json_index(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8);

enum { MOTCUA_JSON_INDEX_SCALAR = 0, MOTCUA_JSON_INDEX_SSE2 = 1, MOTCUA_JSON_INDEX_AVX2 = 2, MOTCUA_JSON_INDEX_AVX512 = 3 };
/// The same with one kernel (tests compare them); -2 when this CPU or build lacks it.
long motcua_json_index_with(int kernel, const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8);

/// Frames and indexes the first line of p[0..<n] in one pass (NDJSON decoding, instead of a
/// search for the LF and then the index): the line ends at the first LF, whose offset (or n
/// when there is none) goes to `*lf`; bytes after it are not read. The result and `out` are
/// those of `motcua_json_index` on p[0..<*lf], except that a CR before the LF is indexed as
/// trailing whitespace (it adds no position and changes no verdict: it is whitespace outside
/// strings, a control byte inside one, no hex digit after `\u`, no UTF-8 continuation) and
/// out[count] is *lf (the caller puts the line's own end there). `out` needs n + 72 entries.
long motcua_json_index_line(const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8, size_t *lf);
/// The same with one kernel (tests compare them); -2 when this CPU or build lacks it.
long motcua_json_index_line_with(int kernel, const uint8_t *p, size_t n, uint32_t *out, int *escapes, int *utf8, size_t *lf);

/// A CSV record split by motcua_csv_split: offsets from its first byte.
typedef struct {
    size_t next;          // after its terminator
    size_t byte_count;    // its bytes without the LF or CR LF
    size_t line_feeds;    // LFs inside its quotes, and the terminator
    size_t cell_count;
    int utf8;             // 1 or 0 when the kernel validated its bytes as isValidUTF8 does (AVX2), else -1
} motcua_csv_record;

/// CSVRecordSplitter's fast path (csv_index.c): splits the record at the start of p[0..<n]
/// (delimiter `delim`, never `"`, CR, LF or NUL) and writes each cell's span, trimmed and
/// without its quotes, as offsets from p to starts[k]..<ends[k]; returns 1. Returns 0 — the
/// caller then splits with the reference — when the record is not plain: a quote that neither
/// opens a field nor closes one before a delimiter, LF or CR LF (`""`, a quote inside an
/// unquoted field, text after a closing quote), no record-ending LF before n, or more than
/// `capacity` cells. A plain record's cells are those of the reference, byte for byte.
/// `starts` and `ends` need capacity + 8 entries. `r->utf8` is isValidUTF8's verdict on the
/// record's bytes when the kernel (AVX2) checked them on the way, else -1.
int motcua_csv_split(const uint8_t *p, size_t n, uint8_t delim, long *starts, long *ends, size_t capacity,
                     motcua_csv_record *r);

/// RecordFraming.lastBoundary's kernel: continues the framing state machine (`*state`: 0 at a
/// field start, 1 in an unquoted field, 2 inside quotes, 3 just after a quote inside quotes)
/// over p[0..<n]; returns the offset of the last record-ending LF in it, or -1.
long motcua_csv_last_boundary(const uint8_t *p, size_t n, uint8_t delim, int *state);

enum { MOTCUA_CSV_SCALAR = 0, MOTCUA_CSV_SSE2 = 1, MOTCUA_CSV_AVX2 = 2 };
/// The same with one kernel (tests compare them with the Swift reference); -2 when this CPU or
/// build lacks it.
int motcua_csv_split_with(int kernel, const uint8_t *p, size_t n, uint8_t delim, long *starts, long *ends,
                          size_t capacity, motcua_csv_record *r);
long motcua_csv_last_boundary_with(int kernel, const uint8_t *p, size_t n, uint8_t delim, int *state);

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

/// Offset of the first `"`, `\` or control byte (< 0x20) in p[0..<n], or n: the end of a JSON
/// string body's plain run. SSE2 (every x86-64) sixteen bytes at a time; inlined into Swift.
static inline size_t motcua_string_special(const uint8_t *p, size_t n) {
    size_t i = 0;
#if defined(__x86_64__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), control = _mm_set1_epi8(0x1F);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                   _mm_cmpeq_epi8(_mm_min_epu8(v, control), v));
        int mask = _mm_movemask_epi8(hit);
        if (mask != 0) return i + (size_t)__builtin_ctz((unsigned)mask);
    }
#endif
    for (; i < n; i++) {
        uint8_t b = p[i];
        if (b == '"' || b == '\\' || b < 0x20) return i;
    }
    return n;
}

/// Whether p[0..<n] has a backslash: a JSON key or value with an escape (short strings; inlined).
static inline int motcua_has_backslash(const uint8_t *p, size_t n) {
    size_t i = 0;
#if defined(__x86_64__)
    const __m128i backslash = _mm_set1_epi8('\\');
    for (; i + 16 <= n; i += 16) {
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), backslash)) != 0) return 1;
    }
#endif
    for (; i < n; i++) {
        if (p[i] == '\\') return 1;
    }
    return 0;
}

/// Index of the first byte of p[0..<n] equal to a, b or c, or n (CSV framing and cells).
static inline size_t motcua_first_of3(const uint8_t *p, size_t n, uint8_t a, uint8_t b, uint8_t c) {
    size_t i = 0;
#if defined(__x86_64__)
    const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b), vc = _mm_set1_epi8((char)c);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)), _mm_cmpeq_epi8(v, vc));
        int mask = _mm_movemask_epi8(hit);
        if (mask != 0) return i + (size_t)__builtin_ctz((unsigned)mask);
    }
#endif
    for (; i < n; i++) {
        if (p[i] == a || p[i] == b || p[i] == c) return i;
    }
    return n;
}

/// Index of the last byte of p[0..<n] equal to c, or -1 (the last record end in a CSV run
/// without quotes).
static inline long motcua_last_of(const uint8_t *p, size_t n, uint8_t c) {
    size_t i = n;
#if defined(__x86_64__)
    const __m128i vc = _mm_set1_epi8((char)c);
    while (i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i - 16));
        int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(v, vc));
        if (mask != 0) return (long)(i - 16) + 31 - __builtin_clz((unsigned)mask);
        i -= 16;
    }
#endif
    while (i > 0) {
        i--;
        if (p[i] == c) return (long)i;
    }
    return -1;
}

/// A hint to bring the cache line at `p` in (the dossier table's next probes).
static inline void motcua_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
