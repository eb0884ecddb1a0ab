/* The one definition of everything that crosses between argus-trace's BPF programs and user
 * space. Fixed-width fields only, 64-bit fields first. The includer provides __u64/__u32:
 * <linux/types.h>, in BPF code (argus_kernel_types.h) and in user space. */
#ifndef ARGUS_SHARED_H
#define ARGUS_SHARED_H

/* Run-queue delay histogram: slot i counts delays in [2^i, 2^(i+1)) microseconds. */
#define ARGUS_RUNQ_SLOTS 24

/* Watched processes that can have run-queue waits counted at once (--runq-histogram). The
 * `watched` map gives each a slot number in [1, ARGUS_RUNQ_WATCH_SLOTS); 0 means "watched,
 * no run-queue slot". */
#define ARGUS_RUNQ_WATCH_SLOTS 256

/* The waits for a CPU of one watched thread group (one slot), kept per CPU (user space sums
 * the CPUs). Counted by the opt-in sched_switch probe only. */
struct argus_runq {
    __u64 delay_ns;     /* total time runnable but waiting for a CPU */
    __u64 delay_max_ns; /* the longest single wait (max over CPUs) */
    __u64 hist[ARGUS_RUNQ_SLOTS];
};

/* The end of a watched thread group's last thread (sched_process_exit with group_dead). */
struct argus_exit_event {
    __u64 timestamp_ns;  /* bpf_ktime_get_ns: CLOCK_MONOTONIC */
    __u32 pid;
    __u32 tgid;
    __u32 exit_code;     /* task->exit_code: a raw wait status */
    __u32 pad;
};

#define ARGUS_FILENAME_BYTES 128
#define ARGUS_ARGS_BYTES 256

/* A watched process ran a new program (sched_process_exec): what it runs, read in the exec
 * itself, so even a program that ends microseconds later is named. */
struct argus_exec_event {
    __u64 timestamp_ns;
    __u32 pid;
    __u32 tgid;
    __u32 args_bytes;   /* bytes of args filled (NUL-separated argv, cut at ARGUS_ARGS_BYTES) */
    __u32 args_cut;     /* 1 when argv was longer than ARGUS_ARGS_BYTES */
    char comm[16];
    char filename[ARGUS_FILENAME_BYTES];
    char args[ARGUS_ARGS_BYTES];
};

#endif
