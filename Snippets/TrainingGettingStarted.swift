// A resumable run folder: the epoch loop trains a small regression, checkpoints every epoch, and a second
// call resumes from `latest` instead of starting over.
import Foundation
import Tensor
import Training

struct Record: Codable { var epoch: Int, trainLoss: Float, validationLoss: Float }

func train(epochs: Int, in folder: RunFolder) throws -> [Record] {
    var rng = RandomGenerator(seed: 1)
    let x = Tensor.randn([512, 4], rng: &rng)
    let y = x.matmul(Tensor([1, -2, 0.5, 3], shape: [4, 1]))
    let model = Linear(4, 1, rng: &rng)
    let optimizer = Adam(parameters: model.parameters(), learningRate: 0.05)
    let loop = EpochLoop(name: "regression", epochs: epochs, stepsPerEpoch: 20, schedule: .constant)
    var progress = try folder.open(config: ["epochs": epochs], resume: true, module: model, optimizer: optimizer) { _, _ in true }
        ?? RunProgress(learningRate: optimizer.learningRate, schedule: loop.schedule)
    return try loop.run(module: model, optimizer: optimizer, folder: folder, progress: &progress,
                        loss: { _ in (model(x) - y).square().mean() },
                        validate: {
                            let loss = noGrad { (model(x) - y).square().mean().item }
                            return (loss, { Record(epoch: $0.epoch, trainLoss: $0.trainLoss, validationLoss: $0.validationLoss) })
                        },
                        save: { name, progress in try folder.save(name, module: model, optimizer: optimizer, progress: progress) })
}

let folder = RunFolder(FileManager.default.temporaryDirectory.appendingPathComponent("regression-run"))
try? FileManager.default.removeItem(at: folder.url)
let first = try train(epochs: 3, in: folder)
let resumed = try train(epochs: 5, in: folder)  // runs epochs 4 and 5 only
print("first run:", first.map(\.epoch), "resumed:", resumed.map(\.epoch), "loss", resumed.last!.validationLoss)
print(try String(contentsOf: folder.metricsURL, encoding: .utf8))
