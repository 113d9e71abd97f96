import Foundation
import Tensor

/// The processes one training run is spread over (data parallelism, as PyTorch's DDP and DD-PPO): every member
/// holds the same parameters, computes gradients on its shard of each global batch, and averages them with the
/// others before the same optimiser step, so the members stay identical without sending parameters. Member 0
/// writes the run folder.
///
/// ``SingleProcess`` is the default. ``InProcessGroup`` runs members as threads of one process (tests, and a
/// check of the sharding without MPI); the `MPICollective` library (built with `SSM_MPI=1`) spans processes and
/// machines through MPI.
public protocol Collective: AnyObject, Sendable {
    /// This member's index, 0..<size.
    var rank: Int { get }
    /// How many members the run has.
    var size: Int { get }
    /// Replaces `buffer` by its elementwise mean over all members (each calls it with a buffer of the same length).
    func average(_ buffer: UnsafeMutableBufferPointer<Float>)
    /// Returns when every member has called it.
    func barrier()
}

extension Collective {
    /// The rows `lo..<hi` of a global batch of `batch` rows that are this member's shard.
    public func shard(of batch: Int) -> Range<Int> {
        precondition(batch % size == 0, "Collective: a global batch of \(batch) does not split over \(size) members")
        let n = batch / size
        return (rank * n)..<((rank + 1) * n)
    }

    /// Sums a buffer over the members (what synchronised batch norm and pooled loss terms need); nil with one
    /// member, where there is nothing to sum.
    public var memberSum: MemberSum? {
        guard size > 1 else { return nil }
        return { [self] buffer in
            average(buffer)
            let n = Float(size)
            for i in buffer.indices { buffer[i] *= n }
        }
    }

    /// Spreads `module` over the members: its batch norms normalise with the global batch's statistics, and its
    /// dropouts draw their masks for all members' rows and keep this member's.
    public func shard(_ module: Module) {
        guard size > 1 else { return }
        for case let norm as BatchNorm2d in module.modules() { norm.synchronise = memberSum }
        for (_, d) in module.namedDropouts() { d.shard = (rank, size) }
    }

    /// Averages the gradients of `parameters` and `extra` (the step's loss, say) across members in one call:
    /// everything is packed into one buffer, so a step costs one collective, not one per tensor.
    public func averageGradients(_ parameters: [Tensor], extra: inout [Float]) {
        guard size > 1 else { return }
        // Every member packs the same layout: a parameter this member's loss did not reach (a head no row of its
        // minibatch used) contributes zeros, so the buffers match and the others' gradients still arrive.
        for p in parameters where p.grad == nil && p.requiresGrad { p.grad = Tensor.zeros(p.shape) }
        let counts = parameters.map { $0.grad == nil ? 0 : $0.count }
        var buffer = [Float](repeating: 0, count: counts.reduce(0, +) + extra.count)
        buffer.withUnsafeMutableBufferPointer { b in
            var offset = 0
            for (p, n) in zip(parameters, counts) where n > 0 {
                (b.baseAddress! + offset).update(from: p.grad!.storage.pointer, count: n); offset += n
            }
            for (i, v) in extra.enumerated() { b[offset + i] = v }
            average(b)
            offset = 0
            for (p, n) in zip(parameters, counts) where n > 0 {
                p.grad!.storage.pointer.update(from: b.baseAddress! + offset, count: n); offset += n
            }
            for i in extra.indices { extra[i] = b[offset + i] }
        }
    }
}

/// One process: nothing to average.
public final class SingleProcess: Collective {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func average(_ buffer: UnsafeMutableBufferPointer<Float>) {}
    public func barrier() {}
}

/// Members of one run as threads of this process: ``members(_:)`` makes them; each thread trains with its own.
/// The mean sums the members' buffers in rank order, so every member gets the same bits.
public final class InProcessGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var buffers: [UnsafeMutableBufferPointer<Float>?]
    private var arrived = 0, generation = 0

    init(size: Int) { self.size = size; buffers = Array(repeating: nil, count: size) }

    /// `size` members of one group.
    public static func members(_ size: Int) -> [Collective] {
        let group = InProcessGroup(size: size)
        return (0..<size).map { Member(group: group, rank: $0) }
    }

    /// Runs `body` on `size` threads, each with its member of one group, and returns their results in rank
    /// order; the first error is rethrown.
    public static func run<T>(_ size: Int, _ body: @escaping @Sendable (Collective) throws -> T) throws -> [T] {
        let members = Self.members(size)
        nonisolated(unsafe) var results = [Result<T, Error>?](repeating: nil, count: size)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: size) { rank in
            let r = Result { try body(members[rank]) }
            lock.withLock { results[rank] = r }
        }
        return try results.map { try $0!.get() }
    }

    /// Waits for every member; the last to arrive runs `body` with all buffers before anyone leaves.
    func meet(rank: Int, buffer: UnsafeMutableBufferPointer<Float>?, body: ([UnsafeMutableBufferPointer<Float>?]) -> Void) {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        buffers[rank] = buffer
        arrived += 1
        if arrived == size {
            body(buffers)
            arrived = 0; generation += 1
            buffers = Array(repeating: nil, count: size)
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
    }

    final class Member: Collective, @unchecked Sendable {
        let group: InProcessGroup
        let rank: Int
        var size: Int { group.size }
        init(group: InProcessGroup, rank: Int) { self.group = group; self.rank = rank }

        func average(_ buffer: UnsafeMutableBufferPointer<Float>) {
            group.meet(rank: rank, buffer: buffer) { all in
                let n = buffer.count, scale = 1 / Float(all.count)
                var mean = [Float](repeating: 0, count: n)
                for b in all { for i in 0..<n { mean[i] += b![i] } }
                for b in all { for i in 0..<n { b![i] = mean[i] * scale } }
            }
        }

        func barrier() { group.meet(rank: rank, buffer: nil) { _ in } }
    }
}
