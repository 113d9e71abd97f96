import Foundation
import Testing
@testable import BEV
import MazeEnv
import Tensor

@Suite("BEV evaluation")
struct BEVEvaluationTests {
    @Test func averagePrecisionKnownAnswers() {
        // scikit-learn's documented example, and a case with tied scores (worked by hand: 1/3·1/2 + 1/3·3/5).
        #expect(abs(averagePrecision(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]) - 0.833_333) < 1e-6)
        #expect(abs(averagePrecision(scores: [0.5, 0.5, 0.2, 0.9, 0.5], labels: [true, false, true, false, true]) - 0.533_333) < 1e-6)
        #expect(averagePrecision(scores: [3, 2, 1], labels: [true, true, false]) == 1)
        #expect(averagePrecision(scores: [1, 2], labels: [false, false]).isNaN)
    }

    /// Streaming an evaluation changes nothing: chunks are the same scenes in the same order, and detection
    /// metrics gathered a chunk at a time equal those over all scenes at once.
    @Test func chunkedScenesAndDetectionTalliesMatchTheWholeSet() throws {
        let all = try BEVScene.heldOut(count: 23, seed: 5)
        var chunks: [[BEVScene]] = []
        try BEVScene.heldOut(count: 23, seed: 5, chunk: 10) { chunks.append($0) }
        #expect(chunks.map(\.count) == [10, 10, 3])
        #expect(zip(all, chunks.joined()).allSatisfy { $0.view.pixels == $1.view.pixels && $0.pose.x == $1.pose.x })
        var rng = RandomGenerator(seed: 1)
        let detector = TargetDetector(config: .cpu, rng: &rng)
        let whole = try DetectionMetrics(detector: detector, scenes: all)
        var tally = DetectionTally()
        for c in chunks { try tally.add(detector, on: c) }
        let parts = tally.metrics
        #expect(parts.visibleTargets == whole.visibleTargets)
        // Batches of another size round differently in the last bits (GEMM blocking); nothing more.
        #expect(abs(parts.averagePrecision - whole.averagePrecision) < 1e-3 || (parts.averagePrecision.isNaN && whole.averagePrecision.isNaN))
        #expect(abs(parts.positionErrorCells - whole.positionErrorCells) < 1e-4 || (parts.positionErrorCells.isNaN && whole.positionErrorCells.isNaN))
    }

    /// Recall by distance bands: visible targets at 1, 4 and 9 cells (scale 7.5), the first two called visible.
    @Test func recallByDistanceKnownAnswer() {
        var tally = DetectionTally()
        let s = TargetDetection.scale
        tally.add(scores: [0.9, 0.8, 0.1, 0.99], positions: [0, 1 / s, 4 / s, 0, 0, 9 / s, 0, 0],
                  trueVisible: [1, 1, 1, 0], truePositions: [0, 1 / s, 4 / s, 0, 0, 9 / s, 0, 0])
        let r = tally.recallByDistance
        #expect(r.map(\.label) == ["0-3", "3-6", "6+"] && r.map(\.visible) == [1, 1, 1])
        #expect(r.map(\.recall) == [1, 1, 0])
        #expect(tally.metrics.positionErrorCells == 0)
    }

    @Test func aPerfectPredictionScoresPerfectlyAndAnEmptyOneDoesNot() throws {
        let scenes = try BEVScene.heldOut(count: 40, seed: 3)
        let geometry = EgocentricBEV()
        var perfect = BEVEvaluation(), empty = BEVEvaluation()
        for s in scenes {
            perfect.add(prediction: geometry.render(s.layout, pose: s.pose, targets: s.targets), scene: s, geometry: geometry)
            empty.add(prediction: Tensor.zeros([4, 64, 64]), scene: s, geometry: geometry)
        }
        #expect(perfect.freeIoU == 1 && perfect.freeCellIoU == 1 && perfect.rgbError == 0)
        #expect(perfect.visibleTargets > 0, "some scene must show a target")
        #expect(perfect.targetAveragePrecision == 1 && perfect.targetRecall == 1 && perfect.targetPrecision == 1)
        // Discs of radius 0.25 cells drawn at 4 pixels per cell: the mean of their pixels is within a fifth of a cell.
        #expect(perfect.targetPositionError < 0.2, "\(perfect.targetPositionError)")
        #expect(empty.freeIoU == 0 && empty.freeCellIoU == 0 && empty.targetRecall == 0 && empty.targetPrecision.isNaN)
        // Each scene judged against the next one's truth: targets shown where none is visible cost precision.
        var misplaced = BEVEvaluation()
        for (s, next) in zip(scenes, scenes.dropFirst()) {
            misplaced.add(prediction: geometry.render(s.layout, pose: s.pose, targets: s.targets), scene: next, geometry: geometry)
        }
        #expect(misplaced.shownTargets > 0 && misplaced.targetPrecision < 0.9, "\(misplaced.targetPrecision)")
    }

    @Test func aOnePixelShiftCostsPixelIoUButHardlyAnyCells() throws {
        // The perfect BEV moved down one row: a quarter of a cell, so every cell keeps a majority of its pixels.
        let geometry = EgocentricBEV()
        var shifted = BEVEvaluation()
        for s in try BEVScene.heldOut(count: 40, seed: 4) {
            let truth = geometry.render(s.layout, pose: s.pose, targets: s.targets).scalars, n = geometry.size
            var moved = [Float](repeating: 0, count: truth.count)
            for c in 0..<4 { for row in 1..<n { for col in 0..<n { moved[(c * n + row) * n + col] = truth[(c * n + row - 1) * n + col] } } }
            shifted.add(prediction: Tensor(moved, shape: [4, n, n]), scene: s, geometry: geometry)
        }
        #expect(shifted.freeIoU < 0.9, "\(shifted.freeIoU)")
        #expect(shifted.freeCellIoU > 0.95, "\(shifted.freeCellIoU)")
    }

    @Test func targetEvidenceFindsADiscAtItsWorldPosition() throws {
        let world = try MazeWorld(size: 15, seed: 2)
        let t = world.targets[0], geometry = EgocentricBEV()
        // Stand 2 cells from the target looking at it (retry headings until the target is in view).
        for heading in stride(from: Float(-3), to: 3, by: 0.25) {
            let pose = AgentState(x: t.x - 2 * cos(heading), y: t.y - 2 * sin(heading), heading: heading)
            guard world.layout.isFree(point: pose.x, pose.y) else { continue }
            let bev = geometry.render(world.layout, pose: pose, targets: world.targets)
            let seen = geometry.targetSightings(in: bev, pose: pose, colors: world.targets.map(\.color))
            guard let s = seen.first(where: { $0.index == 0 }) else { continue }
            #expect(hypot(s.x - t.x, s.y - t.y) < 0.2)
            return
        }
        Issue.record("no free pose sees target 0")
    }
}

@Suite("BEV and detector training from a dataset")
struct BEVDatasetTrainingTests {
    @Test func aDatasetTrainsAndValidatesOnItsLastEpisodeAndOneEpisodeIsRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bev-data-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var collect = CollectConfig()
        collect.episodes = 2; collect.stepsPerEpisode = 12; collect.writeBEVViews = false
        _ = try Collector.collect(into: root.appendingPathComponent("data"), config: collect)
        // Scenes read back with their layouts give the same targets as rendering from the episode directly.
        let scenes = try BEVScene.from(Dataset.load(root.appendingPathComponent("data")))
        #expect(scenes.count == 24)
        let samples = BEVSceneSamples(scenes, target: EgocentricBEV(), seed: 3)
        let a = try samples.batch(5, size: 4), b = try samples.batch(5, size: 4)
        #expect(a.views.shape == [4, 3, 64, 64] && a.targets.shape == [4, 5, 64, 64] && a.targets.scalars == b.targets.scalars)

        var config = BEVTrainingConfig()
        config.epochs = 1; config.stepsPerEpoch = 1; config.batchSize = 2; config.validationBatches = 1
        config.data = root.appendingPathComponent("data").path
        let trainer = try BEVTrainer(config: config, runFolder: root.appendingPathComponent("run"))
        #expect(try trainer.train().count == 1)

        // The detector trains on the same dataset; its batches carry each scene's own labels.
        let detections = try TargetDetectionSceneSamples(scenes, slots: 6, seed: 3)
        let d = try detections.batch(2, size: 8)
        #expect(d.views.shape == [8, 3, 64, 64] && d.visible.shape == [8, 6] && d.positions.shape == [8, 6, 2])
        #expect(d.visible.scalars == (try detections.batch(2, size: 8)).visible.scalars)
        let labelled = Set(scenes.map { s in TargetDetection.labels(s.layout, pose: s.pose, targets: s.targets).visible + [s.pose.heading] })
        for i in 0..<8 { #expect(labelled.contains(Array(d.visible.scalars[(6 * i)..<(6 * i + 6)]) + [d.headings.scalars[i]])) }
        var detector = TargetDetectorTrainingConfig()
        detector.epochs = 1; detector.stepsPerEpoch = 1; detector.batchSize = 2; detector.validationBatches = 1
        detector.data = root.appendingPathComponent("data").path
        #expect(try TargetDetectorTrainer(config: detector, runFolder: root.appendingPathComponent("detector")).train().count == 1)

        _ = try Collector.collect(into: root.appendingPathComponent("one"), config: { var c = collect; c.episodes = 1; return c }())
        config.data = root.appendingPathComponent("one").path
        #expect { try BEVTrainer(config: config, runFolder: root.appendingPathComponent("run2")) } throws: { "\($0)".contains("at least 2 episodes") }
        detector.data = config.data
        #expect { try TargetDetectorTrainer(config: detector, runFolder: root.appendingPathComponent("detector2")) } throws: { "\($0)".contains("at least 2 episodes") }
    }
}

@Suite("BEV model files")
struct BEVModelFileTests {
    @Test func aTrainedCheckpointLoadsWithItsGeometryAndWrongFilesAreNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bev-model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = BEVTrainingConfig()
        config.epochs = 1; config.stepsPerEpoch = 1; config.batchSize = 2; config.validationBatches = 1
        config.target.cellsAcross = 12
        let trainer = try BEVTrainer(config: config, runFolder: dir)
        try trainer.train()
        let model = try BEVModel.load(dir.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(model.geometry.cellsAcross == 12 && model.geometry.size == 64)
        let scene = try BEVScene.heldOut(count: 1, seed: 2)[0]
        trainer.model.eval()
        let direct = noGrad { trainer.model(BEVSamples.normalise(scene.view).unsqueezed(0)) }
        #expect(model.predict([scene.view])[0].scalars == direct.scalars)

        let noConfig = dir.appendingPathComponent("plain.safetensors")
        try SafeTensors.save([("w", Tensor([1]))], to: noConfig)
        #expect { try BEVModel.load(noConfig) } throws: { "\($0)".contains("plain.safetensors") && "\($0)".contains("model_config") }
        let badConfig = dir.appendingPathComponent("bad.safetensors")
        try SafeTensors.save([("w", Tensor([1]))], to: badConfig, metadata: ["model_config": "{\"heads\": \"four\"}"])
        #expect { try BEVModel.load(badConfig) } throws: { "\($0)".contains("bad.safetensors") && "\($0)".contains("model_config") }
        let truncated = dir.appendingPathComponent("truncated.safetensors")
        try Data(try Data(contentsOf: dir.appendingPathComponent("checkpoints/latest.safetensors")).prefix(100)).write(to: truncated)
        #expect { try BEVModel.load(truncated) } throws: { "\($0)".contains("truncated.safetensors") }
    }
}
