// A line plot (SVG) and a heat map (PNG) of a 2-d function.
import Foundation
import Basics
import Plotting

let curve = (0...100).map { i in (x: Double(i), y: exp(-Double(i) / 30)) }
let plot = linePlot([Series("decay", curve, color: seriesColors[0])], title: "A falling loss", xLabel: "step", yLabel: "loss")
let dir = FileManager.default.temporaryDirectory
try plot.write(to: dir.appendingPathComponent("loss.svg"))

let side = 40
let values = (0..<side * side).map { i in cos(Double(i % side) / 4) * cos(Double(i / side) / 4) }
try heatmap(values, rows: side, columns: side).write(to: dir.appendingPathComponent("rate-map.png"))
print("wrote", dir.appendingPathComponent("loss.svg").path, "and rate-map.png")
