// Opening a shared library at run time, for the exporters' libraries (libcurl, libmicrohttpd)
// and libyaml, which argus-trace opens only when asked for one (see Sources/CCurl/include/CCurl.h).
#ifndef ARGUS_LIBRARY_H
#define ARGUS_LIBRARY_H

#include <pthread.h>
#include <stddef.h>

/// A library opened on first use, with the symbols its wrapper calls. Each wrapper keeps one in
/// a static variable, written with ARGUS_LIBRARY.
struct argus_library {
    const char *soname;
    const char *const *names;
    void **symbols;
    size_t count;
    pthread_mutex_t lock;
    int tried;
    const char *problem;
    char problem_text[512];
};

/// The initial state for `names` (an array of symbol names) resolved into `symbols` (as long).
#define ARGUS_LIBRARY(library_soname, library_names, library_symbols) \
    { \
        .soname = (library_soname), .names = (library_names), .symbols = (library_symbols), \
        .count = sizeof(library_names) / sizeof((library_names)[0]), .lock = PTHREAD_MUTEX_INITIALIZER \
    }

/// The first call: dlopen(soname, RTLD_NOW | RTLD_LOCAL), then dlsym of each name. Every call
/// returns that first call's answer: NULL when every symbol resolved, else why not (dlerror's
/// words, or the symbol missing). The library stays open for the process's life.
const char *argus_library_open(struct argus_library *library);

#endif
