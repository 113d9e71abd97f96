internal import CKernels
import Foundation

/// Shared machinery of the optimisers: per-parameter state and the step counter.
///
/// Each optimiser implements PyTorch's exact update rule in ``update(parameter:gradient:state:)``; the
/// base iterates over parameters with gradients, so a new optimiser is one short subclass (mlx-swift's
/// `OptimizerBase` pattern). State tensors are named so that a checkpoint can hold and restore them.
open class Optimizer {
    /// The parameters being optimised, in a fixed order.
    public let parameters: [Tensor]
    /// Learning rate (schedulers change it).
    public var learningRate: Float
    /// Number of completed steps.
    public private(set) var stepCount = 0
    /// Per-parameter state, keyed by state name ("exp_avg", "square_avg", …).
    public var state: [[String: Tensor]]

    public init(parameters: [Tensor], learningRate: Float) {
        self.parameters = parameters
        self.learningRate = learningRate
        state = Array(repeating: [:], count: parameters.count)
    }

    /// Applies one update to every parameter that has a gradient.
    public func step() {
        stepCount += 1
        for (i, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            precondition(g.shape == p.shape, "optimizer: gradient \(g.shape) does not fit parameter \(p.shape)")
            update(parameter: p.storage.mutableBuffer, gradient: g.storage.buffer, state: &state[i])
        }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.grad = nil } }

    /// One parameter's update, in place. `state` starts empty.
    open func update(parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
                     state: inout [String: Tensor]) {
        fatalError("\(type(of: self)) must override update(parameter:gradient:state:)")
    }

    /// A state buffer, created as zeros on first use.
    public func buffer(_ name: String, _ state: inout [String: Tensor], count: Int) -> UnsafeMutablePointer<Float> {
        if let t = state[name] { return t.storage.pointer }
        let t = Tensor.zeros([count])
        state[name] = t
        return t.storage.pointer
    }

    /// State tensors with names `"<param index>.<state name>"` plus the step counter, for checkpoints.
    public func stateDict() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = [("step", Tensor(scalar: Float(stepCount))), ("lr", Tensor(scalar: learningRate))]
        for (i, s) in state.enumerated() { for (k, v) in s.sorted(by: { $0.key < $1.key }) { out.append(("\(i).\(k)", v)) } }
        return out
    }

    /// Restores what ``stateDict()`` wrote.
    public func load(stateDict: [String: Tensor]) throws {
        guard let step = stateDict["step"], let lr = stateDict["lr"] else {
            throw TensorError("optimizer state lacks 'step' or 'lr'")
        }
        stepCount = Int(step.item); learningRate = lr.item
        state = Array(repeating: [:], count: parameters.count)
        for (key, value) in stateDict where key.contains(".") && !key.hasPrefix("rng.") {
            let parts = key.split(separator: ".", maxSplits: 1)
            guard let i = Int(parts[0]), i < parameters.count else {
                throw TensorError("optimizer state '\(key)' names no parameter (have \(parameters.count))")
            }
            guard value.count == parameters[i].count || value.count == 1 else { // moments, or a per-parameter counter
                throw TensorError("optimizer state '\(key)' has \(value.count) elements, parameter \(i) has \(parameters[i].count)")
            }
            state[i][String(parts[1])] = value.copy()
        }
    }

    /// Scales all gradients so their joint L2 norm is at most `maxNorm`; returns the norm before clipping
    /// (PyTorch's `clip_grad_norm_`, with its 1e-6 guard).
    @discardableResult
    public static func clipGradNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
        var total: Double = 0
        for p in parameters { if let g = p.grad { for v in g.storage.buffer { total += Double(v * v) } } }
        let norm = Float(total.squareRoot())
        let scale = maxNorm / (norm + 1e-6)
        if scale < 1 {
            for p in parameters {
                guard let g = p.grad else { continue }
                let c = g.copy() // gradients may share storage with graph values; never scale in place
                for i in 0..<c.count { c.storage.pointer[i] *= scale }
                p.grad = c
            }
        }
        return norm
    }
}

/// Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (PyTorch's `SGD`).
public final class SGD: Optimizer {
    public let momentum, dampening, weightDecay: Float
    public let nesterov: Bool

    public init(parameters: [Tensor], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) {
        self.momentum = momentum; self.dampening = dampening; self.weightDecay = weightDecay; self.nesterov = nesterov
        super.init(parameters: parameters, learningRate: learningRate)
    }

    public override func update(parameter p: UnsafeMutableBufferPointer<Float>, gradient g: UnsafeBufferPointer<Float>,
                                state: inout [String: Tensor]) {
        let first = state["momentum_buffer"] == nil
        let buf = momentum != 0 ? buffer("momentum_buffer", &state, count: p.count) : nil
        for i in 0..<p.count {
            var d = g[i] + weightDecay * p[i]
            if let buf {
                buf[i] = first ? d : momentum * buf[i] + (1 - dampening) * d
                d = nesterov ? d + momentum * buf[i] : buf[i]
            }
            p[i] -= learningRate * d
        }
    }
}

/// Adam (PyTorch's `Adam`: L2 weight decay added to the gradient, bias-corrected moments).
public class Adam: Optimizer {
    public let beta1, beta2, eps, weightDecay: Float
    /// Decoupled weight decay (AdamW) instead of L2 on the gradient.
    let decoupled: Bool

    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay; decoupled = false
        super.init(parameters: parameters, learningRate: learningRate)
    }

    init(parameters: [Tensor], learningRate: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float,
         decoupled: Bool) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay; self.decoupled = decoupled
        super.init(parameters: parameters, learningRate: learningRate)
    }

    public override func update(parameter p: UnsafeMutableBufferPointer<Float>, gradient g: UnsafeBufferPointer<Float>,
                                state: inout [String: Tensor]) {
        let m = buffer("exp_avg", &state, count: p.count), v = buffer("exp_avg_sq", &state, count: p.count)
        let stepT = buffer("step", &state, count: 1)
        stepT[0] += 1
        let t = stepT[0]
        let bc1 = 1 - Foundation.pow(beta1, t), bc2 = 1 - Foundation.pow(beta2, t)
        let stepSize = learningRate / bc1, bc2Root = bc2.squareRoot()
        guard let pp = p.baseAddress, let gp = g.baseAddress else { return }
        ssm_adam_update(pp, gp, m, v, p.count, beta1, beta2, stepSize, bc2Root, eps, weightDecay,
                        1 - learningRate * weightDecay, decoupled ? 1 : 0)
    }
}

/// AdamW: Adam with decoupled weight decay (PyTorch's `AdamW`, default decay 0.01).
public final class AdamW: Adam {
    public override init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0.01) {
        super.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps,
                   weightDecay: weightDecay, decoupled: true)
    }
}

/// RMSprop with optional momentum, centring and weight decay (PyTorch's `RMSprop`).
public final class RMSprop: Optimizer {
    public let alpha, eps, weightDecay, momentum: Float
    public let centered: Bool

    public init(parameters: [Tensor], learningRate: Float = 1e-2, alpha: Float = 0.99, eps: Float = 1e-8,
                weightDecay: Float = 0, momentum: Float = 0, centered: Bool = false) {
        self.alpha = alpha; self.eps = eps; self.weightDecay = weightDecay; self.momentum = momentum
        self.centered = centered
        super.init(parameters: parameters, learningRate: learningRate)
    }

    public override func update(parameter p: UnsafeMutableBufferPointer<Float>, gradient g: UnsafeBufferPointer<Float>,
                                state: inout [String: Tensor]) {
        let sq = buffer("square_avg", &state, count: p.count)
        let buf = momentum > 0 ? buffer("momentum_buffer", &state, count: p.count) : nil
        let gAvg = centered ? buffer("grad_avg", &state, count: p.count) : nil
        if let buf, gAvg == nil, let pp = p.baseAddress, let gp = g.baseAddress { // the common case, as a vector loop
            ssm_rmsprop_momentum_update(pp, gp, sq, buf, p.count, alpha, eps, weightDecay, momentum, learningRate)
            return
        }
        for i in 0..<p.count {
            let grad = g[i] + weightDecay * p[i]
            sq[i] = alpha * sq[i] + (1 - alpha) * grad * grad
            var denom: Float
            if let gAvg {
                gAvg[i] = alpha * gAvg[i] + (1 - alpha) * grad
                denom = (sq[i] - gAvg[i] * gAvg[i]).squareRoot() + eps
            } else {
                denom = sq[i].squareRoot() + eps
            }
            if let buf {
                buf[i] = momentum * buf[i] + grad / denom
                p[i] -= learningRate * buf[i]
            } else {
                p[i] -= learningRate * grad / denom
            }
        }
    }
}
