// SIMD byte kernels for the hot path, where Swift's SIMD types compile to slow code.
#ifndef MOTCUA_BYTEKERNELS_H
#define MOTCUA_BYTEKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// 1 when p[0..<n] is strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF),
/// 0 when it is not, -1 when this CPU has no vector kernel (the caller validates itself).
int motcua_utf8_validate(const uint8_t *p, size_t n);

/// A hint to bring the cache line at `p` in (the dossier table's next probes).
static inline void motcua_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
