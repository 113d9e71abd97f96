import Foundation
import Basics

/// Camera and scene parameters of the egocentric renderer.
public struct RenderConfig: Codable, Equatable, Sendable {
    public var width = 64, height = 64
    /// Horizontal field of view in degrees (the vertical one follows from the aspect ratio).
    public var fieldOfViewDegrees: Float = 90
    /// Camera height in cells (Memory-Maze: 0.3 world units = 0.15 cells).
    public var cameraHeight: Float = 0.15
    /// Wall height in cells (Memory-Maze: 1.5 world units = 0.75 cells).
    public var wallHeight: Float = 0.75
    /// Paint the current target's colour as a border, as Memory-Maze does.
    public var targetBorder = true
    public init() {}
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
        let h = config.height, f = config.focal, camH = config.cameraHeight, horizon = Float(h) / 2
        var bg = [UInt8](repeating: 0, count: h * 3)
        for row in 0..<h {
            let y = Float(row) + 0.5
            var c: (Float, Float, Float)
            if y > horizon {
                // Floor: darker with distance.
                let dist = camH * f / max(y - horizon, 1e-3)
                let k = 0.55 / (1 + 0.08 * dist) + 0.15
                c = (0.55 * k + 0.1, 0.50 * k + 0.08, 0.45 * k + 0.06)
            } else {
                let k = (horizon - y) / horizon
                c = (0.55 + 0.25 * k, 0.70 + 0.2 * k, 0.90 + 0.08 * k)
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

    static func wallColor(_ x: Int, _ y: Int, seed: UInt64) -> SIMD3<Float> {
        var h = UInt64(bitPattern: Int64((x + 3) / 3)) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(bitPattern: Int64((y + 3) / 3)) &* 0xC2B2_AE3D_27D4_EB4F ^ seed
        h ^= h >> 29
        return wallPalette[Int(h % UInt64(wallPalette.count))]
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
        let horizon = Float(h) / 2
        let seed = world.maze.seed
        for col in 0..<w {
            // Ray through the column centre; column 0 is the left edge (counter-clockwise of the heading).
            let offset = (Float(w) / 2 - (Float(col) + 0.5)) / f
            let dx = fx - fy * offset, dy = fy + fx * offset
            let hit = castRay(layout, x: agent.x, y: agent.y, dx: dx, dy: dy, maxDistance: 64)
            let perp = hit.t // distance along (dx, dy), whose forward component is 1: already perpendicular
            depth[col] = perp
            // The wall rows are [top, bottom] in pixel-centre coordinates; each takes one colour per column.
            var top = Float.infinity, bottom = -Float.infinity
            var wall: (UInt8, UInt8, UInt8) = (0, 0, 0)
            if hit.hit {
                let base = EgocentricRenderer.wallColor(hit.cellX, hit.cellY, seed: seed)
                let shade: Float = (hit.side == 0 ? 1.0 : 0.78) / (1 + 0.04 * perp)
                top = horizon - f * (wallH - camH) / perp; bottom = horizon + f * camH / perp
                wall = (UInt8(min(255, base.x * shade * 255)), UInt8(min(255, base.y * shade * 255)),
                        UInt8(min(255, base.z * shade * 255)))
            }
            var o = col * 3
            for row in 0..<h {
                let y = Float(row) + 0.5
                if y >= top && y <= bottom {
                    out[o] = wall.0; out[o + 1] = wall.1; out[o + 2] = wall.2
                } else {
                    out[o] = background[row * 3]; out[o + 1] = background[row * 3 + 1]; out[o + 2] = background[row * 3 + 2]
                }
                o += w * 3
            }
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
            ((s.x - agent.x) * fx + (s.y - agent.y) * fy, s)
        }.filter { $0.depth > 0.05 }.sorted { $0.depth > $1.depth }
        for (d, s) in projected {
            let lateral = -(s.x - agent.x) * fy + (s.y - agent.y) * fx
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
            for row in 0..<h {
                for col in 0..<w where row < b || row >= h - b || col < b || col >= w - b {
                    let o = (row * w + col) * 3
                    out[o] = c[0]; out[o + 1] = c[1]; out[o + 2] = c[2]
                }
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
