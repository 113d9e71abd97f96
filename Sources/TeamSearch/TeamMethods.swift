import Basics
import BEV
import Foundation
import GridCell
import InfoBottleneck
import MazeEnv

/// A communication method of the team task, by name: the scripted ones defined here, or a learned one that
/// another module registers (``TeamMethod/register(_:quota:team:)``; `HRLICM` registers `hrlicm` and its
/// ablations). Every method is a ``TeamMemberPolicy`` per agent over the same ``TeamAgent`` runtime.
public struct TeamMethod: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// A scripted method's or a registered method's name; nil for any other name.
    public init?(rawValue: String) {
        guard Self.scripted.contains(where: { $0.rawValue == rawValue }) || Self.registered(rawValue) != nil else { return nil }
        self.rawValue = rawValue
    }

    init(scripted name: String) { rawValue = name }

    /// No messages.
    public static let none = TeamMethod(scripted: "none")
    /// Unlimited, instant shared map, sightings and goals: the upper bound.
    public static let oracle = TeamMethod(scripted: "oracle")
    /// Our reading of the paper's full broadcast: in each of 20 rounds spread evenly over `T_max`, everything the
    /// agent knows, raw (whole map at 2 bits per cell, pose, all sightings), to all, behind whatever is queued.
    public static let broadcast = TeamMethod(scripted: "broadcast")
    /// The literal variant: every step the raw local update (cells in view, pose, sightings) until 20 messages are spent.
    public static let broadcastLocal = TeamMethod(scripted: "broadcast-local")
    /// The strongest hand-designed protocol: the goal's sighting first; then, with an empty queue, the map
    /// patches a partner lacks on its way to the goal (or around the sender while searching), announced
    /// frontier goals and pose updates, each only when it can cross the link within 15 steps.
    public static let event = TeamMethod(scripted: "event")

    /// The scripted methods, in the sweep's default order.
    public static let scripted: [TeamMethod] = [.none, .broadcast, .broadcastLocal, .event, .oracle]

    public var description: String { rawValue }

    /// The per-sender message quota the method runs under.
    public var quota: Int? {
        if self == .broadcast || self == .broadcastLocal { return 20 }
        return Self.registered(rawValue)?.quota
    }

    /// Builds one episode's team of a registered method: the task, the number of objects, the maze seed.
    public typealias TeamBuilder = @Sendable (TeamSearchConfig, Int, UInt64) throws -> [any TeamMemberPolicy]

    /// Makes `name` a method every experiment can run (the sweep, interventions, `ssm team run`).
    public static func register(_ name: String, quota: Int? = nil, team: @escaping TeamBuilder) {
        precondition(!scripted.contains { $0.rawValue == name }, "TeamMethod: '\(name)' is a scripted method")
        registry.withLock { $0[name] = (quota, team) }
    }

    static func registered(_ name: String) -> (quota: Int?, team: TeamBuilder)? { registry.withLock { $0[name] } }
    private static let registry = Locked<[String: (quota: Int?, team: TeamBuilder)]>([:])
}

/// A value behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body(&value)
    }
}

/// A team member's policy with the runtime the experiments read (its map for coverage and figures) and its
/// count of undecodable messages.
public protocol TeamMemberPolicy: TeamPolicy {
    var agent: TeamAgent { get }
    var undecodable: Int { get }
}

/// The oracle's shared memory: every member writes its map, sightings and goal, and reads everyone's. The first
/// sighting of each object stays on the board: sharing the sightings members found wrong was tried and, under
/// learned perception, spread the detector's misses near an object to the whole team (on 30 calibration mazes
/// team success fell from 36.7% to 6.7%; Docs/TeamSearch.md).
public final class OracleBoard: @unchecked Sendable {
    var map: CellMap
    var sightings: [Int: MapCell] = [:]
    var goals: [Int: MapCell] = [:]
    public init(mazeSize: Int) { map = CellMap(size: mazeSize) }
}

/// One team member: the shared runtime, and what its method says and when.
public struct TeamMember: TeamMemberPolicy {
    public private(set) var agent: TeamAgent
    public let method: TeamMethod
    let codec: TeamCodec
    let board: OracleBoard?
    /// Perception from the rendered view (learned perception); nil: the observation's perception as given.
    let perception: LearnedPerception?
    var fusion: LearnedPerception.Fusion?
    /// Dead reckoning of the member's own pose (learned perception with the path integrator); nil: the observed pose.
    var pathIntegrator: OnlinePathIntegrator?
    /// The goal cell last announced (a wrong sighting forgotten and a new one found is announced again).
    var announced: MapCell?
    var lastPose: MapCell?, lastGoal: MapCell?
    var rounds = 0
    /// Messages received that did not decode (hostile or corrupt bits): dropped, counted.
    public private(set) var undecodable = 0

    public init(index: Int, method: TeamMethod, config: TeamSearchConfig, objects: Int, board: OracleBoard? = nil,
                perception: LearnedPerception? = nil, pathIntegrator: OnlinePathIntegrator? = nil, seed: UInt64 = 1) {
        agent = TeamAgent(index: index, mazeSize: config.mazeSize, agents: config.agents, seed: seed)
        self.method = method; self.board = board; self.perception = perception; self.pathIntegrator = pathIntegrator
        fusion = perception.map { _ in LearnedPerception.Fusion(mazeSize: config.mazeSize) }
        codec = TeamCodec(mazeSize: config.mazeSize, objects: objects)
    }

    /// A team of `config.agents` members using `method` (oracle members share one board).
    public static func team(_ method: TeamMethod, config: TeamSearchConfig, objects: Int, perception: LearnedPerception? = nil,
                            pathIntegrator: OnlinePathIntegrator? = nil, seed: UInt64) -> [TeamMember] {
        let board = method == .oracle ? OracleBoard(mazeSize: config.mazeSize) : nil
        return (0..<config.agents).map {
            TeamMember(index: $0, method: method, config: config, objects: objects, board: board, perception: perception,
                       pathIntegrator: pathIntegrator, seed: seed)
        }
    }

    public mutating func act(_ o: TeamObservation) -> TeamAction {
        var base = o.base
        if pathIntegrator != nil { base.pose = pathIntegrator!.step(motion: base.selfMotion, observed: base.pose) }
        if let perception, let view = base.view, fusion != nil {
            let seen = perception.observe(view: view, pose: base.pose, mazeSize: o.mazeSize, colors: o.colors)
            base.perception = fusion!.perceive(seen.observation, targets: seen.targets, at: base.pose)
        }
        agent.perceive(base)
        for m in o.base.messages {
            if let message = try? codec.decode(BitString(m.bits)) { agent.receive(message, from: m.sender) } else { undecodable += 1 }
        }
        if let board {
            board.map.fill(from: agent.map)
            for (k, c) in agent.sightings where board.sightings[k] == nil { board.sightings[k] = c }
            agent.absorb(board.map, sightings: board.sightings)
        }
        let claimed = board.map { b in b.goals.filter { $0.key != agent.index }.map(\.value) } ?? []
        let move = agent.move(toward: o.goal, claimed: claimed)
        board?.goals[agent.index] = agent.goal
        return TeamAction(move: move, messages: messages(o))
    }

    var partners: [Int] { agent.partners }
    var poseReport: PoseReport { PoseReport(cell: agent.cell, headingBin: codec.headingBin(agent.pose.heading)) }
    var allSightings: [Sighting] { agent.sightings.sorted { $0.key < $1.key }.map { Sighting(object: $0.key, cell: $0.value) } }

    mutating func messages(_ o: TeamObservation) -> [BitString] {
        switch method {
        case .none, .oracle: return []
        case .broadcast:
            let every = max(1, o.stepLimit / 20)
            guard o.base.step % every == 0, rounds < 20, o.remainingQuota ?? 1 > 0 else { return [] }
            rounds += 1
            agent.told(allCells, to: partners)
            return [codec.encode(.snapshot(map: agent.map, pose: poseReport, sightings: allSightings))]
        case .broadcastLocal:
            let seen = o.base.perception.cells
            guard o.remainingQuota ?? 1 > 0, let x0 = seen.map(\.x).min(), let x1 = seen.map(\.x).max(),
                  let y0 = seen.map(\.y).min(), let y1 = seen.map(\.y).max() else { return [] }
            var states: [CellState] = [], box: [MapCell] = []
            for y in y0...y1 { for x in x0...x1 { states.append(agent.map[x, y]); box.append(MapCell(x, y)) } }
            agent.told(box, to: partners)
            return [codec.encode(.local(origin: MapCell(x0, y0), width: x1 - x0 + 1, cells: states, pose: poseReport, sightings: allSightings))]
        case .event:
            return eventMessages(o)
        default:
            preconditionFailure("TeamMember runs the scripted methods only, not '\(method)'")
        }
    }

    var allCells: [MapCell] { (0..<agent.mazeSize * agent.mazeSize).map { MapCell($0 % agent.mazeSize, $0 / agent.mazeSize) } }

    /// Whether `bits` (with the channel's 8-bit checksum) cross the link within `steps` steps.
    func fits(_ bits: BitString, within steps: Int = 15, rate: BitRate) -> Bool { rate.steps(forBits: bits.count + 8) <= steps }

    mutating func eventMessages(_ o: TeamObservation) -> [BitString] {
        let rate = o.rate
        // A goal sighting this agent passed on and has since found wrong is taken back before anything else.
        if let told = announced, agent.sightings[o.goal] != told, agent.refuted.contains(Sighting(object: o.goal, cell: told)) {
            announced = nil
            return [codec.encode(.retraction(Sighting(object: o.goal, cell: told)))]
        }
        // The goal's place first, the moment it is known.
        if let c = agent.sightings[o.goal], announced != c {
            announced = c
            return [codec.encode(.sighting(Sighting(object: o.goal, cell: c)))]
        }
        guard o.backlog == 0 else { return [] }
        if let target = agent.sightings[o.goal] {
            // What a partner lacks on its way to the goal (from where it last was, or from the goal outward).
            for (p, c) in agent.routeGaps(to: target) {
                let m = codec.encode(.patch(centre: c, patch: OccupancyPatch(map: agent.map, centre: (c.x, c.y), side: 11)))
                guard fits(m, rate: rate) else { continue }
                agent.told(agent.unknownToPartner(p, around: c), to: [p])
                return [m]
            }
            return []
        }
        if let g = agent.goal, g != lastGoal {
            let m = codec.encode(.goal(g))
            if fits(m, rate: rate) { lastGoal = g; return [m] }
        }
        let here = agent.cell
        if let (_, lacking) = partners.map({ ($0, agent.unknownToPartner($0, around: here)) }).max(by: { $0.1.count < $1.1.count }) {
            let m = codec.encode(.patch(centre: here, patch: OccupancyPatch(map: agent.map, centre: (here.x, here.y), side: 11)))
            if lacking.count >= 8, fits(m, rate: rate) { agent.told(lacking, to: partners); return [m] }
        }
        if lastPose.map({ abs($0.x - here.x) + abs($0.y - here.y) >= 3 }) ?? true {
            let m = codec.encode(.pose(poseReport))
            if fits(m, rate: rate) { lastPose = here; return [m] }
        }
        return []
    }
}
