// argus-trace's kernel side: each watched process's end and execs on ring buffers, following
// new children in `run`, and (opt-in, --runq-histogram) each wait for a CPU. Counters the
// kernel already keeps (switches, faults, on-CPU time, total run-queue wait) are read from
// /proc instead: probes on every switch, wake-up and fault cost a switch-heavy program 12-15 %.
//
// The always-on programs are raw tracepoints reading through CO-RE, so loading them needs only
// the few kernel types they touch (a minimal BTF embedded at build time), not the whole
// vmlinux BTF; and the object declares only those types and fields (argus_kernel_types.h), not
// vmlinux.h's. on_switch is a BTF tracepoint (direct loads: cheapest per switch).
//
// No global variables: a .rodata or .data section becomes a map, and libbpf then probes three
// more kernel features (global data, mmap-able arrays, binding a map to a program: maps and
// programs loaded and freed again) at every start. What a mode does not want is settled by
// whether a program is loaded at all (on_fork, on_exec, on_switch).
#include "argus_kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "argus_shared.h"

char LICENSE[] SEC("license") = "GPL";

/* Watched thread groups and their run-queue slot (0: none). Grows as processes are watched. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 65536);
    __type(key, __u32);   /* tgid */
    __type(value, __u32); /* run-queue slot */
} watched SEC(".maps");

/* Run-queue waits by watched slot, per CPU: the switch path updates its own CPU's copy in
 * place, with no hashing and no allocation. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, ARGUS_RUNQ_WATCH_SLOTS);
    __type(key, __u32);
    __type(value, struct argus_runq);
} runq_waits SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} exits SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1024 * 1024);
} execs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u64); /* events a ring buffer had no room for: [0] exits, [1] execs */
} lost SEC(".maps");

static __always_inline void count_lost(__u32 which)
{
    __u64 *count = bpf_map_lookup_elem(&lost, &which);
    if (count)
        __sync_fetch_and_add(count, 1);
}

static __always_inline bool is_watched(__u32 tgid)
{
    return bpf_map_lookup_elem(&watched, &tgid) != NULL;
}

static __always_inline __u32 log2_slot(__u64 value)
{
    __u32 slot = 0;
    for (int bit = 0; bit < ARGUS_RUNQ_SLOTS - 1; bit++) {
        if (value < 2)
            break;
        value >>= 1;
        slot++;
    }
    return slot;
}

/* A task about to get the CPU: the scheduler stamped when it was queued (sched_info, kept with
 * CONFIG_SCHED_INFO) and is about to add now - last_queued to its run_delay, with now the
 * run queue's clock, already updated for this switch. The same wait, counted the same way,
 * without a wakeup probe or per-task storage. */
SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
    __u64 queued = next->sched_info.last_queued;
    if (!queued)
        return 0;
    __u32 tgid = next->tgid;
    __u32 *slot = bpf_map_lookup_elem(&watched, &tgid);
    if (!slot || !*slot)
        return 0;
    __u32 index = *slot;
    struct argus_runq *waits = bpf_map_lookup_elem(&runq_waits, &index);
    if (!waits)
        return 0;
    __u64 now = next->se.cfs_rq->rq->clock;
    __u64 delay = now > queued ? now - queued : 0;
    waits->delay_ns += delay;
    if (delay > waits->delay_max_ns)
        waits->delay_max_ns = delay;
    __u32 bucket = log2_slot(delay / 1000);
    if (bucket < ARGUS_RUNQ_SLOTS)
        waits->hist[bucket]++;
    return 0;
}

/* Loaded only when following forks (`run`). */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
    __u32 parent_tgid = bpf_get_current_pid_tgid() >> 32;
    if (!is_watched(parent_tgid))
        return 0;
    __u32 pid = BPF_CORE_READ(child, pid);
    __u32 tgid = BPF_CORE_READ(child, tgid);
    if (pid != tgid)
        return 0; /* a new thread: its group is watched already */
    __u32 no_slot = 0;
    bpf_map_update_elem(&watched, &tgid, &no_slot, BPF_ANY);
    return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task, bool group_dead)
{
    if (!group_dead)
        return 0;
    __u64 ids = bpf_get_current_pid_tgid(); /* the exiting task is current */
    __u32 tgid = ids >> 32;
    if (!is_watched(tgid))
        return 0;
    /* The group is gone: stop watching it (its pid may come back as another process). */
    bpf_map_delete_elem(&watched, &tgid);
    struct argus_exit_event *event = bpf_ringbuf_reserve(&exits, sizeof(*event), 0);
    if (!event) {
        count_lost(0);
        return 0;
    }
    event->timestamp_ns = bpf_ktime_get_ns();
    event->pid = (__u32)ids;
    event->tgid = tgid;
    event->exit_code = BPF_CORE_READ(task, exit_code);
    event->pad = 0;
    bpf_ringbuf_submit(event, 0);
    return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
    __u64 ids = bpf_get_current_pid_tgid(); /* the exec'ing task is current */
    __u32 tgid = ids >> 32;
    if (!is_watched(tgid))
        return 0;
    struct argus_exec_event *event = bpf_ringbuf_reserve(&execs, sizeof(*event), 0);
    if (!event) {
        count_lost(1);
        return 0;
    }
    event->timestamp_ns = bpf_ktime_get_ns();
    event->pid = (__u32)ids;
    event->tgid = tgid;
    bpf_get_current_comm(event->comm, sizeof(event->comm));
    bpf_probe_read_kernel_str(event->filename, sizeof(event->filename), BPF_CORE_READ(bprm, filename));
    /* argv sits in the new program's memory, between arg_start and arg_end. */
    __u64 start = BPF_CORE_READ(task, mm, arg_start);
    __u64 end = BPF_CORE_READ(task, mm, arg_end);
    __u64 length = end > start ? end - start : 0;
    event->args_cut = length > ARGUS_ARGS_BYTES;
    if (length > ARGUS_ARGS_BYTES)
        length = ARGUS_ARGS_BYTES;
    event->args_bytes = 0;
    if (length > 0 && bpf_probe_read_user(event->args, length, (void *)start) == 0)
        event->args_bytes = length;
    bpf_ringbuf_submit(event, 0);
    return 0;
}
