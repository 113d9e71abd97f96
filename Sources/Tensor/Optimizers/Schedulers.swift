import Foundation

/// Multiplies the learning rate by `gamma` every `stepSize` epochs (PyTorch's `StepLR`).
public struct StepLR: Sendable {
    public let baseLearningRate: Float, stepSize: Int, gamma: Float
    public init(baseLearningRate: Float, stepSize: Int, gamma: Float = 0.1) {
        self.baseLearningRate = baseLearningRate; self.stepSize = stepSize; self.gamma = gamma
    }
    /// The learning rate for `epoch` (0-based).
    public func learningRate(epoch: Int) -> Float { baseLearningRate * Foundation.pow(gamma, Float(epoch / stepSize)) }
}

/// Cosine annealing from the base rate to `minLearningRate` over `tMax` epochs (PyTorch's closed form).
public struct CosineAnnealingLR: Sendable {
    public let baseLearningRate: Float, tMax: Int, minLearningRate: Float
    public init(baseLearningRate: Float, tMax: Int, minLearningRate: Float = 0) {
        self.baseLearningRate = baseLearningRate; self.tMax = tMax; self.minLearningRate = minLearningRate
    }
    public func learningRate(epoch: Int) -> Float {
        minLearningRate + (baseLearningRate - minLearningRate) * (1 + Foundation.cos(Float.pi * Float(epoch) / Float(tMax))) / 2
    }
}

/// A linear warm-up over `warmupSteps`, then cosine annealing from the base rate to `minLearningRate` at
/// `totalSteps` (held there after). A pure function of the step, so a resumed run follows the same curve.
public struct WarmupCosineLR: Codable, Equatable, Sendable {
    public let baseLearningRate: Float, totalSteps: Int, warmupSteps: Int, minLearningRate: Float
    public init(baseLearningRate: Float, totalSteps: Int, warmupSteps: Int = 0, minLearningRate: Float = 0) {
        precondition(totalSteps > warmupSteps && warmupSteps >= 0, "WarmupCosineLR: need 0 <= warmupSteps < totalSteps")
        self.baseLearningRate = baseLearningRate; self.totalSteps = totalSteps; self.warmupSteps = warmupSteps
        self.minLearningRate = minLearningRate
    }
    /// The learning rate for optimiser step `step` (0-based).
    public func learningRate(step: Int) -> Float {
        if step < warmupSteps { return baseLearningRate * Float(step + 1) / Float(warmupSteps) }
        let t = Float(Swift.min(step, totalSteps) - warmupSteps) / Float(totalSteps - warmupSteps)
        return minLearningRate + (baseLearningRate - minLearningRate) * (1 + Foundation.cos(Float.pi * t)) / 2
    }
}

extension WarmupCosineLR {
    /// The schedule a run configuration asks for with its optional step counts; nil when `cosineSteps` is nil.
    public init?(baseLearningRate: Float, cosineSteps: Int?, warmupSteps: Int?) {
        guard let cosineSteps else { return nil }
        self.init(baseLearningRate: baseLearningRate, totalSteps: cosineSteps, warmupSteps: warmupSteps ?? 0)
    }
}

/// Halves (by `factor`) the learning rate when a metric stops improving (PyTorch's `ReduceLROnPlateau`,
/// mode "min", relative threshold).
public struct ReduceLROnPlateau: Codable, Sendable {
    public var factor: Float = 0.5, patience = 5, threshold: Float = 1e-4, cooldown = 0, minLearningRate: Float = 0
    public private(set) var best = Float.infinity
    public private(set) var badEpochs = 0
    public private(set) var cooldownCounter = 0

    public init(factor: Float = 0.5, patience: Int = 5, threshold: Float = 1e-4, cooldown: Int = 0,
                minLearningRate: Float = 0) {
        self.factor = factor; self.patience = patience; self.threshold = threshold; self.cooldown = cooldown
        self.minLearningRate = minLearningRate
    }

    /// Records `metric` for one epoch and lowers `optimizer.learningRate` when due. Returns whether it did.
    @discardableResult
    public mutating func step(metric: Float, optimizer: Optimizer) -> Bool {
        if metric < best * (1 - threshold) { best = metric; badEpochs = 0 } else { badEpochs += 1 }
        if cooldownCounter > 0 { cooldownCounter -= 1; badEpochs = 0 }
        guard badEpochs > patience else { return false }
        let newRate = Swift.max(optimizer.learningRate * factor, minLearningRate)
        let reduced = optimizer.learningRate - newRate > 1e-8
        optimizer.learningRate = newRate
        cooldownCounter = cooldown
        badEpochs = 0
        return reduced
    }
}
