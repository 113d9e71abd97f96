import Foundation
import Tensor

/// The intrinsic curiosity module (Pathak et al. 2017): an encoder φ of the agent's own observation, an
/// inverse model that predicts the move from φ(s_t) and φ(s_{t+1}) (which keeps φ about what the agent's moves
/// change), and a forward model that predicts φ(s_{t+1}) from φ(s_t) and the move. The intrinsic reward is
/// `η · ½‖φ̂(s_{t+1}) − φ(s_{t+1})‖²` (at most 2η, φ having unit length): high where the agent's own experience
/// still surprises it.
///
/// It sees the agent's own perception only, never received messages: a noisy partner would otherwise be a
/// noisy TV, rewarding the agent for listening to noise.
public final class Curiosity: Module {
    public let inputSize, featureSize, actions: Int
    public let encoder1, encoder2, inverse1, inverse2, forward1, forward2: Linear

    public init(inputSize: Int, featureSize: Int = 32, hidden: Int = 64, actions: Int, rng: inout RandomGenerator) {
        self.inputSize = inputSize; self.featureSize = featureSize; self.actions = actions
        encoder1 = Linear(inputSize, hidden, rng: &rng); encoder2 = Linear(hidden, featureSize, rng: &rng)
        inverse1 = Linear(2 * featureSize, hidden, rng: &rng); inverse2 = Linear(hidden, actions, rng: &rng)
        forward1 = Linear(featureSize + actions, hidden, rng: &rng); forward2 = Linear(hidden, featureSize, rng: &rng)
    }

    public override func children() -> [(String, Module)] {
        [("encoder1", encoder1), ("encoder2", encoder2), ("inverse1", inverse1), ("inverse2", inverse2),
         ("forward1", forward1), ("forward2", forward2)]
    }

    /// φ of observations `[batch, inputSize]`, scaled to unit length: the inverse loss cannot then inflate the
    /// features, and with them the forward error and the intrinsic reward, as training goes on.
    public func features(_ x: Tensor) -> Tensor {
        let phi = encoder2(encoder1(x).relu())
        return phi / (phi.square().sum(axis: 1, keepDims: true) + 1e-8).sqrt()
    }

    /// The losses of one batch of transitions and the per-sample forward error (½‖φ̂ − φ‖², without gradient).
    ///
    /// The forward model's target φ(s_{t+1}) is held fixed (no gradient into the encoder from the forward
    /// loss), so the encoder cannot shrink its features to make the future trivially predictable; the inverse
    /// loss alone shapes φ.
    public func losses(observations: Tensor, next: Tensor, moves: [Int], beta: Float = 0.2)
        -> (total: Tensor, inverse: Tensor, forward: Tensor, forwardError: [Float]) {
        let n = moves.count
        precondition(observations.shape == [n, inputSize] && next.shape == [n, inputSize], "Curiosity: expects [\(n), \(inputSize)] observations")
        let phi = features(observations), phiNext = features(next)
        let logits = inverse2(inverse1(Tensor.concat([phi, phiNext], axis: 1)).relu())
        let inverse = Loss.crossEntropy(logits, classes: moves)
        let predicted = forward2(forward1(Tensor.concat([phi, Self.oneHot(moves, classes: actions)], axis: 1)).relu())
        let error = (predicted - phiNext.detached()).square().sum(axis: 1) * 0.5
        let forward = error.mean()
        return ((1 - beta) * inverse + beta * forward, inverse, forward, error.scalars)
    }

    /// `η · ½‖φ̂ − φ‖²` per transition, without building a graph.
    public func intrinsicReward(observations: Tensor, next: Tensor, moves: [Int], eta: Float) -> [Float] {
        noGrad { losses(observations: observations, next: next, moves: moves).forwardError.map { eta * $0 } }
    }

    static func oneHot(_ classes: [Int], classes n: Int) -> Tensor {
        var v = [Float](repeating: 0, count: classes.count * n)
        for (i, c) in classes.enumerated() { v[i * n + c] = 1 }
        return Tensor(v, shape: [classes.count, n])
    }
}
