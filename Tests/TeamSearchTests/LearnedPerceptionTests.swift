import Foundation
import Testing
import BEV
import InfoBottleneck
import MazeEnv
@testable import TeamSearch

@Suite("Learned perception in the team task")
struct LearnedPerceptionTests {
    /// With learned perception a policy gets its rendered view and no true visibility; the shipped BEV model and
    /// detector, fused over frames, give each agent a map that is mostly right.
    @Test func agentsSeeThroughTheModelsOnly() throws {
        var config = TeamSearchConfig()
        config.mazeSize = 9; config.perception = .learned; config.tMax = 40
        let env = try TeamSearchEnv(config: config, seed: 2_000_003)
        for o in env.observations() { #expect(o.base.perception.cells.isEmpty && o.base.view?.width == 64) }
        let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models").standardized
        var right = 0, decided = 0
        _ = try TeamEpisode.run(.event, config: config, seed: 2_000_003, models: models) { env, team in
            guard env.step == 40 else { return }
            for m in team { for y in 0..<9 { for x in 0..<9 where m.agent.map[x, y] != .unknown {
                decided += 1
                if (m.agent.map[x, y] == .free) == env.layout.isFree(x, y) { right += 1 }
            } } }
        }
        #expect(decided > 20 && Double(right) / Double(decided) > 0.8, "\(right) of \(decided) cells right")
    }
}
