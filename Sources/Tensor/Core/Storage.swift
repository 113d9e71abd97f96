internal import CHeap

/// Configured once, before the first tensor allocation (see `ssm_keep_freed_memory`).
private let heapConfigured: Bool = { ssm_keep_freed_memory(); return true }()

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
        precondition(heapConfigured)
        self.count = count
        // 64-byte alignment keeps SIMD loads and BLAS on their fast paths.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
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

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// The elements as a read-only buffer.
    @inlinable public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }
    /// The elements as a mutable buffer.
    @inlinable public var mutableBuffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}
