import Foundation
import Testing
import Tensor
@testable import Training

@Suite("Training loop and run folders")
struct TrainingTests {
    /// The shared epoch loop: records and checkpoints per epoch, the cosine rate set per step, and a NaN
    /// loss stopping the run with the step named while latest keeps the last good epoch.
    @Test func epochLoopLogsSchedulesAndStopsOnNaN() throws {
        struct Record: Encodable { let epoch: Int, lr: Float }
        var rng = RandomGenerator(seed: 4)
        let model = Linear(3, 2, rng: &rng), optimizer = Adam(parameters: model.parameters(), learningRate: 0.1)
        let x = Tensor.randn([5, 3], rng: &rng), y = Tensor.randn([5, 2], rng: &rng)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-loop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = RunFolder(dir)
        _ = try folder.open(config: ["run": 1], resume: false, module: model, optimizer: optimizer) { $0 == $1 }
        var progress = RunProgress(learningRate: 0.1, plateau: ReduceLROnPlateau())
        var saved: [String] = []
        let schedule = WarmupCosineLR(baseLearningRate: 0.1, totalSteps: 6)
        func run(epochs: Int, poisonAt: Int?) throws -> [Record] {
            try EpochLoop(name: "test", epochs: epochs, stepsPerEpoch: 2, schedule: .warmupCosine(schedule)).run(
                module: model, optimizer: optimizer, folder: folder, progress: &progress,
                loss: { step in step == poisonAt ? Loss.mse(model(x), y) * Float.nan : Loss.mse(model(x), y) },
                validate: { (noGrad { Loss.mse(model(x), y).item }, { Record(epoch: $0.epoch, lr: $0.learningRate) }) },
                save: { name, p in saved.append("\(name)@\(p.step)"); try folder.save(name, module: model, optimizer: optimizer, progress: p) })
        }
        let records = try run(epochs: 2, poisonAt: nil)
        #expect(records.map(\.epoch) == [1, 2] && progress.step == 4)
        #expect(records[1].lr == schedule.learningRate(step: 3))
        #expect(saved == ["best@2", "latest@2", "best@4", "latest@4"])
        let lines = try String(contentsOf: folder.metricsURL, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect { try run(epochs: 3, poisonAt: 5) } throws: { "\($0)".contains("test loss became non-finite at step 5") && "\($0)".contains("latest.safetensors") }
        #expect(saved.last == "latest@4")
        #expect(try SafeTensors.load(folder.latest).metadata["step"] == "4")
    }

    /// Metrics lines read back into their record type; the learning rate logged as `lr` by older runs reads as
    /// `learning_rate`, and a broken line is named.
    /// Checkpoint metadata and run configurations encode with sorted keys (and non-finite floats as strings), so
    /// the same values always give the same bytes.
    @Test func metadataEncodingIsCanonical() throws {
        struct Record: Encodable { var zeta = 1, alpha = Float.infinity, mid = "m" }
        #expect(String(decoding: try JSONEncoder.lenient.encode(Record()), as: UTF8.self) == #"{"alpha":"inf","mid":"m","zeta":1}"#)
    }

    @Test func metricsReadLegacyLearningRateKeys() throws {
        struct Record: Decodable, Equatable {
            let epoch: Int, learningRate: Float
            enum CodingKeys: String, CodingKey { case epoch, learningRate = "learning_rate" }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-metrics-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("{\"epoch\":1,\"lr\":0.5}\n{\"epoch\":2,\"learning_rate\":0.25}\n".utf8).write(to: url)
        #expect(try RunFolder.readMetrics(Record.self, from: url) == [Record(epoch: 1, learningRate: 0.5), Record(epoch: 2, learningRate: 0.25)])
        try Data("{\"epoch\":1,\"lr\":0.5}\n{\"epoch\":\n".utf8).write(to: url)
        #expect { try RunFolder.readMetrics(Record.self, from: url) } throws: { "\($0)".contains("line 2") }
    }

    /// A training outcome prints flat: the last record's keys beside run_folder and the kept aliases; with no
    /// epoch finished, the run's epoch and step.
    @Test func outcomesEncodeFlat() throws {
        struct Record: Encodable { let epoch = 3, step = 30; let val_loss: Float = 0.5 }
        func object<T: Encodable>(_ value: T) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as! [String: Any]
        }
        let done = try object(TrainingOutcome(runFolder: "runs/x", epoch: 3, step: 30, last: Record(), aliases: ["old_loss": 0.5]))
        #expect(Set(done.keys) == ["epoch", "step", "val_loss", "run_folder", "old_loss"] && done["run_folder"] as? String == "runs/x")
        let none = try object(TrainingOutcome<Record>(runFolder: "runs/x", epoch: 2, step: 20, last: nil))
        #expect(none["epoch"] as? Int == 2 && none["step"] as? Int == 20 && none["val_loss"] == nil)
    }

    /// Configuration checks name the field at fault, and a cosine must outlast its warm-up.
    @Test func runConfigsNameTheFieldAtFault() throws {
        struct Config: CosineScheduledRunConfig {
            var epochs = 2, stepsPerEpoch = 5, batchSize = 4
            var learningRate: Float = 1e-3
            var maxMinutes: Double?
            var cosineSteps: Int? = 10, warmupSteps: Int? = 2
        }
        try Config().validateScheduledRun()
        #expect(Config().totalSteps == 10)
        if case .warmupCosine(let c) = Config().schedule { #expect(c.totalSteps == 10 && c.warmupSteps == 2) } else { Issue.record("not a cosine") }
        var plateau = Config(); plateau.cosineSteps = nil; plateau.warmupSteps = nil
        #expect(plateau.schedule == .plateau(ReduceLROnPlateau()))
        var bad = Config(); bad.warmupSteps = 10
        #expect(throws: ConfigError("cosineSteps", "must exceed warmupSteps")) { try bad.validateScheduledRun() }
        bad = Config(); bad.learningRate = 0
        #expect(throws: ConfigError("learningRate", "must be positive")) { try bad.validateScheduledRun() }
    }
}

@Suite("Collectives")
struct CollectiveTests {
    /// Synchronised batch norm on two members, each with half a batch, gives what one process gives with the
    /// whole batch: the outputs of its rows, the running statistics, and the gradients of input, weight and bias
    /// (the members' weight and bias gradients averaged, as the training loop does) for a loss that weighs every
    /// output differently. Unsynchronised, the outputs differ.
    @Test func synchronisedBatchNormIsTheWholeBatchsNorm() throws {
        var rng = RandomGenerator(seed: 11)
        let xs = (Tensor.randn([4, 3, 2, 5], rng: &rng) * 2 + 1).scalars, ws = Tensor.randn([4, 3, 2, 5], rng: &rng).scalars
        let x = Tensor(xs, shape: [4, 3, 2, 5]), w = Tensor(ws, shape: [4, 3, 2, 5])
        @Sendable func norm() -> BatchNorm2d {
            let n = BatchNorm2d(3)
            n.weight.storage.pointer.update(from: [1.5, 0.5, -1], count: 3); n.bias.storage.pointer.update(from: [0.1, 0, -0.2], count: 3)
            return n
        }
        let whole = norm(), input = Tensor(x.scalars, shape: x.shape, requiresGrad: true)
        let out = whole(input)
        (out * w).sum().backward()

        let members = InProcessGroup.members(2)
        nonisolated(unsafe) var results: [(out: [Float], dx: [Float], dw: [Float], db: [Float], mean: [Float], variance: [Float])?] = [nil, nil]
        DispatchQueue.concurrentPerform(iterations: 2) { rank in
            let n = norm()
            n.synchronise = members[rank].memberSum
            let rows = (60 * rank)..<(60 * rank + 60)
            let part = Tensor(Array(xs[rows]), shape: [2, 3, 2, 5], requiresGrad: true)
            let y = n(part)
            (y * Tensor(Array(ws[rows]), shape: [2, 3, 2, 5])).sum().backward()
            var grads = n.weight.grad!.scalars + n.bias.grad!.scalars
            grads.withUnsafeMutableBufferPointer { members[rank].average($0) }
            results[rank] = (y.scalars, part.grad!.scalars, Array(grads[0..<3]), Array(grads[3...]), n.runningMean.scalars, n.runningVar.scalars)
        }
        func close(_ a: [Float], _ b: [Float]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) } && a.count == b.count }
        let r0 = results[0]!, r1 = results[1]!
        #expect(close(r0.out + r1.out, out.scalars))
        #expect(close(r0.dx + r1.dx, input.grad!.scalars))
        // The members' gradients are averaged; one process's are sums over the whole batch: twice the mean.
        #expect(close(r0.dw.map { $0 * 2 }, whole.weight.grad!.scalars) && close(r0.db.map { $0 * 2 }, whole.bias.grad!.scalars))
        #expect(close(r0.mean, whole.runningMean.scalars) && close(r0.variance, whole.runningVar.scalars))
        let alone = norm()(x.slice(axis: 0, start: 0, end: 2))
        #expect(!close(alone.scalars, r0.out))
    }

    /// A parameter one member's loss did not reach still averages: that member contributes zeros, so both members
    /// pack the same buffer and end with half the other's gradient (unguarded, the buffers differ in length and
    /// an MPI allreduce would hang or fail).
    @Test func parametersWithoutAGradientOnOneMemberStillAverage() throws {
        nonisolated(unsafe) let grads = try InProcessGroup.run(2) { member -> [[Float]] in
            let a = Tensor([1, 2], shape: [2], requiresGrad: true), b = Tensor([3], shape: [1], requiresGrad: true)
            let loss = member.rank == 0 ? (a * a).sum() + b.sum() : b.sum() * 3
            loss.backward()
            var extra = [loss.item]
            member.averageGradients([a, b], extra: &extra)
            return [a.grad!.scalars, b.grad!.scalars, extra]
        }
        #expect(grads[0] == grads[1])
        #expect(grads[0][0] == [1, 2] && grads[0][1] == [2] && grads[0][2] == [(5 + 3 + 9) / 2])
    }

    /// A sum over members is differentiable: each member's gradient is the sum of what every member's loss asks
    /// of the sum, so averaged over members it is the whole batch's gradient (checked by finite differences of
    /// the pooled ratio the BEV loss uses).
    @Test func sumsOverMembersCarryTheWholeGradient() throws {
        let a: [Float] = [0.2, 0.9, 0.4], b: [Float] = [0.7, 0.1, 0.5]
        func ratio(_ v: [Float]) -> Float { let s = v.reduce(0, +); return s / (s * s + 1) }
        let members = InProcessGroup.members(2)
        nonisolated(unsafe) var grads: [[Float]] = [[], []]
        DispatchQueue.concurrentPerform(iterations: 2) { rank in
            let x = Tensor(rank == 0 ? a : b, shape: [3], requiresGrad: true)
            let s = x.sum().reshaped([1]).summedOverMembers(members[rank].memberSum!).sum()
            (s / (s * s + 1)).backward()
            grads[rank] = x.grad!.scalars
        }
        let h: Float = 1e-3
        for (rank, values) in [a, b].enumerated() {
            for i in 0..<3 {
                var up = a + b, down = a + b
                up[3 * rank + i] += h; down[3 * rank + i] -= h
                // One process's loss is the ratio of the pooled sum; the members' losses (equal) average to it.
                let numeric = (ratio(up) - ratio(down)) / (2 * h)
                #expect(abs(grads[rank][i] / 2 - numeric) < 1e-3, "member \(rank) element \(i) (\(values[i]))")
            }
        }
    }
}
