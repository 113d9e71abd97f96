import Foundation
internal import CPNG

/// 8-bit images read and written through libpng's simplified API.
public struct Image: Equatable, Sendable {
    /// Channels per pixel.
    public enum Format: Int, Sendable { case gray = 1, rgb = 3, rgba = 4 }
    public let width, height: Int
    public let format: Format
    /// Row-major pixels, `height·width·channels` bytes, top row first.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, format: Format, pixels: [UInt8]) {
        precondition(pixels.count == width * height * format.rawValue,
                     "Image: \(pixels.count) bytes do not fill \(width)×\(height)×\(format.rawValue)")
        self.width = width; self.height = height; self.format = format; self.pixels = pixels
    }

    /// A blank image.
    public init(width: Int, height: Int, format: Format, fill: UInt8 = 0) {
        self.init(width: width, height: height, format: format,
                  pixels: [UInt8](repeating: fill, count: width * height * format.rawValue))
    }

    private static func pngFormat(_ f: Format) -> UInt32 {
        switch f {
        case .gray: 0
        case .rgb: UInt32(PNG_FORMAT_FLAG_COLOR)
        case .rgba: UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
        }
    }

    private static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// The image encoded as PNG bytes.
    public func pngData() throws -> Data {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        img.width = UInt32(width); img.height = UInt32(height)
        img.format = Image.pngFormat(format)
        var size = 0
        let stride = Int32(width * format.rawValue)
        guard pixels.withUnsafeBytes({ png_image_write_to_memory(&img, nil, &size, 0, $0.baseAddress, stride, nil) }) != 0 else {
            throw FileFormatError(file: "<memory>", "PNG encoding failed: \(Image.message(img))")
        }
        var data = Data(count: size)
        let ok = data.withUnsafeMutableBytes { out in
            pixels.withUnsafeBytes { png_image_write_to_memory(&img, out.baseAddress, &size, 0, $0.baseAddress, stride, nil) }
        }
        guard ok != 0 else { throw FileFormatError(file: "<memory>", "PNG encoding failed: \(Image.message(img))") }
        return data.prefix(size)
    }

    /// Writes a PNG atomically.
    public func write(to url: URL) throws {
        let data: Data
        do { data = try pngData() } catch let e as FileFormatError { throw FileFormatError(file: url.path, e.detail) }
        try writeAtomically(data, to: url)
    }

    /// The most pixels ``read(_:as:maxPixels:)`` decodes by default (2²⁵, e.g. 5792²: 128 MiB as RGBA); the
    /// header's size is checked against it before any pixel memory is allocated.
    public static let defaultMaxPixels = 1 << 25
    /// The largest PNG file read (bytes), checked before the file is loaded.
    public static let maxFileBytes = 256 << 20

    /// Reads a PNG, converting it to `format` (its own channel count when nil). A header claiming more than
    /// `maxPixels` pixels is refused before decoding (a "PNG bomb" cannot take the memory it claims).
    public static func read(_ url: URL, as format: Format? = nil, maxPixels: Int = defaultMaxPixels) throws -> Image {
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size > maxFileBytes {
            throw FileFormatError(file: url.path, "is \(size) bytes, above the \(maxFileBytes)-byte limit for a PNG")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FileFormatError(file: url.path, "cannot be read (\(error.localizedDescription))")
        }
        return try decode(data, file: url.path, as: format, maxPixels: maxPixels)
    }

    /// Decodes PNG bytes (as ``read(_:as:maxPixels:)`` does a file's); `file` names them in errors.
    public static func decode(_ data: Data, file: String = "<memory>", as format: Format? = nil, maxPixels: Int = defaultMaxPixels) throws -> Image {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        let begun = data.withUnsafeBytes { png_image_begin_read_from_memory(&img, $0.baseAddress, data.count) }
        guard begun != 0 else { throw FileFormatError(file: file, "not a readable PNG: \(message(img))") }
        let native: Format = img.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0 ? .rgba
            : (img.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0 ? .rgb : .gray)
        let want = format ?? native
        img.format = pngFormat(want)
        let w = Int(img.width), h = Int(img.height)
        guard w > 0, h > 0, w <= maxPixels / h else {
            png_image_free(&img)
            throw FileFormatError(file: file, "header claims \(w)×\(h) pixels, above the limit of \(maxPixels); refused before decoding")
        }
        var pixels = [UInt8](repeating: 0, count: w * h * want.rawValue)
        let finished = data.withUnsafeBytes { _ in
            pixels.withUnsafeMutableBytes { png_image_finish_read(&img, nil, $0.baseAddress, Int32(w * want.rawValue), nil) }
        }
        guard finished != 0 else {
            png_image_free(&img)
            throw FileFormatError(file: file, "corrupt PNG data: \(message(img))")
        }
        return Image(width: w, height: h, format: want, pixels: pixels)
    }
}
