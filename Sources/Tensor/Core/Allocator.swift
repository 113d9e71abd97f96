/// Process-wide allocator settings for training loops.
public enum Allocator {
    /// Keeps freed tensor buffers (up to 32 MiB each) in the process instead of returning them to the kernel.
    ///
    /// A training step frees and re-allocates the same few-megabyte activations every step; glibc's defaults
    /// hand them back with `munmap` and the kernel then zeroes fresh pages on the next touch, which cost about
    /// a fifth of a BEV training step (`perf`: `clear_page_erms`). Call once at start-up; a no-op off glibc.
    public static func retainFreedMemory() {
        #if os(Linux)
        _ = glibcMallopt(-3, 32 << 20)        // M_MMAP_THRESHOLD: glibc's largest allowed value on 64-bit
        _ = glibcMallopt(-1, Int32.max)       // M_TRIM_THRESHOLD: never trim the heap top
        _ = glibcMallopt(-2, 256 << 20)       // M_TOP_PAD: grow the heap in large steps
        #endif
    }
}

#if os(Linux)
// `mallopt` is declared in <malloc.h>, which Swift's Glibc module does not import.
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
