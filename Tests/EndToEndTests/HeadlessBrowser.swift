import Foundation

/// Debian's chromium, headless, with the network off (a proxy that refuses, and every host name
/// unresolvable), loading one local page: its DOM after the scripts ran, what its console said,
/// and a screenshot.
struct HeadlessBrowser {
    static let executable = "/usr/bin/chromium"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    struct Load {
        var dom: String
        /// Console lines (chromium logs each as `INFO:CONSOLE(...)`): an uncaught error, or
        /// anything the page logged.
        var console: [String]
        var screenshot: String
    }

    let scratch: Scratch

    /// Loads `page` (with `fragment`, "#t=0.5", when given).
    func load(_ page: String, fragment: String = "") throws -> Load {
        let common = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
            "--window-size=1280,2000",
        ]
        let url = "file://" + page + fragment
        let dump = try Child(
            Self.executable, common + ["--user-data-dir=\(scratch.path)/chrome-dom", "--dump-dom", url],
            scratch: scratch, label: "chromium-dom")
        guard dump.exitStatus(within: 90) == 0 else { throw BrowserFailure(stderr: dump.stderr) }
        let screenshot = scratch.path + "/page.png"
        let shot = try Child(
            Self.executable,
            common + ["--user-data-dir=\(scratch.path)/chrome-shot", "--screenshot=\(screenshot)", url],
            scratch: scratch, label: "chromium-shot")
        guard shot.exitStatus(within: 90) == 0 else { throw BrowserFailure(stderr: shot.stderr) }
        let console = (dump.stderr + shot.stderr).split(separator: "\n").map(String.init)
            .filter { $0.contains(":CONSOLE") }
        return Load(dom: dump.stdout, console: console, screenshot: screenshot)
    }

    struct BrowserFailure: Error, CustomStringConvertible {
        var stderr: String
        var description: String { "chromium failed: \(stderr.suffix(2000))" }
    }

    /// How many distinct colours the PNG has (python3 decodes it with zlib: chromium writes
    /// 8-bit RGB or RGBA, not interlaced); a blank page has one.
    static func distinctColours(_ png: String, scratch: Scratch) throws -> Int? {
        let script = """
            import sys, zlib, struct
            data = open(sys.argv[1], 'rb').read()
            assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
            pos, idat = 8, b''
            while pos < len(data):
                length, kind = struct.unpack('>I4s', data[pos:pos + 8])
                body = data[pos + 8:pos + 8 + length]
                if kind == b'IHDR':
                    width, height, depth, colour = struct.unpack('>IIBB', body[:10])
                elif kind == b'IDAT':
                    idat += body
                pos += 12 + length
            assert depth == 8 and colour in (2, 6)
            bpp = 3 if colour == 2 else 4
            raw = zlib.decompress(idat)
            stride = width * bpp
            previous = bytearray(stride)
            colours = set()
            for row in range(height):
                start = row * (stride + 1)
                kind = raw[start]
                line = bytearray(raw[start + 1:start + 1 + stride])
                for i in range(stride):
                    a = line[i - bpp] if i >= bpp else 0
                    b = previous[i]
                    c = previous[i - bpp] if i >= bpp else 0
                    if kind == 1: line[i] = (line[i] + a) & 255
                    elif kind == 2: line[i] = (line[i] + b) & 255
                    elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
                    elif kind == 4:
                        p = a + b - c
                        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                if row % 4 == 0:
                    for i in range(0, stride, bpp * 2):
                        colours.add(bytes(line[i:i + 3]))
                previous = line
            print(len(colours))
            """
        let path = scratch.path + "/colours.py"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let python = try Child("/usr/bin/python3", [path, png], scratch: scratch, label: "python")
        guard python.exitStatus(within: 120) == 0 else { return nil }
        return Int(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
