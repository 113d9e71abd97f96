import Foundation

/// Writes `data` to a temporary sibling and renames it over `url`, so a crash never leaves a half file. Errors
/// name the file and say why in plain words (the folder cannot be made, no permission, no space).
public func writeAtomically(_ data: Data, to url: URL) throws {
    let dir = url.deletingLastPathComponent()
    do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
        throw FileFormatError(file: url.path, "cannot be written: its folder \(dir.path) cannot be created (\(FileFormatError.reason(error)))")
    }
    let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
    do { try data.write(to: tmp) } catch {
        try? FileManager.default.removeItem(at: tmp)
        throw FileFormatError(file: url.path, "cannot be written (\(FileFormatError.reason(error)))")
    }
    if rename(tmp.path, url.path) != 0 {
        let code = errno
        try? FileManager.default.removeItem(at: tmp)
        throw FileFormatError(file: url.path, "could not move the temporary file into place (\(String(cString: strerror(code))))")
    }
}
