/* libload.h - libcurl, libarchive and libcrypto, loaded when first used.
 *
 * Linking libcurl and libarchive directly costs every pinwheel process
 * about 5 ms before main() (some 40 shared objects, gnutls and ICU among
 * them, with their constructors): more than the whole sandbox start-up
 * budget of `pinwheel run`, which needs neither; libcrypto adds another
 * 0.7 ms.  So the binary does not link them; lib/libload.c defines the few
 * functions of each that
 * pinwheel calls, under their own names, and forwards them to the library
 * opened with dlopen() on first use (libcurl.so.4, libarchive.so.13, libcrypto.so.3:
 * the sonames the Debian -dev packages build against).  Callers use the
 * libraries' ordinary APIs; nothing else changes.  The small libraries
 * (jansson, libseccomp, libelf, zlib, libdeflate, liblzma) are linked
 * statically instead, from the .a files of the same -dev packages (the
 * Makefile's BIN_LIBS): loading them as shared objects cost another 0.3 ms.
 *
 * pw_libcurl_load() and pw_libarchive_load() open the library now and
 * report a clear error when it is missing; entry points (fetch, unpack)
 * call them first.  0 or -ENOENT/-ELIBBAD with e->msg naming the soname.
 * When a library cannot be loaded the forwarding functions fail the way
 * the library's own functions fail (NULL, CURLE_FAILED_INIT, ARCHIVE_FATAL).
 */
#ifndef PINWHEEL_LIBLOAD_H
#define PINWHEEL_LIBLOAD_H

#include "pinwheel/common.h"

int pw_libcurl_load(struct pw_err *e);
int pw_libarchive_load(struct pw_err *e);
int pw_libcrypto_load(struct pw_err *e);

#endif
