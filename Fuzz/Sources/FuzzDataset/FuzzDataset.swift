import Foundation
import FuzzSupport
import MazeEnv

/// The dataset reader on arbitrary `env_config.json` and `frame_info.json` (the input's two halves, split at its
/// first zero byte), written into a scratch episode folder.
let episode: URL = {
    let dir = URL(fileURLWithPath: "/dev/shm").appendingPathComponent("ssm-fuzz-dataset-\(ProcessInfo.processInfo.processIdentifier)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDataset(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let (config, frames) = FuzzInput(start, count).halves
    try? config.write(to: episode.appendingPathComponent("env_config.json"))
    try? frames.write(to: episode.appendingPathComponent("frame_info.json"))
    if let e = try? Dataset.loadEpisode(episode, images: .none) {
        precondition(!e.frames.isEmpty && e.trajectories.reduce(0) { $0 + $1.count } == e.frames.count)
        for f in e.frames { precondition(f.pose.x.isFinite && f.pose.heading.isFinite && f.velocity.x.isFinite) }
    }
    return 0
}

/// The entry point SwiftPM links in place of `main` (see FuzzDriver.h).
@_cdecl("FuzzDataset_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ssm_run_fuzzer(argc, argv) { fuzzDataset($0, $1) }
}
