import Basics
import Foundation
import InfoBottleneck
import MazeEnv

/// A cell of the maze.
public struct MapCell: Hashable, Codable, Sendable {
    public var x, y: Int
    public init(_ x: Int, _ y: Int) { self.x = x; self.y = y }
}

/// An object seen: its index (its colour) and its cell.
public struct Sighting: Hashable, Codable, Sendable {
    public var object: Int
    public var cell: MapCell
    public init(object: Int, cell: MapCell) { self.object = object; self.cell = cell }
}

/// An agent's pose as a message carries it: its cell and heading sector.
public struct PoseReport: Hashable, Sendable {
    public var cell: MapCell
    public var headingBin: Int
    public init(cell: MapCell, headingBin: Int) { self.cell = cell; self.headingBin = headingBin }
}

/// Everything agents of the team task say to each other. Every message is a `BitString` with a 3-bit kind;
/// what it costs on the wire is exactly what ``TeamCodec/encode(_:)`` returns (plus the channel's checksum).
public enum TeamMessage: Equatable, Sendable {
    /// An object seen, and where.
    case sighting(Sighting)
    /// The sender's pose.
    case pose(PoseReport)
    /// The frontier cell the sender is heading for (so partners pick other ones).
    case goal(MapCell)
    /// An 11×11 patch of the sender's map around a cell, losslessly coded (run lengths + Huffman).
    case patch(centre: MapCell, patch: OccupancyPatch)
    /// The broadcast baseline's round: the whole map raw (2 bits per cell), the pose and every sighting.
    case snapshot(map: CellMap, pose: PoseReport, sightings: [Sighting])
    /// The literal broadcast's update: the cells in view (their bounding box, raw), the pose and the sightings.
    case local(origin: MapCell, width: Int, cells: [CellState], pose: PoseReport, sightings: [Sighting])
    /// An 11×11 patch around a cell in a learned k-bit code (a shipped `LearnedPatchCode`): lossy, exactly k bits.
    case codedPatch(centre: MapCell, code: BitString)
    /// A sighting found wrong: the sender saw the cell without the object (a detector's mistake, a false message).
    case retraction(Sighting)

    public static func == (a: TeamMessage, b: TeamMessage) -> Bool {
        switch (a, b) {
        case (.sighting(let x), .sighting(let y)): x == y
        case (.pose(let x), .pose(let y)): x == y
        case (.goal(let x), .goal(let y)): x == y
        case (.patch(let c, let p), .patch(let d, let q)): c == d && p == q
        case (.snapshot(let m, let p, let s), .snapshot(let n, let q, let t)): m == n && p == q && s == t
        case (.local(let o, let w, let c, let p, let s), .local(let o2, let w2, let c2, let p2, let s2)): o == o2 && w == w2 && c == c2 && p == p2 && s == s2
        case (.codedPatch(let c, let k), .codedPatch(let d, let l)): c == d && k == l
        case (.retraction(let x), .retraction(let y)): x == y
        default: false
        }
    }
}

/// Codes ``TeamMessage``s for one maze size and object count; decoding hostile bits throws a `MessageError`
/// (truncated, out of range, trailing bits), never crashes and never yields a wrong message silently (the
/// channel's CRC-8 catches corruption before this).
public struct TeamCodec: Sendable {
    public let mazeSize: Int, objects: Int, headingBins = 16
    /// The length of learned patch codes, when the team uses one (nil: `codedPatch` messages are invalid).
    public let codedPatchBits: Int?
    let cells: CellCode
    let patchCoder: LosslessPatchCoder
    static let kindBits = 3

    public init(mazeSize: Int, objects: Int, codedPatchBits: Int? = nil, patchCoder: LosslessPatchCoder = TeamCodec.sharedPatchCoder) {
        self.mazeSize = mazeSize; self.objects = objects; self.codedPatchBits = codedPatchBits
        cells = CellCode(size: mazeSize); self.patchCoder = patchCoder
    }

    /// The lossless patch coder fitted once to 2,000 patches of explorers' maps (seed 1, fixed for good:
    /// sender and receiver must share it).
    public static let sharedPatchCoder: LosslessPatchCoder = LosslessPatchCoder(training: (try? PatchSampler(seed: 1).sample(2000)) ?? [])

    var objectBits: Int { bitsToIndex(objects) }
    var countBits: Int { bitsToIndex(objects + 1) }
    var sideBits: Int { bitsToIndex(mazeSize) }

    public func encode(_ m: TeamMessage) -> BitString {
        var s = BitString()
        switch m {
        case .sighting(let t):
            s.append(0, width: Self.kindBits); append(t, &s)
        case .pose(let p):
            s.append(1, width: Self.kindBits); append(p, &s)
        case .goal(let c):
            s.append(2, width: Self.kindBits); cells.encode(x: c.x, y: c.y, into: &s)
        case .patch(let c, let p):
            s.append(3, width: Self.kindBits); cells.encode(x: c.x, y: c.y, into: &s); s.append(patchCoder.encode(p))
        case .snapshot(let map, let pose, let sightings):
            precondition(map.size == mazeSize, "TeamCodec: map of \(map.size), codec for \(mazeSize)")
            s.append(4, width: Self.kindBits)
            for c in map.cells { s.append(c.rawValue, width: 2) }
            append(pose, &s); append(sightings, &s)
        case .local(let origin, let width, let states, let pose, let sightings):
            precondition(width > 0 && !states.isEmpty && states.count % width == 0, "TeamCodec: a local update needs whole rows")
            s.append(5, width: Self.kindBits); cells.encode(x: origin.x, y: origin.y, into: &s)
            s.append(width - 1, width: sideBits); s.append(states.count / width - 1, width: sideBits)
            for c in states { s.append(c.rawValue, width: 2) }
            append(pose, &s); append(sightings, &s)
        case .codedPatch(let c, let code):
            precondition(code.count == codedPatchBits, "TeamCodec: a \(code.count)-bit code, the team's codes have \(codedPatchBits.map(String.init) ?? "no") bits")
            s.append(6, width: Self.kindBits); cells.encode(x: c.x, y: c.y, into: &s); s.append(code)
        case .retraction(let t):
            s.append(7, width: Self.kindBits); append(t, &s)
        }
        return s
    }

    public func decode(_ s: BitString) throws -> TeamMessage {
        var r = BitReader(s)
        let message: TeamMessage
        switch try r.read(width: Self.kindBits) {
        case 0: message = .sighting(try sighting(&r))
        case 1: message = .pose(try pose(&r))
        case 2: message = .goal(try cell(&r))
        case 3:
            let c = try cell(&r)
            return .patch(centre: c, patch: try patchCoder.decode(BitString(Array(s.bits[r.position...]))))
        case 4:
            var states: [CellState] = []
            for _ in 0..<(mazeSize * mazeSize) { states.append(try state(&r)) }
            message = .snapshot(map: CellMap(size: mazeSize, cells: states), pose: try pose(&r), sightings: try sightings(&r))
        case 5:
            let origin = try cell(&r)
            let w = try r.read(width: sideBits) + 1, h = try r.read(width: sideBits) + 1
            guard origin.x + w <= mazeSize, origin.y + h <= mazeSize else { throw MessageError.invalidValue("local box \(w)×\(h) at (\(origin.x), \(origin.y)) leaves the maze") }
            var states: [CellState] = []
            for _ in 0..<(w * h) { states.append(try state(&r)) }
            message = .local(origin: origin, width: w, cells: states, pose: try pose(&r), sightings: try sightings(&r))
        case 6:
            guard let k = codedPatchBits else { throw MessageError.invalidValue("a coded patch, but the team uses no learned code") }
            let c = try cell(&r)
            guard r.remaining == k else { throw MessageError.wrongLength(expected: r.position + k, got: s.count) }
            return .codedPatch(centre: c, code: BitString(Array(s.bits[r.position...])))
        case 7: message = .retraction(try sighting(&r))
        case let k: throw MessageError.invalidValue("message kind \(k)")
        }
        guard r.remaining == 0 else { throw MessageError.wrongLength(expected: s.count - r.remaining, got: s.count) }
        return message
    }

    /// The heading sector of an angle in radians.
    public func headingBin(_ angle: Float) -> Int { headingSector(angle, of: headingBins) }

    func append(_ t: Sighting, _ s: inout BitString) {
        precondition(t.object >= 0 && t.object < objects, "TeamCodec: object \(t.object) of \(objects)")
        s.append(t.object, width: objectBits); cells.encode(x: t.cell.x, y: t.cell.y, into: &s)
    }
    func append(_ p: PoseReport, _ s: inout BitString) { cells.encode(x: p.cell.x, y: p.cell.y, into: &s); s.append(p.headingBin, width: bitsToIndex(headingBins)) }
    func append(_ list: [Sighting], _ s: inout BitString) {
        precondition(list.count <= objects, "TeamCodec: \(list.count) sightings of \(objects) objects")
        s.append(list.count, width: countBits)
        for t in list { append(t, &s) }
    }
    func cell(_ r: inout BitReader) throws -> MapCell { let c = try cells.decode(&r); return MapCell(c.x, c.y) }
    func state(_ r: inout BitReader) throws -> CellState {
        let v = try r.read(width: 2)
        guard let c = CellState(rawValue: v) else { throw MessageError.invalidValue("cell state \(v)") }
        return c
    }
    func sighting(_ r: inout BitReader) throws -> Sighting {
        let o = try r.read(width: objectBits)
        guard o < objects else { throw MessageError.invalidValue("object \(o) ≥ \(objects)") }
        return Sighting(object: o, cell: try cell(&r))
    }
    func pose(_ r: inout BitReader) throws -> PoseReport {
        let c = try cell(&r), h = try r.read(width: bitsToIndex(headingBins))
        guard h < headingBins else { throw MessageError.invalidValue("heading bin \(h) ≥ \(headingBins)") }
        return PoseReport(cell: c, headingBin: h)
    }
    func sightings(_ r: inout BitReader) throws -> [Sighting] {
        let n = try r.read(width: countBits)
        guard n <= objects else { throw MessageError.invalidValue("\(n) sightings of \(objects) objects") }
        return try (0..<n).map { _ in try sighting(&r) }
    }
}
