import Foundation
import Tensor

/// What tools need of every trainer (grid-cell, social, BEV, detector): where the run is, its folder, and the
/// epoch loop with the two callbacks every trainer takes.
public protocol Trainer {
    /// One epoch's record, as `metrics.jsonl` logs it; its description is the epoch's progress line.
    associatedtype Metrics: Encodable & CustomStringConvertible
    associatedtype Config: RunConfig
    var config: Config { get }
    var epoch: Int { get }
    var step: Int { get }
    var folder: RunFolder { get }
    /// Trains from the current epoch on; `report` gets each epoch's record once it is saved, `onStep` every
    /// few steps the step and its loss.
    func train(report: (Metrics) -> Void, onStep: (Int, Float) -> Void) throws -> [Metrics]
    /// Figures an outcome also reports under names scripts read before the record had its own (default none).
    func aliases(_ last: Metrics) -> [String: Double]
}

extension Trainer {
    public func aliases(_ last: Metrics) -> [String: Double] { [:] }
}

/// Where a training session left its run: the folder, the epoch and step, and the last epoch's record
/// (encoded flat: the record's keys beside `run_folder`).
public struct TrainingOutcome<Metrics: Encodable>: Encodable {
    public var runFolder: String
    public var epoch, step: Int
    public var last: Metrics?
    /// More figures under their own names (kept aliases).
    public var aliases: [String: Double]

    public init(runFolder: String, epoch: Int, step: Int, last: Metrics?, aliases: [String: Double] = [:]) {
        self.runFolder = runFolder; self.epoch = epoch; self.step = step; self.last = last; self.aliases = aliases
    }


    public func encode(to encoder: Encoder) throws {
        // The record carries its own epoch and step (the same as the run's once an epoch has finished).
        if let last { try last.encode(to: encoder) }
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        try c.encode(runFolder, forKey: AnyCodingKey("run_folder"))
        if last == nil { try c.encode(epoch, forKey: AnyCodingKey("epoch")); try c.encode(step, forKey: AnyCodingKey("step")) }
        for (k, v) in aliases { try c.encode(v, forKey: AnyCodingKey(k)) }
    }
}

extension Trainer {
    /// Trains with a progress line (step, loss, rate, ETA) on stderr unless not `showsProgress`, and each epoch's
    /// line sent to `log`.
    public func trainLogging(showsProgress: Bool = true, _ log: @escaping (String) -> Void) throws -> TrainingOutcome<Metrics> {
        let meter = ProgressMeter(total: config.totalSteps, unit: "steps", first: step)
        defer { if showsProgress { meter.finish() } }
        let history = try train(report: { log("\r\($0)\n") }, onStep: { step, loss in
            if showsProgress { meter.update(step, detail: String(format: "loss %.4f", loss)) }
        })
        return TrainingOutcome(runFolder: folder.url.path, epoch: epoch, step: step, last: history.last, aliases: history.last.map(aliases) ?? [:])
    }
}
