import Foundation
import Basics

/// One named series of a line plot.
public struct Series {
    public var name: String
    public var points: [(x: Double, y: Double)]
    public var color: String
    public init(_ name: String, _ points: [(x: Double, y: Double)], color: String) { self.name = name; self.points = points; self.color = color }
}

/// A qualitative palette for series.
public let seriesColors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]

/// Axes with ticks, labels and a legend, mapping data to an SVG frame.
struct Axes {
    let left = 64.0, right = 16.0, top = 36.0, bottom = 48.0
    let width, height: Double
    let xRange, yRange: (Double, Double)
    let logY: Bool

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }

    func x(_ v: Double) -> Double { left + (v - xRange.0) / max(xRange.1 - xRange.0, 1e-12) * plotWidth }
    func y(_ v: Double) -> Double {
        let t = logY ? (log10(max(v, 1e-12)) - log10(yRange.0)) / max(log10(yRange.1) - log10(yRange.0), 1e-12)
            : (v - yRange.0) / max(yRange.1 - yRange.0, 1e-12)
        return top + (1 - t) * plotHeight
    }

    static func niceTicks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        guard hi > lo else { return [lo] }
        let raw = (hi - lo) / Double(count), mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var t = ceil(lo / step) * step, out: [Double] = []
        while t <= hi + step * 1e-9 { out.append(t); t += step }
        return out
    }

    func draw(_ svg: inout SVGDocument, title: String, xLabel: String, yLabel: String) {
        svg.rect(x: left, y: top, width: plotWidth, height: plotHeight, fill: "none", stroke: "#888")
        for t in Axes.niceTicks(xRange.0, xRange.1) {
            svg.line(x(t), top + plotHeight, x(t), top + plotHeight + 4, stroke: "#888")
            svg.text(Axes.label(t), x: x(t), y: top + plotHeight + 17, size: 11, anchor: "middle")
        }
        var yTicks = Axes.niceTicks(yRange.0, yRange.1)
        if logY {
            let lo = Int(floor(log10(yRange.0))), hi = Int(ceil(log10(yRange.1)))
            let decades: [Double] = (lo...max(lo, hi)).map { (e: Int) -> Double in pow(10, Double(e)) }
            yTicks = decades.filter { (t: Double) -> Bool in t >= yRange.0 * 0.999 && t <= yRange.1 * 1.001 }
        }
        for t in yTicks {
            svg.line(left - 4, y(t), left, y(t), stroke: "#888")
            svg.line(left, y(t), left + plotWidth, y(t), stroke: "#eee")
            svg.text(Axes.label(t), x: left - 7, y: y(t) + 4, size: 11, anchor: "end")
        }
        svg.text(title, x: left + plotWidth / 2, y: 22, size: 14, anchor: "middle", weight: "bold")
        svg.text(xLabel, x: left + plotWidth / 2, y: height - 10, size: 12, anchor: "middle")
        svg.text(yLabel, x: 16, y: top + plotHeight / 2, size: 12, anchor: "middle", rotate: -90)
    }

    static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e4 || abs(v) < 1e-3 { return String(format: "%.0e", v) }
        return v == v.rounded() ? String(Int(v)) : String(format: "%g", (v * 1000).rounded() / 1000)
    }
}

/// A line plot of several series (optionally with a logarithmic y axis and vertical interval bars), as SVG.
public func linePlot(_ series: [Series], title: String, xLabel: String, yLabel: String, logY: Bool = false,
                     errorBars: [(x: Double, low: Double, high: Double, color: String)] = [], legendOutside: Bool = false,
                     width: Double = 640, height: Double = 400) -> SVGDocument {
    let legendWidth = legendOutside ? 140.0 : 0
    let all = series.flatMap(\.points).filter { $0.y.isFinite && (!logY || $0.y > 0) }
    let xs = all.map(\.x), ys = all.map(\.y) + errorBars.flatMap { [$0.low, $0.high] }
    var yr = (ys.min() ?? 0, ys.max() ?? 1)
    if logY { yr = (pow(10, floor(log10(yr.0))), pow(10, ceil(log10(yr.1)))) } else {
        let pad = (yr.1 - yr.0) * 0.05; yr = (yr.0 - pad, yr.1 + pad)
    }
    let axes = Axes(width: width, height: height, xRange: (xs.min() ?? 0, xs.max() ?? 1), yRange: yr, logY: logY)
    var svg = SVGDocument(width: width + legendWidth, height: height)
    axes.draw(&svg, title: title, xLabel: xLabel, yLabel: yLabel)
    for b in errorBars {
        let x = axes.x(b.x)
        svg.line(x, axes.y(b.low), x, axes.y(b.high), stroke: b.color, width: 1)
        svg.line(x - 3, axes.y(b.low), x + 3, axes.y(b.low), stroke: b.color, width: 1)
        svg.line(x - 3, axes.y(b.high), x + 3, axes.y(b.high), stroke: b.color, width: 1)
    }
    for (k, s) in series.enumerated() {
        svg.polyline(s.points.filter { $0.y.isFinite && (!logY || $0.y > 0) }.map { (axes.x($0.x), axes.y($0.y)) }, stroke: s.color)
        let ly = axes.top + 14 + Double(k) * 16, lx = axes.left + axes.plotWidth + (legendOutside ? 16 : -120)
        svg.line(lx, ly - 4, lx + 20, ly - 4, stroke: s.color, width: 2)
        svg.text(s.name, x: lx + 25, y: ly, size: 11)
    }
    return svg
}

/// A histogram of `values` with an optional vertical threshold line, as SVG.
public func histogram(_ values: [Double], bins: Int = 30, range: (Double, Double)? = nil, threshold: Double? = nil,
                      title: String, xLabel: String, color: String = "#1f77b4", width: Double = 640, height: Double = 400) -> SVGDocument {
    let finite = values.filter(\.isFinite)
    let lo = range?.0 ?? (finite.min() ?? 0), hi = range?.1 ?? (finite.max() ?? 1)
    var counts = [Int](repeating: 0, count: bins)
    for v in finite {
        let i = min(bins - 1, max(0, Int((v - lo) / max(hi - lo, 1e-12) * Double(bins))))
        counts[i] += 1
    }
    let axes = Axes(width: width, height: height, xRange: (lo, hi), yRange: (0, Double(counts.max() ?? 1) * 1.1), logY: false)
    var svg = SVGDocument(width: width, height: height)
    axes.draw(&svg, title: title, xLabel: xLabel, yLabel: "units")
    let w = (hi - lo) / Double(bins)
    for (i, c) in counts.enumerated() where c > 0 {
        let x0 = axes.x(lo + Double(i) * w), x1 = axes.x(lo + Double(i + 1) * w)
        svg.rect(x: x0 + 0.5, y: axes.y(Double(c)), width: max(x1 - x0 - 1, 0.5), height: axes.y(0) - axes.y(Double(c)), fill: color)
    }
    if let threshold {
        svg.line(axes.x(threshold), axes.top, axes.x(threshold), axes.top + axes.plotHeight, stroke: "#d62728", width: 1.5, dash: "5,4")
        svg.text(String(format: "%.2f", threshold), x: axes.x(threshold) + 4, y: axes.top + 14, size: 11, fill: "#d62728")
    }
    return svg
}

/// Colour maps for heat-map images.
public enum Colormap {
    /// Matplotlib's viridis, by linear interpolation of 9 anchors; `t` in [0, 1].
    public static func viridis(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let anchors: [(Double, Double, Double)] = [
            (68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142),
            (31, 158, 137), (53, 183, 121), (109, 205, 89), (180, 222, 44), (253, 231, 37),
        ]
        let x = min(max(t, 0), 1) * Double(anchors.count - 1)
        let i = min(Int(x), anchors.count - 2), f = x - Double(i)
        let a = anchors[i], b = anchors[i + 1]
        return (UInt8(a.0 + (b.0 - a.0) * f), UInt8(a.1 + (b.1 - a.1) * f), UInt8(a.2 + (b.2 - a.2) * f))
    }

    /// The "jet" map used by the original project's rate-map figures.
    public static func jet(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let v = min(max(t, 0), 1)
        func c(_ x: Double) -> UInt8 { UInt8(max(0, min(1, x)) * 255) }
        return (c(1.5 - abs(4 * v - 3)), c(1.5 - abs(4 * v - 2)), c(1.5 - abs(4 * v - 1)))
    }
}

/// A heat-map image of a row-major `rows × columns` grid (min–max scaled, NaN in `nanColor`), each value a
/// `scale`×`scale` block; `flipRows` draws row 0 at the bottom.
public func heatmap(_ values: [Double], rows: Int, columns: Int, scale: Int = 4, colormap: (Double) -> (UInt8, UInt8, UInt8) = Colormap.jet,
                    nanColor: (UInt8, UInt8, UInt8) = (255, 255, 255), flipRows: Bool = false, range: (Double, Double)? = nil) -> Image {
    let finite = values.filter(\.isFinite)
    let lo = range?.0 ?? (finite.min() ?? 0), hi = range?.1 ?? (finite.max() ?? 1)
    var px = [UInt8](repeating: 0, count: rows * scale * columns * scale * 3)
    for r in 0..<rows {
        for c in 0..<columns {
            let v = values[r * columns + c]
            let rgb = v.isFinite ? colormap((v - lo) / max(hi - lo, 1e-12)) : nanColor
            let row = flipRows ? rows - 1 - r : r
            for dy in 0..<scale { for dx in 0..<scale {
                let o = (((row * scale + dy) * columns * scale) + c * scale + dx) * 3
                px[o] = rgb.0; px[o + 1] = rgb.1; px[o + 2] = rgb.2
            } }
        }
    }
    return Image(width: columns * scale, height: rows * scale, format: .rgb, pixels: px)
}
