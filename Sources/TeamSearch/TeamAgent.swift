import Basics
import Foundation
import InfoBottleneck
import MazeEnv

/// The runtime every team method shares: the agent's own map and object sightings, its pose, what it believes
/// each partner knows (kept from what it sent and received), partners' announced goals, and a planner on its
/// own map (A* with unknown cells optimistic toward a known goal; the nearest unclaimed frontier otherwise),
/// replanning when the map changes under the plan.
public struct TeamAgent: Sendable {
    public let index: Int, mazeSize: Int, agents: Int
    public private(set) var map: CellMap
    /// Where each object was seen (index → cell).
    public private(set) var sightings: [Int: MapCell] = [:]
    public private(set) var pose = AgentState(x: 0, y: 0, heading: 0)
    /// What this agent believes each partner knows of the maze.
    public private(set) var partnerKnows: [Int: CellMap] = [:]
    /// Partners' last reported cells and announced goals.
    public private(set) var partnerCell: [Int: MapCell] = [:]
    public private(set) var partnerGoal: [Int: MapCell] = [:]
    /// The cell the agent is heading for, and the path there.
    public private(set) var goal: MapCell?
    private var plan: [MapCell] = []
    private var wander: UInt64
    /// Steps in a row the agent asked to move and did not (a partner's body in the way).
    private var stuck = 0, alongside = 0
    /// Cells known only from messages, not yet seen (row-major indices): what a false message can have planted.
    private var hearsay = Set<Int>()
    private var lastMove: MazeAction = .noop

    public init(index: Int, mazeSize: Int, agents: Int, seed: UInt64 = 1) {
        self.index = index; self.mazeSize = mazeSize; self.agents = agents
        map = CellMap(size: mazeSize)
        for p in 0..<agents where p != index { partnerKnows[p] = CellMap(size: mazeSize) }
        wander = (seed &+ UInt64(index)) | 1
    }

    public var cell: MapCell { MapCell(Int(pose.x.rounded(.down)), Int(pose.y.rounded(.down))) }

    /// Takes in this step's own observation: pose and perception.
    public mutating func perceive(_ o: Observation) {
        let moved = hypot(o.selfMotion.dx, o.selfMotion.dy) > 0.05      // a forward step covers at least 0.15
        stuck = !moved && [.forward, .forwardLeft, .forwardRight].contains(lastMove) ? stuck + 1 : 0
        pose = o.pose
        map.integrate(o.perception)
        for c in o.perception.cells { hearsay.remove(c.y * mazeSize + c.x) }
        // A sighting (told or seen) whose cell is in view without its object was wrong: forget it.
        let inView = Set(o.perception.cells.map { MapCell($0.x, $0.y) }), seen = Set(o.perception.targets.map(\.index))
        for (k, c) in sightings where inView.contains(c) && !seen.contains(k) { sightings[k] = nil }
        // The newest own sighting wins: a learned detector places an object better from close by.
        for t in o.perception.targets {
            let c = MapCell(min(max(Int(t.x.rounded(.down)), 0), mazeSize - 1), min(max(Int(t.y.rounded(.down)), 0), mazeSize - 1))
            if map[c.x, c.y] != .wall { sightings[t.index] = c }
        }
    }

    /// Merges what `sender` said; the sender knows what it sent.
    public mutating func receive(_ m: TeamMessage, from sender: Int) {
        switch m {
        case .sighting(let s): learn(s)
        case .pose(let p): partnerCell[sender] = p.cell
        case .goal(let c): partnerGoal[sender] = c
        case .patch(let centre, let patch):
            let r = patch.side / 2
            for dy in -r...r { for dx in -r...r { learn(MapCell(centre.x + dx, centre.y + dy), patch.cells[(dy + r) * patch.side + dx + r], from: sender) } }
        case .snapshot(let other, let p, let s):
            for y in 0..<mazeSize { for x in 0..<mazeSize { learn(MapCell(x, y), other[x, y], from: sender) } }
            partnerCell[sender] = p.cell; s.forEach { learn($0) }
        case .codedPatch:
            break    // decoded into a `.patch` by the member that holds the learned code
        case .local(let origin, let width, let states, let p, let s):
            for (k, state) in states.enumerated() { learn(MapCell(origin.x + k % width, origin.y + k / width), state, from: sender) }
            partnerCell[sender] = p.cell; s.forEach { learn($0) }
        }
    }

    /// Records that `partners` will know `cells` (what this agent just sent them).
    public mutating func told(_ cells: [MapCell], to partners: [Int]) {
        for p in partners { for c in cells where map[c.x, c.y] != .unknown { partnerKnows[p]?[c.x, c.y] = map[c.x, c.y] } }
    }

    mutating func learn(_ s: Sighting) { if sightings[s.object] == nil { sightings[s.object] = s.cell } }

    mutating func learn(_ c: MapCell, _ state: CellState, from sender: Int) {
        guard state != .unknown, c.x >= 0, c.y >= 0, c.x < mazeSize, c.y < mazeSize else { return }
        if map[c.x, c.y] == .unknown { map[c.x, c.y] = state; hearsay.insert(c.y * mazeSize + c.x) }
        partnerKnows[sender]?[c.x, c.y] = state
    }

    /// Merges another map wholesale (the oracle's shared memory).
    public mutating func absorb(_ other: CellMap, sightings others: [Int: MapCell]) {
        map.fill(from: other)
        for (k, c) in others where sightings[k] == nil { sightings[k] = c }
    }

    /// The next move toward object `object` when its place is known, else toward the best frontier (one not
    /// claimed by a partner when another is left). `claimed` adds goals to avoid (the oracle's shared claims).
    public mutating func move(toward object: Int, claimed: [MapCell] = []) -> MazeAction {
        lastMove = decide(toward: object, claimed: claimed)
        return lastMove
    }

    mutating func decide(toward object: Int, claimed: [MapCell]) -> MazeAction {
        let here = cell
        if let target = sightings[object] {
            let centre = (Float(target.x) + 0.5, Float(target.y) + 0.5)
            let d = hypot(pose.x - centre.0, pose.y - centre.1)
            // A partner settled on the object blocks its centre: come alongside, 0.45 from the centre and off the
            // line between them (bodies are 0.4 across; the goal counts within 0.5), trying other sides in turn.
            if d < 1.2 && (stuck >= 2 || alongside > 0) {
                alongside += 1
                if d <= 0.47 { return .noop }
                let offsets: [Float] = [0.7, -0.7, 1.2, -1.2, 0.35, -0.35]
                let away = atan2(pose.y - centre.1, pose.x - centre.0) + offsets[(alongside / 8) % offsets.count]
                return .steer(from: pose, toward: (centre.0 + 0.45 * cos(away), centre.1 + 0.45 * sin(away)))
            }
        }
        if let target = sightings[object] {
            if here == target {
                // Settle on the object's centre, so that partners can reach it too around the agent's body.
                let centre = (Float(target.x) + 0.5, Float(target.y) + 0.5)
                return hypot(pose.x - centre.0, pose.y - centre.1) < 0.12 ? .noop : .steer(from: pose, toward: centre)
            }
            if goal != target || plan.isEmpty || planBlocked() {
                goal = target; plan = path(to: target)
                if plan.isEmpty && forgetHearsayWalls() { plan = path(to: target) }
            }
        } else if goal == nil || plan.isEmpty || planBlocked() || !isFrontier(goal!) {
            goal = chooseFrontier(from: here, avoiding: Array(partnerGoal.values) + claimed)
            if goal.map({ !isFrontier($0) }) ?? true, forgetHearsayWalls() { goal = chooseFrontier(from: here, avoiding: Array(partnerGoal.values) + claimed) }
            plan = goal.map { path(to: $0) } ?? []
        }
        if let i = plan.firstIndex(of: here) { plan.removeFirst(i + 1) }
        guard let next = plan.first else { return .left }
        return .steer(from: pose, toward: (Float(next.x) + 0.5, Float(next.y) + 0.5))
    }

    /// When the own map leaves no way on, walls only heard of may be false (a ghost region): forget them.
    /// Returns whether any were forgotten.
    mutating func forgetHearsayWalls() -> Bool {
        let walls = hearsay.filter { map.cells[$0] == .wall }
        for i in walls { map[i % mazeSize, i / mazeSize] = .unknown; hearsay.remove(i) }
        return !walls.isEmpty
    }

    func planBlocked() -> Bool { plan.contains { map[$0.x, $0.y] == .wall } }

    func isFrontier(_ c: MapCell) -> Bool {
        map[c.x, c.y] == .free && GridPlanner.neighbours(c.x, c.y).contains { $0.0 >= 0 && $0.1 >= 0 && $0.0 < mazeSize && $0.1 < mazeSize && map[$0.0, $0.1] == .unknown }
    }

    /// A* on the own map with unknown cells optimistic (only known walls block).
    func path(to target: MapCell) -> [MapCell] {
        let here = cell
        let p = GridPlanner.aStar(size: mazeSize, from: (here.x, here.y), to: (target.x, target.y)) { [map] x, y in map[x, y] != .wall }
        return (p ?? []).dropFirst().map { MapCell($0.x, $0.y) }
    }

    /// The nearest frontier (breadth-first over known-free cells) at least 4 cells from every avoided goal,
    /// else the nearest; a random known-free cell when nothing is left to explore.
    mutating func chooseFrontier(from here: MapCell, avoiding: [MapCell]) -> MapCell? {
        let passable: (Int, Int) -> Bool = { [map] x, y in map[x, y] == .free || (x == here.x && y == here.y) }
        let far: (Int, Int) -> Bool = { x, y in avoiding.allSatisfy { abs($0.x - x) + abs($0.y - y) >= 4 } }
        let snapshot = self
        let frontier: (Int, Int) -> Bool = { x, y in (x != here.x || y != here.y) && snapshot.isFrontier(MapCell(x, y)) }
        if let p = GridPlanner.path(size: mazeSize, from: (here.x, here.y), passable: passable, goal: { frontier($0, $1) && far($0, $1) })
            ?? GridPlanner.path(size: mazeSize, from: (here.x, here.y), passable: passable, goal: frontier), let last = p.last {
            return MapCell(last.x, last.y)
        }
        let known = map.knownFreeCells
        guard !known.isEmpty else { return nil }
        wander = wander &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let c = known[Int((wander >> 33) % UInt64(known.count))]
        return MapCell(c.x, c.y)
    }

    /// Cells of `map` that partner `p` is not believed to know, in an 11×11 window around `centre`.
    public func unknownToPartner(_ p: Int, around centre: MapCell, radius: Int = 5) -> [MapCell] {
        guard let theirs = partnerKnows[p] else { return [] }
        var out: [MapCell] = []
        for dy in -radius...radius { for dx in -radius...radius {
            let x = centre.x + dx, y = centre.y + dy
            guard x >= 0, y >= 0, x < mazeSize, y < mazeSize, map[x, y] != .unknown, theirs[x, y] == .unknown else { continue }
            out.append(MapCell(x, y))
        } }
        return out
    }
}
