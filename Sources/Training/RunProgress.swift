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
