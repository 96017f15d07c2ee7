// libxml2 without ICU's headers: Debian's libxml2 is built with ICU, and its encoding.h would
// include <unicode/ucnv.h>, whose UErrorCode clashes with the one of Foundation's own ICU module
// (clang: "has different definitions in different modules"). Only the encoding handler's
// private converter fields depend on it; this package never touches them (pointers only).
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
