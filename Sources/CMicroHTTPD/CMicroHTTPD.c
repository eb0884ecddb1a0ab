#include "CMicroHTTPD.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
    struct MHD_Daemon *(*start_daemon)(
        unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *, MHD_AccessHandlerCallback, void *, ...);
    void (*stop_daemon)(struct MHD_Daemon *);
    const char *(*lookup_connection_value)(struct MHD_Connection *, enum MHD_ValueKind, const char *);
    struct MHD_Response *(*create_response_from_buffer)(size_t, void *, enum MHD_ResponseMemoryMode);
    void (*destroy_response)(struct MHD_Response *);
    enum MHD_Result (*add_response_header)(struct MHD_Response *, const char *, const char *);
    enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
} mhd;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *problem;
static char problem_text[512];

/// Resolves one symbol; on failure records why and returns NULL.
static void *resolve(void *library, const char *name) {
    void *symbol = dlsym(library, name);
    if (symbol == NULL && problem == NULL) {
        snprintf(problem_text, sizeof problem_text, "%s has no %s", CMICROHTTPD_SONAME, name);
        problem = problem_text;
    }
    return symbol;
}

static void load(void) {
    void *library = dlopen(CMICROHTTPD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(problem_text, sizeof problem_text, "%s", why != NULL ? why : CMICROHTTPD_SONAME ": cannot open");
        problem = problem_text;
        return;
    }
    mhd.start_daemon = resolve(library, "MHD_start_daemon");
    mhd.stop_daemon = resolve(library, "MHD_stop_daemon");
    mhd.lookup_connection_value = resolve(library, "MHD_lookup_connection_value");
    mhd.create_response_from_buffer = resolve(library, "MHD_create_response_from_buffer");
    mhd.destroy_response = resolve(library, "MHD_destroy_response");
    mhd.add_response_header = resolve(library, "MHD_add_response_header");
    mhd.queue_response = resolve(library, "MHD_queue_response");
    // The library stays open for the process's life: the server's thread may outlive any caller.
}

const char *CMicroHTTPD_load(void) {
    pthread_once(&once, load);
    return problem;
}

struct MHD_Daemon *CMicroHTTPD_start(
    unsigned int flags, int listen_socket, unsigned int connection_limit, unsigned int timeout_seconds,
    MHD_AccessHandlerCallback handler, void *handler_context) {
    return mhd.start_daemon(
        flags, 0, NULL, NULL, handler, handler_context, MHD_OPTION_LISTEN_SOCKET, listen_socket,
        MHD_OPTION_CONNECTION_LIMIT, connection_limit, MHD_OPTION_CONNECTION_TIMEOUT, timeout_seconds,
        MHD_OPTION_END);
}

void CMicroHTTPD_stop_daemon(struct MHD_Daemon *daemon) { mhd.stop_daemon(daemon); }

const char *CMicroHTTPD_lookup_connection_value(
    struct MHD_Connection *connection, enum MHD_ValueKind kind, const char *key) {
    return mhd.lookup_connection_value(connection, kind, key);
}

struct MHD_Response *CMicroHTTPD_create_response_from_buffer(
    size_t size, void *buffer, enum MHD_ResponseMemoryMode mode) {
    return mhd.create_response_from_buffer(size, buffer, mode);
}

void CMicroHTTPD_destroy_response(struct MHD_Response *response) { mhd.destroy_response(response); }

enum MHD_Result CMicroHTTPD_add_response_header(struct MHD_Response *response, const char *name, const char *value) {
    return mhd.add_response_header(response, name, value);
}

enum MHD_Result CMicroHTTPD_queue_response(
    struct MHD_Connection *connection, unsigned int status, struct MHD_Response *response) {
    return mhd.queue_response(connection, status, response);
}
