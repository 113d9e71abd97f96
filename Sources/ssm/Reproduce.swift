import ArgumentParser
import Foundation
import SharedSpatialMemory

/// `ssm reproduce`: every figure and table, end to end from the shipped models, into one Markdown report.
struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reproduce every figure and table from the shipped (or retrained) models into one Markdown report (report.md and figures/).",
        discussion: "Sections: grid cells, path integration, social place cells, patch codes, BEV and detector, map reconstruction, the "
            + "bandwidth sweep and the interventions; each names the command that makes it alone. --quick uses fewer samples and mazes "
            + "(under 15 minutes on 2 cores). --train first retrains every model from the training configuration its shipped "
            + "folder records (about 5 hours on 2 cores; with --quick a few epochs each, about 8 minutes), resumably under "
            + "OUTPUT/train (or train-quick), and reports from the retrained models.")

    @Flag(help: "Fewer samples and mazes: the same figures with wider intervals, in minutes.") var quick = false
    @Flag(help: "Retrain every model first (resumable) and report from the retrained models.") var train = false
    @Option(help: "Output folder (report.md, figures/).") var output = "runs/reproduce"
    @Option(help: "The shipped models' folder (with --train: the training configurations to retrain from).") var models = "Models"
    @Option(help: "Parallel episodes in the team sweeps.") var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Comma-separated sections to make (default all): \(Reproduction.Part.allCases.map(\.rawValue).joined(separator: ", ")).")
    var only: String?

    func parts() throws -> [Reproduction.Part] {
        guard let only else { return Reproduction.Part.allCases }
        return try only.split(separator: ",").map { name in
            guard let p = Reproduction.Part(rawValue: String(name)) else {
                throw ValidationError("--only: '\(name)' is not a section (\(Reproduction.Part.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return p
        }
    }

    func validate() throws {
        _ = try parts()
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: models, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("--models: \(models) is not a folder (the shipped models are in Models/ of the repository)")
        }
    }

    func run() throws {
        var r = Reproduction()
        r.quick = quick; r.train = train; r.output = URL(fileURLWithPath: output); r.models = URL(fileURLWithPath: models); r.jobs = jobs
        r.parts = try parts()
        let (report, sections) = try r.run { stderr($0 + "\n") }
        print("reproduced \(sections.count) sections into \(report.path)")
    }
}
