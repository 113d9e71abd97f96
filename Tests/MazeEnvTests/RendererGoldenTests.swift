import Foundation
import Testing
import Basics
@testable import MazeEnv

/// The renderer's output, pinned: any change to what it draws (on purpose or by an optimisation) changes the
/// digest. Views from random walks in three mazes, with other agents and targets in sight, at the default camera
/// and at a wider, larger one.
@Suite("Renderer golden images")
struct RendererGoldenTests {
    static func digest(size: Int, seed: UInt64, agents: Int, config: RenderConfig, steps: Int) throws -> UInt64 {
        let world = try MazeWorld(size: size, seed: seed, agents: agents, teamMode: agents > 1)
        let renderer = EgocentricRenderer(config: config)
        var rng = RandomGenerator(seed: seed &+ 100)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 // FNV-1a
        for _ in 0..<steps {
            _ = world.step((0..<agents).map { _ in MazeAction.random(&rng) })
            for a in 0..<agents {
                for byte in renderer.render(world, agent: a).pixels { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            }
        }
        return h
    }

    @Test func viewsAreUnchanged() throws {
        var wide = RenderConfig()
        wide.width = 96; wide.height = 80; wide.fieldOfViewDegrees = 80; wide.cameraHeight = 0.2
        let digests = [
            try Self.digest(size: 9, seed: 1, agents: 2, config: RenderConfig(), steps: 150),
            try Self.digest(size: 15, seed: 2, agents: 4, config: RenderConfig(), steps: 150),
            try Self.digest(size: 15, seed: 3, agents: 2, config: wide, steps: 100),
        ]
        #expect(digests == [0x2b1e_4670_f6bb_17d1, 0xeb23_13fe_eaba_c04a, 0x1a29_1973_08bf_61e8],
                "digests now: \(digests.map { String($0, radix: 16) })")
    }

    /// The Memory-Maze look (its camera 0.45 cells up, 0.075 ahead), pinned the same way; its camera is pitched down, so the horizon is above the middle
    /// (and below it when pitched up), and the flat look's pixels do not move.
    @Test func memoryMazeViewsAreUnchangedAndThePitchMovesTheHorizon() throws {
        let digests = [
            try Self.digest(size: 9, seed: 1, agents: 2, config: .memoryMaze, steps: 150),
            try Self.digest(size: 15, seed: 2, agents: 4, config: .memoryMaze, steps: 150),
        ]
        #expect(digests == [0xab0f_7b24_af13_36b7, 0x6a03_9f75_3a00_9a9e], "digests now: \(digests.map { String($0, radix: 16) })")
        let focal: Float = RenderConfig.memoryMaze.focal, pitch: Float = 5.71 * .pi / 180
        let expected: Float = 32 - focal * tan(pitch)
        #expect(abs(RenderConfig.memoryMaze.horizon - expected) < 1e-4)
        var up = RenderConfig.memoryMaze
        up.tiltDegrees = -5
        #expect(up.horizon > 32 && RenderConfig().horizon == 32)
        // Pitching down shows more floor: more rows of the view below the horizon.
        let world = try MazeWorld(size: 15, seed: 4)
        var level0 = RenderConfig.memoryMaze
        level0.tiltDegrees = 0
        let a = EgocentricRenderer(config: level0).render(world, agent: 0), b = EgocentricRenderer(config: .memoryMaze).render(world, agent: 0)
        #expect(a.pixels != b.pixels)
        #expect(EgocentricRenderer.panelShade(u: 0.5, z: 0.01, wallHeight: 0.75) < EgocentricRenderer.panelShade(u: 0.3, z: 0.4, wallHeight: 0.75))
    }

    /// Memory-Maze's wall blocks: a 15×15 arena is 17 cells a side with the ring, split at padded 5 and 11; our
    /// row y is its padded row 15 − y. A 9×9 arena is 11 a side, split at 3 and 7.
    @Test func memoryMazeWallBlocksKnownAnswers() {
        #expect(EgocentricRenderer.memoryMazeWallBlock(-1, 15, size: 15) == 0)   // top-left corner of the ring
        #expect(EgocentricRenderer.memoryMazeWallBlock(3, 11, size: 15) == 0)    // padded (4, 4)
        #expect(EgocentricRenderer.memoryMazeWallBlock(4, 11, size: 15) == 1)    // padded column 5
        #expect(EgocentricRenderer.memoryMazeWallBlock(3, 10, size: 15) == 3)    // padded row 5
        #expect(EgocentricRenderer.memoryMazeWallBlock(15, -1, size: 15) == 8)   // bottom-right corner
        #expect(EgocentricRenderer.memoryMazeWallBlock(7, 7, size: 15) == 4)     // padded (8, 8): the middle
        #expect(EgocentricRenderer.memoryMazeWallBlock(9, 4, size: 15) == 7)     // padded row 11, column 10
        #expect(EgocentricRenderer.memoryMazeWallBlock(1, 7, size: 9) == 0 && EgocentricRenderer.memoryMazeWallBlock(2, 6, size: 9) == 4)
        #expect(Set((-1...15).flatMap { x in (-1...15).map { EgocentricRenderer.memoryMazeWallBlock(x, $0, size: 15) } }) == Set(0..<9))
    }

    /// A camera mounted ahead of the agent sees what a camera at the agent's position would see from that far
    /// ahead: the same pixels, for poses facing every way.
    @Test func aCameraAheadSeesWhatTheAgentWouldSeeFromThere() throws {
        let mounted = RenderConfig.memoryMaze
        var atBody = mounted
        atBody.cameraForward = nil
        let ahead = try #require(mounted.cameraForward)
        #expect(ahead == 0.075 && mounted.cameraHeight == 0.45)
        let world = try MazeWorld(size: 15, seed: 6, agents: 2)
        var rng = RandomGenerator(seed: 9)
        for _ in 0..<40 {
            let free = world.layout.freeCells, c = free[rng.nextInt(free.count)], heading = rng.nextUniform() * 2 * .pi - .pi
            let x = Float(c.x) + 0.5, y = Float(c.y) + 0.5
            world.place(0, x: x, y: y, heading: heading)
            let a = EgocentricRenderer(config: mounted).render(world, agent: 0)
            world.place(0, x: x + ahead * cos(heading), y: y + ahead * sin(heading), heading: heading)
            let b = EgocentricRenderer(config: atBody).render(world, agent: 0)
            #expect(a.pixels == b.pixels)
        }
    }
}
