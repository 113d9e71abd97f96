import Foundation
import Testing
@testable import BEV
import Tensor
import Training

@Suite("Data-parallel BEV training")
struct BEVDataParallelTests {
    /// A small BEV model with batch norm in its encoder and decoder, dropout 0.3 in its transformer and the pooled
    /// soft Jaccard term. Two members, each on half of every global batch of 4 (threads here, MPI ranks under
    /// `mpirun`), end on the parameters and running statistics one process reaches with batch 4: the members bit
    /// for bit alike, the single process within float rounding. Without synchronised batch norm, the pooled
    /// Jaccard sums or the global dropout masks, two members would train another model.
    @Test func twoMembersReachTheSingleProcessParameters() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-bev-ddp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var c = BEVTrainingConfig()
        c.model = BEVModelConfig(encoderChannels: [4, 8, 8, 8], heads: 2, feedforward: 16, encoderLayers: 1, decoderLayers: 1,
                                 queryGrid: 2, upsampleChannels: [4], outputSize: 8, dropout: 0.3)
        c.batchSize = 4; c.stepsPerEpoch = 3; c.epochs = 2; c.validationBatches = 2; c.learningRate = 3e-3
        c.loss.iouWeight = 1

        let single = try BEVTrainer(config: c, runFolder: root.appendingPathComponent("single"))
        let singleHistory = try single.train()

        let config = c
        nonisolated(unsafe) let trained = try InProcessGroup.run(2) { member in
            let t = try BEVTrainer(config: config, runFolder: root.appendingPathComponent("parallel"), collective: member)
            try t.train()
            return t
        }
        let a = trained[0].model.stateDict().map(\.1.scalars), b = trained[1].model.stateDict().map(\.1.scalars)
        #expect(a == b, "the members drifted apart")
        // A convolution's bias in front of a batch norm changes nothing (the norm subtracts the batch mean), nor does
        // the key projection's bias (softmax ignores a constant per query): their gradients are rounding noise, which
        // Adam scales up to whole steps. They, and the running means that follow the biases, are left out.
        func inert(_ name: String) -> Bool {
            name.hasSuffix("running_mean") || ((name.hasPrefix("encoder.") || name.hasPrefix("upsampler.")) && name.hasSuffix(".bias")
                && !name.hasSuffix("1.bias") && !name.hasSuffix("4.bias") && !name.hasSuffix("7.bias") && !name.hasSuffix("10.bias"))
        }
        var worst: Float = 0, compared = 0
        for ((name, p), q) in zip(single.model.stateDict(), a) where !inert(name) {
            var values = Array(zip(p.scalars, q))
            if name.hasSuffix("in_proj_bias") { let e = values.count / 3; values.removeSubrange(e..<(2 * e)) }
            for (x, y) in values { worst = max(worst, abs(x - y) / max(1, abs(x))) }
            compared += values.count
        }
        #expect(compared > 2_000)
        #expect(worst < 1e-4, "largest relative difference from one process: \(worst)")
        let logged = try RunFolder.readMetrics(BEVEpochMetrics.self, from: root.appendingPathComponent("parallel/metrics.jsonl"))
        #expect(logged.count == 2)
        #expect(abs(logged[1].trainLoss - singleHistory[1].trainLoss) < 1e-4 * max(1, abs(singleHistory[1].trainLoss)))
        #expect(abs(logged[1].validationLoss - singleHistory[1].validationLoss) < 1e-4 * max(1, abs(singleHistory[1].validationLoss)))
    }

    /// A shard of a BEV batch holds the samples the whole batch has in those rows.
    @Test func shardsAreTheRowsOfTheWholeBatch() throws {
        var target = EgocentricBEV()
        target.size = 16
        let source = BEVSamples(mazeSize: 9, seed: 5, target: target)
        let whole = try source.batch(3, size: 4), shard = try source.batch(3, size: 4, rows: 1..<3)
        #expect(shard.views.scalars == whole.views.slice(axis: 0, start: 1, end: 3).scalars)
        #expect(shard.targets.scalars == whole.targets.slice(axis: 0, start: 1, end: 3).scalars)
    }
}
