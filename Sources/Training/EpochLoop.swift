import Foundation
import Tensor

/// One finished epoch, as the loop hands it to the trainer that logs it.
public struct EpochSummary: Sendable {
    public var epoch, step: Int
    /// Mean training loss over the epoch's steps.
    public var trainLoss: Float
    public var validationLoss: Float
    /// The learning rate at the end of the epoch.
    public var learningRate: Float
    /// Training time of the whole run so far, across resumes.
    public var seconds: Double
}

/// The epoch loop of every run folder's trainer: optimiser steps behind a finite-loss guard (and optional
/// gradient clipping), the learning-rate schedule, a validation per epoch behind a finite-weights guard, a
/// line of `metrics.jsonl`, and the best, latest and snapshot checkpoints. It stops after `epochs` or, resumably, after `maxMinutes`.
public struct EpochLoop: Sendable {
    public var epochs, stepsPerEpoch: Int
    public var maxMinutes: Double?
    /// How the rate moves (a plateau schedule steps `progress.plateau`, which the run folder saves).
    public var schedule: RunSchedule
    /// Clip the gradients' global norm to this before each step (a non-finite norm stops the run).
    public var clipGradNorm: Float?
    /// Epochs whose checkpoints are also kept, as `epoch_N`.
    public var snapshotEpochs: [Int] = []
    /// `onStep` is called every this many steps.
    public var reportEvery = 5
    /// Names the run in errors ("BEV", "detector").
    public var name: String
    /// The members the run is spread over: `loss` computes this member's shard of each global batch, the gradients
    /// and the loss are averaged across members before every step, and only member 0 writes the run folder.
    public var collective: Collective = SingleProcess()

    public init(name: String, epochs: Int, stepsPerEpoch: Int, maxMinutes: Double? = nil, schedule: RunSchedule) {
        self.name = name; self.epochs = epochs; self.stepsPerEpoch = stepsPerEpoch; self.maxMinutes = maxMinutes; self.schedule = schedule
    }

    /// Runs epochs from `progress` on.
    /// - Parameters:
    ///   - module: the model being trained (switched to training mode).
    ///   - optimizer: steps `module`'s parameters.
    ///   - folder: the run folder the metrics lines go to.
    ///   - progress: where the run stands; advanced as it goes.
    ///   - loss: the training loss of global step `step` (forward only; the loop zeroes, backpropagates and steps).
    ///   - validate: the validation loss, and how to turn the epoch's summary into the logged record.
    ///   - save: writes checkpoint `name` ("best", "latest", "epoch_N") with `progress` in its metadata.
    ///   - onStep: called every `reportEvery` steps with the step and its loss (progress lines).
    ///   - report: called with each epoch's record once it is logged and saved.
    @discardableResult
    public func run<Record: Encodable>(module: Module, optimizer: Optimizer, folder: RunFolder, progress: inout RunProgress,
                                       loss: (_ step: Int) throws -> Tensor,
                                       validate: () throws -> (loss: Float, record: (EpochSummary) -> Record),
                                       save: (_ name: String, _ progress: RunProgress) throws -> Void,
                                       onStep: (Int, Float) -> Void = { _, _ in },
                                       report: (Record) -> Void = { _ in }) throws -> [Record] {
        module.train()
        var history: [Record] = []
        let start = Date(), before = progress.seconds
        while progress.epoch < epochs {
            if let maxMinutes {
                // Members stop together: any member past the limit stops them all.
                let late: [Float] = summedOverMembers([Date().timeIntervalSince(start) / 60 >= maxMinutes ? 1 : 0], collective.memberSum)
                if late[0] > 0 { break }
            }
            var sum: Float = 0
            for _ in 0..<stepsPerEpoch {
                if case .warmupCosine(let curve) = schedule { optimizer.learningRate = curve.learningRate(step: progress.step) }
                optimizer.zeroGrad()
                let l = try loss(progress.step)
                // Backpropagate and average before any check, so that the members of a run all stop together.
                l.backward()
                var shared = [l.item]
                collective.averageGradients(module.parameters(), extra: &shared)
                let value = shared[0]
                guard value.isFinite else { throw NonFiniteTrainingError(run: name, step: progress.step, folder: folder) }
                if let clipGradNorm, !Optimizer.clipGradNorm(module.parameters(), maxNorm: clipGradNorm).isFinite {
                    throw NonFiniteTrainingError(run: name, step: progress.step, folder: folder)
                }
                optimizer.step()
                progress.step += 1
                sum += value
                if progress.step % reportEvery == 0 { onStep(progress.step, value) }
            }
            progress.epoch += 1
            let (validationLoss, makeRecord) = try validate()
            guard validationLoss.isFinite, RunFolder.isFinite(module) else { throw NonFiniteTrainingError(run: name, step: progress.step, folder: folder) }
            if case .plateau = schedule { progress.plateau.step(metric: validationLoss, optimizer: optimizer) }
            progress.seconds = before + Date().timeIntervalSince(start)
            progress.learningRate = optimizer.learningRate
            let record = makeRecord(EpochSummary(epoch: progress.epoch, step: progress.step, trainLoss: sum / Float(stepsPerEpoch),
                                                 validationLoss: validationLoss, learningRate: optimizer.learningRate, seconds: progress.seconds))
            let writes = collective.rank == 0
            if writes { try folder.appendMetrics(record) }
            if validationLoss < progress.bestValidationLoss {
                progress.bestValidationLoss = validationLoss
                if writes { try save("best", progress) }
            }
            if writes, snapshotEpochs.contains(progress.epoch) { try save("epoch_\(progress.epoch)", progress) }
            if writes { try save("latest", progress) }
            collective.barrier()    // a member that resumes reads what member 0 wrote
            history.append(record)
            report(record)
        }
        return history
    }
}
