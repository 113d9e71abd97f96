// Fusing what an agent sees along its path into an allocentric occupancy map, and scoring it.
import Foundation
import MazeEnv
import SpatialMemory

let world = try MazeWorld(size: 15, seed: 3)
let env = MultiAgentEnv(world: world)
var explorer = [FrontierExplorer(size: 15, seed: 3)]
var map = OccupancyMap(size: 15)

Rollout.run(env, policies: &explorer, steps: 200) { _, env in
    // The exact local view here; the BEV module's learned prediction is the same type.
    let pose = env.world.agents[0]
    map.integrate(LocalObservation.groundTruth(env.world.layout, pose: pose), at: pose)
}
let m = map.metrics(against: world.layout)
print(String(format: "coverage %.0f%%, accuracy %.1f%%, free-space IoU %.2f", m.coverage * 100, m.accuracy * 100, m.freeIoU))
try map.image().write(to: FileManager.default.temporaryDirectory.appendingPathComponent("map.png"))
