import Foundation

/// `body` over `range` on `jobs` threads, results in order; the first error is rethrown.
func parallelMap<T>(_ range: Range<Int>, jobs: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
    let lock = NSLock()
    nonisolated(unsafe) var results = [Result<T, Error>?](repeating: nil, count: range.count)
    nonisolated(unsafe) var next = 0
    let workers = max(1, min(jobs, range.count))
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
            lock.lock(); let k = next; next += 1; lock.unlock()
            guard k < range.count else { return }
            let r = Result { try body(range.lowerBound + k) }
            lock.lock(); results[k] = r; lock.unlock()
        }
    }
    return try results.map { try $0!.get() }
}
