import Foundation
import Testing
@testable import GridCell
import Tensor
import Training

@Suite("Data-parallel grid-cell training")
struct DataParallelTests {
    /// Two members, each on half of every global batch of 8 (as threads here; as MPI ranks with `mpirun -np 2`),
    /// end on the parameters one process reaches with batch 8: equal to each other bit for bit, and to the single
    /// process within float rounding (the mean of two half-batch means sums in another order). Dropout is on, so
    /// the masks must be drawn for the global batch.
    @Test(arguments: [false, true])
    func twoMembersReachTheSingleProcessParameters(windowSeeds: Bool) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-ddp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var c = GridCellTrainingConfig()
        c.model.placeCells = 16; c.model.headDirectionCells = 6; c.model.hiddenSize = 12; c.model.bottleneckSize = 10
        c.model.dropout = 0.5; c.trajectories = .arena
        c.batchSize = 8; c.sequenceLength = 6; c.stepsPerEpoch = 4; c.epochs = 2; c.validationBatches = 1; c.snapshotEpochs = []
        c.optimizer = .adam; c.learningRate = 1e-2; c.windowSeeds = windowSeeds

        let single = try GridCellTrainer(config: c, runFolder: root.appendingPathComponent("single"))
        let singleHistory = try single.train()

        let config = c
        nonisolated(unsafe) let trained = try InProcessGroup.run(2) { member in
            let t = try GridCellTrainer(config: config, runFolder: root.appendingPathComponent("parallel"), collective: member)
            try t.train()
            return t
        }
        let a = trained[0].network.parameters().map(\.scalars), b = trained[1].network.parameters().map(\.scalars)
        #expect(a == b, "the members drifted apart")
        var worst: Float = 0
        for (p, q) in zip(single.network.parameters().map(\.scalars), a) {
            for (x, y) in zip(p, q) { worst = max(worst, abs(x - y) / max(1, abs(x))) }
        }
        #expect(worst < 1e-4, "largest relative difference from one process: \(worst)")
        // Member 0 logged the global batch's loss, as one process does; member 1 wrote nothing of its own.
        let logged = try RunFolder.readMetrics(EpochMetrics.self, from: root.appendingPathComponent("parallel/metrics.jsonl"))
        #expect(logged.count == 2 && abs(logged[1].trainLoss - singleHistory[1].trainLoss) < 1e-3 * max(1, abs(singleHistory[1].trainLoss)))
    }

    /// A global batch that does not split evenly is refused, naming the setting.
    @Test func unevenBatchesAreRefused() {
        var c = GridCellTrainingConfig(); c.batchSize = 9
        let members = InProcessGroup.members(2)
        #expect(throws: ConfigError.self) { try GridCellTrainer(config: c, runFolder: URL(fileURLWithPath: "/nonexistent"), collective: members[0]) }
    }
}

@Suite("Trajectory shards")
struct TrajectoryShardTests {
    /// A shard of a batch is the same windows whether the whole batch or only the shard is made, with one stream
    /// per batch or a generator per window; per-window generators change the windows, one stream keeps them.
    @Test func shardsAreTheRowsOfTheWholeBatch() throws {
        var maze = try MazeTrajectories(mazeSize: 9, seed: 3, mazes: 4)
        var arena = ArenaTrajectories(extent: 15, seed: 3)
        for windowSeeds in [false, true] {
            maze.windowSeeds = windowSeeds; arena.windowSeeds = windowSeeds
            let sources: [any TrajectorySource] = [maze, arena]
            for source in sources {
                let whole = try source.batch(5, size: 6, steps: 7)
                let shard = try source.batch(5, size: 6, steps: 7, rows: 2..<4)
                #expect(shard.velocities.scalars == whole.rows(2..<4).velocities.scalars && shard.positions.scalars == whole.rows(2..<4).positions.scalars)
            }
        }
        maze.windowSeeds = false
        let stream = try maze.batch(5, size: 6, steps: 7)
        maze.windowSeeds = true
        #expect(try maze.batch(5, size: 6, steps: 7).positions.scalars != stream.positions.scalars)
    }
}
