/// Errors raised by tensor operations on bad input (shapes, axes, indices).
public struct TensorError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, naming the operation and the offending shapes or values.
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Stops with a message that names the op and both shapes.
@usableFromInline
func shapeFailure(_ op: String, _ detail: String, file: StaticString = #file, line: UInt = #line) -> Never {
    preconditionFailure("\(op): \(detail)", file: file, line: line)
}

/// Shape helpers shared by all ops.
public enum Shape {
    /// Number of elements of a shape (1 for a scalar `[]`).
    @inlinable public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major strides of a contiguous shape.
    @inlinable public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }

    /// NumPy broadcasting of two shapes, or nil when they are incompatible.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Strides for reading a tensor of `shape` as if it had `target` shape (0 on broadcast axes).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let s = strides(shape)
        let offset = target.count - shape.count
        var out = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count { out[i + offset] = shape[i] == 1 ? 0 : s[i] }
        return out
    }

    /// Normalises a possibly negative axis for a tensor of `rank`.
    @inlinable public static func axis(_ axis: Int, rank: Int, op: String = "axis") -> Int {
        let a = axis < 0 ? axis + rank : axis
        if a < 0 || a >= max(rank, 1) { shapeFailure(op, "axis \(axis) out of range for rank \(rank)") }
        return a
    }
}
