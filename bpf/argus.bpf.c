// argus-trace's kernel side: per-thread-group scheduler and page-fault counters, and each
// watched process's end, for the thread groups user space lists in `watched`. Everything else
// costs one hash lookup and returns.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "argus_shared.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct argus_config argus_config = {};

/* Maps grow as processes are watched: preallocating 65,536 per-CPU entries would cost tens of
 * megabytes and milliseconds at every start. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 65536);
    __type(key, __u32);   /* tgid */
    __type(value, __u8);
} watched SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 65536);
    __type(key, __u32);   /* tgid */
    __type(value, struct argus_counters);
} counters SEC(".maps");

/* Per thread of a watched group, in the task itself (no hashing; freed with the task). */
struct thread_times {
    __u64 runnable_since; /* when it became runnable, 0 when not waiting */
    __u64 oncpu_since;    /* when it got the CPU, 0 when not on one */
};

struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct thread_times);
} thread_times SEC(".maps");

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

static __always_inline struct argus_counters *counters_of(__u32 tgid)
{
    struct argus_counters *found = bpf_map_lookup_elem(&counters, &tgid);
    if (found)
        return found;
    struct argus_counters zero = {};
    bpf_map_update_elem(&counters, &tgid, &zero, BPF_NOEXIST);
    return bpf_map_lookup_elem(&counters, &tgid);
}

static __always_inline struct thread_times *times_of(struct task_struct *task)
{
    return bpf_task_storage_get(&thread_times, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

static __always_inline void mark_runnable(struct task_struct *task)
{
    if (!is_watched(task->tgid))
        return;
    struct thread_times *times = times_of(task);
    if (times)
        times->runnable_since = bpf_ktime_get_ns();
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(on_wakeup, struct task_struct *task)
{
    mark_runnable(task);
    return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(on_wakeup_new, struct task_struct *task)
{
    mark_runnable(task);
    return 0;
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

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
    __u64 now = bpf_ktime_get_ns();
    __u32 prev_tgid = prev->tgid;
    if (is_watched(prev_tgid)) {
        struct argus_counters *counts = counters_of(prev_tgid);
        struct thread_times *times = times_of(prev);
        if (times) {
            if (counts && times->oncpu_since && now > times->oncpu_since)
                counts->oncpu_ns += now - times->oncpu_since;
            times->oncpu_since = 0;
        }
        /* Still runnable when it leaves the CPU: preempted, and waiting again from now. */
        if (prev->__state == 0) {
            if (counts)
                counts->switches_involuntary++;
            if (times)
                times->runnable_since = now;
        } else if (counts) {
            counts->switches_voluntary++;
        }
    }
    __u32 next_tgid = next->tgid;
    if (is_watched(next_tgid)) {
        struct thread_times *times = times_of(next);
        if (times) {
            times->oncpu_since = now;
            __u64 since = times->runnable_since;
            times->runnable_since = 0;
            if (since) {
                __u64 delay = now > since ? now - since : 0;
                struct argus_counters *counts = counters_of(next_tgid);
                if (counts) {
                    counts->runq_delay_ns += delay;
                    if (delay > counts->runq_delay_max_ns)
                        counts->runq_delay_max_ns = delay;
                    __u32 slot = log2_slot(delay / 1000);
                    if (slot < ARGUS_RUNQ_SLOTS)
                        counts->runq_hist[slot]++;
                }
            }
        }
    }
    return 0;
}

/* Faults taken in user mode. The tracepoint does not say minor or major (fexit on
 * handle_mm_fault would, but trampolines are refused on these machines): /proc/PID/stat
 * keeps that split for the whole process. */
SEC("tp_btf/page_fault_user")
int BPF_PROG(on_fault, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    if (!is_watched(tgid))
        return 0;
    struct argus_counters *counts = counters_of(tgid);
    if (counts)
        counts->faults_user++;
    return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
    if (!argus_config.follow_forks || child->pid != child->tgid || !is_watched(parent->tgid))
        return 0;
    __u32 tgid = child->tgid;
    __u8 yes = 1;
    bpf_map_update_elem(&watched, &tgid, &yes, BPF_ANY);
    return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task, bool group_dead)
{
    __u32 tid = task->pid;
    __u32 tgid = task->tgid;
    if (!group_dead || !is_watched(tgid))
        return 0;
    /* The group is gone: stop watching it (its pid may come back as another process). */
    bpf_map_delete_elem(&watched, &tgid);
    struct argus_exit_event *event = bpf_ringbuf_reserve(&exits, sizeof(*event), 0);
    if (!event) {
        count_lost(0);
        return 0;
    }
    event->timestamp_ns = bpf_ktime_get_ns();
    event->pid = tid;
    event->tgid = tgid;
    event->exit_code = task->exit_code;
    event->pad = 0;
    bpf_ringbuf_submit(event, 0);
    return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
    if (!is_watched(task->tgid))
        return 0;
    struct argus_exec_event *event = bpf_ringbuf_reserve(&execs, sizeof(*event), 0);
    if (!event) {
        count_lost(1);
        return 0;
    }
    event->timestamp_ns = bpf_ktime_get_ns();
    event->pid = task->pid;
    event->tgid = task->tgid;
    bpf_get_current_comm(event->comm, sizeof(event->comm));
    bpf_probe_read_kernel_str(event->filename, sizeof(event->filename), bprm->filename);
    /* argv sits in the new program's memory, between arg_start and arg_end. */
    struct mm_struct *mm = task->mm;
    __u64 start = mm ? mm->arg_start : 0;
    __u64 end = mm ? mm->arg_end : 0;
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
