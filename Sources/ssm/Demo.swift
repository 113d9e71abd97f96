import ArgumentParser
import Foundation
import SharedSpatialMemory

/// `ssm demo`: the main job on built-in defaults: a maze episode with its frames and a top-down figure; a
/// short grid-cell training run showing the loss falling; the gridness analysis and figures of the shipped
/// grid-cell model.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the end-to-end demonstration on built-in defaults.",
        discussion: "Writes runs/demo/: maze/ (frames, BEV targets, top_down.png, map.svg), grid/ (a short training run), "
            + "shipped-model/ (figures of Models/gridcell and Models/spc) and team/ (the team search task, event beside broadcast).")

    @Option(help: "Grid-cell training budget in seconds.") var seconds: Double = 30
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: "Output folder.") var output: String = "runs/demo"
    @Option(help: "Steps of the maze episode (0 skips it).") var mazeSteps = 400
    @Option(help: "The shipped grid-cell run folder analysed at the end (skipped when absent).") var model = "Models/gridcell"
    @Option(help: "The shipped social place cell model classified at the end (skipped when absent).") var spcModel = "Models/spc/model.safetensors"
    @Option(help: "The shipped BEV model that maps the maze episode (skipped when absent).") var bevModel = "Models/bev/model.safetensors"
    @Option(help: "The shipped target detector for the map's target memory (skipped when absent).") var detectorModel = "Models/detector/model.safetensors"
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard mazeSteps >= 0 else { throw ValidationError("--maze-steps must be ≥ 0") }
    }

    func run() throws {
        var demo = DemoRun()
        demo.seconds = seconds; demo.seed = seed; demo.output = output; demo.mazeSteps = mazeSteps
        demo.model = model; demo.spcModel = spcModel; demo.bevModel = bevModel; demo.detectorModel = detectorModel
        let result = try demo.run(say: { line in
            stderr(line + "\n")
            if !json { print(line) }
        }, log: { stderr($0) })
        if json { printJSON(result) }
    }
}
