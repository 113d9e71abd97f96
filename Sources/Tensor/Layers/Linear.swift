/// A fully connected layer `y = x·Wᵀ + b` (PyTorch's `nn.Linear`: weight `[out, in]`, U(±1/√in) init).
///
/// ```swift
/// let fc = Linear(128, 256, bias: false, rng: &rng)
/// let y = fc(x)          // x: [..., 128] → y: [..., 256]
/// ```
public final class Linear: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RandomGenerator) {
        let k = 1 / Float(inFeatures).squareRoot()
        weight = uniformParameter([outFeatures, inFeatures], bound: k, rng: &rng)
        self.bias = bias ? uniformParameter([outFeatures], bound: k, rng: &rng) : nil
    }

    public override func ownParameters() -> [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { Tensor.linear(x, weight: weight, bias: bias) }
}

/// A lookup table of `count` vectors of `dimension` (PyTorch's `nn.Embedding`, N(0, 1) init).
public final class Embedding: Module {
    public let weight: Tensor

    public init(_ count: Int, _ dimension: Int, rng: inout RandomGenerator) {
        weight = Tensor.randn([count, dimension], rng: &rng, requiresGrad: true)
    }

    public override func ownParameters() -> [(String, Tensor)] { [("weight", weight)] }

    /// Rows of the table for `indices`, shaped `indexShape + [dimension]`.
    public func callAsFunction(_ indices: [Int], shape indexShape: [Int]? = nil) -> Tensor {
        let rows = weight.indexSelect(axis: 0, indices: indices)
        return rows.reshaped((indexShape ?? [indices.count]) + [weight.shape[1]])
    }
}

/// Inverted dropout with its own seeded generator; identity in evaluation mode.
public final class Dropout: Module, UnaryLayer {
    public let p: Float
    /// The generator that draws the masks (part of the state a resumed run must restore).
    public var rng: RandomGenerator

    public init(_ p: Float, seed: UInt64 = 0) {
        precondition(p >= 0 && p < 1, "Dropout: p must be in [0, 1), got \(p)")
        self.p = p
        rng = RandomGenerator(seed: seed)
    }

    /// In a data-parallel run, this member's index and the number of members. Each member's input holds its
    /// equal, contiguous share of the global batch's rows (its batch rows, or the sequences they make, in batch
    /// order): the mask is drawn for all members' rows and this member's are kept, so every member's generator
    /// advances alike and the members together drop exactly what one process would.
    public var shard: (member: Int, members: Int)?

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard let shard, isTraining, p > 0, let rows = x.shape.first else { return x.dropout(p, training: isTraining, rng: &rng) }
        let mask = Tensor.ones([rows * shard.members] + x.shape.dropFirst()).dropout(p, training: true, rng: &rng)
        return x * mask.slice(axis: 0, start: shard.member * rows, end: (shard.member + 1) * rows)
    }
}
