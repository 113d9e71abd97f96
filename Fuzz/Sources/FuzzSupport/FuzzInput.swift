import Foundation
@_exported import FuzzDriver

/// The bytes libFuzzer hands a target, with the small readers every target uses to steer what it tests.
public struct FuzzInput {
    public let data: Data
    public init(_ start: UnsafeRawPointer?, _ count: Int) {
        data = count > 0 && start != nil ? Data(bytes: start!, count: count) : Data()
    }

    /// The first byte (0 when empty), used to choose what the rest is fed to.
    public var selector: UInt8 { data.first ?? 0 }
    /// Everything after the first byte.
    public var rest: Data { data.dropFirst() }

    /// `rest` split at its first zero byte (the second part empty when there is none).
    public var halves: (Data, Data) {
        let r = rest
        guard let i = r.firstIndex(of: 0) else { return (r, Data()) }
        return (Data(r[r.startIndex..<i]), Data(r[(i + 1)...]))
    }

    /// `rest` as bits, most significant first.
    public var bits: [Bool] { rest.flatMap { b in (0..<8).map { b & (0x80 >> $0) != 0 } } }
}
