// libcurl, opened with dlopen(3) the first time an exporter needs it (--otlp-endpoint, --server,
// `upload`), not linked: libcurl and the TLS, Kerberos and LDAP libraries it pulls in are about
// 30 shared objects, which every start of argus-trace would otherwise map and relocate (about
// 5 MB of resident memory and a third of the start-up's page faults) with no exporter asked for.
// Only curl's types and constants come from its header; every call goes through the functions
// below, which call the symbols CCurl_load resolved.
#ifndef ARGUS_CCURL_H
#define ARGUS_CCURL_H

#include <curl/curl.h>

/// The shared object opened: Debian's libcurl4 (OpenSSL build; libcurl4-openssl-dev depends on it).
#define CCURL_SONAME "libcurl.so.4"

/// Opens libcurl and resolves what the functions below call, once per process (later calls
/// return the first call's answer). NULL when it is ready, else why not, in dlerror's words.
const char *CCurl_load(void);

// Each calls the libcurl function of the same name (curl_ prefix); CCurl_load must have returned NULL.
CURLcode CCurl_global_init(long flags);
CURL *CCurl_easy_init(void);
void CCurl_easy_cleanup(CURL *handle);
void CCurl_easy_reset(CURL *handle);
CURLcode CCurl_easy_perform(CURL *handle);
const char *CCurl_easy_strerror(CURLcode code);
struct curl_slist *CCurl_slist_append(struct curl_slist *list, const char *text);
void CCurl_slist_free_all(struct curl_slist *list);

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
// function per argument type the HTTP client uses.
typedef size_t (*CCurl_write_callback)(char *data, size_t size, size_t count, void *context);
CURLcode CCurl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode CCurl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode CCurl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode CCurl_setopt_write_function(CURL *handle, CCurl_write_callback callback);
/// CURLOPT_POSTFIELDSIZE then CURLOPT_POSTFIELDS.
CURLcode CCurl_setopt_body(CURL *handle, const void *body, long length);
/// curl_easy_getinfo(CURLINFO_RESPONSE_CODE).
CURLcode CCurl_response_code(CURL *handle, long *code);

#endif
