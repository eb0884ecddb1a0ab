#include "argus_library.h"

#include <dlfcn.h>
#include <stdio.h>

const char *argus_library_load(
    const char *soname, const char *const names[], void *symbols[], size_t count, char *problem, size_t problem_size) {
    void *library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(problem, problem_size, "%s", why != NULL ? why : "cannot open");
        return problem;
    }
    for (size_t index = 0; index < count; index++) {
        symbols[index] = dlsym(library, names[index]);
        if (symbols[index] == NULL) {
            snprintf(problem, problem_size, "%s has no %s", soname, names[index]);
            return problem;
        }
    }
    return NULL;
}
