import ArgumentParser
import Foundation
import InfoBottleneck

/// `ssm ib …`: message codes under a bit budget.
struct IB: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ib", abstract: "Learned k-bit codes for map patches against truncation and a lossless coder.",
        subcommands: [IBTrain.self, IBEval.self])
}

/// Options shared by training and evaluation: the patch data and the code lengths.
struct PatchDataOptions: ParsableArguments {
    @Option(help: "Comma-separated code lengths k.") var bits = "4,8,16,32,64,128"
    @Option(help: "Training patches.") var trainPatches = 4000
    @Option(help: "Held-out test patches.") var testPatches = 500
    @Option(help: "Random seed of the patches.") var seed: UInt64 = 1
    @Option(help: "Adam steps per code, when training.") var steps = 1500
    @Option(help: "β, the weight of the rate (bits) per cell of distortion, when training.") var beta: Float = 0.05

    func validate() throws {
        guard trainPatches > 0, testPatches > 0 else { throw ValidationError("--train-patches and --test-patches must be positive") }
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        guard beta.isFinite, beta >= 0 else { throw ValidationError("--beta must be a finite number ≥ 0") }
    }

    func study() throws -> RateDistortionStudy {
        var config = RateDistortionStudy.Config()
        config.bits = try bits.split(separator: ",").map { s -> Int in
            guard let k = Int(s), k > 0, k <= 1024 else { throw ValidationError("--bits: '\(s)' is not an integer in 1…1024") }
            return k
        }
        config.trainPatches = trainPatches; config.testPatches = testPatches; config.seed = seed; config.steps = steps; config.beta = beta
        return RateDistortionStudy(config: config)
    }
}

struct IBTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train learned k-bit patch codes into a folder (code_Kbits.safetensors, config.json).")

    @OptionGroup var data: PatchDataOptions
    @Option(help: "Output folder.") var output = "runs/ib/codes"

    func run() throws {
        try data.study().trainCodes(into: URL(fileURLWithPath: output)) { stderr($0 + "\n") }
        print(output)
    }
}

struct IBEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Rate–distortion of 11×11 occupancy patches: a learned k-bit code (trained here), the first k raw bits, and run-length + Huffman.",
        discussion: "Patches come from frontier explorers' own maps in generated 15×15 mazes; test patches from other mazes. Writes "
            + "rate_distortion.svg and example_patches.png (row 1: true patches; then per k: learned code, first k raw bits).")

    @OptionGroup var data: PatchDataOptions
    @Option(help: "Folder of trained codes (default: the shipped Models/ib); codes missing there are trained here.") var codes = "Models/ib"
    @Option(help: "Output folder for the figures (and codes trained here).") var output = "runs/ib"
    @Flag(help: "Print the result as one JSON line.") var json = false

    func run() throws {
        report(try data.study().run(codes: URL(fileURLWithPath: codes), output: URL(fileURLWithPath: output)) { stderr($0 + "\n") }, json: json)
    }
}
