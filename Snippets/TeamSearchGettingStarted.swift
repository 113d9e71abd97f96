// The team search task: two agents at 4 bits per step, the hand-designed `event` protocol against no
// communication on the same held-out mazes, with 95% intervals; then one episode stepped by hand.
import Foundation
import InfoBottleneck
import TeamSearch

var task = TeamSearchConfig()
task.mazeSize = 9
task.rate = BitRate(4)
for method in [TeamMethod.none, .event] {
    let results = try (0..<20).map { try TeamEpisode.run(method, config: task, seed: 2_000_000 + UInt64($0)) }
    let wins = results.filter(\.success).count
    let ci = wilsonInterval(successes: wins, trials: results.count)
    print(String(format: "%@: %d/%d succeed (95%% CI %.2f–%.2f)", method.rawValue, wins, results.count, ci.lower, ci.upper))
}

// The gymnasium shape: reset by seed, step with every agent's action, read per-agent observations. Policies
// receive observations only (self-motion, local perception, delivered messages), never the environment.
let env = try TeamSearchEnv(config: task, seed: 2_000_000)
var team = TeamMember.team(.event, config: task, objects: env.observations()[0].colors.count, seed: 1)
var observations = env.observations()
while true {
    let outcome = env.step(team.indices.map { team[$0].act(observations[$0]) })
    observations = outcome.observations
    if outcome.terminated || outcome.truncated { print("episode over after", env.step, "steps, found:", outcome.terminated); break }
}
