import Foundation
import Tensor

/// A training run folder: `config.json`, `metrics.jsonl`, `checkpoints/NAME.safetensors` with the
/// optimiser state beside each, `figures/`. Checkpoints are written atomically, so a run stopped at any
/// moment resumes from its last complete epoch.
public struct RunFolder: Sendable {
    public let url: URL
    public var checkpoints: URL { url.appendingPathComponent("checkpoints") }
    public var configURL: URL { url.appendingPathComponent("config.json") }
    public var metricsURL: URL { url.appendingPathComponent("metrics.jsonl") }
    public var figures: URL { url.appendingPathComponent("figures") }
    public var latest: URL { checkpoints.appendingPathComponent("latest.safetensors") }

    public init(_ url: URL) { self.url = url }

    /// Starts a run (writes `config.json`, clears old metrics) or, with `resume` and an existing latest
    /// checkpoint, reloads `module` and `optimizer` and returns the saved progress. A resumed run must have
    /// the same configuration as far as `sameRun` says.
    public func open<Config: Codable>(config: Config, resume: Bool, module: Module, optimizer: Optimizer,
                                      sameRun: (Config, Config) -> Bool) throws -> RunProgress? {
        let fm = FileManager.default
        if resume && fm.fileExists(atPath: latest.path) {
            let saved: Config
            do { saved = try JSONDecoder.lenient.decode(Config.self, from: Data(contentsOf: configURL)) } catch {
                throw FileFormatError(file: configURL.path, "cannot be read as this run's configuration (\(error))")
            }
            guard sameRun(saved, config) else {
                throw FileFormatError(file: configURL.path, "the run was started with a different configuration; resume with the same flags or use a new --output")
            }
            var resumed = try loadLatest(module: module, optimizer: optimizer)
            resumed.seconds = try keepMetrics(lines: resumed.metricsLines)
            removeStrayTemporaryFiles()
            return resumed
        }
        try fm.createDirectory(at: checkpoints, withIntermediateDirectories: true)
        try fm.createDirectory(at: figures, withIntermediateDirectories: true)
        let encoder = JSONEncoder.lenient
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try encoder.encode(config), to: configURL)
        try? fm.removeItem(at: metricsURL)
        return nil
    }

    /// Loads `checkpoints/latest` into `module` and `optimizer` and returns its progress, writing nothing: how the
    /// members of a data-parallel run other than member 0 resume, once member 0 has opened the folder.
    public func loadLatest(module: Module, optimizer: Optimizer) throws -> RunProgress {
        let metadata = try Checkpoint.load(into: module, optimizer: optimizer, from: latest)
        guard let text = metadata["progress"],
              let progress = try? JSONDecoder.lenient.decode(RunProgress.self, from: Data(text.utf8)) else {
            throw FileFormatError(file: latest.path, "metadata lacks a readable 'progress' entry (epoch, step, learning rate, schedule)")
        }
        optimizer.learningRate = progress.learningRate
        return progress
    }

    /// ``open(config:resume:module:optimizer:sameRun:)`` for configurations that may change only their length.
    public func open<Config: ResumableRunConfig>(config: Config, resume: Bool, module: Module, optimizer: Optimizer) throws -> RunProgress? {
        try open(config: config, resume: resume, module: module, optimizer: optimizer) { $0.sameRun(as: $1) }
    }

    /// Cuts `metrics.jsonl` back to the first `lines` lines (the ones the resumed checkpoint had seen: an epoch
    /// logged by a run stopped before its checkpoint was written is logged again, once) and returns the run's
    /// time from the last kept line's `seconds` (0 without one).
    func keepMetrics(lines: Int?) throws -> Double {
        var kept = metricsLines()
        if let lines, kept.count != lines {
            guard kept.count > lines else {
                throw FileFormatError(file: metricsURL.path, "has \(kept.count) lines but the checkpoint was saved after \(lines); it was edited or truncated")
            }
            kept = Array(kept.prefix(lines))
            try writeAtomically(Data(kept.map { Data($0) + Data("\n".utf8) }.joined()), to: metricsURL)
        }
        guard let last = kept.last, let object = try? JSONSerialization.jsonObject(with: Data(last)) as? [String: Any],
              let seconds = (object["seconds"] as? NSNumber)?.doubleValue, seconds.isFinite else { return 0 }
        return seconds
    }

    /// Temporary files of atomic writes a killed process left behind (`.NAME.tmp-PID`).
    func removeStrayTemporaryFiles() {
        let fm = FileManager.default
        for dir in [url, checkpoints] {
            for name in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [] where name.hasPrefix(".") && name.contains(".tmp-") {
                try? fm.removeItem(at: dir.appendingPathComponent(name))
            }
        }
    }

    /// The lines of `metrics.jsonl` (none when it does not exist).
    func metricsLines() -> [Data.SubSequence] {
        FileManager.default.contents(atPath: metricsURL.path)?.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) ?? []
    }

    /// The number of lines `metrics.jsonl` holds now.
    public func metricsLineCount() -> Int { metricsLines().count }

    /// Saves `checkpoints/NAME.safetensors` (and its optimiser state) with the progress in its metadata, and
    /// the number of metrics lines written so far (log an epoch before saving it).
    public func save(_ name: String, module: Module, optimizer: Optimizer, progress: RunProgress,
                     metadata: [String: String] = [:]) throws {
        var meta = metadata
        var progress = progress
        progress.metricsLines = metricsLineCount()
        meta["progress"] = String(decoding: try JSONEncoder.lenient.encode(progress), as: UTF8.self)
        meta["epoch"] = "\(progress.epoch)"; meta["step"] = "\(progress.step)"
        try Checkpoint.save(module, optimizer: optimizer, to: checkpoints.appendingPathComponent("\(name).safetensors"), metadata: meta)
    }

    /// Appends one JSON line to `metrics.jsonl`.
    public func appendMetrics<T: Encodable>(_ record: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let line = try encoder.encode(record) + Data("\n".utf8)
        let fm = FileManager.default
        if !fm.fileExists(atPath: metricsURL.path) { _ = fm.createFile(atPath: metricsURL.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: metricsURL)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
    }

    /// Reads a run's `metrics.jsonl`, one record per line. Lines written before the learning rate's key
    /// became `learning_rate` everywhere (the BEV and detector runs logged `lr`) read the same.
    public static func readMetrics<Record: Decodable>(_ type: Record.Type = Record.self, from url: URL) throws -> [Record] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch { throw FileFormatError(file: url.path, "cannot be read (\(error))") }
        return try text.split(separator: "\n").enumerated().map { i, line in
            do {
                var data = Data(line.utf8)
                if var object = try JSONSerialization.jsonObject(with: data) as? [String: Any], object["learning_rate"] == nil,
                   let legacy = object.removeValue(forKey: "lr") {
                    object["learning_rate"] = legacy
                    data = try JSONSerialization.data(withJSONObject: object)
                }
                return try JSONDecoder.lenient.decode(Record.self, from: data)
            } catch {
                throw FileFormatError(file: url.path, "line \(i + 1) is not an epoch record (\(error))")
            }
        }
    }

    /// Whether every parameter of `module` is finite (checked before a checkpoint is written).
    public static func isFinite(_ module: Module) -> Bool {
        module.parameters().allSatisfy { p in
            let b = UnsafeBufferPointer(start: p.storage.pointer, count: p.count)
            return b.allSatisfy(\.isFinite)
        }
    }
}

extension JSONDecoder {
    /// Reads ±infinity and NaN written as strings ("inf", "-inf", "nan").
    public static var lenient: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}

extension JSONEncoder {
    /// Writes ±infinity and NaN as strings (a plateau schedule's initial best is +∞), keys sorted so that the same
    /// values always give the same bytes (checkpoint metadata, run configurations).
    public static var lenient: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting.insert(.sortedKeys)
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }
}
