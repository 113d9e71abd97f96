import Foundation
import InfoBottleneck
import TeamSearch

/// The team suite: milliseconds per episode of each method on the default task (15×15, two agents, 4 bits per
/// step, ground-truth perception) on one thread; `episodes_per_second` beside it. With the shipped BEV model and
/// detector in `models`, also `event` under learned perception (every agent renders its view and runs both models
/// each step), reported as `agent_steps_per_second`. No external reference exists.
public struct TeamBenchmarks: Sendable {
    public var episodes = 100
    /// Episodes of the learned-perception case (each takes seconds).
    public var learnedEpisodes = 4
    public var methods = TeamMethod.scripted
    public var models = URL(fileURLWithPath: "Models")
    public init() {}

    public func run(emit: (BenchmarkRow) -> Void) throws -> BenchmarkSummary {
        for m in methods {
            var seed: UInt64 = 2_000_000
            let ms = medianMilliseconds(repetitions: 3, warmup: 1) {
                for _ in 0..<episodes { _ = try? TeamEpisode.run(m, config: TeamSearchConfig(), seed: seed); seed += 1 }
            } / Double(episodes)
            emit(BenchmarkRow(suite: "team", name: "episode_\(m.rawValue)", ms: ms, threads: 1, extra: ["episodes_per_second": 1000 / ms]))
        }
        var cases = methods.count
        if FileManager.default.fileExists(atPath: models.appendingPathComponent("bev/model.safetensors").path) {
            var config = TeamSearchConfig()
            config.perception = .learned
            var agentSteps = 0, seed: UInt64 = 2_000_000
            let start = Date()
            for _ in 0..<learnedEpisodes {
                agentSteps += try TeamEpisode.run(.event, config: config, seed: seed, models: models).steps * config.agents
                seed += 1
            }
            let seconds = Date().timeIntervalSince(start)
            emit(BenchmarkRow(suite: "team", name: "episode_event_learned_perception", ms: 1000 * seconds / Double(learnedEpisodes), threads: 1,
                              extra: ["agent_steps_per_second": Double(agentSteps) / seconds, "episodes": Double(learnedEpisodes)]))
            cases += 1
        }
        return BenchmarkSummary(suite: "team", cases: cases, threads: 1)
    }
}
