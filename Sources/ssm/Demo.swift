import ArgumentParser
import Foundation
import MazeEnv
import Tensor

/// `ssm demo`: the main job on built-in defaults. Today it trains a small LSTM path integrator on
/// synthetic random walks for a few seconds and shows the loss falling; later modules add the maze,
/// grid cells and maps.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the end-to-end demonstration on built-in defaults.")

    @Option(help: "Training time budget in seconds.") var seconds: Double = 15
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: "Run folder for the checkpoint and metrics.") var output: String = "runs/demo"
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    @Option(help: "Steps of the maze episode (0 skips it).") var mazeSteps = 400

    func run() throws {
        let maze = mazeSteps > 0 ? try runMazeEpisode() : [:]
        var result = try runPathIntegration()
        result.merge(maze) { a, _ in a }
        if json { printJSON(result) }
    }

    /// A frontier-exploring agent in a 15×15 Memory-Maze layout: frames, a top-down figure, coverage.
    func runMazeEpisode() throws -> [String: Any] {
        let dir = URL(fileURLWithPath: output).appendingPathComponent("maze")
        let world = try MazeWorld(size: 15, seed: seed, agents: 1)
        var explorer = FrontierExplorer(size: world.layout.size, seed: seed)
        let renderer = EgocentricRenderer()
        var path: [(x: Float, y: Float)] = [(world.agents[0].x, world.agents[0].y)]
        var reward: Float = 0
        for step in 0..<mazeSteps {
            let action = explorer.act(world, agent: 0)
            reward += world.step([action]).rewards[0]
            path.append((world.agents[0].x, world.agents[0].y))
            if step % 20 == 0 {
                let name = String(format: "frame_%06d.png", step)
                try renderer.render(world, agent: 0).write(to: dir.appendingPathComponent("fps_views/\(name)"))
                try world.localBEV(agent: 0).write(to: dir.appendingPathComponent("bev_views/\(name)"))
            }
        }
        try world.topDown(trajectories: [path], visited: explorer.seen).write(to: dir.appendingPathComponent("top_down.png"))
        let coverage = explorer.coverage(of: world.layout)
        let line = String(format: "demo: maze 15×15 (seed %llu), %d steps of frontier exploration: %.0f%% of free cells seen, reward %.0f; frames and top_down.png in %@\n",
                          seed, mazeSteps, coverage * 100, reward, dir.path)
        FileHandle.standardError.write(Data(line.utf8))
        if !json { print(line, terminator: "") }
        return ["maze_coverage": coverage, "maze_reward": reward, "maze_steps": mazeSteps]
    }

    func runPathIntegration() throws -> [String: Any] {
        var rng = RandomGenerator(seed: seed)
        let task = PathIntegrationTask(batch: 32, steps: 50, arena: 15)
        let model = PathIntegrator(hidden: 64, rng: &rng)
        let optimizer = Adam(parameters: model.parameters(), learningRate: 3e-3)
        let evalBatch = task.sample(rng: &rng)
        let initial = noGrad { model.loss(evalBatch) }.item
        FileHandle.standardError.write(Data("demo: LSTM path integration, random walks in a \(Int(task.arena))×\(Int(task.arena)) arena, \(String(format: "%.0f", seconds)) s budget\n".utf8))
        let start = Date()
        var step = 0
        var history: [[String: Any]] = []
        let estimate = Progress(budget: .seconds(seconds))
        while Date().timeIntervalSince(start) < seconds {
            let batch = task.sample(rng: &rng)
            optimizer.zeroGrad()
            let loss = model.loss(batch)
            loss.backward()
            Optimizer.clipGradNorm(model.parameters(), maxNorm: 1)
            optimizer.step()
            step += 1
            if step % 25 == 0 {
                let held = noGrad { model.loss(evalBatch) }.item
                history.append(["step": step, "loss": held])
                estimate.report(step: step, loss: held)
            }
        }
        let final = noGrad { model.loss(evalBatch) }.item
        let error = noGrad { model.meanPositionError(evalBatch, arena: task.arena) }
        let dir = URL(fileURLWithPath: output)
        try Checkpoint.save(model, optimizer: optimizer, to: dir.appendingPathComponent("checkpoints/final.safetensors"),
                            metadata: ["steps": "\(step)", "seed": "\(seed)"])
        let lines = history.map { String(decoding: try! JSONSerialization.data(withJSONObject: $0, options: .sortedKeys), as: UTF8.self) }
        try writeAtomically(Data((lines.joined(separator: "\n") + "\n").utf8), to: dir.appendingPathComponent("metrics.jsonl"))
        let seconds = Date().timeIntervalSince(start)
        let summary = String(format: "demo: %d steps in %.1f s; held-out loss %.4f → %.4f; mean position error %.2f cells; run folder %@\n",
                             step, seconds, initial, final, error, dir.path)
        if json { FileHandle.standardError.write(Data(summary.utf8)) } else { print(summary, terminator: "") }
        return ["steps": step, "seconds": seconds, "initial_loss": initial, "final_loss": final,
                "mean_position_error_cells": error, "run_folder": dir.path]
    }
}

/// Random walks with smooth turning in a square arena; the network sees per-step velocities and the start.
struct PathIntegrationTask {
    let batch, steps: Int
    let arena: Float

    struct Batch { let input: Tensor; let start: Tensor; let target: Tensor }

    func sample(rng: inout RandomGenerator) -> Batch {
        var input = [Float](), start = [Float](), target = [Float]()
        for _ in 0..<batch {
            var x = 1 + rng.nextUniform() * (arena - 2), y = 1 + rng.nextUniform() * (arena - 2)
            var heading = rng.nextUniform() * 2 * .pi
            start += [x / arena, y / arena]
            for _ in 0..<steps {
                heading += 0.4 * rng.nextNormal()
                var vx = 0.25 * cos(heading), vy = 0.25 * sin(heading)
                if x + vx < 0.2 || x + vx > arena - 0.2 { vx = -vx; heading = .pi - heading }
                if y + vy < 0.2 || y + vy > arena - 0.2 { vy = -vy; heading = -heading }
                x += vx; y += vy
                input += [vx, vy]
                target += [x / arena, y / arena]
            }
        }
        return Batch(input: Tensor(input, shape: [batch, steps, 2]), start: Tensor(start, shape: [batch, 2]),
                     target: Tensor(target, shape: [batch, steps, 2]))
    }
}

/// An LSTM that integrates velocities from an encoded start position.
final class PathIntegrator: Module {
    let encodeH, encodeC, readout: Linear
    let lstm: LSTM

    init(hidden: Int, rng: inout RandomGenerator) {
        encodeH = Linear(2, hidden, rng: &rng); encodeC = Linear(2, hidden, rng: &rng)
        lstm = LSTM(inputSize: 2, hiddenSize: hidden, rng: &rng)
        readout = Linear(hidden, 2, rng: &rng)
    }

    override func children() -> [(String, Module)] {
        [("encode_h", encodeH), ("encode_c", encodeC), ("lstm", lstm), ("readout", readout)]
    }

    func predict(_ b: PathIntegrationTask.Batch) -> Tensor {
        let state = (encodeH(b.start).unsqueezed(0), encodeC(b.start).unsqueezed(0))
        return readout(lstm(b.input * 4, state: state).0)
    }

    func loss(_ b: PathIntegrationTask.Batch) -> Tensor { Loss.mse(predict(b), b.target) }

    func meanPositionError(_ b: PathIntegrationTask.Batch, arena: Float) -> Float {
        let d = (predict(b) - b.target) * arena
        return d.square().sum(axis: -1).sqrt().mean().item
    }
}
