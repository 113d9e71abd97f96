import Foundation
import Testing
@testable import SharedSpatialMemory
import GridCell

@Suite("Reproduction report")
struct ReproductionTests {
    let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models").standardized

    /// The report has a section per part asked for, with its command and its numbers; a run of the parts asked
    /// for is complete, and a report cut short says it is. (One cheap part: the others take minutes in debug builds;
    /// `ssm reproduce --quick` runs them all in about 2 minutes in release.)
    @Test func reportHoldsEachSectionWithItsCommandAndFigures() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-reproduce-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var r = Reproduction()
        r.quick = true; r.output = folder; r.models = models; r.jobs = 2
        r.parts = [.pathIntegration, .pathIntegration]
        var lines: [String] = []
        let (url, sections) = try r.run { lines.append($0) }
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(sections.count == 2 && lines.count == 4)
        #expect(text.contains("## Path integration") && text.contains("ssm grid eval --checkpoint") && text.contains("position error mean"))
        #expect(!text.contains("Incomplete") && text.components(separatedBy: "## Path integration").count == 3)
        #expect(r.report(Array(sections.prefix(1)), seconds: 1, complete: false, retrained: false).contains("stopped after 1 of 2 sections"))
    }

    /// A retrained model is exported in the shipped layout (configuration, metrics, weights, snapshots) and loads
    /// like a shipped one; a second retraining finds the run finished and leaves it as it is.
    @Test func retrainedModelsAreExportedLikeShippedOnesAndNotRetrained() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-retrain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = GridCellTrainingConfig.emergence
        config.model.placeCells = 16; config.model.headDirectionCells = 4; config.model.hiddenSize = 8; config.model.bottleneckSize = 8
        config.batchSize = 4; config.stepsPerEpoch = 3; config.epochs = 2; config.validationBatches = 1; config.snapshotEpochs = [0, 2]
        let shipped = folder.appendingPathComponent("shipped/gridcell")
        try FileManager.default.createDirectory(at: shipped, withIntermediateDirectories: true)
        try JSONEncoder().encode(config).write(to: shipped.appendingPathComponent("config.json"))
        var retraining = ModelRetraining()
        retraining.shipped = folder.appendingPathComponent("shipped"); retraining.output = folder.appendingPathComponent("train")
        func train() throws -> ModelRetraining.Record {
            try retraining.runFolder("gridcell", GridCellTrainingConfig.self, snapshots: true, command: "c", log: { _ in }, adjust: { _ in }) {
                try GridCellTrainer(config: $0, runFolder: $1, resume: true)
            }
        }
        let first = try train()
        #expect(first.minutes > 0 && first.lastMetrics.contains("epoch 2, ") && first.lastMetrics.contains("val_loss"))
        let exported = try GridCellRun(retraining.models.appendingPathComponent("gridcell"))
        let metrics = try exported.metrics()
        #expect(exported.snapshotEpochs == [0, 2] && metrics.count == 2)
        #expect(try GridCellNetwork.load(exported.model).config == config.model)
        let files = try FileManager.default.contentsOfDirectory(atPath: exported.folder.appendingPathComponent("checkpoints").path)
        #expect(!files.contains { $0.contains("optim") })
        let before = try Data(contentsOf: exported.model)
        let again = try train()
        let after = try Data(contentsOf: exported.model)
        #expect(again.minutes == 0 && after == before)
    }
}
