// The paper's Video 3 as a figure: what a false sighting (fake target), a ghost wall region (ghost map) and
// losing every message (drop all) do to two `event` agents at 4 bits per step, against the same held-out
// mazes untouched: success with 95% Wilson intervals, and the steps of episodes that succeed both ways.
//
//   swift run -c release FigureInterventions [MAZES] [OUTPUT.svg]
import Foundation
import TeamSearch

let arguments = Array(CommandLine.arguments.dropFirst())
let mazes = arguments.first.flatMap(Int.init) ?? 300
let output = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : "runs/figures/interventions.svg")
let jobs = ProcessInfo.processInfo.activeProcessorCount
let results = try TeamIntervention.Kind.allCases.map { try TeamIntervention($0, config: TeamSearchConfig(), mazes: mazes, jobs: jobs) }
try TeamIntervention.figure(results).write(to: output)
for r in results { print(r) }
print(output.path)
