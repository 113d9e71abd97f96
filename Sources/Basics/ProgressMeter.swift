import Foundation

/// A progress line for long jobs, on stderr: done/total, an optional detail (a loss), the rate since this
/// session's first item, and the ETA; at most twice a second (and always for the last item). Thread-safe.
public final class ProgressMeter: @unchecked Sendable {
    public let total: Int, unit: String
    private let first: Int
    private let start = Date()
    private var last = Date.distantPast
    private let lock = NSLock()

    /// `first`: items already done when this session started (a resumed run), left out of the rate.
    public init(total: Int, unit: String, first: Int = 0) { self.total = total; self.unit = unit; self.first = first }

    /// Seconds since the meter started.
    public var elapsed: Double { Date().timeIntervalSince(start) }

    /// Reports `done` items.
    public func update(_ done: Int, detail: String = "") {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.5 || done == total else { return }
        last = now
        let rate = Double(done - first) / max(now.timeIntervalSince(start), 1e-9)
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let text = String(format: "\r%d/%d %@  %@%.2f %@/s  ETA %.0fs ", done, total, unit, detail.isEmpty ? "" : detail + "  ", rate, unit, eta)
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Ends the line.
    public func finish() { FileHandle.standardError.write(Data("\n".utf8)) }
}
