import Foundation
import Testing
import InfoBottleneck
import TeamSearch

/// Inputs the fuzz targets (Fuzz/, `scripts/fuzz.sh`) found, kept as regression tests: each failed once.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// FuzzWireFormats input → the bits it feeds the decoders (byte 0 picks the codec, byte 1 the padding).
    func bits(_ input: [UInt8]) -> BitString {
        let all = input.dropFirst(2).flatMap { b in (0..<8).map { b & (0x80 >> $0) != 0 } }
        return BitString(Array(all.dropLast(min(Int(input[1]) % 8, all.count))))
    }

    /// A lossless patch split into two runs of the same state decoded to a patch that re-encodes differently:
    /// different bits meant the same message. Now refused as non-canonical.
    @Test func patchesWithSplitRunsAreRefused() throws {
        let input: [UInt8] = [0x07, 0x05, 0x67, 0x7f, 0x97, 0xe9, 0x5f, 0x4a, 0xfa, 0x57, 0x27, 0x9a, 0xe9, 0x5f, 0x4a, 0xfa,
                              0x57, 0x27, 0x9a, 0xb8, 0xc0, 0x80]
        let codec = TeamCodec(mazeSize: 9, objects: 3, codedPatchBits: 4)
        let message = errorText { _ = try codec.decode(bits(input)) }
        #expect(message?.contains("canonical") == true, "\(message ?? "decoded")")
    }

    /// FuzzConfigs: a budget of "0.000…02" passed the fraction test with a numerator rounding to 0 and trapped in
    /// `BitRate.init`; a decoded rate of 0/0 or a huge one would divide by zero or overflow later.
    @Test func degenerateBitRatesAreRefused() throws {
        #expect(BitRate("0." + String(repeating: "0", count: 40) + "2") == nil)
        #expect(BitRate("2000000") == nil && BitRate("1/0") == nil && BitRate("-4") == nil)
        #expect(BitRate("0.25") == BitRate(1, per: 4) && BitRate("1000000")?.numerator == 1_000_000)
        for json in [#"{"numerator":0,"denominator":1}"#, #"{"numerator":1,"denominator":0}"#, #"{"numerator":9223372036854775807,"denominator":1}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(BitRate.self, from: Data(json.utf8)) }
        }
    }
}
