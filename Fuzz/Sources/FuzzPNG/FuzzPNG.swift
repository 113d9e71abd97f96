import Foundation
import FuzzSupport
import Basics

/// The PNG reader on arbitrary bytes, with a 2²⁰-pixel limit so that a header cannot make a run slow.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = FuzzInput(start, count)
    let format: Image.Format? = [nil, .gray, .rgb, .rgba][Int(input.selector % 4)]
    if let image = try? Image.decode(input.rest, file: "fuzz", as: format, maxPixels: 1 << 20) {
        precondition(image.pixels.count == image.width * image.height * image.format.rawValue)
    }
    return 0
}

/// The entry point SwiftPM links in place of `main` (see FuzzDriver.h).
@_cdecl("FuzzPNG_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ssm_run_fuzzer(argc, argv) { fuzzPNG($0, $1) }
}
