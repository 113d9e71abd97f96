// The paper's social place cell figure: example units of each type (pure place cell, pure social place
// cell, special SPC) in the four probe conditions, and the population breakdown.
//
//   swift run -c release FigureSPC [CHECKPOINT] [OUTPUT_FOLDER]
import Foundation
import Plotting
import SocialPlaceCell

let arguments = CommandLine.arguments.dropFirst()
let network = try SocialGridCellNetwork.load(URL(fileURLWithPath: arguments.first ?? "Models/spc/model.safetensors"))
let output = URL(fileURLWithPath: arguments.dropFirst().first ?? "runs/figures/spc")
let analysis = SocialProbeAnalysis(network: network)
try SocialFigures.examples(analysis).write(to: output.appendingPathComponent("figure_spc_examples.svg"))
try SocialFigures.breakdown(analysis).write(to: output.appendingPathComponent("figure_spc_population.svg"))
print(output.path)
