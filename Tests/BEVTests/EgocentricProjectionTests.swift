import Foundation
import Testing
@testable import BEV
import SpatialMemory
import MazeEnv
import Tensor

@Suite("Egocentric predictions to the world frame")
struct EgocentricProjectionTests {
    /// A perfect egocentric BEV, projected back at any heading, says exactly what the layout says about the
    /// visible cells it covers: floor free, the walls that bound the view walls, nothing about the rest.
    @Test func perfectPredictionsProjectToTheTrueCells() throws {
        let world = try MazeWorld(size: 15, seed: 5)
        let geometry = EgocentricBEV()
        var rng = RandomGenerator(seed: 11)
        var checked = 0
        for _ in 0..<40 {
            let free = world.layout.freeCells, c = free[rng.nextInt(free.count)]
            let pose = AgentState(x: Float(c.x) + 0.3 + 0.4 * rng.nextUniform(), y: Float(c.y) + 0.3 + 0.4 * rng.nextUniform(),
                                  heading: rng.nextUniform() * 2 * .pi - .pi)
            let bev = geometry.render(world.layout, pose: pose, targets: world.targets)
            let o = LocalObservation(egocentricPrediction: bev, geometry: geometry, pose: pose, mazeSize: 15)
            let truth = LocalObservation.groundTruth(world.layout, pose: pose, radius: 9)
            for dy in -9...9 { for dx in -9...9 {
                guard let p = o[dx, dy] else { continue }
                #expect(truth[dx, dy] != nil, "pose \(pose): cell (\(dx), \(dy)) was not in view")
                if let t = truth[dx, dy] { #expect((p > 0.5) == (t > 0.5), "pose \(pose): cell (\(dx), \(dy)) free \(p) vs \(t)"); checked += 1 }
            } }
        }
        #expect(checked > 300)
    }

    @Test func aCellAheadLandsAheadForEveryHeading() {
        // One opaque cell-sized square 2.5…3.5 cells straight ahead (4 pixels per cell), the rest transparent:
        // from a cell centre it is the cell 3 along the heading.
        let geometry = EgocentricBEV()
        var alpha = [Float](repeating: 0, count: 64 * 64)
        for row in 18..<22 { for col in 30..<34 { alpha[row * 64 + col] = 1 } }
        for (heading, dx, dy) in [(Float(0), 3, 0), (.pi / 2, 0, 3), (.pi, -3, 0), (-.pi / 2, 0, -3)] {
            let pose = AgentState(x: 7.5, y: 7.5, heading: heading)
            let o = LocalObservation(egocentricAlpha: alpha, geometry: geometry, pose: pose, mazeSize: 15)
            #expect((o[dx, dy] ?? 0) > 0.5, "heading \(heading)")
            #expect(o[-dx, -dy] == nil, "behind the agent nothing is known (heading \(heading))")
        }
    }

    @Test func perfectPredictionsAlongAnEpisodeMapTheVisitedMaze() throws {
        let world = try MazeWorld(size: 15, seed: 8)
        let frames = EpisodeFrame.frames(of: FrontierExplorer.explore(world, steps: 400, seed: 8).trajectory)
        let mapper = EpisodeMapper(source: .groundTruth(layout: world.layout, targets: world.targets, geometry: EgocentricBEV()), every: 4)
        var fused = 0
        let map = mapper.map(frames, mazeSize: 15) { _, _ in fused += 1 }
        let m = map.metrics(against: world.layout)
        #expect(fused == 100)
        #expect(m.accuracy > 0.99, "accuracy \(m.accuracy)")
        #expect(m.coverage > 0.8, "coverage \(m.coverage)")
    }
}

@Suite("Egocentric image geometry")
struct EgocentricGeometryTests {
    /// Pixel → world → pixel is the identity, and world → pixel → world lands within half a pixel's diagonal.
    @Test func pixelsAndWorldPointsInvertEachOther() {
        let g = EgocentricBEV()
        var rng = RandomGenerator(seed: 21)
        for _ in 0..<200 {
            let pose = AgentState(x: 15 * rng.nextUniform(), y: 15 * rng.nextUniform(), heading: 7 * rng.nextUniform() - 3.5)
            let row = rng.nextInt(64), col = rng.nextInt(64)
            let w = g.worldPoint(row: row, col: col, pose: pose)
            let back = g.pixel(x: w.x, y: w.y, pose: pose)
            #expect(back?.row == row && back?.col == col)
            let x = pose.x + 6 * rng.nextUniform() - 3, y = pose.y + 6 * rng.nextUniform() - 3
            if let p = g.pixel(x: x, y: y, pose: pose) {
                let c = g.worldPoint(row: p.row, col: p.col, pose: pose)
                let halfDiagonal: Float = 0.125 * 1.414_214       // a pixel is a quarter cell
                #expect(hypot(c.x - x, c.y - y) <= halfDiagonal + 1e-4)
            }
        }
        // Straight ahead is up the image, the agent's right is the image's right.
        let east = AgentState(x: 5, y: 5, heading: 0)
        #expect(g.pixel(x: 7, y: 5, pose: east)!.row < 32 && g.pixel(x: 5, y: 4, pose: east)!.col >= 32)
        #expect(g.pixel(x: 14, y: 5, pose: east) == nil, "9 cells ahead is off a 16-cell-wide image")
    }
}
