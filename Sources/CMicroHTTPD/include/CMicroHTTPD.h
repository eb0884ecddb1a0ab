// libmicrohttpd, opened with dlopen(3) the first time --metrics-listen asks for a server, not
// linked: it pulls in GnuTLS and its own dependencies, which every start of argus-trace would
// otherwise map and relocate with no server asked for. Only its types and constants come from
// its header; every call goes through the functions below.
#ifndef ARGUS_CMICROHTTPD_H
#define ARGUS_CMICROHTTPD_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

/// The shared object opened: Debian's libmicrohttpd12.
#define CMICROHTTPD_SONAME "libmicrohttpd.so.12"

/// Opens libmicrohttpd and resolves what the functions below call, once per process. NULL when
/// it is ready, else why not, in dlerror's words.
const char *CMicroHTTPD_load(void);

/// MHD_start_daemon serving on `listen_socket` (bound and listening already) with an internal
/// polling thread, at most `connection_limit` connections, each closed after `timeout_seconds`
/// idle. CMicroHTTPD_load must have returned NULL.
struct MHD_Daemon *CMicroHTTPD_start(
    unsigned int flags, int listen_socket, unsigned int connection_limit, unsigned int timeout_seconds,
    MHD_AccessHandlerCallback handler, void *handler_context);

// Each calls the libmicrohttpd function of the same name (MHD_ prefix).
void CMicroHTTPD_stop_daemon(struct MHD_Daemon *daemon);
const char *CMicroHTTPD_lookup_connection_value(
    struct MHD_Connection *connection, enum MHD_ValueKind kind, const char *key);
struct MHD_Response *CMicroHTTPD_create_response_from_buffer(
    size_t size, void *buffer, enum MHD_ResponseMemoryMode mode);
void CMicroHTTPD_destroy_response(struct MHD_Response *response);
enum MHD_Result CMicroHTTPD_add_response_header(struct MHD_Response *response, const char *name, const char *value);
enum MHD_Result CMicroHTTPD_queue_response(
    struct MHD_Connection *connection, unsigned int status, struct MHD_Response *response);

#endif
