import Foundation
import MazeEnv
import SpatialMemory
import Tensor

/// How a transparent cell in view of a BEV prediction counts as a wall.
public struct WallEvidence: Codable, Equatable, Sendable {
    /// Cells farther than this (maze units, agent to cell centre) say nothing.
    public var range: Float
    /// The wall evidence's free probability is at least this (0: as the alpha says; 0.5: no wall evidence).
    public var probabilityFloor: Float
    /// The defaults were chosen for the shipped CPU model on the generated mazes of seeds 1–4 (`ssm map
    /// --seed S --wall-range R --wall-floor F`); they took its observed-cell accuracy there from 0.94 to 0.98.
    public init(range: Float = 5, probabilityFloor: Float = 0.35) { self.range = range; self.probabilityFloor = probabilityFloor }

    /// Every transparent cell in view is a wall, as sure as its alpha says: right for perfect predictions.
    public static let literal = WallEvidence(range: .infinity, probabilityFloor: 0)
}

extension LocalObservation {
    /// The world-aligned observation an egocentric BEV prediction makes at `pose`: the missing rotation back
    /// to the world frame of the original, done exactly for any heading.
    ///
    /// Each maze cell around the agent is sampled at `samplesPerCell`² points, each point mapped into the
    /// egocentric image through the inverse of ``EgocentricBEV``'s pixel-to-world transform; the cell's free
    /// probability is the mean alpha there (nil when under half its points fall in the image). The prediction
    /// only paints visible floor, so a transparent cell may be a wall or merely out of view: it counts as a
    /// wall only where a ray from the agent through the predicted floor, inside the field of view, stops at
    /// it, which is what a wall seen in the view looks like.
    ///
    /// - Parameters:
    ///   - alpha: the predicted alpha, `side × side` row-major (row 0 ahead, column 0 left).
    ///   - geometry: the image's geometry (its `size` must equal `side`).
    ///   - pose: where the agent stood and faced when the frame was taken.
    ///   - n: the maze's side in cells (cells outside are left unobserved).
    ///   - radius: the world window's half side in cells; 9 covers a 16-cell-wide image.
    ///   - k: samples per cell side when averaging the image over a world cell.
    ///   - walls: how much a transparent cell in view says "wall" (a model's commonest mistake is floor it
    ///     failed to paint far away, not floor it invented).
    public init(egocentricAlpha alpha: [Float], geometry: EgocentricBEV, pose: AgentState, mazeSize n: Int,
                radius: Int = 9, samplesPerCell k: Int = 4, walls: WallEvidence = WallEvidence()) {
        let s = geometry.size
        precondition(alpha.count == s * s, "LocalObservation(egocentricAlpha:): \(alpha.count) values for a \(s)×\(s) image")
        let ax = Int(pose.x.rounded(.down)), ay = Int(pose.y.rounded(.down)), side = 2 * radius + 1
        var p = [Float?](repeating: nil, count: side * side)
        for dy in -radius...radius { for dx in -radius...radius {
            let x = ax + dx, y = ay + dy
            guard x >= 0, y >= 0, x < n, y < n else { continue }
            var sum: Float = 0, count = 0
            for i in 0..<k { for j in 0..<k {
                guard let pixel = geometry.pixel(x: Float(x) + (Float(i) + 0.5) / Float(k), y: Float(y) + (Float(j) + 0.5) / Float(k), pose: pose) else { continue }
                sum += alpha[pixel.row * s + pixel.col]; count += 1
            } }
            if 2 * count >= k * k { p[(dy + radius) * side + dx + radius] = sum / Float(count) }
        } }
        // Walls: what stops a ray through the predicted floor. Cells the image does not cover let rays pass
        // (they are reported as unknown whatever happens there).
        var cells = [UInt8](repeating: 1, count: n * n)
        for dy in -radius...radius { for dx in -radius...radius {
            let x = ax + dx, y = ay + dy
            guard x >= 0, y >= 0, x < n, y < n, let q = p[(dy + radius) * side + dx + radius] else { continue }
            cells[y * n + x] = q > 0.5 ? 1 : 0
        } }
        let predicted = MazeLayout(size: n, cells: cells)
        let inView = GroundTruth.visibleCells(predicted, pose: pose, fieldOfViewDegrees: geometry.fieldOfViewDegrees, range: geometry.range)
        for dy in -radius...radius { for dx in -radius...radius {
            let i = (dy + radius) * side + dx + radius, x = ax + dx, y = ay + dy
            guard let q = p[i], q <= 0.5 else { continue }
            let distance = hypot(Float(x) + 0.5 - pose.x, Float(y) + 0.5 - pose.y)
            p[i] = inView[y * n + x] && distance <= walls.range ? max(q, walls.probabilityFloor) : nil
        } }
        self.init(radius: radius, freeProbability: p)
    }

    /// As ``init(egocentricAlpha:geometry:pose:mazeSize:radius:samplesPerCell:walls:)`` from one RGBA prediction `[4, S, S]`.
    public init(egocentricPrediction prediction: Tensor, geometry: EgocentricBEV, pose: AgentState, mazeSize n: Int, radius: Int = 9,
                walls: WallEvidence = WallEvidence()) {
        precondition(prediction.rank == 3 && prediction.shape[0] == 4, "LocalObservation(egocentricPrediction:): expected [4, S, S], got \(prediction.shape)")
        let s = prediction.shape[1]
        self.init(egocentricAlpha: Array(prediction.scalars[(3 * s * s)..<(4 * s * s)]), geometry: geometry, pose: pose, mazeSize: n, radius: radius, walls: walls)
    }
}

