extension Tensor {
    /// Sums a broadcast gradient back to `shape` (the axes that broadcasting expanded).
    ///
    /// Every broadcasting binary op's backward rule calls this, so each rule can be written as if the
    /// shapes were equal.
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let offset = rank - target.count
        precondition(offset >= 0, "sumToShape: cannot reduce \(shape) to larger rank \(target)")
        var axes: [Int] = Array(0..<offset)
        for (i, d) in target.enumerated() where d == 1 && shape[i + offset] != 1 { axes.append(i + offset) }
        let reduced = axes.isEmpty ? self : sum(axes: axes, keepDims: true)
        return reduced.reshaped(target)
    }
}
