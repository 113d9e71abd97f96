import Foundation
import Testing
@testable import BEV
import MazeEnv
import Tensor

@Suite("Target detector")
struct TargetDetectorTests {
    @Test func theOriginalSizeMatchesResNet18ThroughLayer3AndTheCPUSizeIsSmall() {
        var rng = RandomGenerator(seed: 1)
        let original = TargetDetector(config: .original, rng: &rng)
        // The backbone (conv1 … layer3 of ResNet-18) alone has 2,782,784 parameters.
        let backbone = original.namedParameters().filter { $0.0.hasPrefix("backbone.") }.reduce(0) { $0 + $1.1.count }
        #expect(backbone == 2_782_784, "backbone: \(backbone)")
        #expect(original.namedParameters().contains { $0.0 == "backbone.6.1.conv2.weight" && $0.1.shape == [256, 256, 3, 3] })
        #expect(TargetDetector(config: .cpu, rng: &rng).parameterCount < 200_000)
    }

    @Test func shapesAndGradientsReachEveryParameter() {
        var rng = RandomGenerator(seed: 2)
        let model = TargetDetector(config: .cpu, rng: &rng)
        let out = model(Tensor.randn([3, 3, 64, 64], rng: &rng), headings: Tensor([0.3, -2, 1], shape: [3]))
        #expect(out.visibility.shape == [3, 6] && out.positions.shape == [3, 6, 2] && out.attention.shape == [3, 6, 16])
        for row in 0..<18 { #expect(abs(out.attention.scalars[(row * 16)..<(row * 16 + 16)].reduce(0, +) - 1) < 1e-5) }
        let visible = Tensor((0..<18).map { Float($0 % 3 == 0 ? 1 : 0) }, shape: [3, 6])
        let positions = Tensor((0..<36).map { i in (i / 2) % 3 == 0 ? Float(i % 5) * 0.1 - 0.2 : 0 }, shape: [3, 6, 2])
        TargetDetectionLoss()(out, visible: visible, positions: positions).backward()
        for (name, p) in model.namedParameters() {
            #expect(p.grad.map { $0.scalars.contains { $0 != 0 } } ?? false, "\(name) gets no gradient")
        }
    }

    @Test func lossKnownAnswer() {
        // One scene, two targets: the first visible, the second not; attention uniform over the 16 cells.
        // BCE = (−ln 0.8 − ln 0.7)/2; Smooth L1 = ½·0.3²/2 over the visible target's two coordinates;
        // 1 − cos = 1 − 0.08/(√0.2·√0.05) = 0.2; attention: mass 1 on the absent target over 2 rows, entropy ln 16.
        let output = TargetDetector.Output(visibility: Tensor([0.8, 0.3], shape: [1, 2]),
                                           positions: Tensor([0.2, 0.4, 0, 0], shape: [1, 2, 2]),
                                           attention: Tensor([Float](repeating: 1.0 / 16, count: 32), shape: [1, 2, 16]))
        let loss = TargetDetectionLoss()(output, visible: Tensor([1, 0], shape: [1, 2]), positions: Tensor([0.2, 0.1, 0, 0], shape: [1, 2, 2]))
        let bce = (-log(0.8) - log(0.7)) / 2, position = 2 * (0.09 / 4 + 0.2 * 0.2), attention = 0.5 * (0.5 + 0.1 * log(16.0))
        #expect(abs(Double(loss.item) - (bce + position + attention)) < 1e-5, "\(loss.item)")
    }

    @Test func lossGradientMatchesFiniteDifferences() {
        var rng = RandomGenerator(seed: 5)
        let visible = Tensor([1, 0, 1, 1, 0, 0], shape: [2, 3])
        let truth = Tensor((0..<12).map { _ in rng.nextUniform() - 0.5 }, shape: [2, 3, 2])
        let v0 = (0..<6).map { _ in 0.2 + 0.6 * rng.nextUniform() }, p0 = (0..<12).map { _ in rng.nextUniform() - 0.5 }
        let a0 = (0..<(6 * 4)).map { _ in rng.nextUniform() }
        func loss(_ v: [Float], _ p: [Float], _ a: [Float], grad: Bool) -> (Tensor, [Tensor]) {
            let tv = Tensor(v, shape: [2, 3], requiresGrad: grad), tp = Tensor(p, shape: [2, 3, 2], requiresGrad: grad)
            let ta = Tensor(a, shape: [2, 3, 4], requiresGrad: grad)
            let out = TargetDetector.Output(visibility: tv, positions: tp, attention: ta.softmax(axis: 2))
            return (TargetDetectionLoss()(out, visible: visible, positions: truth), [tv, tp, ta])
        }
        let (l, inputs) = loss(v0, p0, a0, grad: true)
        l.backward()
        let base = [v0, p0, a0], h: Float = 1e-2
        for (k, input) in inputs.enumerated() {
            for i in base[k].indices {
                var plus = base, minus = base
                plus[k][i] += h; minus[k][i] -= h
                let numeric = (noGrad { loss(plus[0], plus[1], plus[2], grad: false).0.item } - noGrad { loss(minus[0], minus[1], minus[2], grad: false).0.item }) / (2 * h)
                #expect(abs(numeric - input.grad!.scalars[i]) < 2e-3, "input \(k) element \(i): \(numeric) vs \(input.grad!.scalars[i])")
            }
        }
    }

    @Test func labelsAreEgocentricAndInvertible() throws {
        // Facing north (+y), a target 2 cells east and 3 north is 2 right and 3 ahead.
        let pose = AgentState(x: 5.5, y: 5.5, heading: .pi / 2)
        let e = TargetDetection.egocentric(x: 7.5, y: 8.5, pose: pose)
        #expect(abs(e.right - 2) < 1e-5 && abs(e.ahead - 3) < 1e-5)
        var rng = RandomGenerator(seed: 3)
        for _ in 0..<50 {
            let p = AgentState(x: 15 * rng.nextUniform(), y: 15 * rng.nextUniform(), heading: 7 * rng.nextUniform() - 3.5)
            let x = 15 * rng.nextUniform(), y = 15 * rng.nextUniform()
            let r = TargetDetection.egocentric(x: x, y: y, pose: p), w = TargetDetection.world(right: r.right, ahead: r.ahead, pose: p)
            #expect(abs(w.x - x) < 1e-4 && abs(w.y - y) < 1e-4)
        }
        // Labels: visible targets get their scaled egocentric position, the rest zeros.
        let world = try MazeWorld(size: 15, seed: 4)
        let b = try TargetDetectionSamples(seed: 9).batch(0, size: 16)
        #expect(b.views.shape == [16, 3, 64, 64] && b.visible.shape == [16, world.targets.count] && b.positions.shape == [16, world.targets.count, 2])
        let v = b.visible.scalars, q = b.positions.scalars
        #expect(v.contains(1), "half the poses face a target: some must see one")
        for i in v.indices where v[i] == 0 { #expect(q[2 * i] == 0 && q[2 * i + 1] == 0) }
        for i in v.indices where v[i] == 1 { #expect(q[2 * i + 1] > -0.2, "a visible target is not behind the agent") }
    }

    /// A detector with a slot per colour runs on mazes with fewer targets (a 9×9 Memory-Maze has 3): the empty
    /// slots count as never visible, sightings name only the maze's targets, and a maze with more targets than
    /// slots is refused with both numbers named.
    @Test func mazesWithFewerTargetsThanSlotsAreScored() throws {
        var rng = RandomGenerator(seed: 2)
        let detector = TargetDetector(config: .cpu, rng: &rng)
        #expect(detector.config.targets == 6)
        var scenes: [BEVScene] = []
        for seed: UInt64 in 1...4 {
            let world = try MazeWorld(size: 9, seed: seed)
            #expect(world.targets.count == 3)
            let t = world.targets[0]
            world.place(0, x: t.x - 1.5, y: t.y, heading: 0)
            if !world.layout.isFree(point: t.x - 1.5, t.y) { world.place(0, x: t.x, y: t.y - 1.5, heading: .pi / 2) }
            scenes.append(BEVScene(view: EgocentricRenderer().render(world, agent: 0), pose: world.agents[0], layout: world.layout, targets: world.targets))
        }
        var tally = DetectionTally()
        try tally.add(detector, on: scenes)
        let m = tally.metrics
        #expect(tally.labels.count == 4 * 6 && tally.labels.enumerated().allSatisfy { $0.offset % 6 < 3 || !$0.element })
        #expect(m.visibleTargets > 0 && m.averagePrecision.isFinite)
        let labels = TargetDetection.labels(scenes[0].layout, pose: scenes[0].pose, targets: scenes[0].targets, slots: 6)
        #expect(labels.visible.count == 6 && labels.positions.count == 12 && labels.visible[3...].allSatisfy { $0 == 0 })
        let samples = try TargetDetectionSceneSamples(scenes, slots: 6, seed: 1)
        #expect(try samples.batch(0, size: 4).visible.shape == [4, 6])
        var crowded = scenes[0]
        crowded.targets += Array(repeating: crowded.targets[0], count: 4)
        #expect { try tally.add(detector, on: [crowded]) } throws: { "\($0)".contains("slots for 6 target colours; a scene has 7 targets") }
    }

    @Test func checkpointsRoundTripAndAWrongFileIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("detector-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = TargetDetectorTrainingConfig()
        config.epochs = 1; config.stepsPerEpoch = 2; config.batchSize = 4; config.validationBatches = 1
        let trainer = try TargetDetectorTrainer(config: config, runFolder: dir)
        try trainer.train()
        let loaded = try TargetDetector.load(dir.appendingPathComponent("checkpoints/latest.safetensors"))
        trainer.model.eval()
        let b = try TargetDetectionSamples(seed: 1).batch(0, size: 3)
        let x = noGrad { trainer.model(b.views, headings: b.headings).positions.scalars }
        let y = noGrad { loaded(b.views, headings: b.headings).positions.scalars }
        #expect(x == y)
        let bad = dir.appendingPathComponent("bad.safetensors")
        try SafeTensors.save([("w", Tensor([1, 2]))], to: bad)
        #expect { try TargetDetector.load(bad) } throws: { "\($0)".contains("bad.safetensors") && "\($0)".contains("model_config") }
    }

    /// A 9×9 dataset (3 targets) trains a 6-slot detector: fewer targets than slots is no error any more.
    @Test func aDatasetWithFewerTargetsThanSlotsTrains() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("detector-9x9-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var collect = CollectConfig()
        collect.mazeSize = 9; collect.episodes = 2; collect.stepsPerEpisode = 8; collect.writeBEVViews = false
        _ = try Collector.collect(into: root.appendingPathComponent("data"), config: collect, threads: 1)
        var config = TargetDetectorTrainingConfig()
        config.epochs = 1; config.stepsPerEpoch = 1; config.batchSize = 2; config.validationBatches = 1
        config.data = root.appendingPathComponent("data").path
        let trainer = try TargetDetectorTrainer(config: config, runFolder: root.appendingPathComponent("run"))
        #expect(trainer.model.config.targets == 6)
        try trainer.train()
    }

    /// A mixed detector batch is the recorded rows then the generated ones (a 9×9 dataset's 3 targets padded to the
    /// generated scenes' 6 slots); sources with different slot counts, and a share without a dataset, are refused.
    @Test func mixedBatchesTakeTheirShareFromEachSource() throws {
        var scenes: [BEVScene] = []
        for seed: UInt64 in 1...3 {
            let world = try MazeWorld(size: 9, seed: seed)
            scenes.append(BEVScene(view: EgocentricRenderer().render(world, agent: 0), pose: world.agents[0], layout: world.layout, targets: world.targets))
        }
        let recorded = try TargetDetectionSceneSamples(scenes, slots: 6, seed: 1)
        let generated = TargetDetectionSamples(seed: 2, slots: 6)
        let mixed = MixedTargetDetectionSamples(recorded: recorded, generated: generated, fraction: 0.25)
        let whole = try mixed.batch(5, size: 8), r = try recorded.batch(5, size: 2), g = try generated.batch(5, size: 6)
        #expect(whole.visible.shape == [8, 6] && whole.positions.shape == [8, 6, 2])
        #expect(whole.views.scalars == Tensor.concat([r.views, g.views], axis: 0).scalars)
        #expect(whole.visible.scalars == Tensor.concat([r.visible, g.visible], axis: 0).scalars)
        #expect(whole.headings.scalars == r.headings.scalars + g.headings.scalars)
        let narrow = MixedTargetDetectionSamples(recorded: try TargetDetectionSceneSamples(scenes, slots: 3, seed: 1), generated: generated, fraction: 0.5)
        #expect(throws: TargetCountError.self) { try narrow.batch(0, size: 4) }
        var config = TargetDetectorTrainingConfig()
        config.dataFraction = 0.25
        #expect(throws: ConfigError.self) { try config.validate() }
        config.data = "some/dataset"; config.dataFraction = 0
        #expect(throws: ConfigError.self) { try config.validate() }
    }

    /// Generated scenes drawn from several maze sizes keep the detector's slots (a 9×9 maze's 3 targets leave
    /// the last 3 empty); sizes that are no preset are refused.
    @Test func samplesFromSeveralMazeSizesKeepTheSlots() throws {
        let nine = try TargetDetectionSamples(seed: 6, slots: 6, mazeSizes: [9]).batch(0, size: 16)
        #expect(nine.visible.shape == [16, 6] && nine.visible.scalars.enumerated().allSatisfy { $0.offset % 6 < 3 || $0.element == 0 })
        #expect(nine.visible.scalars.contains(1), "a 9×9 scene shows a target")
        let mixed = try TargetDetectionSamples(seed: 6, slots: 6, mazeSizes: [9, 15]).batch(0, size: 16)
        #expect(mixed.visible.shape == [16, 6] && mixed.views.scalars != nine.views.scalars)
        var config = TargetDetectorTrainingConfig()
        config.mazeSizes = [9, 10]
        #expect { try config.validate() } throws: { "\($0)".contains("mazeSizes") }
    }

    /// Randomised detector samples: reproducible, another look than the plain ones, labels from each sample's own
    /// field of view (the same poses, so most labels agree).
    @Test func randomisedSamplesDrawTheirOwnLook() throws {
        let plain = TargetDetectionSamples(seed: 4, render: .memoryMaze)
        let randomised = TargetDetectionSamples(seed: 4, render: .memoryMaze, randomization: DomainRandomization())
        let p = try plain.batch(0, size: 12), r = try randomised.batch(0, size: 12), again = try randomised.batch(0, size: 12)
        let reproducible = r.views.scalars == again.views.scalars && r.visible.scalars == again.visible.scalars
        let viewsDiffer = r.views.scalars != p.views.scalars, samePoses = r.headings.scalars == p.headings.scalars
        #expect(reproducible && viewsDiffer && samePoses)
        let agree = zip(r.visible.scalars, p.visible.scalars).filter { $0 == $1 }.count
        #expect(Double(agree) / Double(p.visible.count) > 0.7, "\(agree) of \(p.visible.count) labels agree")
    }
}
