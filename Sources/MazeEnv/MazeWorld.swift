import Foundation
import Basics

/// Memory-Maze's six discrete actions.
public enum MazeAction: Int, CaseIterable, Codable, Sendable {
    case noop = 0, forward, left, right, forwardLeft, forwardRight

    /// (forward drive 0/1, turn −1 right … +1 left).
    public var drive: (forward: Float, turn: Float) {
        switch self {
        case .noop: (0, 0)
        case .forward: (1, 0)
        case .left: (0, 1)
        case .right: (0, -1)
        case .forwardLeft: (1, 1)
        case .forwardRight: (1, -1)
        }
    }
}

/// Motion constants, calibrated to Memory-Maze's rolling-ball walker (measured: 0.25 cells and
/// 0.32 rad per step at cruise).
public struct Kinematics: Codable, Equatable, Sendable {
    /// Cruise speed, cells per step.
    public var speed: Float = 0.25
    /// Turn rate, radians per step.
    public var turnRate: Float = 0.32
    /// Fraction of the gap to the commanded speed closed each step (1 = no inertia). Memory-Maze's ball
    /// reaches cruise speed within a few steps; 0.6 approximates that, 1 makes motion exactly predictable.
    public var acceleration: Float = 0.6
    /// Agent body radius in cells (collision and rendering).
    public var radius: Float = 0.2
    public init() {}
}

/// One agent's state.
public struct AgentState: Codable, Equatable, Sendable {
    /// Position in cells (x right, y up).
    public var x, y: Float
    /// Heading, radians counter-clockwise from +x.
    public var heading: Float
    /// Current speed along the heading, cells per step.
    public var speed: Float = 0
    public init(x: Float, y: Float, heading: Float) { self.x = x; self.y = y; self.heading = heading }
}

/// A coloured target sphere.
public struct Target: Codable, Equatable, Sendable {
    public var x, y: Float
    /// RGB in 0…1.
    public var color: [Float]
}

/// Memory-Maze's six target colours (RGB / 220): red, green, blue, purple, yellow, salmon.
public let targetPalette: [[Float]] = [
    [170, 38, 30], [99, 170, 88], [39, 140, 217], [93, 105, 199], [220, 193, 59], [220, 128, 107],
].map { $0.map { $0 / 220 } }

/// What one step returns for each agent.
public struct StepResult: Sendable {
    /// Reward per agent (+1 for touching the current target; in team mode every agent gets the team's reward).
    public var rewards: [Float]
    /// Whether the episode reached its step limit.
    public var done: Bool
}

/// A maze with N agents, the targets and the task: touch the current target for +1, then a new one is
/// drawn (never the one just touched). In team mode all agents share the target and any agent scores for
/// the team; otherwise each agent has its own current target.
public final class MazeWorld {
    public let maze: Maze
    public var layout: MazeLayout { maze.layout }
    public let kinematics: Kinematics
    public let teamMode: Bool
    public private(set) var agents: [AgentState]
    public let targets: [Target]
    /// Index of each agent's current target (all equal in team mode).
    public private(set) var currentTarget: [Int]
    public private(set) var stepCount = 0
    /// Steps in which each agent's motion was stopped by a wall (a collision the agent should have planned around).
    public private(set) var wallBumps: [Int] = []
    /// Agents whose bodies have stood aside: they neither block partners nor are blocked by them (a team task
    /// lets an agent that has done its part make room). Walls still stop them.
    public private(set) var standingAside: Set<Int> = []
    public let episodeSteps: Int
    /// Target sphere radius in cells (Memory-Maze: 0.6 world units, 2 world units per cell).
    public let targetRadius: Float = 0.3
    private var rng: RandomGenerator

    /// Creates a world on a generated maze; agents start at distinct room spawns with random headings.
    public init(maze: Maze, agents count: Int = 1, teamMode: Bool = false, kinematics: Kinematics = Kinematics(),
                seed: UInt64 = 0) {
        self.maze = maze
        self.kinematics = kinematics
        self.teamMode = teamMode
        episodeSteps = maze.config.episodeSteps
        rng = RandomGenerator(seed: seed ^ 0x5EED_0F_A6E7)
        let sites = rng.permutation(maze.targetSites.count).prefix(maze.config.targets)
        targets = sites.enumerated().map { i, s in
            Target(x: maze.targetSites[s].x, y: maze.targetSites[s].y, color: targetPalette[i % targetPalette.count])
        }
        var placed: [AgentState] = []
        let spawnOrder = rng.permutation(maze.spawns.count)
        let free = maze.layout.freeCells
        for i in 0..<count {
            var p: (x: Float, y: Float) = i < spawnOrder.count ? maze.spawns[spawnOrder[i]] : (Float(free[0].x) + 0.5, Float(free[0].y) + 0.5)
            // More agents than rooms: use free cells away from the others.
            var tries = 0
            while placed.contains(where: { hypot($0.x - p.x, $0.y - p.y) < 2 * kinematics.radius + 0.05 }) && tries < 10_000 {
                let c = free[rng.nextInt(free.count)]
                p = (Float(c.x) + 0.5, Float(c.y) + 0.5)
                tries += 1
            }
            placed.append(AgentState(x: p.x, y: p.y, heading: rng.nextUniform() * 2 * .pi - .pi))
        }
        agents = placed
        let nTargets = maze.config.targets
        let first = rng.nextInt(nTargets)
        var current = [Int](repeating: first, count: count)
        if !teamMode { for i in 1..<max(count, 1) { current[i] = rng.nextInt(nTargets) } }
        currentTarget = current
    }

    /// A world rebuilt from recorded data (a dataset episode, another simulator): the layout, the targets and
    /// the agents' poses as given. `seed` picks the wall colours and later target draws.
    public init(layout: MazeLayout, targets: [Target], agents: [AgentState], currentTarget current: Int = 0,
                teamMode: Bool = false, kinematics: Kinematics = Kinematics(), seed: UInt64 = 0) {
        let config = MazeConfig(mazeSize: layout.size, maxRooms: 0, roomMinSize: 0, roomMaxSize: 0,
                                targets: targets.count, episodeSteps: (try? MazeConfig.memoryMaze(layout.size).episodeSteps) ?? 4000)
        maze = Maze(layout: layout, config: config, seed: seed, spawns: agents.map { ($0.x, $0.y) },
                    targetSites: targets.map { ($0.x, $0.y) })
        self.kinematics = kinematics
        self.teamMode = teamMode
        episodeSteps = config.episodeSteps
        rng = RandomGenerator(seed: seed ^ 0x5EED_0F_A6E7)
        self.targets = targets
        self.agents = agents
        currentTarget = Array(repeating: targets.isEmpty ? 0 : max(0, min(current, targets.count - 1)), count: agents.count)
    }

    /// Convenience: a Memory-Maze preset maze of `size` from `seed`.
    public convenience init(size: Int = 15, seed: UInt64, agents: Int = 1, teamMode: Bool = false) throws {
        let maze = MazeGenerator.generate(try MazeConfig.memoryMaze(size), seed: seed)
        self.init(maze: maze, agents: agents, teamMode: teamMode, seed: seed)
    }

    /// Advances every agent by one action (in agent order), resolving walls and agent contacts.
    @discardableResult
    public func step(_ actions: [MazeAction]) -> StepResult {
        precondition(actions.count == agents.count, "step: \(actions.count) actions for \(agents.count) agents")
        var rewards = [Float](repeating: 0, count: agents.count)
        for (i, action) in actions.enumerated() {
            move(i, action)
            guard targets.count > 1 else { continue }  // a task needs a next target to draw
            let t = targets[currentTarget[i]]
            if hypot(agents[i].x - t.x, agents[i].y - t.y) < kinematics.radius + targetRadius {
                rewards[i] += 1
                let touched = currentTarget[i]
                var next = rng.nextInt(targets.count - 1)
                if next >= touched { next += 1 }
                if teamMode { for j in currentTarget.indices { currentTarget[j] = next } } else { currentTarget[i] = next }
            }
        }
        if teamMode { let team = rewards.reduce(0, +); rewards = rewards.map { _ in team } }
        stepCount += 1
        return StepResult(rewards: rewards, done: stepCount >= episodeSteps)
    }

    /// Moves agent `i`: turn, accelerate toward the commanded speed, then slide along walls axis by axis.
    private func move(_ i: Int, _ action: MazeAction) {
        var a = agents[i]
        let (forward, turn) = action.drive
        a.heading += turn * kinematics.turnRate
        if a.heading > .pi { a.heading -= 2 * .pi } else if a.heading <= -.pi { a.heading += 2 * .pi }
        a.speed += kinematics.acceleration * (forward * kinematics.speed - a.speed)
        let dx = a.speed * cos(a.heading), dy = a.speed * sin(a.heading)
        let r = kinematics.radius
        let before = (a.x + dx, a.y + dy)
        a.x = slide(from: a.x, by: dx, across: a.y, r: r, horizontal: true)
        if collidesWithAgent(i, x: a.x, y: a.y) { a.x = agents[i].x }
        a.y = slide(from: a.y, by: dy, across: a.x, r: r, horizontal: false)
        if collidesWithAgent(i, x: a.x, y: a.y) { a.y = agents[i].y }
        if wallBumps.count < agents.count { wallBumps = Array(repeating: 0, count: agents.count) }
        if slid(from: before, to: (a.x, a.y), across: i) { wallBumps[i] += 1 }
        agents[i] = a
    }

    private func collidesWithAgent(_ i: Int, x: Float, y: Float) -> Bool {
        guard !standingAside.contains(i) else { return false }
        let d = 2 * kinematics.radius
        for (j, b) in agents.enumerated() where j != i && !standingAside.contains(j) && (b.x - x) * (b.x - x) + (b.y - y) * (b.y - y) < d * d {
            return true
        }
        return false
    }

    /// Whether the wall stopped agent `i` short of where it was heading (agent contacts do not count).
    private func slid(from wanted: (Float, Float), to got: (Float, Float), across i: Int) -> Bool {
        let blockedByAgent = collidesWithAgent(i, x: wanted.0, y: wanted.1)
        return !blockedByAgent && abs(wanted.0 - got.0) + abs(wanted.1 - got.1) > 1e-4
    }

    /// Moves one coordinate by `delta`, stopping the body's square hull at the first wall it would enter.
    private func slide(from p: Float, by delta: Float, across q: Float, r: Float, horizontal: Bool) -> Float {
        guard delta != 0 else { return p }
        let eps: Float = 1e-4
        let lo = Int((q - r + eps).rounded(.down)), hi = Int((q + r - eps).rounded(.down))
        func wall(_ c: Int) -> Bool {
            for other in lo...hi where !(horizontal ? layout.isFree(c, other) : layout.isFree(other, c)) { return true }
            return false
        }
        var target = p + delta
        if delta > 0 {
            let first = Int((p + r - eps).rounded(.down)) + 1, last = Int((target + r).rounded(.down))
            if first <= last { for c in first...last where wall(c) { target = min(target, Float(c) - r - eps); break } }
        } else {
            let first = Int((p - r + eps).rounded(.down)) - 1, last = Int((target - r).rounded(.down))
            if last <= first { for c in stride(from: first, through: last, by: -1) where wall(c) { target = max(target, Float(c + 1) + r + eps); break } }
        }
        return target
    }

    /// Places agent `i` (for tests and scripted scenes); the position must be free.
    public func place(_ i: Int, x: Float, y: Float, heading: Float) {
        agents[i] = AgentState(x: x, y: y, heading: heading)
    }

    /// Lets agent `i`'s body stand aside from here on: partners pass through it and it through them.
    public func standAside(_ i: Int) { standingAside.insert(i) }

    /// Sets agent `i`'s current target (for scripted scenes).
    public func setCurrentTarget(_ i: Int, _ target: Int) { currentTarget[i] = target }
}
