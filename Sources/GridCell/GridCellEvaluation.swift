import Foundation
import MazeEnv
import Tensor
import Training

/// Path-integration errors over held-out windows (t ≥ 1; step 0 is the given fix).
public struct PathIntegrationReport: Codable, Sendable {
    public var checkpoint: String
    public var trajectories: TrajectoryKind
    public var windows, windowSteps: Int
    public var meanPositionErrorCells, maxPositionErrorCells: Float
    public var meanHeadingErrorRad, maxHeadingErrorRad: Float
    enum CodingKeys: String, CodingKey {
        case checkpoint, trajectories, windows, windowSteps = "window_steps"
        case meanPositionErrorCells = "mean_position_error_cells", maxPositionErrorCells = "max_position_error_cells"
        case meanHeadingErrorRad = "mean_heading_error_rad", maxHeadingErrorRad = "max_heading_error_rad"
    }
}

/// The one way to evaluate a trained grid-cell network: the network, its target cells, and held-out
/// trajectories of its run's kind (never its training batches), for path-integration errors, the gridness
/// analysis and the figures.
public struct GridCellEvaluation {
    public let checkpoint: URL
    public let network: GridCellNetwork
    public let placeCells: PlaceCells
    public let headDirectionCells: HeadDirectionCells
    /// The run's configuration (the defaults when the checkpoint has no run folder) with the evaluation's
    /// trajectories, window length and seed.
    public let config: GridCellTrainingConfig
    public let source: TrajectorySource

    /// Loads `checkpoint` and its run's configuration; `trajectories`, `dataset` and `windowSteps` override
    /// the run's, `seed` picks the held-out trajectories.
    public init(checkpoint: URL, trajectories: TrajectoryKind? = nil, dataset: String? = nil, windowSteps: Int? = nil, seed: UInt64 = 7) throws {
        self.checkpoint = checkpoint
        network = try GridCellNetwork.load(checkpoint)
        let configURL = Self.runFolder(of: checkpoint).appendingPathComponent("config.json")
        // A run's configuration must read (a silent fallback would evaluate on the wrong trajectories); none: defaults.
        var c = FileManager.default.fileExists(atPath: configURL.path) ? try GridCellRun.readConfig(configURL) : GridCellTrainingConfig()
        c.model = network.config
        if let trajectories { c.trajectories = trajectories }
        if let dataset { c.dataset = dataset; if trajectories == nil { c.trajectories = .dataset } }
        if let windowSteps { c.sequenceLength = windowSteps }
        c.seed = SeedStream.evaluation.seed(from: seed)
        config = c
        source = try GridCellTrainer.sources(c).validation
        placeCells = network.config.makePlaceCells()
        headDirectionCells = network.config.makeHeadDirectionCells()
    }

    /// The run folder a checkpoint belongs to: its own folder for a shipped model (`model.safetensors` beside
    /// `config.json`), the parent of `checkpoints/` for a training run.
    public static func runFolder(of checkpoint: URL) -> URL {
        let dir = checkpoint.deletingLastPathComponent()
        return FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path) ? dir : dir.deletingLastPathComponent()
    }

    /// Runs the network over a held-out batch from each window's first pose and decodes it.
    public func decode(_ batch: TrajectoryBatch) -> PathIntegrationErrors {
        let output = noGrad { network(batch, placeCells: placeCells, headDirectionCells: headDirectionCells) }
        return PathIntegrationErrors(output: output, batch: batch, placeCells: placeCells, headDirectionCells: headDirectionCells)
    }

    /// Errors over `batches` batches of 32 windows.
    public func pathIntegration(batches: Int) throws -> PathIntegrationReport {
        var sums: (Float, Float, Float, Float) = (0, 0, 0, 0)
        for k in 0..<batches {
            let e = decode(try source.batch(-2000 - k, size: 32, steps: config.sequenceLength))
            sums.0 += e.meanPosition; sums.1 = max(sums.1, e.maxPosition); sums.2 += e.meanHeading; sums.3 = max(sums.3, e.maxHeading)
        }
        let n = Float(batches)
        return PathIntegrationReport(checkpoint: checkpoint.relativePath, trajectories: config.trajectories, windows: batches * 32,
                                     windowSteps: config.sequenceLength, meanPositionErrorCells: sums.0 / n, maxPositionErrorCells: sums.1,
                                     meanHeadingErrorRad: sums.2 / n, maxHeadingErrorRad: sums.3)
    }

    /// Gridness of every bottleneck unit from about `samples` positions, with `shuffles` time-shifted maps per
    /// unit as the chance baseline.
    public func gridness(samples: Int = 200_000, shuffles: Int = 0) throws -> GridnessAnalysis {
        let batches = max(1, samples / (32 * max(config.sequenceLength - 1, 1)))
        return try GridnessAnalysis(network: network, placeCells: placeCells, headDirectionCells: headDirectionCells, source: source,
                                    batches: batches, steps: config.sequenceLength, extent: Double(network.config.extent), shuffles: shuffles)
    }

    /// Writes the figures into `folder`: rate maps and autocorrelograms of the `units` best units (SVG, PNG),
    /// the gridness histogram, the run's loss and error curves when it has metrics, and true against decoded
    /// trajectories. Returns the files written and the analysis they show.
    @discardableResult
    public func writeFigures(into folder: URL, units: Int = 8, samples: Int = 200_000) throws -> (files: [URL], analysis: GridnessAnalysis) {
        let analysis = try gridness(samples: samples)
        let top = Array(analysis.ranking.prefix(units))
        var written: [URL] = []
        func write(_ name: String, _ body: (URL) throws -> Void) throws {
            let url = folder.appendingPathComponent(name)
            try body(url); written.append(url)
        }
        try write("rate_maps_top.svg") { try GridFigures.unitPanel(analysis, units: top, title: "Rate maps (top) and autocorrelograms (bottom) of the most grid-like units").write(to: $0) }
        try write("rate_maps_top.png") { try GridFigures.rateMapStrip(analysis, units: top).write(to: $0) }
        try write("gridness_histogram.svg") { try GridFigures.gridnessHistogram(analysis).write(to: $0) }
        let metricsURL = Self.runFolder(of: checkpoint).appendingPathComponent("metrics.jsonl")
        if FileManager.default.fileExists(atPath: metricsURL.path) {
            let metrics: [EpochMetrics] = try RunFolder.readMetrics(from: metricsURL)
            try write("loss_curves.svg") { try GridFigures.lossCurves(metrics).write(to: $0) }
            try write("position_error.svg") { try GridFigures.errorCurve(metrics).write(to: $0) }
        }
        let batch = try source.batch(-3000, size: 4, steps: config.sequenceLength)
        let errors = decode(batch)
        try write("trajectories.svg") {
            try GridFigures.trajectories(truth: batch.positions, decoded: errors.positions, extent: Double(network.config.extent)).write(to: $0)
        }
        return (written, analysis)
    }
}

extension PathIntegrationReport: CustomStringConvertible {
    public var description: String {
        String(format: "%d windows of %d steps (%@): position error mean %.3f, max %.2f cells; heading error mean %.3f, max %.2f rad",
               windows, windowSteps, trajectories.rawValue, meanPositionErrorCells, maxPositionErrorCells, meanHeadingErrorRad, maxHeadingErrorRad)
    }
}
