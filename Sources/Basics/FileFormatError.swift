import Foundation

/// Errors reading or writing files, naming the file and the part that was wrong.
public struct FileFormatError: Error, CustomStringConvertible {
    public let file: String
    public let detail: String
    public init(file: String, _ detail: String) { self.file = file; self.detail = detail }
    public var description: String { "\(file): \(detail)" }
}
