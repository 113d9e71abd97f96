import Foundation
import MazeEnv
import Plotting
import Tensor

/// The rate–distortion study of map patches: for each code length k, a learned k-bit code against the
/// strongest simple baseline (the first k raw bits) and a lossless run-length + Huffman coder, on held-out
/// patches of frontier explorers' maps; also what a receiver learns about the cells it did not know.
public struct RateDistortionStudy: Sendable {
    public struct Config: Codable, Equatable, Sendable {
        /// Code lengths k.
        public var bits = [4, 8, 16, 32, 64, 128]
        public var trainPatches = 4000, testPatches = 500
        /// Seed of the patches (training: seed, test: seed + 1000, sender/receiver pairs: seed + 2000) and of each code (seed + k).
        public var seed: UInt64 = 1
        /// Adam steps and β (rate weight) when a code is trained.
        public var steps = 1500
        public var beta: Float = 0.05
        public init() {}
    }

    /// One code length's figures (JSON keys as `ssm ib eval --json` prints them).
    public struct Row: Codable, Equatable, Sendable {
        public var bits: Int, codeBits: Int
        public var learnedCellAccuracy, learnedFreeIoU, learnedRateBits: Double
        public var truncationCellAccuracy, truncationFreeIoU: Double
        public var learnedReceiverUnknownAccuracy, learnedReceiverUnknownFreeIoU: Double
        public var truncationReceiverUnknownAccuracy, truncationReceiverUnknownFreeIoU: Double
        public var receiverUnknownCells: Int
        public var seconds: Double
        enum CodingKeys: String, CodingKey {
            case bits, codeBits = "code_bits", learnedCellAccuracy = "learned_cell_accuracy", learnedFreeIoU = "learned_free_iou"
            case learnedRateBits = "learned_rate_bits", truncationCellAccuracy = "truncation_cell_accuracy", truncationFreeIoU = "truncation_free_iou"
            case learnedReceiverUnknownAccuracy = "learned_receiver_unknown_accuracy", learnedReceiverUnknownFreeIoU = "learned_receiver_unknown_free_iou"
            case truncationReceiverUnknownAccuracy = "truncation_receiver_unknown_accuracy"
            case truncationReceiverUnknownFreeIoU = "truncation_receiver_unknown_free_iou"
            case receiverUnknownCells = "receiver_unknown_cells", seconds
        }
    }

    public struct Result: Codable, Sendable {
        public var codes: [Row]
        public var losslessMeanBits: Double
        public var rawBits = 242
        public var testPatches: Int
        public var codesFolder: String
        /// The rate–distortion SVG.
        public var figure: String
        enum CodingKeys: String, CodingKey {
            case codes, losslessMeanBits = "lossless_mean_bits", rawBits = "raw_bits", testPatches = "test_patches"
            case codesFolder = "codes_folder", figure
        }
    }

    public let config: Config
    public init(config: Config) { self.config = config }

    /// The training patches.
    public func trainingPatches() throws -> [OccupancyPatch] { try PatchSampler(seed: config.seed).sample(config.trainPatches) }

    /// Trains the k-bit code on `patches` (seeded by seed + k).
    public func trainCode(bits k: Int, on patches: [OccupancyPatch]) -> (code: LearnedPatchCode, distortion: Float, rate: Float) {
        var rng = RandomGenerator(seed: config.seed &+ UInt64(k))
        let code = LearnedPatchCode(bits: k, rng: &rng)
        let (d, r) = code.train(on: patches, steps: config.steps, beta: config.beta, seed: config.seed &+ UInt64(k))
        return (code, d, r)
    }

    /// Trains one code per length into `folder` (`code_Kbits.safetensors` and `config.json`).
    public func trainCodes(into folder: URL, log: (String) -> Void = { _ in }) throws {
        let train = try trainingPatches()
        for k in config.bits {
            let (code, d, r) = trainCode(bits: k, on: train)
            log(String(format: "k=%3d  trained: distortion %.3f nats/cell, rate %.1f bits", k, d, r))
            try code.save(to: folder.appendingPathComponent("code_\(k)bits.safetensors"), metadata: ["beta": "\(config.beta)", "steps": "\(config.steps)"])
        }
        let record: [String: Any] = ["bits": config.bits, "train_patches": config.trainPatches, "seed": config.seed, "steps": config.steps,
                                     "beta": config.beta, "side": 11, "maze_size": 15, "hidden": 256]
        try writeAtomically(try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys]),
                            to: folder.appendingPathComponent("config.json"))
    }

    /// Evaluates every length with the codes in `codes` (a missing one is trained here and saved under
    /// `output/codes`), writing `rate_distortion.svg` and `example_patches.png` (row 1: true patches; then per
    /// k: learned code, first k raw bits) into `output`.
    public func run(codes: URL, output: URL, log: (String) -> Void = { _ in }) throws -> Result {
        log("ib: sampling \(config.trainPatches) training and \(config.testPatches) test patches")
        let train = try trainingPatches()
        let test = try PatchSampler(seed: config.seed &+ 1_000).sample(config.testPatches)
        let pairs = try PatchSampler(seed: config.seed &+ 2_000).samplePairs(config.testPatches)
        let senders = pairs.map(\.sender), receivers = pairs.map(\.receiver)
        let lossless = LosslessPatchCoder(training: train)
        let losslessBits = Double(test.map { lossless.encode($0).count }.reduce(0, +)) / Double(test.count)
        let shown = Array(test.prefix(8))
        var rows: [Row] = [], examples: [[OccupancyPatch]] = [shown]
        for k in config.bits {
            let start = Date()
            let code = try loadOrTrain(bits: k, from: codes, savingTo: output.appendingPathComponent("codes"), train: train, log: log)
            let rate = Double(noGrad { LearnedPatchCode.rate(code.posterior(LearnedPatchCode.oneHot(test))) }.item)
            let learned = PatchQuality(truth: test, reconstruction: try code.decode(code.encode(test)))
            let cut = PatchQuality(truth: test, reconstruction: test.map { $0.truncated(to: k) })
            // What the receiver learns: quality over the cells it did not know.
            let learnedR = PatchQuality(truth: senders, reconstruction: try code.decode(code.encode(senders)), receiver: receivers)
            let cutR = PatchQuality(truth: senders, reconstruction: senders.map { $0.truncated(to: k) }, receiver: receivers)
            examples.append(try code.decode(code.encode(shown)))
            examples.append(shown.map { $0.truncated(to: k) })
            rows.append(Row(bits: k, codeBits: code.bits, learnedCellAccuracy: learned.cellAccuracy, learnedFreeIoU: learned.freeIoU,
                            learnedRateBits: rate, truncationCellAccuracy: cut.cellAccuracy, truncationFreeIoU: cut.freeIoU,
                            learnedReceiverUnknownAccuracy: learnedR.cellAccuracy, learnedReceiverUnknownFreeIoU: learnedR.freeIoU,
                            truncationReceiverUnknownAccuracy: cutR.cellAccuracy, truncationReceiverUnknownFreeIoU: cutR.freeIoU,
                            receiverUnknownCells: learnedR.cells, seconds: Date().timeIntervalSince(start)))
            log(String(format: "k=%3d  learned %.3f (rate %.1f bits)  truncation %.3f", k, learned.cellAccuracy, rate, cut.cellAccuracy))
        }
        let figure = output.appendingPathComponent("rate_distortion.svg")
        try Self.plot(rows, losslessBits: losslessBits).write(to: figure)
        try OccupancyPatch.mosaic(examples).write(to: output.appendingPathComponent("example_patches.png"))
        return Result(codes: rows, losslessMeanBits: losslessBits, testPatches: config.testPatches, codesFolder: codes.relativePath, figure: figure.relativePath)
    }

    func loadOrTrain(bits k: Int, from folder: URL, savingTo trained: URL, train: [OccupancyPatch], log: (String) -> Void) throws -> LearnedPatchCode {
        let url = folder.appendingPathComponent("code_\(k)bits.safetensors")
        if FileManager.default.fileExists(atPath: url.path) {
            let code = try LearnedPatchCode.load(url)
            guard code.bits == k else { throw FileFormatError(file: url.path, "holds a \(code.bits)-bit code, not \(k) bits") }
            return code
        }
        log("ib: no \(url.path); training the \(k)-bit code here")
        let code = trainCode(bits: k, on: train).code
        try code.save(to: trained.appendingPathComponent("code_\(k)bits.safetensors"))
        return code
    }

    /// Cell accuracy against log₂ bits: learned codes, truncation, and the lossless coder's mean length.
    static func plot(_ rows: [Row], losslessBits: Double) -> SVGDocument {
        let curve = { (y: KeyPath<Row, Double>) in rows.map { (x: log2(Double($0.bits)), y: $0[keyPath: y]) } }
        return linePlot([Series("learned k-bit code", curve(\.learnedCellAccuracy), color: seriesColors[0]),
                         Series("first k raw bits", curve(\.truncationCellAccuracy), color: seriesColors[1]),
                         Series(String(format: "lossless (%.0f bits)", losslessBits), [(log2(losslessBits), 1.0), (log2(242), 1.0)], color: seriesColors[2])],
                        title: "11×11 map patches: cell accuracy against bits", xLabel: "log₂ bits per patch", yLabel: "cell accuracy")
    }
}

extension RateDistortionStudy.Result: CustomStringConvertible {
    public var description: String {
        ([String(format: "lossless run-length + Huffman: %.1f bits per patch on average (raw %d)", losslessMeanBits, rawBits)] + codes.map { r in
            String(format: "k=%3d  learned accuracy %.3f IoU %.3f (receiver-unknown IoU %.3f)  |  truncation accuracy %.3f IoU %.3f (receiver-unknown IoU %.3f)",
                   r.bits, r.learnedCellAccuracy, r.learnedFreeIoU, r.learnedReceiverUnknownFreeIoU,
                   r.truncationCellAccuracy, r.truncationFreeIoU, r.truncationReceiverUnknownFreeIoU)
        }).joined(separator: "\n")
    }
}
