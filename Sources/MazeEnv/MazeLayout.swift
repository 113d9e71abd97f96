/// A maze's free/wall grid in Memory-Maze's convention: `maze_layout[y][x]`, 1 = free, 0 = wall, row 0 at
/// the bottom. A cell (x, y) spans [x, x+1] × [y, y+1] in maze units (cells); everything outside is wall.
public struct MazeLayout: Equatable, Sendable, Codable {
    /// Cells per side.
    public let size: Int
    /// Row-major, `cells[y * size + x]`, 1 = free.
    public private(set) var cells: [UInt8]
    /// Room index of each free cell that belongs to a room (-1 for corridors and walls).
    public let roomOf: [Int]

    public init(size: Int, cells: [UInt8], roomOf: [Int]? = nil) {
        precondition(cells.count == size * size, "MazeLayout: \(cells.count) cells for size \(size)")
        self.size = size
        self.cells = cells
        self.roomOf = roomOf ?? Array(repeating: -1, count: size * size)
    }

    /// Builds a layout from rows indexed `[y][x]` with row 0 at the bottom (as `env_config.json` stores it).
    public init(rows: [[Int]]) throws {
        let n = rows.count
        guard n > 0, rows.allSatisfy({ $0.count == n }) else {
            throw MazeError("maze_layout must be square, got \(rows.map(\.count))")
        }
        guard rows.joined().allSatisfy({ $0 == 0 || $0 == 1 }) else { throw MazeError("maze_layout values must be 0 or 1") }
        self.init(size: n, cells: rows.joined().map { UInt8($0) })
    }

    /// The layout as `[y][x]` rows (row 0 at the bottom).
    public var rows: [[Int]] { (0..<size).map { y in (0..<size).map { Int(cells[y * size + $0]) } } }

    /// Whether cell (x, y) is free; false outside the grid.
    @inlinable public func isFree(_ x: Int, _ y: Int) -> Bool {
        x >= 0 && y >= 0 && x < size && y < size && cells[y * size + x] != 0
    }

    /// Whether the point (x, y) in maze units lies in a free cell.
    public func isFree(point x: Float, _ y: Float) -> Bool { isFree(Int(x.rounded(.down)), Int(y.rounded(.down))) }

    /// Free cells in row-major order.
    public var freeCells: [(x: Int, y: Int)] {
        (0..<size * size).filter { cells[$0] != 0 }.map { ($0 % size, $0 / size) }
    }

    /// Number of rooms.
    public var roomCount: Int { (roomOf.max() ?? -1) + 1 }

    /// Whether every free cell is reachable from every other (4-connectivity).
    public var isConnected: Bool {
        let free = freeCells
        guard let start = free.first else { return true }
        return reachable(from: start).count == free.count
    }

    /// Free cells reachable from `start` (4-connectivity).
    public func reachable(from start: (x: Int, y: Int)) -> Set<Int> {
        var seen: Set<Int> = [start.y * size + start.x]
        var stack = [start]
        while let (x, y) = stack.popLast() {
            for (nx, ny) in [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)] where isFree(nx, ny) {
                if seen.insert(ny * size + nx).inserted { stack.append((nx, ny)) }
            }
        }
        return seen
    }

    /// Text picture, top row first: `#` wall, `.` free.
    public var picture: String {
        (0..<size).reversed().map { y in String((0..<size).map { isFree($0, y) ? "." : "#" }) }.joined(separator: "\n")
    }
}

/// Errors about mazes, environments and datasets.
public struct MazeError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
