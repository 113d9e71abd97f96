import Foundation
import MazeEnv
import Tensor


/// What `ssm bev eval` reports, accumulated over scenes (pixel counts pooled over all of them).
public struct BEVEvaluation: Codable, Sendable {
    public var scenes = 0
    /// Predicted alpha > 0.5 against the true visible free cells (and target discs), pooled.
    public var freeIoU: Double { union == 0 ? 1 : Double(intersection) / Double(union) }
    /// The same IoU over world cells, as a map reads the BEV: a cell is predicted free when the mean predicted
    /// alpha over its pixels in the image exceeds 0.5, and truly free when it is visible free floor. Pixel IoU
    /// also charges every misplaced edge pixel; a pixel is a quarter of a cell at the CPU size.
    public var freeCellIoU: Double { cellUnion == 0 ? 1 : Double(cellIntersection) / Double(cellUnion) }
    /// Mean absolute RGB error on opaque target pixels.
    public var rgbError: Double { colorCount == 0 ? 0 : colorError / Double(colorCount) }
    /// Average precision of "target k is in this BEV" from the prediction's evidence for k's colour.
    public var targetAveragePrecision: Double { averagePrecision(scores: scores, labels: labels) }
    /// Mean distance in cells between a visible target and where the prediction puts it (when it shows it).
    public var targetPositionError: Double { located == 0 ? .nan : positionError / Double(located) }
    /// Fraction of visible targets the prediction shows (evidence ≥ 2 pixels).
    public var targetRecall: Double { visibleTargets == 0 ? .nan : Double(located) / Double(visibleTargets) }
    /// Fraction of the targets the prediction shows (evidence ≥ 2 pixels) that are visible in the scene; NaN when it
    /// shows none.
    public var targetPrecision: Double { shownTargets == 0 ? .nan : Double(located) / Double(shownTargets) }
    public private(set) var visibleTargets = 0
    /// Targets the prediction shows, visible or not.
    public private(set) var shownTargets = 0

    var intersection = 0, union = 0, cellIntersection = 0, cellUnion = 0, colorCount = 0, located = 0
    var colorError = 0.0, positionError = 0.0
    var scores: [Float] = [], labels: [Bool] = []

    public init() {}

    /// Adds one scene: the prediction `[4, S, S]` and the ground truth rendered with `geometry`.
    public mutating func add(prediction: Tensor, scene: BEVScene, geometry: EgocentricBEV) {
        let truth = scene.truth(geometry)
        let p = prediction.scalars, t = truth.scalars, plane = geometry.size * geometry.size
        for k in 0..<plane {
            let pf = p[3 * plane + k] > 0.5, tf = t[3 * plane + k] > 0.5
            if pf && tf { intersection += 1 }
            if pf || tf { union += 1 }
            if tf { for c in 0..<3 { colorError += Double(abs(p[c * plane + k] - t[c * plane + k])) }; colorCount += 3 }
        }
        addCells(alpha: Array(p[(3 * plane)...]), truth: Array(t[(3 * plane)...]), scene: scene, geometry: geometry)
        let colors = scene.targets.map(\.color)
        let predicted = geometry.targetEvidence(in: prediction, pose: scene.pose, colors: colors)
        let present = geometry.targetEvidence(in: truth, pose: scene.pose, colors: colors)
        for k in colors.indices {
            let visible = present[k].evidence > 0
            scores.append(predicted[k].evidence); labels.append(visible)
            if predicted[k].evidence >= 2 { shownTargets += 1 }
            guard visible else { continue }
            visibleTargets += 1
            if predicted[k].evidence >= 2 {
                located += 1
                positionError += Double(hypot(predicted[k].x - scene.targets[k].x, predicted[k].y - scene.targets[k].y))
            }
        }
        scenes += 1
    }

    /// Pools pixels by the world cell their centres fall in (cells off the maze are skipped).
    mutating func addCells(alpha: [Float], truth: [Float], scene: BEVScene, geometry: EgocentricBEV) {
        let n = scene.layout.size, s = geometry.size
        var sum = [Float](repeating: 0, count: n * n), count = [Int](repeating: 0, count: n * n), free = [Bool](repeating: false, count: n * n)
        for row in 0..<s { for col in 0..<s {
            let w = geometry.worldPoint(row: row, col: col, pose: scene.pose)
            let cx = Int(w.x.rounded(.down)), cy = Int(w.y.rounded(.down))
            guard cx >= 0, cy >= 0, cx < n, cy < n else { continue }
            let c = cy * n + cx, k = row * s + col
            sum[c] += alpha[k]; count[c] += 1
            if truth[k] > 0.5 { free[c] = true }
        } }
        for c in 0..<n * n where count[c] > 0 {
            let predicted = sum[c] / Float(count[c]) > 0.5
            if predicted && free[c] { cellIntersection += 1 }
            if predicted || free[c] { cellUnion += 1 }
        }
    }

    /// Evaluates `model` on `scenes`, 64 at a time; `progress` gets (scenes done, scenes) after each chunk.
    public static func run(_ model: BEVModel, on scenes: [BEVScene], progress: (Int, Int) -> Void = { _, _ in }) -> BEVEvaluation {
        var evaluation = BEVEvaluation()
        for chunk in stride(from: 0, to: scenes.count, by: 64) {
            evaluation.add(model, on: Array(scenes[chunk..<min(chunk + 64, scenes.count)]))
            progress(evaluation.scenes, scenes.count)
        }
        return evaluation
    }

    /// Adds `model`'s predictions on `scenes` (one batch): evaluations of any length, a chunk at a time.
    public mutating func add(_ model: BEVModel, on scenes: [BEVScene]) {
        for (p, scene) in zip(model.predict(scenes.map(\.view)), scenes) { add(prediction: p, scene: scene, geometry: model.geometry) }
    }

    /// The figures as a JSON-ready dictionary (NaN as null).
    public var summary: [String: Any] {
        func value(_ v: Double) -> Any { v.isFinite ? v : NSNull() }
        return ["scenes": scenes, "free_iou": value(freeIoU), "free_iou_cells": value(freeCellIoU), "rgb_error": value(rgbError),
                "target_visibility_ap": value(targetAveragePrecision), "target_position_error_cells": value(targetPositionError),
                "target_recall": value(targetRecall), "target_precision": value(targetPrecision),
                "visible_targets": visibleTargets, "shown_targets": shownTargets]
    }

    enum CodingKeys: String, CodingKey {
        case scenes, intersection, union, cellIntersection, cellUnion, colorCount, located, colorError, positionError, scores, labels
        case visibleTargets, shownTargets
    }
}
