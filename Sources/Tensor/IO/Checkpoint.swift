import Foundation

/// A model checkpoint: parameters and buffers in one safetensors file, optimiser state in a sibling
/// `<name>.optim.safetensors`, so a resumed run continues exactly.
public enum Checkpoint {
    /// The optimiser-state file that accompanies `url`.
    public static func optimizerURL(for url: URL) -> URL {
        url.deletingPathExtension().appendingPathExtension("optim.safetensors")
    }

    /// Saves `module`'s state (and `optimizer`'s, if given) atomically.
    ///
    /// The training-state file also holds the generators of the model's dropout layers, so that a resumed
    /// run draws the same masks as an uninterrupted one.
    public static func save(_ module: Module, optimizer: Optimizer? = nil, to url: URL,
                            metadata: [String: String] = [:]) throws {
        if let optimizer {
            let generators = module.namedDropouts().map { ("rng.\($0.0)", encode($0.1.rng.state)) }
            try SafeTensors.save(optimizer.stateDict() + generators, to: optimizerURL(for: url))
        }
        try SafeTensors.save(module.stateDict(), to: url, metadata: metadata)
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

    /// Rebuilds a model from a checkpoint whose metadata holds its configuration as JSON under `model_config`
    /// (as every trainer here writes it): decodes the configuration, `build`s the model, loads the weights
    /// (the file is read once) and switches it to evaluation mode. Errors name the file and say what is
    /// wrong; `kind` names the model in them ("a BEV checkpoint").
    public static func loadModel<Config: Decodable, Model: Module>(_ url: URL, kind: String,
                                                                   build: (Config) -> Model) throws -> (model: Model, metadata: [String: String]) {
        let (tensors, metadata) = try SafeTensors.load(url)
        guard let json = metadata["model_config"] else {
            throw FileFormatError(file: url.path, "metadata has no model_config (not \(kind) checkpoint)")
        }
        let config: Config
        do { config = try JSONDecoder().decode(Config.self, from: Data(json.utf8)) } catch {
            throw FileFormatError(file: url.path, "metadata model_config is not \(kind) configuration (\(error))")
        }
        let model = build(config)
        do { try model.load(stateDict: tensors) } catch let e as TensorError { throw FileFormatError(file: url.path, e.description) }
        model.eval()
        return (model, metadata)
    }

    /// Loads into `module` (and `optimizer`, if given); errors name the file and the tensor.
    @discardableResult
    public static func load(into module: Module, optimizer: Optimizer? = nil, from url: URL) throws -> [String: String] {
        let (tensors, metadata) = try SafeTensors.load(url)
        do { try module.load(stateDict: tensors) } catch let e as TensorError {
            throw FileFormatError(file: url.path, e.description)
        }
        if let optimizer {
            let optURL = optimizerURL(for: url)
            let (state, _) = try SafeTensors.load(optURL)
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
}
