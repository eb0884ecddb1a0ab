#include "argus_library.h"

#include <dlfcn.h>
#include <stdio.h>

static const char *load(struct argus_library *library) {
    void *handle = dlopen(library->soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();
        snprintf(library->problem_text, sizeof library->problem_text, "%s", why != NULL ? why : "cannot open");
        return library->problem_text;
    }
    for (size_t index = 0; index < library->count; index++) {
        library->symbols[index] = dlsym(handle, library->names[index]);
        if (library->symbols[index] == NULL) {
            snprintf(library->problem_text, sizeof library->problem_text, "%s has no %s", library->soname,
                library->names[index]);
            return library->problem_text;
        }
    }
    return NULL;
}

const char *argus_library_open(struct argus_library *library) {
    pthread_mutex_lock(&library->lock);
    if (!library->tried) {
        library->problem = load(library);
        library->tried = 1;
    }
    const char *problem = library->problem;
    pthread_mutex_unlock(&library->lock);
    return problem;
}
