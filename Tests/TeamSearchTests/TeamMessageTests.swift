import Foundation
import Testing
import InfoBottleneck
import MazeEnv
@testable import TeamSearch

@Suite("Team wire formats")
struct TeamMessageTests {
    let codec = TeamCodec(mazeSize: 15, objects: 6)

    func samples() -> [TeamMessage] {
        var map = CellMap(size: 15)
        map[3, 4] = .free; map[3, 5] = .wall; map[14, 14] = .free
        let pose = PoseReport(cell: MapCell(7, 2), headingBin: 11)
        let seen = [Sighting(object: 2, cell: MapCell(1, 13)), Sighting(object: 5, cell: MapCell(14, 0))]
        return [.sighting(Sighting(object: 5, cell: MapCell(14, 14))), .pose(pose), .goal(MapCell(0, 0)),
                .patch(centre: MapCell(3, 4), patch: OccupancyPatch(map: map, centre: (3, 4), side: 11)),
                .snapshot(map: map, pose: pose, sightings: seen), .snapshot(map: map, pose: pose, sightings: []),
                .local(origin: MapCell(2, 3), width: 3, cells: [.free, .wall, .unknown, .free, .free, .wall], pose: pose, sightings: seen),
                .retraction(Sighting(object: 1, cell: MapCell(9, 3)))]
    }

    /// Every format round-trips exactly, and costs what its fields need: 3 + 3 + 8 bits for a sighting or a
    /// retraction, 3 + 8 + 4 for a pose, 3 + 450 + 12 + 3 + 2·11 for a snapshot with two sightings.
    @Test func everyFormatRoundTripsAndCostsItsFields() throws {
        for m in samples() { #expect(try codec.decode(codec.encode(m)) == m) }
        #expect(codec.encode(.sighting(Sighting(object: 0, cell: MapCell(0, 0)))).count == 14)
        #expect(codec.encode(.pose(PoseReport(cell: MapCell(0, 0), headingBin: 0))).count == 15)
        #expect(codec.encode(.retraction(Sighting(object: 0, cell: MapCell(0, 0)))).count == 14)
        #expect(codec.encode(samples()[4]).count == 3 + 450 + 12 + 3 + 2 * 11)
    }

    /// Hostile bits: every truncation and every single flipped bit either fails to decode or decodes to a
    /// well-formed message (a flip inside a field can be another valid value, which the channel's CRC-8
    /// catches first); nothing crashes.
    @Test func truncatedOrFlippedBitsNeverCrash() {
        for m in samples() {
            let bits = codec.encode(m).bits
            for cut in stride(from: 0, to: bits.count, by: max(1, bits.count / 40)) {
                #expect(throws: MessageError.self) { try codec.decode(BitString(Array(bits.prefix(cut)))) }
            }
            for i in stride(from: 0, to: bits.count, by: max(1, bits.count / 60)) {
                var b = bits; b[i].toggle()
                _ = try? codec.decode(BitString(b))
            }
            #expect(throws: MessageError.self) { try codec.decode(BitString(bits + [true, false])) }
        }
        // A retraction of object 7 of 6.
        #expect(throws: MessageError.self) { try codec.decode(BitString([true, true, true, true, true, true] + Array(repeating: false, count: 8))) }
    }

    /// A learned k-bit patch code travels as 3 + 8 + k bits; a wrong length or a team without codes is an error,
    /// and the shipped 16-bit code's bits decode back into a patch.
    @Test func learnedCodesTravelInExactlyKBits() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models/ib/code_16bits.safetensors").standardized
        let code = try LearnedPatchCode.load(url)
        var map = CellMap(size: 15)
        for x in 0..<15 { map[x, 7] = .free; map[x, 6] = .wall }
        let patch = OccupancyPatch(map: map, centre: (7, 7), side: 11)
        let bits = code.encode([patch])[0]
        let coded = TeamCodec(mazeSize: 15, objects: 6, codedPatchBits: 16)
        let wire = coded.encode(.codedPatch(centre: MapCell(7, 7), code: bits))
        #expect(wire.count == 3 + 8 + 16)
        guard case .codedPatch(let centre, let received) = try coded.decode(wire) else { Issue.record("not a coded patch"); return }
        #expect(centre == MapCell(7, 7) && received == bits)
        #expect(try code.decode([received])[0].cells.count == 121)
        #expect(throws: MessageError.self) { try coded.decode(BitString(Array(wire.bits.dropLast()))) }
        #expect(throws: MessageError.self) { try codec.decode(wire) }
    }
}
