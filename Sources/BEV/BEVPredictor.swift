import Foundation
import Tensor

/// Sizes of the BEV predictor. `original` is the released model (about 10 M parameters);
/// `cpu` keeps the architecture and shrinks widths, depth and output so it trains on two cores.
public struct BEVModelConfig: Codable, Equatable, Sendable, ModelConfiguration {
    /// Output channels of the four stride-2 encoder convolutions (64×64 → 4×4); the last is the model width.
    public var encoderChannels: [Int]
    public var heads: Int
    public var feedforward: Int
    public var encoderLayers: Int
    public var decoderLayers: Int
    /// The decoder's queries form a `queryGrid`² grid (8 → 64 queries).
    public var queryGrid: Int
    /// Channels of the stride-2 transposed convolutions (each doubles the side, from `queryGrid`).
    public var upsampleChannels: [Int]
    /// Side of the RGBA output after the final bilinear resize.
    public var outputSize: Int
    public var dropout: Float
    /// Target colours the predictor classifies per pixel (class 0 background, class k + 1 the palette's target k),
    /// beside the RGBA image; nil: no target-class head (the original, whose colour regression never shows a target).
    public var targetSlots: Int?

    public var width: Int { encoderChannels.last! }

    /// Checks every size against the limits `Docs/Limits.md` lists: four encoder convolutions (64×64 → 4×4), a
    /// width the heads divide, and an output no larger than 1024².
    public func validate() throws {
        try ConfigError.check(encoderChannels.count == 4, "encoderChannels", "must list 4 channel counts (64×64 → 4×4), not \(encoderChannels.count)")
        for (i, c) in encoderChannels.enumerated() { try ConfigError.check(c, in: 1...2048, "encoderChannels[\(i)]") }
        try ConfigError.check(heads, in: 1...64, "heads")
        try ConfigError.check(width % heads == 0, "heads", "must divide the width \(width)")
        try ConfigError.check(feedforward, in: 1...16384, "feedforward")
        try ConfigError.check(encoderLayers, in: 0...24, "encoderLayers")
        try ConfigError.check(decoderLayers, in: 0...24, "decoderLayers")
        try ConfigError.check(queryGrid, in: 1...64, "queryGrid")
        try ConfigError.check(upsampleChannels.count, in: 0...8, "upsampleChannels (count)")
        for (i, c) in upsampleChannels.enumerated() { try ConfigError.check(c, in: 1...1024, "upsampleChannels[\(i)]") }
        try ConfigError.check(queryGrid << upsampleChannels.count <= 1024, "upsampleChannels", "must not grow the \(queryGrid)² query grid past 1024²")
        try ConfigError.check(outputSize, in: 1...1024, "outputSize")
        try ConfigError.check(dropout, in: 0...0.999, "dropout")
        if let targetSlots { try ConfigError.check(targetSlots, in: 1...64, "targetSlots") }
    }

    public static let original = BEVModelConfig(encoderChannels: [32, 64, 128, 256], heads: 8, feedforward: 2048, encoderLayers: 3,
                                                decoderLayers: 3, queryGrid: 8, upsampleChannels: [128, 64, 32, 16, 8], outputSize: 250, dropout: 0.1)
    public static let cpu = BEVModelConfig(encoderChannels: [16, 32, 64, 128], heads: 4, feedforward: 512, encoderLayers: 2,
                                           decoderLayers: 2, queryGrid: 8, upsampleChannels: [64, 32, 16], outputSize: 64, dropout: 0.1)
}

/// Standard sinusoidal position encodings `[length, dim]` (base 10000).
public func sinusoidalPositions(_ length: Int, _ dim: Int) -> Tensor {
    var v = [Float](repeating: 0, count: length * dim)
    for p in 0..<length {
        for i in stride(from: 0, to: dim, by: 2) {
            let angle = Double(p) / pow(10_000, Double(i) / Double(dim))
            v[p * dim + i] = Float(sin(angle))
            if i + 1 < dim { v[p * dim + i + 1] = Float(cos(angle)) }
        }
    }
    return Tensor(v, shape: [length, dim])
}

/// The BEV predictor: a CNN encoder to a 4×4 feature map, a transformer encoder over
/// each feature row, a transformer decoder whose fixed positional queries form an 8×8 grid, a per-pixel
/// projection, transposed-convolution upsampling and a sigmoid RGBA output resized to `outputSize`; with
/// `targetSlots`, a second head beside the RGBA one gives per-pixel target-class logits.
public final class BEVPredictor: Module {
    public let config: BEVModelConfig
    let encoder: [(Conv2d, BatchNorm2d)]
    let transformerEncoder: [TransformerEncoderLayer]
    let transformerDecoder: [TransformerDecoderLayer]
    let projection: Linear
    let upsampler: [(ConvTranspose2d, BatchNorm2d)]
    let head: Conv2d
    /// Per-pixel logits of background and each target slot (nil without `targetSlots`).
    let targetHead: Conv2d?
    /// Position encodings of the 4 tokens of a feature row and of the decoder's queries (constants, made once).
    let rowPositions, queryPositions: Tensor

    public init(config: BEVModelConfig = .cpu, rng: inout RandomGenerator) {
        self.config = config
        var c = 3
        encoder = config.encoderChannels.map { out in
            defer { c = out }
            return (Conv2d(c, out, kernel: 3, stride: 2, padding: 1, rng: &rng), BatchNorm2d(out))
        }
        let d = config.width
        transformerEncoder = (0..<config.encoderLayers).map { _ in
            TransformerEncoderLayer(dModel: d, numHeads: config.heads, dimFeedforward: config.feedforward, dropout: config.dropout, rng: &rng)
        }
        transformerDecoder = (0..<config.decoderLayers).map { _ in
            TransformerDecoderLayer(dModel: d, numHeads: config.heads, dimFeedforward: config.feedforward, dropout: config.dropout, rng: &rng)
        }
        projection = Linear(4 * d, d, rng: &rng)   // the 4 feature rows' decodings, per output pixel
        c = d
        upsampler = config.upsampleChannels.map { out in
            defer { c = out }
            return (ConvTranspose2d(c, out, kernel: 4, stride: 2, padding: 1, rng: &rng), BatchNorm2d(out))
        }
        head = Conv2d(c, 4, kernel: 3, padding: 1, rng: &rng)
        targetHead = config.targetSlots.map { Conv2d(c, $0 + 1, kernel: 3, padding: 1, rng: &rng) }
        rowPositions = sinusoidalPositions(4, d).reshaped([1, 4, d])
        queryPositions = sinusoidalPositions(config.queryGrid * config.queryGrid, d).reshaped([1, config.queryGrid * config.queryGrid, d])
    }

    public override func children() -> [(String, Module)] {
        var out: [(String, Module)] = []
        for (i, (conv, bn)) in encoder.enumerated() { out += [("encoder.\(3 * i)", conv), ("encoder.\(3 * i + 1)", bn)] }
        for (i, l) in transformerEncoder.enumerated() { out.append(("transformer_encoder.layers.\(i)", l)) }
        for (i, l) in transformerDecoder.enumerated() { out.append(("transformer_decoder.layers.\(i)", l)) }
        out.append(("projection", projection))
        for (i, (conv, bn)) in upsampler.enumerated() { out += [("upsampler.\(3 * i)", conv), ("upsampler.\(3 * i + 1)", bn)] }
        out.append(("head", head))
        if let targetHead { out.append(("target_head", targetHead)) }
        return out
    }

    /// RGBA predictions `[B, 4, outputSize, outputSize]` in [0, 1] from normalised views `[B, 3, 64, 64]`; with
    /// `targetSlots` K, followed by K + 1 channels of target-class logits (background first): `[B, 5 + K, …]`.
    public func callAsFunction(_ views: Tensor) -> Tensor {
        var x = views
        for (conv, bn) in encoder { x = bn(conv(x)).relu() }
        let b = x.shape[0], d = x.shape[1], h = x.shape[2], w = x.shape[3]
        // Each feature row is a sequence of w tokens: [B·H, W, D].
        precondition(h == 4 && w == 4, "BEVPredictor: the encoder must end at 4×4 features (64×64 input), not \(h)×\(w)")
        var memory = x.permuted([0, 2, 3, 1]).reshaped([b * h, w, d]) + rowPositions
        for layer in transformerEncoder { memory = layer(memory) }
        let q = config.queryGrid * config.queryGrid
        // Every sequence starts from the same queries. At inference the first decoder layer's self-attention on
        // them is computed once and broadcast (batch 1 against the memory's B·H); training keeps a copy per
        // sequence so that each draws its own dropout.
        var target = isTraining ? Tensor.zeros([b * h, q, d]) + queryPositions : queryPositions
        for layer in transformerDecoder { target = layer(target, memory: memory) }
        // [B·H, Q, D] → [B, Q, H·D] → per-pixel projection → [B, D, g, g].
        let rows = target.reshaped([b, h, q, d]).permuted([0, 2, 1, 3]).reshaped([b, q, h * d])
        var y = projection(rows).permuted([0, 2, 1]).reshaped([b, d, config.queryGrid, config.queryGrid])
        for (conv, bn) in upsampler { y = bn(conv(y)).relu() }
        var out = head(y).sigmoid()
        if let targetHead { out = Tensor.concat([out, targetHead(y)], axis: 1) }
        return out.shape[2] == config.outputSize ? out : out.upsampleBilinear(size: (config.outputSize, config.outputSize))
    }
}

/// The BEV loss: BCE of alpha + 0.5 · MSE of RGB where the target is opaque (averaged over
/// all pixels) + 0.1 · total variation of the predicted alpha.
public struct BEVLoss: Codable, Equatable, Sendable {
    public var alphaWeight: Float = 1, colorWeight: Float = 0.5, smoothnessWeight: Float = 0.1
    /// Weight of a soft Jaccard term over the batch, (Σα̂ + Σα − 2Σα̂α) / (Σα̂ + Σα − Σα̂α + 1): not in the
    /// original; it aims the alpha at the pooled IoU the evaluation reports. nil or 0: the original loss.
    public var iouWeight: Float?
    /// Weight of a target pixel's colour error against a floor pixel's (nil or 1: the original loss). A target
    /// disc covers about 3 of a scene's ~1000 opaque pixels, so unweighted the model paints every disc floor grey
    /// and the BEV never shows a target; target pixels are those whose true colour is clearly not grey.
    public var targetWeight: Float?
    /// Weight of the per-pixel target-class cross-entropy, for a predictor with a target-class head (nil: 1).
    public var classWeight: Float?
    /// Weight of a target pixel's class error against a background pixel's in that cross-entropy (nil: 20): a
    /// target covers about a dozen of a scene's 4096 pixels, and scenes without one are most of a batch.
    public var targetClassWeight: Float?
    public init() {}

    /// The loss of a batch: predictions `[B, 4, S, S]` (or `[B, 5 + K, S, S]` with target-class logits) against
    /// targets `[B, 5, S, S]` (RGBA, then the target-class map ``EgocentricBEV/trainingTarget(_:pose:targets:)``
    /// makes). In a data-parallel run, `across` sums the soft Jaccard term's three sums over the
    /// members, so that it is the global batch's pooled term (the other terms are means, which averaging the
    /// members' gradients already makes global).
    public func callAsFunction(_ prediction: Tensor, _ target: Tensor, across: MemberSum? = nil) -> Tensor {
        let n = prediction.shape[2]
        let alpha = prediction.slice(axis: 1, start: 3, end: 4), targetAlpha = target.slice(axis: 1, start: 3, end: 4)
        let mask = noGrad { colorMask(target) }
        let bce = Loss.binaryCrossEntropy(alpha, targetAlpha)
        let rgb = Loss.mse(prediction.slice(axis: 1, start: 0, end: 3) * mask, target.slice(axis: 1, start: 0, end: 3) * mask)
        let dx = (alpha.slice(axis: 3, start: 1, end: n) - alpha.slice(axis: 3, start: 0, end: n - 1)).abs().mean()
        let dy = (alpha.slice(axis: 2, start: 1, end: n) - alpha.slice(axis: 2, start: 0, end: n - 1)).abs().mean()
        var loss = bce * alphaWeight + rgb * colorWeight + (dx + dy) * (smoothnessWeight / 2)
        if prediction.shape[1] > 4 { loss = loss + classLoss(prediction, target) * (classWeight ?? 1) }
        guard let iouWeight, iouWeight != 0 else { return loss }
        var sums = Tensor.stack([alpha.sum(), targetAlpha.sum(), (alpha * targetAlpha).sum()])
        if let across { sums = sums.summedOverMembers(across) }
        func sum(_ k: Int) -> Tensor { sums.slice(axis: 0, start: k, end: k + 1).sum() }
        let intersection = sum(2), union = sum(0) + sum(1) - intersection
        return loss + (union - intersection) / (union + 1) * iouWeight
    }

    /// The weighted per-pixel cross-entropy of the target-class logits (channels 4…) against the class map
    /// (target channel 4), as PyTorch's `cross_entropy(weight:)` averages: Σ wᵢ·CEᵢ / Σ wᵢ.
    func classLoss(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        let b = prediction.shape[0], c = prediction.shape[1], s = prediction.shape[2], plane = s * prediction.shape[3]
        precondition(target.shape[1] == 5, "BEVLoss: a target-class head needs targets [B, 5, S, S] (RGBA and class map), got \(target.shape)")
        let classes = target.slice(axis: 1, start: 4, end: 5).scalars.map { Int($0.rounded()) }
        precondition(classes.allSatisfy { $0 >= 0 && $0 < c - 4 }, "BEVLoss: a target class beyond the head's \(c - 5) slots")
        let weights = classes.map { $0 == 0 ? Float(1) : targetClassWeight ?? 20 }
        let logits = prediction.slice(axis: 1, start: 4, end: c).permuted([0, 2, 3, 1]).reshaped([b * plane, c - 4])
        let ce = Loss.crossEntropy(logits, classes: classes, reduction: .none)
        return (ce * Tensor(weights, shape: [b * plane])).sum() * (1 / weights.reduce(0, +))
    }

    /// Per-pixel `[B, 1, S, S]` multiplier of the colour error: 0 where the target is transparent, 1 on floor and
    /// √`targetWeight` on target pixels (the MSE squares it). Target pixels are told apart from floor as
    /// `targetEvidence` does: a colour spread (max − min channel) above 0.2.
    func colorMask(_ target: Tensor) -> Tensor {
        let b = target.shape[0], channels = target.shape[1], plane = target.shape[2] * target.shape[3], v = target.scalars
        let boost = (targetWeight ?? 1).squareRoot()
        var out = [Float](repeating: 0, count: b * plane)
        for i in 0..<b { for k in 0..<plane {
            let base = i * channels * plane + k
            guard v[base + 3 * plane] > 0.5 else { continue }
            let r = v[base], g = v[base + plane], bl = v[base + 2 * plane]
            out[i * plane + k] = boost != 1 && max(r, g, bl) - min(r, g, bl) > 0.2 ? boost : 1
        } }
        return Tensor(out, shape: [b, 1, target.shape[2], target.shape[3]])
    }
}
