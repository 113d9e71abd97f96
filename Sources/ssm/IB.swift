import ArgumentParser
import Foundation
import InfoBottleneck
import Plotting
import Tensor

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

    func lengths() throws -> [Int] {
        try bits.split(separator: ",").map { s -> Int in
            guard let k = Int(s), k > 0, k <= 1024 else { throw ValidationError("--bits: '\(s)' is not an integer in 1…1024") }
            return k
        }
    }
}

/// Trains one code of each length into a folder (`code_Kbits.safetensors` + `config.json`).
func trainCodes(_ data: PatchDataOptions, train: [OccupancyPatch], steps: Int, beta: Float, into folder: URL) throws -> [Int: LearnedPatchCode] {
    var codes: [Int: LearnedPatchCode] = [:]
    for k in try data.lengths() {
        var rng = RandomGenerator(seed: data.seed &+ UInt64(k))
        let code = LearnedPatchCode(bits: k, rng: &rng)
        let (d, r) = code.train(on: train, steps: steps, beta: beta, seed: data.seed &+ UInt64(k))
        stderr(String(format: "k=%3d  trained: distortion %.3f nats/cell, rate %.1f bits\n", k, d, r))
        try code.save(to: folder.appendingPathComponent("code_\(k)bits.safetensors"), metadata: ["beta": "\(beta)", "steps": "\(steps)"])
        codes[k] = code
    }
    let config: [String: Any] = ["bits": try data.lengths(), "train_patches": data.trainPatches, "seed": data.seed, "steps": steps, "beta": beta,
                                 "side": 11, "maze_size": 15, "hidden": 256]
    try writeAtomically(try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]),
                        to: folder.appendingPathComponent("config.json"))
    return codes
}

struct IBTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train learned k-bit patch codes into a folder (code_Kbits.safetensors, config.json).")

    @OptionGroup var data: PatchDataOptions
    @Option(help: "Adam steps per code.") var steps = 1500
    @Option(help: "β, the weight of the rate (bits) per cell of distortion.") var beta: Float = 0.05
    @Option(help: "Output folder.") var output = "runs/ib/codes"

    func run() throws {
        let train = try PatchSampler(seed: data.seed).sample(data.trainPatches)
        _ = try trainCodes(data, train: train, steps: steps, beta: beta, into: URL(fileURLWithPath: output))
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
    @Option(help: "Adam steps per code, when training.") var steps = 1500
    @Option(help: "β, when training.") var beta: Float = 0.05
    @Option(help: "Output folder for the figures (and codes trained here).") var output = "runs/ib"
    @Flag(help: "Print the result as one JSON line.") var json = false

    func run() throws {
        let ks = try data.lengths()
        stderr("ib: sampling \(data.trainPatches) training and \(data.testPatches) test patches\n")
        let train = try PatchSampler(seed: data.seed).sample(data.trainPatches)
        let test = try PatchSampler(seed: data.seed &+ 1_000).sample(data.testPatches)
        let pairs = try PatchSampler(seed: data.seed &+ 2_000).samplePairs(data.testPatches)
        let senders = pairs.map(\.sender), receivers = pairs.map(\.receiver)
        let lossless = LosslessPatchCoder(training: train)
        let losslessBits = Double(test.map { lossless.encode($0).count }.reduce(0, +)) / Double(test.count)
        let out = URL(fileURLWithPath: output)
        var rows: [[String: Any]] = []
        var learned: [(Double, Double)] = [], truncated: [(Double, Double)] = []
        // Example patches: the truth, then each k's learned reconstruction and truncation, for 8 test patches.
        let shown = Array(test.prefix(8))
        var exampleRows: [[OccupancyPatch]] = [shown]
        let folder = URL(fileURLWithPath: codes)
        for k in ks {
            let url = folder.appendingPathComponent("code_\(k)bits.safetensors")
            let start = Date()
            let code: LearnedPatchCode
            if FileManager.default.fileExists(atPath: url.path) {
                code = try LearnedPatchCode.load(url)
                guard code.bits == k else { throw ValidationError("\(url.path) holds a \(code.bits)-bit code") }
            } else {
                stderr("ib: no \(url.path); training the \(k)-bit code here\n")
                var rng = RandomGenerator(seed: data.seed &+ UInt64(k))
                code = LearnedPatchCode(bits: k, rng: &rng)
                code.train(on: train, steps: steps, beta: beta, seed: data.seed &+ UInt64(k))
                try code.save(to: out.appendingPathComponent("codes/code_\(k)bits.safetensors"))
            }
            let rate = Double(noGrad { LearnedPatchCode.rate(code.posterior(LearnedPatchCode.oneHot(test))) }.item)
            let reconstructed = try code.decode(code.encode(test))
            let q = PatchQuality(truth: test, reconstruction: reconstructed)
            let cut = test.map { OccupancyPatch.fromRaw(BitString(Array($0.raw.bits.prefix(k))), side: 11) }
            let t = PatchQuality(truth: test, reconstruction: cut)
            // What the receiver learns: quality over the cells it did not know.
            let qr = PatchQuality(truth: senders, reconstruction: try code.decode(code.encode(senders)), receiver: receivers)
            let tr = PatchQuality(truth: senders, reconstruction: senders.map { OccupancyPatch.fromRaw(BitString(Array($0.raw.bits.prefix(k))), side: 11) },
                                  receiver: receivers)
            exampleRows.append(try code.decode(code.encode(shown)))
            exampleRows.append(shown.map { OccupancyPatch.fromRaw(BitString(Array($0.raw.bits.prefix(k))), side: 11) })
            let row: [String: Any] = ["bits": k, "learned_cell_accuracy": q.cellAccuracy, "learned_free_iou": q.freeIoU,
                                      "learned_rate_bits": rate, "code_bits": code.bits, "truncation_cell_accuracy": t.cellAccuracy, "truncation_free_iou": t.freeIoU,
                                      "learned_receiver_unknown_accuracy": qr.cellAccuracy, "learned_receiver_unknown_free_iou": qr.freeIoU,
                                      "truncation_receiver_unknown_accuracy": tr.cellAccuracy, "truncation_receiver_unknown_free_iou": tr.freeIoU,
                                      "receiver_unknown_cells": qr.cells,
                                      "seconds": Date().timeIntervalSince(start)]
            rows.append(row)
            learned.append((Double(k), q.cellAccuracy)); truncated.append((Double(k), t.cellAccuracy))
            stderr(String(format: "k=%3d  learned %.3f (rate %.1f bits)  truncation %.3f\n", k, q.cellAccuracy, rate, t.cellAccuracy))
        }
        let log2k = { (p: [(Double, Double)]) in p.map { (x: log2($0.0), y: $0.1) } }
        let plot = linePlot([Series("learned k-bit code", log2k(learned), color: seriesColors[0]),
                             Series("first k raw bits", log2k(truncated), color: seriesColors[1]),
                             Series(String(format: "lossless (%.0f bits)", losslessBits), [(log2(losslessBits), 1.0), (log2(242), 1.0)], color: seriesColors[2])],
                            title: "11×11 map patches: cell accuracy against bits", xLabel: "log₂ bits per patch", yLabel: "cell accuracy")
        try plot.write(to: out.appendingPathComponent("rate_distortion.svg"))
        try OccupancyPatch.mosaic(exampleRows).write(to: out.appendingPathComponent("example_patches.png"))
        let result: [String: Any] = ["codes": rows, "lossless_mean_bits": losslessBits, "raw_bits": 242,
                                     "test_patches": data.testPatches, "codes_folder": codes, "figure": out.appendingPathComponent("rate_distortion.svg").path]
        if json { printJSON(result) } else {
            print(String(format: "lossless run-length + Huffman: %.1f bits per patch on average (raw 242)", losslessBits))
            for r in rows {
                print(String(format: "k=%3d  learned accuracy %.3f IoU %.3f (receiver-unknown IoU %.3f)  |  truncation accuracy %.3f IoU %.3f (receiver-unknown IoU %.3f)",
                             r["bits"] as! Int, r["learned_cell_accuracy"] as! Double, r["learned_free_iou"] as! Double,
                             r["learned_receiver_unknown_free_iou"] as! Double, r["truncation_cell_accuracy"] as! Double,
                             r["truncation_free_iou"] as! Double, r["truncation_receiver_unknown_free_iou"] as! Double))
            }
        }
    }
}
