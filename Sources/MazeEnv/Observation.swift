import Basics
import Foundation

/// How the agent moved since its previous observation, in the world frame (maze units, radians wrapped to (−π, π]).
public struct SelfMotion: Equatable, Codable, Sendable {
    public var dx, dy, dHeading: Float
    public init(dx: Float, dy: Float, dHeading: Float) { self.dx = dx; self.dy = dy; self.dHeading = dHeading }
    public static let zero = SelfMotion(dx: 0, dy: 0, dHeading: 0)
}

/// One cell a frame saw, and what it is.
public struct PerceivedCell: Equatable, Sendable {
    public var x, y: Int
    public var state: CellState
    public init(x: Int, y: Int, state: CellState) { self.x = x; self.y = y; self.state = state }
}

/// A target a frame saw: its index and position (maze units).
public struct SightedTarget: Equatable, Sendable {
    public var index: Int
    public var x, y: Float
    public init(index: Int, x: Float, y: Float) { self.index = index; self.x = x; self.y = y }
}

/// What one frame tells an agent about its surroundings: the cells in its field of view (free or wall) and
/// the targets among them. Today this is exact (visibility ray-casting on the layout, the upper bound a
/// learned BEV predictor approaches).
public struct Perception: Equatable, Sendable {
    /// Visible cells in row-major order.
    public var cells: [PerceivedCell]
    public var targets: [SightedTarget]
    public init(cells: [PerceivedCell] = [], targets: [SightedTarget] = []) { self.cells = cells; self.targets = targets }
}

/// A message the channel delivered to an agent this step: its sender and its bits.
public struct ReceivedMessage: Equatable, Sendable {
    public var sender: Int
    public var bits: [Bool]
    public init(sender: Int, bits: [Bool]) { self.sender = sender; self.bits = bits }
}

/// Everything one agent may know at one step, and nothing else: a policy acts on this, never on the world.
public struct Observation: Sendable {
    /// The agent's index in the team and the step of the episode (0 before the first action).
    public var agent, step: Int
    /// The agent's own pose: perfect self-localisation, the scaffold the grid-cell path integrator estimates.
    public var pose: AgentState
    /// Motion since the previous step (zero at step 0).
    public var selfMotion: SelfMotion
    public var perception: Perception
    /// The index of the target the agent is asked to reach (Memory-Maze shows its colour in the frame border).
    public var currentTarget: Int
    /// Messages delivered to this agent this step.
    public var messages: [ReceivedMessage]
    /// The egocentric RGB frame, when the environment renders views.
    public var view: Image?
}
