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

/// Decodes the embedded object (standard alphabet, `=` padding). It runs at every start, on
/// about 60 KB: it reads the string's UTF-8 in place and writes into storage allocated once
/// (iterating `String.UTF8View` and appending cost about 1 ms).
enum Base64 {
    /// Each byte's 6-bit value; 255 for what is not in the alphabet (padding, line breaks).
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 255, count: 256)
        for (index, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        return table
    }()

    static func decode(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { input in
            values.withUnsafeBufferPointer { table in
                // Six bits a character: never more bytes than this.
                [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3 + 3) { output, count in
                    var accumulator: UInt32 = 0
                    var bits = 0
                    count = 0
                    for character in input {
                        let value = table[Int(character)]
                        guard value != 255 else { continue }
                        accumulator = accumulator << 6 | UInt32(value)
                        bits += 6
                        if bits >= 8 {
                            bits -= 8
                            output[count] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                            count += 1
                        }
                    }
                }
            }
        }
    }
}
