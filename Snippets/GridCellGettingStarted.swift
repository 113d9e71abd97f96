// The shipped grid-cell network: how well it integrates held-out paths, and how grid-like its units are.
// Run from the repository root (the model lives in Models/gridcell).
import Foundation
import GridCell

let evaluation = try GridCellEvaluation(checkpoint: URL(fileURLWithPath: "Models/gridcell/model.safetensors"))
let report = try evaluation.pathIntegration(batches: 1)
print(String(format: "position error %.2f cells over %d held-out windows of %d steps",
             report.meanPositionErrorCells, report.windows, report.windowSteps))

// Gridness (60° rotational symmetry of each unit's spatial autocorrelogram), here from a small sample.
let analysis = try evaluation.gridness(samples: 20_000)
let best = analysis.ranking[0]
print(String(format: "%.0f%% of %d units above gridness 0.3; best unit %d scores %.2f",
             analysis.fractionAbove(0.3) * 100, analysis.scores.count, best, analysis.scores[best].gridness60))
