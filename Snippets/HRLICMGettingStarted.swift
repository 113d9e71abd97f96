// The shipped learned team policy (meta-controller, communication heads, curiosity; trained with MAPPO)
// beside the hand-designed `event` protocol on the same held-out mazes at 4 bits per step.
// Run from the repository root (the model lives in Models/hrlicm).
import Foundation
import HRLICM
import InfoBottleneck
import TeamSearch

let registered = HRLMethods.registerShipped()  // "hrlicm" and its ablations, by name, for any experiment
print("learned methods:", registered.joined(separator: ", "))

var task = TeamSearchConfig()
task.rate = BitRate(4)
for name in ["event", "hrlicm"] {
    let method = TeamMethod(rawValue: name)!
    let results = try (0..<6).map { try TeamEpisode.run(method, config: task, seed: 2_000_000 + UInt64($0)) }
    print(name, "found the object in", results.filter(\.success).count, "of", results.count,
          "mazes; wire bits per agent-step", results.map(\.wireBitsPerAgentStep).reduce(0, +) / Double(results.count))
}
