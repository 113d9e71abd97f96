import Foundation
import Basics
import MazeEnv

/// The environment suite on one thread: agent steps with a rendered 64×64 view (against the real
/// Memory-Maze's `step_render_64` when asked), without rendering, with four agents, and the BEV ground truth.
public struct MazeBenchmarks: Sendable {
    public var repetitions = 7
    /// A python with memory-maze installed; nil: the reference is not run.
    public var referencePython: String?
    public init() {}

    public func run(log: (String) -> Void = { _ in }, emit: (BenchmarkRow) -> Void) throws -> BenchmarkSummary {
        var count = 0
        func row(_ name: String, _ ms: Double, reference: String? = nil, referenceMs: Double? = nil) {
            emit(BenchmarkRow(suite: "maze", name: name, ms: ms, reference: reference, referenceMs: referenceMs, threads: 1,
                              extra: ["agent_steps_per_second": 1000 / ms]))
            count += 1
        }
        let world = try MazeWorld(size: 15, seed: 1)
        var rng = RandomGenerator(seed: 2)
        let actions = (0..<4096).map { _ in MazeAction.random(&rng) }
        var k = 0
        func nextAction() -> MazeAction { k = (k + 1) & 4095; return actions[k] }

        // One rendered 64×64 RGB view per agent-step, written into a reused buffer as a training loop would.
        var pixels = [UInt8](repeating: 0, count: 64 * 64 * 3)
        let renderSteps = 2000
        func renderMilliseconds(_ renderer: EgocentricRenderer) -> Double {
            medianMilliseconds(repetitions: repetitions, warmup: 1) {
                pixels.withUnsafeMutableBufferPointer { buf in
                    for _ in 0..<renderSteps {
                        world.step([nextAction()])
                        renderer.render(world, agent: 0, into: buf.baseAddress!)
                    }
                }
            } / Double(renderSteps)
        }
        let renderMs = renderMilliseconds(EgocentricRenderer())
        let ref = referencePython.flatMap { ReferenceScript("memory_maze_step.py").milliseconds(threads: 1, python: $0, log: log) }
        row("step_render_64", renderMs, reference: "memory-maze 1.0.3 (MuJoCo, OSMesa)", referenceMs: ref)
        // The same with the Memory-Maze look (panelled walls, pitched camera, 80° view).
        row("step_render_64_memory_maze_look", renderMilliseconds(EgocentricRenderer(config: .memoryMaze)),
            reference: "memory-maze 1.0.3 (MuJoCo, OSMesa)", referenceMs: ref)

        // Kinematics, collisions and the task only.
        let plainSteps = 200_000
        row("step_no_render", medianMilliseconds(repetitions: repetitions, warmup: 1) {
            for _ in 0..<plainSteps { world.step([nextAction()]) }
        } / Double(plainSteps))

        // Four agents in one maze (agent contacts included), per agent-step.
        let team = try MazeWorld(size: 15, seed: 3, agents: 4, teamMode: true)
        row("step_no_render_4_agents", medianMilliseconds(repetitions: repetitions, warmup: 1) {
            for _ in 0..<plainSteps / 4 { team.step([nextAction(), nextAction(), nextAction(), nextAction()]) }
        } / Double(plainSteps))

        // The local BEV target (visibility raycast and the 250×250 RGBA image), per frame.
        let bevFrames = 200
        row("bev_ground_truth", medianMilliseconds(repetitions: repetitions, warmup: 1) {
            for _ in 0..<bevFrames { world.step([nextAction()]); _ = world.localBEV(agent: 0) }
        } / Double(bevFrames))
        return BenchmarkSummary(suite: "maze", cases: count, threads: 1)
    }
}
