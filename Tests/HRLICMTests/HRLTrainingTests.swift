import Foundation
import Testing
@testable import HRLICM
import InfoBottleneck
import MazeEnv
import Tensor
import TeamSearch
import Training

let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models").standardized

/// A small, fast run: 9×9 mazes, two environments, one cloning iteration then PPO.
func smallRun() -> HRLTrainingConfig {
    var c = HRLTrainingConfig()
    c.mazeSize = 9; c.envs = 2; c.iterations = 3; c.behaviourCloningIterations = 1; c.epochs = 2; c.minibatches = 2
    c.budgets = ["4", "0.5"]
    return c
}

@Suite struct HRLTrainingTests {
    func metrics(_ folder: URL) throws -> [HRLMetrics] {
        try RunFolder.readMetrics(HRLMetrics.self, from: folder.appendingPathComponent("metrics.jsonl")).map { var m = $0; m.seconds = 0; m.collectSeconds = 0; m.updateSeconds = 0; return m }
    }

    @Test func seededRunsReproduceAndAKilledRunResumesToTheSameNumbers() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hrl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b"), c = root.appendingPathComponent("c")
        try HRLTraining(config: smallRun(), folder: a, resume: false, models: models).run()
        try HRLTraining(config: smallRun(), folder: b, resume: false, models: models).run()
        var short = smallRun()
        short.iterations = 2                      // "killed" after two iterations, then resumed to three
        try HRLTraining(config: short, folder: c, resume: false, models: models).run()
        let resumed = try HRLTraining(config: smallRun(), folder: c, resume: true, models: models)
        #expect(resumed.iteration == 2)
        try resumed.run()
        let ma = try metrics(a)
        #expect(ma.count == 3 && ma[0].phase == "cloning" && ma[2].phase == "ppo")
        #expect(try metrics(b) == ma)
        #expect(try metrics(c) == ma)
        let (wa, _) = try SafeTensors.load(a.appendingPathComponent("checkpoints/latest.safetensors"))
        let (wc, _) = try SafeTensors.load(c.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(wa.keys.sorted() == wc.keys.sorted() && wa.allSatisfy { wc[$0.key]!.scalars == $0.value.scalars })
        for file in ["latest.safetensors", "latest.optim.safetensors"] {
            #expect(try Data(contentsOf: a.appendingPathComponent("checkpoints/\(file)")) == Data(contentsOf: c.appendingPathComponent("checkpoints/\(file)")),
                    "\(file) differs after resuming")
        }
    }

    /// Known answers: plain weights at power 0; at power 1 every label's total weight is equal; mean 1 always.
    @Test func cloningWeightsBalanceRareChoices() {
        let labels = [0, 0, 0, 0, 0, 0, 0, 0, 0, 3]   // silent nine times, one sighting
        #expect(HRLTraining.balancedWeights(labels, power: 0) == Array(repeating: 1, count: 10))
        let full = HRLTraining.balancedWeights(labels, power: 1)
        #expect(abs(full[0] * 9 - full[9]) < 1e-5 && abs(full.reduce(0, +) - 10) < 1e-4)
        let half = HRLTraining.balancedWeights(labels, power: 0.5)
        #expect(abs(half[9] / half[0] - 3) < 1e-5)
        // Runs from before the setting decode as plain cloning.
        var json = try! JSONSerialization.jsonObject(with: JSONEncoder().encode(HRLTrainingConfig())) as! [String: Any]
        json["cloningBalance"] = nil
        let old = try! JSONDecoder().decode(HRLTrainingConfig.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.cloningBalance == nil && HRLTrainingConfig().cloningBalance == 0.5)
    }

    @Test func aResumedRunMustKeepItsConfiguration() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hrl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var c = smallRun()
        c.iterations = 1
        try HRLTraining(config: c, folder: folder, resume: false, models: models).run()
        c.policy.bitCost = 1e-3
        #expect(throws: FileFormatError.self) { try HRLTraining(config: c, folder: folder, resume: true, models: models) }
        c = smallRun(); c.envs = 0
        #expect(throws: ConfigError.self) { try HRLTraining(config: c, folder: folder, resume: false, models: models) }
    }

    @Test func theTrainedModelRunsAsATeamMethodOnObservationsOnly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hrl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var c = smallRun()
        c.iterations = 1
        try HRLTraining(config: c, folder: folder, resume: false, models: models).run()
        HRLMethods.register("hrlicm-test", model: folder.appendingPathComponent("checkpoints/latest.safetensors"), models: models)
        let method = try #require(TeamMethod(rawValue: "hrlicm-test"))
        var task = TeamSearchConfig()
        task.mazeSize = 9; task.rate = BitRate(1)
        var spent: [Int] = []
        let r = try TeamEpisode.run(method, config: task, seed: 2_000_001) { env, team in
            spent.append(env.channelStatistics.wireBitsTransmitted)
            #expect(team.count == 2)
        }
        #expect(r.method == method && r.steps > 0 && r.undecodable == 0)
        // The channel's budget holds for the learned policy too: at most tB + 1 bits in t steps.
        for (t, bits) in spent.enumerated() { #expect(bits <= 2 * (t + 1) + 2) }
        // A policy holds its member, network and generator: no environment, world or channel inside.
        let model = try HRLModel(folder.appendingPathComponent("checkpoints/latest.safetensors"), models: models)
        let team = try model.team(task, objects: 4, seed: 1)
        func types(_ value: Any, depth: Int = 0) -> [String] {
            let m = Mirror(reflecting: value)
            if m.displayStyle == .class { return [String(describing: type(of: value))] }
            guard depth < 6 else { return [] }
            return m.children.flatMap { types($0.value, depth: depth + 1) }
        }
        let held = Set(types(team[0]))
        #expect(held.isDisjoint(with: ["TeamSearchEnv", "MultiAgentEnv", "MazeWorld", "BandwidthChannel"]), "\(held)")
    }

    @Test func modelFilesWithoutAConfigurationAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hrl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("bogus.safetensors")
        try SafeTensors.save([("x", Tensor([1, 2]))], to: url)
        #expect(throws: FileFormatError.self) { try HRLModel(url, models: models) }
    }
}

@Suite struct HRLMemberTests {
    /// The scripted labels are always available choices, the first frontier cluster is the scripted agents'
    /// own frontier choice, and applying them gives a legal action.
    @Test func scriptedChoicesAreAvailableAndMaskedSlotsRefused() throws {
        var task = TeamSearchConfig()
        task.mazeSize = 11; task.rate = BitRate(4)
        let env = try TeamSearchEnv(config: task, seed: 17)
        var observations = env.observations()
        let code = try LearnedPatchCode.load(models.appendingPathComponent("ib/code_16bits.safetensors"))
        var members = (0..<2).map { HRLMember(index: $0, teamConfig: task, objects: observations[0].colors.count, config: HRLConfig(), code: code, seed: 17) }
        var sawCode = false
        for _ in 0..<120 {
            var actions: [TeamAction] = []
            for i in 0..<2 {
                let x = members[i].observe(observations[i])
                #expect(x.goalMask[x.scriptedGoal] == 1 && x.messageMask[x.scriptedMessage] == 1)
                #expect(x.goalMask.contains(1) && x.messageMask[MessageSlot.silent.rawValue] == 1)
                #expect(x.map.count == PolicyInputs.mapChannels * 11 * 11 && x.curiosity.count == PolicyInputs.curiositySize)
                sawCode = sawCode || x.messageMask[MessageSlot.localCode.rawValue] == 1
                // Send coded patches whenever offered: they must decode at the partner.
                let message = x.messageMask[MessageSlot.localCode.rawValue] == 1 ? MessageSlot.localCode.rawValue : x.scriptedMessage
                actions.append(members[i].apply(goal: x.decideGoal ? x.scriptedGoal : nil, message: message))
            }
            let out = env.step(actions)
            observations = out.observations
            if out.terminated || out.truncated { break }
        }
        #expect(sawCode && members.allSatisfy { $0.undecodable == 0 })
    }

    /// The flat ablation chooses a primitive action every step: six candidates, the label is the scripted
    /// hierarchy's own move, and following the labels solves about as many mazes as the hierarchical labels do.
    @Test func theFlatPolicyChoosesPrimitiveActionsAndItsLabelsReachTheGoal() throws {
        var task = TeamSearchConfig()
        task.mazeSize = 9; task.rate = BitRate(4)
        var solvedBy: [Bool: Int] = [:]
        for flat in [false, true] {
            var config = HRLConfig(); config.primitiveActions = flat
            try config.validate()
            var solved = 0
            for seed: UInt64 in 3...12 {
                let env = try TeamSearchEnv(config: task, seed: seed)
                var observations = env.observations()
                let code = try LearnedPatchCode.load(models.appendingPathComponent("ib/code_16bits.safetensors"))
                var members = (0..<2).map { HRLMember(index: $0, teamConfig: task, objects: observations[0].colors.count, config: config, code: code, seed: seed) }
                for _ in 0..<task.stepLimit {
                    var actions: [TeamAction] = []
                    for i in 0..<2 {
                        let x = members[i].observe(observations[i])
                        if flat { #expect(x.decideGoal && x.goalMask.prefix(6).allSatisfy { $0 == 1 } && x.goalMask.dropFirst(6).allSatisfy { $0 == 0 }) }
                        let action = members[i].apply(goal: x.decideGoal ? x.scriptedGoal : nil, message: x.scriptedMessage)
                        if flat { #expect(action.move.rawValue == x.scriptedGoal) }
                        actions.append(action)
                    }
                    let out = env.step(actions)
                    observations = out.observations
                    if out.terminated { solved += 1 }
                    if out.terminated || out.truncated { break }
                }
            }
            solvedBy[flat] = solved
        }
        // Deterministic seeds: the primitive labels solve about as many mazes as the hierarchy they come from.
        #expect(solvedBy[false]! >= 5 && solvedBy[true]! >= solvedBy[false]! - 1, "solved \(solvedBy) of 10")
    }

    @Test func theEgocentricViewTurnsWithTheAgent() {
        // A wall one cell ahead lands in the same egocentric place whichever way the agent faces.
        for (heading, ahead) in [(Float(0), (1, 0)), (.pi / 2, (0, 1)), (.pi, (-1, 0)), (-.pi / 2, (0, -1))] {
            var p = Perception()
            p.cells = [PerceivedCell(x: 5 + ahead.0, y: 5 + ahead.1, state: .wall)]
            let v = PolicyInputs.egocentric(p, pose: AgentState(x: 5.5, y: 5.5, heading: heading))
            let side = PolicyInputs.curiositySide, r = side / 2
            #expect(v[side * side + (r + 1) * side + r] == 1, "heading \(heading)")
            #expect(v.reduce(0, +) == 1)
        }
    }
}

@Suite("DD-PPO")
struct DDPPOTests {
    /// Two members, each collecting half of the environments: they end every iteration with the same weights,
    /// optimiser state and value normaliser, member 0 logs figures over all the environments (a success rate in
    /// halves of the four), and a resumed member continues from what member 0 wrote.
    @Test func membersStayAlikeAndLogTheWholeIteration() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ddppo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var c = smallRun()
        c.envs = 4; c.iterations = 2
        let config = c
        nonisolated(unsafe) let runs = try InProcessGroup.run(2) { member in
            let t = try HRLTraining(config: config, folder: root, resume: false, models: models, collective: member)
            try t.run()
            return t
        }
        #expect(runs[0].network.parameters().map(\.scalars) == runs[1].network.parameters().map(\.scalars), "the members drifted apart")
        #expect(runs[0].normalizer == runs[1].normalizer && runs[0].normalizer.count > 0)
        #expect(runs[0].lastLoss == runs[1].lastLoss && runs[0].lastLoss.isFinite)
        let logged = try RunFolder.readMetrics(HRLMetrics.self, from: root.appendingPathComponent("metrics.jsonl"))
        #expect(logged.count == 2)
        for m in logged { #expect((m.successRate * 4).rounded() == m.successRate * 4) }
        #expect(logged[1].envSteps == runs[0].envSteps && runs[0].envSteps == runs[1].envSteps)
        // Resumed with one more iteration, both members read member 0's checkpoint and stay alike.
        var longer = config; longer.iterations = 3
        let more = longer
        nonisolated(unsafe) let resumed = try InProcessGroup.run(2) { member in
            let t = try HRLTraining(config: more, folder: root, resume: true, models: models, collective: member)
            #expect(t.iteration == 2)
            try t.run()
            return t
        }
        #expect(resumed[0].network.parameters().map(\.scalars) == resumed[1].network.parameters().map(\.scalars))
        #expect(try RunFolder.readMetrics(HRLMetrics.self, from: root.appendingPathComponent("metrics.jsonl")).count == 3)
    }

    /// Statistics over members are those of all their data: advantages standardised, and the value normaliser's
    /// mean and variance, as one process computes them from the concatenation.
    @Test func statisticsOverMembersAreTheWholeBatchs() throws {
        let a: [Float] = [0.5, -1.25, 2, 0.75, 3], b: [Float] = [-0.5, 1.5, 0.25]
        nonisolated(unsafe) let parts = try InProcessGroup.run(2) { member -> ([Float], ValueNormalizer) in
            let mine = member.rank == 0 ? a : b
            var n = ValueNormalizer()
            n.update(mine, across: member.memberSum); n.update(mine.map { $0 * 2 }, across: member.memberSum)
            return (GeneralisedAdvantage.standardised(mine, across: member.memberSum), n)
        }
        let whole = GeneralisedAdvantage.standardised(a + b)
        #expect(zip(parts[0].0 + parts[1].0, whole).allSatisfy { abs($0 - $1) < 1e-5 })
        var n = ValueNormalizer()
        n.update(a + b); n.update((a + b).map { $0 * 2 })
        for p in parts {
            #expect(abs(p.1.mean - n.mean) < 1e-5 && abs(p.1.variance - n.variance) < 1e-4 && p.1.count == n.count)
        }
        // Alone, a member's statistics are its own.
        #expect(abs(GeneralisedAdvantage.standardised(a)[0] - whole[0]) > 1e-3)
    }
}
