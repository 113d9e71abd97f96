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

    /// The largest JSON header accepted (the reference implementation's limit).
    public static let maxHeaderBytes = 100_000_000

    /// Parses a safetensors file's bytes; `file` names it in errors.
    ///
    /// Every size in the header is checked before anything is allocated: dimensions non-negative, element
    /// counts and byte ranges computed without overflow, each tensor's bytes inside the file, no two tensors
    /// sharing bytes. So a tensor never takes more memory than the file itself holds.
    public static func decode(_ data: Data, file: String = "<memory>") throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw FileFormatError(file: file, "truncated: \(data.count) bytes, no header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(maxHeaderBytes) else {
            throw FileFormatError(file: file, "header claims \(headerLength) bytes, above the \(maxHeaderBytes)-byte limit")
        }
        guard headerLength <= UInt64(data.count - 8) else {
            throw FileFormatError(file: file, "truncated: header claims \(headerLength) bytes, file has \(data.count - 8) after the length")
        }
        let start = data.startIndex
        let headerData = data.subdata(in: (start + 8)..<(start + 8 + Int(headerLength)))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw FileFormatError(file: file, "header is not a JSON object")
        }
        let bodyStart = start + 8 + Int(headerLength), bodyCount = data.count - 8 - Int(headerLength)
        var entries: [(name: String, shape: [Int], range: Range<Int>)] = []
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw FileFormatError(file: file, "__metadata__ is not a map of strings") }
                metadata = m; continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw FileFormatError(file: file, "tensor '\(name)': header entry lacks dtype, integer shape or two integer data_offsets")
            }
            guard dtype == "F32" else { throw FileFormatError(file: file, "tensor '\(name)': dtype \(dtype) is not supported (F32 only)") }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw FileFormatError(file: file, "tensor '\(name)': shape \(shape) has a negative dimension") }
            var count = 1
            for d in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, product <= Int.max / 4 else {
                    throw FileFormatError(file: file, "tensor '\(name)': shape \(shape) has more elements than any file can hold")
                }
                count = product
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw FileFormatError(file: file, "tensor '\(name)': data_offsets \(offsets) are not an ascending pair of non-negative byte offsets")
            }
            guard offsets[1] - offsets[0] == 4 * count else {
                throw FileFormatError(file: file, "tensor '\(name)': data_offsets \(offsets) do not hold shape \(shape) (\(4 * count) bytes)")
            }
            guard offsets[1] <= bodyCount else {
                throw FileFormatError(file: file, "tensor '\(name)': truncated, data ends at \(offsets[1]) but only \(bodyCount) bytes follow the header")
            }
            entries.append((name, shape, offsets[0]..<offsets[1]))
        }
        entries.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        for (a, b) in zip(entries, entries.dropFirst()) where a.range.upperBound > b.range.lowerBound {
            throw FileFormatError(file: file, "tensors '\(a.name)' and '\(b.name)' overlap in the data")
        }
        var tensors: [String: Tensor] = [:]
        for e in entries {
            let storage = TensorStorage(uninitializedCount: e.range.count / 4)
            data.withUnsafeBytes { raw in
                UnsafeMutableRawPointer(storage.pointer).copyMemory(from: raw.baseAddress! + (bodyStart - start) + e.range.lowerBound,
                                                                    byteCount: e.range.count)
            }
            tensors[e.name] = Tensor(shape: e.shape, storage: storage)
        }
        return (tensors, metadata)
    }

    /// The first tensor (by name) holding a NaN or infinity, with the index of the first such value.
    public static func firstNonFinite(_ tensors: [String: Tensor]) -> (name: String, index: Int)? {
        for name in tensors.keys.sorted() {
            let t = tensors[name]!
            if let i = UnsafeBufferPointer(start: t.storage.pointer, count: t.count).firstIndex(where: { !$0.isFinite }) { return (name, i) }
        }
        return nil
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
