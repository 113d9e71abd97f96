import Foundation
import Testing
@testable import MazeEnv
import Basics

@Suite("Maze generation")
struct MazeGenerationTests {
    @Test(arguments: [9, 11, 13, 15])
    func everyFreeCellIsReachableOver1000Seeds(size: Int) throws {
        let config = try MazeConfig.memoryMaze(size)
        for seed in 0..<1000 {
            let maze = MazeGenerator.generate(config, seed: UInt64(seed))
            #expect(maze.layout.isConnected, "size \(size) seed \(seed) is not connected:\n\(maze.layout.picture)")
            #expect(maze.layout.roomCount >= config.targets, "size \(size) seed \(seed): \(maze.layout.roomCount) rooms")
            for s in maze.spawns + maze.targetSites {
                #expect(maze.layout.isFree(point: s.x, s.y))
            }
            if !maze.layout.isConnected { return }
        }
    }

    @Test func sameSeedSameMazeOtherSeedOtherMaze() throws {
        let config = try MazeConfig.memoryMaze(15)
        let a = MazeGenerator.generate(config, seed: 7), b = MazeGenerator.generate(config, seed: 7)
        let c = MazeGenerator.generate(config, seed: 8)
        #expect(a.layout == b.layout)
        #expect(a.layout != c.layout)
        let w1 = try MazeWorld(size: 15, seed: 3, agents: 2), w2 = try MazeWorld(size: 15, seed: 3, agents: 2)
        for _ in 0..<50 { w1.step([.forward, .left]); w2.step([.forward, .left]) }
        #expect(w1.agents == w2.agents && w1.targets == w2.targets)
    }

    @Test func layoutRowsRoundTripAndRejectBadInput() throws {
        let maze = MazeGenerator.generate(try MazeConfig.memoryMaze(9), seed: 1)
        #expect(try MazeLayout(rows: maze.layout.rows).cells == maze.layout.cells)
        #expect(throws: MazeError.self) { try MazeLayout(rows: [[1, 0], [1]]) }
        #expect(throws: MazeError.self) { try MazeLayout(rows: [[1, 2], [1, 1]]) }
        #expect(throws: MazeError.self) { try MazeConfig.memoryMaze(10) }
    }
}

@Suite("Agents and task")
struct WorldTests {
    /// 100,000 random actions with three agents: nobody enters a wall or another agent.
    @Test func noWallPenetrationOrOverlapUnderRandomActions() throws {
        let world = try MazeWorld(size: 11, seed: 5, agents: 3)
        var rng = RandomGenerator(seed: 9)
        let r = world.kinematics.radius
        for _ in 0..<33_334 {
            world.step((0..<3).map { _ in MazeAction(rawValue: rng.nextInt(6))! })
            for (i, a) in world.agents.enumerated() {
                // The body's square hull lies in free cells only.
                for (px, py) in [(a.x - r, a.y - r), (a.x + r, a.y - r), (a.x - r, a.y + r), (a.x + r, a.y + r), (a.x, a.y)] {
                    #expect(world.layout.isFree(point: px, py), "agent \(i) at (\(a.x), \(a.y)) touches a wall")
                }
                for b in world.agents[(i + 1)...] {
                    #expect(hypot(a.x - b.x, a.y - b.y) >= 2 * r - 1e-4, "agents overlap")
                }
            }
        }
    }

    /// Bodies block each other head-on, until one of them stands aside: then they pass through each other.
    @Test func standingAsideLetsPartnersPass() throws {
        let open = MazeLayout(size: 9, cells: [UInt8](repeating: 1, count: 81))
        let maze = Maze(layout: open, config: try MazeConfig.memoryMaze(9), seed: 0, spawns: [(1.5, 4.5), (3.5, 4.5)],
                        targetSites: [(8.5, 8.5), (0.5, 8.5), (8.5, 0.5)])
        let w = MazeWorld(maze: maze, agents: 2)
        w.place(0, x: 1.5, y: 4.5, heading: 0); w.place(1, x: 3.5, y: 4.5, heading: 0)
        for _ in 0..<12 { w.step([.forward, .noop]) }
        #expect(abs(w.agents[0].x - 3.1) < 0.02, "a standing partner stops the walker one body ahead")
        w.standAside(1)
        for _ in 0..<4 { w.step([.forward, .noop]) }
        #expect(w.agents[0].x > 3.8, "the walker passes through a partner that stands aside")
    }

    @Test func kinematicsMatchMemoryMaze() throws {
        let world = try MazeWorld(size: 15, seed: 1)
        world.place(0, x: 0.5, y: 0.5, heading: 0)
        world.step([.left])
        #expect(abs(world.agents[0].heading - 0.32) < 1e-6)
        world.step([.right]); world.step([.right])
        #expect(abs(world.agents[0].heading + 0.32) < 1e-6)
        // Cruise speed: after a few forward steps in open space the agent advances 0.25 cells per step.
        var k = Kinematics(); k.acceleration = 1
        let open = MazeLayout(size: 9, cells: [UInt8](repeating: 1, count: 81))
        let maze = Maze(layout: open, config: try MazeConfig.memoryMaze(9), seed: 0, spawns: [(1.5, 4.5)],
                        targetSites: [(8.5, 8.5), (0.5, 8.5), (8.5, 0.5)])
        let w = MazeWorld(maze: maze, kinematics: k)
        w.place(0, x: 1.5, y: 4.5, heading: 0)
        w.step([.forward])
        #expect(abs(w.agents[0].x - 1.75) < 1e-5 && abs(w.agents[0].y - 4.5) < 1e-5)
    }

    @Test func touchingTheTargetScoresAndDrawsAnother() throws {
        let open = MazeLayout(size: 9, cells: [UInt8](repeating: 1, count: 81))
        let maze = Maze(layout: open, config: try MazeConfig.memoryMaze(9), seed: 0, spawns: [(1.5, 1.5), (7.5, 7.5)],
                        targetSites: [(4.5, 1.5), (0.5, 8.5), (8.5, 0.5)])
        var k = Kinematics(); k.acceleration = 1
        let w = MazeWorld(maze: maze, agents: 2, teamMode: true, kinematics: k)
        let goal = w.targets.firstIndex { $0.x == 4.5 && $0.y == 1.5 }!
        w.setCurrentTarget(0, goal); w.setCurrentTarget(1, goal)
        w.place(0, x: 3.5, y: 1.5, heading: 0)
        w.place(1, x: 7.5, y: 7.5, heading: 0)
        var total: [Float] = [0, 0]
        for _ in 0..<4 { let r = w.step([.forward, .noop]); total = zip(total, r.rewards).map(+) }
        #expect(total == [1, 1], "team mode: both agents get the team's reward")
        #expect(w.currentTarget[0] != goal && w.currentTarget[0] == w.currentTarget[1])
    }
}

@Suite("Renderer and ground truth")
struct RenderTests {
    /// A corridor along +x ending in a wall; the agent faces it from the cell centre.
    func corridor(length: Int) throws -> MazeWorld {
        var cells = [UInt8](repeating: 0, count: 81)
        for x in 0..<length { cells[4 * 9 + x] = 1 }
        let layout = MazeLayout(size: 9, cells: cells)
        let maze = Maze(layout: layout, config: try MazeConfig.memoryMaze(9), seed: 0, spawns: [(0.5, 4.5)],
                        targetSites: [(8.5, 8.5), (8.5, 0.5), (0.5, 0.5)])
        let w = MazeWorld(maze: maze)
        w.place(0, x: 0.5, y: 4.5, heading: 0)
        return w
    }

    @Test(arguments: [2, 4, 6])
    func wallAheadHasTheExpectedHeight(length: Int) throws {
        let w = try corridor(length: length)
        var config = RenderConfig(); config.targetBorder = false
        let img = EgocentricRenderer(config: config).render(w, agent: 0)
        let d = Float(length) - 0.5 // from the cell centre to the end wall
        let expected = config.focal * config.wallHeight / d
        // Count wall rows in the centre column: wall pixels differ from both the sky and the floor gradient.
        let col = 32
        let wall = EgocentricRenderer.wallColor(length, 4, seed: 0)
        let shade = 1 / (1 + 0.04 * d)
        var rows = 0
        for row in 0..<64 {
            let o = (row * 64 + col) * 3
            let matches = (0..<3).allSatisfy { abs(Float(img.pixels[o + $0]) - (wall[$0] * shade * 255).rounded(.down)) <= 1 }
            if matches { rows += 1 }
        }
        #expect(abs(Float(rows) - expected) <= 1.5, "wall at \(d) cells: \(rows) rows, expected \(expected)")
    }

    @Test func targetStraightAheadIsCentred() throws {
        let open = MazeLayout(size: 9, cells: [UInt8](repeating: 1, count: 81))
        let maze = Maze(layout: open, config: try MazeConfig.memoryMaze(9), seed: 0, spawns: [(1.5, 4.5)],
                        targetSites: [(5.5, 4.5), (0.5, 8.5), (8.5, 0.5)])
        let w = MazeWorld(maze: maze)
        w.place(0, x: 1.5, y: 4.5, heading: 0)
        var config = RenderConfig(); config.targetBorder = false
        let img = EgocentricRenderer(config: config).render(w, agent: 0)
        let t = w.targets.first { $0.x == 5.5 }!
        // Columns whose pixels carry the target's hue (red channel dominant for red, etc.): find its extent.
        var cols: [Int] = []
        for col in 0..<64 {
            for row in 32..<64 {
                let o = (row * 64 + col) * 3
                let c = (Float(img.pixels[o]), Float(img.pixels[o + 1]), Float(img.pixels[o + 2]))
                let tc = t.color.map { $0 * 255 }
                let dot = (c.0 * tc[0] + c.1 * tc[1] + c.2 * tc[2]) / ((c.0 * c.0 + c.1 * c.1 + c.2 * c.2).squareRoot() * (tc[0] * tc[0] + tc[1] * tc[1] + tc[2] * tc[2]).squareRoot() + 1e-6)
                if dot > 0.995 { cols.append(col); break }
            }
        }
        #expect(!cols.isEmpty)
        let centre = Float(cols.min()! + cols.max()!) / 2 + 0.5
        #expect(abs(centre - 32) <= 1, "target centred at column \(centre)")
        let expectedRadius = config.focal * w.targetRadius / 4
        #expect(abs(Float(cols.count) / 2 - expectedRadius) <= 1.5)
    }

    @Test func visibilityStopsAtWallsAndBEVMarksVisibleFloor() throws {
        let w = try corridor(length: 5)
        let seen = w.visibleCells(agent: 0)
        for x in 0..<5 { #expect(seen[4 * 9 + x], "corridor cell \(x) visible") }
        #expect(seen[4 * 9 + 5], "the end wall is seen")
        #expect(!seen[4 * 9 + 6], "nothing behind the wall")
        let bev = w.localBEV(agent: 0, config: { var c = BEVConfig(); c.drawAgent = false; return c }())
        // Alpha is opaque exactly on the five corridor cells (5 × 16 × 16 pixels).
        let opaque = stride(from: 3, to: bev.pixels.count, by: 4).filter { bev.pixels[$0] == 255 }.count
        #expect(opaque == 5 * 16 * 16)
    }

    @Test func plannerFindsShortestPathsAndExplorerCovers() throws {
        let maze = MazeGenerator.generate(try MazeConfig.memoryMaze(9), seed: 2)
        let free = maze.layout.freeCells
        let path = GridPlanner.path(in: maze.layout, from: free.first!, to: free.last!)
        #expect(path != nil && path!.count >= abs(free.first!.x - free.last!.x) + abs(free.first!.y - free.last!.y) + 1)
        let w = MazeWorld(maze: maze, seed: 2)
        let explorer = FrontierExplorer.explore(w, steps: 600, seed: 1, renderer: nil).explorer
        #expect(explorer.coverage(of: maze.layout) > 0.9, "coverage \(explorer.coverage(of: maze.layout))")
    }
}
