"""Runs a command and writes the functions of its executable that ran, in the order each first
ran, one name per line (see scripts/order-functions).

It is a ptrace(2) tracer with one-shot breakpoints: an int3 at the start of every function in
the executable's .text; the first thread to reach one stops, the name is written, the original
byte goes back and the thread goes on. So each function costs one stop, start-up runs at nearly
full speed, and every code path the kernel allows runs for real (valgrind lacks pidfd_open, so a
watch cannot run under it). Threads are followed (PTRACE_O_TRACECLONE); children the command
spawns are not, and run only the C library's code before their exec.

usage: trace_functions.py SECONDS OUTPUT EXECUTABLE ARG...
SIGINT reaches the command after SECONDS (0: never); the tracer waits for it to exit.
"""
import ctypes
import os
import signal
import subprocess
import sys

PTRACE_TRACEME, PTRACE_CONT, PTRACE_GETREGS, PTRACE_SETREGS = 0, 7, 12, 13
PTRACE_SETOPTIONS, PTRACE_O_TRACECLONE, PTRACE_O_EXITKILL = 0x4200, 0x8, 0x100000
PTRACE_EVENT_CLONE = 3
RIP = 16  # index of rip in struct user_regs_struct (x86-64)
WALL = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long


def functions(executable):
    """Start address -> names, for every function symbol in the .text sections (.text.hot, a
    linker script's, included), and the span of those sections."""
    listing = subprocess.run(["readelf", "-SW", executable], capture_output=True, text=True).stdout
    spans = []
    for line in listing.splitlines():
        fields = line.replace("[ ", "[").split()
        if len(fields) > 5 and fields[1].startswith(".text"):
            spans.append((int(fields[3], 16), int(fields[3], 16) + int(fields[5], 16)))
    names = {}
    listing = subprocess.run(["nm", "--defined-only", executable], capture_output=True, text=True,
                             errors="replace").stdout
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "tTwW":
            address = int(fields[0], 16)
            if any(low <= address < high for low, high in spans):
                names.setdefault(address, []).append(fields[2])
    start, end = min(low for low, _ in spans), max(high for _, high in spans)
    return start, end - start, names


def load_base(pid, executable):
    real = os.path.realpath(executable)
    with open(f"/proc/{pid}/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and fields[5] == real and int(fields[2], 16) == 0:
                return int(fields[0].split("-")[0], 16)
    raise SystemExit(f"trace_functions: {executable} is not mapped in {pid}")


def interrupt(pid):
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        pass  # it ended first


def ptrace(request, pid, address=None, data=None):
    if libc.ptrace(request, pid, address, data) == -1:
        raise OSError(ctypes.get_errno(), f"ptrace {request} of {pid}")


def main():
    seconds, output, executable, arguments = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[3:]
    start, size, names = functions(executable)
    pid = os.fork()
    if pid == 0:
        libc.ptrace(PTRACE_TRACEME, 0, None, None)
        try:
            os.execv(executable, arguments)
        finally:
            os._exit(127)
    _, status = os.waitpid(pid, 0)
    if not os.WIFSTOPPED(status) or os.WSTOPSIG(status) != signal.SIGTRAP:
        raise SystemExit(f"trace_functions: {executable} did not start (status {status:#x})")
    ptrace(PTRACE_SETOPTIONS, pid, None, PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL)
    base = load_base(pid, executable)
    memory = os.open(f"/proc/{pid}/mem", os.O_RDWR)
    original = os.pread(memory, size, base + start)
    patched = bytearray(original)
    for address in names:
        patched[address - start] = 0xCC
    os.pwrite(memory, bytes(patched), base + start)
    regs = (ctypes.c_ulonglong * 27)()
    order = []
    if seconds:
        signal.signal(signal.SIGALRM, lambda *_: interrupt(pid))
        signal.setitimer(signal.ITIMER_REAL, seconds)
    ptrace(PTRACE_CONT, pid, None, 0)
    while True:
        waited, status = os.waitpid(-1, WALL)
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            if waited == pid:
                signal.setitimer(signal.ITIMER_REAL, 0)  # its pid may be another's soon
                if os.WIFSIGNALED(status) and os.WTERMSIG(status) != signal.SIGINT:
                    raise SystemExit(f"trace_functions: {executable} died of signal {os.WTERMSIG(status)}")
                break
            continue
        stop, forward = os.WSTOPSIG(status), 0
        try:  # a thread stopped here can be killed meanwhile by another's exit_group
            if stop == signal.SIGTRAP and status >> 16 == 0:
                ptrace(PTRACE_GETREGS, waited, None, ctypes.addressof(regs))
                address = regs[RIP] - 1 - base
                if address in names:  # another thread may have restored it already
                    if patched[address - start] == 0xCC:
                        patched[address - start] = original[address - start]
                        os.pwrite(memory, original[address - start:address - start + 1], base + address)
                        order.extend(names[address])
                    regs[RIP] -= 1
                    ptrace(PTRACE_SETREGS, waited, None, ctypes.addressof(regs))
                else:
                    forward = stop
            elif stop not in (signal.SIGTRAP, signal.SIGSTOP) or status >> 16 not in (0, PTRACE_EVENT_CLONE):
                forward = stop
            ptrace(PTRACE_CONT, waited, None, forward)
        except ProcessLookupError:
            continue
    with open(output, "w") as out:
        out.write("".join(name + "\n" for name in order))
    print(f"trace_functions: {len(order)} of {len(names)} functions ran", file=sys.stderr)


if __name__ == "__main__":
    main()
