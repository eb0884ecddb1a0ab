#include "CMicroHTTPD.h"

#include "argus_library.h"

enum {
    START_DAEMON, STOP_DAEMON, LOOKUP_CONNECTION_VALUE, CREATE_RESPONSE_FROM_BUFFER, DESTROY_RESPONSE,
    ADD_RESPONSE_HEADER, QUEUE_RESPONSE, SYMBOL_COUNT
};

static const char *const names[SYMBOL_COUNT] = {
    [START_DAEMON] = "MHD_start_daemon", [STOP_DAEMON] = "MHD_stop_daemon",
    [LOOKUP_CONNECTION_VALUE] = "MHD_lookup_connection_value",
    [CREATE_RESPONSE_FROM_BUFFER] = "MHD_create_response_from_buffer", [DESTROY_RESPONSE] = "MHD_destroy_response",
    [ADD_RESPONSE_HEADER] = "MHD_add_response_header", [QUEUE_RESPONSE] = "MHD_queue_response",
};

static void *symbols[SYMBOL_COUNT];
static struct argus_library library = ARGUS_LIBRARY(CMICROHTTPD_SONAME, names, symbols);

const char *CMicroHTTPD_load(void) { return argus_library_open(&library); }

// Each symbol as the type microhttpd.h gives its function.
#define CALL(symbol, type) ((type)symbols[symbol])

struct MHD_Daemon *CMicroHTTPD_start(
    unsigned int flags, int listen_socket, unsigned int connection_limit, unsigned int timeout_seconds,
    MHD_AccessHandlerCallback handler, void *handler_context) {
    typedef struct MHD_Daemon *(*Start)(
        unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *, MHD_AccessHandlerCallback, void *, ...);
    return CALL(START_DAEMON, Start)(
        flags, 0, NULL, NULL, handler, handler_context, MHD_OPTION_LISTEN_SOCKET, listen_socket,
        MHD_OPTION_CONNECTION_LIMIT, connection_limit, MHD_OPTION_CONNECTION_TIMEOUT, timeout_seconds,
        MHD_OPTION_END);
}

void CMicroHTTPD_stop_daemon(struct MHD_Daemon *daemon) { CALL(STOP_DAEMON, void (*)(struct MHD_Daemon *))(daemon); }

const char *CMicroHTTPD_lookup_connection_value(
    struct MHD_Connection *connection, enum MHD_ValueKind kind, const char *key) {
    typedef const char *(*Lookup)(struct MHD_Connection *, enum MHD_ValueKind, const char *);
    return CALL(LOOKUP_CONNECTION_VALUE, Lookup)(connection, kind, key);
}

struct MHD_Response *CMicroHTTPD_create_response_from_buffer(
    size_t size, void *buffer, enum MHD_ResponseMemoryMode mode) {
    typedef struct MHD_Response *(*Create)(size_t, void *, enum MHD_ResponseMemoryMode);
    return CALL(CREATE_RESPONSE_FROM_BUFFER, Create)(size, buffer, mode);
}

void CMicroHTTPD_destroy_response(struct MHD_Response *response) {
    CALL(DESTROY_RESPONSE, void (*)(struct MHD_Response *))(response);
}

enum MHD_Result CMicroHTTPD_add_response_header(struct MHD_Response *response, const char *name, const char *value) {
    typedef enum MHD_Result (*Add)(struct MHD_Response *, const char *, const char *);
    return CALL(ADD_RESPONSE_HEADER, Add)(response, name, value);
}

enum MHD_Result CMicroHTTPD_queue_response(
    struct MHD_Connection *connection, unsigned int status, struct MHD_Response *response) {
    typedef enum MHD_Result (*Queue)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
    return CALL(QUEUE_RESPONSE, Queue)(connection, status, response);
}
