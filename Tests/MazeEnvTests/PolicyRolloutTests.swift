import Foundation
import Testing
import Basics
@testable import MazeEnv

@Suite("Observations, policies and rollouts")
struct PolicyRolloutTests {
    /// A* and breadth-first search agree on shortest-path lengths over random mazes and random cell pairs,
    /// and both return connected paths through passable cells only.
    @Test func aStarMatchesBreadthFirstLengths() throws {
        var rng = RandomGenerator(seed: 11)
        for seed in 1...6 {
            let layout = MazeGenerator.generate(try MazeConfig.memoryMaze(11), seed: UInt64(seed)).layout
            let free = layout.freeCells
            for _ in 0..<20 {
                let a = free[rng.nextInt(free.count)], b = free[rng.nextInt(free.count)]
                let bfs = GridPlanner.path(size: layout.size, from: a, passable: layout.isFree, goal: { $0 == b.x && $1 == b.y })
                let star = GridPlanner.aStar(size: layout.size, from: a, to: b, passable: layout.isFree)
                #expect(bfs?.count == star?.count)
                guard let star else { continue }
                #expect(star.first! == a && star.last! == b)
                for (p, q) in zip(star, star.dropFirst()) { #expect(abs(p.x - q.x) + abs(p.y - q.y) == 1 && layout.isFree(q.x, q.y)) }
            }
        }
        // Unreachable goals: nil from both.
        let blocked: (Int, Int) -> Bool = { x, _ in x != 2 }
        #expect(GridPlanner.aStar(size: 5, from: (0, 0), to: (4, 4), passable: blocked) == nil)
        #expect(GridPlanner.path(size: 5, from: (0, 0), passable: blocked, goal: { $0 == 4 && $1 == 4 }) == nil)
    }

    /// An observation holds the agent's own pose and motion and exactly the cells it can see, with their true
    /// state; the first observation has no motion, later ones the step's displacement.
    @Test func observationsHoldOnlyWhatTheAgentSees() throws {
        let world = try MazeWorld(size: 9, seed: 3, agents: 2)
        let env = MultiAgentEnv(world: world)
        #expect(env.observations.map(\.agent) == [0, 1] && env.observations.allSatisfy { $0.selfMotion == .zero && $0.step == 0 })
        let before = world.agents
        env.step([.forward, .left])
        for i in 0..<2 {
            let o = env.observations[i], n = world.layout.size
            #expect(o.pose == world.agents[i] && o.step == 1)
            #expect(o.selfMotion.dx == world.agents[i].x - before[i].x && o.selfMotion.dy == world.agents[i].y - before[i].y)
            let visible = world.visibleCells(agent: i)
            #expect(o.perception.cells.map { $0.y * n + $0.x } == visible.indices.filter { visible[$0] })
            #expect(o.perception.cells.allSatisfy { ($0.state == .free) == world.layout.isFree($0.x, $0.y) })
            #expect(o.view == nil && o.messages.isEmpty)
        }
        env.deliver(ReceivedMessage(sender: 0, bits: [true, false]), to: 1)
        env.step([.noop, .noop])
        #expect(env.observations[1].messages == [ReceivedMessage(sender: 0, bits: [true, false])] && env.observations[0].messages.isEmpty)
        env.step([.noop, .noop])
        #expect(env.observations[1].messages.isEmpty)
    }

    /// The rollout records steps + 1 observations and one action, reward and done per step, runs the policies
    /// in agent order, applies `adjust`, and stops at the end of the episode.
    @Test func rolloutRecordsAndStopsAtTheEpisodeEnd() throws {
        struct Script: MazePolicy {
            var seen: [Int] = []
            mutating func act(_ o: Observation) -> MazeAction { seen.append(o.step); return .forward }
        }
        let maze = MazeGenerator.generate(try MazeConfig.memoryMaze(9), seed: 5)
        let env = MultiAgentEnv(world: MazeWorld(maze: maze, agents: 2, seed: 5))
        var policies = [Script(), Script()]
        let record = Rollout.run(env, policies: &policies, steps: 7, adjust: { i, a in i == 1 ? .noop : a })
        #expect(record.steps == 7 && record.observations.count == 8 && record.rewards.count == 7 && record.dones == Array(repeating: false, count: 7))
        #expect(policies[0].seen == Array(0..<7) && policies[1].seen == Array(0..<7))
        #expect(record.actions.allSatisfy { $0 == [.forward, .noop] })
        #expect(record.observations(of: 1).allSatisfy { $0.selfMotion == .zero })
        let long = Rollout.run(env, policies: &policies, steps: 100_000)
        #expect(long.steps == env.world.episodeSteps - 7 && long.dones.last == true)
    }

    /// The explorer plans on its own map: it knows only cells it has perceived, never wrongly, and a halted
    /// explorer's map stops growing.
    @Test func explorerActsOnItsOwnMap() throws {
        let world = try MazeWorld(size: 11, seed: 6)
        let (trajectory, explorer) = FrontierExplorer.explore(world, steps: 300, seed: 6, renderer: nil)
        var perceived = Set<Int>()
        for o in trajectory.observations(of: 0).dropLast() { for c in o.perception.cells { perceived.insert(c.y * 11 + c.x) } }
        #expect(Set(explorer.map.cells.indices.filter { explorer.map.cells[$0] != .unknown }) == perceived)
        #expect(explorer.map.knownFreeCells.allSatisfy { world.layout.isFree($0.x, $0.y) })
        #expect(explorer.coverage(of: world.layout) > 0.6)

        let env = MultiAgentEnv(world: try MazeWorld(size: 11, seed: 6))
        var halted = [Halting(FrontierExplorer(size: 11, seed: 6), after: 5)]
        Rollout.run(env, policies: &halted, steps: 50)
        #expect(halted[0].taken == 5)
        var fresh = [FrontierExplorer(size: 11, seed: 6)]
        Rollout.run(MultiAgentEnv(world: try MazeWorld(size: 11, seed: 6)), policies: &fresh, steps: 5)
        #expect(halted[0].base.map == fresh[0].map)
    }

    /// Action noise replaces the action with probability p by a uniform one, drawing exactly as before.
    @Test func perturbedActionsFollowTheirProbability() {
        var rng = RandomGenerator(seed: 2)
        let actions = (0..<6000).map { _ in MazeAction.noop.perturbed(probability: 0.3, rng: &rng) }
        let changed = Double(actions.filter { $0 != .noop }.count) / 6000
        #expect(abs(changed - 0.3 * 5 / 6) < 0.03, "changed \(changed)")
        #expect(Set(actions).count == 6)
    }

    /// The tri-state map: outside is wall, perception overwrites, coverage counts known free cells.
    @Test func cellMapsRecordPerception() throws {
        var map = CellMap(size: 4)
        #expect(map[-1, 0] == .wall && map[0, 4] == .wall && map[1, 1] == .unknown && !map.isComplete)
        map.integrate(Perception(cells: [PerceivedCell(x: 1, y: 1, state: .free), PerceivedCell(x: 2, y: 1, state: .wall)]))
        #expect(map[1, 1] == .free && map[2, 1] == .wall && map.knownFreeCells.map(\.x) == [1])
        let image = map.image(scale: 2)
        #expect(image.width == 8 && image.pixels[((8 - 1 - 3) * 8 + 2) * 3] == 236)   // cell (1, 1), north up
    }
}
