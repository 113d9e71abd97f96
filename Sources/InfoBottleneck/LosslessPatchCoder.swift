import Foundation
import MazeEnv

/// A canonical Huffman code over symbols 0..<n, built from frequencies; every symbol gets a code (zero
/// counts are raised to one), so any sequence of known symbols can be coded.
public struct HuffmanCode: Sendable {
    /// Code length of each symbol.
    public let lengths: [Int]
    /// Code of each symbol as (value, length), canonical order.
    public let codes: [(value: Int, length: Int)]

    public init(frequencies: [Int]) {
        let n = frequencies.count
        precondition(n >= 1, "HuffmanCode: no symbols")
        var lengths = [Int](repeating: 0, count: n)
        if n == 1 { lengths[0] = 1 } else {
            // Pairwise merging of the two lightest groups; each merge adds one bit to every member.
            var groups: [(weight: Int, members: [Int])] = frequencies.enumerated().map { (max($0.element, 1), [$0.offset]) }
            while groups.count > 1 {
                groups.sort { $0.weight != $1.weight ? $0.weight < $1.weight : $0.members[0] < $1.members[0] }
                let a = groups.removeFirst(), b = groups.removeFirst()
                for m in a.members + b.members { lengths[m] += 1 }
                groups.append((a.weight + b.weight, a.members + b.members))
            }
        }
        self.lengths = lengths
        // Canonical codes: by (length, symbol).
        let order = (0..<n).sorted { lengths[$0] != lengths[$1] ? lengths[$0] < lengths[$1] : $0 < $1 }
        var codes = [(value: Int, length: Int)](repeating: (0, 0), count: n)
        var code = 0, previous = lengths[order[0]]
        for (i, s) in order.enumerated() {
            if i > 0 { code = (code + 1) << (lengths[s] - previous) }
            previous = lengths[s]
            codes[s] = (code, lengths[s])
        }
        self.codes = codes
    }

    public func encode(_ symbol: Int, into s: inout BitString) { s.append(codes[symbol].value, width: codes[symbol].length) }

    /// Reads one symbol bit by bit (canonical prefix code).
    public func decode(_ r: inout BitReader) throws -> Int {
        var value = 0, length = 0
        let maxLength = lengths.max() ?? 1
        while length < maxLength {
            value = value << 1 | (try r.readBit() ? 1 : 0)
            length += 1
            if let s = codes.firstIndex(where: { $0.length == length && $0.value == value }) { return s }
        }
        throw MessageError.invalidValue("no Huffman code matches \(length) bits")
    }
}

/// The classical lossless baseline for occupancy patches: run-length coding of the row-major cell states
/// into (state, run length) symbols, then a canonical Huffman code fitted to patch statistics. The bit
/// count of each patch is exact; decoding reproduces the patch exactly or fails.
public struct LosslessPatchCoder: Sendable {
    public let side: Int
    public let huffman: HuffmanCode
    var cellCount: Int { side * side }

    /// Symbol of a run: state × cellCount + (length − 1).
    func symbol(_ state: CellState, _ length: Int) -> Int { state.rawValue * cellCount + length - 1 }

    static func runs(_ p: OccupancyPatch) -> [(CellState, Int)] {
        var out: [(CellState, Int)] = []
        for c in p.cells {
            if let last = out.last, last.0 == c { out[out.count - 1].1 += 1 } else { out.append((c, 1)) }
        }
        return out
    }

    /// Fits the Huffman code to the run statistics of `training` patches.
    public init(training: [OccupancyPatch], side: Int = 11) {
        self.side = side
        var frequencies = [Int](repeating: 0, count: 3 * side * side)
        for p in training { for (s, l) in Self.runs(p) { frequencies[s.rawValue * side * side + l - 1] += 1 } }
        huffman = HuffmanCode(frequencies: frequencies)
    }

    public func encode(_ p: OccupancyPatch) -> BitString {
        precondition(p.side == side, "LosslessPatchCoder: patch side \(p.side), coder side \(side)")
        var s = BitString()
        for (state, length) in Self.runs(p) { huffman.encode(symbol(state, length), into: &s) }
        return s
    }

    public func decode(_ s: BitString) throws -> OccupancyPatch {
        var r = BitReader(s)
        var cells: [CellState] = []
        while cells.count < cellCount {
            let sym = try huffman.decode(&r)
            let state = CellState(rawValue: sym / cellCount)!, length = sym % cellCount + 1
            guard cells.count + length <= cellCount else { throw MessageError.invalidValue("run of \(length) overflows the patch") }
            // The encoder merges equal neighbours, so two runs of one state are never sent: accepting them would let
            // different bits decode to one patch (found by fuzzing).
            guard cells.last != state else { throw MessageError.invalidValue("two consecutive runs of \(state) (not a canonical encoding)") }
            cells += Array(repeating: state, count: length)
        }
        guard r.remaining == 0 else { throw MessageError.wrongLength(expected: r.position, got: s.count) }
        return OccupancyPatch(side: side, cells: cells)
    }
}
