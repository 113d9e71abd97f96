import Basics
import Foundation
import InfoBottleneck
import MazeEnv

/// What an intervention does to a team, on the same mazes with and without it (the paper's Video 3): a false
/// sighting of the goal or a ghost region of walls put into agent 0's inbox as if its partner had sent it, or
/// every real message dropped (the causal effect of communication).
public struct TeamIntervention: Codable, Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// At step `at`, agent 0 hears that the goal lies at a free cell at least 5 cells from the truth.
        case fakeTarget = "fake-target"
        /// At step `at`, agent 0 hears that the 11×11 region around the true goal is all wall.
        case ghostMap = "ghost-map"
        /// Every message is lost on the channel.
        case dropAll = "drop-all"
        /// Faults: 10% or 30% of messages lost; 10% with a flipped bit (rejected by the CRC-8); agent 1 falls
        /// silent a quarter of the way into the episode.
        case drop10 = "drop-10", drop30 = "drop-30", corrupt10 = "corrupt-10", silentPartner = "silent-partner"
    }

    public var kind: Kind
    public var method: TeamMethod
    public var bitsPerStep: String
    public var mazes: Int
    public var baselineSuccess, perturbedSuccess: Double
    public var baselineCI95, perturbedCI95: [Double]
    /// Mean steps of episodes that succeeded both ways, without and with the intervention.
    public var baselineSteps, perturbedSteps: Double
    /// Mazes where the intervention turned a success into a failure, and the reverse.
    public var successesLost, successesGained: Int

    /// Runs `mazes` held-out mazes from `seedBase` with and without the intervention, injected at step `at`.
    public init(_ kind: Kind, method: TeamMethod = .event, config: TeamSearchConfig, mazes: Int, seedBase: UInt64 = 2_000_000,
                at step: Int = 5, jobs: Int = 2) throws {
        let baseline = try parallelMap(0..<mazes, jobs: jobs) { k in try TeamEpisode.run(method, config: config, seed: seedBase + UInt64(k)) }
        let perturbed = try parallelMap(0..<mazes, jobs: jobs) { k in try Self.perturbed(kind, method: method, config: config, seed: seedBase + UInt64(k), at: step) }
        func rate(_ r: [TeamEpisodeResult]) -> Double { Double(r.filter(\.success).count) / Double(max(r.count, 1)) }
        let both = zip(baseline, perturbed).filter { $0.success && $1.success }
        let b = wilsonInterval(successes: baseline.filter(\.success).count, trials: mazes)
        let p = wilsonInterval(successes: perturbed.filter(\.success).count, trials: mazes)
        self.kind = kind; self.method = method; bitsPerStep = config.rate.description; self.mazes = mazes
        baselineSuccess = rate(baseline); perturbedSuccess = rate(perturbed)
        baselineCI95 = [b.lower, b.upper]; perturbedCI95 = [p.lower, p.upper]
        baselineSteps = both.map { Double($0.0.steps) }.reduce(0, +) / Double(max(both.count, 1))
        perturbedSteps = both.map { Double($0.1.steps) }.reduce(0, +) / Double(max(both.count, 1))
        successesLost = zip(baseline, perturbed).filter { $0.success && !$1.success }.count
        successesGained = zip(baseline, perturbed).filter { !$0.success && $1.success }.count
    }

    static func perturbed(_ kind: Kind, method: TeamMethod, config: TeamSearchConfig, seed: UInt64, at step: Int) throws -> TeamEpisodeResult {
        var c = config
        switch kind {
        case .dropAll: c.dropProbability = 1
        case .drop10: c.dropProbability = 0.1
        case .drop30: c.dropProbability = 0.3
        case .corrupt10: c.corruptionProbability = 0.1
        case .silentPartner: c.silentAgent = 1; c.silentFrom = c.stepLimit / 4
        case .fakeTarget, .ghostMap: break
        }
        return try TeamEpisode.run(method, config: c, seed: seed) { env, _ in
            guard env.step == step, kind == .fakeTarget || kind == .ghostMap else { return }
            let codec = TeamCodec(mazeSize: c.mazeSize, objects: env.observations()[0].colors.count)
            let goal = env.goalObject, g = MapCell(Int(goal.x), Int(goal.y))
            let message: TeamMessage
            switch kind {
            case .fakeTarget:
                let far = env.layout.freeCells.filter { abs($0.x - g.x) + abs($0.y - g.y) >= 5 }
                guard !far.isEmpty else { return }
                let f = far[Int(seed % UInt64(far.count))]
                message = .sighting(Sighting(object: env.observations()[0].goal, cell: MapCell(f.x, f.y)))
            default:
                message = .patch(centre: g, patch: OccupancyPatch(side: 11, cells: Array(repeating: .wall, count: 121)))
            }
            env.inject(codec.encode(message), from: 1, to: 0)
        }
    }
}

extension TeamIntervention: CustomStringConvertible {
    public var description: String {
        String(format: "%@ on %@ at %@ bits/step, %d mazes: success %.1f%% [%.1f, %.1f] → %.1f%% [%.1f, %.1f] (%d lost, %d gained); steps when both succeed %.1f → %.1f",
               kind.rawValue, method.rawValue, bitsPerStep, mazes, 100 * baselineSuccess, 100 * baselineCI95[0], 100 * baselineCI95[1],
               100 * perturbedSuccess, 100 * perturbedCI95[0], 100 * perturbedCI95[1], successesLost, successesGained, baselineSteps, perturbedSteps)
    }
}
