import Foundation
import Testing
@testable import GridCell
import MazeEnv
import Tensor

@Suite("Path-integrated poses")
struct PoseEstimationTests {
    @Test func windowsStartAtTheTrueFixAndEveryFrameGetsAnEstimateInTheArena() throws {
        var rng = RandomGenerator(seed: 3)
        let network = GridCellNetwork(config: GridCellConfig(), rng: &rng)
        let world = try MazeWorld(size: 15, seed: 2)
        let poses = FrontierExplorer.explore(world, steps: 250, seed: 2, renderer: nil).trajectory.observations(of: 0).dropFirst().map(\.pose)
        let estimated = network.integratePath(poses, window: 100)
        #expect(estimated.count == 250)
        for fix in [0, 100, 200] { #expect(estimated[fix] == poses[fix]) }
        // Decoded positions are means of place-cell centres: inside the arena whatever the weights.
        let extent = network.config.extent
        #expect(estimated.allSatisfy { $0.x >= 0 && $0.y >= 0 && $0.x <= extent && $0.y <= extent && $0.heading.isFinite })
        #expect(estimated[1] != poses[1], "between fixes the poses are the network's, not the truth")
    }

    /// Step by step, as an agent integrates while it moves, the integrator believes what the windowed batch
    /// believes: the same fixes, the same estimates (to the decoder's resolution).
    @Test(arguments: [PlaceCells.Tuning.gaussian, .mexicanHat])
    func stepByStepEqualsTheWindowedBatch(tuning: PlaceCells.Tuning) throws {
        var rng = RandomGenerator(seed: 4)
        var config = GridCellConfig()
        config.placeTuning = tuning; config.hiddenSize = 32; config.bottleneckSize = 48; config.placeCells = 64
        let network = GridCellNetwork(config: config, rng: &rng)
        let world = try MazeWorld(size: 15, seed: 3)
        let poses = FrontierExplorer.explore(world, steps: 130, seed: 3, renderer: nil).trajectory.observations(of: 0).dropFirst().map(\.pose)
        let batch = network.integratePath(poses, window: 50)
        var online = OnlinePathIntegrator(network: network, fixEvery: 50)
        var worst: Float = 0
        for (k, p) in poses.enumerated() {
            let q = k > 0 ? poses[k - 1] : p
            let believed = online.step(motion: SelfMotion(dx: p.x - q.x, dy: p.y - q.y, dHeading: wrapAngle(p.heading - q.heading)), observed: p)
            if k % 50 == 0 { #expect(believed == p, "step \(k) is a fix") } else { #expect(believed != p, "step \(k) is the network's") }
            worst = max(worst, hypot(believed.x - batch[k].x, believed.y - batch[k].y), abs(wrapAngle(believed.heading - batch[k].heading)))
        }
        #expect(worst < (tuning == .mexicanHat ? 0.11 : 1e-4), "largest difference \(worst)")
    }

    /// The filtered online integrator believes what the filter makes of the batch (Gaussian tuning: exact
    /// decoding), and the given self-motion, not the pose differences, is what the batch integrates.
    @Test func theFilteredOnlineIntegratorEqualsTheFilteredBatch() throws {
        var rng = RandomGenerator(seed: 5)
        var config = GridCellConfig()
        config.hiddenSize = 32; config.bottleneckSize = 48; config.placeCells = 64
        let network = GridCellNetwork(config: config, rng: &rng)
        let world = try MazeWorld(size: 15, seed: 3)
        let poses = FrontierExplorer.explore(world, steps: 120, seed: 3, renderer: nil).trajectory.observations(of: 0).dropFirst().map(\.pose)
        let motion = SelfMotionNoise(translation: 0.1, turnDegrees: 2).motion(along: poses, seed: 9)
        let filter = PoseFilter(gain: 0.2)
        let batch = network.integratePath(poses, window: 50, motion: motion, filter: filter)
        #expect(batch == filter(network.integratePath(poses, window: 50, motion: motion), motion: motion) { $0 % 50 == 0 })
        #expect(network.integratePath(poses, window: 50, motion: motion) != network.integratePath(poses, window: 50))
        var online = OnlinePathIntegrator(network: network, fixEvery: 50, filter: filter)
        var worst: Float = 0
        for (k, p) in poses.enumerated() {
            let believed = online.step(motion: motion[k], observed: p)
            worst = max(worst, hypot(believed.x - batch[k].x, believed.y - batch[k].y), abs(wrapAngle(believed.heading - batch[k].heading)))
        }
        #expect(worst < 1e-4, "largest difference \(worst)")
    }
}

@Suite("Pose filter")
struct PoseFilterTests {
    /// Known answers: gain 1 passes the decoded pose through; a step carries the belief by the motion and then
    /// moves it `gain` of the way to the decoded pose, headings along the shorter arc across ±π.
    @Test func oneStepKnownAnswers() {
        let belief = AgentState(x: 1, y: 2, heading: 3.0), motion = SelfMotion(dx: 0.5, dy: -0.5, dHeading: 0.1)
        let decoded = AgentState(x: 2.5, y: 0.5, heading: -3.0)
        #expect(PoseFilter(gain: 1).update(belief, motion: motion, decoded: decoded) == AgentState(x: 2.5, y: 0.5, heading: wrapAngle(-3.0)))
        let half = PoseFilter(gain: 0.5).update(belief, motion: motion, decoded: decoded)
        // Carried: (1.5, 1.5, 3.1); halfway to (2.5, 0.5): (2, 1); 3.1 → −3.0 is 0.1832 the short way round.
        #expect(abs(half.x - 2) < 1e-6 && abs(half.y - 1) < 1e-6)
        #expect(abs(wrapAngle(half.heading - (3.1 + 0.5 * Float(2 * Double.pi - 6.1)))) < 1e-5)
    }

    /// Decoded poses that jitter ±0.4 cells and ±12° about the truth, with exact self-motion: the filter's error
    /// falls to a fraction of the jitter; fixes reset it; gain 1 changes nothing.
    @Test func jitterIsFilteredOutAndFixesReset() {
        let truth = (0..<200).map { AgentState(x: 1 + 0.05 * Float($0), y: 2, heading: wrapAngle(0.03 * Float($0))) }
        let decoded = truth.enumerated().map { k, p in
            AgentState(x: p.x + (k % 2 == 0 ? 0.4 : -0.4), y: p.y, heading: wrapAngle(p.heading + (k % 2 == 0 ? 0.21 : -0.21)))
        }
        let motion = SelfMotion.steps(along: truth)
        let filtered = PoseFilter(gain: 0.1)(decoded, motion: motion) { $0 % 100 == 0 }
        #expect(filtered[0] == decoded[0] && filtered[100] == decoded[100])
        let late = (150..<200).map { abs(filtered[$0].x - truth[$0].x) }.max()!
        #expect(late < 0.03, "x error \(late) after filtering ±0.4")
        #expect((150..<200).allSatisfy { abs(wrapAngle(filtered[$0].heading - truth[$0].heading)) < 0.02 })
        let passed = PoseFilter(gain: 1)(decoded, motion: motion) { _ in false }
        #expect(zip(passed, decoded).allSatisfy { abs($0.x - $1.x) < 1e-5 && abs(wrapAngle($0.heading - $1.heading)) < 1e-5 })
    }
}
