import Foundation
import MazeEnv
import Tensor

/// Where BEV training batches come from: views `[B, 3, 64, 64]` (normalised) and targets `[B, 5, S, S]` (RGBA and
/// the target-class map, ``EgocentricBEV/trainingTarget(_:pose:targets:)``),
/// batch `index` a pure function of the source's seed.
public protocol BEVBatchSource {
    /// Rows `rows` of batch `index` of `size` samples (a data-parallel member's shard): the same samples the
    /// whole batch has in those rows.
    func batch(_ index: Int, size: Int, rows: Range<Int>) throws -> (views: Tensor, targets: Tensor)
}

extension BEVBatchSource {
    /// Batch `index` of `size` samples.
    public func batch(_ index: Int, size: Int) throws -> (views: Tensor, targets: Tensor) { try batch(index, size: size, rows: 0..<size) }
}

/// Training samples for the BEV predictor made on the fly from MazeEnv: a view normalised as the original
/// (ImageNet mean and std) and its egocentric BEV target. Batch `index` is a pure function of the seed.
public struct BEVSamples: BEVBatchSource, Sendable {
    public let mazeSize: Int, seed: UInt64
    public let target: EgocentricBEV
    public let render: RenderConfig
    /// Each sample draws its own appearance (field of view, colour, lighting, noise) from these ranges; nil: none.
    public let randomization: DomainRandomization?
    public init(mazeSize: Int = 15, seed: UInt64, target: EgocentricBEV = EgocentricBEV(), render: RenderConfig = RenderConfig(),
                randomization: DomainRandomization? = nil) {
        self.mazeSize = mazeSize; self.seed = seed; self.target = target; self.render = render; self.randomization = randomization
    }

    static let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]

    /// A view image as the network's normalised input `[3, H, W]`.
    public static func normalise(_ image: Image) -> Tensor {
        let t = image.tensor(), hw = image.width * image.height
        var v = t.scalars
        for c in 0..<3 { for i in 0..<hw { v[c * hw + i] = (v[c * hw + i] - mean[c]) / std[c] } }
        return Tensor(v, shape: [3, image.height, image.width])
    }

    /// Rows `rows` of `size` samples (views `[B, 3, 64, 64]`, targets `[B, 5, S, S]`) at random free poses of
    /// generated mazes. The poses are drawn for the whole batch in order; only the rows asked for are rendered.
    public func batch(_ index: Int, size: Int, rows: Range<Int>) throws -> (views: Tensor, targets: Tensor) {
        var rng = RandomGenerator(seed: (seed &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(bitPattern: Int64(index)) &* 0x94D0_49BB)
        let renderer = EgocentricRenderer(config: render)
        var views: [Tensor] = [], targets: [Tensor] = []
        for row in 0..<size {
            let world = try MazeWorld(size: mazeSize, seed: rng.next() % 100_000)
            let free = world.layout.freeCells, c = free[rng.nextInt(free.count)]
            world.place(0, x: Float(c.x) + 0.25 + 0.5 * rng.nextUniform(), y: Float(c.y) + 0.25 + 0.5 * rng.nextUniform(),
                        heading: rng.nextUniform() * 2 * .pi - .pi)
            // A pure function of (seed, batch, row), apart from the poses' stream: plain runs see the samples they
            // always saw, and a randomised run the same poses.
            let appearance = randomization?.draw(seed: (seed ^ 0xA9_9EA2) &+ UInt64(bitPattern: Int64(index)) &* 0xBF58_476D_1CE4_E5B9 &+ UInt64(row),
                                                 baseFieldOfView: render.fieldOfViewDegrees)
            guard rows.contains(row) else { continue }
            var view: Image, sampleTarget = target
            if let appearance {
                var r = render
                r.fieldOfViewDegrees = appearance.fieldOfViewDegrees; sampleTarget.fieldOfViewDegrees = appearance.fieldOfViewDegrees
                view = EgocentricRenderer(config: r).render(world, agent: 0)
                appearance.apply(to: &view, frame: 0)
            } else {
                view = renderer.render(world, agent: 0)
            }
            views.append(Self.normalise(view).unsqueezed(0))
            targets.append(sampleTarget.trainingTarget(world.layout, pose: world.agents[0], targets: world.targets).unsqueezed(0))
        }
        return (Tensor.concat(views, axis: 0), Tensor.concat(targets, axis: 0))
    }
}

/// Training samples drawn from recorded scenes (a dataset's frames, such as real Memory-Maze recordings),
/// with targets rendered in `target`'s geometry from each scene's layout and pose. Views and targets are
/// prepared once; batch `index` draws scenes with replacement as a pure function of the seed.
public struct BEVSceneSamples: BEVBatchSource {
    public let count: Int
    let views: [Tensor], targets: [Tensor]
    let seed: UInt64

    public init(_ scenes: [BEVScene], target: EgocentricBEV, seed: UInt64) {
        precondition(!scenes.isEmpty, "BEVSceneSamples: no scenes")
        views = scenes.map { BEVSamples.normalise($0.view).unsqueezed(0) }
        targets = scenes.map { $0.trainingTarget(target).unsqueezed(0) }
        count = scenes.count; self.seed = seed
    }

    public func batch(_ index: Int, size: Int, rows: Range<Int>) throws -> (views: Tensor, targets: Tensor) {
        var rng = RandomGenerator(seed: (seed &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(bitPattern: Int64(index)) &* 0x94D0_49BB)
        let picks = (0..<size).map { _ in rng.nextInt(count) }[rows]
        return (Tensor.concat(picks.map { views[$0] }, axis: 0), Tensor.concat(picks.map { targets[$0] }, axis: 0))
    }
}

/// Batches whose first `round(size · fraction)` rows come from recorded scenes and the rest are generated: real
/// recordings mixed into training on generated scenes. Batch `index` is a pure function of both sources' seeds.
public struct MixedBEVSamples: BEVBatchSource {
    public let recorded: any BEVBatchSource, generated: any BEVBatchSource
    /// The share of each batch's rows drawn from `recorded`, in (0, 1).
    public let fraction: Double

    public init(recorded: any BEVBatchSource, generated: any BEVBatchSource, fraction: Double) {
        precondition(fraction > 0 && fraction < 1, "MixedBEVSamples: fraction must be in (0, 1), got \(fraction)")
        self.recorded = recorded; self.generated = generated; self.fraction = fraction
    }

    /// The number of recorded rows in a batch of `size`.
    public func recordedRows(_ size: Int) -> Int { Int((Double(size) * fraction).rounded()) }

    public func batch(_ index: Int, size: Int, rows: Range<Int>) throws -> (views: Tensor, targets: Tensor) {
        let k = recordedRows(size)
        var views: [Tensor] = [], targets: [Tensor] = []
        let fromRecorded = rows.clamped(to: 0..<k), fromGenerated = rows.clamped(to: k..<size)
        if !fromRecorded.isEmpty {
            let b = try recorded.batch(index, size: k, rows: fromRecorded)
            views.append(b.views); targets.append(b.targets)
        }
        if !fromGenerated.isEmpty {
            let b = try generated.batch(index, size: size - k, rows: (fromGenerated.lowerBound - k)..<(fromGenerated.upperBound - k))
            views.append(b.views); targets.append(b.targets)
        }
        return (Tensor.concat(views, axis: 0), Tensor.concat(targets, axis: 0))
    }
}

/// Checks the look and randomisation of generated training scenes (the BEV and detector trainers share them).
func validateGeneratedScenes(render: RenderConfig?, randomization: DomainRandomization?, data: String?, dataFraction: Double? = nil) throws {
    if let render {
        try ConfigError.check(render.fieldOfViewDegrees > 0 && render.fieldOfViewDegrees < 180, "render.fieldOfViewDegrees", "must be in (0, 180)")
        try ConfigError.check(render.width == 64 && render.height == 64, "render.width", "generated views are 64×64, as the model reads them")
    }
    try randomization.map { try $0.validate(baseFieldOfView: render?.fieldOfViewDegrees ?? RenderConfig().fieldOfViewDegrees) }
    try ConfigError.check(randomization == nil || data == nil || (dataFraction ?? 1) < 1, "randomization",
                          "applies to generated scenes, not to --data (unless --data-fraction mixes some in)")
    if let dataFraction {
        try ConfigError.check(data != nil, "dataFraction", "needs a dataset (--data) to draw that share of each batch from")
        try ConfigError.check(dataFraction > 0 && dataFraction < 1, "dataFraction", "must be in (0, 1): the share of each batch from --data")
    }
}
