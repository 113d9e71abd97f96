import Foundation
import Basics

/// A small SVG document builder for figures: shapes, text and embedded PNG images.
public struct SVGDocument {
    public let width, height: Double
    private var body: [String] = []

    public init(width: Double, height: Double) { self.width = width; self.height = height }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func f(_ v: Double) -> String { String(format: "%.2f", v) }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String = "none") {
        body.append("<rect x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" width=\"\(Self.f(width))\" height=\"\(Self.f(height))\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>")
    }

    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#000", width: Double = 1, dash: String? = nil) {
        body.append("<line x1=\"\(Self.f(x1))\" y1=\"\(Self.f(y1))\" x2=\"\(Self.f(x2))\" y2=\"\(Self.f(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(width)\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>")
    }

    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5) {
        guard !points.isEmpty else { return }
        let p = points.map { "\(Self.f($0.0)),\(Self.f($0.1))" }.joined(separator: " ")
        body.append("<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(width)\" stroke-linejoin=\"round\"/>")
    }

    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String) {
        body.append("<circle cx=\"\(Self.f(cx))\" cy=\"\(Self.f(cy))\" r=\"\(Self.f(r))\" fill=\"\(fill)\"/>")
    }

    public mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: String = "start", weight: String = "normal",
                              rotate: Double? = nil, fill: String = "#222") {
        let transform = rotate.map { " transform=\"rotate(\(Self.f($0)) \(Self.f(x)) \(Self.f(y)))\"" } ?? ""
        body.append("<text x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"\(Self.f(size))\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" fill=\"\(fill)\"\(transform)>\(Self.escape(s))</text>")
    }

    /// Embeds `image` as a base64 PNG, drawn with crisp pixels.
    public mutating func image(_ image: Image, x: Double, y: Double, width: Double, height: Double) throws {
        let data = try image.pngData().base64EncodedString()
        body.append("<image x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" width=\"\(Self.f(width))\" height=\"\(Self.f(height))\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,\(data)\"/>")
    }

    public var text: String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.f(width))\" height=\"\(Self.f(height))\" viewBox=\"0 0 \(Self.f(width)) \(Self.f(height))\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }

    /// Writes the document atomically.
    public func write(to url: URL) throws { try writeAtomically(Data(text.utf8), to: url) }
}
