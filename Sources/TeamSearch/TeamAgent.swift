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
    /// Sightings found wrong (the cell seen without its object, or retracted by a partner): never believed
    /// again from a message, only from the agent's own eyes.
    public private(set) var refuted: Set<Sighting> = []
    /// The sightings of the agent's own eyes in the latest step.
    public private(set) var sightedNow: Set<Sighting> = []
    /// How near (cells, to the cell's centre) a sighting's cell must be, in view and without its object, for the
    /// agent to take the sighting for wrong.
    public static let refutingDistance: Float = 2.5
    /// Frames in a row that must show the cell without its object.
    public static let refutingFrames = 3
    /// Frames in a row each sighting's cell has been seen without its object (by object index).
    private var misses: [Int: Int] = [:]
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
    /// Cells known only from messages, not yet seen (row-major indices): what a false message can have planted.
    private var hearsay = Set<Int>()

    public init(index: Int, mazeSize: Int, agents: Int, seed: UInt64 = 1) {
        self.index = index; self.mazeSize = mazeSize; self.agents = agents
        map = CellMap(size: mazeSize)
        for p in 0..<agents where p != index { partnerKnows[p] = CellMap(size: mazeSize) }
        wander = (seed &+ UInt64(index)) | 1
    }

    public var cell: MapCell { MapCell(Int(pose.x.rounded(.down)), Int(pose.y.rounded(.down))) }

    /// Takes in this step's own observation: pose and perception.
    public mutating func perceive(_ o: Observation) {
        pose = o.pose
        map.integrate(o.perception)
        for c in o.perception.cells { hearsay.remove(c.y * mazeSize + c.x) }
        // A sighting (told or seen) whose cell has been in view, close by, without its object for a few frames in a
        // row was wrong: forget it. Close by and more than once: a learned detector misses objects often enough
        // that one miss, or a far one, would refute the truth.
        let inView = Set(o.perception.cells.map { MapCell($0.x, $0.y) }), seen = Set(o.perception.targets.map(\.index))
        var missing: [Int: Int] = [:]
        for (k, c) in sightings where inView.contains(c) && !seen.contains(k)
            && hypot(Float(c.x) + 0.5 - pose.x, Float(c.y) + 0.5 - pose.y) <= Self.refutingDistance {
            missing[k] = (misses[k] ?? 0) + 1
            if missing[k]! >= Self.refutingFrames { sightings[k] = nil; refuted.insert(Sighting(object: k, cell: c)) }
        }
        misses = missing
        // The newest own sighting wins: a learned detector places an object better from close by.
        sightedNow = []
        for t in o.perception.targets {
            let c = MapCell(min(max(Int(t.x.rounded(.down)), 0), mazeSize - 1), min(max(Int(t.y.rounded(.down)), 0), mazeSize - 1))
            guard map[c.x, c.y] != .wall else { continue }
            sightings[t.index] = c
            sightedNow.insert(Sighting(object: t.index, cell: c))
        }
        refuted.subtract(sightedNow)
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
        case .retraction(let s): retract(s)
        case .local(let origin, let width, let states, let p, let s):
            for (k, state) in states.enumerated() { learn(MapCell(origin.x + k % width, origin.y + k / width), state, from: sender) }
            partnerCell[sender] = p.cell; s.forEach { learn($0) }
        }
    }

    /// Records that `partners` will know `cells` (what this agent just sent them).
    public mutating func told(_ cells: [MapCell], to partners: [Int]) {
        for p in partners { for c in cells where map[c.x, c.y] != .unknown { partnerKnows[p]?[c.x, c.y] = map[c.x, c.y] } }
    }

    /// Takes back a sighting a partner found wrong, unless the agent's own eyes see it now.
    public mutating func retract(_ s: Sighting) {
        guard !sightedNow.contains(s) else { return }
        refuted.insert(s)
        if sightings[s.object] == s.cell { sightings[s.object] = nil }
    }

    mutating func learn(_ s: Sighting) { if sightings[s.object] == nil && !refuted.contains(s) { sightings[s.object] = s.cell } }

    mutating func learn(_ c: MapCell, _ state: CellState, from sender: Int) {
        guard state != .unknown, c.x >= 0, c.y >= 0, c.x < mazeSize, c.y < mazeSize else { return }
        if map[c.x, c.y] == .unknown { map[c.x, c.y] = state; hearsay.insert(c.y * mazeSize + c.x) }
        partnerKnows[sender]?[c.x, c.y] = state
    }

    /// Merges another map and its sightings wholesale (the oracle's shared memory: its sightings fill the objects
    /// the agent has none for, refuted or not).
    public mutating func absorb(_ other: CellMap, sightings others: [Int: MapCell]) {
        map.fill(from: other)
        for (k, c) in others where sightings[k] == nil { sightings[k] = c }
    }

    /// The next move toward object `object` when its place is known, else toward the best frontier (one not
    /// claimed by a partner when another is left). `claimed` adds goals to avoid (the oracle's shared claims).
    public mutating func move(toward object: Int, claimed: [MapCell] = []) -> MazeAction {
        decide(toward: object, claimed: claimed)
    }

    /// The next move toward `target`, a cell the caller chose (a learned meta-controller's goal). With
    /// `isObject` the agent settles on the cell's centre.
    public mutating func move(to target: MapCell, isObject: Bool) -> MazeAction {
        walk(to: target, isObject: isObject)
    }

    mutating func decide(toward object: Int, claimed: [MapCell]) -> MazeAction {
        if let target = sightings[object] { return walk(to: target, isObject: true) }
        if goal == nil || plan.isEmpty || planBlocked() || !isFrontier(goal!) {
            goal = chooseFrontier(from: cell, avoiding: Array(partnerGoal.values) + claimed)
            if goal.map({ !isFrontier($0) }) ?? true, forgetHearsayWalls() { goal = chooseFrontier(from: cell, avoiding: Array(partnerGoal.values) + claimed) }
            plan = goal.map { path(to: $0) } ?? []
        }
        return followPlan()
    }

    mutating func walk(to target: MapCell, isObject: Bool) -> MazeAction {
        if isObject {
            let centre = (Float(target.x) + 0.5, Float(target.y) + 0.5)
            // Settle on the object's centre; once there the agent has reached it, and its body stands aside.
            if cell == target { return hypot(pose.x - centre.0, pose.y - centre.1) < 0.12 ? .noop : .steer(from: pose, toward: centre) }
        }
        if goal != target || plan.isEmpty || planBlocked() {
            goal = target; plan = path(to: target)
            if plan.isEmpty && forgetHearsayWalls() { plan = path(to: target) }
        }
        return followPlan()
    }

    mutating func followPlan() -> MazeAction {
        let here = cell
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

    /// Burgard et al.'s coordinated choice: the frontier cell (reachable over known-free cells) with the greatest
    /// utility minus cost. Utility starts at 1 and each goal a partner has taken lowers it by
    /// `1 − d / claimReach` within `claimReach` cells (d Euclidean: what the partner will see from there);
    /// cost is the path length over `costScale` cells. With no partner goals this is the nearest frontier.
    /// A random known-free cell when nothing is left to explore.
    mutating func chooseFrontier(from here: MapCell, avoiding: [MapCell]) -> MapCell? {
        var best: (cell: MapCell, score: Double)?
        for c in reachableFromHere(here) where (c.x != here.x || c.y != here.y) && isFrontier(MapCell(c.x, c.y)) {
            let score = Self.frontierScore(MapCell(c.x, c.y), distance: c.distance, avoiding: avoiding)
            if best.map({ score > $0.score }) ?? true { best = (MapCell(c.x, c.y), score) }
        }
        if let best { return best.cell }
        let known = map.knownFreeCells
        guard !known.isEmpty else { return nil }
        wander = wander &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let c = known[Int((wander >> 33) % UInt64(known.count))]
        return MapCell(c.x, c.y)
    }

    /// Cells reachable over known-free cells, nearest first, with their path lengths.
    func reachableFromHere(_ here: MapCell) -> [(x: Int, y: Int, distance: Int)] {
        GridPlanner.reachable(size: mazeSize, from: (here.x, here.y)) { [map] x, y in map[x, y] == .free || (x == here.x && y == here.y) }
    }

    /// Burgard et al.'s utility minus cost of exploring from `cell`, `distance` steps away.
    static func frontierScore(_ cell: MapCell, distance: Int, avoiding: [MapCell]) -> Double {
        var utility = 1.0
        for g in avoiding {
            let d = hypot(Double(g.x - cell.x), Double(g.y - cell.y))
            if d < claimReach { utility -= 1 - d / claimReach }
        }
        return utility - Double(distance) / costScale
    }

    /// A connected stretch of frontier (4-connected frontier cells), as a goal a meta-controller can pick.
    public struct FrontierCluster: Sendable, Equatable {
        /// The cluster's cell with the best utility minus cost: where to walk.
        public var cell: MapCell
        /// Path length there over known-free cells.
        public var distance: Int
        /// Frontier cells in the cluster, and unknown cells within two cells of `cell`.
        public var size: Int, unknownNearby: Int
        /// Burgard et al.'s utility and utility minus cost of `cell` (what the scripted agents maximise).
        public var utility: Double, score: Double
    }

    /// The reachable frontier clusters, best score first, at most `limit`. The first is the cluster holding
    /// the cell the scripted agents would walk to (their frontier choice), when any frontier is reachable.
    public func frontierClusters(limit: Int, avoiding: [MapCell]) -> [FrontierCluster] {
        let here = cell
        let reach = reachableFromHere(here)
        var distance = [Int: Int]()
        for c in reach { distance[c.y * mazeSize + c.x] = c.distance }
        let order = Dictionary(uniqueKeysWithValues: reach.enumerated().map { ($0.element.y * mazeSize + $0.element.x, $0.offset) })
        var cluster = [Int: Int](), clusters: [(FrontierCluster, order: Int)] = []
        for c in reach where (c.x != here.x || c.y != here.y) && cluster[c.y * mazeSize + c.x] == nil && isFrontier(MapCell(c.x, c.y)) {
            var stack = [c.y * mazeSize + c.x], members: [Int] = []
            cluster[stack[0]] = clusters.count
            while let k = stack.popLast() {
                members.append(k)
                for (nx, ny) in GridPlanner.neighbours(k % mazeSize, k / mazeSize)
                where nx >= 0 && ny >= 0 && nx < mazeSize && ny < mazeSize && cluster[ny * mazeSize + nx] == nil
                    && distance[ny * mazeSize + nx] != nil && (nx != here.x || ny != here.y) && isFrontier(MapCell(nx, ny)) {
                    cluster[ny * mazeSize + nx] = clusters.count; stack.append(ny * mazeSize + nx)
                }
            }
            // Ties go to the member first in breadth-first order, as in `chooseFrontier`.
            let best = members.map { k -> (Int, Double, Int) in
                (k, Self.frontierScore(MapCell(k % mazeSize, k / mazeSize), distance: distance[k]!, avoiding: avoiding), order[k]!)
            }.max { ($0.1, -$0.2) < ($1.1, -$1.2) }!
            let b = MapCell(best.0 % mazeSize, best.0 / mazeSize)
            var unknown = 0
            for dy in -2...2 { for dx in -2...2 {
                let x = b.x + dx, y = b.y + dy
                if x >= 0, y >= 0, x < mazeSize, y < mazeSize, map[x, y] == .unknown { unknown += 1 }
            } }
            clusters.append((FrontierCluster(cell: b, distance: distance[best.0]!, size: members.count, unknownNearby: unknown,
                                             utility: best.1 + Double(distance[best.0]!) / Self.costScale, score: best.1), best.2))
        }
        return clusters.sorted { ($0.0.score, -$0.order) > ($1.0.score, -$1.order) }.prefix(limit).map(\.0)
    }

    /// How far a partner's goal lowers a frontier's utility, and the path length worth one unit of utility.
    /// Chosen on calibration mazes (seeds 1,000,000–1,000,499, `oracle` and `event` at 128 and 4 bits per step,
    /// reach 4–12 × scale 4–16); Docs/TeamSearch.md lists the trials.
    static let claimReach = 8.0, costScale = 8.0

    /// For each partner, the first cell on its way to `target` (A* on this agent's map from the cell it last
    /// reported, or from the target outward) around which it lacks at least 4 cells this agent knows: where
    /// a map patch helps it most.
    public func routeGaps(to target: MapCell) -> [(partner: Int, centre: MapCell)] {
        partners.compactMap { p in
            let from = partnerCell[p] ?? target
            let route = GridPlanner.aStar(size: mazeSize, from: (from.x, from.y), to: (target.x, target.y)) { [map] x, y in map[x, y] != .wall } ?? []
            return (route.map { MapCell($0.x, $0.y) } + [target]).first { unknownToPartner(p, around: $0).count >= 4 }.map { (p, $0) }
        }
    }

    /// The other agents' indices.
    public var partners: [Int] { (0..<agents).filter { $0 != index } }

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
