import Foundation
import Testing
import InfoBottleneck
import MazeEnv
@testable import TeamSearch

@Suite("Interventions")
struct InterventionTests {
    /// Puts a false goal sighting, 8 or more cells from the goal, into agent 0's inbox as if agent 1 had sent it.
    func injectFalseGoal(_ env: TeamSearchEnv) -> Sighting {
        let g = env.goalObject
        let far = env.layout.freeCells.first { abs($0.x - Int(g.x)) + abs($0.y - Int(g.y)) >= 8 }!
        let fake = Sighting(object: env.observations()[0].goal, cell: MapCell(far.x, far.y))
        env.inject(codec(env).encode(.sighting(fake)), from: 1, to: 0)
        return fake
    }

    func codec(_ env: TeamSearchEnv) -> TeamCodec { TeamCodec(mazeSize: env.config.mazeSize, objects: env.observations()[0].colors.count) }

    /// A false sighting put into agent 0's inbox becomes its belief, and is forgotten once the false cell is in
    /// view without the object.
    @Test func falseMessagesArriveAndAreUndone() throws {
        var config = TeamSearchConfig()
        config.mazeSize = 15
        var believed = false, forgotten = false
        var fake: MapCell?
        _ = try TeamEpisode.run(.none, config: config, seed: 2_000_004) { env, team in
            let goal = env.observations()[0].goal
            if env.step == 3 { fake = injectFalseGoal(env).cell }
            if env.step > 4, team[0].agent.sightings[goal] == fake { believed = true }
            if believed, team[0].agent.sightings[goal] != fake { forgotten = true }
        }
        #expect(believed && forgotten)
    }

    /// `event` passes a heard goal sighting on; when the agent that passed it on finds the cell empty, it takes it
    /// back with a retraction, and the partner drops it the next step instead of walking there to look.
    @Test func wrongSightingsPassedOnAreRetracted() throws {
        var config = TeamSearchConfig()
        config.mazeSize = 15; config.rate = BitRate(128)
        var fake: Sighting?
        var relayed = false, forgot0: Int?, forgot1: Int?, retractions = 0
        _ = try TeamEpisode.run(.event, config: config, seed: 2_000_004) { env, team in
            if env.step == 3 { fake = injectFalseGoal(env) }
            guard let fake else { return }
            if team[1].agent.sightings[fake.object] == fake.cell { relayed = true }
            if forgot0 == nil, env.step > 5, team[0].agent.refuted.contains(fake) { forgot0 = env.step }
            if relayed, forgot1 == nil, team[1].agent.sightings[fake.object] != fake.cell { forgot1 = env.step }
            retractions = env.deliveries.filter { d in
                guard case .success(let bits) = d.payload, d.envelope.sender == 0 else { return false }
                return (try? codec(env).decode(bits)) == .retraction(fake)
            }.count
        }
        #expect(relayed)
        #expect(retractions == 1)
        let f0 = try #require(forgot0), f1 = try #require(forgot1)
        #expect(f1 <= f0 + 2, "agent 1 dropped the wrong sighting at step \(f1), agent 0 found it wrong at \(f0)")
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
