#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
} curl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *problem;
static char problem_text[512];

/// Resolves one symbol; on failure records why and returns NULL.
static void *resolve(void *library, const char *name) {
    void *symbol = dlsym(library, name);
    if (symbol == NULL && problem == NULL) {
        snprintf(problem_text, sizeof problem_text, "%s has no %s", CCURL_SONAME, name);
        problem = problem_text;
    }
    return symbol;
}

static void load(void) {
    void *library = dlopen(CCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(problem_text, sizeof problem_text, "%s", why != NULL ? why : CCURL_SONAME ": cannot open");
        problem = problem_text;
        return;
    }
    curl.global_init = resolve(library, "curl_global_init");
    curl.easy_init = resolve(library, "curl_easy_init");
    curl.easy_cleanup = resolve(library, "curl_easy_cleanup");
    curl.easy_reset = resolve(library, "curl_easy_reset");
    curl.easy_perform = resolve(library, "curl_easy_perform");
    curl.easy_strerror = resolve(library, "curl_easy_strerror");
    curl.slist_append = resolve(library, "curl_slist_append");
    curl.slist_free_all = resolve(library, "curl_slist_free_all");
    curl.easy_setopt = resolve(library, "curl_easy_setopt");
    curl.easy_getinfo = resolve(library, "curl_easy_getinfo");
    // The library stays open for the process's life: handles and their threads may outlive any caller.
}

const char *CCurl_load(void) {
    pthread_once(&once, load);
    return problem;
}

CURLcode CCurl_global_init(long flags) { return curl.global_init(flags); }
CURL *CCurl_easy_init(void) { return curl.easy_init(); }
void CCurl_easy_cleanup(CURL *handle) { curl.easy_cleanup(handle); }
void CCurl_easy_reset(CURL *handle) { curl.easy_reset(handle); }
CURLcode CCurl_easy_perform(CURL *handle) { return curl.easy_perform(handle); }
const char *CCurl_easy_strerror(CURLcode code) { return curl.easy_strerror(code); }
struct curl_slist *CCurl_slist_append(struct curl_slist *list, const char *text) {
    return curl.slist_append(list, text);
}
void CCurl_slist_free_all(struct curl_slist *list) { curl.slist_free_all(list); }

CURLcode CCurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode CCurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode CCurl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode CCurl_setopt_write_function(CURL *handle, CCurl_write_callback callback) {
    return curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

CURLcode CCurl_setopt_body(CURL *handle, const void *body, long length) {
    CURLcode code = curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE, length);
    return code != CURLE_OK ? code : curl.easy_setopt(handle, CURLOPT_POSTFIELDS, body);
}

CURLcode CCurl_response_code(CURL *handle, long *code) {
    return curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}
