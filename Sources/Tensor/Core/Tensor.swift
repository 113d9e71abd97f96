import Foundation

/// An N-dimensional Float32 tensor with contiguous row-major storage and optional autodiff history.
///
/// Tensors are immutable values held by reference: every op returns a new tensor. Leaves created with
/// `requiresGrad: true` (parameters) collect gradients in ``grad`` when ``backward(_:)`` runs on a
/// result computed from them.
///
/// ```swift
/// let w = Tensor.randn([3, 2], rng: &rng, requiresGrad: true)
/// let loss = (x.matmul(w)).relu().sum()
/// loss.backward()
/// print(w.grad!.shape)   // [3, 2]
/// ```
public final class Tensor: CustomStringConvertible {
    /// Extent of each axis; `[]` for a scalar.
    public let shape: [Int]
    /// The elements, row-major.
    public let storage: TensorStorage
    /// Accumulated gradient of the last ``backward(_:)`` with respect to this tensor (leaves only).
    public var grad: Tensor?
    /// Whether this leaf asks for a gradient. Results of ops inherit it from their inputs.
    public var requiresGrad: Bool
    /// The op that produced this tensor, if it was recorded.
    var gradFn: Node?
    /// Which output of `gradFn` this tensor is.
    var outputIndex = 0

    /// Wraps an existing storage (no copy).
    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(Shape.count(shape) == storage.count,
                     "Tensor: shape \(shape) needs \(Shape.count(shape)) elements, storage has \(storage.count)")
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// Copies `values` into a new tensor of `shape`.
    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(values.count == Shape.count(shape),
                     "Tensor: \(values.count) values do not fill shape \(shape)")
        self.init(shape: shape, storage: TensorStorage(values), requiresGrad: requiresGrad)
    }

    /// A 1-d tensor of `values`.
    public convenience init(_ values: [Float], requiresGrad: Bool = false) {
        self.init(values, shape: [values.count], requiresGrad: requiresGrad)
    }

    /// A scalar (rank-0) tensor.
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad)
    }

    /// A tensor of `shape` filled with `value`.
    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, storage: TensorStorage(repeating: value, count: Shape.count(shape)),
                  requiresGrad: requiresGrad)
    }

    /// Zeros of `shape`.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 0, shape: shape, requiresGrad: requiresGrad)
    }

    /// Ones of `shape`.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 1, shape: shape, requiresGrad: requiresGrad)
    }

    /// `[start, start+step, …)` below `end`.
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) -> Tensor {
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<n).map { start + Float($0) * step })
    }

    /// `count` evenly spaced values from `start` to `end` inclusive.
    public static func linspace(_ start: Float, _ end: Float, count: Int) -> Tensor {
        if count == 1 { return Tensor([start]) }
        return Tensor((0..<count).map { start + (end - start) * Float($0) / Float(count - 1) })
    }

    /// An identity matrix.
    public static func eye(_ n: Int) -> Tensor {
        let t = Tensor.zeros([n, n])
        for i in 0..<n { t.storage.pointer[i * n + i] = 1 }
        return t
    }

    /// Number of axes.
    @inlinable public var rank: Int { shape.count }
    /// Number of elements.
    @inlinable public var count: Int { storage.count }
    /// The elements as an array (a copy).
    public var scalars: [Float] { Array(storage.buffer) }
    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements")
        return storage.pointer[0]
    }
    /// Whether this tensor was produced by a recorded op (not a leaf).
    public var isLeaf: Bool { gradFn == nil }

    /// The element at a multi-index.
    public subscript(_ index: Int...) -> Float {
        precondition(index.count == rank, "subscript: \(index.count) indices for shape \(shape)")
        var offset = 0
        let s = Shape.strides(shape)
        for (i, v) in index.enumerated() {
            precondition(v >= 0 && v < shape[i], "subscript: index \(index) out of range for shape \(shape)")
            offset += v * s[i]
        }
        return storage.pointer[offset]
    }

    /// A copy that shares nothing and records no history.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// A deep copy of the elements (no history).
    public func copy() -> Tensor {
        let s = TensorStorage(uninitializedCount: count)
        s.pointer.update(from: storage.pointer, count: count)
        return Tensor(shape: shape, storage: s)
    }

    /// Clears ``grad``.
    public func zeroGrad() { grad = nil }

    public var description: String {
        let n = Swift.min(count, 8)
        let head = (0..<n).map { String(format: "%.4g", Double(storage.pointer[$0])) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(head)\(count > n ? ", …" : "")])"
    }
}
