import Foundation
import MazeEnv
import Tensor

extension GridCellNetwork {
    /// Poses dead-reckoned by the network from self-motion alone: the path is cut into windows of `window`
    /// steps, each started from the true pose at its first step (a landmark fix, as in training) and then
    /// integrated from the velocities; positions and headings are decoded from the place and head-direction
    /// read-outs (``PathIntegrationErrors``). The velocities are `motion` (one per pose, `motion[k]` the step
    /// into pose k), by default the pose differences, as in a dataset. With a `filter`, the decoded poses are
    /// blended with the self-motion between fixes (``PoseFilter``).
    public func integratePath(_ poses: [AgentState], window: Int = 100, motion: [SelfMotion]? = nil, filter: PoseFilter? = nil) -> [AgentState] {
        precondition(window > 0, "integratePath: window must be positive")
        precondition(motion.map { $0.count == poses.count } ?? true, "integratePath: one self-motion per pose")
        guard !poses.isEmpty else { return [] }
        let steps = motion ?? SelfMotion.steps(along: poses)
        eval()
        let placeCells = config.makePlaceCells(), headDirectionCells = config.makeHeadDirectionCells()
        func frames(_ range: Range<Int>) -> [TrajectoryFrame] {
            range.map { k in (poses[k].x, poses[k].y, poses[k].heading, steps[k].dx, steps[k].dy, steps[k].dHeading) }
        }
        let starts = Array(stride(from: 0, to: poses.count, by: window))
        // Full windows go in one batch, a shorter last one in its own.
        let groups = Dictionary(grouping: starts) { min($0 + window, poses.count) - $0 }
        var out = poses
        for (length, group) in groups {
            let batch = TrajectoryBatch(windows: group.map { frames($0..<($0 + length)) })
            let output = noGrad { self(batch, placeCells: placeCells, headDirectionCells: headDirectionCells) }
            let decoded = PathIntegrationErrors(output: output, batch: batch, placeCells: placeCells, headDirectionCells: headDirectionCells)
            let p = decoded.positions.scalars, h = decoded.headings.scalars
            for (i, s) in group.enumerated() {
                for t in 1..<length {    // t = 0 is the given fix
                    out[s + t] = AgentState(x: p[2 * (i * length + t)], y: p[2 * (i * length + t) + 1], heading: h[i * length + t])
                }
            }
        }
        guard let filter else { return out }
        return filter(out, motion: steps) { $0 % window == 0 }
    }
}

/// Dead reckoning one step at a time, as an agent does it while it moves: the network's state is set from the
/// observed pose every `fixEvery` steps (a landmark fix, as each window of ``GridCellNetwork/integratePath(_:window:motion:filter:)``
/// starts) and otherwise carried on from the step's self-motion alone; the believed pose is decoded from the
/// read-outs. Fed the same poses, it believes what `integratePath` with `window: fixEvery` returns (with a
/// `filter`, what that filter makes of it).
public struct OnlinePathIntegrator {
    public let network: GridCellNetwork
    /// Steps from one fix to the next.
    public let fixEvery: Int
    /// When set, the believed pose is the filter's blend of the decoded pose with the last belief carried on by
    /// the self-motion; nil: the decoded pose.
    public let filter: PoseFilter?
    var belief: AgentState?
    let placeCells: PlaceCells, headDirectionCells: HeadDirectionCells
    let templates: PositionTemplates?
    var state: (h: Tensor, c: Tensor)?
    var sinceFix = 0
    /// The last believed position: the template decoder searches near it.
    var previous: (x: Float, y: Float) = (0, 0)

    public init(network: GridCellNetwork, fixEvery: Int = 100, filter: PoseFilter? = nil) {
        precondition(fixEvery > 0, "OnlinePathIntegrator: fixEvery must be positive")
        network.eval()
        self.network = network; self.fixEvery = fixEvery; self.filter = filter
        placeCells = network.config.makePlaceCells(); headDirectionCells = network.config.makeHeadDirectionCells()
        templates = placeCells.tuning == .mexicanHat ? PositionTemplates(placeCells) : nil
    }

    /// Takes one step: `motion` (world-frame displacement and turn) led to `observed`, the pose a fix would give.
    /// Returns the pose the network believes: `observed` itself at a fix (the first call and every `fixEvery`
    /// steps after), otherwise its decoded estimate.
    public mutating func step(motion: SelfMotion, observed: AgentState) -> AgentState {
        let velocity = Tensor([motion.dx, motion.dy, motion.dHeading], shape: [1, 1, 3])
        let fix = state == nil || sinceFix == fixEvery
        if fix {
            let place = placeCells.activity(Tensor([observed.x, observed.y], shape: [1, 2]))
            let headDirection = headDirectionCells.activity(Tensor([observed.heading], shape: [1]))
            state = noGrad { network.initialState(place: place, headDirection: headDirection) }
            sinceFix = 0
        }
        let (output, next) = noGrad { network(velocity, state: state!) }
        state = next
        sinceFix += 1
        if fix { previous = (observed.x, observed.y); belief = observed; return observed }
        let readout = output.placeLogits.reshaped([1, placeCells.count])
        if let templates {
            previous = templates.decode(readout.storage.pointer, near: previous.x, previous.y)
        } else {
            let p = placeCells.decodePositions(readout).scalars
            previous = (p[0], p[1])
        }
        let heading = headDirectionCells.decode(logits: output.headDirectionLogits.reshaped([1, headDirectionCells.count]))
        let decoded = AgentState(x: previous.x, y: previous.y, heading: heading.scalars[0])
        guard let filter, let last = belief else { return decoded }
        belief = filter.update(last, motion: motion, decoded: decoded)
        return belief!
    }
}
