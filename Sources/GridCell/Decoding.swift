import Foundation
import MazeEnv
import Tensor

/// Path-integration errors of one batch: positions decoded as the softmax-weighted mean
/// of the place-cell centres (Gaussian code), the mean of the top-3 centres (difference of Gaussians, as
/// Sorscher et al.) or by template matching (Mexican hat); headings as the circular mean of the HD cells'
/// preferred directions; t = 0 excluded (it is given).
public struct PathIntegrationErrors {
    /// Mean and max Euclidean position error, cells.
    public let meanPosition, maxPosition: Float
    /// Mean and max wrapped heading error, radians.
    public let meanHeading, maxHeading: Float
    /// Decoded positions `[B, T, 2]` and headings `[B, T]`.
    public let positions: Tensor, headings: Tensor

    public init(output: GridCellNetwork.Output, batch: TrajectoryBatch, placeCells: PlaceCells, headDirectionCells: HeadDirectionCells) {
        let (b, t) = (batch.batch, batch.steps)
        let readout = output.placeLogits.reshaped([b * t, placeCells.count])
        // The Mexican hat's template decoder tracks each window from its fix (step 0's true position).
        let truth = batch.positions.scalars
        let p = placeCells.tuning == .mexicanHat
            ? PositionTemplates(placeCells).track(readout, windows: b, steps: t, starts: (0..<b).map { (truth[2 * $0 * t], truth[2 * $0 * t + 1]) })
            : placeCells.decodePositions(readout)
        let h = headDirectionCells.decode(logits: output.headDirectionLogits.reshaped([b * t, headDirectionCells.count]))
        positions = p.reshaped([b, t, 2]); headings = h.reshaped([b, t])
        let truthP = batch.positions.storage.pointer, truthH = batch.headings.storage.pointer
        let dp = p.storage.pointer, dh = h.storage.pointer
        var sumP: Float = 0, maxP: Float = 0, sumH: Float = 0, maxH: Float = 0, count: Float = 0
        for i in 0..<b { for s in 1..<max(t, 1) {
            let k = i * t + s
            let e = hypot(dp[2 * k] - truthP[2 * k], dp[2 * k + 1] - truthP[2 * k + 1])
            let a = abs(wrapAngle(dh[k] - truthH[k]))
            sumP += e; maxP = max(maxP, e); sumH += a; maxH = max(maxH, a); count += 1
        } }
        meanPosition = count > 0 ? sumP / count : 0; maxPosition = maxP
        meanHeading = count > 0 ? sumH / count : 0; maxHeading = maxH
    }
}
