import Foundation

/// A run stopped because its loss or its weights stopped being finite; nothing from the bad step was saved.
public struct NonFiniteTrainingError: Error, CustomStringConvertible {
    /// Names the run ("BEV", "grid-cell").
    public let run: String
    public let step: Int
    /// The run's latest checkpoint, when it has one: the last good state to resume from.
    public let lastGoodCheckpoint: URL?
    public init(run: String, step: Int, lastGoodCheckpoint: URL?) {
        self.run = run; self.step = step; self.lastGoodCheckpoint = lastGoodCheckpoint
    }
    /// The error for `folder`'s run at `step`, pointing at its latest checkpoint when there is one.
    public init(run: String, step: Int, folder: RunFolder) {
        self.init(run: run, step: step, lastGoodCheckpoint: FileManager.default.fileExists(atPath: folder.latest.path) ? folder.latest : nil)
    }
    public var description: String {
        "the \(run) loss became non-finite at step \(step); nothing was saved from it"
            + (lastGoodCheckpoint.map { "; the last good checkpoint is \($0.path)" } ?? "")
    }
}
