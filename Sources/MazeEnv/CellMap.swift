import Basics
import Foundation

/// What a map says of a cell.
public enum CellState: Int, CaseIterable, Codable, Sendable { case free = 0, wall = 1, unknown = 2 }

/// A tri-state map of a maze: what one agent has seen of each cell (free, wall) and what it has not.
/// Row-major `[y * size + x]`, y up; cells outside the maze read as walls (the maze is walled in).
public struct CellMap: Equatable, Sendable {
    public let size: Int
    public private(set) var cells: [CellState]

    /// A map that has seen nothing.
    public init(size: Int) {
        self.size = size
        cells = Array(repeating: .unknown, count: size * size)
    }

    public init(size: Int, cells: [CellState]) {
        precondition(cells.count == size * size, "CellMap: \(cells.count) cells for side \(size)")
        self.size = size; self.cells = cells
    }

    public subscript(_ x: Int, _ y: Int) -> CellState {
        get { x < 0 || y < 0 || x >= size || y >= size ? .wall : cells[y * size + x] }
        set { cells[y * size + x] = newValue }
    }

    /// Writes what a frame perceived (later frames overwrite earlier ones).
    public mutating func integrate(_ perception: Perception) {
        for c in perception.cells { cells[c.y * size + c.x] = c.state }
    }

    /// Takes every cell this map does not know from `other` (a partner's or a shared map).
    public mutating func fill(from other: CellMap) {
        precondition(other.size == size, "CellMap.fill: sizes differ")
        for i in cells.indices where cells[i] == .unknown { cells[i] = other.cells[i] }
    }

    /// Whether the cell has been seen, free or wall.
    public func isKnown(_ x: Int, _ y: Int) -> Bool { self[x, y] != .unknown }

    /// Cells known to be free, in row-major order.
    public var knownFreeCells: [(x: Int, y: Int)] {
        cells.indices.filter { cells[$0] == .free }.map { ($0 % size, $0 / size) }
    }

    /// Whether no cell is left unknown.
    public var isComplete: Bool { !cells.contains(.unknown) }

    /// Fraction of the maze's free cells this map has seen.
    public func coverage(of layout: MazeLayout) -> Float {
        precondition(layout.size == size, "CellMap.coverage: layout size differs")
        let free = layout.freeCells
        return Float(free.filter { isKnown($0.x, $0.y) }.count) / Float(max(free.count, 1))
    }

    /// `states` (row-major, `side`² cells, y up) as a north-up RGB image, `scale` pixels per cell: free light,
    /// wall dark, unknown in `unknown`.
    public static func image(_ states: [CellState], side: Int, scale: Int, unknown: (UInt8, UInt8, UInt8) = (150, 150, 150)) -> Image {
        var px = [UInt8](repeating: 0, count: side * scale * side * scale * 3)
        for y in 0..<side { for x in 0..<side {
            let rgb: (UInt8, UInt8, UInt8) = switch states[y * side + x] {
            case .free: (236, 230, 214)
            case .wall: (60, 56, 64)
            case .unknown: unknown
            }
            for dy in 0..<scale { for dx in 0..<scale {
                let o = (((side - 1 - y) * scale + dy) * side * scale + x * scale + dx) * 3
                px[o] = rgb.0; px[o + 1] = rgb.1; px[o + 2] = rgb.2
            } }
        } }
        return Image(width: side * scale, height: side * scale, format: .rgb, pixels: px)
    }

    /// The map as a north-up image, `scale` pixels per cell.
    public func image(scale: Int = 16) -> Image { Self.image(cells, side: size, scale: scale) }
}
