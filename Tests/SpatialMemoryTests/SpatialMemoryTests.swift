import Foundation
import Testing
@testable import SpatialMemory
import MazeEnv
import Basics

@Suite("Spatial memory")
struct SpatialMemoryTests {
    @Test func perfectObservationsAlongATrajectoryReproduceTheLayoutExactly() throws {
        let world = try MazeWorld(size: 15, seed: 8)
        var map = OccupancyMap(size: 15)
        let explorer = FrontierExplorer.explore(world, steps: 600, seed: 8, renderer: nil) { _, env in
            map.integrate(.groundTruth(env.world.layout, pose: env.world.agents[0]), at: env.world.agents[0])
        }.explorer
        let m = map.metrics(against: world.layout)
        #expect(m.accuracy == 1, "every decided cell must match the layout")
        #expect(m.coverage > 0.95, "coverage \(m.coverage)")
        // Every cell the map decided was seen by the explorer, and vice versa.
        for y in 0..<15 { for x in 0..<15 { #expect((map.isFree(x, y) != nil) == explorer.seen[y * 15 + x]) } }
    }

    @Test func bevImagesReadBackAsTheVisibleFreeCells() throws {
        let world = try MazeWorld(size: 15, seed: 3)
        for step in 0..<60 {
            world.step([step % 7 == 0 ? .left : .forward])
            let pose = world.agents[0]
            let fromImage = LocalObservation(bev: world.localBEV(agent: 0))
            let truth = LocalObservation.groundTruth(world.layout, pose: pose)
            // The 250-pixel image shows the cells within ±7 of the agent whole (the original's ±10 are clipped).
            for dy in -7...7 { for dx in -7...7 {
                // Free cells in view are exactly the opaque ones; the image says nothing about the rest.
                let expected: Float? = truth[dx, dy] == 1 ? 1 : nil
                let got = fromImage[dx, dy].map { $0 > 0.5 ? Float(1) : nil } ?? nil
                #expect(got == expected, "step \(step) cell (\(dx), \(dy))")
            } }
        }
        // North-up images (yDown false) read back the same.
        var config = BEVConfig(); config.yDown = false
        let a = LocalObservation(bev: world.localBEV(agent: 0, config: config), config: config)
        let b = LocalObservation(bev: world.localBEV(agent: 0))
        #expect(a == b)
    }

    @Test func quarterTurnsTakeEgocentricWindowsToTheWorldAndBack() {
        var rng = RandomGenerator(seed: 4)
        let o = LocalObservation(radius: 3, freeProbability: (0..<49).map { _ in rng.nextUniform() < 0.3 ? nil : rng.nextUniform() })
        #expect(o.rotated(quarterTurns: 4) == o && o.rotated(quarterTurns: 1).rotated(quarterTurns: -1) == o)
        #expect(o.rotated(quarterTurns: 2) == o.rotated(quarterTurns: 1).rotated(quarterTurns: 1))
        // A cell straight ahead (+y in an egocentric, heading-up window) lands at +x for heading 0 (east),
        // i.e. a quarter turn clockwise.
        var ahead = [Float?](repeating: nil, count: 49)
        ahead[(3 + 2) * 7 + 3] = 1                      // (dx 0, dy +2)
        let world = LocalObservation(radius: 3, freeProbability: ahead).rotated(quarterTurns: -1)
        #expect(world[2, 0] == 1 && world[0, 2] == nil)
    }

    @Test func mergingASecondAgentsMapAddsItsCellsAndRegionsLimitIt() throws {
        let world = try MazeWorld(size: 15, seed: 9, agents: 2)
        var a = OccupancyMap(size: 15), b = OccupancyMap(size: 15)
        a.integrate(.groundTruth(world.layout, pose: world.agents[0]), at: world.agents[0])
        b.integrate(.groundTruth(world.layout, pose: world.agents[1]), at: world.agents[1])
        b.sight(target: 2, x: 4, y: 5)
        var merged = a
        merged.merge(b)
        #expect(merged.metrics(against: world.layout).decidedCells >= max(a.metrics(against: world.layout).decidedCells, b.metrics(against: world.layout).decidedCells))
        #expect(merged.metrics(against: world.layout).accuracy == 1 && merged.targets[2]! == (4, 5))
        var left = a
        left.merge(b, region: { x, _ in x < 7 })
        for y in 0..<15 { for x in 7..<15 { #expect(left.isFree(x, y) == a.isFree(x, y)) } }
    }

    @Test func wrongEvidenceIsOutvotedAndDecayForgets() {
        var map = OccupancyMap(size: 3)
        let pose = AgentState(x: 1.5, y: 1.5, heading: 0)
        var wrong = [Float?](repeating: nil, count: 9); wrong[4] = 0.1
        var right = wrong; right[4] = 0.9
        map.integrate(LocalObservation(radius: 1, freeProbability: wrong), at: pose)
        #expect(map.isFree(1, 1) == false)
        for _ in 0..<2 { map.integrate(LocalObservation(radius: 1, freeProbability: right), at: pose) }
        #expect(map.isFree(1, 1) == true)
        map.decay = 0.5
        for _ in 0..<40 { map.integrate(LocalObservation(radius: 1, freeProbability: [Float?](repeating: nil, count: 9)), at: pose) }
        #expect(abs(map.logOdds[4]) < 1e-6)
    }
}
