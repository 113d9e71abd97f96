import Foundation
import GridCell
import Tensor

/// The social grid-cell network's configuration.
public struct SocialNetworkConfig: Codable, Equatable, Sendable, ModelConfiguration {
    /// Place and head-direction target cells (shared by self and partner) and the LSTM/bottleneck sizes.
    public var cells = GridCellConfig()
    /// Size of the learned token that tags the self stream (the partner stream gets zeros).
    public var egoTokenSize = 4
    /// Hidden units of the distance head.
    public var distanceHidden = 64
    public init() { cells.bottleneckActivation = .relu }

    /// Checks every size against the limits `Docs/Limits.md` lists.
    public func validate() throws {
        try ConfigError.nested("cells", cells.validate)
        try ConfigError.check(egoTokenSize, in: 1...1024, "egoTokenSize")
        try ConfigError.check(distanceHidden, in: 1...4096, "distanceHidden")
    }
}

/// One LSTM shared by self and partner: it integrates self velocities tagged with a
/// learned ego token and partner velocities tagged with zeros, each from its own initial state; the two
/// outputs are summed, passed through a ReLU bottleneck with dropout (the analysed units), and read out as
/// self and partner place and HD cells and the self–partner distance. Both streams run as one batch.
public final class SocialGridCellNetwork: Module {
    public let config: SocialNetworkConfig
    public let egoToken: Tensor
    public let initialHidden, initialCell, bottleneck: Linear
    public let selfPlace, selfHeadDirection, partnerPlace, partnerHeadDirection, distanceHidden, distanceOut: Linear
    public let lstm: LSTM
    public let dropout: Dropout

    public init(config: SocialNetworkConfig = SocialNetworkConfig(), rng: inout RandomGenerator) {
        self.config = config
        let c = config.cells, r0 = c.placeCells + c.headDirectionCells
        egoToken = Tensor.randn([config.egoTokenSize], rng: &rng, requiresGrad: true)
        initialHidden = Linear(r0, c.hiddenSize, rng: &rng)
        initialCell = Linear(r0, c.hiddenSize, rng: &rng)
        lstm = LSTM(inputSize: 3 + config.egoTokenSize, hiddenSize: c.hiddenSize, rng: &rng)
        bottleneck = Linear(c.hiddenSize, c.bottleneckSize, rng: &rng)
        selfPlace = Linear(c.bottleneckSize, c.placeCells, rng: &rng)
        selfHeadDirection = Linear(c.bottleneckSize, c.headDirectionCells, rng: &rng)
        partnerPlace = Linear(c.bottleneckSize, c.placeCells, rng: &rng)
        partnerHeadDirection = Linear(c.bottleneckSize, c.headDirectionCells, rng: &rng)
        distanceHidden = Linear(c.bottleneckSize, config.distanceHidden, rng: &rng)
        distanceOut = Linear(config.distanceHidden, 1, rng: &rng)
        dropout = Dropout(c.dropout, seed: rng.next())
    }

    public override func ownParameters() -> [(String, Tensor)] { [("ego_token", egoToken)] }

    public override func children() -> [(String, Module)] {
        [("h0_fc", initialHidden), ("c0_fc", initialCell), ("lstm", lstm), ("bottleneck", bottleneck), ("dropout", dropout),
         ("self_place_head", selfPlace), ("self_hd_head", selfHeadDirection), ("peer_place_head", partnerPlace),
         ("peer_hd_head", partnerHeadDirection), ("distance_fc1", distanceHidden), ("distance_fc2", distanceOut)]
    }

    /// Everything one forward pass produces (`[B, T, ·]`; distance `[B, T]`).
    public struct Output {
        public let selfPlaceLogits, selfHeadDirectionLogits, partnerPlaceLogits, partnerHeadDirectionLogits: Tensor
        public let distance: Tensor
        /// The ReLU bottleneck before dropout: the units the probe classifies.
        public let bottleneck: Tensor

        /// The self or partner half as a grid-cell output (for the path-integration loss and decoders).
        public func view(partner: Bool) -> GridCellNetwork.Output {
            GridCellNetwork.Output(placeLogits: partner ? partnerPlaceLogits : selfPlaceLogits,
                                   headDirectionLogits: partner ? partnerHeadDirectionLogits : selfHeadDirectionLogits,
                                   bottleneck: bottleneck)
        }
    }

    /// Runs self and partner velocities `[B, T, 3]` from their initial place `[B, Np]` and HD `[B, Nh]` activities.
    public func callAsFunction(selfVelocities: Tensor, partnerVelocities: Tensor,
                               selfInitial: (place: Tensor, headDirection: Tensor),
                               partnerInitial: (place: Tensor, headDirection: Tensor)) -> Output {
        let b = selfVelocities.shape[0], t = selfVelocities.shape[1], k = config.egoTokenSize
        let token = Tensor.zeros([b, t, k]) + egoToken.reshaped([1, 1, k])
        let inputs = Tensor.concat([Tensor.concat([selfVelocities, token], axis: 2),
                                    Tensor.concat([partnerVelocities, Tensor.zeros([b, t, k])], axis: 2)], axis: 0)
        let r0 = Tensor.concat([Tensor.concat([selfInitial.place, selfInitial.headDirection], axis: 1),
                                Tensor.concat([partnerInitial.place, partnerInitial.headDirection], axis: 1)], axis: 0)
        let (out, _) = lstm(inputs, state: (initialHidden(r0).unsqueezed(0), initialCell(r0).unsqueezed(0)))
        let joint = out.slice(axis: 0, start: 0, end: b) + out.slice(axis: 0, start: b, end: 2 * b)
        let g = bottleneck(joint).relu()
        let d = dropout(g)
        return Output(selfPlaceLogits: selfPlace(d), selfHeadDirectionLogits: selfHeadDirection(d),
                      partnerPlaceLogits: partnerPlace(d), partnerHeadDirectionLogits: partnerHeadDirection(d),
                      distance: distanceOut(distanceHidden(d).relu()).reshaped([b, t]), bottleneck: g)
    }

    /// Rebuilds a network from a checkpoint written by ``SocialTrainer`` (its metadata holds the configuration).
    public static func load(_ url: URL) throws -> SocialGridCellNetwork {
        try Checkpoint.loadModel(url, kind: "a social grid-cell") { (config: SocialNetworkConfig) -> SocialGridCellNetwork in
            var rng = RandomGenerator(seed: 0)
            return SocialGridCellNetwork(config: config, rng: &rng)
        }.model
    }
}
