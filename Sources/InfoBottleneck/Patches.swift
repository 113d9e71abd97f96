import Foundation
import MazeEnv
import Tensor

/// A square patch of an agent's map around a centre cell: row-major from the bottom-left, cells outside the
/// maze are walls (the maze is walled in).
public struct OccupancyPatch: Equatable, Sendable {
    public let side: Int
    public var cells: [CellState]

    public init(side: Int, cells: [CellState]) {
        precondition(cells.count == side * side, "OccupancyPatch: \(cells.count) cells for side \(side)")
        self.side = side; self.cells = cells
    }

    /// The patch of `side` cells of `map` centred on `centre`.
    public init(map: CellMap, centre: (x: Int, y: Int), side: Int = 11) {
        let r = side / 2
        var cells: [CellState] = []
        cells.reserveCapacity(side * side)
        for dy in -r...r { for dx in -r...r { cells.append(map[centre.x + dx, centre.y + dy]) } }
        self.init(side: side, cells: cells)
    }

    /// Two bits per cell: the raw code whose prefixes are the truncation baseline.
    public var raw: BitString {
        var s = BitString()
        for c in cells { s.append(c.rawValue, width: 2) }
        return s
    }

    /// Decodes a raw code, or its first `k` bits (cells not covered are unknown).
    public static func fromRaw(_ s: BitString, side: Int) -> OccupancyPatch {
        var cells = [CellState](repeating: .unknown, count: side * side)
        for i in 0..<min(side * side, s.count / 2) {
            let v = (s.bits[2 * i] ? 2 : 0) + (s.bits[2 * i + 1] ? 1 : 0)
            cells[i] = CellState(rawValue: v) ?? .unknown
        }
        return OccupancyPatch(side: side, cells: cells)
    }

    /// The truncation baseline: what the first `k` raw bits say (the first k/2 cells, row-major; the rest unknown).
    public func truncated(to k: Int) -> OccupancyPatch { Self.fromRaw(BitString(Array(raw.bits.prefix(k))), side: side) }
}

extension OccupancyPatch {
    /// The patch as an RGB image (north up; free light, wall dark, unknown grey-blue), `scale` pixels per cell.
    public func image(scale: Int = 8) -> Image { CellMap.image(cells, side: side, scale: scale, unknown: (150, 165, 190)) }

    /// Rows of patches side by side as one image, `gap` white pixels apart.
    public static func mosaic(_ rows: [[OccupancyPatch]], scale: Int = 6, gap: Int = 4) -> Image {
        let tile = (rows.first?.first?.side ?? 11) * scale
        let columns = rows.map(\.count).max() ?? 0
        let w = columns * (tile + gap) - gap, h = rows.count * (tile + gap) - gap
        var px = [UInt8](repeating: 255, count: max(w, 1) * max(h, 1) * 3)
        for (r, row) in rows.enumerated() {
            for (c, patch) in row.enumerated() {
                let img = patch.image(scale: scale)
                for y in 0..<tile { for x in 0..<tile { for k in 0..<3 {
                    px[((r * (tile + gap) + y) * w + c * (tile + gap) + x) * 3 + k] = img.pixels[(y * tile + x) * 3 + k]
                } } }
            }
        }
        return Image(width: max(w, 1), height: max(h, 1), format: .rgb, pixels: px)
    }
}

/// Patches as exploring agents see them: frontier explorers in generated mazes, a patch of their own
/// map around a random known cell at random times.
public struct PatchSampler: Sendable {
    public let mazeSize: Int, side: Int, seed: UInt64
    public init(mazeSize: Int = 15, side: Int = 11, seed: UInt64) { self.mazeSize = mazeSize; self.side = side; self.seed = seed }

    /// `count` (sender, receiver) pairs: two explorers of the same maze, started apart and run for different
    /// times; both patches centred on a cell the sender knows. What the receiver lacks is what a message adds.
    public func samplePairs(_ count: Int) throws -> [(sender: OccupancyPatch, receiver: OccupancyPatch)] {
        var rng = RandomGenerator(seed: seed ^ 0x9A1B5)
        var out: [(sender: OccupancyPatch, receiver: OccupancyPatch)] = []
        var episode: UInt64 = 0
        while out.count < count {
            episode += 1
            let env = MultiAgentEnv(world: try MazeWorld(size: mazeSize, seed: seed &* 104_729 &+ episode, agents: 2))
            let steps = [60 + rng.nextInt(300), 10 + rng.nextInt(120)]
            var explorers = [Halting(FrontierExplorer(size: mazeSize, seed: episode), after: steps[0]),
                             Halting(FrontierExplorer(size: mazeSize, seed: episode &+ 99), after: steps[1])]
            Rollout.run(env, policies: &explorers, steps: steps.max()!)
            let sender = explorers[0].base.map, receiver = explorers[1].base.map
            let known = sender.knownFreeCells
            for _ in 0..<8 where out.count < count && !known.isEmpty {
                let c = known[rng.nextInt(known.count)]
                out.append((OccupancyPatch(map: sender, centre: c, side: side), OccupancyPatch(map: receiver, centre: c, side: side)))
            }
        }
        return out
    }

    /// `count` patches (deterministic in the seed).
    public func sample(_ count: Int) throws -> [OccupancyPatch] {
        var rng = RandomGenerator(seed: seed ^ 0x9A7C4)
        var out: [OccupancyPatch] = []
        var episode: UInt64 = 0
        while out.count < count {
            episode += 1
            let env = MultiAgentEnv(world: try MazeWorld(size: mazeSize, seed: seed &* 7919 &+ episode))
            var explorer = [FrontierExplorer(size: mazeSize, seed: episode)]
            Rollout.run(env, policies: &explorer, steps: 20 + rng.nextInt(400))
            let known = explorer[0].map.knownFreeCells
            for _ in 0..<8 where out.count < count {
                guard let c = known.isEmpty ? nil : known[rng.nextInt(known.count)] else { break }
                out.append(OccupancyPatch(map: explorer[0].map, centre: c, side: side))
            }
        }
        return out
    }
}
