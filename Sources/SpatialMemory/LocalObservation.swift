import Basics
import Foundation
import MazeEnv

/// What one frame says about the cells around the agent: for each cell of a (2r+1)² window centred on the
/// agent's cell, the probability that it is free, or nil where the frame says nothing. World-aligned:
/// index `(dy + r) * side + (dx + r)` is the cell (x + dx, y + dy), y up.
public struct LocalObservation: Equatable, Sendable {
    public let radius: Int
    public var side: Int { 2 * radius + 1 }
    public var freeProbability: [Float?]

    public init(radius: Int, freeProbability: [Float?]) {
        precondition(freeProbability.count == (2 * radius + 1) * (2 * radius + 1), "LocalObservation: wrong cell count")
        self.radius = radius; self.freeProbability = freeProbability
    }

    public subscript(_ dx: Int, _ dy: Int) -> Float? { freeProbability[(dy + radius) * side + dx + radius] }

    /// The exact observation of the cells visible from `pose` (free 1, wall 0), from the layout: the
    /// "perfect prediction" a BEV model should approach.
    public static func groundTruth(_ layout: MazeLayout, pose: AgentState, radius: Int = 10, fieldOfViewDegrees: Float = 90,
                                   range: Float = 10) -> LocalObservation {
        let visible = GroundTruth.visibleCells(layout, pose: pose, fieldOfViewDegrees: fieldOfViewDegrees, range: range)
        let ax = Int(pose.x.rounded(.down)), ay = Int(pose.y.rounded(.down)), n = layout.size
        var p = [Float?](repeating: nil, count: (2 * radius + 1) * (2 * radius + 1))
        for dy in -radius...radius { for dx in -radius...radius {
            let x = ax + dx, y = ay + dy
            guard x >= 0, y >= 0, x < n, y < n, visible[y * n + x] else { continue }
            p[(dy + radius) * (2 * radius + 1) + dx + radius] = layout.isFree(x, y) ? 1 : 0
        } }
        return LocalObservation(radius: radius, freeProbability: p)
    }

    /// Reads a local BEV image in the original project's layout (`BEVConfig`: agent-centred, world-aligned,
    /// `cellPixels` per cell, y down on screen when `yDown`): a cell's free probability is its mean alpha.
    /// Transparent cells are "not seen as free", which the image cannot tell from unseen: they become
    /// evidence of a wall only where `visible` says the cell was in view (nil: they carry no information).
    public init(bev image: Image, config: BEVConfig = BEVConfig(), visible: ((Int, Int) -> Bool)? = nil) {
        precondition(image.format == .rgba, "LocalObservation(bev:): an RGBA image is needed")
        let r = config.radiusCells, c = config.cellPixels, origin = config.imageSize / 2 + c / 2
        var p = [Float?](repeating: nil, count: (2 * r + 1) * (2 * r + 1))
        for dy in -r...r { for dx in -r...r {
            let cx = origin + dx * c, cy = origin + (config.yDown ? dy : -dy) * c
            var sum = 0, count = 0
            for py in (cy - c / 2 + 2)..<(cy + c / 2 - 2) { for px in (cx - c / 2 + 2)..<(cx + c / 2 - 2)
            where px >= 0 && py >= 0 && px < image.width && py < image.height {
                sum += Int(image.pixels[(py * image.width + px) * 4 + 3]); count += 1
            } }
            guard count > 0 else { continue }
            let alpha = Float(sum) / Float(count * 255)
            if alpha > 0.5 { p[(dy + r) * (2 * r + 1) + dx + r] = alpha }
            else if let visible, visible(dx, dy) { p[(dy + r) * (2 * r + 1) + dx + r] = alpha }
        } }
        self.init(radius: r, freeProbability: p)
    }

    /// Rotates an observation by `quarterTurns` × 90° counter-clockwise about the agent's cell: the exact
    /// transform between an egocentric window (heading up) and a world-aligned one. Egocentric → world
    /// for heading θ is ⌊(θ − π/2)/(π/2)⌉ quarter turns; the inverse undoes it.
    public func rotated(quarterTurns k: Int) -> LocalObservation {
        let turns = ((k % 4) + 4) % 4
        var out = [Float?](repeating: nil, count: freeProbability.count)
        for dy in -radius...radius { for dx in -radius...radius {
            var (x, y) = (dx, dy)
            for _ in 0..<turns { (x, y) = (-y, x) }
            out[(y + radius) * side + x + radius] = self[dx, dy]
        } }
        return LocalObservation(radius: radius, freeProbability: out)
    }
}
