import ArgumentParser
import BEV
import Foundation
import GridCell
import MazeEnv
import SpatialMemory
import Tensor

/// `ssm map`: single-agent spatial memory of one episode from BEV predictions.
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map", abstract: "Reconstruct a whole episode's maze from BEV predictions: figure, frames, metrics.",
        discussion: "Writes OUTPUT/map.svg (labelled figure), map.png, frames/frame_NNNNNN.png (view, true BEV, "
            + "prediction, map so far), reconstruction.mp4 when ffmpeg is installed, and metrics.json. Poses are the "
            + "ground truth, or with --poses gridcell the grid-cell path integrator's estimate; the episode is a frontier-exploring "
            + "agent in a generated maze, or the first episode of --data.")

    enum PoseSource: String, ExpressibleByArgument { case truth, gridcell }

    @Option(help: "BEV checkpoint.") var checkpoint = "Models/bev/model.safetensors"
    @Option(help: "Target detector for the target memory (default: targets read from the BEV's colours; skipped when the file is absent).")
    var detector = "Models/detector/model.safetensors"
    @Option(help: "Detector probability above which a target counts as seen.") var detectionThreshold: Float = 0.85
    @Flag(help: "Use perfect BEV predictions rendered from the layout instead of the model (the mapping's upper bound).") var groundTruth = false
    @Option(help: "A dataset (Docs/Datasets.md): map its first episode (or --episode) instead of a generated one.") var data: String?
    @Option(help: "Episode index within --data.") var episode = 0
    @Option(help: "Seed of the generated maze and explorer.") var seed: UInt64 = 7
    @Option(help: "Side of the generated maze in cells.") var mazeSize = 15
    @Option(help: "Steps of the generated episode.") var steps = 600
    @Option(help: "Fuse every k-th frame.") var every = 2
    @Option(help: "Write a video frame every k-th fused frame (0: none).") var frameEvery = 2
    @Option(help: "Poses the map is built at: truth, or gridcell (dead-reckoned by the path-integrator network from self-motion, with a true fix every --fix-every steps).")
    var poses: PoseSource = .truth
    @Option(help: "Path-integrator checkpoint for --poses gridcell.") var pathIntegrator = "Models/pathintegrator/model.safetensors"
    @Option(help: "Steps between true pose fixes for --poses gridcell (the shipped model was trained on 100-step windows).") var fixEvery = 100
    @Option(help: "With --poses gridcell: each step's decoded pose is blended into the belief carried on by the self-motion with this weight (1: the decoded pose alone).")
    var poseGain: Float = PoseFilter.standard.gain
    @Option(help: "With --poses gridcell: odometry noise, the standard deviation of each step's displacement error as a fraction of its length (both the network and the filter get the noisy self-motion).")
    var motionNoise: Float = 0
    @Option(help: "With --poses gridcell: the standard deviation of each step's turn error, degrees.") var turnNoise: Float = 0
    @Option(help: "Transparent cells in view farther than this (cells) are not evidence of a wall.") var wallRange: Float = 5
    @Option(help: "Lower bound of a wall observation's free probability (0.5: predictions never mark walls).") var wallFloor: Float = 0.35
    @Option(help: "Output folder.") var output = "runs/map"
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws {
        guard steps > 0, every > 0, frameEvery >= 0, mazeSize >= 5, episode >= 0 else {
            throw ValidationError("--steps and --every must be positive, --frame-every ≥ 0, --maze-size ≥ 5, --episode ≥ 0")
        }
        guard wallRange.isFinite, wallRange > 0 else { throw ValidationError("--wall-range must be a finite number > 0") }
        guard wallFloor.isFinite, (0...1).contains(wallFloor) else { throw ValidationError("--wall-floor must be in [0, 1]") }
        guard poseGain > 0, poseGain <= 1 else { throw ValidationError("--pose-gain must be in (0, 1]") }
        guard motionNoise.isFinite, motionNoise >= 0, turnNoise.isFinite, turnNoise >= 0 else { throw ValidationError("--motion-noise and --turn-noise must be finite and ≥ 0") }
        // The episode is held whole: each step's 64×64 view, pose and fused evidence, about 20 KB.
        try MemoryLimit.check("--steps", count: steps, bytesPerUnit: 20_000)
    }

    func loadEpisode() throws -> MappingEpisode {
        guard let data else { return try MappingEpisode.generated(mazeSize: mazeSize, seed: seed, steps: steps) }
        let set = try Dataset.load(URL(fileURLWithPath: data))
        guard episode < set.episodes.count else { throw ValidationError("--episode \(episode): \(data) holds \(set.episodes.count) episodes") }
        return try MappingEpisode.recorded(set.episodes[episode])
    }

    func run() throws {
        var episode = try loadEpisode()
        if poses == .gridcell {
            let network = try GridCellNetwork.load(URL(fileURLWithPath: pathIntegrator))
            let noise = SelfMotionNoise(translation: motionNoise, turnDegrees: turnNoise), filter = poseGain < 1 ? PoseFilter(gain: poseGain) : nil
            var source = "grid-cell path integrator, fix every \(fixEvery) steps"
            if poseGain < 1 { source += String(format: ", filtered (gain %g)", poseGain) }
            if motionNoise > 0 || turnNoise > 0 { source += String(format: ", odometry noise %g × step length and %g° per step", motionNoise, turnNoise) }
            episode.estimatePoses({ poses in
                let motion = noise.motion(along: poses, seed: seed)
                return network.integratePath(poses, window: fixEvery, motion: motion, filter: filter)
            }, describedAs: source)
            stderr(String(format: "poses from the path integrator: mean error %.2f cells (a true fix every %d steps)\n", episode.poseEstimate!.meanErrorCells, fixEvery))
        }
        let model = groundTruth ? nil : (try BEVModel.load(URL(fileURLWithPath: checkpoint)), checkpoint)
        let detectorModel = groundTruth || !FileManager.default.fileExists(atPath: detector) ? nil : (try TargetDetector.load(URL(fileURLWithPath: detector)), detector)
        var study = try MapReconstruction(episode, model: model, detector: detectorModel, every: every, walls: WallEvidence(range: wallRange, probabilityFloor: wallFloor),
                                          detectionThreshold: detectionThreshold, note: { stderr($0 + "\n") })
        study.frameEvery = frameEvery
        if poses == .gridcell { study.title += " at grid-cell poses" }
        let result = try study.run(episode, output: URL(fileURLWithPath: output), progress: { frame, frames, rate in
            stderr(String(format: "\rframe %d/%d  %.1f frames/s", frame, frames, rate))
        }, note: { stderr($0 + "\n") })
        stderr("\n")
        report(result, json: json)
    }
}
