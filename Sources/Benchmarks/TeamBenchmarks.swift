import Foundation
import InfoBottleneck
import TeamSearch

/// The team suite: milliseconds per episode of each method on the default task (15×15, two agents, 4 bits per
/// step, ground-truth perception) on one thread; `episodes_per_second` beside it. No external reference exists.
public struct TeamBenchmarks: Sendable {
    public var episodes = 100
    public var methods = TeamMethod.scripted
    public init() {}

    public func run(emit: (BenchmarkRow) -> Void) throws -> BenchmarkSummary {
        for m in methods {
            var seed: UInt64 = 2_000_000
            let ms = medianMilliseconds(repetitions: 3, warmup: 1) {
                for _ in 0..<episodes { _ = try? TeamEpisode.run(m, config: TeamSearchConfig(), seed: seed); seed += 1 }
            } / Double(episodes)
            emit(BenchmarkRow(suite: "team", name: "episode_\(m.rawValue)", ms: ms, threads: 1, extra: ["episodes_per_second": 1000 / ms]))
        }
        return BenchmarkSummary(suite: "team", cases: methods.count, threads: 1)
    }
}
