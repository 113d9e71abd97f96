import Foundation
import Testing
@testable import TeamSearch
@testable import MazeEnv

@Suite struct TeamAgentTests {
    /// The best frontier cluster holds the cell the scripted agents walk to (utility minus cost), with and
    /// without partners' announced goals, along whole episodes.
    @Test func bestFrontierClusterIsTheScriptedChoice() throws {
        var config = TeamSearchConfig()
        config.mazeSize = 13
        for seed: UInt64 in [3, 8] {
            let env = try TeamSearchEnv(config: config, seed: seed)
            var team = TeamMember.team(.event, config: config, objects: env.observations()[0].colors.count, seed: seed)
            var observations = env.observations()
            for step in 0..<80 {
                for m in team {
                    var agent = m.agent
                    let avoiding = step % 2 == 0 ? [] : [MapCell(6, 6), agent.cell]
                    let clusters = agent.frontierClusters(limit: 5, avoiding: avoiding)
                    let choice = agent.chooseFrontier(from: agent.cell, avoiding: avoiding)
                    if let first = clusters.first { #expect(first.cell == choice) }
                    #expect(zip(clusters, clusters.dropFirst()).allSatisfy { $0.score >= $1.score })
                }
                let out = env.step(team.indices.map { team[$0].act(observations[$0]) })
                observations = out.observations
                if out.terminated || out.truncated { break }
            }
        }
    }

    /// Utility minus cost: a partner's goal lowers the utility of frontiers near it, so an agent between two
    /// equally near frontiers takes the one away from the partner's goal.
    @Test func partnersGoalsPushTheChoiceAway() {
        var agent = TeamAgent(index: 0, mazeSize: 9, agents: 2)
        var p = Perception()
        for x in 1...7 { p.cells.append(PerceivedCell(x: x, y: 4, state: .free)) }
        for x in 1...7 { p.cells.append(PerceivedCell(x: x, y: 3, state: .wall)); p.cells.append(PerceivedCell(x: x, y: 5, state: .wall)) }
        agent.perceive(Observation(agent: 0, step: 0, pose: AgentState(x: 4.5, y: 4.5, heading: 0), selfMotion: SelfMotion(dx: 0, dy: 0, dHeading: 0),
                                   perception: p, currentTarget: 0, messages: [], view: nil))
        // Frontiers at (1, 4) and (7, 4), three steps each way.
        #expect(agent.chooseFrontier(from: MapCell(4, 4), avoiding: [MapCell(7, 4)]) == MapCell(1, 4))
        #expect(agent.chooseFrontier(from: MapCell(4, 4), avoiding: [MapCell(1, 4)]) == MapCell(7, 4))
    }

    /// A retracted sighting is dropped and not believed again from any message (a snapshot still carrying it,
    /// a stale relay); only the agent's own eyes bring it back. The agent itself refutes a sighting after three
    /// frames in a row showing its cell, within 2.5 cells, without the object.
    @Test func retractedSightingsStayRetractedUntilSeen() {
        var agent = TeamAgent(index: 0, mazeSize: 9, agents: 2)
        let wrong = Sighting(object: 2, cell: MapCell(6, 4))
        func look(_ p: Perception) {
            agent.perceive(Observation(agent: 0, step: 0, pose: AgentState(x: 4.5, y: 4.5, heading: 0), selfMotion: SelfMotion(dx: 0, dy: 0, dHeading: 0),
                                       perception: p, currentTarget: 0, messages: [], view: nil))
        }
        agent.receive(.sighting(wrong), from: 1)
        #expect(agent.sightings[2] == MapCell(6, 4))
        agent.receive(.retraction(wrong), from: 1)
        #expect(agent.sightings[2] == nil && agent.refuted.contains(wrong))
        agent.receive(.sighting(wrong), from: 1)
        agent.receive(.snapshot(map: CellMap(size: 9), pose: PoseReport(cell: MapCell(1, 1), headingBin: 0), sightings: [wrong]), from: 1)
        #expect(agent.sightings[2] == nil)
        // Another cell for the same object is news, not the retracted claim.
        agent.receive(.sighting(Sighting(object: 2, cell: MapCell(7, 7))), from: 1)
        #expect(agent.sightings[2] == MapCell(7, 7))
        // Its own eyes see the object where the retraction said it was not: it believes them, and a late
        // retraction does not override what it sees.
        look(Perception(cells: [PerceivedCell(x: 6, y: 4, state: .free)], targets: [SightedTarget(index: 2, x: 6.5, y: 4.5)]))
        agent.receive(.retraction(wrong), from: 1)
        #expect(agent.sightings[2] == MapCell(6, 4) && !agent.refuted.contains(wrong))
        // Seeing the cell empty, close by, refutes it again: on the third frame in a row, not before (a detector
        // misses an object now and then).
        for frame in 1...3 {
            look(Perception(cells: [PerceivedCell(x: 6, y: 4, state: .free)], targets: []))
            #expect((agent.sightings[2] == nil) == (frame == 3) && agent.refuted.contains(wrong) == (frame == 3))
        }
        // Far away (4 cells), a cell in view without its object refutes nothing: a detector misses distant objects.
        let far = Sighting(object: 1, cell: MapCell(8, 4))
        agent.receive(.sighting(far), from: 1)
        for _ in 1...4 { look(Perception(cells: [PerceivedCell(x: 8, y: 4, state: .free)], targets: [])) }
        #expect(agent.sightings[1] == MapCell(8, 4) && !agent.refuted.contains(far))
    }
}
