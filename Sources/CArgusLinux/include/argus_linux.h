// The few kernel interfaces Swift cannot express: the netlink + connector framing of the proc
// connector and its packed `struct proc_event` union. Everything is copied into flat structs of
// fixed-width fields so no kernel type crosses into Swift.
#ifndef ARGUS_LINUX_H
#define ARGUS_LINUX_H

#include <stddef.h>
#include <stdint.h>
// Re-exported for the Swift kernel layer: Swift's Glibc module leaves these out.
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/eventfd.h>

/// CN_IDX_PROC from <linux/connector.h>: the proc connector's netlink group.
static const uint32_t ARGUS_CN_IDX_PROC = 1;

/// What a proc connector message says happened (values of `enum what` in <linux/cn_proc.h>).
enum argus_proc_event_kind {
    ARGUS_PROC_EVENT_NONE = 0,
    ARGUS_PROC_EVENT_FORK = 1,
    ARGUS_PROC_EVENT_EXEC = 2,
    ARGUS_PROC_EVENT_UID = 4,
    ARGUS_PROC_EVENT_GID = 0x40,
    ARGUS_PROC_EVENT_SID = 0x80,
    ARGUS_PROC_EVENT_PTRACE = 0x100,
    ARGUS_PROC_EVENT_COMM = 0x200,
    ARGUS_PROC_EVENT_COREDUMP = 0x40000000,
    ARGUS_PROC_EVENT_EXIT = 0x80000000u,
};

/// One proc connector event, flattened. Fields a kind does not use are zero.
struct argus_proc_event {
    uint64_t timestamp_ns;  // CLOCK_MONOTONIC (ktime_get_ns) when the kernel sent it
    uint32_t kind;          // enum argus_proc_event_kind
    uint32_t cpu;
    int32_t pid;            // fork: child thread id; others: the thread the event is about
    int32_t tgid;           // fork: child process id; others: that thread's process
    int32_t parent_pid;     // fork: creating thread's pid as the kernel reports it; exit: parent
    int32_t parent_tgid;
    uint32_t exit_code;     // exit: raw wait status (exit(7) -> 0x700, SIGKILL -> 0x9)
    uint32_t exit_signal;   // exit: the signal sent to the parent (SIGCHLD), not the cause
    uint32_t ack_err;       // ack to a subscription: 0 on success
    char comm[16];          // comm events only, NUL-terminated
};

/// Writes a complete netlink message that subscribes (`listen` != 0) to or unsubscribes from
/// the proc connector. Returns its length, or 0 if `capacity` is too small.
size_t argus_cn_proc_subscription(void *buffer, size_t capacity, uint32_t port_id, int listen);

/// Decodes the payload of one netlink message (a `struct cn_msg` carrying a `struct
/// proc_event`). Returns 1 and fills `out` when it is a proc connector event, 0 otherwise.
int argus_cn_proc_decode(const void *payload, size_t length, struct argus_proc_event *out);

/// Installs a classic BPF filter on a proc connector socket that keeps only the messages
/// that can matter for one watched process: fork/exit events whose process or parent process
/// is `tgid`, and exec events. Everything else is dropped inside the kernel.
/// Returns 0, or -errno.
int argus_cn_proc_attach_filter(int fd, int32_t tgid);

/// pidfd_open(2), which glibc 2.36 wraps but Swift cannot reach through variadic syscall().
/// Returns the descriptor, or -errno.
int argus_pidfd_open(int32_t pid, unsigned int flags);

/// prctl(PR_SET_CHILD_SUBREAPER, on). Returns 0, or -errno.
int argus_set_child_subreaper(int on);

/// memfd_create(2) with MFD_CLOEXEC (glibc declares it only under _GNU_SOURCE): a file that lives
/// in memory, for libbpf to read by path (/proc/self/fd/N). Returns -1 with errno set on failure.
int argus_memfd_create(const char *name);

/// pipe2(fds, O_CLOEXEC), which glibc declares only under _GNU_SOURCE (so Swift's Glibc module
/// leaves it out). Returns 0, or -errno.
int argus_pipe_cloexec(int fds[2]);

#endif
