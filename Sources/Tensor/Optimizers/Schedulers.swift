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
