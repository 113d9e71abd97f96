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
}
