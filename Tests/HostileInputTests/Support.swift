import Foundation
import Tensor

/// A scratch folder removed when the value goes away.
final class Scratch {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-hostile-\(UUID().uuidString)")
    init() { try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: url) }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// Safetensors bytes with a hand-written header (any JSON, however wrong) and `body` bytes after it.
func safetensorsBytes(header: String, body: Data = Data()) -> Data {
    var data = Data()
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
    return data + Data(header.utf8) + body
}

/// The error text of `body`, or nil when it does not throw.
func errorText(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
}

/// A checkpoint whose `model_config` metadata is `config` (JSON) over the tensors of `tensors`.
func checkpoint(config: String, tensors: [(String, Tensor)] = [], extra: [String: String] = [:]) throws -> Data {
    try SafeTensors.encode(tensors, metadata: ["model_config": config].merging(extra) { a, _ in a })
}

/// CRC-32 (PNG's chunk check).
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }
    return ~c
}

/// A PNG whose header claims `width`×`height` RGB pixels but whose data is a few bytes: a "PNG bomb".
func pngClaiming(width: UInt32, height: UInt32) -> Data {
    func chunk(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + payload
        return bigEndian(UInt32(payload.count)) + body + bigEndian(crc32(body))
    }
    func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    let ihdr = bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0]
    let idat: [UInt8] = [120, 156, 99, 96, 96, 96, 0, 0, 0, 4, 0, 1] // zlib of one 1×1 RGB row (4 zero bytes)
    return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", idat) + chunk("IEND", []))
}
