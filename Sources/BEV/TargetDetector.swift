import Foundation
import Tensor

/// Sizes of the target detector. `original` is ResNet-18's conv1…layer3 (about 2.8 M
/// parameters, there ImageNet-pretrained; here trained from scratch, as no pretrained weights are at hand
/// offline); `cpu` keeps the design with narrower stages and one block per stage.
public struct TargetDetectorConfig: Codable, Equatable, Sendable, ModelConfiguration {
    /// Channels of the 7×7 stride-2 stem (followed by a 3×3 stride-2 max-pool: 64×64 → 16×16).
    public var stemChannels: Int
    /// Channels of the residual stages; the first keeps the resolution, each later one halves it (16 → 4).
    public var stageChannels: [Int]
    public var blocksPerStage: Int
    /// The neck: 1×1 to `neckChannels`, then 3×3 to `featureChannels` (F, 4×4).
    public var neckChannels: Int
    public var featureChannels: Int
    /// Hidden width of both heads and channels of the attention logits' first 1×1 convolution.
    public var hidden: Int
    public var attentionChannels: Int
    public var targets: Int
    public var dropout: Float

    /// Checks every size against the limits `Docs/Limits.md` lists: three stages (16×16 → 4×4 features).
    public func validate() throws {
        try ConfigError.check(stemChannels, in: 1...1024, "stemChannels")
        try ConfigError.check(stageChannels.count == 3, "stageChannels", "must list 3 channel counts (16×16 → 4×4), not \(stageChannels.count)")
        for (i, c) in stageChannels.enumerated() { try ConfigError.check(c, in: 1...1024, "stageChannels[\(i)]") }
        try ConfigError.check(blocksPerStage, in: 1...8, "blocksPerStage")
        try ConfigError.check(neckChannels, in: 1...1024, "neckChannels")
        try ConfigError.check(featureChannels, in: 1...1024, "featureChannels")
        try ConfigError.check(hidden, in: 1...4096, "hidden")
        try ConfigError.check(attentionChannels, in: 1...1024, "attentionChannels")
        try ConfigError.check(targets, in: 1...64, "targets")
        try ConfigError.check(dropout, in: 0...0.999, "dropout")
    }

    public static let original = TargetDetectorConfig(stemChannels: 64, stageChannels: [64, 128, 256], blocksPerStage: 2, neckChannels: 128,
                                                      featureChannels: 64, hidden: 64, attentionChannels: 32, targets: 6, dropout: 0.2)
    public static let cpu = TargetDetectorConfig(stemChannels: 16, stageChannels: [16, 32, 64], blocksPerStage: 1, neckChannels: 64,
                                                 featureChannels: 64, hidden: 64, attentionChannels: 32, targets: 6, dropout: 0.2)
}

/// ResNet's basic block: two 3×3 convolutions with batch norm, and a projected shortcut when the shape changes.
public final class BasicBlock: Module, UnaryLayer {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let downsample: (Conv2d, BatchNorm2d)?

    public init(_ inChannels: Int, _ outChannels: Int, stride: Int, rng: inout RandomGenerator) {
        conv1 = Conv2d(inChannels, outChannels, kernel: 3, stride: stride, padding: 1, bias: false, rng: &rng)
        bn1 = BatchNorm2d(outChannels)
        conv2 = Conv2d(outChannels, outChannels, kernel: 3, padding: 1, bias: false, rng: &rng)
        bn2 = BatchNorm2d(outChannels)
        downsample = stride != 1 || inChannels != outChannels
            ? (Conv2d(inChannels, outChannels, kernel: 1, stride: stride, bias: false, rng: &rng), BatchNorm2d(outChannels)) : nil
    }

    public override func children() -> [(String, Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)] + (downsample.map { [("downsample.0", $0.0), ("downsample.1", $0.1)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let y = bn2(conv2(bn1(conv1(x)).relu()))
        let shortcut = downsample.map { $0.1($0.0(x)) } ?? x
        return (y + shortcut).relu()
    }
}

/// The target detector: from one view and the heading, which of the maze's targets are in
/// view and where each is relative to the agent.
///
/// A ResNet-style backbone and a small neck give features F `[B, C, 4, 4]`. Visibility: the mean of F with
/// (cos θ, sin θ) through an MLP to one sigmoid per target. Position: per target, a softmax attention over
/// the 16 cells pools F (mean, as the original), joined with (cos θ, sin θ) through a shared MLP to 2
/// coordinates, multiplied by the visibility.
public final class TargetDetector: Module {
    public let config: TargetDetectorConfig
    let stem: Conv2d, stemNorm: BatchNorm2d
    let stages: [[BasicBlock]]
    let neck1: Conv2d, neckNorm1: BatchNorm2d, neck2: Conv2d, neckNorm2: BatchNorm2d
    let visibility1: Linear, visibilityNorm: LayerNorm, visibilityDropout: Dropout, visibility2: Linear
    let attention1: Conv2d, attentionNorm: BatchNorm2d, attention2: Conv2d
    let position1: Linear, positionNorm: LayerNorm, positionDropout: Dropout, position2: Linear

    public init(config: TargetDetectorConfig = .cpu, rng: inout RandomGenerator) {
        self.config = config
        stem = Conv2d(3, config.stemChannels, kernel: 7, stride: 2, padding: 3, bias: false, rng: &rng)
        stemNorm = BatchNorm2d(config.stemChannels)
        var c = config.stemChannels
        stages = config.stageChannels.enumerated().map { i, out in
            (0..<config.blocksPerStage).map { b in
                defer { c = out }
                return BasicBlock(c, out, stride: i > 0 && b == 0 ? 2 : 1, rng: &rng)
            }
        }
        let f = config.featureChannels, h = config.hidden
        neck1 = Conv2d(c, config.neckChannels, kernel: 1, rng: &rng); neckNorm1 = BatchNorm2d(config.neckChannels)
        neck2 = Conv2d(config.neckChannels, f, kernel: 3, padding: 1, rng: &rng); neckNorm2 = BatchNorm2d(f)
        visibility1 = Linear(f + 2, h, rng: &rng); visibilityNorm = LayerNorm(h)
        visibilityDropout = Dropout(config.dropout, seed: rng.next()); visibility2 = Linear(h, config.targets, rng: &rng)
        attention1 = Conv2d(f, config.attentionChannels, kernel: 1, rng: &rng); attentionNorm = BatchNorm2d(config.attentionChannels)
        attention2 = Conv2d(config.attentionChannels, config.targets, kernel: 1, rng: &rng)
        position1 = Linear(f + 2, h, rng: &rng); positionNorm = LayerNorm(h)
        positionDropout = Dropout(config.dropout, seed: rng.next()); position2 = Linear(h, 2, rng: &rng)
    }

    public override func children() -> [(String, Module)] {
        var out: [(String, Module)] = [("backbone.0", stem), ("backbone.1", stemNorm)]
        for (i, stage) in stages.enumerated() { for (b, block) in stage.enumerated() { out.append(("backbone.\(4 + i).\(b)", block)) } }
        out += [("feature_conv.0", neck1), ("feature_conv.1", neckNorm1), ("feature_conv.3", neck2), ("feature_conv.4", neckNorm2),
                ("visibility_head.0", visibility1), ("visibility_head.1", visibilityNorm), ("visibility_head.3", visibilityDropout),
                ("visibility_head.4", visibility2),
                ("attention.0", attention1), ("attention.1", attentionNorm), ("attention.3", attention2),
                ("position_decoder.0", position1), ("position_decoder.1", positionNorm), ("position_decoder.3", positionDropout),
                ("position_decoder.4", position2)]
        return out
    }

    /// The detector's outputs for a batch.
    public struct Output {
        /// `[B, T]` probabilities that each target is in view.
        public var visibility: Tensor
        /// `[B, T, 2]` egocentric positions (right, ahead) / ``TargetDetection/scale``, times the visibility.
        public var positions: Tensor
        /// `[B, T, H·W]` attention over the feature cells (each row sums to 1).
        public var attention: Tensor
    }

    /// Normalised views `[B, 3, 64, 64]` and headings `[B]` (radians).
    public func callAsFunction(_ views: Tensor, headings: Tensor) -> Output {
        var x = stemNorm(stem(views)).relu().maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        for stage in stages { for block in stage { x = block(x) } }
        let f = neckNorm2(neck2(neckNorm1(neck1(x)).relu())).relu()
        let b = f.shape[0], c = f.shape[1], cells = f.shape[2] * f.shape[3], t = config.targets
        let angle = Tensor.stack([headings.cos(), headings.sin()], axis: 1)                                    // [B, 2]
        let pooled = Tensor.concat([f.mean(axes: [2, 3]), angle], axis: 1)
        let visibility = visibility2(visibilityDropout(visibilityNorm(visibility1(pooled)).relu())).sigmoid()  // [B, T]
        let attention = attention2(attentionNorm(attention1(f)).relu()).reshaped([b, t, cells]).softmax(axis: 2)
        // pooled_i = mean over cells of F · A_i: [B, T, cells] × [B, cells, C] / cells.
        let features = attention.matmul(f.reshaped([b, c, cells]).transposed(1, 2)) / Float(cells)            // [B, T, C]
        let withAngle = Tensor.concat([features, angle.unsqueezed(1).expand(to: [b, t, 2])], axis: 2)
        let raw = position2(positionDropout(positionNorm(position1(withAngle)).relu()))                       // [B, T, 2]
        return Output(visibility: visibility, positions: raw * visibility.unsqueezed(2), attention: attention)
    }
}

/// The detector's loss: `1.0·BCE(visibility) + 2.0·[SmoothL1 + 0.2·(1 − cos)] over visible
/// targets + 0.5·[attention mass on absent targets + 0.1·attention entropy]`.
///
/// As written in the original, the attention-mass term is the same for any attention (each target's
/// attention sums to 1 over the cells, so its mass is just the fraction of absent targets) and gives no
/// gradient; it is kept so loss values compare with the original's, and the entropy term does the work.
public struct TargetDetectionLoss: Codable, Equatable, Sendable {
    public var visibilityWeight: Float = 1, positionWeight: Float = 2, directionWeight: Float = 0.2
    public var attentionWeight: Float = 0.5, entropyWeight: Float = 0.1
    public init() {}

    /// `visible` `[B, T]` in {0, 1}; `positions` `[B, T, 2]` (zero where not visible).
    public func callAsFunction(_ output: TargetDetector.Output, visible: Tensor, positions: Tensor) -> Tensor {
        let b = visible.shape[0], t = visible.shape[1]
        var loss = Loss.binaryCrossEntropy(output.visibility, visible) * visibilityWeight
        let count = visible.scalars.reduce(0, +)
        if count > 0 {
            // Per-element Smooth L1 and cosine, masked to visible targets and averaged over them.
            let mask = visible.unsqueezed(2)
            let l1 = (Loss.smoothL1(output.positions, positions, reduction: .none) * mask).sum() / (2 * count)
            let dot = (output.positions * positions).sum(axis: 2)
            let norms = ((output.positions.square().sum(axis: 2) + 1e-8).sqrt() * (positions.square().sum(axis: 2) + 1e-8).sqrt())
            let direction = ((1 - dot / norms) * visible).sum() / count
            loss = loss + (l1 + direction * directionWeight) * positionWeight
        }
        let absent = (1 - visible).unsqueezed(2)                                                   // [B, T, 1]
        let misplaced = (output.attention * absent).sum() / Float(b * t)
        let entropy = -(output.attention * (output.attention + 1e-8).log()).sum() / Float(b * t)
        return loss + (misplaced + entropy * entropyWeight) * attentionWeight
    }
}
