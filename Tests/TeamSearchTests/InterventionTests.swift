import Foundation
import Testing
import InfoBottleneck
import MazeEnv
@testable import TeamSearch

@Suite("Interventions")
struct InterventionTests {
    /// A false sighting put into agent 0's inbox becomes its belief, and is forgotten once the false cell is in
    /// view without the object.
    @Test func falseMessagesArriveAndAreUndone() throws {
        var config = TeamSearchConfig()
        config.mazeSize = 15
        var believed = false, forgotten = false
        var fake: MapCell?
        _ = try TeamEpisode.run(.none, config: config, seed: 2_000_004) { env, team in
            let goal = env.observations()[0].goal
            if env.step == 3 {
                let g = env.goalObject
                let far = env.layout.freeCells.first { abs($0.x - Int(g.x)) + abs($0.y - Int(g.y)) >= 8 }!
                fake = MapCell(far.x, far.y)
                let codec = TeamCodec(mazeSize: 15, objects: env.observations()[0].colors.count)
                env.inject(codec.encode(.sighting(Sighting(object: goal, cell: fake!))), from: 1, to: 0)
            }
            if env.step > 4, team[0].agent.sightings[goal] == fake { believed = true }
            if believed, team[0].agent.sightings[goal] != fake { forgotten = true }
        }
        #expect(believed && forgotten)
    }

    /// With every message lost, `event` agents know only what they see, so they move exactly as `none` agents do.
    @Test func droppingEveryMessageLeavesWhatNoMessagesDo() throws {
        var config = TeamSearchConfig()
        config.mazeSize = 9
        let r = try TeamIntervention(.dropAll, method: .event, config: config, mazes: 8, jobs: 2)
        let none = try (0..<8).map { try TeamEpisode.run(.none, config: config, seed: 2_000_000 + UInt64($0)) }
        #expect(r.perturbedSuccess == Double(none.filter(\.success).count) / 8)
        #expect(r.perturbedCI95[0] <= r.perturbedSuccess && r.perturbedSuccess <= r.perturbedCI95[1])
    }

    /// Faults: corrupted messages are rejected by the checksum (none reaches a decoder), and a silent agent's
    /// messages never reach the channel.
    @Test func faultsAreCaughtNotCrashed() throws {
        var config = TeamSearchConfig()
        config.mazeSize = 9; config.rate = BitRate(128); config.corruptionProbability = 0.3
        var rejected = 0
        for seed in UInt64(2_000_000)..<2_000_006 {
            let r = try TeamEpisode.run(.broadcastLocal, config: config, seed: seed)
            rejected += r.messagesRejected
            #expect(r.undecodable == 0)
        }
        #expect(rejected > 0)
        config.corruptionProbability = 0; config.silentAgent = 1; config.silentFrom = 0
        var senders = Set<Int>()
        _ = try TeamEpisode.run(.broadcastLocal, config: config, seed: 2_000_001) { env, _ in
            for d in env.deliveries { senders.insert(d.envelope.sender) }
        }
        #expect(senders == [0])
    }
}
