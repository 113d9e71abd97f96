import Foundation

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
