import Foundation
import MazeEnv
import Tensor

/// A trained BEV predictor with the geometry of the images it predicts: what `LocalObservation` and the
/// map need to place its output in the world.
public struct BEVModel {
    public let predictor: BEVPredictor
    /// The egocentric image geometry the model was trained on (`geometry.size` = the output side).
    public let geometry: EgocentricBEV

    public init(predictor: BEVPredictor, geometry: EgocentricBEV) {
        precondition(geometry.size == predictor.config.outputSize, "BEVModel: geometry size \(geometry.size) ≠ output size \(predictor.config.outputSize)")
        self.predictor = predictor; self.geometry = geometry
    }

    /// Loads a checkpoint written by ``BEVTrainer`` (or a shipped `model.safetensors`); errors name the file
    /// and what is wrong with it.
    public static func load(_ url: URL) throws -> BEVModel {
        let (predictor, metadata) = try Checkpoint.loadModel(url, kind: "a BEV") { (config: BEVModelConfig) -> BEVPredictor in
            var rng = RandomGenerator(seed: 0)
            return BEVPredictor(config: config, rng: &rng)
        }
        var geometry = EgocentricBEV()
        if let text = metadata["bev_geometry"] {
            do { geometry = try JSONDecoder().decode(EgocentricBEV.self, from: Data(text.utf8)) } catch {
                throw FileFormatError(file: url.path, "metadata bev_geometry is not a BEV geometry (\(error))")
            }
        }
        geometry.size = predictor.config.outputSize
        return BEVModel(predictor: predictor, geometry: geometry)
    }

    /// RGBA predictions `[4, S, S]` for 64×64 RGB views, in batches, without recording a graph. With a
    /// target-class head, pixels whose most likely class is target k are painted opaque in the palette's colour
    /// k, so the image shows targets as the ground truth draws them.
    public func predict(_ views: [Image], batchSize: Int = 32) -> [Tensor] {
        predictor.eval()
        var out: [Tensor] = []
        for start in stride(from: 0, to: views.count, by: batchSize) {
            let batch = Tensor.concat(views[start..<min(start + batchSize, views.count)].map { BEVSamples.normalise($0).unsqueezed(0) }, axis: 0)
            let p = noGrad { predictor(batch) }
            let channels = p.shape[1], plane = p.shape[2] * p.shape[3], v = p.scalars
            for i in 0..<p.shape[0] {
                var rgba = Array(v[(i * channels * plane)..<((i * channels + 4) * plane)])
                if channels > 4 { Self.paintTargets(&rgba, logits: v[((i * channels + 4) * plane)..<((i + 1) * channels * plane)], plane: plane) }
                out.append(Tensor(rgba, shape: [4, p.shape[2], p.shape[3]]))
            }
        }
        return out
    }

    /// Paints into RGBA planes every pixel whose largest logit (background first) is a target slot k, opaque in
    /// `targetPalette[k]`.
    static func paintTargets(_ rgba: inout [Float], logits: ArraySlice<Float>, plane: Int) {
        let classes = logits.count / plane, base = logits.startIndex
        for k in 0..<plane {
            var best = 0
            for c in 1..<classes where logits[base + c * plane + k] > logits[base + best * plane + k] { best = c }
            guard best > 0 else { continue }
            let color = targetPalette[(best - 1) % targetPalette.count]
            for c in 0..<3 { rgba[c * plane + k] = color[c] }
            rgba[3 * plane + k] = 1
        }
    }
}
