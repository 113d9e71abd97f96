// Figure S1-A of the paper: convergence of the total, place and head-direction losses of path-integration
// training, from a run's metrics.jsonl.
//
//   swift run -c release FigureS1ALossCurves [RUN_FOLDER] [OUTPUT.svg]
import Foundation
import GridCell

let arguments = CommandLine.arguments.dropFirst()
let run = try GridCellRun(URL(fileURLWithPath: arguments.first ?? "Models/gridcell"))
let output = URL(fileURLWithPath: arguments.dropFirst().first ?? "runs/figures/figureS1A_loss_curves.svg")
try GridFigures.lossCurves(try run.metrics()).write(to: output)
print(output.path)
