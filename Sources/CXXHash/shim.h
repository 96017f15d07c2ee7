// xxHash (Debian: libxxhash-dev): XXH3, the state's content digests and section checksums.
#include <xxhash.h>
