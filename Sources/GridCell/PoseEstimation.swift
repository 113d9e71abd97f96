import Foundation
import MazeEnv
import Tensor

extension GridCellNetwork {
    /// Poses dead-reckoned by the network from self-motion alone: the path is cut into windows of `window`
    /// steps, each started from the true pose at its first step (a landmark fix, as in training) and then
    /// integrated from the velocities; positions and headings are decoded from the place and head-direction
    /// read-outs (``PathIntegrationErrors``). The velocities are the pose differences, as in a dataset.
    public func integratePath(_ poses: [AgentState], window: Int = 100) -> [AgentState] {
        precondition(window > 0, "integratePath: window must be positive")
        guard !poses.isEmpty else { return [] }
        eval()
        let placeCells = config.makePlaceCells(), headDirectionCells = config.makeHeadDirectionCells()
        func frames(_ range: Range<Int>) -> [TrajectoryFrame] {
            range.map { k in
                let p = poses[k], q = k > 0 ? poses[k - 1] : p
                return (p.x, p.y, p.heading, p.x - q.x, p.y - q.y, wrapAngle(p.heading - q.heading))
            }
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
        return out
    }
}
