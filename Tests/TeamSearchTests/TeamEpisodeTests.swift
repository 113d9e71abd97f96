import Foundation
import Testing
import InfoBottleneck
import MazeEnv
@testable import TeamSearch

@Suite("Team search episodes")
struct TeamEpisodeTests {
    /// On a fixed set of mazes the oracle succeeds at least as often as `event`, and `event` at least as often
    /// as `none`; every method keeps its agents out of walls and its wire bits within the budget.
    @Test func methodsOrderAsExpectedOnFixedMazes() throws {
        var config = TeamSearchConfig()
        config.mazeSize = 9; config.rate = BitRate(4)
        var wins: [TeamMethod: Int] = [:]
        for method in TeamMethod.scripted {
            for seed in UInt64(1)...16 {
                let r = try TeamEpisode.run(method, config: config, seed: seed) { env, _ in
                    for p in env.poses { #expect(env.layout.isFree(point: p.x, p.y)) }
                }
                wins[method, default: 0] += r.success ? 1 : 0
                #expect(r.wireBitsPerAgentStep <= config.rate.value + 1e-9)
                #expect(r.undecodable == 0)
                if method == .none || method == .oracle { #expect(r.messagesSent == 0) }
            }
        }
        #expect(wins[.oracle]! >= wins[.event]! && wins[.event]! >= wins[.none]!)
    }

    /// The broadcast baselines never send more than their 20 messages per agent, whatever the budget.
    @Test func quotasHold() throws {
        var config = TeamSearchConfig()
        config.mazeSize = 9
        for method in [TeamMethod.broadcast, .broadcastLocal] {
            for rate in [BitRate(128), BitRate(1, per: 4)] {
                config.rate = rate
                for seed in UInt64(1)...4 {
                    let r = try TeamEpisode.run(method, config: config, seed: seed)
                    #expect(r.messagesSent <= 20 * config.agents)
                }
            }
        }
    }

    /// A policy cannot reach the world: an observation holds values only, no reference to any object (the
    /// environment, the world, the channel or a partner's state), all the way down.
    @Test func observationsHoldNoReferences() throws {
        func references(_ value: Any, depth: Int = 0) -> [String] {
            let m = Mirror(reflecting: value)
            if m.displayStyle == .class { return [String(describing: type(of: value))] }
            guard depth < 8 else { return [] }
            return m.children.flatMap { references($0.value, depth: depth + 1) }
        }
        var config = TeamSearchConfig()
        config.mazeSize = 9
        let env = try TeamSearchEnv(config: config, seed: 3)
        var team = TeamMember.team(.event, config: config, objects: env.observations()[0].colors.count, seed: 3)
        var observations = env.observations()
        for _ in 0..<30 {
            for o in observations { #expect(references(o).isEmpty) }
            observations = env.step(team.indices.map { team[$0].act(observations[$0]) }).observations
        }
    }
}
