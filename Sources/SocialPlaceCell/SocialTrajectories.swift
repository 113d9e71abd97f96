import Foundation
import GridCell
import MazeEnv
import Tensor

/// Windows of two agents' motion: self and partner, same length.
public struct SocialBatch {
    public let agent: TrajectoryBatch
    public let partner: TrajectoryBatch
    public init(agent: TrajectoryBatch, partner: TrajectoryBatch) { self.agent = agent; self.partner = partner }
}

/// Where two-agent training windows come from; batch `index` is a pure function of the seed and the index.
public protocol SocialTrajectorySource {
    func batch(_ index: Int, size: Int, steps: Int) throws -> SocialBatch
}

/// A window of an agent that does not move: a fixed position and heading, zero velocities.
func staticWindow(x: Float, y: Float, heading: Float, steps: Int) -> [TrajectoryFrame] {
    Array(repeating: (x, y, heading, 0, 0, 0), count: steps)
}

/// Two agents in the open arena, each either walking (Sorscher's rat model) or standing still, so that
/// all four probe conditions occur in training (by default each agent stands still 30% of the time).
public struct SocialArenaTrajectories: SocialTrajectorySource {
    public let extent: Float
    public let staticProbability: Float
    public let seed: UInt64
    let walks: ArenaTrajectories, partnerWalks: ArenaTrajectories

    public init(extent: Float = 15, seed: UInt64, staticProbability: Float = 0.3) {
        self.extent = extent; self.seed = seed; self.staticProbability = staticProbability
        walks = ArenaTrajectories(extent: extent, seed: seed)
        partnerWalks = ArenaTrajectories(extent: extent, seed: seed &+ 0x9A27)
    }

    public func batch(_ index: Int, size: Int, steps: Int) throws -> SocialBatch {
        var rng = RandomGenerator(seed: (seed &* 0x2545_F491_4F6C_DD1D) ^ UInt64(bitPattern: Int64(index)) &* 0x9E37_79B9)
        let a = try walks.batch(index, size: size, steps: steps), b = try partnerWalks.batch(index, size: size, steps: steps)
        func rows(_ batch: TrajectoryBatch) -> [[TrajectoryFrame]] {
            let v = batch.velocities.scalars, p = batch.positions.scalars, h = batch.headings.scalars
            return (0..<size).map { i in
                if rng.nextUniform() < staticProbability {
                    return staticWindow(x: 0.5 + rng.nextUniform() * (extent - 1), y: 0.5 + rng.nextUniform() * (extent - 1),
                                        heading: rng.nextUniform() * 2 * .pi - .pi, steps: steps)
                }
                return (0..<steps).map { t in
                    let k = i * steps + t
                    return (p[2 * k], p[2 * k + 1], h[k], v[3 * k], v[3 * k + 1], v[3 * k + 2])
                }
            }
        }
        return SocialBatch(agent: TrajectoryBatch(windows: rows(a)), partner: TrajectoryBatch(windows: rows(b)))
    }
}

/// The original project's probe protocol: from (7.5, 3) toward goal A (3, 12) or B (12, 12) (alternating
/// by repetition), along the straight line plus a perpendicular sinusoid A·sin(2πfs + φ), A ~ U(0.5, 1.5),
/// f ~ U(1.5, 2.5), φ ~ U(0, π), clipped to [0.5, 14.5]; v_t = p_t − p_{t−1} (v_0 = 0), heading atan2(v),
/// ω the change of the unwrapped heading (ω_0 = 0). A static agent stays at the start with zero motion.
public enum ProbeCondition: Int, CaseIterable, Codable, Sendable {
    case selfMoving = 1, partnerMoving, bothMoving, bothStatic

    public var selfMoves: Bool { self == .selfMoving || self == .bothMoving }
    public var partnerMoves: Bool { self == .partnerMoving || self == .bothMoving }
}

public enum ProbeTrajectories {
    public static let start: (x: Float, y: Float) = (7.5, 3)
    public static let goals: [(x: Float, y: Float)] = [(3, 12), (12, 12)]

    /// One moving path of `steps` steps toward goal `repetition % 2`.
    public static func movingPath(repetition: Int, steps: Int, rng: inout RandomGenerator)
        -> [TrajectoryFrame] {
        let goal = goals[repetition % 2]
        let amplitude = 0.5 + rng.nextUniform(), frequency = 1.5 + rng.nextUniform(), phase = rng.nextUniform() * .pi
        let dx = goal.x - start.x, dy = goal.y - start.y, length = (dx * dx + dy * dy).squareRoot()
        let nx = -dy / length, ny = dx / length
        var points: [(Float, Float)] = []
        for t in 0..<steps {
            let s = Float(t) / Float(max(steps - 1, 1))
            let off = amplitude * sin(2 * .pi * frequency * s + phase)
            points.append((min(max(start.x + s * dx + off * nx, 0.5), 14.5), min(max(start.y + s * dy + off * ny, 0.5), 14.5)))
        }
        var out: [TrajectoryFrame] = []
        var previousHeading: Float = 0
        for t in 0..<steps {
            let v = t == 0 ? (Float(0), Float(0)) : (points[t].0 - points[t - 1].0, points[t].1 - points[t - 1].1)
            let heading = atan2(v.1, v.0)
            let omega = t == 0 ? 0 : wrapAngle(heading - previousHeading)
            out.append((points[t].0, points[t].1, heading, v.0, v.1, omega))
            previousHeading = heading
        }
        return out
    }

    /// `repetitions` windows of one condition (self and partner independent wiggles).
    public static func batch(_ condition: ProbeCondition, repetitions: Int, steps: Int = 100, seed: UInt64 = 0) -> SocialBatch {
        var rng = RandomGenerator(seed: seed &+ UInt64(condition.rawValue) &* 7919)
        var agent: [[TrajectoryFrame]] = []
        var partner = agent
        for r in 0..<repetitions {
            agent.append(condition.selfMoves ? movingPath(repetition: r, steps: steps, rng: &rng) : staticWindow(x: start.x, y: start.y, heading: 0, steps: steps))
            partner.append(condition.partnerMoves ? movingPath(repetition: r, steps: steps, rng: &rng) : staticWindow(x: start.x, y: start.y, heading: 0, steps: steps))
        }
        return SocialBatch(agent: TrajectoryBatch(windows: agent), partner: TrajectoryBatch(windows: partner))
    }
}

/// Two agents exploring the same generated Memory-Maze layout, each with its own frontier explorer (mixed
/// with random actions; bodies never overlap), each standing still for a window with `staticProbability`.
public struct SocialMazeTrajectories: SocialTrajectorySource {
    public let mazeSize: Int
    public let staticProbability: Float
    public let seed: UInt64
    public let mazes: [Maze]

    public init(mazeSize: Int = 15, seed: UInt64, mazes count: Int = 128, staticProbability: Float = 0.3) throws {
        let config = try MazeConfig.memoryMaze(mazeSize)
        self.mazeSize = mazeSize; self.seed = seed; self.staticProbability = staticProbability
        mazes = (0..<count).map { MazeGenerator.generate(config, seed: seed &* 1_000_033 &+ UInt64($0)) }
    }

    public func batch(_ index: Int, size: Int, steps: Int) throws -> SocialBatch {
        var rng = RandomGenerator(seed: (seed &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(bitPattern: Int64(index)) &* 0xBF58_476D)
        var agents: [[TrajectoryFrame]] = [], partners: [[TrajectoryFrame]] = []
        for _ in 0..<size {
            let world = MazeWorld(maze: mazes[rng.nextInt(mazes.count)], agents: 2, seed: rng.next())
            var explorers = [FrontierExplorer(size: mazeSize, seed: rng.next()), FrontierExplorer(size: mazeSize, seed: rng.next())]
            let moves = [rng.nextUniform() >= staticProbability, rng.nextUniform() >= staticProbability]
            let env = MultiAgentEnv(world: world)
            // Both explorers keep planning (and drawing action noise) while their agent is held still.
            let trajectory = Rollout.run(env, policies: &explorers, steps: steps, adjust: { i, action in
                let noisy = action.perturbed(probability: 0.2, rng: &rng)
                return moves[i] ? noisy : .noop
            })
            let windows = (0..<2).map { trajectory.observations(of: $0).dropFirst().map(trajectoryFrame) }
            agents.append(windows[0]); partners.append(windows[1])
        }
        return SocialBatch(agent: TrajectoryBatch(windows: agents), partner: TrajectoryBatch(windows: partners))
    }
}

/// Windows from the probe generator itself, a random condition and repetition per row.
public struct SocialProbeTrajectories: SocialTrajectorySource {
    public let seed: UInt64
    public init(seed: UInt64) { self.seed = seed }

    public func batch(_ index: Int, size: Int, steps: Int) throws -> SocialBatch {
        var rng = RandomGenerator(seed: (seed &* 0xD1B5_4A32_D192_ED03) ^ UInt64(bitPattern: Int64(index)))
        var agents: [[TrajectoryFrame]] = [], partners: [[TrajectoryFrame]] = []
        for _ in 0..<size {
            let condition = ProbeCondition.allCases[rng.nextInt(4)], rep = rng.nextInt(2)
            let s = ProbeTrajectories.start
            agents.append(condition.selfMoves ? ProbeTrajectories.movingPath(repetition: rep, steps: steps, rng: &rng) : staticWindow(x: s.x, y: s.y, heading: 0, steps: steps))
            partners.append(condition.partnerMoves ? ProbeTrajectories.movingPath(repetition: rep + rng.nextInt(2), steps: steps, rng: &rng) : staticWindow(x: s.x, y: s.y, heading: 0, steps: steps))
        }
        return SocialBatch(agent: TrajectoryBatch(windows: agents), partner: TrajectoryBatch(windows: partners))
    }
}

/// Rows drawn from several sources in turn (row i of a batch from source i mod n).
public struct MixedSocialTrajectories: SocialTrajectorySource {
    public let sources: [SocialTrajectorySource]
    public init(_ sources: [SocialTrajectorySource]) { self.sources = sources }

    public func batch(_ index: Int, size: Int, steps: Int) throws -> SocialBatch {
        let n = sources.count
        let parts = try sources.enumerated().map { k, s in try s.batch(index, size: (size - k + n - 1) / n, steps: steps) }
        func merge(_ pick: (SocialBatch) -> TrajectoryBatch) -> TrajectoryBatch {
            TrajectoryBatch(velocities: Tensor.concat(parts.map { pick($0).velocities }, axis: 0),
                            positions: Tensor.concat(parts.map { pick($0).positions }, axis: 0),
                            headings: Tensor.concat(parts.map { pick($0).headings }, axis: 0))
        }
        return SocialBatch(agent: merge(\.agent), partner: merge(\.partner))
    }
}
