import Foundation
import MazeEnv
import Tensor

/// A learned code of exactly `bits` bits for occupancy patches, trained as a variational information
/// bottleneck: an encoder gives each bit a probability q_i (a Bernoulli posterior), bits are sampled with a
/// straight-through gradient in training and thresholded at ½ in use, and a decoder predicts every cell's
/// state from the bits. Objective: cross-entropy of the cells + β · rate, with rate = Σ_i KL(q_i ‖ ½) / ln 2
/// in bits (the prior is a fair coin), so the code never carries more than `bits` bits and β trades rate
/// for distortion.
public final class LearnedPatchCode: Module {
    public let side: Int, bits: Int, hidden: Int
    public let encoder1, encoder2, decoder1, decoder2: Linear
    var cells: Int { side * side }

    public init(side: Int = 11, bits: Int, hidden: Int = 256, rng: inout RandomGenerator) {
        precondition(bits > 0, "LearnedPatchCode: bits must be positive")
        self.side = side; self.bits = bits; self.hidden = hidden
        encoder1 = Linear(3 * side * side, hidden, rng: &rng); encoder2 = Linear(hidden, bits, rng: &rng)
        decoder1 = Linear(bits, hidden, rng: &rng); decoder2 = Linear(hidden, 3 * side * side, rng: &rng)
    }

    public override func children() -> [(String, Module)] {
        [("encoder1", encoder1), ("encoder2", encoder2), ("decoder1", decoder1), ("decoder2", decoder2)]
    }

    /// Saves the code with its shape in the metadata, so ``load(_:)`` rebuilds it.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try Checkpoint.save(self, to: url, metadata: metadata.merging(["bits": "\(bits)", "side": "\(side)", "hidden": "\(hidden)",
                                                                       "format": "ssm-patch-code-1"]) { a, _ in a })
    }

    /// Rebuilds a code saved by ``save(to:metadata:)``.
    public static func load(_ url: URL) throws -> LearnedPatchCode {
        let (_, meta) = try SafeTensors.load(url)
        guard let bits = meta["bits"].flatMap(Int.init), let side = meta["side"].flatMap(Int.init),
              let hidden = meta["hidden"].flatMap(Int.init) else {
            throw FileFormatError(file: url.path, "metadata lacks bits, side or hidden (not a patch code)")
        }
        do {
            try ConfigError.check(bits, in: 1...4096, "bits")
            try ConfigError.check(side, in: 1...64, "side")
            try ConfigError.check(hidden, in: 1...8192, "hidden")
        } catch { throw FileFormatError(file: url.path, "metadata \(error)") }
        var rng = RandomGenerator(seed: 0)
        let code = LearnedPatchCode(side: side, bits: bits, hidden: hidden, rng: &rng)
        try Checkpoint.load(into: code, from: url)
        return code
    }

    /// One-hot cells `[N, 3·cells]` of patches.
    public static func oneHot(_ patches: [OccupancyPatch]) -> Tensor {
        let c = patches.first?.cells.count ?? 0
        var v = [Float](repeating: 0, count: patches.count * 3 * c)
        for (i, p) in patches.enumerated() { for (j, s) in p.cells.enumerated() { v[(i * c + j) * 3 + s.rawValue] = 1 } }
        return Tensor(v, shape: [patches.count, 3 * c])
    }

    /// Bit probabilities `[N, bits]`.
    public func posterior(_ x: Tensor) -> Tensor { encoder2(encoder1(x).relu()).sigmoid() }

    /// Cell logits `[N·cells, 3]` from bits `[N, bits]` (0/1 values, or relaxed ones in training).
    public func decode(_ code: Tensor) -> Tensor { decoder2(decoder1(code).relu()).reshaped([code.shape[0] * cells, 3]) }

    /// Rate in bits per patch: Σ_i KL(Bernoulli(q_i) ‖ Bernoulli(½)) / ln 2, averaged over the batch.
    public static func rate(_ q: Tensor) -> Tensor {
        let eps: Float = 1e-6
        let kl = q * ((q + eps).log() + Float(log(2.0))) + (1 - q) * ((1 - q + eps).log() + Float(log(2.0)))
        return kl.sum(axis: 1).mean() * Float(1 / log(2.0))
    }

    /// One training evaluation: (loss, distortion in nats per cell, rate in bits per patch).
    public func objective(_ patches: [OccupancyPatch], beta: Float, rng: inout RandomGenerator) -> (loss: Tensor, distortion: Float, rate: Float) {
        let x = Self.oneHot(patches)
        let q = posterior(x)
        // Straight-through Bernoulli sample: the forward value is a hard bit, the gradient flows through q.
        let u = Tensor((0..<q.count).map { _ in rng.nextUniform() }, shape: q.shape)
        let hard = Tensor(zip(q.scalars, u.scalars).map { $1 < $0 ? 1 : 0 }, shape: q.shape)
        let sample = q + (hard - q).detached()
        let classes = patches.flatMap { $0.cells.map(\.rawValue) }
        let distortion = Loss.crossEntropy(decode(sample), classes: classes)
        let rate = Self.rate(q)
        return (distortion + rate * (beta / Float(cells)), distortion.item, rate.item)
    }

    /// The hard code of each patch (exactly `bits` bits).
    public func encode(_ patches: [OccupancyPatch]) -> [BitString] {
        let q = noGrad { posterior(Self.oneHot(patches)) }.scalars
        return (0..<patches.count).map { i in BitString((0..<bits).map { q[i * bits + $0] > 0.5 }) }
    }

    /// Patches reconstructed from codes (each must be exactly `bits` bits long).
    public func decode(_ codes: [BitString]) throws -> [OccupancyPatch] {
        for c in codes where c.count != bits { throw MessageError.wrongLength(expected: bits, got: c.count) }
        let x = Tensor(codes.flatMap { $0.bits.map { $0 ? Float(1) : 0 } }, shape: [codes.count, bits])
        let logits = noGrad { decode(x) }
        let best = logits.argmax(axis: 1)
        return (0..<codes.count).map { i in OccupancyPatch(side: side, cells: (0..<cells).map { CellState(rawValue: best[i * cells + $0])! }) }
    }

    /// Trains on `patches` for `steps` Adam steps of `batch` patches.
    @discardableResult
    public func train(on patches: [OccupancyPatch], steps: Int, batch: Int = 128, beta: Float = 0.05, learningRate: Float = 1e-3,
                      seed: UInt64 = 0) -> (distortion: Float, rate: Float) {
        var rng = RandomGenerator(seed: seed)
        let optimizer = Adam(parameters: parameters(), learningRate: learningRate)
        var last: (Float, Float) = (0, 0)
        for _ in 0..<steps {
            let chunk = (0..<batch).map { _ in patches[rng.nextInt(patches.count)] }
            optimizer.zeroGrad()
            let (loss, d, r) = objective(chunk, beta: beta, rng: &rng)
            loss.backward()
            optimizer.step()
            last = (d, r)
        }
        return last
    }
}

/// Reconstruction quality of patches: cell accuracy and free-cell IoU, over all cells or only over the cells
/// a receiver did not know (its own patch says unknown) and the sender did.
public struct PatchQuality: Sendable {
    public var cellAccuracy: Double
    /// Intersection over union of the cells reconstructed free and the cells truly free.
    public var freeIoU: Double
    /// Cells counted.
    public var cells: Int

    public init(truth: [OccupancyPatch], reconstruction: [OccupancyPatch], receiver: [OccupancyPatch]? = nil) {
        var correct = 0, total = 0, inter = 0, union = 0
        for (i, (t, r)) in zip(truth, reconstruction).enumerated() {
            for (j, (a, b)) in zip(t.cells, r.cells).enumerated() {
                if let receiver, receiver[i].cells[j] != .unknown || a == .unknown { continue }
                total += 1; if a == b { correct += 1 }
                if a == .free && b == .free { inter += 1 }
                if a == .free || b == .free { union += 1 }
            }
        }
        cellAccuracy = Double(correct) / Double(max(total, 1))
        freeIoU = union == 0 ? 1 : Double(inter) / Double(union)
        cells = total
    }
}
