import Foundation

/// Breadth-first shortest paths over a grid of passable cells (4-connectivity).
public enum GridPlanner {
    /// Cells from `start` to the nearest cell satisfying `goal`, both included; nil when none is reachable.
    public static func path(size n: Int, from start: (x: Int, y: Int), passable: (Int, Int) -> Bool,
                            goal: (Int, Int) -> Bool) -> [(x: Int, y: Int)]? {
        guard start.x >= 0, start.y >= 0, start.x < n, start.y < n else { return nil }
        var parent = [Int](repeating: -2, count: n * n)
        let s = start.y * n + start.x
        parent[s] = -1
        var queue = [s], head = 0
        while head < queue.count {
            let c = queue[head]; head += 1
            let x = c % n, y = c / n
            if goal(x, y) {
                var out: [(x: Int, y: Int)] = []
                var k = c
                while k >= 0 { out.append((k % n, k / n)); k = parent[k] }
                return out.reversed()
            }
            for (nx, ny) in [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)]
            where nx >= 0 && ny >= 0 && nx < n && ny < n && parent[ny * n + nx] == -2 && passable(nx, ny) {
                parent[ny * n + nx] = c
                queue.append(ny * n + nx)
            }
        }
        return nil
    }

    /// Shortest path between two cells over the free cells of `layout`.
    public static func path(in layout: MazeLayout, from a: (x: Int, y: Int), to b: (x: Int, y: Int)) -> [(x: Int, y: Int)]? {
        path(size: layout.size, from: a, passable: { layout.isFree($0, $1) }, goal: { $0 == b.x && $1 == b.y })
    }
}

/// Frontier exploration from what an agent has seen: go to the nearest known-free cell that borders unseen
/// space, along a shortest path over known-free cells; when nothing is left to see, wander between random
/// known cells. Observations come from the same visibility raycasting as the BEV ground truth.
public struct FrontierExplorer: Sendable {
    public let size: Int
    /// Seen cells (free or wall).
    public private(set) var seen: [Bool]
    /// Cells the agent's body has been in.
    public private(set) var visited: [Bool]
    private var plan: [(x: Int, y: Int)] = []
    private var rng: UInt64

    public init(size: Int, seed: UInt64 = 1) {
        self.size = size
        seen = Array(repeating: false, count: size * size)
        visited = seen
        rng = seed | 1
    }

    /// Fraction of the maze's free cells that have been seen.
    public func coverage(of layout: MazeLayout) -> Float {
        let free = layout.freeCells
        return Float(free.filter { seen[$0.y * size + $0.x] }.count) / Float(max(free.count, 1))
    }

    /// Chooses the next action for agent `index` of `world`.
    public mutating func act(_ world: MazeWorld, agent index: Int) -> MazeAction {
        let visible = world.visibleCells(agent: index)
        for i in visible.indices where visible[i] { seen[i] = true }
        let a = world.agents[index], layout = world.layout
        let here = (x: Int(a.x.rounded(.down)), y: Int(a.y.rounded(.down)))
        visited[here.y * size + here.x] = true
        if let i = plan.firstIndex(where: { $0 == here }) { plan.removeFirst(i + 1) }
        if plan.isEmpty || plan.contains(where: { seen[$0.y * size + $0.x] && !layout.isFree($0.x, $0.y) }) || frontierGone() {
            plan = replan(from: here, layout: layout)
        }
        guard let next = plan.first else { return .left }
        return steer(a, toward: (Float(next.x) + 0.5, Float(next.y) + 0.5))
    }

    private func isKnownFree(_ layout: MazeLayout, _ x: Int, _ y: Int) -> Bool { seen[y * size + x] && layout.isFree(x, y) }

    private func isFrontier(_ layout: MazeLayout, _ x: Int, _ y: Int) -> Bool {
        guard isKnownFree(layout, x, y) else { return false }
        for (nx, ny) in [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)] where nx >= 0 && ny >= 0 && nx < size && ny < size {
            if !seen[ny * size + nx] { return true }
        }
        return false
    }

    private func frontierGone() -> Bool {
        guard let goal = plan.last else { return true }
        return seen.allSatisfy { $0 } ? false : !seenHasUnseenNeighbour(goal)
    }

    private func seenHasUnseenNeighbour(_ c: (x: Int, y: Int)) -> Bool {
        for (nx, ny) in [(c.x + 1, c.y), (c.x - 1, c.y), (c.x, c.y + 1), (c.x, c.y - 1)]
        where nx >= 0 && ny >= 0 && nx < size && ny < size && !seen[ny * size + nx] { return true }
        return false
    }

    private mutating func replan(from here: (x: Int, y: Int), layout: MazeLayout) -> [(x: Int, y: Int)] {
        let passable: (Int, Int) -> Bool = { [seen, size] x, y in seen[y * size + x] && layout.isFree(x, y) || (x == here.x && y == here.y) }
        if let p = GridPlanner.path(size: size, from: here, passable: passable, goal: { x, y in
            (x != here.x || y != here.y) && self.isFrontier(layout, x, y)
        }) { return Array(p.dropFirst()) }
        // Everything reachable is seen: wander to a random known-free cell.
        rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let known = layout.freeCells.filter { seen[$0.y * size + $0.x] }
        guard !known.isEmpty else { return [] }
        let goal = known[Int((rng >> 33) % UInt64(known.count))]
        return Array((GridPlanner.path(size: size, from: here, passable: passable, goal: { $0 == goal.x && $1 == goal.y }) ?? []).dropFirst())
    }

    /// Turn toward a waypoint, moving forward once roughly facing it.
    func steer(_ a: AgentState, toward p: (Float, Float)) -> MazeAction {
        var d = atan2(p.1 - a.y, p.0 - a.x) - a.heading
        while d > .pi { d -= 2 * .pi }
        while d < -.pi { d += 2 * .pi }
        if abs(d) < 0.2 { return .forward }
        if abs(d) < 0.7 { return d > 0 ? .forwardLeft : .forwardRight }
        return d > 0 ? .left : .right
    }
}
