import Foundation
import InfoBottleneck
import MazeEnv
import TeamSearch

/// One agent of the learned team policy, without its network: the shared runtime (`TeamAgent`: map,
/// sightings, partner model, A* planner), the candidates its meta-controller and communication head choose
/// among, and what a choice does. ``HRLPolicy`` joins it to the network; the trainer drives many at once.
///
/// A step is two calls: ``observe(_:)`` takes in the observation and returns the network's inputs;
/// ``apply(goal:message:)`` turns the chosen goal slot (nil: keep the current goal) and message slot into the
/// move and the bits sent.
public struct HRLMember {
    public private(set) var agent: TeamAgent
    public let config: HRLConfig
    let codec: TeamCodec
    let code: LearnedPatchCode?
    var visited = Set<Int>()
    /// The meta-controller's goal: the cell, whether it is the goal object, and steps since it was chosen.
    public private(set) var goal: (cell: MapCell, isObject: Bool)?
    var sinceDecision = 0
    var announced: MapCell?, lastGoal: MapCell?, lastPose: MapCell?
    /// The last observation's inputs (slot cells, route gaps) for ``apply(goal:message:)``.
    var inputs: PolicyInputs?
    var routeGap: (partner: Int, centre: MapCell)?
    var objectIndex = 0, stepLimit = 1, step = 0
    /// Messages received that did not decode.
    public private(set) var undecodable = 0

    /// - Parameters:
    ///   - index: this agent's index in the team.
    ///   - teamConfig: the task (maze size, team, budget).
    ///   - objects: how many objects the maze holds.
    ///   - config: the policy's configuration.
    ///   - code: the learned patch code of `config.codeBits` bits (nil when `codeBits` is 0).
    ///   - seed: the seed of the member's random choices.
    public init(index: Int, teamConfig: TeamSearchConfig, objects: Int, config: HRLConfig, code: LearnedPatchCode?, seed: UInt64) {
        precondition((config.codeBits == 0) == (code == nil) && (code.map { $0.bits == config.codeBits } ?? true),
                     "HRLMember: the patch code must have config.codeBits bits")
        agent = TeamAgent(index: index, mazeSize: teamConfig.mazeSize, agents: teamConfig.agents, seed: seed)
        self.config = config; self.code = code
        codec = TeamCodec(mazeSize: teamConfig.mazeSize, objects: objects, codedPatchBits: config.codeBits > 0 ? config.codeBits : nil)
    }

    var size: Int { agent.mazeSize }

    // MARK: observing

    /// Takes in the observation (own perception, delivered messages) and builds the network's inputs.
    public mutating func observe(_ o: TeamObservation) -> PolicyInputs {
        agent.perceive(o.base)
        for m in o.base.messages {
            guard let message = try? codec.decode(BitString(m.bits)) else { undecodable += 1; continue }
            if case .codedPatch(let centre, let bits) = message {
                guard let patch = try? code?.decode([bits]).first else { undecodable += 1; continue }
                agent.receive(.patch(centre: centre, patch: patch), from: m.sender)
            } else {
                agent.receive(message, from: m.sender)
            }
        }
        objectIndex = o.goal; stepLimit = o.stepLimit; step = o.base.step
        visited.insert(agent.cell.y * size + agent.cell.x)
        var (goalFeatures, goalMask, goalCells, goalIsObject, scriptedGoal) = goalCandidates(o)
        if config.flat {
            // The label is the primitive move of the scripted hierarchy: its goal choice, kept as it would keep it,
            // and the planner's next move toward it (the runtime keeps the plan between steps).
            if decisionDue(o) { goal = (goalCells[scriptedGoal]!, goalIsObject[scriptedGoal]); sinceDecision = 0 }
            scriptedGoal = agent.move(to: goal!.cell, isObject: goal!.isObject).rawValue
            (goalFeatures, goalMask) = actionCandidates(o)
            goalCells = Array(repeating: nil, count: config.goalSlots); goalIsObject = Array(repeating: false, count: config.goalSlots)
        }
        let (messageFeatures, messageMask, scriptedMessage) = messageCandidates(o)
        let built = PolicyInputs(mazeSize: size, map: mapChannels(), goalFeatures: goalFeatures, goalMask: goalMask,
                                 goalCells: goalCells, goalIsObject: goalIsObject, messageFeatures: messageFeatures,
                                 messageMask: messageMask, scalars: scalars(o),
                                 curiosity: PolicyInputs.egocentric(o.base.perception, pose: agent.pose),
                                 decideGoal: config.flat || (config.metaController && decisionDue(o)), scriptedGoal: scriptedGoal,
                                 scriptedMessage: scriptedMessage)
        inputs = built
        return built
    }

    func mapChannels() -> [Float] {
        let n = size * size
        var out = [Float](repeating: 0, count: PolicyInputs.mapChannels * n)
        let lacking: Set<Int> = config.partnerModel ? Set(agent.partners.flatMap { p in
            (0..<n).filter { agent.map.cells[$0] != .unknown && agent.partnerKnows[p]?.cells[$0] == .unknown }
        }) : []
        for k in 0..<n {
            out[agent.map.cells[k].rawValue * n + k] = 1           // free 0, wall 1, unknown 2
            if visited.contains(k) { out[3 * n + k] = 1 }
            if lacking.contains(k) { out[4 * n + k] = 1 }
        }
        out[5 * n + agent.cell.y * size + agent.cell.x] = 1
        return out
    }

    func scalars(_ o: TeamObservation) -> [Float] {
        let bitsPerStep = Float(o.rate.value)
        let known = Float(agent.map.cells.filter { $0 != .unknown }.count) / Float(size * size)
        return [Float(o.base.step) / Float(max(o.stepLimit, 1)), agent.sightings[o.goal] == nil ? 0 : 1,
                (log2(bitsPerStep) + 2) / 9, min(Float(o.backlog) / (bitsPerStep * 15), 4) / 4,
                o.remainingQuota.map { Float($0) / 20 } ?? 1, agent.partnerGoal.isEmpty ? 0 : 1,
                agent.partnerCell.isEmpty ? 0 : 1, known]
    }

    /// Decide on a new goal: none yet, the interval is up, the goal was reached or stopped being a frontier, or
    /// the goal object was just found.
    func decisionDue(_ o: TeamObservation) -> Bool {
        guard let g = goal else { return true }
        if sinceDecision >= config.decisionInterval { return true }
        if !g.isObject && (agent.cell == g.cell || !isFrontier(g.cell)) { return true }
        return !g.isObject && agent.sightings[o.goal] != nil
    }

    func isFrontier(_ c: MapCell) -> Bool {
        agent.map[c.x, c.y] == .free && GridPlanner.neighbours(c.x, c.y).contains {
            $0.0 >= 0 && $0.1 >= 0 && $0.0 < size && $0.1 < size && agent.map[$0.0, $0.1] == .unknown
        }
    }

    /// Slots: the goal object, the current goal, frontier clusters, each partner's last reported cell, and a
    /// fallback (a random known-free cell, valid only when nothing else is).
    mutating func goalCandidates(_ o: TeamObservation) -> ([Float], [Float], [MapCell?], [Bool], Int) {
        let slots = config.goalSlots, f = PolicyInputs.goalFeatures
        let partners = agent.partners, clusterSlots = slots - 3 - partners.count
        precondition(clusterSlots >= 1, "HRLMember: \(slots) goal slots are too few for \(partners.count) partners")
        var features = [Float](repeating: 0, count: slots * f), mask = [Float](repeating: 0, count: slots)
        var cells = [MapCell?](repeating: nil, count: slots), isObject = [Bool](repeating: false, count: slots)
        let avoiding = Array(agent.partnerGoal.values)
        let clusters = agent.frontierClusters(limit: clusterSlots, avoiding: avoiding)
        func fill(_ s: Int, _ c: MapCell, kind: Int, distance: Int? = nil, cluster: TeamAgent.FrontierCluster? = nil) {
            mask[s] = 1; cells[s] = c
            let here = agent.cell, n = Float(size)
            var v = [Float](repeating: 0, count: f)
            v[kind] = 1
            v[5] = Float(distance ?? (abs(c.x - here.x) + abs(c.y - here.y))) / (2 * n)
            let dx = Float(c.x) + 0.5 - agent.pose.x, dy = Float(c.y) + 0.5 - agent.pose.y
            v[6] = hypot(dx, dy) / n
            v[7] = hypot(dx, dy) > 0.01 ? cos(atan2(dy, dx) - agent.pose.heading) : 1
            if let cluster {
                v[8] = Float(cluster.unknownNearby) / 25; v[9] = Float(min(cluster.size, 20)) / 20
                v[10] = Float(cluster.utility); v[11] = Float(max(cluster.score, -3)) / 3
            }
            v[12] = avoiding.map { hypot(Float($0.x - c.x), Float($0.y - c.y)) / n }.min() ?? 1
            v[13] = agent.partnerCell.values.map { hypot(Float($0.x - c.x), Float($0.y - c.y)) / n }.min() ?? 1
            features.replaceSubrange(s * f..<(s + 1) * f, with: v)
        }
        if let target = agent.sightings[o.goal] { fill(0, target, kind: 0); isObject[0] = true }
        if let g = goal, !g.isObject, g.cell != agent.cell, isFrontier(g.cell) { fill(1, g.cell, kind: 1) }
        for (k, c) in clusters.enumerated() { fill(2 + k, c.cell, kind: 2, distance: c.distance, cluster: c) }
        for (k, p) in partners.enumerated() { if let c = agent.partnerCell[p] { fill(2 + clusterSlots + k, c, kind: 3) } }
        if mask.allSatisfy({ $0 == 0 }) {
            let c = agent.map.knownFreeCells.randomElement(using: &fallbackRandom).map { MapCell($0.x, $0.y) } ?? agent.cell
            fill(slots - 1, c, kind: 4)
        }
        // The scripted choice: the object when known, else keep a goal that is still a frontier, else the best cluster.
        let scripted = mask[0] == 1 ? 0 : mask[1] == 1 ? 1 : !clusters.isEmpty ? 2 : (mask.firstIndex(of: 1) ?? 0)
        return (features, mask, cells, isObject, scripted)
    }

    /// The flat ablation's candidates: the six primitive actions, each with its kind, the state of the cells one
    /// and two cells ahead after it (free, wall, unknown on the agent's map), and how much it shortens the
    /// straight-line distance to the nearest frontier cell and to the goal object (when known), in cells.
    func actionCandidates(_ o: TeamObservation) -> ([Float], [Float]) {
        let slots = config.goalSlots, f = PolicyInputs.goalFeatures
        var features = [Float](repeating: 0, count: slots * f), mask = [Float](repeating: 0, count: slots)
        let frontier = (0..<size * size).map { MapCell($0 % size, $0 / size) }.filter(isFrontier)
        let target = agent.sightings[o.goal]
        let p = agent.pose, cruise = Kinematics(), speed = cruise.speed, turnRate = cruise.turnRate
        func nearest(_ x: Float, _ y: Float, _ cells: [MapCell]) -> Float {
            cells.map { hypot(Float($0.x) + 0.5 - x, Float($0.y) + 0.5 - y) }.min() ?? 0
        }
        for action in MazeAction.allCases {
            let s = action.rawValue, drive = action.drive
            let h = p.heading + turnRate * drive.turn
            let x = p.x + speed * drive.forward * cos(h), y = p.y + speed * drive.forward * sin(h)
            var v = [Float](repeating: 0, count: f)
            v[s] = 1
            for (k, ahead) in [Float(1), 2].enumerated() {
                let cx = Int((x + ahead * cos(h)).rounded(.down)), cy = Int((y + ahead * sin(h)).rounded(.down))
                let inside = cx >= 0 && cy >= 0 && cx < size && cy < size
                v[6 + 3 * k + (inside ? agent.map[cx, cy].rawValue : CellState.wall.rawValue)] = 1   // free 0, wall 1, unknown 2
            }
            v[12] = frontier.isEmpty ? 0 : (nearest(p.x, p.y, frontier) - nearest(x, y, frontier)) / speed
            v[13] = target.map { (nearest(p.x, p.y, [$0]) - nearest(x, y, [$0])) / speed } ?? 0
            mask[s] = 1
            features.replaceSubrange(s * f..<(s + 1) * f, with: v)
        }
        return (features, mask)
    }

    /// A fixed generator for the fallback cell (only used when nothing is left to explore).
    var fallbackRandom = SystemRandomNumberGeneratorStandIn()

    /// The message slots with their features and availability, and the `event` protocol's choice.
    mutating func messageCandidates(_ o: TeamObservation) -> ([Float], [Float], Int) {
        let slots = PolicyInputs.messageSlots, f = PolicyInputs.messageFeatures
        var features = [Float](repeating: 0, count: slots * f), mask = [Float](repeating: 0, count: slots)
        let rate = o.rate, target = agent.sightings[o.goal], here = agent.cell
        routeGap = target.flatMap { agent.routeGaps(to: $0).first }
        let lackingHere = agent.partners.map { agent.unknownToPartner($0, around: here).count }.max() ?? 0
        var fits = [Bool](repeating: false, count: slots)
        func offer(_ slot: MessageSlot, bits: Int, lacking: Int = 0, region: MapCell? = nil) {
            let s = slot.rawValue
            mask[s] = 1
            let steps = rate.steps(forBits: bits + 8)
            fits[s] = steps <= 15
            var v = [Float](repeating: 0, count: f)
            v[s] = 1
            v[8] = bits == 0 ? 0 : log2(1 + Float(steps)) / 8
            v[9] = fits[s] ? 1 : 0
            v[10] = config.partnerModel ? Float(lacking) / 121 : 0
            v[11] = region.flatMap { r in agent.partnerCell.values.map { hypot(Float($0.x - r.x), Float($0.y - r.y)) / Float(size) }.min() } ?? 1
            v[12] = o.backlog > 0 ? 1 : 0
            v[13] = target == nil ? 0 : 1
            features.replaceSubrange(s * f..<(s + 1) * f, with: v)
        }
        offer(.silent, bits: 0)
        if let c = target, announced != c { offer(.sighting, bits: codec.encode(.sighting(Sighting(object: o.goal, cell: c))).count) }
        if let (p, c) = routeGap {
            let lacking = agent.unknownToPartner(p, around: c).count
            offer(.routePatch, bits: patchMessage(c).count, lacking: lacking, region: c)
            if code != nil { offer(.routeCode, bits: 11 + config.codeBits, lacking: lacking, region: c) }
        }
        if target == nil, let g = agent.goal, g != lastGoal { offer(.announceGoal, bits: codec.encode(.goal(g)).count) }
        if lackingHere > 0 {
            offer(.localPatch, bits: patchMessage(here).count, lacking: lackingHere, region: here)
            if code != nil { offer(.localCode, bits: 11 + config.codeBits, lacking: lackingHere, region: here) }
        }
        if lastPose != here { offer(.pose, bits: 15) }
        // The `event` protocol's choice, in its order of priority.
        let moved = lastPose.map { abs($0.x - here.x) + abs($0.y - here.y) >= 3 } ?? true
        let scripted: MessageSlot =
            mask[MessageSlot.sighting.rawValue] == 1 ? .sighting
            : o.backlog != 0 ? .silent
            : target != nil ? (fits[MessageSlot.routePatch.rawValue] ? .routePatch : .silent)
            : fits[MessageSlot.announceGoal.rawValue] ? .announceGoal
            : lackingHere >= 8 && fits[MessageSlot.localPatch.rawValue] ? .localPatch
            : moved && fits[MessageSlot.pose.rawValue] ? .pose : .silent
        return (features, mask, scripted.rawValue)
    }

    func patchMessage(_ c: MapCell) -> BitString {
        codec.encode(.patch(centre: c, patch: OccupancyPatch(map: agent.map, centre: (c.x, c.y), side: 11)))
    }

    // MARK: acting

    /// The move toward the chosen goal slot (nil: keep the current goal) and the bits of the chosen message.
    public mutating func apply(goal slot: Int?, message: Int) -> TeamAction {
        guard let inputs else { preconditionFailure("HRLMember.apply before observe") }
        if let slot { precondition(inputs.goalMask[slot] == 1, "HRLMember: goal slot \(slot) is masked") }
        if let slot, !config.flat { goal = (inputs.goalCells[slot]!, inputs.goalIsObject[slot]); sinceDecision = 0 }
        sinceDecision += 1
        let move: MazeAction
        if config.flat {
            guard let slot else { preconditionFailure("HRLMember: the flat policy chooses an action every step") }
            move = MazeAction(rawValue: slot)!
        } else if config.metaController, let g = goal {
            move = agent.move(to: g.cell, isObject: g.isObject)
        } else {
            move = agent.move(toward: objectIndex)
        }
        precondition(inputs.messageMask[message] == 1, "HRLMember: message slot \(message) is masked")
        return TeamAction(move: move, messages: send(MessageSlot(rawValue: message)!).map { [$0] } ?? [])
    }

    mutating func send(_ slot: MessageSlot) -> BitString? {
        let here = agent.cell
        switch slot {
        case .silent: return nil
        case .sighting:
            guard let c = agent.sightings[objectIndex] else { return nil }
            announced = c
            return codec.encode(.sighting(Sighting(object: objectIndex, cell: c)))
        case .routePatch, .routeCode:
            guard let (p, c) = routeGap else { return nil }
            return region(c, to: [p], coded: slot == .routeCode)
        case .announceGoal:
            guard let g = agent.goal else { return nil }
            lastGoal = g
            return codec.encode(.goal(g))
        case .localPatch, .localCode:
            return region(here, to: agent.partners, coded: slot == .localCode)
        case .pose:
            lastPose = here
            return codec.encode(.pose(PoseReport(cell: here, headingBin: codec.headingBin(agent.pose.heading))))
        }
    }

    /// The patch around `c`, lossless or as the learned code; the partner model records what the receiver will
    /// hold (for a code, only the cells its decoder gets right: the sender runs the same decoder).
    mutating func region(_ c: MapCell, to partners: [Int], coded: Bool) -> BitString {
        let patch = OccupancyPatch(map: agent.map, centre: (c.x, c.y), side: 11)
        let lacking = partners.flatMap { agent.unknownToPartner($0, around: c) }
        guard coded, let code else {
            agent.told(lacking, to: partners)
            return codec.encode(.patch(centre: c, patch: patch))
        }
        let bits = code.encode([patch])[0]
        if let decoded = try? code.decode([bits]).first {
            let r = patch.side / 2
            let right = lacking.filter { cell in
                decoded.cells[(cell.y - c.y + r) * patch.side + cell.x - c.x + r] == agent.map[cell.x, cell.y]
            }
            agent.told(right, to: partners)
        }
        return codec.encode(.codedPatch(centre: c, code: bits))
    }
}

/// A tiny deterministic generator (the fallback goal must not depend on process state).
struct SystemRandomNumberGeneratorStandIn: RandomNumberGenerator {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }
}
