import Foundation
import Plotting
import TeamSearch
import Training

/// The learned methods the experiments can run by name: `hrlicm` (the shipped `Models/hrlicm/model.safetensors`),
/// `hrlicm-ppo` (the same run after all its PPO iterations) and the ablations trained as long
/// (`Models/hrlicm/<name>.safetensors`: `hrlicm-no-icm`, `hrlicm-no-codes`, `hrlicm-no-partner`,
/// `hrlicm-scripted-goals`, `hrlicm-flat`), each registered when its file exists and loaded on first use.
public enum HRLMethods {
    public static let names = ["hrlicm", "hrlicm-ppo", "hrlicm-no-icm", "hrlicm-no-codes", "hrlicm-no-partner", "hrlicm-scripted-goals", "hrlicm-flat"]

    /// Registers every shipped model found under `models`. Returns the names registered.
    @discardableResult
    public static func registerShipped(models: URL = URL(fileURLWithPath: "Models")) -> [String] {
        names.filter { name in
            let url = models.appendingPathComponent("hrlicm/\(name == "hrlicm" ? "model" : name).safetensors")
            guard FileManager.default.fileExists(atPath: url.path) else { return false }
            register(name, model: url, models: models)
            return true
        }
    }

    /// Registers the checkpoint at `url` as method `name` (loaded once, on the first episode).
    public static func register(_ name: String, model url: URL, models: URL) {
        let cache = ModelCache(url: url, models: models)
        TeamMethod.register(name) { task, objects, seed in try cache.model().team(task, objects: objects, seed: seed) }
    }
}

/// Loads a model once, from whichever thread asks first.
final class ModelCache: @unchecked Sendable {
    let url: URL, models: URL
    private var loaded: HRLModel?
    private let lock = NSLock()
    init(url: URL, models: URL) { self.url = url; self.models = models }
    func model() throws -> HRLModel {
        lock.lock(); defer { lock.unlock() }
        if let loaded { return loaded }
        let m = try HRLModel(url, models: models)
        loaded = m
        return m
    }
}

/// The training curves of a run: team success, return and bits per step against iterations.
public enum HRLFigures {
    public static func trainingCurves(_ metrics: [HRLMetrics], title: String = "HRL-ICM training") -> SVGDocument {
        let x = metrics.map { Double($0.iteration) }
        return linePlot([
            Series("team success", zip(x, metrics.map(\.successRate)).map { ($0, $1) }, color: seriesColors[0]),
            Series("return per agent", zip(x, metrics.map(\.meanReturn)).map { ($0, $1) }, color: seriesColors[1]),
            Series("bits per agent-step ÷ 100", zip(x, metrics.map { $0.bitsPerAgentStep / 100 }).map { ($0, $1) }, color: seriesColors[2]),
            Series("message agreement with event", zip(x, metrics.map(\.messageAgreement)).map { ($0, $1) }, color: seriesColors[3]),
        ], title: title, xLabel: "iteration (one episode per environment, then the update)", yLabel: "", legendOutside: true)
    }
}
