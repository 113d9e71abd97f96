import Foundation
import Tensor
import InfoBottleneck
import MazeEnv
import TeamSearch

/// The learned team policy of one agent, as the experiments run it: an ``HRLMember`` and the actor of an
/// ``HRLNetwork``. The meta-controller picks a goal when one is due; the communication head picks a message
/// kind every step. `greedy` takes the most likely choice (evaluation); otherwise choices are sampled.
public struct HRLPolicy: TeamMemberPolicy {
    public private(set) var member: HRLMember
    let network: HRLNetwork
    public var greedy: Bool
    var rng: RandomGenerator

    public init(member: HRLMember, network: HRLNetwork, greedy: Bool = true, seed: UInt64 = 1) {
        self.member = member; self.network = network; self.greedy = greedy; rng = RandomGenerator(seed: seed)
    }

    public var agent: TeamAgent { member.agent }
    public var undecodable: Int { member.undecodable }

    public mutating func act(_ o: TeamObservation) -> TeamAction {
        let inputs = member.observe(o)
        let (goal, message) = noGrad { network.logProbabilities(InputBatch([inputs])) }
        let g = inputs.decideGoal ? MaskedCategorical.sample(logProbabilities: goal, greedy: greedy, rng: &rng)[0] : nil
        let m = MaskedCategorical.sample(logProbabilities: message, greedy: greedy, rng: &rng)[0]
        return member.apply(goal: g, message: m)
    }
}

/// A trained model on disk: the network's weights with the ``HRLConfig`` it was trained with in the metadata
/// (`hrl_config`), and the learned patch code it sends (`Models/ib/code_<k>bits.safetensors`).
public struct HRLModel: Sendable {
    public let config: HRLConfig
    /// The weights, read once; every episode builds its own network from them (episodes run in parallel).
    let weights: [String: [Float]]
    let shapes: [String: [Int]]
    let codeURL: URL?

    /// Loads `url` (a checkpoint written by the trainer); the patch code from `models/ib`.
    public init(_ url: URL, models: URL) throws {
        let (tensors, meta) = try SafeTensors.load(url)
        guard let text = meta["hrl_config"], let config = try? JSONDecoder().decode(HRLConfig.self, from: Data(text.utf8)) else {
            throw FileFormatError(file: url.path, "metadata lacks a readable 'hrl_config' (not an HRL-ICM checkpoint)")
        }
        try config.validate()
        try Checkpoint.checkFinite(tensors, file: url.path)
        var rng = RandomGenerator(seed: 0)
        let probe = HRLNetwork(rng: &rng)
        for (name, t) in probe.stateDict() {
            guard let w = tensors[name] else { throw FileFormatError(file: url.path, "lacks tensor '\(name)'") }
            guard w.shape == t.shape else { throw FileFormatError(file: url.path, "tensor '\(name)' has shape \(w.shape), expected \(t.shape)") }
        }
        self.config = config
        weights = tensors.mapValues(\.scalars); shapes = tensors.mapValues(\.shape)
        codeURL = config.codeBits > 0 ? models.appendingPathComponent("ib/code_\(config.codeBits)bits.safetensors") : nil
        if let codeURL { _ = try LearnedPatchCode.load(codeURL) }
    }

    /// A fresh network with the model's weights.
    public func network() throws -> HRLNetwork {
        var rng = RandomGenerator(seed: 0)
        let n = HRLNetwork(rng: &rng)
        var tensors: [String: Tensor] = [:]
        for (name, values) in weights { tensors[name] = Tensor(values, shape: shapes[name]!) }
        try n.load(stateDict: tensors)
        n.eval()
        return n
    }

    /// One episode's team.
    public func team(_ task: TeamSearchConfig, objects: Int, seed: UInt64, greedy: Bool = true) throws -> [HRLPolicy] {
        guard task.perception == .groundTruth else {
            throw ConfigError("perception", "the learned team policy runs with ground-truth perception only (learned perception is not wired to it yet)")
        }
        let network = try network()
        let code = try codeURL.map { try LearnedPatchCode.load($0) }
        return (0..<task.agents).map { i in
            HRLPolicy(member: HRLMember(index: i, teamConfig: task, objects: objects, config: config, code: code, seed: seed),
                      network: network, greedy: greedy, seed: seed &+ UInt64(i) &* 7919)
        }
    }

    /// Registers `name` as a team method running this model (for the sweep, interventions, `ssm team run`).
    public func register(as name: String) {
        TeamMethod.register(name) { task, objects, seed in try self.team(task, objects: objects, seed: seed) }
    }
}
