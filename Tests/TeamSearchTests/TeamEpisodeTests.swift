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
        for method in TeamMethod.allCases {
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
        print("wins", wins)
        #expect(wins[.oracle]! >= wins[.event]! && wins[.event]! >= wins[.none]!)
    }
}
