import ArgusKernel
import Testing

/// eu-stack's output, recorded on this machine (elfutils 0.188, `eu-stack -m -n 32 -p PID`).
@Suite struct UserStackTextTests {
    static let sleeping = """
        PID 8467 - process
        TID 8467:
        #0  0x00007f024df77503 clock_nanosleep@GLIBC_2.2.5 - /usr/lib/x86_64-linux-gnu/libc.so.6
        #1  0x00007f024df7be53 __nanosleep - /usr/lib/x86_64-linux-gnu/libc.so.6
        #2  0x0000564ec2b8b4af - /usr/bin/sleep
        #3  0x0000564ec2b8af81 - /usr/bin/sleep
        #4  0x0000564ec2b87558 - /usr/bin/sleep
        #5  0x00007f024decf24a __libc_start_call_main - /usr/lib/x86_64-linux-gnu/libc.so.6
        #6  0x00007f024decf305 __libc_start_main@@GLIBC_2.34 - /usr/lib/x86_64-linux-gnu/libc.so.6
        #7  0x0000564ec2b87621 - /usr/bin/sleep

        """

    static let threads = """
        PID 9727 - process
        TID 9727:
        #0  0x00007f83f72ed545 clock_nanosleep@GLIBC_2.2.5 - /usr/lib/x86_64-linux-gnu/libc.so.6
        #1  0x00007f83f7715ada time_sleep - /root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0
        #2  0x00007f83f75a6ee2 cfunction_vectorcall_O - /root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0
        TID 9775:
        #0  0x00007f83f72ed545 clock_nanosleep@GLIBC_2.2.5
        #1  0x00007f83f7715ada time_sleep
        #10 0x00007f1f222a8f57 pythread_wrapper
        #11 0x00007f1f21e9e1f5 start_thread
        #12 0x00007f1f21f1e8ec __clone3
        TID 9776:

        """

    @Test func framesKeepTheirFunctionAndModule() throws {
        let parsed = UserStackText(parsing: Self.sleeping)
        #expect(parsed.threads.map(\.tid) == [8467])
        let frames = try #require(parsed.threads.first?.frames)
        #expect(frames.count == 8)
        #expect(frames[0].index == 0)
        #expect(frames[0].address == 0x7f02_4df7_7503)
        #expect(frames[0].function == "clock_nanosleep@GLIBC_2.2.5")
        #expect(frames[0].module == "/usr/lib/x86_64-linux-gnu/libc.so.6")
        #expect(frames[2].function == nil)
        #expect(frames[2].module == "/usr/bin/sleep")
        #expect(frames[2].shortName == "sleep+?")
        #expect(parsed.truncated.isEmpty)
        #expect(
            parsed.stacks[8467]?.split(separator: "\n").first
                == "#0  0x00007f024df77503 clock_nanosleep@GLIBC_2.2.5 - /usr/lib/x86_64-linux-gnu/libc.so.6")
    }

    @Test func eachThreadGetsItsOwnFramesAndAnEmptyThreadNoStack() {
        let parsed = UserStackText(parsing: Self.threads)
        #expect(parsed.threads.map(\.tid) == [9727, 9775, 9776])
        #expect(parsed.threads.map(\.frames.count) == [3, 5, 0])
        #expect(parsed.threads[1].frames[2].index == 10)
        #expect(parsed.threads[1].frames[2].function == "pythread_wrapper")
        #expect(parsed.threads[1].frames[2].module == nil)
        #expect(parsed.stacks.keys.sorted() == [9727, 9775])
    }

    @Test func onlyTheTopFramesAreKept() {
        let parsed = UserStackText(parsing: Self.sleeping, maxFrames: 3)
        #expect(parsed.threads.first?.frames.map(\.index) == [0, 1, 2])
        #expect(parsed.truncated == [8467])
        #expect(parsed.stacks[8467]?.split(separator: "\n").count == 3)
    }

    @Test func errorsAndNoiseAreNotFrames() {
        let text = """
            eu-stack: dwfl_thread_getframes tid 12303: Operation not permitted
            #0 not-an-address
            #x  0x1 nope
            # 0x12 empty
            PID 12303 - process
            TID 12303:
            TID 12304
            #0  0xzz bad
            """
        let parsed = UserStackText(parsing: text)
        #expect(parsed.threads.map(\.tid) == [12303])
        #expect(parsed.threads.first?.frames.isEmpty == true)
        #expect(UserStackText(parsing: "").threads.isEmpty)
        #expect(UserStackText(parsing: "#0  0x10 lonely - /lib").threads.isEmpty)
    }

    @Test func aFrameWithoutModuleOrFunctionStillHasItsAddress() throws {
        let frame = try #require(UserFrame(parsing: "#3  0x0000000000401000"))
        #expect(frame.function == nil)
        #expect(frame.module == nil)
        #expect(frame.shortName == "0x401000")
        #expect(UserFrame(parsing: "#1  0x10 a - b - c")?.module == "b - c")
    }
}
