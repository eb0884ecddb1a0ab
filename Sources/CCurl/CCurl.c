#include "CCurl.h"

#include "argus_library.h"

enum {
    GLOBAL_INIT, EASY_INIT, EASY_CLEANUP, EASY_RESET, EASY_PERFORM, EASY_STRERROR, SLIST_APPEND, SLIST_FREE_ALL,
    EASY_SETOPT, EASY_GETINFO, SYMBOL_COUNT
};

static const char *const names[SYMBOL_COUNT] = {
    [GLOBAL_INIT] = "curl_global_init", [EASY_INIT] = "curl_easy_init", [EASY_CLEANUP] = "curl_easy_cleanup",
    [EASY_RESET] = "curl_easy_reset", [EASY_PERFORM] = "curl_easy_perform", [EASY_STRERROR] = "curl_easy_strerror",
    [SLIST_APPEND] = "curl_slist_append", [SLIST_FREE_ALL] = "curl_slist_free_all",
    [EASY_SETOPT] = "curl_easy_setopt", [EASY_GETINFO] = "curl_easy_getinfo",
};

static void *symbols[SYMBOL_COUNT];
static struct argus_library library = ARGUS_LIBRARY(CCURL_SONAME, names, symbols);

const char *CCurl_load(void) { return argus_library_open(&library); }

// Each symbol as the type curl.h gives its function.
#define CALL(symbol, type) ((type)symbols[symbol])

CURLcode CCurl_global_init(long flags) { return CALL(GLOBAL_INIT, CURLcode (*)(long))(flags); }
CURL *CCurl_easy_init(void) { return CALL(EASY_INIT, CURL *(*)(void))(); }
void CCurl_easy_cleanup(CURL *handle) { CALL(EASY_CLEANUP, void (*)(CURL *))(handle); }
void CCurl_easy_reset(CURL *handle) { CALL(EASY_RESET, void (*)(CURL *))(handle); }
CURLcode CCurl_easy_perform(CURL *handle) { return CALL(EASY_PERFORM, CURLcode (*)(CURL *))(handle); }
const char *CCurl_easy_strerror(CURLcode code) { return CALL(EASY_STRERROR, const char *(*)(CURLcode))(code); }
struct curl_slist *CCurl_slist_append(struct curl_slist *list, const char *text) {
    return CALL(SLIST_APPEND, struct curl_slist *(*)(struct curl_slist *, const char *))(list, text);
}
void CCurl_slist_free_all(struct curl_slist *list) { CALL(SLIST_FREE_ALL, void (*)(struct curl_slist *))(list); }

#define SETOPT CALL(EASY_SETOPT, CURLcode (*)(CURL *, CURLoption, ...))

CURLcode CCurl_setopt_long(CURL *handle, CURLoption option, long value) { return SETOPT(handle, option, value); }

CURLcode CCurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return SETOPT(handle, option, value);
}

CURLcode CCurl_setopt_pointer(CURL *handle, CURLoption option, void *value) { return SETOPT(handle, option, value); }

CURLcode CCurl_setopt_write_function(CURL *handle, CCurl_write_callback callback) {
    return SETOPT(handle, CURLOPT_WRITEFUNCTION, callback);
}

CURLcode CCurl_setopt_body(CURL *handle, const void *body, long length) {
    CURLcode code = SETOPT(handle, CURLOPT_POSTFIELDSIZE, length);
    return code != CURLE_OK ? code : SETOPT(handle, CURLOPT_POSTFIELDS, body);
}

CURLcode CCurl_response_code(CURL *handle, long *code) {
    return CALL(EASY_GETINFO, CURLcode (*)(CURL *, CURLINFO, ...))(handle, CURLINFO_RESPONSE_CODE, code);
}
