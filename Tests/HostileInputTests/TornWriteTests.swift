import Foundation
import Testing
@testable import Tensor
@testable import Training

/// A save interrupted at any point between its files is completed or refused on load, never loaded mismatched;
/// a resumed run's metrics hold each epoch once.
@Suite("Torn writes")
struct TornWriteTests {
    /// Two saves (A, then B) of a model with an optimiser, written to separate places.
    func twoSaves(_ scratch: Scratch) throws -> (a: URL, b: URL, model: Linear, optimizer: Adam) {
        var rng = RandomGenerator(seed: 3)
        let model = Linear(3, 2, rng: &rng), optimizer = Adam(parameters: model.parameters(), learningRate: 0.1)
        let x = Tensor.randn([4, 3], rng: &rng)
        func step() { optimizer.zeroGrad(); model(x).square().mean().backward(); optimizer.step() }
        step()
        let a = scratch.file("a/latest.safetensors"), b = scratch.file("b/latest.safetensors")
        try Checkpoint.save(model, optimizer: optimizer, to: a)
        step()
        try Checkpoint.save(model, optimizer: optimizer, to: b)
        return (a, b, model, optimizer)
    }

    func copy(_ from: URL, _ to: URL) throws {
        try? FileManager.default.removeItem(at: to)
        try FileManager.default.copyItem(at: from, to: to)
    }

    func loadedStep(_ url: URL, _ model: Linear, _ optimizer: Adam) throws -> Int {
        try Checkpoint.load(into: model, optimizer: optimizer, from: url)
        return optimizer.stepCount
    }

    @Test func interruptedSavesAreCompletedOrIgnored() throws {
        let scratch = Scratch()
        let (a, b, model, optimizer) = try twoSaves(scratch)
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: Checkpoint.pendingOptimizerURL(for: a).path))
        // Killed after B's optimiser state was staged, before B's model was committed: A loads whole, the stage goes.
        try copy(Checkpoint.optimizerURL(for: b), Checkpoint.pendingOptimizerURL(for: a))
        #expect(try loadedStep(a, model, optimizer) == 1)
        #expect(!fm.fileExists(atPath: Checkpoint.pendingOptimizerURL(for: a).path))
        // Killed after B's model was committed, before its optimiser state moved: B loads whole, the move is finished.
        try copy(Checkpoint.optimizerURL(for: b), Checkpoint.pendingOptimizerURL(for: a))
        try copy(b, a)
        #expect(try loadedStep(a, model, optimizer) == 2)
        #expect(!fm.fileExists(atPath: Checkpoint.pendingOptimizerURL(for: a).path))
        #expect(try Data(contentsOf: Checkpoint.optimizerURL(for: a)) == Data(contentsOf: Checkpoint.optimizerURL(for: b)))
    }

    @Test func mismatchedPairsAreRefused() throws {
        let scratch = Scratch()
        let (a, b, model, optimizer) = try twoSaves(scratch)
        try copy(Checkpoint.optimizerURL(for: b), Checkpoint.optimizerURL(for: a))
        let message = errorText { try Checkpoint.load(into: model, optimizer: optimizer, from: a) }
        #expect(message?.contains("latest.optim.safetensors") == true && message?.contains("another save") == true, "\(message ?? "no error")")
        try FileManager.default.removeItem(at: Checkpoint.optimizerURL(for: a))
        #expect(errorText { try Checkpoint.load(into: model, optimizer: optimizer, from: a) }?.contains("is missing") == true)
        // An optimiser file from before saves were paired (no digest) is accepted.
        let (state, _) = try SafeTensors.load(Checkpoint.optimizerURL(for: b))
        try SafeTensors.save(state.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: Checkpoint.optimizerURL(for: a))
        #expect(try loadedStep(a, model, optimizer) == 2)
    }

    /// A run killed after logging an epoch but before its checkpoint logs that epoch again on resume, once; the
    /// time comes back from the metrics, and stray temporary files go.
    @Test func resumedMetricsHoldEachEpochOnce() throws {
        struct Record: Encodable { let epoch: Int, seconds: Double }
        let scratch = Scratch()
        var rng = RandomGenerator(seed: 4)
        let model = Linear(3, 2, rng: &rng), optimizer = Adam(parameters: model.parameters(), learningRate: 0.1)
        let x = Tensor.randn([5, 3], rng: &rng), y = Tensor.randn([5, 2], rng: &rng)
        let folder = RunFolder(scratch.file("run"))
        _ = try folder.open(config: ["run": 1], resume: false, module: model, optimizer: optimizer) { $0 == $1 }
        var progress = RunProgress(learningRate: 0.1, plateau: ReduceLROnPlateau())
        func run(epochs: Int) throws {
            try EpochLoop(name: "test", epochs: epochs, stepsPerEpoch: 2, schedule: .constant).run(
                module: model, optimizer: optimizer, folder: folder, progress: &progress,
                loss: { _ in Loss.mse(model(x), y) },
                validate: { (noGrad { Loss.mse(model(x), y).item }, { Record(epoch: $0.epoch, seconds: 100 * Double($0.epoch)) }) },
                save: { name, p in try folder.save(name, module: model, optimizer: optimizer, progress: p) })
        }
        try run(epochs: 2)
        try folder.appendMetrics(Record(epoch: 3, seconds: 300))   // logged, then killed before the save
        try Data("x".utf8).write(to: folder.checkpoints.appendingPathComponent(".latest.safetensors.tmp-999"))
        let resumed = try folder.open(config: ["run": 1], resume: true, module: model, optimizer: optimizer) { $0 == $1 }
        #expect(resumed?.epoch == 2 && resumed?.seconds == 200)
        #expect(folder.metricsLineCount() == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.checkpoints.path).allSatisfy { !$0.contains(".tmp-") })
        // A metrics file shorter than the checkpoint says is refused, not silently extended.
        try Data().write(to: folder.metricsURL)
        #expect(errorText { _ = try folder.open(config: ["run": 1], resume: true, module: model, optimizer: optimizer) { $0 == $1 } }?
            .contains("metrics.jsonl") == true)
    }
}
