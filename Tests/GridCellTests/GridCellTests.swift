import Foundation
import Testing
@testable import GridCell
import MazeEnv
import Tensor
import Training

@Suite("Target cells")
struct TargetCellTests {
    @Test func centresAndDirectionsMatchNumpyRandomState42() {
        // numpy.random.RandomState(42).uniform(0, 15, (256, 2)) and .uniform(-π, π, 12).
        let c = PlaceCells().centres.scalars
        for (got, want) in zip(c.prefix(6), [5.61810178, 14.2607146, 10.97990913, 8.97987726, 2.34027961, 2.33991781]) {
            #expect(abs(Double(got) - want) < 1e-5)
        }
        #expect(abs(Double(c[510]) - 9.20122794) < 1e-5 && abs(Double(c[511]) - 6.27364554) < 1e-5)
        let h = HeadDirectionCells().preferred.scalars
        for (got, want) in zip(h.prefix(4) + [h[11]], [-0.78828768, 2.83192151, 1.45766093, 0.61988954, 2.952530678803174]) {
            #expect(abs(Double(got) - want) < 1e-5)
        }
    }

    @Test func activitiesHaveTheirShapes() {
        let p = Tensor([7.3, 4.1, 0.2, 14.9], shape: [2, 2])
        for tuning in [PlaceCells.Tuning.gaussian, .differenceOfGaussians] {
            let a = PlaceCells(tuning: tuning).activity(p)
            #expect(a.shape == [2, 256])
            for row in 0..<2 { #expect(abs(a.slice(axis: 0, start: row, end: row + 1).sum().item - 1) < 1e-4) }
            #expect(a.scalars.min()! >= 0)
            if tuning == .differenceOfGaussians {
                #expect(abs(a.slice(axis: 0, start: 0, end: 1).min().item) < 1e-7)  // shifted to a minimum of 0
            }
        }
        // The Mexican hat is 1 − 1/s at its centre and integrates to ~0 over the plane.
        let hat = PlaceCells(count: 1, sigma: 0.8, tuning: .mexicanHat)
        let centre = hat.centres
        #expect(abs(hat.activity(centre).item - 0.5) < 1e-6)
        var grid: [Float] = []
        for i in 0..<120 { for j in 0..<120 { grid += [centre.scalars[0] - 6 + Float(i) * 0.1 + 0.05, centre.scalars[1] - 6 + Float(j) * 0.1 + 0.05] } }
        let integral = hat.activity(Tensor(grid, shape: [14_400, 2])).sum().item * 0.01
        #expect(abs(integral) < 0.02, "∫ Mexican hat = \(integral)")
        let hd = HeadDirectionCells().activity(Tensor([0.3, -2.9]))
        #expect(hd.shape == [2, 12] && abs(hd.sum().item - 2) < 1e-4)
    }

    /// The §6.5 decoders applied to perfect readouts: their own error floor, which every reported
    /// path-integration error includes (random centres make the weighted mean slightly biased).
    @Test func decodingPerfectReadoutsRecoversPositionAndHeading() {
        let place = PlaceCells(), hd = HeadDirectionCells()
        var grid: [Float] = []
        for i in 0..<20 { for j in 0..<20 { grid += [1 + Float(i) * 0.65, 1 + Float(j) * 0.65] } }
        let p = Tensor(grid, shape: [400, 2])
        func meanError(_ d: Tensor) -> Float {
            let v = d.scalars
            var sum: Float = 0
            for k in 0..<400 { sum += hypot(v[2 * k] - grid[2 * k], v[2 * k + 1] - grid[2 * k + 1]) }
            return sum / 400
        }
        let weighted = meanError(place.decode(logits: place.activity(p).log()))
        let top3 = meanError(place.decode(logits: place.activity(p).log(), top: 3))
        #expect(weighted < 0.35, "weighted-mean decoder floor \(weighted) cells")
        #expect(top3 < 0.6, "top-3 decoder floor \(top3) cells")
        let headings = Tensor((0..<100).map { Float($0) * 0.0628 - 3.1 })
        let h = hd.decode(logits: hd.activity(headings).log())
        var headingError: Float = 0
        for (a, b) in zip(h.scalars, headings.scalars) { headingError += abs(wrapAngle(a - b)) / 100 }
        #expect(headingError < 0.25, "HD decoder floor \(headingError) rad")
    }

    /// Template tracking: a perfect Mexican-hat readout is found exactly when searched for near its position,
    /// and a search elsewhere never leaves its radius; a tracked window follows a path step by step.
    @Test func trackingFindsNearbyPositionsAndNeverJumps() {
        let place = PlaceCells(count: 256, sigma: 0.7, tuning: .mexicanHat), templates = PositionTemplates(place)
        let truth: [Float] = [6.05, 8.25]
        let readout = place.activity(Tensor(truth, shape: [1, 2]))
        let near = templates.decode(readout.storage.pointer, near: 6.5, 8.0)
        #expect(abs(near.x - truth[0]) < 0.06 && abs(near.y - truth[1]) < 0.06, "\(near)")
        let far = templates.decode(readout.storage.pointer, near: 10, 3)
        #expect(hypot(far.x - 10, far.y - 3) <= PositionTemplates.trackingRadius + 0.1, "\(far)")
        // Outside the square: the nearest candidate, not a crash.
        let outside = templates.decode(readout.storage.pointer, near: -5, 40)
        #expect(outside.x < 0.1 && outside.y > 14.9)
        // A path of 30 steps of 0.2 cells, tracked from its start.
        var path: [Float] = []
        for k in 0..<30 { path += [2 + 0.2 * Float(k), 3 + 0.1 * Float(k)] }
        let tracked = templates.track(place.activity(Tensor(path, shape: [30, 2])), windows: 1, steps: 30, starts: [(2, 3)]).scalars
        var worst: Float = 0
        for k in 0..<30 { worst = max(worst, hypot(tracked[2 * k] - path[2 * k], tracked[2 * k + 1] - path[2 * k + 1])) }
        #expect(worst < 0.08, "worst tracked error \(worst)")
    }
}

@Suite("Path-integration loss")
struct LossTests {
    func output(_ rng: inout RandomGenerator, b: Int = 2, t: Int = 7) -> GridCellNetwork.Output {
        GridCellNetwork.Output(placeLogits: Tensor.randn([b, t, 5], rng: &rng, requiresGrad: true),
                               headDirectionLogits: Tensor.randn([b, t, 3], rng: &rng, requiresGrad: true),
                               bottleneck: Tensor.zeros([b, t, 4]))
    }

    @Test func stepWeightsAreTheOriginals() {
        #expect(PathIntegrationLoss().stepWeights(7) == [10, 5, 4, 3.2, 2.56, 1, 1].map { Float($0) }
                || zip(PathIntegrationLoss().stepWeights(7), [10, 5, 4, 3.2, 2.56, 1, 1]).allSatisfy { abs($0 - Float($1)) < 1e-6 })
        var flat = PathIntegrationLoss(); flat.stepWeighting = false
        #expect(flat.stepWeights(4) == [1, 1, 1, 1])
    }

    @Test func perfectPredictionsGiveZeroMainLossAndEachSwitchChangesTheLoss() {
        var rng = RandomGenerator(seed: 3)
        let o = output(&rng)
        let place = o.placeLogits.detached().softmax(), hd = o.headDirectionLogits.detached().softmax()
        let v = PathIntegrationLoss()(o, placeTargets: place, headDirectionTargets: hd)
        #expect(abs(v.place) < 1e-5 && abs(v.headDirection) < 1e-5 && abs(v.initial) < 1e-5)
        // Against other targets, every switch changes the total (the original's ablation flag did not).
        let other = Tensor.randn([2, 7, 5], rng: &rng).softmax(), otherHD = Tensor.randn([2, 7, 3], rng: &rng).softmax()
        let full = PathIntegrationLoss()(o, placeTargets: other, headDirectionTargets: otherHD).total.item
        let switches: [WritableKeyPath<PathIntegrationLoss, Bool>] = [\.placeTerm, \.headDirectionTerm, \.stepWeighting, \.initialTerm, \.continuityTerm]
        for key in switches {
            var loss = PathIntegrationLoss(); loss[keyPath: key] = false
            let ablated = loss(o, placeTargets: other, headDirectionTargets: otherHD).total.item
            #expect(abs(ablated - full) > 1e-4, "switching off \(key) left the loss at \(full)")
        }
    }

    @Test func gradientMatchesFiniteDifferences() {
        var rng = RandomGenerator(seed: 5)
        let o = output(&rng, b: 2, t: 7)
        let place = Tensor.randn([2, 7, 5], rng: &rng).softmax(), hd = Tensor.randn([2, 7, 3], rng: &rng).softmax()
        let loss = PathIntegrationLoss()
        loss(o, placeTargets: place, headDirectionTargets: hd).total.backward()
        for logits in [o.placeLogits, o.headDirectionLogits] {
            let g = logits.grad!.scalars
            for i in Swift.stride(from: 0, to: logits.count, by: 5) {
                let saved = logits.storage.pointer[i], h: Float = 1e-2
                logits.storage.pointer[i] = saved + h
                let up = noGrad { loss(o, placeTargets: place, headDirectionTargets: hd).total.item }
                logits.storage.pointer[i] = saved - h
                let down = noGrad { loss(o, placeTargets: place, headDirectionTargets: hd).total.item }
                logits.storage.pointer[i] = saved
                let numeric = (up - down) / (2 * h)
                #expect(abs(numeric - g[i]) < 2e-3 + 2e-2 * abs(numeric), "element \(i): analytic \(g[i]) numeric \(numeric)")
            }
        }
    }
}

@Suite("Trajectories")
struct TrajectoryTests {
    func checkConsistent(_ b: TrajectoryBatch, extent: Float = 15) {
        let v = b.velocities.scalars, p = b.positions.scalars, h = b.headings.scalars
        for i in 0..<b.batch { for t in 1..<b.steps {
            let k = i * b.steps + t
            #expect(abs(p[2 * k] - p[2 * k - 2] - v[3 * k]) < 1e-4 && abs(p[2 * k + 1] - p[2 * k - 1] - v[3 * k + 1]) < 1e-4)
            #expect(abs(wrapAngle(h[k] - h[k - 1] - v[3 * k + 2])) < 1e-4)
            #expect(p[2 * k] >= 0 && p[2 * k] <= extent && p[2 * k + 1] >= 0 && p[2 * k + 1] <= extent)
        } }
    }

    @Test func arenaWalksStayInsideAndAreReproducible() throws {
        let source = ArenaTrajectories(seed: 3)
        let a = try source.batch(5, size: 16, steps: 200), b = try source.batch(5, size: 16, steps: 200)
        #expect(a.positions.scalars == b.positions.scalars)
        #expect(try source.batch(6, size: 16, steps: 200).positions.scalars != a.positions.scalars)
        checkConsistent(a)
        let speeds = (0..<(16 * 200)).map { hypot(a.velocities.scalars[3 * $0], a.velocities.scalars[3 * $0 + 1]) }
        let mean = speeds.reduce(0, +) / Float(speeds.count)
        #expect(mean > 0.08 && mean < 0.16, "mean speed \(mean) cells/step")
    }

    @Test func mazeWindowsStayInFreeCells() throws {
        let source = try MazeTrajectories(mazeSize: 9, seed: 2, mazes: 4)
        let b = try source.batch(0, size: 6, steps: 80)
        checkConsistent(b, extent: 9)
        #expect(try source.batch(0, size: 6, steps: 80).positions.scalars == b.positions.scalars)
        let p = b.positions.scalars
        for k in 0..<(6 * 80) {
            #expect(source.mazes.contains { $0.layout.isFree(point: p[2 * k], p[2 * k + 1]) })
        }
    }

    @Test func mixedBatchesAreMazeRowsThenArenaRowsAndShardExactly() throws {
        for windowSeeds in [false, true] {
            var maze = try MazeTrajectories(mazeSize: 15, seed: 4, mazes: 3), arena = ArenaTrajectories(seed: 4)
            maze.windowSeeds = windowSeeds; arena.windowSeeds = windowSeeds
            let mixed = MixedTrajectories(maze: maze, arena: arena, mazeFraction: 0.4)
            #expect(mixed.mazeRows(of: 10) == 4)
            let whole = try mixed.batch(2, size: 10, steps: 30)
            checkConsistent(whole)
            #expect(whole.rows(0..<4).positions.scalars == (try maze.batch(2, size: 4, steps: 30)).positions.scalars)
            #expect(whole.rows(4..<10).positions.scalars == (try arena.batch(2, size: 6, steps: 30)).positions.scalars)
            // A data-parallel member's rows, across the seam and on either side of it, are the whole batch's rows.
            for rows in [2..<7, 0..<3, 5..<10] {
                let part = try mixed.batch(2, size: 10, steps: 30, rows: rows)
                #expect(part.velocities.scalars == whole.rows(rows).velocities.scalars, "rows \(rows), windowSeeds \(windowSeeds)")
                #expect(part.headings.scalars == whole.rows(rows).headings.scalars)
            }
        }
    }

    @Test func datasetWindowsFollowTheFramesAndRejectShortData() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-grid-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var config = CollectConfig()
        config.mazeSize = 9; config.episodes = 2; config.stepsPerEpisode = 60; config.writeBEVViews = false
        _ = try Collector.collect(into: root, config: config)
        let dataset = try Dataset.load(root)
        let source = try DatasetTrajectories(dataset: dataset, steps: 50, seed: 1, stride: 5)
        #expect(source.starts.count == 2 * 3)
        checkConsistent(try source.batch(0, size: 4, steps: 50), extent: 9)
        #expect(throws: DatasetError.self) { try DatasetTrajectories(dataset: dataset, steps: 61, seed: 1) }
    }
}

@Suite("Training")
struct TrainingTests {
    func tinyConfig() -> GridCellTrainingConfig {
        var c = GridCellTrainingConfig()
        c.trajectories = .arena; c.batchSize = 4; c.sequenceLength = 12; c.stepsPerEpoch = 3; c.epochs = 2
        c.validationBatches = 1; c.model.placeCells = 32; c.model.hiddenSize = 16; c.model.bottleneckSize = 24
        c.snapshotEpochs = [0, 1]
        return c
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let tmp = FileManager.default.temporaryDirectory
        let a = tmp.appendingPathComponent("ssm-grid-a-\(UUID().uuidString)"), b = tmp.appendingPathComponent("ssm-grid-b-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let straight = try GridCellTrainer(config: tinyConfig(), runFolder: a)
        try straight.train()
        var first = tinyConfig(); first.epochs = 1
        try GridCellTrainer(config: first, runFolder: b).train()
        let resumed = try GridCellTrainer(config: tinyConfig(), runFolder: b, resume: true)
        #expect(resumed.epoch == 1 && resumed.step == 3)
        try resumed.train()
        for ((name, x), (_, y)) in zip(straight.network.stateDict(), resumed.network.stateDict()) {
            #expect(x.scalars == y.scalars, "\(name) differs after resuming")
        }
        let lines = try String(contentsOf: b.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        // Stopping and resuming leaves no trace in the files: the same bytes as the run straight through.
        for file in ["latest.safetensors", "latest.optim.safetensors", "best.safetensors", "epoch_0.safetensors"] {
            #expect(try Data(contentsOf: a.appendingPathComponent("checkpoints/\(file)")) == Data(contentsOf: b.appendingPathComponent("checkpoints/\(file)")),
                    "\(file) differs after resuming")
        }
        // A checkpoint rebuilds the network by itself.
        let loaded = try GridCellNetwork.load(b.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(loaded.stateDict().map { $0.1.scalars } == resumed.network.stateDict().map { $0.1.scalars })
        // A shipped folder (config.json, model.safetensors, checkpoints/epoch_N) lists the model's epoch as a snapshot.
        let shipped = tmp.appendingPathComponent("ssm-grid-shipped-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: shipped) }
        try FileManager.default.createDirectory(at: shipped.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: b.appendingPathComponent("config.json"), to: shipped.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: b.appendingPathComponent("checkpoints/latest.safetensors"), to: shipped.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(at: b.appendingPathComponent("checkpoints/epoch_0.safetensors"), to: shipped.appendingPathComponent("checkpoints/epoch_0.safetensors"))
        let run = try GridCellRun(shipped)
        #expect(run.snapshotEpochs == [0, 2] && run.checkpoint(epoch: 2) == run.model && run.latest == run.model)
        // Resuming with another model is refused.
        var other = tinyConfig(); other.model.hiddenSize = 8
        #expect(throws: FileFormatError.self) { try GridCellTrainer(config: other, runFolder: b, resume: true) }
    }

    @Test func nonFiniteLossStopsWithoutSavingGarbage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-grid-nan-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = tinyConfig(); c.learningRate = 1e30; c.gradientClip = 1e30; c.epochs = 5; c.optimizer = .adam
        let trainer = try GridCellTrainer(config: c, runFolder: dir)
        let error = try #require(throws: NonFiniteTrainingError.self) { try trainer.train() }
        #expect(error.description.contains("step"))
        // Whatever checkpoint exists holds finite numbers.
        for name in ["latest", "epoch_0", "epoch_1"] {
            let url = dir.appendingPathComponent("checkpoints/\(name).safetensors")
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let net = try GridCellNetwork.load(url)
            #expect(net.parameters().allSatisfy { $0.scalars.allSatisfy(\.isFinite) }, "\(name) holds non-finite weights")
        }
    }

    @Test func fineTuningStartsFromTheGivenWeightsAndResumingIgnoresThem() throws {
        let tmp = FileManager.default.temporaryDirectory
        let base = tmp.appendingPathComponent("ssm-grid-base-\(UUID().uuidString)"), tuned = tmp.appendingPathComponent("ssm-grid-tuned-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base); try? FileManager.default.removeItem(at: tuned) }
        var first = tinyConfig(); first.epochs = 1
        try GridCellTrainer(config: first, runFolder: base).train()
        let weights = base.appendingPathComponent("checkpoints/latest.safetensors")
        var c = tinyConfig(); c.trajectories = .mixed; c.seed = 9; c.initialWeights = weights.path
        let trainer = try GridCellTrainer(config: c, runFolder: tuned)
        let loaded = try GridCellNetwork.load(weights)
        #expect(trainer.network.stateDict().map { $0.1.scalars } == loaded.stateDict().map { $0.1.scalars })
        // Its epoch-0 snapshot is the starting weights, and a resumed run continues from its own checkpoint.
        try trainer.train()
        let resumed = try GridCellTrainer(config: c, runFolder: tuned, resume: true)
        #expect(resumed.network.stateDict().map { $0.1.scalars } == trainer.network.stateDict().map { $0.1.scalars })
        #expect(resumed.network.stateDict().map { $0.1.scalars } != loaded.stateDict().map { $0.1.scalars })
        // The shipped models' configurations, written before the newer fields, still read: evaluations use their
        // own trajectories (the grid model's arena), and a configuration that does not read is an error naming it.
        let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models").standardized
        #expect(try GridCellEvaluation(checkpoint: models.appendingPathComponent("gridcell/model.safetensors")).config.trajectories == .arena)
        try "{\"model\": 3}".write(to: tuned.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let unreadable = try #require(throws: FileFormatError.self) {
            try GridCellEvaluation(checkpoint: tuned.appendingPathComponent("checkpoints/latest.safetensors"))
        }
        #expect(unreadable.description.contains("config.json"))
        var bad = c; bad.mazeFraction = 1.5
        #expect(throws: ConfigError.self) { try GridCellTrainer(config: bad, runFolder: tuned.appendingPathComponent("x")) }
        var missing = tinyConfig(); missing.initialWeights = tmp.appendingPathComponent("no-such-\(UUID().uuidString).safetensors").path
        #expect(throws: (any Error).self) { try GridCellTrainer(config: missing, runFolder: tuned.appendingPathComponent("y")) }
    }

    @Test func trainingLowersTheValidationLoss() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-grid-fit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = tinyConfig(); c.epochs = 6; c.stepsPerEpoch = 10; c.batchSize = 16
        let history = try GridCellTrainer(config: c, runFolder: dir).train()
        #expect(history.last!.validationLoss < history.first!.validationLoss * 0.8)
    }
}
