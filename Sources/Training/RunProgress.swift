import Foundation
import Tensor

/// What a resumed training run must restore besides weights and optimiser state: where it was, its
/// learning rate and schedule, its best validation loss and the time spent. Saved in checkpoint metadata.
public struct RunProgress: Codable, Equatable, Sendable {
    public var epoch = 0, step = 0
    public var learningRate: Float
    public var plateau: ReduceLROnPlateau
    public var bestValidationLoss = Float.infinity
    public var seconds = 0.0

    public init(learningRate: Float, plateau: ReduceLROnPlateau) { self.learningRate = learningRate; self.plateau = plateau }

    public static func == (a: RunProgress, b: RunProgress) -> Bool {
        a.epoch == b.epoch && a.step == b.step && a.learningRate == b.learningRate && a.seconds == b.seconds
            && a.bestValidationLoss == b.bestValidationLoss
    }
}

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
