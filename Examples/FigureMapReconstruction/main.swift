// The spatial-memory reconstruction figure (the original's SLAM demo, with the rotation back to
// the world frame it lacked): one agent explores a held-out maze; its map from the shipped BEV model grows
// along the episode (top row, true poses); below, the final maps from perfect BEVs and from the BEV model at
// poses dead-reckoned by the grid-cell path integrator.
//
//   swift run -c release FigureMapReconstruction [SEED] [OUTPUT_FOLDER]
import Foundation
import SharedSpatialMemory
import Tensor

Allocator.retainFreedMemory()
let arguments = Array(CommandLine.arguments.dropFirst())
var figure = MapReconstructionFigure()
figure.seed = arguments.first.flatMap(UInt64.init) ?? 7
let output = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : "runs/figures/map").appendingPathComponent("figure_map_reconstruction.svg")
let (svg, summary) = try figure.make()
try svg.write(to: output)
print(summary)
print(output.path)
