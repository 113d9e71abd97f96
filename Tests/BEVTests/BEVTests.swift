import Foundation
import Testing
@testable import BEV
import MazeEnv
import Tensor

@Suite("BEV predictor")
struct BEVPredictorTests {
    @Test func theOriginalHasAbout10MParametersAndTheCPUModelIsSmall() {
        var rng = RandomGenerator(seed: 1)
        let original = BEVPredictor(config: .original, rng: &rng)
        let count = original.parameters().reduce(0) { $0 + $1.count }
        #expect(abs(Double(count) - 10.03e6) / 10.03e6 < 0.02, "original: \(count) parameters")
        let cpu = BEVPredictor(config: .cpu, rng: &rng)
        #expect(cpu.parameters().reduce(0) { $0 + $1.count } < 1_500_000)
    }

    @Test func shapesAndGradientsReachEveryParameter() {
        var rng = RandomGenerator(seed: 2)
        let model = BEVPredictor(config: .cpu, rng: &rng)
        let views = Tensor.randn([2, 3, 64, 64], rng: &rng)
        let out = model(views)
        #expect(out.shape == [2, 4, 64, 64])
        #expect(out.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        let target = Tensor((0..<(2 * 4 * 64 * 64)).map { _ in rng.nextUniform() < 0.3 ? 1 : 0 }, shape: [2, 4, 64, 64])
        BEVLoss()(out, target).backward()
        for (name, p) in model.namedParameters() {
            #expect(p.grad.map { $0.scalars.contains { $0 != 0 } } ?? false, "\(name) gets no gradient")
        }
    }

    @Test func lossKnownAnswers() {
        let n = 8
        // Alpha: left half opaque. Prediction = target: BCE and colour terms vanish; TV = ½(1/(n−1) + 0) · 0.1.
        var v = [Float](repeating: 0.5, count: 4 * n * n)
        for y in 0..<n { for x in 0..<n { v[3 * n * n + y * n + x] = x < n / 2 ? 1 : 0 } }
        let t = Tensor(v, shape: [1, 4, n, n])
        let loss = BEVLoss()(t, t).item
        #expect(abs(loss - 0.1 * 0.5 * (1 / Float(n - 1))) < 1e-4, "loss \(loss)")
        // Colour errors count only where the target is opaque.
        var p = v
        for i in 0..<(3 * n * n) where (i % (n * n)) % n >= n / 2 { p[i] = 0.9 }   // wrong colour on the transparent half only
        #expect(abs(BEVLoss()(Tensor(p, shape: [1, 4, n, n]), t).item - loss) < 1e-5)
        // The soft IoU term: nothing for a perfect alpha; for an empty one, union 32 → 32/33.
        var withIoU = BEVLoss()
        withIoU.iouWeight = 1
        #expect(abs(withIoU(t, t).item - loss) < 1e-6)
        var empty = v
        for i in (3 * n * n)..<(4 * n * n) { empty[i] = 0 }
        let plain = BEVLoss()(Tensor(empty, shape: [1, 4, n, n]), t).item
        #expect(abs(withIoU(Tensor(empty, shape: [1, 4, n, n]), t).item - plain - 32 / 33) < 1e-4)
    }

    /// A target pixel's colour error counts `targetWeight` times a floor pixel's; floor and transparent pixels
    /// are as before.
    @Test func targetWeightScalesOnlyTargetPixels() {
        let n = 4, plane = n * n
        var truth = [Float](repeating: 0.4, count: 4 * plane)
        for k in 0..<plane { truth[3 * plane + k] = 1 }
        truth[5] = 0.9; truth[plane + 5] = 0.1; truth[2 * plane + 5] = 0.1   // pixel 5: a red target
        let t = Tensor(truth, shape: [1, 4, n, n])
        var floorWrong = truth; floorWrong[0] = 0.6                          // 0.2 off on one floor channel
        var targetWrong = truth; targetWrong[5] = 0.7                        // 0.2 off on the target's red
        var weighted = BEVLoss(); weighted.targetWeight = 25
        let base = BEVLoss()(t, t).item, excess = 0.5 * 0.04 / Float(3 * plane)   // colourWeight · MSE of one error
        #expect(abs(weighted(t, t).item - base) < 1e-6)
        #expect(abs(BEVLoss()(Tensor(targetWrong, shape: t.shape), t).item - base - excess) < 1e-6)
        #expect(abs(weighted(Tensor(targetWrong, shape: t.shape), t).item - base - 25 * excess) < 1e-5)
        #expect(abs(weighted(Tensor(floorWrong, shape: t.shape), t).item - base - excess) < 1e-6)
    }

    /// A mixed batch is the recorded source's rows then the generated source's, and a member's shard of it is
    /// the same rows of the whole batch.
    @Test func mixedBatchesTakeTheirShareFromEachSourceAndShardExactly() throws {
        let scenes = try BEVScene.heldOut(count: 6, seed: 4)
        let recorded = BEVSceneSamples(scenes, target: EgocentricBEV(), seed: 1)
        let generated = BEVSamples(seed: 2)
        let mixed = MixedBEVSamples(recorded: recorded, generated: generated, fraction: 0.25)
        #expect(mixed.recordedRows(8) == 2)
        let whole = try mixed.batch(3, size: 8)
        #expect(whole.views.shape == [8, 3, 64, 64] && whole.targets.shape[0] == 8)
        let r = try recorded.batch(3, size: 2), g = try generated.batch(3, size: 6)
        #expect(whole.views.scalars == Tensor.concat([r.views, g.views], axis: 0).scalars)
        let a = try mixed.batch(3, size: 8, rows: 0..<3), b = try mixed.batch(3, size: 8, rows: 3..<8)
        #expect(Tensor.concat([a.views, b.views], axis: 0).scalars == whole.views.scalars)
        #expect(Tensor.concat([a.targets, b.targets], axis: 0).scalars == whole.targets.scalars)
        var config = BEVTrainingConfig()
        config.dataFraction = 0.25
        #expect(throws: ConfigError.self) { try config.validate() }   // a share of no dataset
        config.data = "some/dataset"; config.dataFraction = 1
        #expect(throws: ConfigError.self) { try config.validate() }
    }

    /// Generated batches do hold target pixels for the weight to act on (targets render as coloured discs).
    @Test func generatedBatchesHaveTargetPixelsToWeigh() throws {
        var loss = BEVLoss()
        loss.targetWeight = 16
        let batch = try BEVSamples(seed: 3, render: .memoryMaze).batch(0, size: 32)
        let boosted = loss.colorMask(batch.targets).scalars.filter { $0 == 4 }.count
        #expect(boosted > 0, "no target pixel in 32 scenes")
    }

    @Test(arguments: [(nil, nil), (2, nil), (nil, 9)] as [(Float?, Float?)])
    func lossGradientMatchesFiniteDifferences(iouWeight: Float?, targetWeight: Float?) {
        var loss = BEVLoss()
        loss.iouWeight = iouWeight
        loss.targetWeight = targetWeight
        var rng = RandomGenerator(seed: 3)
        let n = 6
        let pred = Tensor((0..<(4 * n * n)).map { _ in 0.1 + 0.8 * rng.nextUniform() }, shape: [1, 4, n, n], requiresGrad: true)
        let target = Tensor((0..<(4 * n * n)).map { _ in rng.nextUniform() < 0.5 ? 1 : 0.2 }, shape: [1, 4, n, n])
        #expect(targetWeight == nil || loss.colorMask(target).scalars.contains { $0 > 1 }, "no target pixel to weight")
        expectGradientMatchesFiniteDifferences(loss, pred, target, every: 7)
    }
}

/// Central differences of `loss` at every `every`-th element of `prediction` agree with its gradient.
func expectGradientMatchesFiniteDifferences(_ loss: BEVLoss, _ prediction: Tensor, _ target: Tensor, every: Int) {
    loss(prediction, target).backward()
    let g = prediction.grad!.scalars
    for i in stride(from: 0, to: prediction.count, by: every) {
        let saved = prediction.storage.pointer[i], h: Float = 1e-3
        prediction.storage.pointer[i] = saved + h
        let up = noGrad { loss(prediction, target).item }
        prediction.storage.pointer[i] = saved - h
        let down = noGrad { loss(prediction, target).item }
        prediction.storage.pointer[i] = saved
        let numeric = (up - down) / (2 * h)
        #expect(abs(numeric - g[i]) < 2e-3, "element \(i): analytic \(g[i]) numeric \(numeric)")
    }
}

@Suite("BEV target classes")
struct BEVTargetClassTests {
    /// A predictor with a target-class head adds K + 1 logit channels; its loss reaches every parameter, the new
    /// head included.
    @Test func theHeadAddsLogitChannelsAndGetsGradients() throws {
        var rng = RandomGenerator(seed: 2)
        var config = BEVModelConfig.cpu
        config.targetSlots = 6
        let model = BEVPredictor(config: config, rng: &rng)
        let batch = try BEVSamples(seed: 3).batch(0, size: 2)
        let out = model(batch.views)
        #expect(out.shape == [2, 11, 64, 64] && batch.targets.shape == [2, 5, 64, 64])
        BEVLoss()(out, batch.targets).backward()
        for (name, p) in model.namedParameters() {
            #expect(p.grad.map { $0.scalars.contains { $0 != 0 } } ?? false, "\(name) gets no gradient")
        }
    }

    /// Known answer: uniform logits over 3 classes cost log 3 per pixel whatever the weights; a confident right
    /// answer on background and a uniform one on the single target pixel cost w·log 3 / (w + 15).
    @Test func classLossKnownAnswer() {
        let n = 4, plane = n * n
        var target = [Float](repeating: 0, count: 5 * plane)
        target[4 * plane + 5] = 2                                   // pixel 5 shows target 1 (class 2)
        let t = Tensor(target, shape: [1, 5, n, n])
        let uniform = Tensor([Float](repeating: 0, count: 7 * plane), shape: [1, 7, n, n])
        var loss = BEVLoss()
        loss.targetClassWeight = 9
        #expect(abs(loss.classLoss(uniform, t).item - log(3)) < 1e-5)
        var confident = [Float](repeating: 0, count: 7 * plane)
        for k in 0..<plane where k != 5 { confident[4 * plane + k] = 30 }   // background logit 30 elsewhere
        #expect(abs(loss.classLoss(Tensor(confident, shape: [1, 7, n, n]), t).item - 9 * Float(log(3.0)) / 24) < 1e-5)
    }

    @Test func classLossGradientMatchesFiniteDifferences() {
        var rng = RandomGenerator(seed: 5)
        let n = 5, plane = n * n
        let pred = Tensor((0..<(8 * plane)).map { i in i < 4 * plane ? 0.1 + 0.8 * rng.nextUniform() : 2 * rng.nextUniform() - 1 },
                          shape: [1, 8, n, n], requiresGrad: true)
        var truth = (0..<(5 * plane)).map { _ in rng.nextUniform() < 0.5 ? Float(1) : 0.2 }
        for k in 0..<plane { truth[4 * plane + k] = Float(k % 4) }
        let target = Tensor(truth, shape: [1, 5, n, n])
        expectGradientMatchesFiniteDifferences(BEVLoss(), pred, target, every: 5)
    }

    /// The class map marks exactly the pixels within 0.5 cells of each visible target (class k + 1), and its
    /// first four channels are the RGBA ground truth.
    @Test func theClassMapMarksVisibleTargetsOnly() throws {
        let world = try MazeWorld(size: 15, seed: 6)
        let t = world.targets[2]
        var pose = AgentState(x: t.x, y: t.y - 1.5, heading: .pi / 2)
        if !world.layout.isFree(point: pose.x, pose.y) { pose = AgentState(x: t.x - 1.5, y: t.y, heading: 0) }
        let bev = EgocentricBEV(), target = bev.trainingTarget(world.layout, pose: pose, targets: world.targets)
        let plane = bev.size * bev.size, v = target.scalars
        #expect(Array(v[0..<(4 * plane)]) == bev.render(world.layout, pose: pose, targets: world.targets).scalars)
        let seen = Set(GroundTruth.visibleTargets(world.targets, size: 15, visible: GroundTruth.visibleCells(world.layout, pose: pose)))
        #expect(seen.contains(2))
        for row in 0..<bev.size { for col in 0..<bev.size {
            let w = bev.worldPoint(row: row, col: col, pose: pose)
            let near = seen.filter { hypot(w.x - world.targets[$0].x, w.y - world.targets[$0].y) <= EgocentricBEV.targetClassRadius }
            let label = Int(v[4 * plane + row * bev.size + col])
            #expect(near.isEmpty ? label == 0 : near.contains(label - 1), "pixel (\(row), \(col)): class \(label)")
        } }
        #expect(v[(4 * plane)...].filter { $0 == 3 }.count >= 8)
    }

    /// Training metrics read RGBA from the first four channels whatever follows: a headed prediction against a
    /// five-channel target scores as its RGBA against the RGBA.
    @Test func trainingMetricsReadTheRGBAChannels() throws {
        var rng = RandomGenerator(seed: 9)
        var config = BEVModelConfig.cpu
        config.targetSlots = 6
        let batch = try BEVSamples(seed: 4).batch(0, size: 3)
        let out = noGrad { BEVPredictor(config: config, rng: &rng)(batch.views) }
        let headed = BEVMetrics(prediction: out, target: batch.targets)
        let plain = BEVMetrics(prediction: out.slice(axis: 1, start: 0, end: 4), target: batch.targets.slice(axis: 1, start: 0, end: 4))
        #expect(headed.freeIoU == plain.freeIoU && headed.rgbError == plain.rgbError && plain.freeIoU > 0)
    }

    /// A prediction paints pixels where a target's logit leads, in that target's palette colour, opaque.
    @Test func predictionsPaintClassifiedTargetsInTheirColour() {
        let plane = 4
        var rgba = [Float](repeating: 0.2, count: 4 * plane)
        var logits = [Float](repeating: 0, count: 3 * plane)          // background, target 0, target 1
        logits[0 * plane + 0] = 1; logits[2 * plane + 1] = 2; logits[1 * plane + 2] = 0.5; logits[2 * plane + 3] = -1
        BEVModel.paintTargets(&rgba, logits: logits[...], plane: plane)
        #expect(rgba[1] == targetPalette[1][0] && rgba[plane + 1] == targetPalette[1][1] && rgba[3 * plane + 1] == 1)
        #expect(rgba[2] == targetPalette[0][0] && rgba[3 * plane + 2] == 1)
        #expect(rgba[0] == 0.2 && rgba[3] == 0.2 && rgba[3 * plane] == 0.2 && rgba[3 * plane + 3] == 0.2)
    }

    /// Weights from a BEV without the head start one with it (the head fresh); a file missing any other tensor
    /// is still refused by name.
    @Test func aModelWithoutTheHeadStartsOneWithIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bev-head-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = RandomGenerator(seed: 7)
        let plain = BEVPredictor(config: .cpu, rng: &rng)
        let file = dir.appendingPathComponent("plain.safetensors")
        try SafeTensors.save(plain.stateDict(), to: file)
        var config = BEVModelConfig.cpu
        config.targetSlots = 6
        let headed = BEVPredictor(config: config, rng: &rng)
        let head = headed.targetHead!.weight.scalars
        try Checkpoint.load(into: headed, from: file, newParts: ["target_head."])
        #expect(headed.encoder[0].0.weight.scalars == plain.encoder[0].0.weight.scalars && headed.targetHead!.weight.scalars == head)
        #expect(throws: FileFormatError.self) { try Checkpoint.load(into: headed, from: file) }
        let partial = dir.appendingPathComponent("partial.safetensors")
        try SafeTensors.save(plain.stateDict().filter { $0.0 != "projection.weight" }, to: partial)
        #expect { try Checkpoint.load(into: headed, from: partial, newParts: ["target_head."]) } throws: { "\($0)".contains("projection.weight") }
    }
}

@Suite("BEV samples")
struct BEVSampleTests {
    /// Under sampled pixels within ±7 cells the egocentric target is opaque iff the world cell below is visible
    /// and free, for an agent facing north (ahead = +y, right = +x), east (ahead = +x, right = −y) and obliquely.
    @Test(arguments: [Float.pi / 2, 0, -2.0])
    func egocentricTargetsMatchTheGroundTruthCells(heading: Float) throws {
        let world = try MazeWorld(size: 15, seed: 6)
        let c = world.layout.freeCells[world.layout.freeCells.count / 2]
        let pose = AgentState(x: Float(c.x) + 0.5, y: Float(c.y) + 0.5, heading: heading)
        var bev = EgocentricBEV(); bev.size = 64; bev.cellsAcross = 16
        let image = bev.render(world.layout, pose: pose, targets: [])
        let visible = GroundTruth.visibleCells(world.layout, pose: pose)
        let fx = cos(heading), fy = sin(heading)
        for ahead in -7...7 { for right in -7...7 {
            let row = 32 - ahead * 4 - 2, col = 32 + right * 4 + 1
            // The world point under that pixel's centre: (col + ½ − 32)/4 cells right, (32 − row − ½)/4 ahead.
            let r = (Float(col) + 0.5 - 32) / 4, a = (32 - Float(row) - 0.5) / 4
            let wx = pose.x + a * fx + r * fy, wy = pose.y + a * fy - r * fx
            let x = Int(wx.rounded(.down)), y = Int(wy.rounded(.down))
            guard x >= 0, y >= 0, x < 15, y < 15 else { continue }
            let alpha = image.scalars[3 * 64 * 64 + row * 64 + col]
            #expect((alpha == 1) == (visible[y * 15 + x] && world.layout.isFree(x, y)), "heading \(heading) cell ahead \(ahead) right \(right)")
        } }
    }

    @Test func batchesAreNormalisedReproducibleAndShaped() throws {
        let samples = BEVSamples(seed: 3)
        let (v, t) = try samples.batch(0, size: 3)
        #expect(v.shape == [3, 3, 64, 64] && t.shape == [3, 5, 64, 64])
        #expect(try samples.batch(0, size: 3).targets.scalars == t.scalars)
        let mean = v.mean().item
        #expect(abs(mean) < 2.5 && v.scalars.contains { $0 < 0 })          // ImageNet-normalised, not [0, 1]
        #expect(t.slice(axis: 1, start: 3, end: 4).sum().item > 0)         // some visible floor in every batch
    }
}

@Suite("BEV training")
struct BEVTrainingTests {
    @Test func metricsKnownAnswer() {
        // IoU: prediction opaque on 2 pixels, target on 3, overlapping on 2 → 2/3.
        var p = [Float](repeating: 0, count: 4 * 4), t = p
        for k in [0, 1] { p[12 + k] = 0.9 }
        for k in [0, 1, 2] { t[12 + k] = 1 }
        let m = BEVMetrics(prediction: Tensor(p, shape: [1, 4, 2, 2]), target: Tensor(t, shape: [1, 4, 2, 2]))
        #expect(abs(m.freeIoU - 2 / 3) < 1e-6)
    }

    /// Stopped after one epoch and resumed, a run ends with the same weights as one run straight through,
    /// under the original's plateau rule and under the cosine schedule (whose rate is a function of the step).
    @Test(arguments: [nil, 4] as [Int?])
    func resumeIsExact(cosineSteps: Int?) throws {
        var c = BEVTrainingConfig()
        c.cosineSteps = cosineSteps; c.warmupSteps = cosineSteps == nil ? nil : 1
        c.model = BEVModelConfig(encoderChannels: [4, 8, 8, 16], heads: 2, feedforward: 16, encoderLayers: 1, decoderLayers: 1,
                                 queryGrid: 4, upsampleChannels: [8], outputSize: 16, dropout: 0.1)
        c.batchSize = 2; c.stepsPerEpoch = 2; c.epochs = 2; c.validationBatches = 1
        let tmp = FileManager.default.temporaryDirectory
        let a = tmp.appendingPathComponent("ssm-bev-a-\(UUID().uuidString)"), b = tmp.appendingPathComponent("ssm-bev-b-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let straight = try BEVTrainer(config: c, runFolder: a)
        try straight.train()
        var first = c; first.epochs = 1
        try BEVTrainer(config: first, runFolder: b).train()
        let resumed = try BEVTrainer(config: c, runFolder: b, resume: true)
        #expect(resumed.step == 2)
        try resumed.train()
        #expect(straight.model.stateDict().map { $0.1.scalars } == resumed.model.stateDict().map { $0.1.scalars })
        for file in ["latest.safetensors", "latest.optim.safetensors"] {
            #expect(try Data(contentsOf: a.appendingPathComponent("checkpoints/\(file)")) == Data(contentsOf: b.appendingPathComponent("checkpoints/\(file)")),
                    "\(file) differs after resuming")
        }
        if case .warmupCosine(let schedule) = c.schedule {
            #expect(resumed.optimizer.learningRate == schedule.learningRate(step: 3))
            #expect(schedule.learningRate(step: 0) == c.learningRate && schedule.learningRate(step: 4) == 0)
        }
    }
}

@Suite("Randomised BEV samples")
struct RandomisedBEVSampleTests {
    /// Each randomised sample draws its own look and field of view, the target follows that field of view, a
    /// batch is reproducible and its rows are the whole batch's rows; without randomisation nothing changes.
    @Test func samplesDrawTheirOwnLookAndTheTargetFollowsTheirView() throws {
        var target = EgocentricBEV()
        target.fieldOfViewDegrees = 80
        let plain = BEVSamples(seed: 3, target: target, render: .memoryMaze)
        let randomised = BEVSamples(seed: 3, target: target, render: .memoryMaze, randomization: DomainRandomization())
        let p = try plain.batch(0, size: 16), r = try randomised.batch(0, size: 16), again = try randomised.batch(0, size: 16)
        let reproducible = r.views.scalars == again.views.scalars && r.targets.scalars == again.targets.scalars
        #expect(reproducible)
        let rows = try randomised.batch(0, size: 16, rows: 2..<5)
        let sameRows = rows.views.scalars == r.views.slice(axis: 0, start: 2, end: 5).scalars
            && rows.targets.scalars == r.targets.slice(axis: 0, start: 2, end: 5).scalars
        #expect(sameRows)
        let viewsDiffer = r.views.scalars != p.views.scalars
        #expect(viewsDiffer)
        // The same poses as the plain samples: only the field of view changes the targets, so every target cell
        // is the plain one's except at the edges of the view.
        let targetsDiffer = r.targets.scalars != p.targets.scalars
        #expect(targetsDiffer, "a wider or narrower view sees other cells")
        let same = zip(r.targets.scalars, p.targets.scalars).filter { $0 == $1 }.count
        #expect(Double(same) / Double(p.targets.count) > 0.8, "\(same) of \(p.targets.count) target values agree")
        var config = BEVTrainingConfig()
        config.randomization = DomainRandomization(); config.data = "somewhere"
        #expect(throws: ConfigError.self) { try config.validate() }
    }
}
