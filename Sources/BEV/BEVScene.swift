import Foundation
import MazeEnv
import Tensor

/// One evaluation scene: a view, the pose it was taken from, and the maze that gives its ground truth.
public struct BEVScene: Sendable {
    public var view: Image
    public var pose: AgentState
    public var layout: MazeLayout
    public var targets: [Target]
    /// The camera's field of view when the scene's source says (a dataset's `fov_angle`); nil: the geometry's.
    public var fieldOfViewDegrees: Float?
    public init(view: Image, pose: AgentState, layout: MazeLayout, targets: [Target], fieldOfViewDegrees: Float? = nil) {
        self.view = view; self.pose = pose; self.layout = layout; self.targets = targets; self.fieldOfViewDegrees = fieldOfViewDegrees
    }

    /// The ground-truth BEV of the scene in `geometry` (with the scene's own field of view when it has one).
    public func truth(_ geometry: EgocentricBEV) -> Tensor {
        var g = geometry
        if let fieldOfViewDegrees { g.fieldOfViewDegrees = fieldOfViewDegrees }
        return g.render(layout, pose: pose, targets: targets)
    }

    /// ``truth(_:)`` with the target-class map: the training target `[5, S, S]`.
    public func trainingTarget(_ geometry: EgocentricBEV) -> Tensor {
        var g = geometry
        if let fieldOfViewDegrees { g.fieldOfViewDegrees = fieldOfViewDegrees }
        return g.trainingTarget(layout, pose: pose, targets: targets)
    }

    /// Scenes at random free poses of generated mazes whose seeds (from 1,000,000 on) training never uses:
    /// ``BEVSamples`` draws maze seeds below 100,000.
    public static func heldOut(count: Int, mazeSize: Int = 15, seed: UInt64 = 1, render: RenderConfig = RenderConfig()) throws -> [BEVScene] {
        var all: [BEVScene] = []
        try heldOut(count: count, mazeSize: mazeSize, seed: seed, render: render) { all += $0 }
        return all
    }

    /// The same scenes as ``heldOut(count:mazeSize:seed:render:)``, handed to `body` `chunk` at a time, so that
    /// an evaluation of any length holds one chunk in memory.
    public static func heldOut(count: Int, mazeSize: Int = 15, seed: UInt64 = 1, render: RenderConfig = RenderConfig(),
                               chunk: Int = 64, _ body: ([BEVScene]) throws -> Void) throws {
        var rng = RandomGenerator(seed: seed)
        let renderer = EgocentricRenderer(config: render)
        for start in stride(from: 0, to: count, by: chunk) {
            try body(try (start..<min(start + chunk, count)).map { _ in
                let world = try MazeWorld(size: mazeSize, seed: 1_000_000 + rng.next() % 1_000_000)
                let free = world.layout.freeCells, c = free[rng.nextInt(free.count)]
                world.place(0, x: Float(c.x) + 0.25 + 0.5 * rng.nextUniform(), y: Float(c.y) + 0.25 + 0.5 * rng.nextUniform(),
                            heading: rng.nextUniform() * 2 * .pi - .pi)
                return BEVScene(view: renderer.render(world, agent: 0), pose: world.agents[0], layout: world.layout, targets: world.targets)
            })
        }
    }

    /// A training split of the dataset at `path`: the frames of all episodes but the last to train on, and
    /// the last episode's frames to validate on (so at least 2 episodes are needed).
    public static func trainingSplit(datasetAt path: String) throws -> (train: [BEVScene], validation: [BEVScene]) {
        let dataset = try Dataset.load(URL(fileURLWithPath: path))
        guard let last = dataset.episodes.last, dataset.episodes.count >= 2 else {
            throw FileFormatError(file: path, "training on a dataset needs at least 2 episodes (the last one validates)")
        }
        return (try from(Dataset(root: dataset.root, episodes: Array(dataset.episodes.dropLast()))),
                try from(Dataset(root: dataset.root, episodes: [last])))
    }

    /// Every `every`-th frame of a dataset's episodes (each needs its layout for the ground truth).
    public static func from(_ dataset: Dataset, every: Int = 1) throws -> [BEVScene] {
        try dataset.episodes.flatMap { e -> [BEVScene] in
            let layout = try e.requireLayout()
            return try stride(from: 0, to: e.frames.count, by: every).map {
                BEVScene(view: try e.fpsView($0, side: 64), pose: e.frames[$0].pose, layout: layout, targets: e.targets, fieldOfViewDegrees: e.fieldOfViewDegrees)
            }
        }
    }
}
