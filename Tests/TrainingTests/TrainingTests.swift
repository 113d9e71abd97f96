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
