import Foundation
import Synchronization

/// A model configuration read from a checkpoint's metadata: checked before the model is built from it, so a few
/// header bytes can never decide an allocation.
public protocol ModelConfiguration: Decodable {
    /// Throws a `ConfigError` naming the first field outside its documented range.
    func validate() throws
}

/// A model checkpoint: parameters and buffers in one safetensors file, optimiser state in a sibling
/// `<name>.optim.safetensors`, so a resumed run continues exactly.
///
/// The pair is saved as one unit: the optimiser file names the model file it belongs to (a digest of its bytes,
/// `model_digest`), is first written beside it as `<name>.optim.next.safetensors`, then the model file is renamed
/// into place (the commit), then the optimiser file. A process killed at any moment leaves a pair that
/// ``load(into:optimizer:from:newParts:allowNonFinite:)`` either completes or refuses with a message, never a mismatched one loaded silently.
public enum Checkpoint {
    /// Whether loads accept weights holding NaN or infinity (to inspect a diverged run); false, the default,
    /// refuses them. Process-wide, for a tool's flag (`ssm --allow-non-finite`), so that models loaded on worker
    /// threads follow it too; it is the default of every `allowNonFinite:` parameter.
    public static var acceptsNonFinite: Bool {
        get { nonFinitePolicy.withLock { $0 } }
        set { nonFinitePolicy.withLock { $0 = newValue } }
    }
    private static let nonFinitePolicy = Mutex(false)

    /// The optimiser-state file that accompanies `url`.
    public static func optimizerURL(for url: URL) -> URL {
        url.deletingPathExtension().appendingPathExtension("optim.safetensors")
    }

    /// Where the next optimiser state waits until its model file is in place.
    static func pendingOptimizerURL(for url: URL) -> URL {
        url.deletingPathExtension().appendingPathExtension("optim.next.safetensors")
    }

    /// Saves `module`'s state (and `optimizer`'s, if given) atomically.
    ///
    /// The training-state file also holds the generators of the model's dropout layers, so that a resumed
    /// run draws the same masks as an uninterrupted one.
    public static func save(_ module: Module, optimizer: Optimizer? = nil, to url: URL,
                            metadata: [String: String] = [:]) throws {
        let model = try SafeTensors.encode(module.stateDict(), metadata: metadata)
        guard let optimizer else { return try writeAtomically(model, to: url) }
        let generators = module.namedDropouts().map { ("rng.\($0.0)", encode($0.1.rng.state)) }
        let state = try SafeTensors.encode(optimizer.stateDict() + generators, metadata: ["model_digest": digest(model)])
        let pending = pendingOptimizerURL(for: url)
        try writeAtomically(state, to: pending)
        try writeAtomically(model, to: url)
        try moveIntoPlace(pending, optimizerURL(for: url))
    }

    /// A 64-bit digest of a file's bytes (FNV-1a over 8-byte words), as hex: enough to tell two saves apart.
    static func digest(_ data: Data) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        data.withUnsafeBytes { raw in
            let words = raw.count / 8
            for i in 0..<words { h = (h ^ raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) &* 0x100_0000_01B3 }
            for i in (8 * words)..<raw.count { h = (h ^ UInt64(raw[i])) &* 0x100_0000_01B3 }
        }
        return String(h, radix: 16) + "-\(data.count)"
    }

    static func moveIntoPlace(_ from: URL, _ to: URL) throws {
        if rename(from.path, to.path) != 0 {
            throw FileFormatError(file: to.path, "could not move \(from.lastPathComponent) into place (errno \(errno))")
        }
    }

    /// 64-bit words as 16-bit pieces in Float32 (exact), for a float-only tensor file.
    static func encode(_ words: [UInt64]) -> Tensor {
        Tensor(words.flatMap { w in (0..<4).map { Float((w >> (16 * UInt64($0))) & 0xFFFF) } })
    }

    static func decode(_ t: Tensor, name: String, file: String) throws -> [UInt64] {
        let v = t.scalars
        guard v.count == 16, v.allSatisfy({ $0 >= 0 && $0 <= 65535 && $0 == $0.rounded() }) else {
            throw FileFormatError(file: file, "tensor '\(name)' is not a generator state (16 values in 0…65535)")
        }
        return (0..<4).map { i in (0..<4).reduce(UInt64(0)) { $0 | UInt64(v[i * 4 + $1]) << (16 * UInt64($1)) } }
    }

    static func read(_ url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw FileFormatError(file: url.path, "cannot be read (\(error.localizedDescription))")
        }
    }

    /// Refuses weights holding NaN or infinity (a diverged run), naming the tensor and element, unless `allow`.
    public static func checkFinite(_ tensors: [String: Tensor], file: String, allow: Bool = acceptsNonFinite) throws {
        guard !allow, let (name, index) = SafeTensors.firstNonFinite(tensors) else { return }
        throw FileFormatError(file: file, "tensor '\(name)' holds a non-finite value at element \(index) (a diverged run?); refused (`ssm --allow-non-finite` loads it anyway)")
    }

    /// Rebuilds a model from a checkpoint whose metadata holds its configuration as JSON under `model_config`
    /// (as every trainer here writes it): decodes and validates the configuration, `build`s the model, loads the
    /// weights (the file is read once) and switches it to evaluation mode. Errors name the file and say what is
    /// wrong; `kind` names the model in them ("a BEV checkpoint"). Non-finite weights are refused unless
    /// `allowNonFinite`.
    public static func loadModel<Config: ModelConfiguration, Model: Module>(_ url: URL, kind: String, allowNonFinite: Bool = acceptsNonFinite,
                                                                            build: (Config) -> Model) throws -> (model: Model, metadata: [String: String]) {
        let (tensors, metadata) = try SafeTensors.decode(read(url), file: url.path)
        guard let json = metadata["model_config"] else {
            throw FileFormatError(file: url.path, "metadata has no model_config (not \(kind) checkpoint)")
        }
        let config: Config
        do { config = try JSONDecoder().decode(Config.self, from: Data(json.utf8)) } catch {
            throw FileFormatError(file: url.path, "metadata model_config is not \(kind) configuration (\(error))")
        }
        do { try config.validate() } catch { throw FileFormatError(file: url.path, "metadata model_config: \(error)") }
        try checkFinite(tensors, file: url.path, allow: allowNonFinite)
        let model = build(config)
        do { try model.load(stateDict: tensors) } catch let e as TensorError { throw FileFormatError(file: url.path, e.description) }
        model.eval()
        return (model, metadata)
    }

    /// Loads into `module` (and `optimizer`, if given); errors name the file and the tensor. With an optimiser,
    /// completes a save that was interrupted after its model file was committed, and refuses an optimiser file
    /// that belongs to another save of the model. Tensors whose names start with one of `newParts` may be absent
    /// from the file (parts the model has and the file's does not, such as a new head): they keep their values.
    @discardableResult
    public static func load(into module: Module, optimizer: Optimizer? = nil, from url: URL, newParts: [String] = [],
                            allowNonFinite: Bool = acceptsNonFinite) throws -> [String: String] {
        let data = try read(url)
        let decoded = try SafeTensors.decode(data, file: url.path), metadata = decoded.metadata
        var tensors = decoded.tensors
        try checkFinite(tensors, file: url.path, allow: allowNonFinite)
        for (name, own) in module.stateDict() where tensors[name] == nil && newParts.contains(where: { name.hasPrefix($0) }) { tensors[name] = own }
        do { try module.load(stateDict: tensors) } catch let e as TensorError {
            throw FileFormatError(file: url.path, e.description)
        }
        if let optimizer {
            let (optURL, state) = try matchingOptimizerState(for: url, digest: digest(data))
            try checkFinite(state, file: optURL.path, allow: allowNonFinite)
            do { try optimizer.load(stateDict: state.filter { !$0.key.hasPrefix("rng.") }) } catch let e as TensorError {
                throw FileFormatError(file: optURL.path, e.description)
            }
            for (name, dropout) in module.namedDropouts() {
                guard let t = state["rng.\(name)"] else {
                    throw FileFormatError(file: optURL.path, "missing generator state 'rng.\(name)'")
                }
                dropout.rng = RandomGenerator(state: try decode(t, name: "rng.\(name)", file: optURL.path))
            }
        }
        return metadata
    }

    /// The optimiser state saved with the model file whose digest is `digest`: the settled file, or the pending
    /// one of a save interrupted after its commit (then moved into place). A settled file without a digest (written
    /// before saves were paired) is accepted as it is.
    static func matchingOptimizerState(for url: URL, digest: String) throws -> (URL, [String: Tensor]) {
        let settled = optimizerURL(for: url), pending = pendingOptimizerURL(for: url)
        let fm = FileManager.default
        let settledExists = fm.fileExists(atPath: settled.path)
        if settledExists {
            let s = try SafeTensors.decode(read(settled), file: settled.path)
            if s.metadata["model_digest"] == digest || s.metadata["model_digest"] == nil {
                try? fm.removeItem(at: pending) // a save that never reached its commit
                return (settled, s.tensors)
            }
        }
        if fm.fileExists(atPath: pending.path) {
            let p = try SafeTensors.decode(read(pending), file: pending.path)
            if p.metadata["model_digest"] == digest {
                try moveIntoPlace(pending, settled)
                return (settled, p.tensors)
            }
        }
        guard settledExists else { throw FileFormatError(file: settled.path, "is missing: the optimiser state of \(url.lastPathComponent)") }
        throw FileFormatError(file: settled.path, "belongs to another save than \(url.lastPathComponent) (its model_digest differs): "
            + "the files come from different saves or runs; restore a matching pair or start a new run")
    }
}
