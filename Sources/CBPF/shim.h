// libbpf, and the structs argus-trace's BPF programs share with user space (defined once, in
// bpf/argus_shared.h).
#include <linux/types.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "../../bpf/argus_shared.h"
