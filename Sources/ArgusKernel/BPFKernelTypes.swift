import ArgusBPFObject
import CArgusLinux
import Glibc

/// The kernel types libbpf relocates the BPF object's CO-RE reads against. On the kernel the
/// binary was built on, the few types the programs touch were embedded at build time
/// (bpftool gen min_core_btf): libbpf then reads those ~1 KB instead of parsing the whole
/// vmlinux BTF (5 MB, ~10 MB of peak memory and most of the load time). On any other kernel
/// libbpf reads /sys/kernel/btf/vmlinux as usual.
final class BPFKernelTypes {
    /// A memfd holding the minimal BTF, named by path for libbpf's `btf_custom_path`.
    let path: String
    private let descriptor: OwnedDescriptor

    private init(path: String, descriptor: OwnedDescriptor) {
        self.path = path
        self.descriptor = descriptor
    }

    /// The embedded types, or nil when there are none or this is not the kernel they came from.
    static func forRunningKernel() -> BPFKernelTypes? {
        let expected = EmbeddedBPF.minimalBTFKernel
        guard !expected.isEmpty, expected == runningKernel() else { return nil }
        let bytes = EmbeddedBPF.minimalBTF
        guard !bytes.isEmpty else { return nil }
        let raw = argus_memfd_create("argus-min-btf")
        guard raw >= 0 else { return nil }
        let descriptor = OwnedDescriptor(adopting: raw)
        let written = bytes.withUnsafeBytes { pwrite(raw, $0.baseAddress, $0.count, 0) }
        guard written == bytes.count else { return nil }
        return BPFKernelTypes(path: "/proc/self/fd/\(raw)", descriptor: descriptor)
    }

    /// The same identity build.sh records: /sys/kernel/notes in hex, "|", the BTF's size.
    private static func runningKernel() -> String? {
        guard let notes = ProcFS.bytes("/sys/kernel/notes") else { return nil }
        var info = stat()
        guard stat("/sys/kernel/btf/vmlinux", &info) == 0 else { return nil }
        // Written out by hand: `map` then `joined()` instantiated generic metadata at run time
        // (a conformance scan of the whole binary, about 0.5 ms of every start).
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(notes.count * 2)
        for byte in notes {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self) + "|\(info.st_size)"
    }
}
