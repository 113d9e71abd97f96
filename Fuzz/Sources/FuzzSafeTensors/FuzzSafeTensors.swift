import Foundation
import FuzzSupport
import Tensor

/// The safetensors reader on arbitrary bytes: it returns tensors or throws, never traps or over-allocates.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = FuzzInput(start, count)
    if let (tensors, _) = try? SafeTensors.decode(input.data, file: "fuzz") {
        _ = SafeTensors.firstNonFinite(tensors)
        for t in tensors.values { precondition(t.count * 4 <= input.data.count, "a tensor larger than its file") }
    }
    return 0
}

/// The entry point SwiftPM links in place of `main` (see FuzzDriver.h).
@_cdecl("FuzzSafeTensors_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ssm_run_fuzzer(argc, argv) { fuzzSafeTensors($0, $1) }
}
