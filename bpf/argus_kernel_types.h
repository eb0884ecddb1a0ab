/* The kernel's types as argus-trace's BPF programs see them: only the fields they read, each
 * access a CO-RE relocation (preserve_access_index) that libbpf resolves by type and field name
 * against the running kernel's BTF, wherever the field sits there. The object's own BTF (which
 * the kernel validates and libbpf parses at every start) is then 4.6 KB, not the 37 KB that
 * vmlinux.h's whole task_struct and everything it reaches made. Field types are the kernel's (a
 * load's width must match the field's). */
#ifndef ARGUS_KERNEL_TYPES_H
#define ARGUS_KERNEL_TYPES_H

#include <linux/types.h>
#include <linux/bpf.h>

typedef _Bool bool;
typedef int pid_t;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct sched_info {
    unsigned long long last_queued;
};

struct rq {
    __u64 clock;
};

struct cfs_rq {
    struct rq *rq;
};

struct sched_entity {
    struct cfs_rq *cfs_rq;
};

struct mm_struct {
    unsigned long arg_start;
    unsigned long arg_end;
};

struct task_struct {
    struct sched_info sched_info;
    struct sched_entity se;
    struct mm_struct *mm;
    int exit_code;
    pid_t pid;
    pid_t tgid;
};

struct linux_binprm {
    const char *filename;
};

#pragma clang attribute pop

#endif
