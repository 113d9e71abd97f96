import Foundation

/// Bits needed to name one of `n` values exactly.
public func bitsToIndex(_ n: Int) -> Int {
    precondition(n > 0, "bitsToIndex: need at least one value")
    var bits = 0
    while (1 << bits) < n { bits += 1 }
    return bits
}

/// A cell of a size×size maze, coded in ⌈log₂ size²⌉ bits (8 bits for 15×15).
public struct CellCode: Sendable {
    public let size: Int
    public var width: Int { bitsToIndex(size * size) }
    public init(size: Int = 15) { self.size = size }

    public func encode(x: Int, y: Int, into s: inout BitString) {
        precondition(x >= 0 && y >= 0 && x < size && y < size, "CellCode: (\(x), \(y)) outside \(size)×\(size)")
        s.append(y * size + x, width: width)
    }

    public func decode(_ r: inout BitReader) throws -> (x: Int, y: Int) {
        let v = try r.read(width: width)
        guard v < size * size else { throw MessageError.invalidValue("cell index \(v) ≥ \(size * size)") }
        return (v % size, v / size)
    }
}

/// Message contents with exact fixed-length codes.
public enum FixedMessage: Equatable, Sendable {
    /// A target seen: its object index and its cell.
    case targetSighting(object: Int, x: Int, y: Int)
    /// The sender's pose: its cell and heading quantised to `headingBins` sectors.
    case pose(x: Int, y: Int, headingBin: Int)
}

/// Codes ``FixedMessage`` values: a 1-bit kind, then the fields, each in the fewest bits that name it.
public struct FixedMessageCodec: Sendable {
    public let cells: CellCode
    public let objects: Int
    public let headingBins: Int

    public init(mazeSize: Int = 15, objects: Int = 6, headingBins: Int = 16) {
        cells = CellCode(size: mazeSize); self.objects = objects; self.headingBins = headingBins
    }

    /// Payload bits of each kind (without a checksum).
    public var sightingBits: Int { 1 + bitsToIndex(objects) + cells.width }
    public var poseBits: Int { 1 + cells.width + bitsToIndex(headingBins) }

    public func encode(_ m: FixedMessage) -> BitString {
        var s = BitString()
        switch m {
        case .targetSighting(let o, let x, let y):
            precondition(o >= 0 && o < objects, "FixedMessageCodec: object \(o) of \(objects)")
            s.append(0, width: 1); s.append(o, width: bitsToIndex(objects)); cells.encode(x: x, y: y, into: &s)
        case .pose(let x, let y, let h):
            precondition(h >= 0 && h < headingBins, "FixedMessageCodec: heading bin \(h) of \(headingBins)")
            s.append(1, width: 1); cells.encode(x: x, y: y, into: &s); s.append(h, width: bitsToIndex(headingBins))
        }
        return s
    }

    /// Decodes exactly one message; trailing or missing bits and out-of-range values are errors.
    public func decode(_ s: BitString) throws -> FixedMessage {
        var r = BitReader(s)
        let message: FixedMessage
        if try r.readBit() {
            let c = try cells.decode(&r)
            let h = try r.read(width: bitsToIndex(headingBins))
            guard h < headingBins else { throw MessageError.invalidValue("heading bin \(h) ≥ \(headingBins)") }
            message = .pose(x: c.x, y: c.y, headingBin: h)
        } else {
            let o = try r.read(width: bitsToIndex(objects))
            guard o < objects else { throw MessageError.invalidValue("object \(o) ≥ \(objects)") }
            let c = try cells.decode(&r)
            message = .targetSighting(object: o, x: c.x, y: c.y)
        }
        guard r.remaining == 0 else { throw MessageError.wrongLength(expected: s.count - r.remaining, got: s.count) }
        return message
    }

    /// The heading sector of an angle in radians.
    public func headingBin(_ angle: Float) -> Int { headingSector(angle, of: headingBins) }
}

/// The sector of `bins` equal sectors that a heading (radians, any turn) falls in, from −π counter-clockwise.
public func headingSector(_ angle: Float, of bins: Int) -> Int {
    let t = (angle + .pi) / (2 * .pi)
    return min(bins - 1, max(0, Int((t - t.rounded(.down)) * Float(bins))))
}
