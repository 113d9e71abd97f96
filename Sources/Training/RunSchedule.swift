import Tensor

/// How a run's learning rate moves: the one schedule type every trainer's configuration names.
public enum RunSchedule: Sendable, Equatable {
    /// The configured rate throughout.
    case constant
    /// Reduce on a validation plateau (the original project's schedule), from this scheduler state.
    case plateau(ReduceLROnPlateau)
    /// Linear warm-up, then cosine annealing: a pure function of the step, so a resume follows the same curve.
    case warmupCosine(WarmupCosineLR)

    /// The plateau scheduler a run starts with (a fresh default one when the schedule is not a plateau, so
    /// that a checkpoint's progress always has one).
    public var initialPlateau: ReduceLROnPlateau {
        if case .plateau(let p) = self { return p }
        return ReduceLROnPlateau()
    }

    public static func == (a: RunSchedule, b: RunSchedule) -> Bool {
        switch (a, b) {
        case (.constant, .constant): true
        case (.plateau(let x), .plateau(let y)): x.factor == y.factor && x.patience == y.patience && x.threshold == y.threshold
            && x.cooldown == y.cooldown && x.minLearningRate == y.minLearningRate
        case (.warmupCosine(let x), .warmupCosine(let y)): x == y
        default: false
        }
    }
}

extension RunProgress {
    /// The progress of a run that has not started.
    public init(learningRate: Float, schedule: RunSchedule) { self.init(learningRate: learningRate, plateau: schedule.initialPlateau) }
}
