// Figure 2 of the paper: grid-like units emerging during path-integration training. The same units'
// rate maps at several epochs, labelled with their gridness60 scores.
//
//   swift run -c release Figure2GridEmergence [RUN_FOLDER] [OUTPUT.svg]
//
// RUN_FOLDER is a `ssm grid train` run with epoch_N checkpoints (default: Models/gridcell).
import Foundation
import GridCell

let arguments = CommandLine.arguments.dropFirst()
let run = try GridCellRun(URL(fileURLWithPath: arguments.first ?? "Models/gridcell"))
let output = URL(fileURLWithPath: arguments.dropFirst().first ?? "runs/figures/figure2_grid_emergence.svg")
try GridFigures.emergence(run, units: 4).write(to: output)
print(output.path)
