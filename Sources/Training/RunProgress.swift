import Foundation
import Tensor

/// What a resumed training run must restore besides weights and optimiser state: where it was, its
/// learning rate and schedule, its best validation loss, how many `metrics.jsonl` lines belong to it, and the
/// time spent. Saved in checkpoint metadata, except the time: it comes back from the last kept metrics line,
/// so that the same run gives byte-identical checkpoints however often it was stopped and resumed.
public struct RunProgress: Codable, Equatable, Sendable {
    public var epoch = 0, step = 0
    public var learningRate: Float
    public var plateau: ReduceLROnPlateau
    public var bestValidationLoss = Float.infinity
    /// Lines of `metrics.jsonl` written when this progress was saved (nil in checkpoints that predate it).
    public var metricsLines: Int?
    /// Training time of the whole run so far, across resumes (not saved in the checkpoint).
    public var seconds = 0.0

    public init(learningRate: Float, plateau: ReduceLROnPlateau) { self.learningRate = learningRate; self.plateau = plateau }

    enum CodingKeys: String, CodingKey { case epoch, step, learningRate, plateau, bestValidationLoss, metricsLines }

    public static func == (a: RunProgress, b: RunProgress) -> Bool {
        a.epoch == b.epoch && a.step == b.step && a.learningRate == b.learningRate && a.seconds == b.seconds
            && a.bestValidationLoss == b.bestValidationLoss && a.metricsLines == b.metricsLines
    }
}
