import Foundation

/// Work planned to be held in memory at once, checked against the machine before anything is allocated, so that
/// a flag asking for more than the machine can hold is a message naming it, not a run that grows until the
/// kernel kills it.
public enum MemoryLimit {
    /// The share of physical memory one run may plan for.
    public static let share = 0.5

    /// The bytes a run may plan to hold: half the machine's physical memory.
    public static var allowance: Double { Double(ProcessInfo.processInfo.physicalMemory) * share }

    /// Throws a `ConfigError` naming `flag` when `count` units of `bytesPerUnit` each exceed the allowance; the
    /// message says the largest count that fits.
    public static func check(_ flag: String, count: Int, bytesPerUnit: Double, allowance: Double = MemoryLimit.allowance) throws {
        let need = Double(count) * bytesPerUnit
        guard need > allowance else { return }
        let largest = Int(allowance / bytesPerUnit)
        throw ConfigError(flag, String(format: "%d needs about %.1f GB held at once, more than half this machine's memory (%.1f GB); at most %d fits",
                                       count, need / 1e9, allowance / 1e9, largest))
    }
}
