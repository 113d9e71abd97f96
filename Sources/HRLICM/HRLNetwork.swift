import Foundation
import Tensor

/// The learned team policy's networks, one module (one checkpoint):
/// - the actor: a map encoder, the meta-controller's goal scorer and the communication head's message scorer,
///   both reading `[map embedding, scalars]` as context (`actor.*`);
/// - the centralised critic: its own map encoder over the agent's and its partners' maps (training only; a
///   deployed agent never runs it) (`critic.*`);
/// - the curiosity module on the agent's own egocentric view (`curiosity.*`).
public final class HRLNetwork: Module {
    public let actorEncoder, criticEncoder: MapEncoder
    public let goalHead, messageHead: CandidateScorer
    public let critic: ValueHead
    public let curiosity: Curiosity
    static let embedding = 16

    /// The map encoders pool over the plane, so one network serves every maze size.
    public init(rng: inout RandomGenerator) {
        let context = Self.embedding + PolicyInputs.scalarCount
        actorEncoder = MapEncoder(channels: PolicyInputs.mapChannels, width: Self.embedding, rng: &rng)
        goalHead = CandidateScorer(featureSize: PolicyInputs.goalFeatures, contextSize: context, rng: &rng)
        messageHead = CandidateScorer(featureSize: PolicyInputs.messageFeatures, contextSize: context, rng: &rng)
        criticEncoder = MapEncoder(channels: PolicyInputs.mapChannels, width: Self.embedding, rng: &rng)
        critic = ValueHead(inputSize: 2 * context, rng: &rng)
        curiosity = Curiosity(inputSize: PolicyInputs.curiositySize, actions: 6, rng: &rng)
    }

    public override func children() -> [(String, Module)] {
        [("actor.encoder", actorEncoder), ("actor.goal", goalHead), ("actor.message", messageHead),
         ("critic.encoder", criticEncoder), ("critic.value", critic), ("curiosity", curiosity)]
    }

    /// Parameters of the actor and critic (what PPO trains), and of the curiosity module (its own loss).
    public var policyParameters: [Tensor] { actorEncoder.parameters() + goalHead.parameters() + messageHead.parameters() + criticEncoder.parameters() + critic.parameters() }

    /// `[batch, embedding + scalars]` from maps `[batch, channels, size, size]` and scalars `[batch, scalarCount]`.
    public func actorContext(maps: Tensor, scalars: Tensor) -> Tensor { Tensor.concat([actorEncoder(maps), scalars], axis: 1) }

    /// Values `[batch]` (normalised scale) from the agent's and its partners' maps and scalars.
    public func values(maps: Tensor, scalars: Tensor, partnerMaps: Tensor, partnerScalars: Tensor) -> Tensor {
        let own = Tensor.concat([criticEncoder(maps), scalars], axis: 1)
        let partner = Tensor.concat([criticEncoder(partnerMaps), partnerScalars], axis: 1)
        return critic(Tensor.concat([own, partner], axis: 1))
    }

    /// Goal and message log-probabilities of a batch of inputs (masked).
    public func logProbabilities(_ batch: InputBatch) -> (goal: Tensor, message: Tensor) {
        let context = actorContext(maps: batch.maps, scalars: batch.scalars)
        let goal = MaskedCategorical.logProbabilities(logits: goalHead(batch.goalFeatures, context: context), mask: batch.goalMask)
        let message = MaskedCategorical.logProbabilities(logits: messageHead(batch.messageFeatures, context: context), mask: batch.messageMask)
        return (goal, message)
    }
}

/// Policy inputs of many agents stacked into tensors.
public struct InputBatch {
    public let maps, scalars, goalFeatures, goalMask, messageFeatures, messageMask: Tensor

    public init(_ inputs: [PolicyInputs]) {
        precondition(!inputs.isEmpty, "InputBatch: no inputs")
        let n = inputs.count, s = inputs[0].mazeSize, goals = inputs[0].goalMask.count
        precondition(inputs.allSatisfy { $0.mazeSize == s && $0.goalMask.count == goals }, "InputBatch: inputs of different shapes")
        maps = Tensor(inputs.flatMap(\.map), shape: [n, PolicyInputs.mapChannels, s, s])
        scalars = Tensor(inputs.flatMap(\.scalars), shape: [n, PolicyInputs.scalarCount])
        goalFeatures = Tensor(inputs.flatMap(\.goalFeatures), shape: [n, goals, PolicyInputs.goalFeatures])
        goalMask = Tensor(inputs.flatMap(\.goalMask), shape: [n, goals])
        messageFeatures = Tensor(inputs.flatMap(\.messageFeatures), shape: [n, PolicyInputs.messageSlots, PolicyInputs.messageFeatures])
        messageMask = Tensor(inputs.flatMap(\.messageMask), shape: [n, PolicyInputs.messageSlots])
    }
}
