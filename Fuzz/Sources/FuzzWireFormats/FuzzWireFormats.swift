import Foundation
import FuzzSupport
import InfoBottleneck
import TeamSearch

/// Every wire-format decoder on arbitrary bits: the team codec (each preset size, 1–6 objects, with and without
/// learned codes), sealed messages, the lossless patch coder and the fixed codes. A decoded team message must
/// re-encode to the same bits: nothing decodes into a different message silently.
let codecs: [TeamCodec] = [9, 11, 13, 15].flatMap { size in
    (1...6).flatMap { objects in [nil, 4, 16].map { TeamCodec(mazeSize: size, objects: objects, codedPatchBits: $0) } }
}
let fixed = FixedMessageCodec()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireFormats(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = FuzzInput(start, count)
    // The second byte says how many of the last byte's bits are padding (messages need not fill whole bytes).
    let all = Array(input.bits.dropFirst(8)), padding = Int(input.rest.first ?? 0) % 8
    let bits = BitString(Array(all.dropLast(min(padding, all.count))))
    let codec = codecs[Int(input.selector) % codecs.count]
    if let m = try? codec.decode(bits) {
        precondition(codec.encode(m) == bits, "a message that does not re-encode to its bits")
    }
    if let payload = try? CRC8.open(bits) { _ = try? codec.decode(payload) }
    _ = try? TeamCodec.sharedPatchCoder.decode(bits)
    _ = try? fixed.decode(bits)
    return 0
}

/// The entry point SwiftPM links in place of `main` (see FuzzDriver.h).
@_cdecl("FuzzWireFormats_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ssm_run_fuzzer(argc, argv) { fuzzWireFormats($0, $1) }
}
