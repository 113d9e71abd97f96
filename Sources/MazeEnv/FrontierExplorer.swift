import Foundation

/// Frontier exploration on the agent's own map: go to the nearest known-free cell that borders unknown
/// space, along a shortest path over known-free cells; when nothing is left to see, wander between random
/// known-free cells. It acts on its ``Observation`` alone: what it knows of the maze is the ``CellMap`` its
/// perceptions have drawn.
public struct FrontierExplorer: MazePolicy, Sendable {
    public let size: Int
    /// What the agent has seen of each cell.
    public private(set) var map: CellMap
    /// Cells the agent's body has been in.
    public private(set) var visited: [Bool]
    private var plan: [(x: Int, y: Int)] = []
    private var rng: UInt64

    public init(size: Int, seed: UInt64 = 1) {
        self.size = size
        map = CellMap(size: size)
        visited = Array(repeating: false, count: size * size)
        rng = seed | 1
    }

    /// Seen cells (free or wall), row-major.
    public var seen: [Bool] { map.cells.map { $0 != .unknown } }

    /// Fraction of the maze's free cells that have been seen.
    public func coverage(of layout: MazeLayout) -> Float { map.coverage(of: layout) }

    public mutating func act(_ observation: Observation) -> MazeAction {
        map.integrate(observation.perception)
        let a = observation.pose
        let here = (x: Int(a.x.rounded(.down)), y: Int(a.y.rounded(.down)))
        visited[here.y * size + here.x] = true
        if let i = plan.firstIndex(where: { $0 == here }) { plan.removeFirst(i + 1) }
        if plan.isEmpty || plan.contains(where: { map[$0.x, $0.y] == .wall }) || frontierGone() {
            plan = replan(from: here)
        }
        guard let next = plan.first else { return .left }
        return .steer(from: a, toward: (Float(next.x) + 0.5, Float(next.y) + 0.5))
    }

    private func isFrontier(_ x: Int, _ y: Int) -> Bool {
        map[x, y] == .free && hasUnknownNeighbour((x, y))
    }

    private func frontierGone() -> Bool {
        guard let goal = plan.last else { return true }
        return map.isComplete ? false : !hasUnknownNeighbour(goal)
    }

    private func hasUnknownNeighbour(_ c: (x: Int, y: Int)) -> Bool {
        for (nx, ny) in GridPlanner.neighbours(c.x, c.y)
        where nx >= 0 && ny >= 0 && nx < size && ny < size && map[nx, ny] == .unknown { return true }
        return false
    }

    private mutating func replan(from here: (x: Int, y: Int)) -> [(x: Int, y: Int)] {
        let passable: (Int, Int) -> Bool = { [map] x, y in map[x, y] == .free || (x == here.x && y == here.y) }
        if let p = GridPlanner.path(size: size, from: here, passable: passable, goal: { x, y in
            (x != here.x || y != here.y) && self.isFrontier(x, y)
        }) { return Array(p.dropFirst()) }
        // Everything reachable is seen: wander to a random known-free cell.
        rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let known = map.knownFreeCells
        guard !known.isEmpty else { return [] }
        let goal = known[Int((rng >> 33) % UInt64(known.count))]
        return Array((GridPlanner.path(size: size, from: here, passable: passable, goal: { $0 == goal.x && $1 == goal.y }) ?? []).dropFirst())
    }
}

extension FrontierExplorer {
    /// One frontier explorer's episode in a single-agent `world`: `steps` steps (fewer if the episode ends),
    /// with egocentric views rendered into the observations when `renderer` is set. Returns the recording
    /// and the explorer (its map, coverage).
    public static func explore(_ world: MazeWorld, steps: Int, seed: UInt64, renderer: EgocentricRenderer? = EgocentricRenderer(),
                               onStep: (_ step: Int, _ env: MultiAgentEnv) throws -> Void) rethrows -> (trajectory: Trajectory, explorer: FrontierExplorer) {
        let env = MultiAgentEnv(world: world, renderer: renderer)
        var explorer = [FrontierExplorer(size: world.layout.size, seed: seed)]
        let trajectory = try Rollout.run(env, policies: &explorer, steps: steps, onStep: onStep)
        return (trajectory, explorer[0])
    }

    /// ``explore(_:steps:seed:renderer:onStep:)`` with nothing to do after each step.
    public static func explore(_ world: MazeWorld, steps: Int, seed: UInt64,
                               renderer: EgocentricRenderer? = EgocentricRenderer()) -> (trajectory: Trajectory, explorer: FrontierExplorer) {
        explore(world, steps: steps, seed: seed, renderer: renderer, onStep: { _, _ in })
    }
}
