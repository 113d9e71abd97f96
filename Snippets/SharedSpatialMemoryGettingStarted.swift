// Every module in one import: the map-reconstruction figure (BEV predictions fused along a held-out
// episode, at true poses and at poses the grid-cell path integrator dead-reckons).
// Run from the repository root (the models live in Models/).
import Foundation
import SharedSpatialMemory

var figure = MapReconstructionFigure()
figure.steps = 150
let (svg, summary) = try figure.make()
let file = FileManager.default.temporaryDirectory.appendingPathComponent("map-reconstruction.svg")
try svg.write(to: file)
print(summary)
print("figure:", file.path)
