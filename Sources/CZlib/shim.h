#ifndef EMBER_CZLIB_SHIM_H
#define EMBER_CZLIB_SHIM_H
#include <zlib.h>

/* inflateInit2 is a macro, which Swift cannot call. 15 + 32: a 32 KiB
   window, gzip or zlib header detected automatically. */
static inline int ember_inflate_init_auto(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
#endif
