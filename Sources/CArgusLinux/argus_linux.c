#define _GNU_SOURCE
#include "argus_linux.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

size_t argus_cn_proc_subscription(void *buffer, size_t capacity, uint32_t port_id, int listen) {
    size_t length = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op));
    if (capacity < NLMSG_ALIGN(length)) return 0;
    memset(buffer, 0, NLMSG_ALIGN(length));

    struct nlmsghdr *header = buffer;
    header->nlmsg_len = (uint32_t)length;
    header->nlmsg_type = NLMSG_DONE;
    header->nlmsg_pid = port_id;

    struct cn_msg *message = NLMSG_DATA(header);
    message->id.idx = CN_IDX_PROC;
    message->id.val = CN_VAL_PROC;
    message->len = sizeof(enum proc_cn_mcast_op);
    enum proc_cn_mcast_op op = listen ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE;
    memcpy(message->data, &op, sizeof op);
    return length;
}

int argus_cn_proc_decode(const void *payload, size_t length, struct argus_proc_event *out) {
    struct cn_msg message;
    if (length < sizeof message) return 0;
    memcpy(&message, payload, sizeof message);  // kernel buffers carry no alignment promise
    if (message.id.idx != CN_IDX_PROC || message.id.val != CN_VAL_PROC) return 0;

    struct proc_event event;
    if (length < sizeof message + sizeof event) return 0;
    memcpy(&event, (const char *)payload + sizeof message, sizeof event);

    memset(out, 0, sizeof *out);
    out->timestamp_ns = event.timestamp_ns;
    out->kind = (uint32_t)event.what;
    out->cpu = event.cpu;
    switch (event.what) {
    case PROC_EVENT_NONE:
        out->ack_err = event.event_data.ack.err;
        break;
    case PROC_EVENT_FORK:
        out->pid = event.event_data.fork.child_pid;
        out->tgid = event.event_data.fork.child_tgid;
        out->parent_pid = event.event_data.fork.parent_pid;
        out->parent_tgid = event.event_data.fork.parent_tgid;
        break;
    case PROC_EVENT_EXEC:
        out->pid = event.event_data.exec.process_pid;
        out->tgid = event.event_data.exec.process_tgid;
        break;
    case PROC_EVENT_UID:
    case PROC_EVENT_GID:
        out->pid = event.event_data.id.process_pid;
        out->tgid = event.event_data.id.process_tgid;
        break;
    case PROC_EVENT_SID:
        out->pid = event.event_data.sid.process_pid;
        out->tgid = event.event_data.sid.process_tgid;
        break;
    case PROC_EVENT_PTRACE:
        out->pid = event.event_data.ptrace.process_pid;
        out->tgid = event.event_data.ptrace.process_tgid;
        break;
    case PROC_EVENT_COMM:
        out->pid = event.event_data.comm.process_pid;
        out->tgid = event.event_data.comm.process_tgid;
        memcpy(out->comm, event.event_data.comm.comm, sizeof out->comm);
        out->comm[sizeof out->comm - 1] = 0;
        break;
    case PROC_EVENT_COREDUMP:
        out->pid = event.event_data.coredump.process_pid;
        out->tgid = event.event_data.coredump.process_tgid;
        out->parent_pid = event.event_data.coredump.parent_pid;
        out->parent_tgid = event.event_data.coredump.parent_tgid;
        break;
    case PROC_EVENT_EXIT:
        out->pid = event.event_data.exit.process_pid;
        out->tgid = event.event_data.exit.process_tgid;
        out->exit_code = event.event_data.exit.exit_code;
        out->exit_signal = event.event_data.exit.exit_signal;
        out->parent_pid = event.event_data.exit.parent_pid;
        out->parent_tgid = event.event_data.exit.parent_tgid;
        break;
    default:
        break;
    }
    return 1;
}

// Offsets into one proc connector skb: nlmsghdr, then cn_msg, then proc_event.
enum {
    EVENT_OFFSET = NLMSG_HDRLEN + sizeof(struct cn_msg),
    WHAT_OFFSET = EVENT_OFFSET + offsetof(struct proc_event, what),
    // fork: parent_tgid; exec, exit, comm, coredump...: process_tgid
    FIRST_TGID_OFFSET = EVENT_OFFSET + offsetof(struct proc_event, event_data.exec.process_tgid),
    // fork: child_tgid (thread forks name the process's parent, so the child side decides)
    CHILD_TGID_OFFSET = EVENT_OFFSET + offsetof(struct proc_event, event_data.fork.child_tgid),
};

int argus_cn_proc_attach_filter(int fd, int32_t tgid) {
    // BPF_ABS loads are big-endian: compare against the byte-swapped host value.
    uint32_t wanted = htonl((uint32_t)tgid);
    // A fork is kept only when it makes a thread of tgid (child_tgid): the new processes tgid
    // forks are not followed here, and each would wake the tracer. Any other event is kept
    // when it is about tgid (process_tgid).
    struct sock_filter code[] = {
        /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, WHAT_OFFSET),
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_NONE), 6, 0),
        /* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_FORK), 2, 0),
        /* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, FIRST_TGID_OFFSET),
        /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, wanted, 3, 2),
        /* 5 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, CHILD_TGID_OFFSET),
        /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, wanted, 1, 0),
        /* 7 */ BPF_STMT(BPF_RET | BPF_K, 0),
        /* 8 */ BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
    };
    struct sock_fprog program = {.len = sizeof code / sizeof code[0], .filter = code};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) < 0) return -errno;
    return 0;
}

int argus_pidfd_open(int32_t pid, unsigned int flags) {
    long fd = syscall(SYS_pidfd_open, (pid_t)pid, flags);
    return fd < 0 ? -errno : (int)fd;
}

int argus_set_child_subreaper(int on) {
    return prctl(PR_SET_CHILD_SUBREAPER, (unsigned long)on, 0UL, 0UL, 0UL) < 0 ? -errno : 0;
}

int argus_memfd_create(const char *name) {
    return memfd_create(name, MFD_CLOEXEC);
}

int argus_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) < 0 ? -errno : 0;
}
