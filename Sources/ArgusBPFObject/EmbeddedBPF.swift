/// The BPF object built from bpf/argus.bpf.c at build time (see bpf/build.sh), or why it
/// could not be built.
public enum EmbeddedBPF {
    /// The ELF object's bytes; empty when the build machine could not build it.
    public static var object: [UInt8] { Base64.decode(generatedBPFObjectBase64) }

    /// Why there is no object (nil when there is one).
    public static var buildProblem: String? { generatedBPFBuildProblem }

    /// The build machine's kernel types that the object's CO-RE reads need (bpftool gen
    /// min_core_btf, raw BTF); empty when it could not be made.
    public static var minimalBTF: [UInt8] { Base64.decode(generatedBPFMinimalBTFBase64) }

    /// Which kernel `minimalBTF` describes: the hex bytes of its /sys/kernel/notes (its build
    /// id), "|", the size of its /sys/kernel/btf/vmlinux. Empty when there is no minimal BTF.
    public static var minimalBTFKernel: String { generatedBPFMinimalBTFKernel }
}

/// Decodes the embedded object (standard alphabet, `=` padding).
enum Base64 {
    static func decode(_ text: String) -> [UInt8] {
        var table = [UInt8](repeating: 255, count: 256)
        for (index, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 4 * 3)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in text.utf8 {
            let value = table[Int(character)]
            guard value != 255 else { continue }  // padding and anything else
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((accumulator >> UInt32(bits)) & 0xff))
            }
        }
        return bytes
    }
}
