// The shipped BEV model and target detector on rendered frames: the top-down map around the agent and the
// objects in view, checked against the layout. Run from the repository root (the models live in Models/bev
// and Models/detector).
import Foundation
import MazeEnv
import BEV
import SpatialMemory

let world = try MazeWorld(size: 15, seed: 11)
let env = MultiAgentEnv(world: world, renderer: EgocentricRenderer())
var explorer = FrontierExplorer(size: 15, seed: 11)
// Explore until an object is in view (the exact perception says so; the model is not told).
while env.observations[0].perception.targets.isEmpty && world.stepCount < 400 {
    env.step([explorer.act(env.observations[0])])
}

let perception = try LearnedPerception.shipped()
let pose = world.agents[0]
let (local, targets) = perception.observe(view: env.observations[0].view!, pose: pose, mazeSize: 15,
                                          colors: world.targets.map(\.color))
let truth = LocalObservation.groundTruth(world.layout, pose: pose)
var agree = 0, judged = 0
for dy in -local.radius...local.radius { for dx in -local.radius...local.radius {
    guard let p = local[dx, dy], let t = truth[dx, dy] else { continue }
    judged += 1; agree += (p > 0.5) == (t > 0.5) ? 1 : 0
} }
print("cells in view judged:", judged, "agreeing with the layout:", agree)
print("objects in view:", env.observations[0].perception.targets.map(\.index), "detected:", targets.map(\.index))
