import Foundation
import Basics

/// Parameters of the local bird's-eye-view target image (the original project's `FOVTopViewRenderer`):
/// agent-centred, world-aligned RGBA; visible free cells grey, visible targets as
/// coloured circles, the agent as a yellow disc with a heading line.
public struct BEVConfig: Codable, Equatable, Sendable {
    public var imageSize = 250
    public var cellPixels = 16
    /// Cells drawn on each side of the agent.
    public var radiusCells = 10
    /// Visibility raycasting range in cells.
    public var visibilityRange: Float = 10
    public var fieldOfViewDegrees: Float = 90
    /// The original renderer draws +y downward on screen (a vertical mirror of a math plot); keep it for
    /// compatibility with its datasets, or set false for north-up images.
    public var yDown = true
    public var drawAgent = true
    public init() {}
}

/// Ground truth computed from a layout and a pose alone (also for datasets that store no images).
public enum GroundTruth {
    /// Cells visible from `pose`: rays over the field of view stop at the first wall, which counts as seen;
    /// the agent's own cell is always seen. Row-major `[y * size + x]`.
    public static func visibleCells(_ layout: MazeLayout, pose a: AgentState, fieldOfViewDegrees: Float = 90,
                                    range: Float = 10, rays: Int = 180) -> [Bool] {
        let n = layout.size
        var seen = [Bool](repeating: false, count: n * n)
        let half = fieldOfViewDegrees * .pi / 360
        for k in 0..<rays {
            let angle = a.heading - half + 2 * half * (Float(k) + 0.5) / Float(rays)
            _ = castRay(layout, x: a.x, y: a.y, dx: cos(angle), dy: sin(angle), maxDistance: range) { x, y in
                if x >= 0, y >= 0, x < n, y < n { seen[y * n + x] = true }
            }
        }
        let cx = Int(a.x.rounded(.down)), cy = Int(a.y.rounded(.down))
        if cx >= 0, cy >= 0, cx < n, cy < n { seen[cy * n + cx] = true }
        return seen
    }

    /// Indices of `targets` whose cell is marked in `visible`.
    public static func visibleTargets(_ targets: [Target], size n: Int, visible: [Bool]) -> [Int] {
        targets.indices.filter { t in
            let x = Int(targets[t].x.rounded(.down)), y = Int(targets[t].y.rounded(.down))
            return x >= 0 && y >= 0 && x < n && y < n && visible[y * n + x]
        }
    }

    /// The local BEV image seen from `pose` (RGBA; alpha = 1 exactly on visible free floor and markers).
    public static func localBEV(_ layout: MazeLayout, pose a: AgentState, targets: [Target], currentTarget: Int?,
                                config: BEVConfig = BEVConfig()) -> Image {
        let visible = visibleCells(layout, pose: a, fieldOfViewDegrees: config.fieldOfViewDegrees, range: config.visibilityRange)
        let n = layout.size, c = config.cellPixels
        let ax = Int(a.x.rounded(.down)), ay = Int(a.y.rounded(.down))
        let origin = Float(config.imageSize / 2 + c / 2)
        let sign: Float = config.yDown ? 1 : -1
        var canvas = Canvas(width: config.imageSize, height: config.imageSize)
        for dy in -config.radiusCells...config.radiusCells {
            for dx in -config.radiusCells...config.radiusCells {
                let x = ax + dx, y = ay + dy
                guard x >= 0, y >= 0, x < n, y < n, visible[y * n + x], layout.isFree(x, y) else { continue }
                canvas.fillRect(x: Int(origin) + dx * c - c / 2, y: Int(origin + sign * Float(dy * c)) - c / 2, w: c, h: c,
                                (102, 102, 102, 255))
            }
        }
        for t in visibleTargets(targets, size: n, visible: visible) {
            let dx = Float(Int(targets[t].x.rounded(.down)) - ax), dy = Float(Int(targets[t].y.rounded(.down)) - ay)
            let cx = origin + dx * Float(c), cy = origin + sign * dy * Float(c)
            canvas.fillCircle(cx: cx, cy: cy, r: Float(c) / 4, rgba(targets[t].color))
            if t == currentTarget { canvas.strokeCircle(cx: cx, cy: cy, r: Float(c) / 4, width: 2, (255, 255, 255, 255)) }
        }
        if config.drawAgent {
            canvas.fillCircle(cx: origin, cy: origin, r: 5, (255, 215, 0, 255))
            canvas.line(origin, origin, origin + 8 * cos(a.heading), origin + sign * 8 * sin(a.heading), (0, 0, 0, 255))
        }
        return canvas.image
    }
}

extension MazeWorld {
    /// Cells agent `index` can see (see ``GroundTruth/visibleCells(_:pose:fieldOfViewDegrees:range:rays:)``).
    public func visibleCells(agent index: Int, fieldOfViewDegrees: Float = 90, range: Float = 10) -> [Bool] {
        GroundTruth.visibleCells(layout, pose: agents[index], fieldOfViewDegrees: fieldOfViewDegrees, range: range)
    }

    /// Indices of targets whose cell is visible to an agent with visibility mask `visible`.
    public func visibleTargets(agent index: Int, visible: [Bool]) -> [Int] {
        GroundTruth.visibleTargets(targets, size: layout.size, visible: visible)
    }

    /// The local BEV ground truth of agent `index`.
    public func localBEV(agent index: Int, config: BEVConfig = BEVConfig()) -> Image {
        GroundTruth.localBEV(layout, pose: agents[index], targets: targets, currentTarget: currentTarget[index], config: config)
    }

    /// A north-up picture of the whole maze with targets, agents and optional trajectories (for figures).
    public func topDown(cellPixels c: Int = 24, trajectories: [[(x: Float, y: Float)]] = [],
                        visited: [Bool]? = nil) -> Image {
        let n = layout.size
        var canvas = Canvas(width: n * c, height: n * c, fill: (40, 40, 48, 255))
        for y in 0..<n {
            for x in 0..<n where layout.isFree(x, y) {
                let room = layout.roomOf[y * n + x]
                var shade: (UInt8, UInt8, UInt8, UInt8) = room >= 0 ? (214, 208, 196, 255) : (190, 190, 186, 255)
                if let visited, !visited[y * n + x] { shade = (shade.0 / 2 + 40, shade.1 / 2 + 40, shade.2 / 2 + 40, 255) }
                canvas.fillRect(x: x * c + 1, y: (n - 1 - y) * c + 1, w: c - 2, h: c - 2, shade)
            }
        }
        func screen(_ x: Float, _ y: Float) -> (Float, Float) { (x * Float(c), (Float(n) - y) * Float(c)) }
        let trailColors: [(UInt8, UInt8, UInt8, UInt8)] = [(220, 60, 60, 255), (40, 110, 220, 255), (40, 160, 70, 255), (160, 60, 200, 255)]
        for (k, path) in trajectories.enumerated() where path.count > 1 {
            for i in 1..<path.count {
                let (x0, y0) = screen(path[i - 1].x, path[i - 1].y), (x1, y1) = screen(path[i].x, path[i].y)
                canvas.line(x0, y0, x1, y1, thickness: 2, trailColors[k % trailColors.count])
            }
        }
        for (i, t) in targets.enumerated() {
            let (sx, sy) = screen(t.x, t.y)
            canvas.fillCircle(cx: sx, cy: sy, r: targetRadius * Float(c), rgba(t.color))
            if currentTarget.contains(i) { canvas.strokeCircle(cx: sx, cy: sy, r: targetRadius * Float(c), width: 2, (0, 0, 0, 255)) }
        }
        for (k, a) in agents.enumerated() {
            let (sx, sy) = screen(a.x, a.y)
            canvas.fillCircle(cx: sx, cy: sy, r: kinematics.radius * Float(c) + 1, trailColors[k % trailColors.count])
            canvas.line(sx, sy, sx + 0.5 * Float(c) * cos(a.heading), sy - 0.5 * Float(c) * sin(a.heading), thickness: 2, (0, 0, 0, 255))
        }
        return canvas.image
    }
}
