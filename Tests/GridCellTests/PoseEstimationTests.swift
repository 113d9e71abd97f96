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
}
