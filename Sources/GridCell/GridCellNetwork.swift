import Foundation
import Tensor

/// Everything that defines a grid-cell model and its targets; written to a run's `config.json` and a
/// checkpoint's metadata, so a checkpoint can be rebuilt from itself.
public struct GridCellConfig: Codable, Equatable, Sendable, ModelConfiguration {
    public enum BottleneckActivation: String, Codable, Sendable, CaseIterable { case linear, relu }

    public var placeCells = 256
    /// Place-cell width in cells.
    public var placeSigma: Float = 0.5
    public var placeTuning: PlaceCells.Tuning = .gaussian
    /// Surround variance / centre variance for difference-of-Gaussians tuning.
    public var placeSurroundScale: Float = 2
    public var headDirectionCells = 12
    public var headDirectionConcentration: Float = 20
    /// numpy seed of the centres and preferred directions (the original: 42).
    public var cellSeed: UInt32 = 42
    /// Side of the square the place cells cover, in cells.
    public var extent: Float = 15
    public var hiddenSize = 128
    public var bottleneckSize = 256
    public var bottleneckActivation: BottleneckActivation = .linear
    public var dropout: Float = 0.5
    public init() {}

    /// The original project's configuration.
    public static let original = GridCellConfig()

    /// Checks every size and value against the limits `Docs/Limits.md` lists (before anything is built from it).
    public func validate() throws {
        try ConfigError.check(placeCells, in: 1...4096, "placeCells")
        try ConfigError.check(placeSigma, in: 1e-3...1000, "placeSigma")
        try ConfigError.check(placeSurroundScale, in: 1e-3...1000, "placeSurroundScale")
        try ConfigError.check(headDirectionCells, in: 1...1024, "headDirectionCells")
        try ConfigError.check(headDirectionConcentration, in: 0...1e4, "headDirectionConcentration")
        try ConfigError.check(extent, in: 1e-3...1e4, "extent")
        try ConfigError.check(hiddenSize, in: 1...4096, "hiddenSize")
        try ConfigError.check(bottleneckSize, in: 1...4096, "bottleneckSize")
        try ConfigError.check(dropout, in: 0...0.999, "dropout")
    }

    public func makePlaceCells() -> PlaceCells {
        PlaceCells(count: placeCells, sigma: placeSigma, extent: extent, tuning: placeTuning,
                   surroundScale: placeSurroundScale, seed: cellSeed)
    }

    public func makeHeadDirectionCells() -> HeadDirectionCells {
        HeadDirectionCells(count: headDirectionCells, concentration: headDirectionConcentration, seed: cellSeed)
    }
}

/// The grid-cell path integrator: the initial place and head-direction activity sets the
/// LSTM's state; the LSTM integrates [vx, vy, ω]; a bias-free bottleneck (the analysed "grid cells") with
/// dropout feeds the place and head-direction heads. Parameter names follow the original's `state_dict`.
public final class GridCellNetwork: Module {
    public let config: GridCellConfig
    public let initialHidden, initialCell, bottleneck, placeHead, headDirectionHead: Linear
    public let lstm: LSTM
    public let dropout: Dropout

    public init(config: GridCellConfig = GridCellConfig(), rng: inout RandomGenerator) {
        self.config = config
        let r0 = config.placeCells + config.headDirectionCells
        initialHidden = Linear(r0, config.hiddenSize, rng: &rng)
        initialCell = Linear(r0, config.hiddenSize, rng: &rng)
        lstm = LSTM(inputSize: 3, hiddenSize: config.hiddenSize, rng: &rng)
        bottleneck = Linear(config.hiddenSize, config.bottleneckSize, bias: false, rng: &rng)
        placeHead = Linear(config.bottleneckSize, config.placeCells, rng: &rng)
        headDirectionHead = Linear(config.bottleneckSize, config.headDirectionCells, rng: &rng)
        dropout = Dropout(config.dropout, seed: rng.next())
    }

    public override func children() -> [(String, Module)] {
        [("h0_fc", initialHidden), ("c0_fc", initialCell), ("lstm", lstm), ("bottleneck", bottleneck),
         ("dropout", dropout), ("place_head", placeHead), ("hd_head", headDirectionHead)]
    }

    /// What one forward pass produces, all `[batch, time, ·]`.
    public struct Output {
        public let placeLogits, headDirectionLogits: Tensor
        /// The bottleneck units before dropout (the "grid cells").
        public let bottleneck: Tensor

        public init(placeLogits: Tensor, headDirectionLogits: Tensor, bottleneck: Tensor) {
            self.placeLogits = placeLogits; self.headDirectionLogits = headDirectionLogits; self.bottleneck = bottleneck
        }
    }

    /// Runs `velocities` `[B, T, 3]` from the initial activities `[B, placeCells]` and `[B, headDirectionCells]`.
    public func callAsFunction(_ velocities: Tensor, initialPlace: Tensor, initialHeadDirection: Tensor) -> Output {
        self(velocities, state: initialState(place: initialPlace, headDirection: initialHeadDirection)).output
    }

    /// The LSTM state `(h, c)`, each `[1, B, hidden]`, set from place and head-direction activities (a fix).
    public func initialState(place: Tensor, headDirection: Tensor) -> (h: Tensor, c: Tensor) {
        let r0 = Tensor.concat([place, headDirection], axis: 1)
        return (initialHidden(r0).unsqueezed(0), initialCell(r0).unsqueezed(0))
    }

    /// Runs `velocities` `[B, T, 3]` on from `state`; returns the read-outs and the state after the last step, so
    /// a caller can integrate one step at a time.
    public func callAsFunction(_ velocities: Tensor, state: (h: Tensor, c: Tensor)) -> (output: Output, state: (h: Tensor, c: Tensor)) {
        let (hidden, last) = lstm(velocities, state: state)
        var g = bottleneck(hidden)
        if config.bottleneckActivation == .relu { g = g.relu() }
        let dropped = dropout(g)
        return (Output(placeLogits: placeHead(dropped), headDirectionLogits: headDirectionHead(dropped), bottleneck: g), last)
    }
}

extension GridCellNetwork {
    /// Runs a batch of windows from each window's first pose: that frame's place and head-direction
    /// activities set the initial state, the velocities drive the rest.
    public func callAsFunction(_ batch: TrajectoryBatch, placeCells: PlaceCells, headDirectionCells: HeadDirectionCells) -> Output {
        let b = batch.batch
        return self(batch.velocities, initialPlace: placeCells.activity(batch.positions.slice(axis: 1, start: 0, end: 1).reshaped([b, 2])),
                    initialHeadDirection: headDirectionCells.activity(batch.headings.slice(axis: 1, start: 0, end: 1).reshaped([b])))
    }

    /// Rebuilds a network from a checkpoint written by ``GridCellTrainer`` (its metadata holds the model
    /// configuration); errors name the file and what is wrong.
    public static func load(_ url: URL) throws -> GridCellNetwork {
        try Checkpoint.loadModel(url, kind: "a grid-cell") { (config: GridCellConfig) -> GridCellNetwork in
            var rng = RandomGenerator(seed: 0)
            return GridCellNetwork(config: config, rng: &rng)
        }.model
    }
}
