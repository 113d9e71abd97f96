import BEV
import Foundation
import GridCell
import HRLICM
import InfoBottleneck
import SocialPlaceCell
import Tensor
import Training

/// Retrains every model `ssm reproduce` reads, from the training configurations the shipped models record
/// (`Models/NAME/config.json`), and lays the results out as a models folder like `Models/`, so that the report
/// can be made from them instead (`ssm reproduce --train`). Each run is a resumable run folder under
/// `output/runs/NAME`, exported to `output/models/NAME` when it ends; a stopped retraining resumes the run it was
/// in and skips those that ended.
///
/// Full length is what each shipped run logged (its `metrics.jsonl` lines) without the time limits its configuration
/// may record, so a retraining does not depend on the machine's speed (about 5 hours on 2 cores, most of it the
/// BEV model's two stages); `quick` cuts each run to a few epochs (a minute or two each on 2 cores, about 8
/// minutes in all), enough for the whole pipeline to run end to end, not for the shipped models' figures.
public struct ModelRetraining {
    public var quick = false
    /// The shipped models whose `config.json` files say how each was trained.
    public var shipped = URL(fileURLWithPath: "Models")
    /// Holds `runs/` (the run folders) and `models/` (the exported models).
    public var output = URL(fileURLWithPath: "runs/reproduce/train")
    public init() {}

    /// The models folder the runs are exported to.
    public var models: URL { output.appendingPathComponent("models") }

    /// One model's training, as the report lists it.
    public struct Record: Sendable {
        public var name: String
        /// The command that trains it alone, at full length.
        public var command: String
        /// The run's final held-out figures, and the minutes this call trained (0: it had ended before).
        public var lastMetrics: String
        public var minutes: Double
    }

    /// Trains (or resumes) every model in dependency order (the patch codes before the policy that sends them, the
    /// BEV model's first stage before its second) and exports it; `log` gets progress lines.
    public func run(log: @escaping (String) -> Void = { _ in }) throws -> [Record] {
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        var records: [Record] = []
        records.append(try patchCodes(log))
        records.append(try runFolder("gridcell", GridCellTrainingConfig.self, snapshots: true,
                                     command: "ssm grid train --preset emergence --output runs/grid", log: log, adjust: { c in
                                         if quick { c.epochs = 6; c.snapshotEpochs = [0, 2, 6] }
                                     }) { try GridCellTrainer(config: $0, runFolder: $1, resume: true) })
        // The same network trained on: it starts from the grid model just trained.
        records.append(try runFolder("pathintegrator", GridCellTrainingConfig.self,
                                     command: "ssm grid train --preset unified --init-from runs/grid/checkpoints/latest.safetensors --output runs/pi",
                                     log: log, adjust: { c in
                                         c.snapshotEpochs = []
                                         c.initialWeights = runs.appendingPathComponent("gridcell/checkpoints/latest.safetensors").path
                                         if quick { c.epochs = 2; c.stepsPerEpoch = 20 }
                                     }) { try GridCellTrainer(config: $0, runFolder: $1, resume: true) })
        records.append(try runFolder("spc", SocialTrainingConfig.self, command: "ssm spc train --output runs/spc", log: log,
                                     adjust: { c in if quick { c.epochs = 5 } }) { try SocialTrainer(config: $0, runFolder: $1, resume: true) })
        let stage1 = runs.appendingPathComponent("bev-stage1")
        records.append(try runFolder("bev-stage1", BEVTrainingConfig.self, from: shipped.appendingPathComponent("bev/stage1/config.json"),
                                     exported: false, command: "ssm bev train --output runs/bev --epochs 133", log: log,
                                     adjust: { c in if quick { c.epochs = 2 } }) { try BEVTrainer(config: $0, runFolder: $1, resume: true) })
        records.append(try runFolder("bev", BEVTrainingConfig.self,
                                     command: "ssm bev train --output runs/bev-2 --init-from runs/bev/checkpoints/latest.safetensors --seed 43 --cosine-steps 5000 --warmup-steps 100 --epochs 100 --iou-weight 1",
                                     log: log, adjust: { c in
                                         c.initialWeights = stage1.appendingPathComponent("checkpoints/latest.safetensors").path
                                         if quick { c.epochs = 1 }
                                     }) { try BEVTrainer(config: $0, runFolder: $1, resume: true) })
        records.append(try runFolder("detector", TargetDetectorTrainingConfig.self, checkpoint: "best",
                                     command: "ssm bev detector train --output runs/detector --epochs 400 --minutes 25", log: log,
                                     adjust: { c in if quick { c.epochs = 16 } }) { try TargetDetectorTrainer(config: $0, runFolder: $1, resume: true) })
        records.append(try policy(log))
        return records
    }

    var runs: URL { output.appendingPathComponent("runs") }

    /// Trains one run-folder model from `from` (default: the shipped `NAME/config.json`) changed by `adjust`, and,
    /// when `exported`, exports its `checkpoint` ("latest" or "best"), with the `epoch_N` snapshots when
    /// `snapshots`, to `models/NAME` (an intermediate run, such as the BEV model's first stage, is not exported).
    func runFolder<Config: RunConfig, T: Trainer>(_ name: String, _ type: Config.Type, from: URL? = nil, exported: Bool = true,
                                                  checkpoint: String = "latest", snapshots: Bool = false, command: String,
                                                  log: @escaping (String) -> Void, adjust: (inout Config) -> Void,
                                                  trainer: (Config, URL) throws -> T) throws -> Record {
        let folder = runs.appendingPathComponent(name)
        if isFinished(folder) {
            log("retrain: \(name) already trained (\(folder.path))")
            return Record(name: name, command: command, lastMetrics: lastMetricsLine(folder), minutes: 0)
        }
        let configURL = from ?? shipped.appendingPathComponent("\(name)/config.json")
        var config: Config
        do { config = try JSONDecoder.lenient.decode(Config.self, from: Data(contentsOf: configURL)) } catch {
            throw FileFormatError(file: configURL.path, "cannot be read as the training configuration of \(name) (\(error))")
        }
        // As many epochs as the shipped run logged, without its time limit: the same run on every machine.
        config.maxMinutes = nil
        if let epochs = recordedEpochs(besides: configURL) { config.epochs = epochs }
        adjust(&config)
        let start = Date()
        let t = try trainer(config, folder)
        log("retrain: \(name) from epoch \(t.epoch) into \(folder.path)")
        _ = try t.trainLogging { log("retrain: \(name): " + $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if exported { try export(folder, checkpoint: checkpoint, snapshots: snapshots, to: models.appendingPathComponent(name)) }
        try markFinished(folder)
        return Record(name: name, command: command, lastMetrics: lastMetricsLine(folder), minutes: Date().timeIntervalSince(start) / 60)
    }

    /// The learned k-bit patch codes, trained straight into the models folder.
    func patchCodes(_ log: @escaping (String) -> Void) throws -> Record {
        let folder = models.appendingPathComponent("ib")
        let command = "ssm ib train --output Models/ib"
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) {
            log("retrain: ib already trained (\(folder.path))")
            return Record(name: "ib", command: command, lastMetrics: "", minutes: 0)
        }
        let recorded = shipped.appendingPathComponent("ib/config.json")
        guard let json = (try? JSONSerialization.jsonObject(with: Data(contentsOf: recorded))) as? [String: Any] else {
            throw FileFormatError(file: recorded.path, "cannot be read as the patch codes' training record")
        }
        var config = RateDistortionStudy.Config()
        if let bits = json["bits"] as? [Int] { config.bits = bits }
        if let n = json["train_patches"] as? Int { config.trainPatches = n }
        if let seed = json["seed"] as? Int { config.seed = UInt64(seed) }
        if let steps = json["steps"] as? Int { config.steps = quick ? min(steps, 600) : steps }
        if let beta = json["beta"] as? Double { config.beta = Float(beta) }
        let start = Date()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try RateDistortionStudy(config: config).trainCodes(into: folder) { log("retrain: ib: " + $0) }
        return Record(name: "ib", command: command, lastMetrics: "", minutes: Date().timeIntervalSince(start) / 60)
    }

    /// The learned team policy, with the patch codes trained above.
    func policy(_ log: @escaping (String) -> Void) throws -> Record {
        let name = "hrlicm", folder = runs.appendingPathComponent(name)
        let command = "ssm hrl train --output runs/hrl --iterations 22 --cloning-iterations 20"
        if isFinished(folder) {
            log("retrain: hrlicm already trained (\(folder.path))")
            return Record(name: name, command: command, lastMetrics: lastMetricsLine(folder), minutes: 0)
        }
        let configURL = shipped.appendingPathComponent("hrlicm/config.json")
        var config: HRLTrainingConfig
        do { config = try JSONDecoder.lenient.decode(HRLTrainingConfig.self, from: Data(contentsOf: configURL)) } catch {
            throw FileFormatError(file: configURL.path, "cannot be read as the policy's training configuration (\(error))")
        }
        config.maxMinutes = nil
        if let iterations = recordedEpochs(besides: configURL) { config.iterations = iterations }
        if quick { config.iterations = 6; config.behaviourCloningIterations = 5; config.envs = 32 }
        let start = Date()
        let training = try HRLTraining(config: config, folder: folder, resume: true, models: models)
        try training.run { log("retrain: hrlicm: " + $0) }
        try export(folder, checkpoint: "latest", snapshots: false, to: models.appendingPathComponent(name))
        try markFinished(folder)
        return Record(name: name, command: command, lastMetrics: lastMetricsLine(folder), minutes: Date().timeIntervalSince(start) / 60)
    }

    /// Copies a run folder's `config.json`, `metrics.jsonl` and `checkpoints/CHECKPOINT` (as `model.safetensors`),
    /// with its `epoch_N` snapshots when asked, into `destination`: the layout of a shipped model. Optimiser state
    /// stays behind.
    func export(_ folder: URL, checkpoint: String, snapshots: Bool, to destination: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: destination.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        func copy(_ from: URL, _ to: URL) throws { try writeAtomically(try Data(contentsOf: from), to: to) }
        try copy(folder.appendingPathComponent("config.json"), destination.appendingPathComponent("config.json"))
        try copy(folder.appendingPathComponent("metrics.jsonl"), destination.appendingPathComponent("metrics.jsonl"))
        if snapshots {
            for name in try fm.contentsOfDirectory(atPath: folder.appendingPathComponent("checkpoints").path)
            where name.hasPrefix("epoch_") && !name.contains(".optim.") {
                try copy(folder.appendingPathComponent("checkpoints/\(name)"), destination.appendingPathComponent("checkpoints/\(name)"))
            }
        }
        // The model file last: its presence says the export is whole.
        try copy(folder.appendingPathComponent("checkpoints/\(checkpoint).safetensors"), destination.appendingPathComponent("model.safetensors"))
    }

    /// A run that ended and was exported (rather than one stopped mid-way) leaves this mark; a retraining skips it.
    func markFinished(_ folder: URL) throws { try writeAtomically(Data(), to: folder.appendingPathComponent("finished")) }
    func isFinished(_ folder: URL) -> Bool { FileManager.default.fileExists(atPath: folder.appendingPathComponent("finished").path) }

    /// How many epochs the shipped run beside `config` logged (nil without its `metrics.jsonl`).
    func recordedEpochs(besides config: URL) -> Int? {
        let text = try? String(contentsOf: config.deletingLastPathComponent().appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        return text.map { $0.split(separator: "\n").count }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// The run's final figures from its last metrics line: the epoch (or iteration) and every held-out figure.
    func lastMetricsLine(_ folder: URL) -> String {
        let text = (try? String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)) ?? ""
        guard let line = text.split(separator: "\n").last,
              let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return "" }
        let shown = ["epoch", "iteration", "success_rate", "bits_per_step"]
        return record.keys.filter { shown.contains($0) || $0.hasPrefix("val_") }.sorted().compactMap { key in
            (record[key] as? NSNumber).map { String(format: "%@ %.4g", key, $0.doubleValue) }
        }.joined(separator: ", ")
    }
}
