import Foundation
import Testing
@testable import SocialPlaceCell
import GridCell
import Tensor

@Suite("Social place cells")
struct SocialPlaceCellTests {
    @Test func classificationFollowsTheProbeRule() {
        typealias T = SocialCellType
        #expect(T.classify(selfMoving: 0.9, partnerMoving: 0.1, bothMoving: 0.8, bothStatic: 0) == .purePlaceCell)
        #expect(T.classify(selfMoving: 0.9, partnerMoving: 0.1, bothMoving: 0.3, bothStatic: 0) == .mixed)
        #expect(T.classify(selfMoving: 0.1, partnerMoving: 0.7, bothMoving: 0.6, bothStatic: 0.1) == .pureSPC)
        #expect(T.classify(selfMoving: 0.1, partnerMoving: 0.7, bothMoving: 0.4, bothStatic: 0.1) == .mixed)
        #expect(T.classify(selfMoving: 0.6, partnerMoving: 0.6, bothMoving: 0.1, bothStatic: 0.1) == .specialSPC)
        #expect(T.classify(selfMoving: 0.9, partnerMoving: 0.9, bothMoving: 0.9, bothStatic: 0.2) == .other)  // active when static
        #expect(T.classify(selfMoving: 0.5, partnerMoving: 0.5, bothMoving: 0.9, bothStatic: 0) == .other)    // "> high" is strict
        #expect(T.classify(selfMoving: 0.4, partnerMoving: 0.36, bothMoving: 0.9, bothStatic: 0, high: 0.35, low: 0.2) == .specialSPC)
    }

    @Test func probeTrajectoriesHaveTheProtocolsGeometry() {
        for condition in ProbeCondition.allCases {
            let b = ProbeTrajectories.batch(condition, repetitions: 6, steps: 100, seed: 3)
            for (moves, t) in [(condition.selfMoves, b.agent), (condition.partnerMoves, b.partner)] {
                let p = t.positions.scalars, v = t.velocities.scalars
                for r in 0..<6 {
                    let first = r * 100, last = r * 100 + 99
                    #expect(abs(p[2 * first] - 7.5) < 1.6 && abs(p[2 * first + 1] - 3) < 1.6)  // start (7.5, 3), wiggle ≤ 1.5
                    #expect(v[3 * first] == 0 && v[3 * first + 1] == 0 && v[3 * first + 2] == 0)  // v_0 = 0, ω_0 = 0
                    if moves {
                        let goal = ProbeTrajectories.goals[r % 2]
                        #expect(hypot(p[2 * last] - goal.x, p[2 * last + 1] - goal.y) < 1.6, "rep \(r) ends away from its goal")
                        for k in (first + 1)...last {
                            #expect(abs(p[2 * k] - p[2 * k - 2] - v[3 * k]) < 1e-5 && abs(p[2 * k + 1] - p[2 * k - 1] - v[3 * k + 1]) < 1e-5)
                        }
                    } else {
                        #expect(v.allSatisfy { $0 == 0 } && p[2 * last] == 7.5 && p[2 * last + 1] == 3)
                    }
                    #expect(p.allSatisfy { $0 >= 0.5 && $0 <= 14.5 })
                }
            }
        }
    }

    @Test func staticAgentsAppearInTrainingAtTheirRate() throws {
        let source = SocialArenaTrajectories(seed: 1, staticProbability: 0.3)
        let b = try source.batch(0, size: 400, steps: 10)
        let v = b.partner.velocities.scalars
        let still = (0..<400).filter { i in (0..<30).allSatisfy { v[i * 30 + $0] == 0 } }.count
        #expect(still > 90 && still < 150, "\(still) of 400 partner windows are static")
        #expect(try source.batch(0, size: 8, steps: 10).agent.positions.scalars == (try source.batch(0, size: 8, steps: 10)).agent.positions.scalars)
    }

    @Test func mazeProbeAndMixedSourcesGiveConsistentWindows() throws {
        let maze = try SocialMazeTrajectories(mazeSize: 9, seed: 2, mazes: 3, staticProbability: 0.5)
        let sources: [SocialTrajectorySource] = [maze, SocialProbeTrajectories(seed: 4),
                                                 MixedSocialTrajectories([SocialArenaTrajectories(seed: 1), SocialProbeTrajectories(seed: 1)])]
        for source in sources {
            let b = try source.batch(3, size: 6, steps: 30)
            #expect(b.agent.velocities.shape == [6, 30, 3] && b.partner.positions.shape == [6, 30, 2])
            #expect(try source.batch(3, size: 6, steps: 30).partner.positions.scalars == b.partner.positions.scalars)
        }
        // Maze agents stay in free cells of one of the layouts and never overlap.
        let b = try maze.batch(0, size: 4, steps: 40)
        let p = b.agent.positions.scalars, q = b.partner.positions.scalars
        for k in 0..<(4 * 40) {
            #expect(maze.mazes.contains { $0.layout.isFree(point: p[2 * k], p[2 * k + 1]) })
            #expect(hypot(p[2 * k] - q[2 * k], p[2 * k + 1] - q[2 * k + 1]) >= 0.39)
        }
    }

    @Test func gradientsReachEveryParameterAndResumeIsExact() throws {
        let tmp = FileManager.default.temporaryDirectory
        let a = tmp.appendingPathComponent("ssm-spc-a-\(UUID().uuidString)"), b = tmp.appendingPathComponent("ssm-spc-b-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        var c = SocialTrainingConfig()
        c.batchSize = 4; c.sequenceLength = 8; c.stepsPerEpoch = 2; c.epochs = 2; c.validationBatches = 1
        c.model.cells.placeCells = 24; c.model.cells.hiddenSize = 12; c.model.cells.bottleneckSize = 16; c.model.distanceHidden = 8
        let probe = try SocialTrainer(config: c, runFolder: a.appendingPathComponent("probe"))
        let batch = try SocialArenaTrajectories(seed: 5, staticProbability: 0).batch(0, size: 4, steps: 8)
        probe.loss(batch, probe.forward(batch)).backward()
        for (name, p) in probe.network.namedParameters() {
            #expect(p.grad.map { $0.scalars.contains { $0 != 0 } } ?? false, "\(name) gets no gradient")
        }
        let trainer = try SocialTrainer(config: c, runFolder: a)
        try trainer.train()
        var first = c; first.epochs = 1
        try SocialTrainer(config: first, runFolder: b).train()
        let resumed = try SocialTrainer(config: c, runFolder: b, resume: true)
        try resumed.train()
        #expect(trainer.network.stateDict().map { $0.1.scalars } == resumed.network.stateDict().map { $0.1.scalars })
        let loaded = try SocialGridCellNetwork.load(b.appendingPathComponent("checkpoints/latest.safetensors"))
        let analysis = SocialProbeAnalysis(network: loaded, repetitions: 4, steps: 20)
        #expect(analysis.types.count == 16 && analysis.peaks.allSatisfy { $0.count == 4 && $0.allSatisfy { $0 >= 0 } })
    }
}
