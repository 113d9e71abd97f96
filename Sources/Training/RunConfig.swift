import Foundation
import Tensor

/// A training configuration whose run may be resumed with a different length (epochs, time limit) but
/// nothing else changed.
public protocol ResumableRunConfig: Codable, Equatable {
    var epochs: Int { get set }
    var maxMinutes: Double? { get set }
}

extension ResumableRunConfig {
    /// Whether a run started with `self` may continue with `other`: equal apart from how long it runs.
    public func sameRun(as other: Self) -> Bool {
        var a = self, b = other
        a.epochs = 0; b.epochs = 0; a.maxMinutes = nil; b.maxMinutes = nil
        return a == b
    }
}

/// The settings every trainer's configuration has (stored flat in its `config.json`).
public protocol RunConfig: ResumableRunConfig {
    var stepsPerEpoch: Int { get }
    var batchSize: Int { get }
    var learningRate: Float { get }
    /// How the learning rate moves.
    var schedule: RunSchedule { get }
}

extension RunConfig {
    /// The step the run ends at.
    public var totalSteps: Int { epochs * stepsPerEpoch }

    /// Checks the run's length and rate (each configuration's `validate()` adds its own fields).
    public func validateRun() throws {
        try ConfigError.check(epochs > 0 && stepsPerEpoch > 0 && batchSize > 0, "epochs, stepsPerEpoch and batchSize", "must be positive")
        try ConfigError.check(learningRate > 0, "learningRate", "must be positive")
        try ConfigError.check(maxMinutes.map { $0 > 0 } ?? true, "maxMinutes", "must be positive")
    }
}

/// A run on the original's plateau schedule unless `cosineSteps` asks for a warm-up cosine (the BEV and
/// detector trainers).
public protocol CosineScheduledRunConfig: RunConfig {
    var cosineSteps: Int? { get }
    var warmupSteps: Int? { get }
}

extension CosineScheduledRunConfig {
    public var schedule: RunSchedule {
        WarmupCosineLR(baseLearningRate: learningRate, cosineSteps: cosineSteps, warmupSteps: warmupSteps).map { .warmupCosine($0) }
            ?? .plateau(ReduceLROnPlateau())
    }

    /// ``RunConfig/validateRun()`` and a cosine that outlasts its warm-up.
    public func validateScheduledRun() throws {
        try validateRun()
        try ConfigError.check((warmupSteps ?? 0) >= 0, "warmupSteps", "must be ≥ 0")
        try ConfigError.check(cosineSteps.map { $0 > (warmupSteps ?? 0) } ?? true, "cosineSteps", "must exceed warmupSteps")
    }
}
