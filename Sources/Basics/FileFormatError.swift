import Foundation

/// Errors reading or writing files, naming the file and the part that was wrong.
public struct FileFormatError: Error, CustomStringConvertible {
    public let file: String
    public let detail: String
    public init(file: String, _ detail: String) { self.file = file; self.detail = detail }
    public var description: String { "\(file): \(detail)" }
}

extension FileFormatError {
    /// The operating system's reason behind a Foundation file error ("Permission denied", "No such file or
    /// directory"), rather than Foundation's full error text.
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? Error {
            let u = underlying as NSError
            if u.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(u.code))) }
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }

    /// A Foundation error about a file (it names the path) as a `FileFormatError` in plain words; other errors as they are.
    public static func plain(_ error: Error) -> Error {
        let ns = error as NSError
        guard !(error is FileFormatError), ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain,
              let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path else { return error }
        return FileFormatError(file: path, "cannot be read or written (\(reason(error)))")
    }
}
