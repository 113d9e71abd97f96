import Foundation
import Testing
import Basics
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

    /// With the path integrator the agents act on dead-reckoned poses: the observed pose at each fix, the
    /// network's estimate in between, close to the truth; the rows say so; the learned policy refuses it.
    @Test func agentsCanActOnDeadReckonedPoses() throws {
        var config = TeamSearchConfig()
        config.mazeSize = 9; config.perception = .learned; config.tMax = 30; config.poseFixEvery = 10
        let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models").standardized
        var truth: [AgentState] = [], fixes = 0, estimates = 0, error: Float = 0
        let result = try TeamEpisode.run(.event, config: config, seed: 2_000_005, models: models) { env, team in
            // The members' poses now are what they believed of the poses before this step.
            if !truth.isEmpty {
                let observed = env.step - 1
                for (m, p) in zip(team, truth) {
                    if observed % 10 == 0 { #expect(m.agent.pose == p, "step \(observed) is a fix"); fixes += 1 } else {
                        estimates += 1; error += hypot(m.agent.pose.x - p.x, m.agent.pose.y - p.y)
                    }
                }
            }
            truth = env.poses
        }
        #expect(result.poseFixEvery == 10 && fixes >= 4 && estimates >= 30)
        #expect(error > 0 && error / Float(estimates) < 1, "mean dead-reckoning error \(error / Float(estimates)) cells")
        var wrong = config; wrong.perception = .groundTruth
        #expect(throws: ConfigError.self) { try wrong.validate() }
    }
}
