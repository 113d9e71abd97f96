import Foundation
import FuzzSupport
import GridCell
import BEV
import SocialPlaceCell
import HRLICM
import TeamSearch
import MazeEnv
import Training

/// Configuration decoding and validation on arbitrary JSON: model configurations (as checkpoints carry them) and
/// run configurations (as `config.json` holds them); the first byte picks the type.
func check<T: Decodable>(_ type: T.Type, _ data: Data, _ validate: (T) throws -> Void) {
    guard let value = try? JSONDecoder.lenient.decode(T.self, from: data) else { return }
    _ = try? validate(value)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigs(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = FuzzInput(start, count)
    let data = input.rest
    switch input.selector % 12 {
    case 0: check(GridCellConfig.self, data) { try $0.validate() }
    case 1: check(BEVModelConfig.self, data) { try $0.validate() }
    case 2: check(TargetDetectorConfig.self, data) { try $0.validate() }
    case 3: check(SocialNetworkConfig.self, data) { try $0.validate() }
    case 4: check(HRLConfig.self, data) { try $0.validate() }
    case 5: check(GridCellTrainingConfig.self, data) { try $0.validate() }
    case 6: check(BEVTrainingConfig.self, data) { try $0.validate() }
    case 7: check(TargetDetectorTrainingConfig.self, data) { try $0.validate() }
    case 8: check(SocialTrainingConfig.self, data) { try $0.validate() }
    case 9: check(HRLTrainingConfig.self, data) { try $0.validate() }
    case 10: check(CollectConfig.self, data) { try $0.validate() }
    default: check(TeamSearchConfig.self, data) { try $0.validate() }
    }
    return 0
}

/// The entry point SwiftPM links in place of `main` (see FuzzDriver.h).
@_cdecl("FuzzConfigs_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ssm_run_fuzzer(argc, argv) { fuzzConfigs($0, $1) }
}
