import Synchronization

/// Reuses large tensor buffers across iterations.
///
/// A training step frees and reallocates the same multi-megabyte buffers every iteration; memory handed back
/// to the kernel returns as fresh zero pages whose first-touch faults cost more than the arithmetic done on
/// them. Blocks of 64 KiB and more are kept here (up to `limit` bytes in all) and handed out again by size.
final class BlockCache: Sendable {
    static let shared = BlockCache()
    static let minimumBytes = 64 << 10
    /// Cached bytes at most; beyond this, freed blocks go back to the system allocator.
    let limit = 1 << 30
    private let state = Mutex<(free: [Int: [UInt]], bytes: Int)>(([:], 0))

    /// Rounds a request up to its size class (a multiple of 64 KiB).
    static func sizeClass(_ bytes: Int) -> Int { (bytes + minimumBytes - 1) / minimumBytes * minimumBytes }

    func take(_ bytes: Int) -> UnsafeMutableRawPointer? {
        state.withLock { s -> UnsafeMutableRawPointer? in
            guard let address = s.free[bytes]?.popLast() else { return nil }
            s.bytes -= bytes
            return UnsafeMutableRawPointer(bitPattern: address)
        }
    }

    /// Keeps `block` for reuse; returns false when the cache is full (the caller frees it).
    func give(_ block: UnsafeMutableRawPointer, _ bytes: Int) -> Bool {
        state.withLock { s in
            guard s.bytes + bytes <= limit else { return false }
            s.free[bytes, default: []].append(UInt(bitPattern: block))
            s.bytes += bytes
            return true
        }
    }
}

/// Contiguous Float32 memory owned by one object.
///
/// Ops never write into an existing storage: each op allocates a fresh one for its result. The only
/// writers of a live storage are the named in-place APIs (optimiser steps, `zeroGrad`, checkpoint loads),
/// which is what makes `@unchecked Sendable` honest for storages that are not being updated.
public final class TensorStorage: @unchecked Sendable {
    /// Number of Float elements.
    public let count: Int
    /// Base pointer; valid for `count` elements for the lifetime of the storage.
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates uninitialised memory for `count` floats; callers must write every element.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "negative element count \(count)")
        self.count = count
        // 64-byte alignment keeps SIMD loads and BLAS on their fast paths.
        let bytes = max(count, 1) * 4
        let raw: UnsafeMutableRawPointer
        if bytes >= BlockCache.minimumBytes {
            let size = BlockCache.sizeClass(bytes)
            raw = BlockCache.shared.take(size) ?? UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        } else {
            raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        }
        self.pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates `count` floats set to `value`.
    public convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        pointer.update(repeating: value, count: count)
    }

    /// Copies `values`.
    public convenience init(_ values: [Float]) {
        self.init(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit {
        let raw = UnsafeMutableRawPointer(pointer), bytes = max(count, 1) * 4
        if bytes >= BlockCache.minimumBytes, BlockCache.shared.give(raw, BlockCache.sizeClass(bytes)) { return }
        raw.deallocate()
    }

    /// The elements as a read-only buffer.
    @inlinable public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }
    /// The elements as a mutable buffer.
    @inlinable public var mutableBuffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}
