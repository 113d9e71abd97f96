import Foundation
import MazeEnv
import Tensor

/// A target seen in a BEV image: its index (by colour), the evidence for it (opaque pixels of its colour,
/// softly weighted by colour distance) and, where there is any, its world position.
public struct TargetSighting: Equatable, Sendable {
    public var index: Int
    public var evidence: Float
    public var x, y: Float
    public init(index: Int, evidence: Float, x: Float, y: Float) { self.index = index; self.evidence = evidence; self.x = x; self.y = y }
}

extension EgocentricBEV {
    /// World position (maze units) of the centre of pixel (`row`, `col`) for an agent at `pose`.
    public func worldPoint(row: Int, col: Int, pose: AgentState) -> (x: Float, y: Float) {
        let perPixel = cellsAcross / Float(size)
        let right = (Float(col) + 0.5 - Float(size) / 2) * perPixel, ahead = (Float(size) / 2 - Float(row) - 0.5) * perPixel
        let fx = cos(pose.heading), fy = sin(pose.heading)
        return (pose.x + ahead * fx + right * fy, pose.y + ahead * fy - right * fx)
    }

    /// The pixel (row, column) whose square holds world point (x, y) for an agent at `pose`, or nil outside
    /// the image: the inverse of ``worldPoint(row:col:pose:)``.
    public func pixel(x: Float, y: Float, pose: AgentState) -> (row: Int, col: Int)? {
        let pixelsPerCell = Float(size) / cellsAcross
        let dx = x - pose.x, dy = y - pose.y, fx = cos(pose.heading), fy = sin(pose.heading)
        let ahead = dx * fx + dy * fy, right = dx * fy - dy * fx
        let col = Int((right * pixelsPerCell + Float(size) / 2).rounded(.down))
        let row = Int((Float(size) / 2 - ahead * pixelsPerCell).rounded(.down))
        return row >= 0 && col >= 0 && row < size && col < size ? (row, col) : nil
    }

    /// The evidence for each of `colors` in a BEV image `[4, S, S]`: opaque, clearly coloured pixels (floor
    /// is grey) each add `alpha · (1 − distance / tolerance)` to the nearest colour within `tolerance` (RGB
    /// distance), and the sighting's position is the evidence-weighted mean of their world points.
    public func targetEvidence(in image: Tensor, pose: AgentState, colors: [[Float]], tolerance: Float = 0.3) -> [TargetSighting] {
        precondition(image.rank == 3 && image.shape[0] == 4, "targetEvidence: expected [4, S, S], got \(image.shape)")
        let s = image.shape[1], v = image.scalars, plane = s * s
        var out = colors.indices.map { TargetSighting(index: $0, evidence: 0, x: 0, y: 0) }
        for row in 0..<s { for col in 0..<s {
            let p = row * s + col, alpha = v[3 * plane + p]
            guard alpha > 0.5 else { continue }
            let r = v[p], g = v[plane + p], b = v[2 * plane + p]
            guard max(r, g, b) - min(r, g, b) > 0.2 else { continue }
            var best = -1, bestDistance = tolerance
            for (k, c) in colors.enumerated() {
                let d = ((r - c[0]) * (r - c[0]) + (g - c[1]) * (g - c[1]) + (b - c[2]) * (b - c[2])).squareRoot()
                if d < bestDistance { best = k; bestDistance = d }
            }
            guard best >= 0 else { continue }
            let w = alpha * (1 - bestDistance / tolerance), point = worldPoint(row: row, col: col, pose: pose)
            out[best].evidence += w; out[best].x += w * point.x; out[best].y += w * point.y
        } }
        for k in out.indices where out[k].evidence > 0 { out[k].x /= out[k].evidence; out[k].y /= out[k].evidence }
        return out
    }

    /// The targets with at least `minimumEvidence` (about that many pixels of their colour).
    public func targetSightings(in image: Tensor, pose: AgentState, colors: [[Float]], minimumEvidence: Float = 2) -> [TargetSighting] {
        targetEvidence(in: image, pose: pose, colors: colors).filter { $0.evidence >= minimumEvidence }
    }
}

/// Average precision of `scores` for binary `labels` (the area under the precision–recall steps, as
/// scikit-learn's `average_precision_score`: Σ (Rₙ − Rₙ₋₁) Pₙ over descending score thresholds, ties together).
public func averagePrecision(scores: [Float], labels: [Bool]) -> Double {
    precondition(scores.count == labels.count, "averagePrecision: \(scores.count) scores for \(labels.count) labels")
    let positives = labels.filter { $0 }.count
    guard positives > 0 else { return .nan }
    let order = scores.indices.sorted { scores[$0] > scores[$1] }
    var ap = 0.0, truePositives = 0, seen = 0, lastRecall = 0.0, i = 0
    while i < order.count {
        var j = i
        while j < order.count && scores[order[j]] == scores[order[i]] { if labels[order[j]] { truePositives += 1 }; j += 1 }
        seen = j
        let recall = Double(truePositives) / Double(positives), precision = Double(truePositives) / Double(seen)
        ap += (recall - lastRecall) * precision
        lastRecall = recall
        i = j
    }
    return ap
}
