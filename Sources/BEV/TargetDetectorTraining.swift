import Foundation
import MazeEnv
import Tensor
import Training

/// The detector's targets for one scene: which targets are in view and where, egocentric.
public enum TargetDetection {
    /// Relative positions are divided by this (half a 15-cell maze, as the original) to lie in about [−2, 2].
    public static let scale: Float = 7.5

    /// For each of `targets`: in view (its cell visible from `pose`), and its position relative to the agent
    /// as (right, ahead) / ``scale``; (0, 0) when not in view. The original negated "right" here and did not
    /// undo it on the way back; these coordinates need no flip either way.
    public static func labels(_ layout: MazeLayout, pose: AgentState, targets: [Target], fieldOfViewDegrees: Float = 90,
                              range: Float = 10, slots: Int? = nil) -> (visible: [Float], positions: [Float]) {
        let seen = Set(GroundTruth.visibleTargets(targets, size: layout.size,
                                                  visible: GroundTruth.visibleCells(layout, pose: pose, fieldOfViewDegrees: fieldOfViewDegrees, range: range)))
        // A detector has a slot per colour (target k has the palette's colour k); a maze with fewer targets leaves
        // the last slots empty: never visible.
        let n = max(slots ?? targets.count, targets.count)
        var visible = [Float](repeating: 0, count: n), positions = [Float](repeating: 0, count: 2 * n)
        for (k, t) in targets.enumerated() where seen.contains(k) {
            let relative = egocentric(x: t.x, y: t.y, pose: pose)
            visible[k] = 1; positions[2 * k] = relative.right / scale; positions[2 * k + 1] = relative.ahead / scale
        }
        return (visible, positions)
    }

    /// A world point in the agent's frame: (right, ahead) in maze units.
    public static func egocentric(x: Float, y: Float, pose: AgentState) -> (right: Float, ahead: Float) {
        let dx = x - pose.x, dy = y - pose.y, fx = cos(pose.heading), fy = sin(pose.heading)
        return (dx * fy - dy * fx, dx * fx + dy * fy)
    }

    /// The world point of an egocentric (right, ahead) position: the inverse of ``egocentric(x:y:pose:)``.
    public static func world(right: Float, ahead: Float, pose: AgentState) -> (x: Float, y: Float) {
        let fx = cos(pose.heading), fy = sin(pose.heading)
        return (pose.x + ahead * fx + right * fy, pose.y + ahead * fy - right * fx)
    }
}

/// One detector training batch: views `[B, 3, 64, 64]` (normalised), headings `[B]`, visibility `[B, T]`,
/// positions `[B, T, 2]`.
public typealias TargetDetectionBatch = (views: Tensor, headings: Tensor, visible: Tensor, positions: Tensor)

/// Where detector training batches come from; batch `index` is a pure function of the source's seed.
public protocol TargetDetectionBatchSource {
    func batch(_ index: Int, size: Int) throws -> TargetDetectionBatch
}

/// Training batches for the detector made on the fly from MazeEnv. Half the poses are random; half stand
/// 1–5 cells from a random target, facing it within ±60°, so that targets are in view often enough.
public struct TargetDetectionSamples: TargetDetectionBatchSource, Sendable {
    public let mazeSize: Int, seed: UInt64
    /// When set, each sample's maze size is drawn from these (the presets a detector should handle; a 9×9 maze has
    /// 3 targets in rooms up to 5 cells wide) instead of `mazeSize`.
    public let mazeSizes: [Int]?
    /// Maze seeds are drawn from `mazeSeeds` (training below 100,000; ``BEVScene/heldOut(count:mazeSize:seed:render:)`` from 1,000,000).
    public let mazeSeeds: Range<UInt64>
    public let render: RenderConfig
    /// Each sample draws its own appearance (field of view, colour, lighting, noise) from these ranges; nil: none.
    public let randomization: DomainRandomization?
    /// Target slots the labels have (nil: the maze's target count); a maze with fewer leaves the last ones empty.
    public let slots: Int?
    public init(mazeSize: Int = 15, seed: UInt64, mazeSeeds: Range<UInt64> = 0..<100_000, render: RenderConfig = RenderConfig(),
                randomization: DomainRandomization? = nil, slots: Int? = nil, mazeSizes: [Int]? = nil) {
        precondition(mazeSizes.map { !$0.isEmpty } ?? true, "TargetDetectionSamples: mazeSizes must not be empty")
        self.mazeSize = mazeSize; self.seed = seed; self.mazeSeeds = mazeSeeds; self.render = render; self.randomization = randomization
        self.slots = slots; self.mazeSizes = mazeSizes
    }

    public func batch(_ index: Int, size: Int) throws -> TargetDetectionBatch {
        var rng = RandomGenerator(seed: (seed &* 0xD1B5_4A32_D192_ED03) ^ UInt64(bitPattern: Int64(index)) &* 0x8CB9_2BA7_2F3D_8DD7)
        let renderer = EgocentricRenderer(config: render)
        var views: [Tensor] = [], headings: [Float] = [], visible: [Float] = [], positions: [Float] = []
        for row in 0..<size {
            // Without `mazeSizes` no draw is made, so such runs see the samples they always saw.
            let size = mazeSizes.map { $0[rng.nextInt($0.count)] } ?? mazeSize
            let world = try MazeWorld(size: size, seed: mazeSeeds.lowerBound + rng.next() % UInt64(mazeSeeds.count))
            let pose = Self.pose(in: world, rng: &rng)
            world.place(0, x: pose.x, y: pose.y, heading: pose.heading)
            // A pure function of (seed, batch, row), so plain runs see the samples they always saw.
            let appearance = randomization?.draw(seed: (seed ^ 0xDE7_EC7) &+ UInt64(bitPattern: Int64(index)) &* 0xBF58_476D_1CE4_E5B9 &+ UInt64(row),
                                                 baseFieldOfView: render.fieldOfViewDegrees)
            let fieldOfView = appearance?.fieldOfViewDegrees ?? render.fieldOfViewDegrees
            let labels = TargetDetection.labels(world.layout, pose: pose, targets: world.targets, fieldOfViewDegrees: fieldOfView, slots: slots)
            var view: Image
            if let appearance {
                var r = render
                r.fieldOfViewDegrees = fieldOfView
                view = EgocentricRenderer(config: r).render(world, agent: 0)
                appearance.apply(to: &view, frame: 0)
            } else {
                view = renderer.render(world, agent: 0)
            }
            views.append(BEVSamples.normalise(view).unsqueezed(0))
            headings.append(pose.heading); visible += labels.visible; positions += labels.positions
        }
        let t = visible.count / size
        return (Tensor.concat(views, axis: 0), Tensor(headings, shape: [size]), Tensor(visible, shape: [size, t]), Tensor(positions, shape: [size, t, 2]))
    }

    static func pose(in world: MazeWorld, rng: inout RandomGenerator) -> AgentState {
        let free = world.layout.freeCells
        if rng.nextUniform() < 0.5, !world.targets.isEmpty {
            let t = world.targets[rng.nextInt(world.targets.count)]
            for _ in 0..<20 {
                let distance = 1 + 4 * rng.nextUniform(), bearing = rng.nextUniform() * 2 * .pi
                let x = t.x + distance * cos(bearing), y = t.y + distance * sin(bearing)
                guard world.layout.isFree(point: x, y) else { continue }
                let toTarget = atan2(t.y - y, t.x - x), jitter = (rng.nextUniform() * 2 - 1) * .pi / 3
                return AgentState(x: x, y: y, heading: wrapAngle(toTarget + jitter))
            }
        }
        let c = free[rng.nextInt(free.count)]
        return AgentState(x: Float(c.x) + 0.25 + 0.5 * rng.nextUniform(), y: Float(c.y) + 0.25 + 0.5 * rng.nextUniform(),
                          heading: rng.nextUniform() * 2 * .pi - .pi)
    }
}

/// Detector batches drawn from fixed scenes (a recorded dataset's frames, labels from its layout, poses and
/// field of view). Random walks rarely face a target, so half the draws come from scenes that show one, as
/// ``TargetDetectionSamples`` faces a target half the time.
public struct TargetDetectionSceneSamples: TargetDetectionBatchSource {
    public let count: Int
    let views: [Tensor], headings: [Float], visible: [[Float]], positions: [[Float]]
    let showingTarget: [Int]
    let seed: UInt64

    /// Labels for a detector with `slots` target colours; scenes may have fewer targets (their last slots are
    /// never visible), not more.
    public init(_ scenes: [BEVScene], slots: Int, seed: UInt64) throws {
        precondition(!scenes.isEmpty, "TargetDetectionSceneSamples: no scenes")
        if let most = scenes.map(\.targets.count).max(), most > slots { throw TargetCountError(slots: slots, found: most) }
        let labels = scenes.map {
            TargetDetection.labels($0.layout, pose: $0.pose, targets: $0.targets, fieldOfViewDegrees: $0.fieldOfViewDegrees ?? 90, slots: slots)
        }
        views = scenes.map { BEVSamples.normalise($0.view).unsqueezed(0) }
        headings = scenes.map(\.pose.heading)
        visible = labels.map(\.visible); positions = labels.map(\.positions)
        showingTarget = labels.indices.filter { labels[$0].visible.contains(1) }
        count = scenes.count; self.seed = seed
    }

    public func batch(_ index: Int, size: Int) throws -> TargetDetectionBatch {
        var rng = RandomGenerator(seed: (seed &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(bitPattern: Int64(index)) &* 0x94D0_49BB)
        let picks = (0..<size).map { _ in
            !showingTarget.isEmpty && rng.nextUniform() < 0.5 ? showingTarget[rng.nextInt(showingTarget.count)] : rng.nextInt(count)
        }
        let t = visible[0].count
        return (Tensor.concat(picks.map { views[$0] }, axis: 0), Tensor(picks.map { headings[$0] }, shape: [size]),
                Tensor(picks.flatMap { visible[$0] }, shape: [size, t]), Tensor(picks.flatMap { positions[$0] }, shape: [size, t, 2]))
    }
}

/// Batches whose first `round(size · fraction)` rows come from recorded scenes and the rest are generated: real
/// recordings mixed into detector training on generated scenes, as ``MixedBEVSamples`` does for the BEV. Both
/// sources must label the same number of target slots.
public struct MixedTargetDetectionSamples: TargetDetectionBatchSource {
    public let recorded: any TargetDetectionBatchSource, generated: any TargetDetectionBatchSource
    /// The share of each batch's rows drawn from `recorded`, in (0, 1).
    public let fraction: Double

    public init(recorded: any TargetDetectionBatchSource, generated: any TargetDetectionBatchSource, fraction: Double) {
        precondition(fraction > 0 && fraction < 1, "MixedTargetDetectionSamples: fraction must be in (0, 1), got \(fraction)")
        self.recorded = recorded; self.generated = generated; self.fraction = fraction
    }

    /// The number of recorded rows in a batch of `size`.
    public func recordedRows(_ size: Int) -> Int { Int((Double(size) * fraction).rounded()) }

    public func batch(_ index: Int, size: Int) throws -> TargetDetectionBatch {
        let k = recordedRows(size)
        let parts = try [k > 0 ? recorded.batch(index, size: k) : nil, k < size ? generated.batch(index, size: size - k) : nil].compactMap { $0 }
        let slots = Set(parts.map { $0.visible.shape[1] })
        guard slots.count == 1 else { throw TargetCountError(slots: slots.min()!, found: slots.max()!) }
        return (Tensor.concat(parts.map(\.views), axis: 0), Tensor.concat(parts.map(\.headings), axis: 0),
                Tensor.concat(parts.map(\.visible), axis: 0), Tensor.concat(parts.map(\.positions), axis: 0))
    }
}

/// Visibility average precision (flattened over scenes and targets) and the mean position error, in cells,
/// over visible targets the detector calls visible (probability > 0.5), as the original's metrics.
public struct DetectionMetrics: Codable, Sendable {
    public var averagePrecision: Double
    public var positionErrorCells: Double
    public var visibleTargets: Int

    public init(averagePrecision: Double, positionErrorCells: Double, visibleTargets: Int) {
        self.averagePrecision = averagePrecision; self.positionErrorCells = positionErrorCells; self.visibleTargets = visibleTargets
    }

    public init(visibility: Tensor, positions: Tensor, trueVisible: Tensor, truePositions: Tensor) {
        var tally = DetectionTally()
        tally.add(scores: visibility.scalars, positions: positions.scalars, trueVisible: trueVisible.scalars, truePositions: truePositions.scalars)
        self = tally.metrics
    }
}

extension DetectionMetrics {
    /// The detector's metrics on `scenes` (ground truth from each scene's layout, pose and field of view).
    public init(detector: TargetDetector, scenes: [BEVScene]) throws {
        var tally = DetectionTally()
        for chunk in stride(from: 0, to: scenes.count, by: 64) {
            try tally.add(detector, on: Array(scenes[chunk..<min(chunk + 64, scenes.count)]))
        }
        self = tally.metrics
    }
}

/// Detection metrics gathered a batch of scenes at a time: the visibility scores and labels (average precision
/// needs them all, 5 bytes per target) and a running position error, never the views.
public struct DetectionTally: Sendable {
    var scores: [Float] = [], labels: [Bool] = []
    var positionError = 0.0, located = 0
    /// Per band of ``distanceBands``: visible targets, and those the detector calls visible (probability > 0.5).
    var bandVisible = [Int](repeating: 0, count: DetectionTally.distanceBands.count)
    var bandFound = [Int](repeating: 0, count: DetectionTally.distanceBands.count)
    public init() {}

    /// Distance bands (cells from the agent) for ``recallByDistance``: a target 8 cells off spans about 3 pixels
    /// of a 64×64 view, one 2 cells off a dozen.
    public static let distanceBands: [(label: String, range: Range<Float>)] = [("0-3", 0..<3), ("3-6", 3..<6), ("6+", 6..<Float.infinity)]

    /// For each distance band: its visible targets, and the fraction the detector calls visible (NaN where none).
    public var recallByDistance: [(label: String, visible: Int, recall: Double)] {
        Self.distanceBands.indices.map {
            (Self.distanceBands[$0].label, bandVisible[$0], bandVisible[$0] == 0 ? .nan : Double(bandFound[$0]) / Double(bandVisible[$0]))
        }
    }

    /// ``recallByDistance`` as a JSON-ready dictionary (NaN as null).
    public var recallByDistanceSummary: [String: Any] {
        Dictionary(uniqueKeysWithValues: recallByDistance.map {
            ($0.label, ["visible": $0.visible, "recall": $0.recall.isFinite ? $0.recall : NSNull()] as [String: Any])
        })
    }

    /// Runs `detector` on `scenes` (one batch) and adds the outcome.
    public mutating func add(_ detector: TargetDetector, on scenes: [BEVScene]) throws {
        guard !scenes.isEmpty else { return }
        let slots = detector.config.targets
        if let most = scenes.map(\.targets.count).max(), most > slots { throw TargetCountError(slots: slots, found: most) }
        detector.eval()
        let views = Tensor.concat(scenes.map { BEVSamples.normalise($0.view).unsqueezed(0) }, axis: 0)
        let out = noGrad { detector(views, headings: Tensor(scenes.map(\.pose.heading), shape: [scenes.count])) }
        let truth = scenes.map {
            TargetDetection.labels($0.layout, pose: $0.pose, targets: $0.targets, fieldOfViewDegrees: $0.fieldOfViewDegrees ?? 90, slots: slots)
        }
        add(scores: out.visibility.scalars, positions: out.positions.scalars, trueVisible: truth.flatMap(\.visible),
            truePositions: truth.flatMap(\.positions))
    }

    /// Adds detections (a visibility score and a position per target) against the truth (visible 0/1, position).
    public mutating func add(scores v: [Float], positions p: [Float], trueVisible: [Float], truePositions q: [Float]) {
        let visible = trueVisible.map { $0 > 0.5 }
        for i in visible.indices where visible[i] {
            let distance = hypot(q[2 * i], q[2 * i + 1]) * TargetDetection.scale
            let band = Self.distanceBands.firstIndex { $0.range.contains(distance) } ?? Self.distanceBands.count - 1
            bandVisible[band] += 1
            guard v[i] > 0.5 else { continue }
            bandFound[band] += 1
            positionError += Double(hypot(p[2 * i] - q[2 * i], p[2 * i + 1] - q[2 * i + 1]) * TargetDetection.scale); located += 1
        }
        scores += v; labels += visible
    }

    public var metrics: DetectionMetrics {
        DetectionMetrics(averagePrecision: BEV.averagePrecision(scores: scores, labels: labels),
                         positionErrorCells: located == 0 ? .nan : positionError / Double(located),
                         visibleTargets: labels.filter { $0 }.count)
    }
}

/// Scenes with more targets than the detector has colour slots for.
public struct TargetCountError: Error, CustomStringConvertible {
    public let slots: Int, found: Int
    public var description: String { "the detector has slots for \(slots) target colours; a scene has \(found) targets" }
}

/// A detector training configuration (written to the run's `config.json`).
public struct TargetDetectorTrainingConfig: CosineScheduledRunConfig, Sendable {
    public var model = TargetDetectorConfig.cpu
    public var loss = TargetDetectionLoss()
    public var batchSize = 32
    public var learningRate: Float = 3e-4
    public var stepsPerEpoch = 50
    public var epochs = 100
    public var maxMinutes: Double?
    public var validationBatches = 4
    public var seed: UInt64 = 42
    /// A dataset (Docs/Datasets.md) to train on instead of generated scenes: its last episode validates, the others train.
    public var data: String?
    /// With `data`: the share of each training batch drawn from it, the other rows generated (`render`,
    /// `randomization`); nil: the whole batch from `data`. Validation stays on the dataset's last episode.
    public var dataFraction: Double?
    /// Weights to start from (fine-tuning); the model configuration must match.
    public var initialWeights: String?
    /// Cosine-anneal the learning rate to zero over this many steps (after `warmupSteps` of linear warm-up)
    /// instead of the original's ReduceLROnPlateau.
    public var cosineSteps: Int?
    public var warmupSteps: Int?
    /// The camera and look of generated scenes (nil: `RenderConfig`'s defaults); labels take its field of view.
    public var render: RenderConfig?
    /// Per-sample domain randomisation of generated scenes; nil: none.
    public var randomization: DomainRandomization?
    /// Maze sizes generated scenes are drawn from (nil: 15 only); labels have `model.targets` slots whatever the size.
    public var mazeSizes: [Int]?
    public init() {}
}

/// One logged detector epoch.
public struct DetectorEpochMetrics: Codable, Sendable {
    public var epoch, step: Int
    public var trainLoss, validationLoss: Float
    public var averagePrecision: Double
    /// nil while the detector calls no visible target visible.
    public var positionErrorCells: Double?
    public var seconds: Double
    /// The learning rate at the end of the epoch.
    public var learningRate: Float?
    enum CodingKeys: String, CodingKey {
        case epoch, step, seconds, trainLoss = "train_loss", validationLoss = "val_loss", averagePrecision = "val_visibility_ap",
             positionErrorCells = "val_position_error_cells", learningRate = "learning_rate"
    }
}

/// Trains a ``TargetDetector`` on scenes rendered on the fly or read from a recorded dataset (Adam,
/// ReduceLROnPlateau or a cosine schedule, run folder, resume).
public final class TargetDetectorTrainer {
    public let config: TargetDetectorTrainingConfig
    public let model: TargetDetector
    let optimizer: Adam
    public let folder: RunFolder
    var progress: RunProgress
    let train: any TargetDetectionBatchSource, validation: any TargetDetectionBatchSource
    public var epoch: Int { progress.epoch }
    public var step: Int { progress.step }

    public init(config: TargetDetectorTrainingConfig, runFolder: URL, resume: Bool = false) throws {
        self.config = config
        try config.validate()
        var rng = RandomGenerator(seed: config.seed)
        model = TargetDetector(config: config.model, rng: &rng)
        optimizer = Adam(parameters: model.parameters(), learningRate: config.learningRate)
        progress = RunProgress(learningRate: config.learningRate, schedule: config.schedule)
        if let data = config.data {
            // Scenes may have fewer targets than the detector has slots (a 9×9 maze has 3), never more (refused by name).
            let (scenes, held) = try BEVScene.trainingSplit(datasetAt: data)
            let recorded = try TargetDetectionSceneSamples(scenes, slots: config.model.targets, seed: config.seed)
            if let fraction = config.dataFraction {
                let generated = TargetDetectionSamples(seed: config.seed, render: config.render ?? RenderConfig(), randomization: config.randomization,
                                                       slots: config.model.targets, mazeSizes: config.mazeSizes)
                train = MixedTargetDetectionSamples(recorded: recorded, generated: generated, fraction: fraction)
            } else {
                train = recorded
            }
            validation = try TargetDetectionSceneSamples(held, slots: config.model.targets, seed: SeedStream.heldOut.seed(from: config.seed))
        } else {
            let render = config.render ?? RenderConfig()
            // Slots are fixed only when sizes vary (a 15×15 maze fills all six; a plain run keeps its labels as they were).
            let slots = config.mazeSizes == nil ? nil : config.model.targets
            train = TargetDetectionSamples(seed: config.seed, render: render, randomization: config.randomization, slots: slots, mazeSizes: config.mazeSizes)
            validation = TargetDetectionSamples(seed: SeedStream.heldOut.seed(from: config.seed), mazeSeeds: 1_000_000..<2_000_000, render: render,
                                                randomization: config.randomization, slots: slots, mazeSizes: config.mazeSizes)
        }
        if !resume, let initial = config.initialWeights { try Checkpoint.load(into: model, from: URL(fileURLWithPath: initial)) }
        folder = RunFolder(runFolder)
        if let saved = try folder.open(config: config, resume: resume, module: model, optimizer: optimizer) { progress = saved }
    }

    func save(_ name: String, _ progress: RunProgress) throws {
        let model = String(decoding: try JSONEncoder.lenient.encode(config.model), as: UTF8.self)
        try folder.save(name, module: self.model, optimizer: optimizer, progress: progress, metadata: ["model_config": model, "format": "ssm-detector-1"])
    }

    /// Validation loss and metrics over fixed batches from held-out mazes.
    public func validate() throws -> (loss: Float, metrics: DetectionMetrics) {
        model.eval()
        defer { model.train() }
        var loss: Float = 0
        var outputs: [(Tensor, Tensor, Tensor, Tensor)] = []
        for k in 0..<config.validationBatches {
            let b = try validation.batch(k, size: config.batchSize)
            let out = noGrad { model(b.views, headings: b.headings) }
            loss += noGrad { config.loss(out, visible: b.visible, positions: b.positions).item }
            outputs.append((out.visibility, out.positions, b.visible, b.positions))
        }
        let metrics = DetectionMetrics(visibility: Tensor.concat(outputs.map(\.0), axis: 0), positions: Tensor.concat(outputs.map(\.1), axis: 0),
                                       trueVisible: Tensor.concat(outputs.map(\.2), axis: 0), truePositions: Tensor.concat(outputs.map(\.3), axis: 0))
        return (loss / Float(config.validationBatches), metrics)
    }

    /// Trains until `config.epochs` or `config.maxMinutes` (resumable); one record per epoch.
    @discardableResult
    public func train(report: (DetectorEpochMetrics) -> Void = { _ in }, onStep: (Int, Float) -> Void = { _, _ in }) throws -> [DetectorEpochMetrics] {
        let loop = EpochLoop(name: "detector", epochs: config.epochs, stepsPerEpoch: config.stepsPerEpoch, maxMinutes: config.maxMinutes,
                             schedule: config.schedule)
        return try loop.run(module: model, optimizer: optimizer, folder: folder, progress: &progress, loss: { step in
            let b = try train.batch(step, size: config.batchSize)
            return config.loss(model(b.views, headings: b.headings), visible: b.visible, positions: b.positions)
        }, validate: {
            let (loss, m) = try validate()
            return (loss, { e in DetectorEpochMetrics(epoch: e.epoch, step: e.step, trainLoss: e.trainLoss, validationLoss: e.validationLoss,
                                                      averagePrecision: m.averagePrecision,
                                                      positionErrorCells: m.positionErrorCells.isFinite ? m.positionErrorCells : nil,
                                                      seconds: e.seconds, learningRate: e.learningRate) })
        }, save: save, onStep: onStep, report: report)
    }
}

extension TargetDetector {
    /// Rebuilds a detector from a checkpoint written by ``TargetDetectorTrainer``; errors name the file.
    public static func load(_ url: URL) throws -> TargetDetector {
        try Checkpoint.loadModel(url, kind: "a target-detector") { (config: TargetDetectorConfig) -> TargetDetector in
            var rng = RandomGenerator(seed: 0)
            return TargetDetector(config: config, rng: &rng)
        }.model
    }
}

extension TargetDetectorTrainer: Trainer {}

extension DetectorEpochMetrics: CustomStringConvertible {
    public var description: String {
        String(format: "epoch %d  step %d  train %.4f  val %.4f  visibility AP %.3f  position error %.2f cells",
               epoch, step, trainLoss, validationLoss, averagePrecision, positionErrorCells ?? .nan)
    }
}

extension TargetDetectorTrainingConfig {
    /// Checks every value a run depends on (the trainer calls this before it allocates anything).
    public func validate() throws {
        try validateScheduledRun()
        try ConfigError.nested("model", model.validate)
        try validateGeneratedScenes(render: render, randomization: randomization, data: data, dataFraction: dataFraction)
        if let mazeSizes {
            try ConfigError.check(!mazeSizes.isEmpty && mazeSizes.allSatisfy(MazeConfig.presetSizes.contains), "mazeSizes",
                                  "must list preset sizes (\(MazeConfig.presetSizes.map(String.init).joined(separator: ", ")))")
            try ConfigError.check(data == nil || dataFraction != nil, "mazeSizes", "applies to generated scenes, not to --data alone")
        }
    }
}
