// A 15×15 maze, one agent exploring it with the frontier explorer, and its first egocentric frame as a PNG.
import Foundation
import MazeEnv

let world = try MazeWorld(size: 15, seed: 7)
let env = MultiAgentEnv(world: world, renderer: EgocentricRenderer())
var explorers = [FrontierExplorer(size: 15, seed: 7)]

// Each policy sees only its own observation (self-motion, perception, messages), never the world.
let trajectory = Rollout.run(env, policies: &explorers, steps: 300)
print("steps:", trajectory.steps, "coverage:", explorers[0].coverage(of: world.layout), "wall bumps:", world.wallBumps[0])

let frame = EgocentricRenderer().render(world, agent: 0)
let file = FileManager.default.temporaryDirectory.appendingPathComponent("frame.png")
try frame.write(to: file)
print("64×64 view written to", file.path)
