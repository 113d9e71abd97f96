import BEV
import Foundation
import GridCell
import MazeEnv
import SocialPlaceCell
import SpatialMemory
import TeamSearch
import InfoBottleneck
import Plotting
import Tensor

/// The end-to-end demonstration on built-in defaults (`ssm demo`): a frontier explorer's maze episode with
/// its frames, a top-down figure and its map from the shipped BEV model; a short grid-cell training run
/// whose loss falls within seconds; the gridness analysis of the shipped grid-cell model and the probe
/// protocol on the shipped social model, with their figures; the team search task at 4 bits per step, `event`
/// beside `broadcast`. Shipped models that are absent are skipped.
public struct DemoRun: Sendable {
    /// Grid-cell training budget, seconds.
    public var seconds: Double = 30
    public var seed: UInt64 = 42
    /// Writes `maze/`, `grid/` and `shipped-model/` here.
    public var output = "runs/demo"
    /// Steps of the maze episode (0 skips it).
    public var mazeSteps = 400
    /// The shipped grid-cell run folder, social model, BEV model and detector.
    public var model = "Models/gridcell", spcModel = "Models/spc/model.safetensors"
    public var bevModel = "Models/bev/model.safetensors", detectorModel = "Models/detector/model.safetensors"
    public init() {}

    /// Runs every part; `say` gets each part's summary line, `log` the progress lines. Returns the figures
    /// (`maze_coverage`, `grid_final_val_loss`, …).
    public func run(say: (String) -> Void, log: @escaping (String) -> Void) throws -> [String: Double] {
        var result: [String: Double] = [:]
        if mazeSteps > 0 { result.merge(try runMazeEpisode(say)) { a, _ in a } }
        result.merge(try runGridTraining(say, log)) { a, _ in a }
        result.merge(try analyseShippedModel(say)) { a, _ in a }
        result.merge(try classifySocialUnits(say)) { a, _ in a }
        result.merge(try runTeamTask(say)) { a, _ in a }
        return result
    }

    /// A frontier-exploring agent in a 15×15 Memory-Maze layout: frames, a top-down figure, coverage.
    func runMazeEpisode(_ say: (String) -> Void) throws -> [String: Double] {
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
        return ["maze_coverage": Double(coverage), "maze_reward": Double(reward), "maze_steps": Double(mazeSteps)]
            .merging(try mapEpisode(frames, world: world, say)) { a, _ in a }
    }

    /// The episode's maze reconstructed from the shipped BEV model's predictions.
    func mapEpisode(_ frames: [EpisodeFrame], world: MazeWorld, _ say: (String) -> Void) throws -> [String: Double] {
        guard FileManager.default.fileExists(atPath: bevModel) else {
            say("demo: no shipped BEV model at \(bevModel); skipping the map reconstruction")
            return [:]
        }
        let dir = URL(fileURLWithPath: output).appendingPathComponent("maze")
        let episode = MappingEpisode(frames: frames, layout: world.layout, targets: world.targets, mazeSize: world.layout.size,
                                     name: "demo episode (seed \(seed))")
        let detector = FileManager.default.fileExists(atPath: detectorModel) ? (try TargetDetector.load(URL(fileURLWithPath: detectorModel)), detectorModel) : nil
        var study = try MapReconstruction(episode, model: (try BEVModel.load(URL(fileURLWithPath: bevModel)), bevModel), detector: detector)
        study.frameEvery = 0
        let m = try study.run(episode, output: dir)
        say(String(format: "demo: map from the BEV model: %.1f%% of %d observed cells right, %.0f%% of free cells covered, %d of %d targets remembered; map.svg in %@",
                   m.observedCellAccuracy! * 100, m.observedCells!, m.freeCoverage! * 100, m.targetsSighted, world.targets.count, dir.path))
        return ["map_observed_cell_accuracy": m.observedCellAccuracy!, "map_free_coverage": m.freeCoverage!, "map_targets_remembered": Double(m.targetsSighted)]
    }

    /// A short run of the grid-cell network on open-arena trajectories: the loss and the path-integration
    /// error fall within seconds. The emergence preset's mexican-hat place cells need minutes before their
    /// decoded position beats chance (30 s of it left the error at 6–7 cells), so the demo reads Gaussian place
    /// cells, as the original project does, at a learning rate of 3·10⁻³: under one cell within about 10 s.
    func runGridTraining(_ say: (String) -> Void, _ log: (String) -> Void) throws -> [String: Double] {
        var config = GridCellTrainingConfig.emergence
        config.model.placeTuning = .gaussian; config.learningRate = 3e-3
        config.seed = seed; config.stepsPerEpoch = 20; config.batchSize = 50; config.epochs = 10_000
        config.maxMinutes = seconds / 60; config.snapshotEpochs = []
        let folder = URL(fileURLWithPath: output).appendingPathComponent("grid")
        try? FileManager.default.removeItem(at: folder)
        let trainer = try GridCellTrainer(config: config, runFolder: folder)
        let before = try trainer.validate()
        say(String(format: "demo: grid-cell path integration (open arena, %.0f s budget); held-out loss %.4f, position error %.2f cells before training",
                   seconds, before.loss, before.positionError))
        let history = try trainer.train(report: { m in
            log(String(format: "epoch %d  step %d  val loss %.4f  position error %.2f cells\n", m.epoch, m.step, m.validationLoss, m.meanPositionErrorCells))
        })
        let after = history.last
        try GridFigures.lossCurves(history).write(to: folder.appendingPathComponent("figures/loss_curves.svg"))
        say(String(format: "demo: %d steps in %.0f s; held-out loss %.4f → %.4f, position error %.2f → %.2f cells; run folder %@",
                   trainer.step, after?.seconds ?? 0, before.loss, after?.validationLoss ?? before.loss, before.positionError,
                   after?.meanPositionErrorCells ?? before.positionError, folder.path))
        return ["grid_train_steps": Double(trainer.step), "grid_initial_val_loss": Double(before.loss),
                "grid_final_val_loss": Double(after?.validationLoss ?? before.loss), "grid_initial_position_error_cells": Double(before.positionError),
                "grid_final_position_error_cells": Double(after?.meanPositionErrorCells ?? before.positionError)]
    }

    /// The probe protocol on the shipped social network: how many units are social place cells.
    func classifySocialUnits(_ say: (String) -> Void) throws -> [String: Double] {
        let url = URL(fileURLWithPath: spcModel)
        guard FileManager.default.fileExists(atPath: url.path) else {
            say("demo: no shipped social model at \(url.path); skipping it")
            return [:]
        }
        let analysis = SocialProbeAnalysis(network: try SocialGridCellNetwork.load(url))
        let dir = URL(fileURLWithPath: output).appendingPathComponent("shipped-model")
        try SocialFigures.writeAll(analysis, into: dir)
        say(String(format: "demo: shipped social model: %.1f%% pure social place cells, %.1f%% pure place cells, %.1f%% special SPCs; partner decoded within %.2f cells; figures in %@",
                   analysis.fraction(.pureSPC) * 100, analysis.fraction(.purePlaceCell) * 100, analysis.fraction(.specialSPC) * 100,
                   analysis.partnerPositionErrorCells, dir.path))
        return ["spc_fraction_pure_spc": analysis.fraction(.pureSPC), "spc_partner_position_error_cells": Double(analysis.partnerPositionErrorCells)]
    }

    /// Gridness of the shipped model's bottleneck units, with the figures of `ssm grid figures`.
    func analyseShippedModel(_ say: (String) -> Void) throws -> [String: Double] {
        let checkpoint = URL(fileURLWithPath: model).appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            say("demo: no shipped grid-cell model at \(checkpoint.path); skipping its analysis")
            return [:]
        }
        let dir = URL(fileURLWithPath: output).appendingPathComponent("shipped-model")
        let analysis = try GridCellEvaluation(checkpoint: checkpoint).writeFigures(into: dir).analysis
        say(String(format: "demo: shipped grid-cell model %@: %.1f%% of %d units with gridness60 > 0.3, top-10 mean %.2f; figures in %@",
                   checkpoint.path, analysis.fractionAbove(0.3) * 100, analysis.scores.count, analysis.topMean(10), dir.path))
        return ["model_fraction_gridness60_above_0_3": analysis.fractionAbove(0.3), "model_top10_mean_gridness60": analysis.topMean(10)]
    }

    /// The team search task: two agents at 4 bits per step on one held-out maze, `event` beside `broadcast`,
    /// recorded (frames, messages) and drawn side by side in `team/team.svg`.
    func runTeamTask(_ say: (String) -> Void) throws -> [String: Double] {
        let dir = URL(fileURLWithPath: output).appendingPathComponent("team")
        var config = TeamSearchConfig()
        config.rate = BitRate(4)
        var result: [String: Double] = [:], frames: [(String, Image)] = []
        for method in [TeamMethod.event, .broadcast] {
            let r = try TeamEpisodeRecording(method, config: config, seed: 2_000_000, into: dir.appendingPathComponent(method.rawValue))
            result["team_\(method.rawValue)_success"] = r.result.success ? 1 : 0
            result["team_\(method.rawValue)_steps"] = Double(r.result.steps)
            if let f = r.lastFrame {
                frames.append((String(format: "%@: %@ in %d steps, messages %.0f steps old on arrival", method.rawValue,
                                      r.result.success ? "success" : "failure", r.result.steps, r.result.meanMessageAge), f))
            }
        }
        var doc = SVGDocument(width: Double(frames.map(\.1.width).max() ?? 0) + 40, height: Double(frames.reduce(0) { $0 + $1.1.height + 40 }) + 50)
        doc.text("Team search, two agents at 4 bits per step, held-out maze 2,000,000 (true maze and paths, then each agent's map)", x: 20, y: 24, size: 13, weight: "bold")
        var y = 44.0
        for (title, image) in frames {
            doc.text(title, x: 20, y: y + 14, size: 12)
            try doc.image(image, x: 20, y: y + 22, width: Double(image.width), height: Double(image.height))
            y += Double(image.height) + 40
        }
        try doc.write(to: dir.appendingPathComponent("team.svg"))
        say(String(format: "demo: team search at 4 bits/step: event %@ in %.0f steps, broadcast %@ in %.0f steps; team.svg in %@",
                   result["team_event_success"] == 1 ? "succeeds" : "fails", result["team_event_steps"] ?? 0,
                   result["team_broadcast_success"] == 1 ? "succeeds" : "fails", result["team_broadcast_steps"] ?? 0, dir.path))
        return result
    }
}
