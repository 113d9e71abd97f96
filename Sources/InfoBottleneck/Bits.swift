import Foundation

/// A sequence of bits with an exact length (not rounded to bytes): what a message costs on the channel.
public struct BitString: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Bits, most significant first within each appended value.
    public private(set) var bits: [Bool] = []
    public init() {}
    public init(_ bits: [Bool]) { self.bits = bits }

    public var count: Int { bits.count }

    /// Appends the low `width` bits of `value`, most significant first.
    public mutating func append(_ value: Int, width: Int) {
        precondition(width >= 0 && width <= 62 && value >= 0 && value < (1 << width), "BitString: \(value) does not fit in \(width) bits")
        for i in stride(from: width - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) }
    }

    public mutating func append(_ other: BitString) { bits += other.bits }

    public var description: String { String(bits.map { $0 ? "1" : "0" }) }

    /// Bytes, zero-padded at the end.
    public var bytes: [UInt8] {
        stride(from: 0, to: bits.count, by: 8).map { start in
            (0..<8).reduce(UInt8(0)) { acc, i in acc << 1 | (start + i < bits.count && bits[start + i] ? 1 : 0) }
        }
    }
}

/// Reads values back from a ``BitString``; reading past the end is an error, never a silent zero.
public struct BitReader {
    public let string: BitString
    public private(set) var position = 0
    public init(_ string: BitString) { self.string = string }

    public var remaining: Int { string.count - position }

    public mutating func read(width: Int) throws -> Int {
        guard width <= remaining else { throw MessageError.truncated(needed: width, available: remaining) }
        var v = 0
        for _ in 0..<width { v = v << 1 | (string.bits[position] ? 1 : 0); position += 1 }
        return v
    }

    public mutating func readBit() throws -> Bool { try read(width: 1) == 1 }
}

/// Why a message could not be decoded.
public enum MessageError: Error, Equatable, CustomStringConvertible {
    case truncated(needed: Int, available: Int)
    case checksumMismatch
    case invalidValue(String)
    case wrongLength(expected: Int, got: Int)

    public var description: String {
        switch self {
        case .truncated(let n, let a): "message truncated: needed \(n) more bits, \(a) left"
        case .checksumMismatch: "message corrupted: checksum mismatch"
        case .invalidValue(let s): "message holds an invalid value: \(s)"
        case .wrongLength(let e, let g): "message has \(g) bits, expected \(e)"
        }
    }
}

/// CRC-8 (polynomial x⁸ + x² + x + 1) over bits: a corrupted message is rejected, not decoded into garbage.
public enum CRC8 {
    public static func checksum(_ s: BitString) -> Int {
        var crc: UInt8 = 0
        for bit in s.bits {
            let top = (crc & 0x80) != 0
            crc <<= 1
            if top != bit { crc ^= 0x07 }
        }
        return Int(crc)
    }

    /// `payload` followed by its 8-bit checksum.
    public static func seal(_ payload: BitString) -> BitString {
        var s = payload
        s.append(checksum(payload), width: 8)
        return s
    }

    /// The payload of a sealed string, or an error when the checksum does not match.
    public static func open(_ sealed: BitString) throws -> BitString {
        guard sealed.count >= 8 else { throw MessageError.truncated(needed: 8, available: sealed.count) }
        let payload = BitString(Array(sealed.bits.prefix(sealed.count - 8)))
        var r = BitReader(BitString(Array(sealed.bits.suffix(8))))
        guard try r.read(width: 8) == checksum(payload) else { throw MessageError.checksumMismatch }
        return payload
    }
}
