// The paper's headline figure on our team search task: team success against bits per step for every method,
// with 95% Wilson intervals, on held-out mazes (two agents, 15×15, ground-truth perception), with `hrlicm` when
// Models/hrlicm is shipped. The full sweep
// behind README's table is `ssm sweep` (1,000 mazes); this page runs MAZES of them (default 200).
//
//   swift run -c release FigureBandwidthSweep [MAZES] [OUTPUT_FOLDER]
import Foundation
import HRLICM
import TeamSearch

let arguments = Array(CommandLine.arguments.dropFirst())
var config = BandwidthSweep.Config()
config.mazes = arguments.first.flatMap(Int.init) ?? 200
// The learned policy joins the scripted methods when its model is shipped (Models/hrlicm).
config.methods += HRLMethods.registerShipped().filter { $0 == "hrlicm" }.compactMap { TeamMethod(rawValue: $0) }
let output = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : "runs/figures/bandwidth-sweep")
let rows = try BandwidthSweep(config: config).run(into: output, jobs: ProcessInfo.processInfo.activeProcessorCount)
print(BandwidthSweep.table(rows))
print(output.appendingPathComponent("success_vs_bits.svg").path)
