import Foundation
import InfoBottleneck
import MazeEnv
import Tensor
import TeamSearch
import Training

/// How the learned team policy is trained (MAPPO, Yu et al. 2022, with their defaults unless noted); the
/// run folder's `config.json`.
public struct HRLTrainingConfig: Codable, Equatable, Sendable {
    /// The policy and its rewards.
    public var policy = HRLConfig()
    /// Iterations (each: one episode in every environment, then the update), and an optional time limit.
    public var iterations = 60
    public var maxMinutes: Double?
    /// Parallel environments (teams) per iteration.
    public var envs = 64
    /// Maze preset and team size trained on; the first `curriculumIterations` use the 9×9 preset.
    public var mazeSize = 15, agents = 2
    public var curriculumIterations = 0
    /// Budgets cycled over the environments: one policy for every budget (the budget is an input).
    public var budgets = ["128", "64", "32", "16", "8", "4", "2", "1", "0.5", "0.25"]
    /// The first iterations clone the scripted `event` agent's choices (a warm start): the share of environments
    /// acting as the expert falls linearly from all to none over them, the rest act with the policy and are
    /// labelled by the expert on the states they reach (DAgger).
    public var behaviourCloningIterations = 12
    /// How much cloning re-weights rare message choices: each label's weight is its frequency in the minibatch to
    /// the power −`cloningBalance` (0: plain cross-entropy; 1: every choice counts equally). The expert is silent
    /// on most steps, so without it the rare, decisive choices (a sighting when the budget is tight) are lost
    /// in the average. nil (runs started before this setting) is 0.
    public var cloningBalance: Float? = 0.5
    /// PPO epochs and minibatches per iteration.
    public var epochs = 4, minibatches = 4
    public var learningRate: Float = 5e-4
    public var gamma: Float = 0.99, lambda: Float = 0.95
    public var gradientClip: Float = 10
    public var ppo = PPOLoss.Settings()
    public var seed: UInt64 = 1

    public init() {}

    public func validate() throws {
        try policy.validate()
        try ConfigError.check(iterations > 0, "iterations", "must be positive")
        try ConfigError.check(envs > 0 && envs <= 4096, "envs", "must be in 1…4096")
        try ConfigError.check(MazeConfig.presetSizes.contains(mazeSize), "mazeSize", "must be a preset size")
        try ConfigError.check(agents == 2, "agents", "training supports teams of 2 (the calibrated team size)")
        try ConfigError.check(!budgets.isEmpty && budgets.allSatisfy { BitRate($0) != nil }, "budgets", "must be bit rates such as 4 or 0.25")
        try ConfigError.check((cloningBalance ?? 0) >= 0 && (cloningBalance ?? 0) <= 1, "cloningBalance", "must be in [0, 1]")
        try ConfigError.check(epochs > 0 && minibatches > 0, "epochs", "epochs and minibatches must be positive")
        try ConfigError.check(learningRate > 0 && learningRate.isFinite, "learningRate", "must be positive")
        try ConfigError.check(gamma > 0 && gamma <= 1 && lambda >= 0 && lambda <= 1, "gamma", "γ must be in (0, 1] and λ in [0, 1]")
    }

    /// Whether a run started with `self` may continue with `other`: equal apart from how long it runs.
    public func sameRun(as other: HRLTrainingConfig) -> Bool {
        var a = self, b = other
        a.iterations = 0; b.iterations = 0; a.maxMinutes = nil; b.maxMinutes = nil
        return a == b
    }

    /// Training maze seeds lie below 1,000,000 (calibration uses 1,000,000–1,999,999, evaluation 2,000,000 up).
    func task(iteration: Int, env: Int) -> (TeamSearchConfig, UInt64) {
        var t = TeamSearchConfig()
        t.mazeSize = iteration < curriculumIterations ? 9 : mazeSize
        t.agents = agents
        t.rate = BitRate(budgets[(iteration * envs + env) % budgets.count])!
        var h = seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(iteration) &* 0xBF58_476D_1CE4_E5B9 &+ UInt64(env) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 31; h = h &* 0xD6E8_FEB8_6659_FD93; h ^= h >> 32
        return (t, h % 1_000_000)
    }
}

/// One line of `metrics.jsonl`.
public struct HRLMetrics: Codable, Equatable, Sendable {
    public var iteration, envSteps: Int
    public var phase: String
    public var successRate, meanSteps, meanReturn, meanIntrinsic, bitsPerAgentStep: Double
    public var goalEntropy, messageEntropy, approximateKL, clipFraction, policyLoss, valueLoss: Double
    public var curiosityForward, curiosityInverse: Double
    /// Agreement with the scripted choices (behaviour cloning), over this iteration's samples.
    public var goalAgreement, messageAgreement: Double
    public var learningRate: Double
    /// Seconds spent collecting and updating this iteration, and in the whole run.
    public var collectSeconds, updateSeconds: Double
    public var seconds: Double
    enum CodingKeys: String, CodingKey {
        case iteration, envSteps = "env_steps", phase, successRate = "success_rate", meanSteps = "mean_steps", meanReturn = "return"
        case meanIntrinsic = "intrinsic", bitsPerAgentStep = "bits_per_step", goalEntropy = "goal_entropy", messageEntropy = "entropy"
        case approximateKL = "kl", clipFraction = "clip_fraction", policyLoss = "policy_loss", valueLoss = "value_loss"
        case curiosityForward = "icm_forward", curiosityInverse = "icm_inverse", goalAgreement = "goal_agreement"
        case messageAgreement = "message_agreement", learningRate = "learning_rate", collectSeconds = "collect_seconds"
        case updateSeconds = "update_seconds", seconds
    }
}

/// A training run of the learned team policy: collect → returns → update → log, checkpointed every iteration
/// (weights, optimiser, value normaliser), resumable exactly (iteration i's mazes, budgets and sampling depend
/// only on the seed and i), stopping on a non-finite loss.
///
/// Spread over the members of a `collective` it is DD-PPO (Wijmans et al. 2020): each member collects its share
/// of the environments with its own sampling, advantages are normalised and the value normaliser updated with
/// the statistics of all members' experience, and every minibatch step averages the members' gradients before
/// the same optimiser step (each member's minibatch is its share of the global one), so the members keep equal
/// weights. Member 0 writes the run folder.
public final class HRLTraining {
    public let config: HRLTrainingConfig
    public let folder: RunFolder
    public let network: HRLNetwork
    /// The members of a data-parallel (DD-PPO) run (one process by default).
    public let collective: Collective
    let optimizer: Adam
    let code: LearnedPatchCode?
    public private(set) var normalizer = ValueNormalizer()
    public private(set) var iteration = 0, envSteps = 0
    /// The loss of the last minibatch step (the members' mean).
    public private(set) var lastLoss: Float = .nan
    var seconds = 0.0

    /// Opens (or, with `resume`, reopens) the run in `folder`; the patch code comes from `models/ib`.
    public init(config: HRLTrainingConfig, folder: URL, resume: Bool, models: URL, collective: Collective = SingleProcess()) throws {
        try config.validate()
        try ConfigError.check(config.envs % collective.size == 0, "envs",
                              "the \(config.envs) environments must split evenly over \(collective.size) processes")
        try ConfigError.check(config.envs / collective.size * config.agents >= config.minibatches, "minibatches",
                              "each process needs at least \(config.minibatches) agent-steps per iteration; give more environments")
        self.config = config; self.folder = RunFolder(folder); self.collective = collective
        var rng = RandomGenerator(seed: config.seed)
        network = HRLNetwork(rng: &rng)
        optimizer = Adam(parameters: network.parameters(), learningRate: config.learningRate)
        code = config.policy.codeBits > 0 ? try LearnedPatchCode.load(models.appendingPathComponent("ib/code_\(config.policy.codeBits)bits.safetensors")) : nil
        var progress: RunProgress?
        if collective.rank == 0 {
            progress = try self.folder.open(config: config, resume: resume, module: network, optimizer: optimizer, sameRun: { $0.sameRun(as: $1) })
        }
        collective.barrier()
        // The other members start from the same seed, or read what member 0 resumed from.
        if collective.rank != 0, resume, FileManager.default.fileExists(atPath: self.folder.latest.path) {
            progress = try self.folder.loadLatest(module: network, optimizer: optimizer)
        }
        if let progress {
            iteration = progress.epoch; envSteps = progress.step; seconds = progress.seconds
            let (_, meta) = try SafeTensors.load(self.folder.latest)
            guard let text = meta["value_normalizer"], let n = try? JSONDecoder().decode(ValueNormalizer.self, from: Data(text.utf8)) else {
                throw FileFormatError(file: self.folder.latest.path, "metadata lacks a readable 'value_normalizer'")
            }
            normalizer = n
        }
    }

    /// `values` summed over the members (as they are in one process).
    func overMembers(_ values: [Float]) -> [Float] { summedOverMembers(values, collective.memberSum) }

    /// Runs the remaining iterations; `log` gets a progress line per iteration.
    @discardableResult
    public func run(log: (String) -> Void = { _ in }) throws -> [HRLMetrics] {
        var out: [HRLMetrics] = []
        let start = Date(), startSeconds = seconds
        while iteration < config.iterations {
            // Members stop together: any member past the limit stops them all.
            if let limit = config.maxMinutes, overMembers([(seconds - startSeconds) / 60 >= limit ? 1 : 0])[0] > 0 { break }
            let t0 = Date()
            var m = try step()
            seconds += Date().timeIntervalSince(t0)
            m.seconds = seconds
            iteration += 1
            if collective.rank == 0 {
                try folder.appendMetrics(m)     // logged first: a run stopped before the save logs it again, once
                try save()
            }
            collective.barrier()    // a member that resumes reads what member 0 wrote
            out.append(m)
            let rate = Double(iteration) / max(Date().timeIntervalSince(start) / 60, 1e-9) * (Double(out.count) / Double(max(iteration, 1)))
            let eta = Double(config.iterations - iteration) * (seconds - startSeconds) / Double(out.count)
            log(String(format: "iteration %d/%d [%@] success %.1f%% · return %.3f · %.2f bits/step · entropy %.2f/%.2f · KL %.4f · clip %.2f · %.1f it/min · ETA %.0fs",
                       iteration, config.iterations, m.phase, 100 * m.successRate, m.meanReturn, m.bitsPerAgentStep, m.goalEntropy,
                       m.messageEntropy, m.approximateKL, m.clipFraction, rate, eta))
        }
        return out
    }

    func save() throws {
        var progress = RunProgress(learningRate: optimizer.learningRate, plateau: ReduceLROnPlateau())
        progress.epoch = iteration; progress.step = envSteps   // the run's time is in metrics.jsonl, not the checkpoint
        let meta = ["hrl_config": String(decoding: try JSONEncoder.lenient.encode(config.policy), as: UTF8.self),
                    "value_normalizer": String(decoding: try JSONEncoder.lenient.encode(normalizer), as: UTF8.self),
                    "format": "ssm-hrlicm-1"]
        try folder.save("latest", module: network, optimizer: optimizer, progress: progress, metadata: meta)
    }

    /// Weights ∝ frequency^(−power) of each label among `labels`, scaled to mean 1.
    static func balancedWeights(_ labels: [Int], power: Float) -> [Float] {
        var counts = [Int: Int]()
        for l in labels { counts[l, default: 0] += 1 }
        let raw = labels.map { Float(pow(Double(counts[$0]!), Double(-power))) }
        let mean = raw.reduce(0, +) / Float(max(raw.count, 1))
        return raw.map { $0 / mean }
    }

    /// One iteration: collect, returns, update.
    func step() throws -> HRLMetrics {
        let cloning = iteration < config.behaviourCloningIterations
        // Each member samples with its own generator (member 0's is the one process's).
        var rng = RandomGenerator(seed: config.seed ^ (UInt64(iteration + 1) &* 0x2545_F491_4F6C_DD1D) ^ (UInt64(collective.rank) &* 0x9E37_79B9_7F4A_7C15))
        let mine = collective.shard(of: config.envs)
        let tasks = mine.map { config.task(iteration: iteration, env: $0) }
        network.eval()
        let t0 = Date()
        let expert = cloning ? config.envs * (config.behaviourCloningIterations - iteration) / config.behaviourCloningIterations : 0
        var buffer = try RolloutCollector(network: network, config: config.policy)
            .collect(tasks, code: code, scripted: max(0, min(expert - mine.lowerBound, mine.count)), rng: &rng)
        network.train()
        let collected = Date()
        let n = buffer.transitions.count
        if config.policy.curiosity { addIntrinsicRewards(&buffer) }
        var (advantages, returns) = buffer.advantages(gamma: config.gamma, lambda: config.lambda, normalizer: normalizer)
        normalizer.update(returns, across: collective.memberSum)
        returns = normalizer.normalize(returns)
        advantages = GeneralisedAdvantage.standardised(advantages, across: collective.memberSum)

        var stats = [String: [Double]]()
        func note(_ k: String, _ v: Float) { stats[k, default: []].append(Double(v)) }
        let t = buffer.transitions
        for _ in 0..<config.epochs {
            var order = Array(0..<n)
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(i + 1)) }
            let size = (n + config.minibatches - 1) / config.minibatches
            for start in stride(from: 0, to: n, by: size) {
                let rows = Array(order[start..<min(start + size, n)])
                optimizer.zeroGrad()
                let batch = InputBatch(rows.map { t[$0].inputs })
                let partner = InputBatch(rows.map { t[t[$0].partner].inputs })
                let (goalLP, messageLP) = network.logProbabilities(batch)
                let values = network.values(maps: batch.maps, scalars: batch.scalars, partnerMaps: partner.maps, partnerScalars: partner.scalars)
                let deciding = rows.indices.filter { t[rows[$0]].goal != nil }
                let value = PPOLoss.valueLoss(values: values, oldValues: rows.map { t[$0].value }, returns: rows.map { returns[$0] }, settings: config.ppo)
                var total = config.ppo.valueWeight * value
                if cloning {
                    let labels = rows.map { t[$0].inputs.scriptedMessage }
                    let message = (Loss.crossEntropy(messageLP, classes: labels, reduction: .none)
                        * Tensor(Self.balancedWeights(labels, power: config.cloningBalance ?? 0), shape: [labels.count])).mean()
                    total = total + message
                    note("policy", message.item)
                    if !deciding.isEmpty {
                        total = total + Loss.crossEntropy(goalLP.indexSelect(axis: 0, indices: deciding), classes: deciding.map { t[rows[$0]].inputs.scriptedGoal })
                    }
                } else {
                    let m = PPOLoss.policyTerms(logProbabilities: messageLP, actions: rows.map { t[$0].message },
                                                oldLogProbabilities: rows.map { t[$0].messageLogProbability },
                                                advantages: rows.map { advantages[$0] }, clip: config.ppo.clip)
                    total = total + m.policy - config.ppo.entropyWeight * m.entropy
                    note("policy", m.policy.item); note("kl", m.approximateKL); note("clip", m.clipFraction)
                    if !deciding.isEmpty {
                        let g = PPOLoss.policyTerms(logProbabilities: goalLP.indexSelect(axis: 0, indices: deciding),
                                                    actions: deciding.map { t[rows[$0]].goal! },
                                                    oldLogProbabilities: deciding.map { t[rows[$0]].goalLogProbability },
                                                    advantages: deciding.map { advantages[rows[$0]] }, clip: config.ppo.clip)
                        total = total + g.policy - config.ppo.entropyWeight * g.entropy
                    }
                }
                if config.policy.curiosity {
                    let c = network.curiosity.losses(observations: Tensor(rows.flatMap { t[$0].inputs.curiosity }, shape: [rows.count, PolicyInputs.curiositySize]),
                                                     next: Tensor(rows.flatMap { t[$0].nextCuriosity }, shape: [rows.count, PolicyInputs.curiositySize]),
                                                     moves: rows.map { t[$0].move }, beta: config.policy.curiosityBeta)
                    total = total + c.total
                    note("icm_forward", c.forward.item); note("icm_inverse", c.inverse.item)
                }
                note("value", value.item)
                // Backpropagate and average before the check, so that the members stop together.
                total.backward()
                var shared = [total.item]
                collective.averageGradients(network.parameters(), extra: &shared)
                guard shared[0].isFinite else { throw NonFiniteTrainingError(run: "HRL-ICM", step: iteration, folder: folder) }
                lastLoss = shared[0]
                Optimizer.clipGradNorm(network.parameters(), maxNorm: config.gradientClip)
                optimizer.step()
            }
        }
        guard RunFolder.isFinite(network) else { throw NonFiniteTrainingError(run: "HRL-ICM", step: iteration, folder: folder) }

        // Entropies and agreement with the scripted choices under the updated policy, on this iteration's samples.
        let probe = Array(stride(from: 0, to: n, by: max(1, n / 2048)))
        let (goalLP, messageLP) = noGrad { network.logProbabilities(InputBatch(probe.map { t[$0].inputs })) }
        let deciding = probe.indices.filter { t[probe[$0]].goal != nil }
        let goalGreedy = deciding.isEmpty ? [] : MaskedCategorical.sample(logProbabilities: goalLP.indexSelect(axis: 0, indices: deciding), greedy: true, rng: &rng)
        let messageGreedy = MaskedCategorical.sample(logProbabilities: messageLP, greedy: true, rng: &rng)
        func average(_ k: String) -> Float { stats[k].map { Float($0.reduce(0, +) / Double(max($0.count, 1))) } ?? 0 }
        // Sums over every member's episodes; the averaged figures are means of the members'.
        let sums = overMembers([Float(buffer.successes.filter { $0 }.count), Float(buffer.successes.count), Float(buffer.steps.reduce(0, +)),
                                t.reduce(0) { $0 + $1.extrinsic }, t.reduce(0) { $0 + $1.intrinsic }, Float(buffer.streams.count),
                                Float(t.reduce(0) { $0 + $1.bits }), Float(n)])
        let means = overMembers([
            deciding.isEmpty ? 0 : MaskedCategorical.entropy(logProbabilities: goalLP.indexSelect(axis: 0, indices: deciding)).mean().item,
            MaskedCategorical.entropy(logProbabilities: messageLP).mean().item,
            average("kl"), average("clip"), average("policy"), average("value"), average("icm_forward"), average("icm_inverse"),
            deciding.isEmpty ? 0 : Float(zip(deciding, goalGreedy).filter { t[probe[$0.0]].inputs.scriptedGoal == $0.1 }.count) / Float(deciding.count),
            Float(zip(probe, messageGreedy).filter { t[$0.0].inputs.scriptedMessage == $0.1 }.count) / Float(probe.count),
        ]).map { Double($0 / Float(collective.size)) }
        envSteps += Int(sums[2].rounded())
        return HRLMetrics(
            iteration: iteration + 1, envSteps: envSteps, phase: cloning ? "cloning" : "ppo",
            successRate: Double(sums[0]) / Double(sums[1]), meanSteps: Double(sums[2]) / Double(sums[1]),
            meanReturn: Double(sums[3]) / Double(sums[5]), meanIntrinsic: Double(sums[4]) / Double(sums[5]),
            bitsPerAgentStep: Double(sums[6]) / Double(sums[7]),
            goalEntropy: means[0], messageEntropy: means[1],
            approximateKL: means[2], clipFraction: means[3], policyLoss: means[4], valueLoss: means[5],
            curiosityForward: means[6], curiosityInverse: means[7], goalAgreement: means[8], messageAgreement: means[9],
            learningRate: Double(optimizer.learningRate), collectSeconds: collected.timeIntervalSince(t0),
            updateSeconds: Date().timeIntervalSince(collected), seconds: 0)
    }

    /// η × the curiosity module's forward error on every transition (before this iteration's update).
    func addIntrinsicRewards(_ buffer: inout RolloutBuffer) {
        let t = buffer.transitions
        for start in stride(from: 0, to: t.count, by: 4096) {
            let rows = Array(start..<min(start + 4096, t.count))
            let r = network.curiosity.intrinsicReward(observations: Tensor(rows.flatMap { t[$0].inputs.curiosity }, shape: [rows.count, PolicyInputs.curiositySize]),
                                                      next: Tensor(rows.flatMap { t[$0].nextCuriosity }, shape: [rows.count, PolicyInputs.curiositySize]),
                                                      moves: rows.map { t[$0].move }, eta: config.policy.curiosityEta)
            for (k, i) in rows.enumerated() { buffer.transitions[i].intrinsic = r[k] }
        }
    }
}
