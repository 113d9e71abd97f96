/// Replaces a buffer by its elementwise sum over the members of a data-parallel run. Every member calls it
/// with a buffer of the same length at the same point of its step (a collective operation: the members wait
/// for each other).
public typealias MemberSum = @Sendable (UnsafeMutableBufferPointer<Float>) -> Void

extension Tensor {
    /// This tensor summed elementwise over the members of a data-parallel run, differentiably. Every member
    /// computes the same function of the sum, so the gradient of its input is the sum of the members' gradients
    /// of the output: the backward pass sums over members too (the adjoint of a sum is a broadcast, of a sum over
    /// members the same sum).
    public func summedOverMembers(_ sum: @escaping MemberSum) -> Tensor {
        let out = TensorStorage(uninitializedCount: count)
        out.pointer.update(from: storage.pointer, count: count)
        sum(UnsafeMutableBufferPointer(start: out.pointer, count: count))
        let shape = self.shape
        return Tensor.result("sum_over_members", shape: shape, storage: out, inputs: [self]) { g in
            let dx = TensorStorage(uninitializedCount: g.count)
            dx.pointer.update(from: g.storage.pointer, count: g.count)
            sum(UnsafeMutableBufferPointer(start: dx.pointer, count: g.count))
            return [Tensor(shape: shape, storage: dx)]
        }
    }
}

/// `values` summed over the members of a data-parallel run by `sum`; unchanged when there is none (one process).
public func summedOverMembers(_ values: [Float], _ sum: MemberSum?) -> [Float] {
    guard let sum else { return values }
    var buffer = values
    buffer.withUnsafeMutableBufferPointer { sum($0) }
    return buffer
}

/// `values` summed over the members (in single precision, as the members exchange them); unchanged when there is
/// no `sum`, so that one process keeps its double-precision sums exactly.
public func summedOverMembers(_ values: [Double], _ sum: MemberSum?) -> [Double] {
    guard sum != nil else { return values }
    return summedOverMembers(values.map { Float($0) }, sum).map { Double($0) }
}
