import Foundation

/// Errors reading or writing files, naming the file and the part that was wrong.
public struct FileFormatError: Error, CustomStringConvertible {
    public let file: String
    public let detail: String
    public init(file: String, _ detail: String) { self.file = file; self.detail = detail }
    public var description: String { "\(file): \(detail)" }
}

/// The safetensors file format: an 8-byte little-endian header length, a JSON header mapping each tensor
/// name to `{dtype, shape, data_offsets}` (plus optional string `__metadata__`), then the raw little-endian
/// data. Files written here load with Python's `safetensors.torch.load_file`.
public enum SafeTensors {
    /// Serialises named F32 tensors (order kept) with optional string metadata.
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        var seen = Set<String>()
        for (name, t) in tensors {
            guard seen.insert(name).inserted else { throw TensorError("safetensors: duplicate tensor name '\(name)'") }
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]] as [String: Any]
            offset += 4 * t.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) } // pad with spaces so the data starts aligned
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, t) in tensors { data.append(UnsafeBufferPointer(start: t.storage.pointer, count: t.count)) }
        return data
    }

    /// Parses a safetensors file's bytes; `file` names it in errors.
    public static func decode(_ data: Data, file: String = "<memory>") throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw FileFormatError(file: file, "truncated: \(data.count) bytes, no header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw FileFormatError(file: file, "truncated: header claims \(headerLength) bytes, file has \(data.count - 8) after the length")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw FileFormatError(file: file, "header is not a JSON object")
        }
        let body = data.subdata(in: (8 + Int(headerLength))..<data.count)
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" { metadata = value as? [String: String] ?? [:]; continue }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw FileFormatError(file: file, "tensor '\(name)': header entry lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { throw FileFormatError(file: file, "tensor '\(name)': dtype \(dtype) is not supported (F32 only)") }
            let n = shape.reduce(1, *)
            guard offsets[1] - offsets[0] == 4 * n, offsets[0] >= 0 else {
                throw FileFormatError(file: file, "tensor '\(name)': data_offsets \(offsets) do not hold shape \(shape)")
            }
            guard offsets[1] <= body.count else {
                throw FileFormatError(file: file, "tensor '\(name)': truncated, data ends at \(offsets[1]) but only \(body.count) bytes follow the header")
            }
            let storage = TensorStorage(uninitializedCount: n)
            body.withUnsafeBytes { raw in
                UnsafeMutableRawPointer(storage.pointer).copyMemory(from: raw.baseAddress! + offsets[0], byteCount: 4 * n)
            }
            tensors[name] = Tensor(shape: shape, storage: storage)
        }
        return (tensors, metadata)
    }

    /// Writes atomically: a temporary file in the same folder, then a rename over `url`.
    public static func save(_ tensors: [(String, Tensor)], to url: URL, metadata: [String: String] = [:]) throws {
        try writeAtomically(encode(tensors, metadata: metadata), to: url)
    }

    /// Reads a file written by ``save(_:to:metadata:)`` or by Python's safetensors (F32 tensors).
    public static func load(_ url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FileFormatError(file: url.path, "cannot be read (\(error.localizedDescription))")
        }
        return try decode(data, file: url.path)
    }
}

/// Writes `data` to a temporary sibling and renames it over `url`, so a crash never leaves a half file.
public func writeAtomically(_ data: Data, to url: URL) throws {
    let dir = url.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
    try data.write(to: tmp)
    if rename(tmp.path, url.path) != 0 {
        try? FileManager.default.removeItem(at: tmp)
        throw FileFormatError(file: url.path, "could not move the temporary file into place (errno \(errno))")
    }
}

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
