import Foundation
import Tensor

/// The original project's `InitialStateRegularizedLoss`, with every term switchable for
/// ablations (the original's `--disable_grid_loss` changed nothing; here each switch changes the loss):
///
/// - main: Σ_t w_t KL(a_t ‖ softmax(z_t)) / Σ w + the same for head direction, with w_0 = 2·5 = 10,
///   w_t = 5·0.8^(t−1) for t = 1…4 and 1 afterwards (all 1 when `stepWeighting` is off);
/// - initial: 2 · KL at t = 0 (place cells);
/// - continuity: 0.1 · Σ_{t=1…5} (1 − 0.15(t−1)) · KL(softmax(z_{t−1}) ‖ softmax(z_t)), gradients through both.
///
/// KL is PyTorch's `batchmean`: summed over cells and batch, divided by the batch size. For place targets that
/// are not distributions (``PlaceCells/Tuning/mexicanHat``) the place term is the squared error summed over
/// cells, batch-mean, and the continuity term (defined on distributions) is left out.
public struct PathIntegrationLoss: Codable, Equatable, Sendable {
    public var placeTerm = true
    public var headDirectionTerm = true
    public var stepWeighting = true
    public var initialTerm = true
    public var continuityTerm = true
    public var initialFramesWeight: Float = 5
    public var decay: Float = 0.8
    public var initialStateWeight: Float = 2
    public var continuityWeight: Float = 0.1
    public init() {}

    /// The terms of one evaluation; `total` carries the gradient.
    public struct Value {
        public let total: Tensor
        /// Step-weighted place and head-direction KL (the "place" and "HD" curves of Figure S1-A), and the
        /// regularisers, as plain numbers.
        public let place, headDirection, initial, continuity: Float
    }

    /// Step weights w_t for `steps` steps.
    public func stepWeights(_ steps: Int) -> [Float] {
        (0..<steps).map { t in
            guard stepWeighting else { return 1 }
            if t == 0 { return 2 * initialFramesWeight }
            return t < 5 ? initialFramesWeight * pow(decay, Float(t - 1)) : 1
        }
    }

    /// The loss of `output` against place targets `[B, T, Np]` and head-direction targets `[B, T, Nh]`.
    public func callAsFunction(_ output: GridCellNetwork.Output, placeTargets: Tensor, headDirectionTargets: Tensor,
                               placeTargetsAreDistributions: Bool = true) -> Value {
        let batch = Float(placeTargets.shape[0]), steps = placeTargets.shape[1]
        let w = Tensor(stepWeights(steps))
        let wSum = w.sum()
        // Per step, batchmean: [B, T] → [T].
        let placePerStep = placeTargetsAreDistributions
            ? Loss.klDivergence(logits: output.placeLogits, target: placeTargets).sum(axis: 0) * (1 / batch)
            : (output.placeLogits - placeTargets).square().sum(axis: 2).sum(axis: 0) * (1 / batch)
        let hdPerStep = Loss.klDivergence(logits: output.headDirectionLogits, target: headDirectionTargets).sum(axis: 0) * (1 / batch)
        let place = (placePerStep * w).sum() / wSum, hd = (hdPerStep * w).sum() / wSum
        var total = Tensor(scalar: 0)
        if placeTerm { total = total + place }
        if headDirectionTerm { total = total + hd }
        let initial = placePerStep.slice(axis: 0, start: 0, end: 1).sum() * initialStateWeight
        if initialTerm { total = total + initial }
        var continuityValue: Float = 0
        if continuityTerm && placeTargetsAreDistributions && steps > 1 {
            let horizon = min(5, steps - 1)
            let early = output.placeLogits.slice(axis: 1, start: 0, end: horizon + 1).softmax()
            var continuity = Tensor(scalar: 0)
            for t in 1...horizon {
                let previous = early.slice(axis: 1, start: t - 1, end: t), current = early.slice(axis: 1, start: t, end: t + 1)
                let kl = (previous * ((previous + 1e-10).log() - (current + 1e-10).log())).sum() * (1 / batch)
                continuity = continuity + kl * (1 - 0.15 * Float(t - 1))
            }
            total = total + continuity * continuityWeight
            continuityValue = continuity.item
        }
        return Value(total: total, place: place.item, headDirection: hd.item, initial: initial.item, continuity: continuityValue)
    }
}
