// xxHash (Debian: libxxhash-dev): XXH3, the state's content digests and section checksums.
// On x86-64 through the library's run-time dispatch (AVX2 / AVX-512 where the CPU has them):
// the plain entry points are built for SSE2 and hash ~3× slower. The digests are the same.
#include <xxhash.h>
#if defined(__x86_64__)
#define XXH_DISPATCH_DISABLE_REPLACE
#include <xxh_x86dispatch.h>
#define MOTCUA_XXH(name) name##_dispatch
#else
#define MOTCUA_XXH(name) name
#endif

static inline XXH64_hash_t motcua_xxh3_64(const void *input, size_t length) {
    return MOTCUA_XXH(XXH3_64bits)(input, length);
}
static inline XXH128_hash_t motcua_xxh3_128(const void *input, size_t length) {
    return MOTCUA_XXH(XXH3_128bits)(input, length);
}
static inline XXH_errorcode motcua_xxh3_64_update(XXH3_state_t *state, const void *input, size_t length) {
    return MOTCUA_XXH(XXH3_64bits_update)(state, input, length);
}
static inline XXH_errorcode motcua_xxh3_128_update(XXH3_state_t *state, const void *input, size_t length) {
    return MOTCUA_XXH(XXH3_128bits_update)(state, input, length);
}
