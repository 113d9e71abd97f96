import Basics

/// Memory-Maze's task presets (jurgisp/memory-maze `tasks.py`).
public struct MazeConfig: Codable, Equatable, Sendable {
    /// Inner cells per side (odd).
    public var mazeSize: Int
    public var maxRooms: Int
    public var roomMinSize: Int
    public var roomMaxSize: Int
    /// Number of coloured targets.
    public var targets: Int
    /// Episode length in agent steps.
    public var episodeSteps: Int

    public init(mazeSize: Int, maxRooms: Int, roomMinSize: Int, roomMaxSize: Int, targets: Int, episodeSteps: Int) {
        self.mazeSize = mazeSize; self.maxRooms = maxRooms; self.roomMinSize = roomMinSize
        self.roomMaxSize = roomMaxSize; self.targets = targets; self.episodeSteps = episodeSteps
    }

    /// The preset for a size of 9, 11, 13 or 15.
    public static func memoryMaze(_ size: Int) throws -> MazeConfig {
        switch size {
        case 9: MazeConfig(mazeSize: 9, maxRooms: 6, roomMinSize: 3, roomMaxSize: 5, targets: 3, episodeSteps: 1000)
        case 11: MazeConfig(mazeSize: 11, maxRooms: 6, roomMinSize: 3, roomMaxSize: 5, targets: 4, episodeSteps: 2000)
        case 13: MazeConfig(mazeSize: 13, maxRooms: 6, roomMinSize: 3, roomMaxSize: 5, targets: 5, episodeSteps: 3000)
        case 15: MazeConfig(mazeSize: 15, maxRooms: 9, roomMinSize: 3, roomMaxSize: 3, targets: 6, episodeSteps: 4000)
        default: throw MazeError("maze size must be 9, 11, 13 or 15 (Memory-Maze's presets), got \(size)")
        }
    }

    /// Memory-Maze's presets and larger ones generated the same way (21, 25, 31: more rooms of 3–5 cells), where a
    /// team's messages must carry more map. Objects stay at six, the number of distinct target colours.
    public static func preset(_ size: Int) throws -> MazeConfig {
        switch size {
        case 21: MazeConfig(mazeSize: 21, maxRooms: 14, roomMinSize: 3, roomMaxSize: 5, targets: 6, episodeSteps: 6000)
        case 25: MazeConfig(mazeSize: 25, maxRooms: 20, roomMinSize: 3, roomMaxSize: 5, targets: 6, episodeSteps: 8000)
        case 31: MazeConfig(mazeSize: 31, maxRooms: 28, roomMinSize: 3, roomMaxSize: 5, targets: 6, episodeSteps: 10000)
        default: try memoryMaze(size)
        }
    }

    /// The sizes ``preset(_:)`` knows.
    public static let presetSizes = [9, 11, 13, 15, 21, 25, 31]
}

/// A generated maze: its layout, one spawn and one target position per room.
public struct Maze: Sendable {
    public let layout: MazeLayout
    public let config: MazeConfig
    public let seed: UInt64
    /// Cell centres, one per room, where agents may start.
    public let spawns: [(x: Float, y: Float)]
    /// Cell centres, one per room, where targets may be placed.
    public let targetSites: [(x: Float, y: Float)]
}

/// Rooms-and-corridors generation after labmaze's `RandomMaze` as Memory-Maze configures it:
/// odd-aligned rooms, corridors by recursive backtracking in the remaining space, one door between every
/// pair of adjacent regions, then dead ends removed. Seeded and reproducible.
public enum MazeGenerator {
    /// Generates a maze; regenerates (with the next internal draw) until it has at least as many rooms as
    /// targets and every free cell is reachable, as Memory-Maze does.
    public static func generate(_ config: MazeConfig, seed: UInt64) -> Maze {
        var rng = RandomGenerator(seed: seed)
        while true {
            if let maze = attempt(config, seed: seed, rng: &rng) { return maze }
        }
    }

    private static func attempt(_ config: MazeConfig, seed: UInt64, rng: inout RandomGenerator) -> Maze? {
        let m = config.mazeSize + 2 // with the outer wall; odd coordinates are maze nodes
        var region = [Int](repeating: -1, count: m * m) // -1 = wall
        var isRoom = [Bool](repeating: false, count: m * m)
        var rooms: [(x: Int, y: Int, w: Int, h: Int)] = []
        let sizes = stride(from: config.roomMinSize | 1, through: config.roomMaxSize, by: 2).map { $0 }
        var tries = 0
        while rooms.count < config.maxRooms && tries < 1000 {
            tries += 1
            let w = sizes[rng.nextInt(sizes.count)], h = sizes[rng.nextInt(sizes.count)]
            let slotsX = (m - 2 - w) / 2 + 1, slotsY = (m - 2 - h) / 2 + 1
            guard slotsX > 0, slotsY > 0 else { continue }
            let x = 1 + 2 * rng.nextInt(slotsX), y = 1 + 2 * rng.nextInt(slotsY)
            guard x + w <= m - 1, y + h <= m - 1 else { continue }
            // Rooms keep at least one wall line between them.
            let overlaps = rooms.contains { r in x - 1 < r.x + r.w && r.x - 1 < x + w && y - 1 < r.y + r.h && r.y - 1 < y + h }
            if overlaps { continue }
            let id = rooms.count
            rooms.append((x, y, w, h))
            for yy in y..<(y + h) { for xx in x..<(x + w) { region[yy * m + xx] = id; isRoom[yy * m + xx] = true } }
        }
        guard rooms.count >= config.targets else { return nil }
        // Corridors: recursive backtracking over the odd nodes not in rooms; each fill is one region.
        var nextRegion = rooms.count
        for sy in stride(from: 1, to: m - 1, by: 2) {
            for sx in stride(from: 1, to: m - 1, by: 2) where region[sy * m + sx] == -1 {
                let id = nextRegion
                nextRegion += 1
                region[sy * m + sx] = id
                var stack = [(sx, sy)]
                while let (x, y) = stack.last {
                    var options: [(Int, Int)] = []
                    for (dx, dy) in [(2, 0), (-2, 0), (0, 2), (0, -2)] {
                        let nx = x + dx, ny = y + dy
                        if nx > 0, ny > 0, nx < m - 1, ny < m - 1, region[ny * m + nx] == -1 { options.append((dx, dy)) }
                    }
                    if options.isEmpty { stack.removeLast(); continue }
                    let (dx, dy) = options[rng.nextInt(options.count)]
                    region[(y + dy / 2) * m + x + dx / 2] = id
                    region[(y + dy) * m + x + dx] = id
                    stack.append((x + dx, y + dy))
                }
            }
        }
        // Doors: one random connector between every pair of adjacent regions.
        var connectors: [Int64: [Int]] = [:]
        for y in 1..<(m - 1) {
            for x in 1..<(m - 1) where region[y * m + x] == -1 {
                for (a, b) in [(region[y * m + x - 1], region[y * m + x + 1]), (region[(y - 1) * m + x], region[(y + 1) * m + x])]
                where a >= 0 && b >= 0 && a != b {
                    connectors[Int64(min(a, b)) << 32 | Int64(max(a, b)), default: []].append(y * m + x)
                }
            }
        }
        for key in connectors.keys.sorted() {
            let options = connectors[key]!
            let cell = options[rng.nextInt(options.count)]
            region[cell] = Int(key >> 32)
        }
        // Simplify: fill corridor dead ends until none are left.
        var changed = true
        while changed {
            changed = false
            for y in 1..<(m - 1) {
                for x in 1..<(m - 1) where region[y * m + x] >= 0 && !isRoom[y * m + x] {
                    let open = [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)].filter { region[$0.1 * m + $0.0] >= 0 }.count
                    if open <= 1 { region[y * m + x] = -1; changed = true }
                }
            }
        }
        // Strip the outer wall; row 0 at the bottom (labmaze's text has row 0 at the top).
        let n = config.mazeSize
        var cells = [UInt8](repeating: 0, count: n * n), roomOf = [Int](repeating: -1, count: n * n)
        for y in 0..<n {
            for x in 0..<n {
                let src = (m - 2 - y) * m + (x + 1)
                cells[y * n + x] = region[src] >= 0 ? 1 : 0
                if isRoom[src] { roomOf[y * n + x] = region[src] }
            }
        }
        let layout = MazeLayout(size: n, cells: cells, roomOf: roomOf)
        guard layout.isConnected else { return nil }
        func randomCell(ofRoom r: (x: Int, y: Int, w: Int, h: Int), _ rng: inout RandomGenerator) -> (x: Float, y: Float) {
            let gx = r.x + rng.nextInt(r.w), gy = r.y + rng.nextInt(r.h)
            return (Float(gx - 1) + 0.5, Float(m - 2 - gy) + 0.5)
        }
        var spawns: [(x: Float, y: Float)] = [], sites: [(x: Float, y: Float)] = []
        for r in rooms {
            spawns.append(randomCell(ofRoom: r, &rng))
            var site = randomCell(ofRoom: r, &rng)
            if r.w * r.h > 1 { while site == spawns.last! { site = randomCell(ofRoom: r, &rng) } }
            sites.append(site)
        }
        return Maze(layout: layout, config: config, seed: seed, spawns: spawns, targetSites: sites)
    }
}
