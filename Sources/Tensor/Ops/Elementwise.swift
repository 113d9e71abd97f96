import Foundation

// MARK: - Binary arithmetic (broadcasting)

extension Tensor {
    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let (s, shape) = zipKernel(a, b, op: "add", +)
        let sa = a.shape, sb = b.shape
        return result("add", shape: shape, storage: s, inputs: [a, b]) { g in [g.sumToShape(sa), g.sumToShape(sb)] }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let (s, shape) = zipKernel(a, b, op: "sub", -)
        let sa = a.shape, sb = b.shape
        return result("sub", shape: shape, storage: s, inputs: [a, b]) { g in [g.sumToShape(sa), (-g).sumToShape(sb)] }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let (s, shape) = zipKernel(a, b, op: "mul", *)
        let ad = a.detached(), bd = b.detached()
        let needA = a.requiresGrad, needB = b.requiresGrad
        return result("mul", shape: shape, storage: s, inputs: [a, b]) { g in
            [needA ? (g * bd).sumToShape(ad.shape) : nil, needB ? (g * ad).sumToShape(bd.shape) : nil]
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let (s, shape) = zipKernel(a, b, op: "div", /)
        let ad = a.detached(), bd = b.detached()
        let needA = a.requiresGrad, needB = b.requiresGrad
        return result("div", shape: shape, storage: s, inputs: [a, b]) { g in
            [needA ? (g / bd).sumToShape(ad.shape) : nil,
             needB ? (-(g * ad) / (bd * bd)).sumToShape(bd.shape) : nil]
        }
    }

    /// Elementwise power `a^b` with broadcasting (`a` must be positive where `b` is not an integer).
    public func pow(_ b: Tensor) -> Tensor {
        let (s, shape) = zipKernel(self, b, op: "pow") { Foundation.pow($0, $1) }
        let ad = detached(), bd = b.detached(), out = Tensor(shape: shape, storage: s)
        let needA = requiresGrad, needB = b.requiresGrad
        return Tensor.result("pow", shape: shape, storage: s, inputs: [self, b]) { g in
            [needA ? (g * bd * ad.pow(bd - 1)).sumToShape(ad.shape) : nil,
             needB ? (g * out * ad.log()).sumToShape(bd.shape) : nil]
        }
    }

    /// Elementwise maximum with broadcasting; a tie sends half the gradient to each side.
    public func maximum(_ b: Tensor) -> Tensor { extremum(b, name: "maximum", takeLarger: true) }
    /// Elementwise minimum with broadcasting; a tie sends half the gradient to each side.
    public func minimum(_ b: Tensor) -> Tensor { extremum(b, name: "minimum", takeLarger: false) }

    private func extremum(_ b: Tensor, name: String, takeLarger: Bool) -> Tensor {
        let (s, shape) = zipKernel(self, b, op: name) { takeLarger ? Swift.max($0, $1) : Swift.min($0, $1) }
        let ad = detached(), bd = b.detached()
        return Tensor.result(name, shape: shape, storage: s, inputs: [self, b]) { g in
            let (wa, _) = zipKernel(ad, bd, op: name) { x, y in
                x == y ? 0.5 : ((x > y) == takeLarger ? 1 : 0)
            }
            let weightA = Tensor(shape: shape, storage: wa)
            return [(g * weightA).sumToShape(ad.shape), (g * (1 - weightA)).sumToShape(bd.shape)]
        }
    }

    // Scalar forms.
    public static func + (a: Tensor, s: Float) -> Tensor {
        result("add_scalar", shape: a.shape, storage: mapKernel(a) { $0 + s }, inputs: [a]) { g in [g] }
    }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func - (s: Float, a: Tensor) -> Tensor { (-a) + s }
    public static func * (a: Tensor, s: Float) -> Tensor {
        result("mul_scalar", shape: a.shape, storage: mapKernel(a) { $0 * s }, inputs: [a]) { g in [g * s] }
    }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
    public static func / (s: Float, a: Tensor) -> Tensor {
        let ad = a.detached()
        return result("rdiv_scalar", shape: a.shape, storage: mapKernel(a) { s / $0 }, inputs: [a]) { g in
            [g * (-s) / (ad * ad)]
        }
    }

    /// Elementwise negation.
    public static prefix func - (a: Tensor) -> Tensor {
        result("neg", shape: a.shape, storage: mapKernel(a) { -$0 }, inputs: [a]) { g in [-g] }
    }
}

// MARK: - Unary math

extension Tensor {
    /// Builds a unary op whose derivative is a function of the input (and the output).
    private func unary(_ name: String, _ f: (Float) -> Float,
                       derivative: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let s = mapKernel(self, f)
        let xs = storage
        return Tensor.result(name, shape: shape, storage: s, inputs: [self]) { g in
            let n = g.count
            let d = TensorStorage(uninitializedCount: n)
            let pg = g.storage.pointer, px = xs.pointer, py = s.pointer, pd = d.pointer
            for i in 0..<n { pd[i] = pg[i] * derivative(px[i], py[i]) }
            return [Tensor(shape: g.shape, storage: d)]
        }
    }

    /// Builds a unary op from a vectorised forward kernel and a derivative in terms of the output.
    private func vectorUnary(_ name: String, _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
                             derivative: @escaping (_ y: Float) -> Float) -> Tensor {
        let s = TensorStorage(uninitializedCount: count)
        kernel(storage.pointer, s.pointer, count)
        return Tensor.result(name, shape: shape, storage: s, inputs: [self]) { g in
            let d = TensorStorage(uninitializedCount: g.count)
            let pg = g.storage.pointer, py = s.pointer, pd = d.pointer
            for i in 0..<g.count { pd[i] = pg[i] * derivative(py[i]) }
            return [Tensor(shape: g.shape, storage: d)]
        }
    }

    /// e^x.
    public func exp() -> Tensor { vectorUnary("exp", vExp) { $0 } }
    /// Natural logarithm.
    public func log() -> Tensor { unary("log", { Foundation.log($0) }, derivative: { x, _ in 1 / x }) }
    /// Square root.
    public func sqrt() -> Tensor { unary("sqrt", { $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
    /// Absolute value (gradient 0 at 0, as PyTorch).
    public func abs() -> Tensor {
        unary("abs", { Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
    }
    /// x².
    public func square() -> Tensor { unary("square", { $0 * $0 }, derivative: { x, _ in 2 * x }) }
    /// x^p for a constant exponent.
    public func pow(_ p: Float) -> Tensor {
        unary("pow_scalar", { Foundation.pow($0, p) }, derivative: { x, _ in p * Foundation.pow(x, p - 1) })
    }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { vectorUnary("tanh", vTanh) { 1 - $0 * $0 } }
    /// Logistic sigmoid 1 / (1 + e^-x).
    public func sigmoid() -> Tensor {
        vectorUnary("sigmoid", vSigmoid) { $0 * (1 - $0) }
    }
    /// max(x, 0).
    public func relu() -> Tensor { unary("relu", { Swift.max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }
    /// x for x > 0, `slope`·x otherwise.
    public func leakyRelu(_ slope: Float = 0.01) -> Tensor {
        unary("leaky_relu", { $0 > 0 ? $0 : slope * $0 }, derivative: { x, _ in x > 0 ? 1 : slope })
    }
    /// Exact GELU, x·Φ(x) (PyTorch's default `approximate='none'`).
    public func gelu() -> Tensor {
        unary("gelu", { 0.5 * $0 * (1 + erff($0 * 0.70710678)) }, derivative: { x, _ in
            0.5 * (1 + erff(x * 0.70710678)) + x * 0.3989422804 * Foundation.exp(-0.5 * x * x)
        })
    }
    /// Clamps into [low, high]; the gradient passes where low ≤ x ≤ high, as in PyTorch.
    public func clamp(min low: Float = -.infinity, max high: Float = .infinity) -> Tensor {
        unary("clamp", { Swift.min(Swift.max($0, low), high) }, derivative: { x, _ in x >= low && x <= high ? 1 : 0 })
    }
    /// Softplus log(1 + e^x), computed stably.
    public func softplus() -> Tensor {
        unary("softplus", { Swift.max($0, 0) + log1pf(Foundation.exp(-Swift.abs($0))) },
              derivative: { x, _ in sigmoidScalar(x) })
    }
    /// sin(x).
    public func sin() -> Tensor { unary("sin", { Foundation.sin($0) }, derivative: { x, _ in Foundation.cos(x) }) }
    /// cos(x).
    public func cos() -> Tensor { unary("cos", { Foundation.cos($0) }, derivative: { x, _ in -Foundation.sin(x) }) }
}

@inline(__always) func sigmoidScalar(_ x: Float) -> Float {
    x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
}

// MARK: - Comparisons and selection (no gradient through the condition)

extension Tensor {
    private func compare(_ b: Tensor, _ name: String, _ f: (Float, Float) -> Bool) -> Tensor {
        let (s, shape) = zipKernel(self, b, op: name) { f($0, $1) ? 1 : 0 }
        return Tensor(shape: shape, storage: s)
    }
    /// 1 where equal, else 0 (broadcasting; never differentiable).
    public func eq(_ b: Tensor) -> Tensor { compare(b, "eq", ==) }
    /// 1 where `self < b`.
    public func lt(_ b: Tensor) -> Tensor { compare(b, "lt", <) }
    /// 1 where `self <= b`.
    public func le(_ b: Tensor) -> Tensor { compare(b, "le", <=) }
    /// 1 where `self > b`.
    public func gt(_ b: Tensor) -> Tensor { compare(b, "gt", >) }
    /// 1 where `self >= b`.
    public func ge(_ b: Tensor) -> Tensor { compare(b, "ge", >=) }
    /// 1 where `self > s`.
    public func gt(_ s: Float) -> Tensor { gt(Tensor(scalar: s)) }
    /// 1 where `self < s`.
    public func lt(_ s: Float) -> Tensor { lt(Tensor(scalar: s)) }

    /// `a` where `condition` is non-zero, `b` elsewhere (all three broadcast together).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let mask = condition.ne0()
        guard let shape = Shape.broadcast(mask.shape, a.shape).flatMap({ Shape.broadcast($0, b.shape) }) else {
            shapeFailure("where", "cannot broadcast \(condition.shape), \(a.shape) and \(b.shape)")
        }
        let m = noGrad { mask.expand(to: shape) }
        let (s1, _) = zipKernel(m, noGrad { a.detached().expand(to: shape) }, op: "where") { $0 != 0 ? $1 : 0 }
        let (s2, _) = zipKernel(m, noGrad { b.detached().expand(to: shape) }, op: "where") { $0 != 0 ? 0 : $1 }
        let (s, _) = zipKernel(Tensor(shape: shape, storage: s1), Tensor(shape: shape, storage: s2), op: "where", +)
        let sa = a.shape, sb = b.shape
        return result("where", shape: shape, storage: s, inputs: [a, b]) { g in
            [(g * m).sumToShape(sa), (g * (1 - m)).sumToShape(sb)]
        }
    }

    private func ne0() -> Tensor { Tensor(shape: shape, storage: mapKernel(self) { $0 != 0 ? 1 : 0 }) }
}
