import Foundation
import Basics

/// How the maze looks in the egocentric views.
public enum RenderStyle: String, Codable, Sendable, CaseIterable {
    /// Flat pastel walls, one colour per 3×3 block of cells, a brown floor and a pale sky: the look the shipped
    /// perception models were trained on.
    case flat
    /// Closer to Memory-Maze's own frames: walls in its eight wall-texture colours (one per 3×3 block), panelled
    /// with darker seams over a dark baseboard, lit by face orientation and distance; a dark blue-grey floor and
    /// a blue-grey sky.
    case memoryMaze
}

/// Camera and scene parameters of the egocentric renderer.
public struct RenderConfig: Codable, Equatable, Sendable {
    public var width = 64, height = 64
    /// Horizontal field of view in degrees (the vertical one follows from the aspect ratio).
    public var fieldOfViewDegrees: Float = 90
    /// Camera height in cells. The flat look's 0.15 is ours; Memory-Maze's camera is 0.45 cells up (see `RenderConfig.memoryMaze`).
    public var cameraHeight: Float = 0.15
    /// The camera this far ahead of the agent's position, in cells (nil: at it). Memory-Maze mounts its camera
    /// 0.15 world units (0.075 cells) ahead of the body whose position it reports.
    public var cameraForward: Float?
    /// Wall height in cells (Memory-Maze: 1.5 world units = 0.75 cells).
    public var wallHeight: Float = 0.75
    /// Paint the current target's colour as a border, as Memory-Maze does.
    public var targetBorder = true
    /// The look; nil: ``RenderStyle/flat`` (optional, so that configurations written before it still read).
    public var style: RenderStyle?
    /// The camera pitched down by this many degrees (a column raycaster shears the view: the horizon moves up); nil: level.
    public var tiltDegrees: Float?
    public init() {}

    /// Memory-Maze's camera and look. Its walker's camera, measured in MuJoCo (`physics.data.cam_xpos`), sits
    /// 0.9 world units above the floor (0.45 cells: the head is 0.6 up and the `camera_height=0.3` Memory-Maze
    /// passes is the camera's offset above it), 0.15 units ahead of the reported position, with an 80° square
    /// view pitched down by atan 0.1 = 5.71°.
    public static var memoryMaze: RenderConfig {
        var c = RenderConfig()
        c.fieldOfViewDegrees = 80; c.style = .memoryMaze; c.tiltDegrees = 5.71
        c.cameraHeight = 0.45; c.cameraForward = 0.075
        return c
    }

    /// The row of the horizon in pixel-centre coordinates (above the middle when the camera is pitched down).
    public var horizon: Float { Float(height) / 2 - focal * tan((tiltDegrees ?? 0) * .pi / 180) }
    /// Focal length in pixels.
    public var focal: Float { Float(width) / 2 / tan(fieldOfViewDegrees * .pi / 360) }
}

/// Column raycasting on the maze grid: per-room-block wall colours, floor and sky gradients, target spheres
/// and other agents as depth-tested sprites, and the current target's colour as a border.
public struct EgocentricRenderer: Sendable {
    public let config: RenderConfig
    /// Floor and sky colour of each row (RGB bytes, top row first): they depend on the row alone.
    private let background: [UInt8]

    public init(config: RenderConfig = RenderConfig()) {
        self.config = config
        let h = config.height, f = config.focal, camH = config.cameraHeight, horizon = config.horizon
        let memoryMaze = config.style == .memoryMaze
        var bg = [UInt8](repeating: 0, count: h * 3)
        for row in 0..<h {
            let y = Float(row) + 0.5
            var c: (Float, Float, Float)
            if y > horizon {
                // Floor: darker with distance.
                let dist = camH * f / max(y - horizon, 1e-3)
                if memoryMaze {
                    let k = 0.75 / (1 + 0.10 * dist) + 0.25
                    c = (0.20 * k, 0.27 * k, 0.31 * k)
                } else {
                    let k = 0.55 / (1 + 0.08 * dist) + 0.15
                    c = (0.55 * k + 0.1, 0.50 * k + 0.08, 0.45 * k + 0.06)
                }
            } else {
                let k = (horizon - y) / max(horizon, 1)
                c = memoryMaze ? (0.24 + 0.05 * k, 0.35 + 0.08 * k, 0.47 + 0.10 * k) : (0.55 + 0.25 * k, 0.70 + 0.2 * k, 0.90 + 0.08 * k)
            }
            bg[row * 3] = UInt8(min(255, c.0 * 255)); bg[row * 3 + 1] = UInt8(min(255, c.1 * 255)); bg[row * 3 + 2] = UInt8(min(255, c.2 * 255))
        }
        background = bg
    }

    /// Ten wall colours; each 3×3 block of cells takes one (Memory-Maze relabels walls per block as landmarks).
    static let wallPalette: [SIMD3<Float>] = [
        [0.80, 0.55, 0.45], [0.55, 0.70, 0.85], [0.75, 0.75, 0.50], [0.60, 0.80, 0.60], [0.80, 0.60, 0.80],
        [0.90, 0.75, 0.55], [0.55, 0.60, 0.75], [0.85, 0.85, 0.85], [0.65, 0.55, 0.45], [0.50, 0.75, 0.75],
    ]

    /// Memory-Maze's eight wall textures (blue, cerise, bright green, green, purple, bright red, red, yellow), each
    /// as its mean colour.
    static let memoryMazePalette: [SIMD3<Float>] = [
        [0.12, 0.45, 0.69], [0.66, 0.26, 0.40], [0.65, 0.77, 0.61], [0.33, 0.47, 0.30],
        [0.27, 0.31, 0.69], [0.84, 0.48, 0.41], [0.56, 0.13, 0.10], [0.77, 0.66, 0.15],
    ]

    /// The block of wall cell (`x`, `y`) in a Memory-Maze arena of `n`×`n` cells, 0…8 row-major from its top
    /// left: Memory-Maze splits its arena (the maze and its outer wall ring, n + 2 cells a side) into 3×3 blocks,
    /// block b spanning padded coordinates b·(n + 2)/3 ..< (b + 1)·(n + 2)/3 (integer division), rows counted from
    /// the top; its layout is flipped against ours, so our row y is its padded row n − y.
    static func memoryMazeWallBlock(_ x: Int, _ y: Int, size n: Int) -> Int {
        let side = n + 2
        func block(_ c: Int) -> Int { c < side / 3 ? 0 : c < 2 * side / 3 ? 1 : 2 }
        return block(n - y) * 3 + block(x + 1)
    }

    /// The Memory-Maze look's wall colour: one of its eight textures' colours per block
    /// (``memoryMazeWallBlock(_:_:size:)``), drawn from the maze's seed as Memory-Maze draws one texture per block.
    static func memoryMazeWallColor(_ x: Int, _ y: Int, size n: Int, seed: UInt64) -> SIMD3<Float> {
        var h = UInt64(memoryMazeWallBlock(x, y, size: n) + 1) &* 0x9E37_79B9_7F4A_7C15 ^ seed &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 31
        h &*= 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        return memoryMazePalette[Int(h % UInt64(memoryMazePalette.count))]
    }

    /// The flat look's wall colour: one of ``wallPalette`` per 3×3 block of cells, drawn from the maze's seed.
    static func wallColor(_ x: Int, _ y: Int, seed: UInt64) -> SIMD3<Float> {
        var h = UInt64(bitPattern: Int64((x + 3) / 3)) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(bitPattern: Int64((y + 3) / 3)) &* 0xC2B2_AE3D_27D4_EB4F ^ seed
        h ^= h >> 29
        return wallPalette[Int(h % UInt64(wallPalette.count))]
    }

    /// The shades of a Memory-Maze wall texel (``panelShade(u:z:wallHeight:)`` returns one of them).
    static let panelShades: [Float] = [1, 0.62, 0.8, 0.45]

    /// Which of ``panelShades`` a Memory-Maze wall texel at `u` along the face and height `z` (cells) takes: the
    /// panel seams of its textures (a 3×3 grid of panels per face, a finer seam inside each) are darker, and so
    /// is the baseboard.
    /// The same with the column's part precomputed (``PanelColumn``): `z` is the height, `panelsPerCell` 3 / wall height.
    @inline(__always) static func panelShadeIndex(_ column: PanelColumn, z: Float, panelsPerCell: Float) -> Int {
        // Wall pixels have |v| ≪ 2⁶³, and for v > 0 truncation is the floor (where v ≤ 0, z < 0.05 decides).
        let v = z * panelsPerCell, pv = v - Float(Int(v))
        var k = column.innerSeam && pv > 0.3 ? 2 : 0
        k = column.seam || pv < 0.07 ? 1 : k
        return z < 0.05 ? 3 : k
    }

    /// The height below `z` at which a column's texture next changes shade going down the wall (a seam edge or
    /// the baseboard's top at 0.05), or nil on the baseboard, whose shade lasts to the floor. Edges lie at heights
    /// v / `panelsPerCell` for v = n, n + 0.07 and (inner-seam columns) n + 0.3.
    @inline(__always) static func nextPanelEdge(below z: Float, column: PanelColumn, panelsPerCell: Float) -> Float? {
        if z < 0.05 { return nil }
        if column.seam { return 0.05 }
        let v = z * panelsPerCell, n = Float(Int(v)), pv = v - n
        let edge: Float = pv > 0.3 && column.innerSeam ? n + 0.3 : pv >= 0.07 ? n + 0.07 : n
        return max(0.05, edge / panelsPerCell)
    }

    /// What a wall column's texels share: whether it lies on a panel seam or on the finer seam inside a panel.
    struct PanelColumn {
        var seam = false, innerSeam = false
        init(u: Float) {
            let pu = u * 3 - (u * 3).rounded(.down)
            seam = pu < 0.07; innerSeam = abs(pu - 0.55) < 0.03
        }
    }

    static func panelShade(u: Float, z: Float, wallHeight: Float) -> Float {
        panelShades[panelShadeIndex(PanelColumn(u: u), z: z, panelsPerCell: 3 / wallHeight)]
    }

    /// The first of `rows` pixel rows whose centre (row + 0.5) is at or below `y` (≥ y), or `rows` if none;
    /// exactly the per-pixel test, from an estimate corrected by at most a step each way.
    @inline(__always) static func firstRow(atOrBelow y: Float, rows: Int) -> Int {
        var r = Int(max(0, min(Float(rows), (y - 0.5).rounded(.up))))
        while r > 0 && Float(r - 1) + 0.5 >= y { r -= 1 }
        while r < rows && Float(r) + 0.5 < y { r += 1 }
        return r
    }

    /// The first of `rows` pixel rows whose centre is strictly below `y` (> y), or `rows` if none.
    @inline(__always) static func firstRow(above y: Float, rows: Int) -> Int {
        var r = Int(max(0, min(Float(rows), (y - 0.5).rounded(.down) + 1)))
        while r > 0 && Float(r - 1) + 0.5 > y { r -= 1 }
        while r < rows && Float(r) + 0.5 <= y { r += 1 }
        return r
    }

    /// The view of agent `index` as an RGB image.
    public func render(_ world: MazeWorld, agent index: Int) -> Image {
        var px = [UInt8](repeating: 0, count: config.width * config.height * 3)
        px.withUnsafeMutableBufferPointer { render(world, agent: index, into: $0.baseAddress!) }
        return Image(width: config.width, height: config.height, format: .rgb, pixels: px)
    }

    /// Renders into `out` (`height·width·3` bytes, RGB, top row first) without allocating an image.
    public func render(_ world: MazeWorld, agent index: Int, into out: UnsafeMutablePointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: config.width) { depth in
            background.withUnsafeBufferPointer { render(world, agent: index, into: out, depth: depth.baseAddress!, background: $0.baseAddress!) }
        }
    }

    private func render(_ world: MazeWorld, agent index: Int, into out: UnsafeMutablePointer<UInt8>,
                        depth: UnsafeMutablePointer<Float>, background: UnsafePointer<UInt8>) {
        let w = config.width, h = config.height, f = config.focal
        let agent = world.agents[index], layout = world.layout
        let camH = config.cameraHeight, wallH = config.wallHeight
        let fx = cos(agent.heading), fy = sin(agent.heading)
        let ahead = config.cameraForward ?? 0
        let camX = agent.x + ahead * fx, camY = agent.y + ahead * fy
        let horizon = config.horizon
        let seed = world.maze.seed
        let memoryMaze = config.style == .memoryMaze
        for col in 0..<w {
            // Ray through the column centre; column 0 is the left edge (counter-clockwise of the heading).
            let offset = (Float(w) / 2 - (Float(col) + 0.5)) / f
            let dx = fx - fy * offset, dy = fy + fx * offset
            let hit = castRay(layout, x: camX, y: camY, dx: dx, dy: dy, maxDistance: 64)
            let perp = hit.t // distance along (dx, dy), whose forward component is 1: already perpendicular
            depth[col] = perp
            // The wall rows are [top, bottom] in pixel-centre coordinates; each takes one colour per column.
            var top = Float.infinity, bottom = -Float.infinity
            var wall: (UInt8, UInt8, UInt8) = (0, 0, 0)
            // The Memory-Maze look's four shades of this column's wall colour, RGB bytes packed low to high.
            var shaded = SIMD4<UInt32>.zero
            var lit = SIMD3<Float>(0, 0, 0), panel = PanelColumn(u: 0)
            if hit.hit {
                let base = memoryMaze ? EgocentricRenderer.memoryMazeWallColor(hit.cellX, hit.cellY, size: layout.size, seed: seed)
                                      : EgocentricRenderer.wallColor(hit.cellX, hit.cellY, seed: seed)
                let shade: Float = memoryMaze ? (hit.side == 0 ? 0.95 : 0.72) / (1 + 0.07 * perp)
                                              : (hit.side == 0 ? 1.0 : 0.78) / (1 + 0.04 * perp)
                top = horizon - f * (wallH - camH) / perp; bottom = horizon + f * camH / perp
                lit = base * shade * 255
                wall = (UInt8(min(255, lit.x)), UInt8(min(255, lit.y)), UInt8(min(255, lit.z)))
                let along = hit.side == 0 ? camY + perp * dy : camX + perp * dx
                panel = PanelColumn(u: along - along.rounded(.down))
                if memoryMaze {
                    for k in 0..<4 {
                        let c = lit * EgocentricRenderer.panelShades[k]
                        shaded[k] = UInt32(UInt8(min(255, c.x))) | UInt32(UInt8(min(255, c.y))) << 8 | UInt32(UInt8(min(255, c.z))) << 16
                    }
                }
            }
            // Rows split into sky, wall ([first, last]: pixel centres within [top, bottom]) and floor, so the wall
            // loop does no per-pixel tests but the texture's.
            var first = h, last = h - 1
            if hit.hit {
                first = EgocentricRenderer.firstRow(atOrBelow: top, rows: h)
                last = EgocentricRenderer.firstRow(above: bottom, rows: h) - 1
                if last < first { first = h; last = h - 1 }
            }
            func fillBackground(_ rows: Range<Int>) {
                for row in rows {
                    let o = (row * w + col) * 3
                    out[o] = background[row * 3]; out[o + 1] = background[row * 3 + 1]; out[o + 2] = background[row * 3 + 2]
                }
            }
            fillBackground(0..<first)
            if first <= last {
                if memoryMaze {
                    let zPerRow = perp / f, panelsPerCell = 3 / wallH
                    // The texture in runs of one shade: each run's shade is the texture's at its first row (the
                    // height on the wall that pixel sees), and it lasts until the height crosses the next seam
                    // edge or the baseboard, a few runs per column instead of a texture lookup per pixel.
                    var row = first
                    while row <= last {
                        let z = camH + (horizon - (Float(row) + 0.5)) * zPerRow
                        let k = EgocentricRenderer.panelShadeIndex(panel, z: z, panelsPerCell: panelsPerCell)
                        let below = EgocentricRenderer.nextPanelEdge(below: z, column: panel, panelsPerCell: panelsPerCell)
                        let end = below.map { min(last, row + max(0, Int(min(Float(h), ((z - $0) / zPerRow).rounded(.down))))) } ?? last
                        let c = shaded[k]
                        let r = UInt8(truncatingIfNeeded: c), g = UInt8(truncatingIfNeeded: c >> 8), b = UInt8(truncatingIfNeeded: c >> 16)
                        for run in row...end {
                            let o = (run * w + col) * 3
                            out[o] = r; out[o + 1] = g; out[o + 2] = b
                        }
                        row = end + 1
                    }
                } else {
                    for row in first...last {
                        let o = (row * w + col) * 3
                        out[o] = wall.0; out[o + 1] = wall.1; out[o + 2] = wall.2
                    }
                }
            }
            fillBackground(last + 1..<h)
        }
        // Sprites, far to near: targets (radius 0.3, centred on the floor) and other agents (balls on the floor).
        var sprites: [(x: Float, y: Float, z: Float, r: Float, color: [Float])] = world.targets.map {
            ($0.x, $0.y, 0, world.targetRadius, $0.color)
        }
        for (j, other) in world.agents.enumerated() where j != index {
            let r = world.kinematics.radius
            sprites.append((other.x, other.y, r, r, j % 2 == 0 ? [0.95, 0.95, 0.95] : [0.2, 0.2, 0.2]))
        }
        let projected = sprites.map { s -> (depth: Float, s: (x: Float, y: Float, z: Float, r: Float, color: [Float])) in
            ((s.x - camX) * fx + (s.y - camY) * fy, s)
        }.filter { $0.depth > 0.05 }.sorted { $0.depth > $1.depth }
        for (d, s) in projected {
            let lateral = -(s.x - camX) * fy + (s.y - camY) * fx
            let cx = Float(w) / 2 - f * lateral / d
            let cy = horizon + f * (camH - s.z) / d
            let rp = f * s.r / d
            let x0 = max(0, Int((cx - rp).rounded(.down))), x1 = min(w - 1, Int((cx + rp).rounded(.up)))
            let y0 = max(0, Int((cy - rp).rounded(.down))), y1 = min(h - 1, Int((cy + rp).rounded(.up)))
            guard x0 <= x1, y0 <= y1 else { continue }
            for col in x0...x1 where d < depth[col] {
                for row in y0...y1 {
                    let ux = (Float(col) + 0.5 - cx) / rp, uy = (Float(row) + 0.5 - cy) / rp
                    let q = ux * ux + uy * uy
                    guard q <= 1 else { continue }
                    // Below the floor plane (the sunk half of a target) stays hidden.
                    if s.z - s.r * uy < 0 { continue }
                    let light = 0.75 + 0.25 * (-(ux + uy) * 0.7).clamped(-1, 1) * (1 - q).squareRoot()
                    let o = (row * w + col) * 3
                    out[o] = UInt8(min(255, s.color[0] * light * 255))
                    out[o + 1] = UInt8(min(255, s.color[1] * light * 255))
                    out[o + 2] = UInt8(min(255, s.color[2] * light * 255))
                }
            }
        }
        if config.targetBorder && !world.targets.isEmpty {
            let c = world.targets[world.currentTarget[index]].color.map { UInt8(min(255, ($0 * 255 * 0.7).rounded())) }
            let b = Int(2 * (Float(h) / 64).squareRoot())
            func paint(_ row: Int, _ cols: Range<Int>) {
                for col in cols {
                    let o = (row * w + col) * 3
                    out[o] = c[0]; out[o + 1] = c[1]; out[o + 2] = c[2]
                }
            }
            for row in 0..<h {
                if row < b || row >= h - b { paint(row, 0..<w) } else { paint(row, 0..<min(b, w)); paint(row, max(b, w - b)..<w) }
            }
        }
    }
}

/// The first wall a ray meets (grid DDA).
struct RayHit {
    var hit: Bool
    /// Ray parameter at the hit (distance along the unnormalised direction).
    var t: Float
    var cellX, cellY: Int
    /// 0 if it crossed a vertical grid line (an x-facing wall), 1 for a horizontal one.
    var side: Int
}

/// Walks the grid from (x, y) along (dx, dy) until a wall cell (or `maxDistance` in ray parameter), calling
/// `visit` for every cell entered (the wall cell included).
func castRay(_ layout: MazeLayout, x: Float, y: Float, dx: Float, dy: Float, maxDistance: Float,
             visit: ((Int, Int) -> Void)? = nil) -> RayHit {
    var cx = Int(x.rounded(.down)), cy = Int(y.rounded(.down))
    let stepX = dx > 0 ? 1 : -1, stepY = dy > 0 ? 1 : -1
    let tDeltaX = dx == 0 ? Float.infinity : abs(1 / dx), tDeltaY = dy == 0 ? Float.infinity : abs(1 / dy)
    var tMaxX = dx == 0 ? Float.infinity : (dx > 0 ? (Float(cx + 1) - x) : (x - Float(cx))) * tDeltaX
    var tMaxY = dy == 0 ? Float.infinity : (dy > 0 ? (Float(cy + 1) - y) : (y - Float(cy))) * tDeltaY
    var t: Float = 0, side = 0
    visit?(cx, cy)
    while t < maxDistance {
        if tMaxX < tMaxY { t = tMaxX; tMaxX += tDeltaX; cx += stepX; side = 0 } else { t = tMaxY; tMaxY += tDeltaY; cy += stepY; side = 1 }
        visit?(cx, cy)
        if !layout.isFree(cx, cy) { return RayHit(hit: true, t: t, cellX: cx, cellY: cy, side: side) }
    }
    return RayHit(hit: false, t: maxDistance, cellX: cx, cellY: cy, side: side)
}

extension Float {
    @inline(__always) func clamped(_ lo: Float, _ hi: Float) -> Float { Swift.min(Swift.max(self, lo), hi) }
}
