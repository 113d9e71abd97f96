import Foundation
import MazeEnv
import Tensor

/// Egocentric BEV targets rendered directly in the agent's frame (the agent at the centre facing up), so no
/// image is ever rotated: the original rotated world-aligned PNGs with PIL about a corner pixel and then
/// flipped x for the targets; here one transform from pixel to world does both exactly.
public struct EgocentricBEV: Codable, Equatable, Sendable {
    /// Output side in pixels and the cells it spans (so `size / cellsAcross` pixels per cell).
    public var size = 64
    public var cellsAcross: Float = 16
    public var fieldOfViewDegrees: Float = 90
    public var range: Float = 10
    public init() {}

    /// RGBA `[4, size, size]` in [0, 1]: visible free floor grey (102/255) with alpha 1, visible targets as
    /// discs of radius 0.25 cells in their colour; everything else transparent. Row 0 is the far edge (ahead).
    public func render(_ layout: MazeLayout, pose: AgentState, targets: [Target]) -> Tensor {
        render(layout, pose: pose, targets: targets, visible: visibleCells(layout, pose: pose))
    }

    /// The cells in view from `pose` (this geometry's field of view and range).
    func visibleCells(_ layout: MazeLayout, pose: AgentState) -> [Bool] {
        GroundTruth.visibleCells(layout, pose: pose, fieldOfViewDegrees: fieldOfViewDegrees, range: range)
    }

    /// ``render(_:pose:targets:)`` with the cells in view already cast.
    func render(_ layout: MazeLayout, pose: AgentState, targets: [Target], visible: [Bool]) -> Tensor {
        let n = layout.size, s = size, perPixel = cellsAcross / Float(s)
        let fx = cos(pose.heading), fy = sin(pose.heading)       // forward
        let rx = fy, ry = -fx                                      // right = forward rotated by −90°
        let seen = GroundTruth.visibleTargets(targets, size: n, visible: visible)
        var out = [Float](repeating: 0, count: 4 * s * s)
        for row in 0..<s {
            for col in 0..<s {
                let right = (Float(col) + 0.5 - Float(s) / 2) * perPixel, ahead = (Float(s) / 2 - Float(row) - 0.5) * perPixel
                let wx = pose.x + ahead * fx + right * rx, wy = pose.y + ahead * fy + right * ry
                let cx = Int(wx.rounded(.down)), cy = Int(wy.rounded(.down))
                guard cx >= 0, cy >= 0, cx < n, cy < n else { continue }
                let p = row * s + col
                if visible[cy * n + cx] && layout.isFree(cx, cy) {
                    out[p] = 102 / 255; out[s * s + p] = 102 / 255; out[2 * s * s + p] = 102 / 255; out[3 * s * s + p] = 1
                }
                for t in seen where hypot(wx - targets[t].x, wy - targets[t].y) <= 0.25 {
                    out[p] = targets[t].color[0]; out[s * s + p] = targets[t].color[1]; out[2 * s * s + p] = targets[t].color[2]
                    out[3 * s * s + p] = 1
                }
            }
        }
        return Tensor(out, shape: [4, s, s])
    }

    /// Radius (cells) of a visible target's patch in the target-class map: twice the drawn disc, so that a target
    /// a dozen pixels wide is a class a network can find, and its centre is still the target's position.
    public static let targetClassRadius: Float = 0.5

    /// The training target `[5, size, size]`: ``render(_:pose:targets:)``'s RGBA, then the target-class map —
    /// 0 for background, k + 1 within ``targetClassRadius`` of visible target k (the nearest where patches meet).
    public func trainingTarget(_ layout: MazeLayout, pose: AgentState, targets: [Target]) -> Tensor {
        // The rays are cast once for both the image and the class map (they are most of a training target's cost).
        let visible = visibleCells(layout, pose: pose), rgba = render(layout, pose: pose, targets: targets, visible: visible)
        let seen = GroundTruth.visibleTargets(targets, size: layout.size, visible: visible)
        var classes = [Float](repeating: 0, count: size * size)
        for row in 0..<size { for col in 0..<size {
            let w = worldPoint(row: row, col: col, pose: pose)
            var best = Self.targetClassRadius
            for t in seen {
                let d = hypot(w.x - targets[t].x, w.y - targets[t].y)
                if d <= best { best = d; classes[row * size + col] = Float(t + 1) }
            }
        } }
        return Tensor.concat([rgba, Tensor(classes, shape: [1, size, size])], axis: 0)
    }
}
