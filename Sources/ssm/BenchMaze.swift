import ArgumentParser
import Foundation
import MazeEnv
import Tensor

/// `ssm bench maze`: environment throughput on one thread, against the real Memory-Maze when asked.
struct MazeSuite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maze",
        abstract: "Agent steps per second with and without a rendered 64×64 view, BEV ground truth per frame.",
        discussion: "With --reference, the real Memory-Maze (MuJoCo, OSMesa) runs step_render_64 in the same invocation "
            + "through Benchmarks/reference/memory_maze_step.py and --memory-maze-python.")

    @Flag(help: "Print JSON lines (the contract); otherwise a table.") var json = false
    @Flag(help: "Also run the real Memory-Maze reference (needs a python with memory-maze; see the script).") var reference = false
    @Option(help: "Python interpreter with memory-maze installed, for --reference.") var memoryMazePython = "/opt/mmenv/bin/python"
    @Option(help: "Timed repetitions per case (median reported).") var repetitions = 7

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() throws {
        var rows: [[String: Any]] = []
        func emit(_ row: [String: Any]) {
            var r = row
            r["suite"] = "maze"; r["threads"] = 1
            r["agent_steps_per_second"] = 1000 / (r["ms"] as! Double)
            rows.append(r)
            if json { printJSON(r) } else {
                let ratio = (r["ratio"] as? Double).map { String(format: "%.4f", $0) } ?? "-"
                let name = (r["case"] as! String).padding(toLength: 24, withPad: " ", startingAt: 0)
                print(name + String(format: "%10.5f ms  %12.0f agent-steps/s   ratio %@", r["ms"] as! Double,
                                    r["agent_steps_per_second"] as! Double, ratio))
            }
        }
        let world = try MazeWorld(size: 15, seed: 1)
        var rng = RandomGenerator(seed: 2)
        let actions = (0..<4096).map { _ in MazeAction(rawValue: rng.nextInt(6))! }
        var k = 0
        func nextAction() -> MazeAction { k = (k + 1) & 4095; return actions[k] }

        // One rendered 64×64 RGB view per agent-step, written into a reused buffer as a training loop would.
        let renderer = EgocentricRenderer()
        var pixels = [UInt8](repeating: 0, count: 64 * 64 * 3)
        let renderSteps = 2000
        let renderMs = medianMilliseconds(repetitions: repetitions, warmup: 1) {
            pixels.withUnsafeMutableBufferPointer { buf in
                for _ in 0..<renderSteps {
                    world.step([nextAction()])
                    renderer.render(world, agent: 0, into: buf.baseAddress!)
                }
            }
        } / Double(renderSteps)
        let ref = reference ? runReference("memory_maze_step.py", threads: 1, python: memoryMazePython) : nil
        emit(["case": "step_render_64", "ms": renderMs, "reference": "memory-maze 1.0.3 (MuJoCo, OSMesa)",
              "reference_ms": ref as Any? ?? NSNull(), "ratio": ref.map { renderMs / $0 } as Any? ?? NSNull()])

        // Kinematics, collisions and the task only.
        let plainSteps = 200_000
        let plainMs = medianMilliseconds(repetitions: repetitions, warmup: 1) {
            for _ in 0..<plainSteps { world.step([nextAction()]) }
        } / Double(plainSteps)
        emit(["case": "step_no_render", "ms": plainMs, "reference": NSNull(), "reference_ms": NSNull(), "ratio": NSNull()])

        // Four agents in one maze (agent contacts included), per agent-step.
        let team = try MazeWorld(size: 15, seed: 3, agents: 4, teamMode: true)
        let teamMs = medianMilliseconds(repetitions: repetitions, warmup: 1) {
            for _ in 0..<plainSteps / 4 { team.step([nextAction(), nextAction(), nextAction(), nextAction()]) }
        } / Double(plainSteps)
        emit(["case": "step_no_render_4_agents", "ms": teamMs, "reference": NSNull(), "reference_ms": NSNull(), "ratio": NSNull()])

        // The local BEV target (visibility raycast and the 250×250 RGBA image), per frame.
        let bevFrames = 200
        let bevMs = medianMilliseconds(repetitions: repetitions, warmup: 1) {
            for _ in 0..<bevFrames { world.step([nextAction()]); _ = world.localBEV(agent: 0) }
        } / Double(bevFrames)
        emit(["case": "bev_ground_truth", "ms": bevMs, "reference": NSNull(), "reference_ms": NSNull(), "ratio": NSNull()])

        if json { printJSON(["suite": "maze", "summary": true, "cases": rows.count, "threads": 1]) }
    }
}
