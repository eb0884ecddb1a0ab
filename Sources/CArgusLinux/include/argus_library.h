// Opening a shared library at run time, for the exporters' libraries (libcurl, libmicrohttpd)
// and libyaml, which argus-trace opens only when asked for one (see Sources/CCurl/include/CCurl.h).
#ifndef ARGUS_LIBRARY_H
#define ARGUS_LIBRARY_H

#include <stddef.h>

/// dlopen(soname, RTLD_NOW | RTLD_LOCAL), then dlsym of each of `names` into `symbols`. NULL when
/// every symbol resolved, else why not (dlerror's words, or the symbol missing), written into
/// `problem`. The library stays open for the process's life.
const char *argus_library_load(
    const char *soname, const char *const names[], void *symbols[], size_t count, char *problem, size_t problem_size);

#endif
