import Tensor

/// Encodes an agent's map channels `[batch, channels, size, size]` into one vector: two strided 3×3
/// convolutions and a mean over the plane, so one network reads every maze size.
public final class MapEncoder: Module {
    public let channels, width: Int
    public let conv1, conv2: Conv2d

    public init(channels: Int, width: Int = 16, rng: inout RandomGenerator) {
        self.channels = channels; self.width = width
        conv1 = Conv2d(channels, width, kernel: 3, stride: 2, padding: 1, rng: &rng)
        conv2 = Conv2d(width, width, kernel: 3, stride: 2, padding: 1, rng: &rng)
    }

    public override func children() -> [(String, Module)] { [("conv1", conv1), ("conv2", conv2)] }

    public func callAsFunction(_ maps: Tensor) -> Tensor { conv2(conv1(maps).relu()).relu().mean(axes: [2, 3]) }
}

/// Scores a variable set of candidates (goals, messages) from each candidate's features and a shared context
/// (the map embedding and scalar inputs such as the budget): `logit_i = MLP([f_i, context])`. Padding
/// candidates are masked by ``MaskedCategorical``; the same weights score any number of candidates.
public final class CandidateScorer: Module {
    public let featureSize, contextSize: Int
    public let layer1, layer2, output: Linear

    public init(featureSize: Int, contextSize: Int, hidden: Int = 64, rng: inout RandomGenerator) {
        self.featureSize = featureSize; self.contextSize = contextSize
        layer1 = Linear(featureSize + contextSize, hidden, rng: &rng)
        layer2 = Linear(hidden, hidden, rng: &rng)
        output = Linear(hidden, 1, rng: &rng)
    }

    public override func children() -> [(String, Module)] { [("layer1", layer1), ("layer2", layer2), ("output", output)] }

    /// Logits `[batch, candidates]` from features `[batch, candidates, featureSize]` and context `[batch, contextSize]`.
    public func callAsFunction(_ features: Tensor, context: Tensor) -> Tensor {
        precondition(features.rank == 3 && features.shape[2] == featureSize && context.shape == [features.shape[0], contextSize],
                     "CandidateScorer: features \(features.shape), context \(context.shape)")
        let (b, c) = (features.shape[0], features.shape[1])
        let shared = context.unsqueezed(1).expand(to: [b, c, contextSize])
        let x = Tensor.concat([features, shared], axis: 2).reshaped([b * c, featureSize + contextSize])
        return output(layer2(layer1(x).relu()).relu()).reshaped([b, c])
    }
}

/// A value head: an MLP from an input vector to one scalar per row.
public final class ValueHead: Module {
    public let inputSize: Int
    public let layer1, layer2, output: Linear

    public init(inputSize: Int, hidden: Int = 64, rng: inout RandomGenerator) {
        self.inputSize = inputSize
        layer1 = Linear(inputSize, hidden, rng: &rng); layer2 = Linear(hidden, hidden, rng: &rng); output = Linear(hidden, 1, rng: &rng)
    }

    public override func children() -> [(String, Module)] { [("layer1", layer1), ("layer2", layer2), ("output", output)] }

    /// Values `[batch]` from inputs `[batch, inputSize]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { output(layer2(layer1(x).relu()).relu()).reshaped([x.shape[0]]) }
}
