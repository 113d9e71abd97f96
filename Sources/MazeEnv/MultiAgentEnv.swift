import Basics
import Foundation

/// The maze as its agents meet it: after each step, one ``Observation`` per agent holding only what that
/// agent may know (its pose and self-motion, what it sees, its messages). Wraps a ``MazeWorld``, which
/// stays the simulator's ground truth for evaluation and figures.
public final class MultiAgentEnv {
    public let world: MazeWorld
    /// Renders each agent's egocentric view into its observation when set (the most expensive part of a step).
    public let renderer: EgocentricRenderer?
    /// The field of view and range of perception.
    public let fieldOfViewDegrees: Float, range: Float
    /// Each agent's current observation.
    public private(set) var observations: [Observation] = []
    private var inbox: [[ReceivedMessage]]

    public init(world: MazeWorld, renderer: EgocentricRenderer? = nil, fieldOfViewDegrees: Float = 90, range: Float = 10) {
        self.world = world; self.renderer = renderer; self.fieldOfViewDegrees = fieldOfViewDegrees; self.range = range
        inbox = Array(repeating: [], count: world.agents.count)
        observations = world.agents.indices.map { observe($0, previous: nil) }
    }

    public var agentCount: Int { world.agents.count }

    /// Queues a message for `agent`'s next observation.
    public func deliver(_ message: ReceivedMessage, to agent: Int) { inbox[agent].append(message) }

    /// Advances every agent by its action and observes the new state.
    @discardableResult
    public func step(_ actions: [MazeAction]) -> StepResult {
        let before = world.agents
        let result = world.step(actions)
        observations = world.agents.indices.map { observe($0, previous: before[$0]) }
        return result
    }

    private func observe(_ i: Int, previous: AgentState?) -> Observation {
        let pose = world.agents[i], n = world.layout.size
        let visible = world.visibleCells(agent: i, fieldOfViewDegrees: fieldOfViewDegrees, range: range)
        var cells: [PerceivedCell] = []
        for k in visible.indices where visible[k] {
            cells.append(PerceivedCell(x: k % n, y: k / n, state: world.layout.isFree(k % n, k / n) ? .free : .wall))
        }
        let targets = world.visibleTargets(agent: i, visible: visible).map { SightedTarget(index: $0, x: world.targets[$0].x, y: world.targets[$0].y) }
        let motion = previous.map { SelfMotion(dx: pose.x - $0.x, dy: pose.y - $0.y, dHeading: wrapAngle(pose.heading - $0.heading)) } ?? .zero
        let messages = inbox[i]
        inbox[i] = []
        return Observation(agent: i, step: world.stepCount, pose: pose, selfMotion: motion,
                           perception: Perception(cells: cells, targets: targets), currentTarget: world.currentTarget[i],
                           messages: messages, view: renderer?.render(world, agent: i))
    }
}
