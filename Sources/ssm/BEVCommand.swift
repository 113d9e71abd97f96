import ArgumentParser
import BEV
import Foundation
import Tensor

/// `ssm bev …`: the bird's-eye-view predictor.
struct BEVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bev", abstract: "Train the BEV predictor on views and egocentric targets rendered on the fly.",
        subcommands: [BEVTrain.self])
}

struct BEVTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train the BEV predictor (CPU size by default) into a run folder; resumable.")

    @Option(help: "Run folder.") var output = "runs/bev"
    @Flag(help: "Continue the run in --output.") var resume = false
    @Flag(help: "Use the original model size (about 10 M parameters, 250×250 output).") var original = false
    @Option(help: "Epochs.") var epochs = 100
    @Option(help: "Steps per epoch.") var stepsPerEpoch = 50
    @Option(help: "Stop after this many minutes (resumable).") var minutes: Double?
    @Option(help: "Batch size.") var batchSize = 32
    @Option(help: "Learning rate (Adam).") var lr: Float = 3e-4
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "Print the result as one JSON line.") var json = false

    func validate() throws {
        guard epochs > 0, stepsPerEpoch > 0, batchSize > 0, lr > 0 else { throw ValidationError("--epochs, --steps-per-epoch, --batch-size and --lr must be positive") }
    }

    func run() throws {
        var c = BEVTrainingConfig()
        if original { c.model = .original; c.target.cellsAcross = 250 / 16 }
        c.epochs = epochs; c.stepsPerEpoch = stepsPerEpoch; c.maxMinutes = minutes; c.batchSize = batchSize; c.learningRate = lr; c.seed = seed
        let trainer = try BEVTrainer(config: c, runFolder: URL(fileURLWithPath: output), resume: resume)
        let start = Date(), first = trainer.step, total = c.epochs * c.stepsPerEpoch
        let history = try trainer.train(report: { m in
            stderr(String(format: "\repoch %d  step %d  train %.4f  val %.4f  free IoU %.3f  RGB error %.3f\n", m.epoch, m.step, m.trainLoss, m.validationLoss, m.freeIoU, m.rgbError))
        }, onStep: { step, loss in
            let rate = Double(step - first) / max(Date().timeIntervalSince(start), 1e-9)
            stderr(String(format: "\rstep %d/%d  loss %.4f  %.2f steps/s  ETA %.0fs ", step, total, loss, rate, rate > 0 ? Double(total - step) / rate : 0))
        })
        stderr("\n")
        let last = history.last
        if json {
            printJSON(["run_folder": output, "epoch": trainer.epoch, "step": trainer.step, "val_free_iou": last?.freeIoU as Any? ?? NSNull(),
                       "val_loss": last?.validationLoss as Any? ?? NSNull()])
        } else { print("bev: \(trainer.epoch) epochs, \(trainer.step) steps; checkpoints in \(output)/checkpoints") }
    }
}
