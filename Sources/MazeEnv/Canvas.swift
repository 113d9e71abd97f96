import Basics

/// A small RGBA drawing surface for figures and ground-truth images (origin top-left, y down).
public struct Canvas: Sendable {
    public let width, height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)) {
        self.width = width; self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 4)
        for i in 0..<(width * height) {
            pixels[4 * i] = fill.0; pixels[4 * i + 1] = fill.1; pixels[4 * i + 2] = fill.2; pixels[4 * i + 3] = fill.3
        }
    }

    @inline(__always) public mutating func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = 4 * (y * width + x)
        pixels[i] = c.0; pixels[i + 1] = c.1; pixels[i + 2] = c.2; pixels[i + 3] = c.3
    }

    /// Fills the rectangle `[x, x+w) × [y, y+h)` (clipped).
    public mutating func fillRect(x: Int, y: Int, w: Int, h: Int, _ c: (UInt8, UInt8, UInt8, UInt8)) {
        let x0 = max(0, x), x1 = min(width, x + w), y0 = max(0, y), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 { for xx in x0..<x1 { set(xx, yy, c) } }
    }

    /// Fills a disc of radius `r` around (cx, cy).
    public mutating func fillCircle(cx: Float, cy: Float, r: Float, _ c: (UInt8, UInt8, UInt8, UInt8)) {
        for y in Int((cy - r).rounded(.down))...Int((cy + r).rounded(.up)) {
            for x in Int((cx - r).rounded(.down))...Int((cx + r).rounded(.up)) {
                let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                if dx * dx + dy * dy <= r * r { set(x, y, c) }
            }
        }
    }

    /// Draws a ring of radius `r` and `width` pixels.
    public mutating func strokeCircle(cx: Float, cy: Float, r: Float, width w: Float, _ c: (UInt8, UInt8, UInt8, UInt8)) {
        for y in Int((cy - r - w).rounded(.down))...Int((cy + r + w).rounded(.up)) {
            for x in Int((cx - r - w).rounded(.down))...Int((cx + r + w).rounded(.up)) {
                let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                let d = (dx * dx + dy * dy).squareRoot()
                if d >= r && d <= r + w { set(x, y, c) }
            }
        }
    }

    /// Draws a line `thickness` pixels wide.
    public mutating func line(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, thickness: Float = 1,
                              _ c: (UInt8, UInt8, UInt8, UInt8)) {
        let steps = max(1, Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)) * 2)
        for s in 0...steps {
            let t = Float(s) / Float(steps)
            let x = x0 + (x1 - x0) * t, y = y0 + (y1 - y0) * t
            if thickness <= 1 { set(Int(x), Int(y), c) } else { fillCircle(cx: x, cy: y, r: thickness / 2, c) }
        }
    }

    /// Draws `image` with its top-left corner at (x, y), each pixel as a `scale`×`scale` block (clipped),
    /// composited over what is there by the image's alpha.
    public mutating func draw(_ image: Image, x: Int, y: Int, scale: Int = 1) {
        let c = image.format.rawValue
        for row in 0..<image.height * scale {
            for col in 0..<image.width * scale {
                let i = ((row / scale) * image.width + col / scale) * c
                let p = image.pixels
                let px: (UInt8, UInt8, UInt8, UInt8) = switch image.format {
                case .gray: (p[i], p[i], p[i], 255)
                case .rgb: (p[i], p[i + 1], p[i + 2], 255)
                case .rgba: (p[i], p[i + 1], p[i + 2], p[i + 3])
                }
                let tx = x + col, ty = y + row
                guard tx >= 0, ty >= 0, tx < width, ty < height else { continue }
                if px.3 == 255 { set(tx, ty, px); continue }
                let o = 4 * (ty * width + tx), a = UInt16(px.3)
                func mix(_ s: UInt8, _ d: UInt8) -> UInt8 { UInt8((UInt16(s) * a + UInt16(d) * (255 - a) + 127) / 255) }
                pixels[o] = mix(px.0, pixels[o]); pixels[o + 1] = mix(px.1, pixels[o + 1]); pixels[o + 2] = mix(px.2, pixels[o + 2])
                pixels[o + 3] = max(pixels[o + 3], px.3)
            }
        }
    }

    /// The canvas as an RGBA image.
    public var image: Image { Image(width: width, height: height, format: .rgba, pixels: pixels) }
}

/// An RGB colour from 0…1 floats with full alpha.
@inline(__always) func rgba(_ c: [Float], scale: Float = 1) -> (UInt8, UInt8, UInt8, UInt8) {
    func b(_ v: Float) -> UInt8 { UInt8(max(0, min(255, (v * scale * 255).rounded()))) }
    return (b(c[0]), b(c[1]), b(c[2]), 255)
}
