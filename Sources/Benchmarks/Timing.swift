import Foundation

/// Median wall time of `body` in milliseconds after `warmup` runs.
public func medianMilliseconds(repetitions: Int, warmup: Int = 2, _ body: () -> Void) -> Double {
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    for _ in 0..<repetitions {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    return times.sorted()[times.count / 2]
}

/// Peak resident memory of this process (VmHWM), in MiB; nil off Linux.
public func peakResidentMiB() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return nil
}

/// A reference script under `Benchmarks/reference/` (PyTorch, Memory-Maze), run in the same invocation as our
/// case so that both meet the same machine state.
public struct ReferenceScript: Sendable {
    public let name: String
    /// Arguments before `--threads` (which case of a script that serves several).
    public let arguments: [String]
    public init(_ name: String, arguments: [String] = []) { self.name = name; self.arguments = arguments }

    /// The script's `ms` (the last stdout line is a JSON object), or nil with the reason sent to `log` when
    /// the script is missing or its interpreter cannot run it.
    public func milliseconds(threads: Int, python: String, log: (String) -> Void) -> Double? {
        let url = URL(fileURLWithPath: "Benchmarks/reference/\(name)")
        guard FileManager.default.fileExists(atPath: url.path) else {
            log("reference: \(url.path) not found (run from the repository root)")
            return nil
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, url.path] + arguments + ["--threads", "\(threads)"]
        let pipe = Pipe()
        p.standardOutput = pipe
        do { try p.run() } catch { log("reference: \(python) did not start (\(error))"); return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let ms = obj["ms"] as? Double else {
            log("reference: \(name) did not run (is its module importable by \(python)?)")
            return nil
        }
        return ms
    }
}
