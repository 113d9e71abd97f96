import ArgumentParser
import Foundation
import GridCell
import MazeEnv
import SocialPlaceCell
import SpatialMemory
import BEV
import Tensor

/// `ssm demo`: the main job on built-in defaults: a maze episode with its frames and a top-down figure; a
/// short grid-cell training run showing the loss falling; the gridness analysis and figures of the shipped
/// grid-cell model.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the end-to-end demonstration on built-in defaults.",
        discussion: "Writes runs/demo/: maze/ (frames, BEV targets, top_down.png, map.svg), grid/ (a short training run) and "
            + "shipped-model/ (figures of Models/gridcell and Models/spc).")

    @Option(help: "Grid-cell training budget in seconds.") var seconds: Double = 30
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: "Output folder.") var output: String = "runs/demo"
    @Option(help: "Steps of the maze episode (0 skips it).") var mazeSteps = 400
    @Option(help: "The shipped grid-cell run folder analysed at the end (skipped when absent).") var model = "Models/gridcell"
    @Option(help: "The shipped social place cell model classified at the end (skipped when absent).") var spcModel = "Models/spc/model.safetensors"
    @Option(help: "The shipped BEV model that maps the maze episode (skipped when absent).") var bevModel = "Models/bev/model.safetensors"
    @Option(help: "The shipped target detector for the map's target memory (skipped when absent).") var detectorModel = "Models/detector/model.safetensors"
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard mazeSteps >= 0 else { throw ValidationError("--maze-steps must be ≥ 0") }
    }

    func say(_ line: String) {
        stderr(line + "\n")
        if !json { print(line) }
    }

    func run() throws {
        var result: [String: Any] = [:]
        if mazeSteps > 0 { result.merge(try runMazeEpisode()) { a, _ in a } }
        result.merge(try runGridTraining()) { a, _ in a }
        result.merge(try analyseShippedModel()) { a, _ in a }
        result.merge(try classifySocialUnits()) { a, _ in a }
        if json { printJSON(result) }
    }

    /// A frontier-exploring agent in a 15×15 Memory-Maze layout: frames, a top-down figure, coverage.
    func runMazeEpisode() throws -> [String: Any] {
        let dir = URL(fileURLWithPath: output).appendingPathComponent("maze")
        let world = try MazeWorld(size: 15, seed: seed, agents: 1)
        let (trajectory, explorer) = try FrontierExplorer.explore(world, steps: mazeSteps, seed: seed) { step, env in
            guard step % 20 == 0 else { return }
            let name = String(format: "frame_%06d.png", step)
            try env.observations[0].view!.write(to: dir.appendingPathComponent("fps_views/\(name)"))
            try world.localBEV(agent: 0).write(to: dir.appendingPathComponent("bev_views/\(name)"))
        }
        let path = trajectory.observations(of: 0).map { (x: $0.pose.x, y: $0.pose.y) }
        let reward = trajectory.rewards.map { $0[0] }.reduce(0, +)
        let frames = EpisodeFrame.frames(of: trajectory)
        try world.topDown(trajectories: [path], visited: explorer.seen).write(to: dir.appendingPathComponent("top_down.png"))
        let coverage = explorer.coverage(of: world.layout)
        say(String(format: "demo: maze 15×15 (seed %llu), %d steps of frontier exploration: %.0f%% of free cells seen, reward %.0f; frames and top_down.png in %@",
                   seed, mazeSteps, coverage * 100, reward, dir.path))
        return ["maze_coverage": coverage, "maze_reward": reward, "maze_steps": mazeSteps]
            .merging(try mapEpisode(frames, world: world)) { a, _ in a }
    }

    /// The episode's maze reconstructed from the shipped BEV model's predictions.
    func mapEpisode(_ frames: [EpisodeFrame], world: MazeWorld) throws -> [String: Any] {
        guard FileManager.default.fileExists(atPath: bevModel) else {
            say("demo: no shipped BEV model at \(bevModel); skipping the map reconstruction")
            return [:]
        }
        var mapper = EpisodeMapper(source: .model(try BEVModel.load(URL(fileURLWithPath: bevModel))), targetColors: world.targets.map(\.color))
        if FileManager.default.fileExists(atPath: detectorModel) { mapper.detector = try TargetDetector.load(URL(fileURLWithPath: detectorModel)) }
        var study = MapReconstruction(mapper: mapper, sourceName: bevModel, detectorName: detectorModel)
        study.frameEvery = 0
        let dir = URL(fileURLWithPath: output).appendingPathComponent("maze")
        let episode = MappingEpisode(frames: frames, layout: world.layout, targets: world.targets, mazeSize: world.layout.size,
                                     name: "demo episode (seed \(seed))")
        let m = try study.run(episode, output: dir)
        say(String(format: "demo: map from the BEV model: %.1f%% of %d observed cells right, %.0f%% of free cells covered, %d of %d targets remembered; map.svg in %@",
                   m.observedCellAccuracy! * 100, m.observedCells!, m.freeCoverage! * 100, m.targetsSighted, world.targets.count, dir.path))
        return ["map_observed_cell_accuracy": m.observedCellAccuracy!, "map_free_coverage": m.freeCoverage!, "map_targets_remembered": m.targetsSighted]
    }

    /// A short run of the grid-cell network with the emergence preset: the loss and the path-integration
    /// error fall within seconds.
    func runGridTraining() throws -> [String: Any] {
        var config = GridCellTrainingConfig.emergence
        config.seed = seed; config.stepsPerEpoch = 20; config.batchSize = 50; config.epochs = 10_000
        config.maxMinutes = seconds / 60; config.snapshotEpochs = []
        let folder = URL(fileURLWithPath: output).appendingPathComponent("grid")
        try? FileManager.default.removeItem(at: folder)
        let trainer = try GridCellTrainer(config: config, runFolder: folder)
        let before = try trainer.validate()
        say(String(format: "demo: grid-cell path integration (open arena, %.0f s budget); held-out loss %.4f, position error %.2f cells before training",
                   seconds, before.loss, before.positionError))
        let history = try trainer.train(report: { m in
            stderr(String(format: "epoch %d  step %d  val loss %.4f  position error %.2f cells\n", m.epoch, m.step, m.validationLoss, m.meanPositionErrorCells))
        })
        let after = history.last
        try GridFigures.lossCurves(history).write(to: folder.appendingPathComponent("figures/loss_curves.svg"))
        say(String(format: "demo: %d steps in %.0f s; held-out loss %.4f → %.4f, position error %.2f → %.2f cells; run folder %@",
                   trainer.step, after?.seconds ?? 0, before.loss, after?.validationLoss ?? before.loss, before.positionError,
                   after?.meanPositionErrorCells ?? before.positionError, folder.path))
        return ["grid_train_steps": trainer.step, "grid_initial_val_loss": before.loss, "grid_final_val_loss": after?.validationLoss ?? before.loss,
                "grid_initial_position_error_cells": before.positionError,
                "grid_final_position_error_cells": after?.meanPositionErrorCells ?? before.positionError]
    }

    /// The probe protocol on the shipped social network: how many units are social place cells.
    func classifySocialUnits() throws -> [String: Any] {
        let url = URL(fileURLWithPath: spcModel)
        guard FileManager.default.fileExists(atPath: url.path) else {
            say("demo: no shipped social model at \(url.path); skipping it")
            return [:]
        }
        let analysis = SocialProbeAnalysis(network: try SocialGridCellNetwork.load(url))
        let dir = URL(fileURLWithPath: output).appendingPathComponent("shipped-model")
        try SocialFigures.examples(analysis).write(to: dir.appendingPathComponent("spc_examples.svg"))
        try SocialFigures.breakdown(analysis).write(to: dir.appendingPathComponent("spc_population.svg"))
        say(String(format: "demo: shipped social model: %.1f%% pure social place cells, %.1f%% pure place cells, %.1f%% special SPCs; partner decoded within %.2f cells; figures in %@",
                   analysis.fraction(.pureSPC) * 100, analysis.fraction(.purePlaceCell) * 100, analysis.fraction(.specialSPC) * 100,
                   analysis.partnerPositionErrorCells, dir.path))
        return ["spc_fraction_pure_spc": analysis.fraction(.pureSPC), "spc_partner_position_error_cells": analysis.partnerPositionErrorCells]
    }

    /// Gridness of the shipped model's bottleneck units, with its figures.
    func analyseShippedModel() throws -> [String: Any] {
        let runURL = URL(fileURLWithPath: model)
        let checkpoint = runURL.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            say("demo: no shipped grid-cell model at \(checkpoint.path); skipping its analysis")
            return [:]
        }
        let run = try GridCellRun(runURL)
        let analysis = try run.analysis(of: checkpoint)
        let dir = URL(fileURLWithPath: output).appendingPathComponent("shipped-model")
        let top = Array(analysis.ranking.prefix(8))
        try GridFigures.unitPanel(analysis, units: top, title: "Shipped model: the most grid-like units (rate maps, autocorrelograms)")
            .write(to: dir.appendingPathComponent("rate_maps_top.svg"))
        try GridFigures.rateMapStrip(analysis, units: top).write(to: dir.appendingPathComponent("rate_maps_top.png"))
        try GridFigures.gridnessHistogram(analysis).write(to: dir.appendingPathComponent("gridness_histogram.svg"))
        say(String(format: "demo: shipped grid-cell model %@: %.1f%% of %d units with gridness60 > 0.3, top-10 mean %.2f; figures in %@",
                   checkpoint.path, analysis.fractionAbove(0.3) * 100, analysis.scores.count, analysis.topMean(10), dir.path))
        return ["model_fraction_gridness60_above_0_3": analysis.fractionAbove(0.3), "model_top10_mean_gridness60": analysis.topMean(10)]
    }
}
