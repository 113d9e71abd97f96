import Foundation
import Plotting
import Tensor

/// The grid-cell figures: rate maps and autocorrelograms of chosen units (PNG images and a labelled SVG),
/// the gridness histogram, loss curves (Figure S1-A) and true versus decoded trajectories.
public enum GridFigures {
    /// A rate map as a heat map (x to the right, y up, empty bins white).
    public static func rateMapImage(_ map: RateMap, scale: Int = 4) -> Image {
        // values are [x][y]; an image row is a y, so transpose, and put y = 0 at the bottom.
        let n = map.bins
        let transposed = (0..<n * n).map { k in map.values[(k % n) * n + k / n] }
        return heatmap(transposed, rows: n, columns: n, scale: scale, flipRows: true)
    }

    /// An autocorrelogram as a heat map in [−1, 1].
    public static func autocorrelogramImage(_ sac: [Double], bins: Int, scale: Int = 2) -> Image {
        let n = 2 * bins - 1
        let transposed = (0..<n * n).map { k in sac[(k % n) * n + k / n] }
        return heatmap(transposed, rows: n, columns: n, scale: scale, flipRows: true, range: (-1, 1))
    }

    /// A labelled panel: one column per unit, rows of rate maps (and autocorrelograms), each titled with
    /// its unit and gridness60.
    public static func unitPanel(_ analysis: GridnessAnalysis, units: [Int], title: String, autocorrelograms: Bool = true) throws -> SVGDocument {
        let cell = 120.0, gap = 18.0, top = 40.0
        let rows = autocorrelograms ? 2 : 1
        var svg = SVGDocument(width: Double(units.count) * (cell + gap) + gap, height: top + Double(rows) * (cell + gap + 14) + 10)
        svg.text(title, x: svg.width / 2, y: 22, size: 14, anchor: "middle", weight: "bold")
        let scorer = GridScorer(bins: analysis.rateMaps.first?.bins ?? 40)
        for (k, u) in units.enumerated() {
            let x = gap + Double(k) * (cell + gap)
            let s = analysis.scores[u]
            svg.text(String(format: "unit %d  g60 %.2f", u, s.gridness60), x: x + cell / 2, y: top + 10, size: 11, anchor: "middle")
            try svg.image(rateMapImage(analysis.rateMaps[u]), x: x, y: top + 16, width: cell, height: cell)
            if autocorrelograms {
                let sac = scorer.autocorrelogram(analysis.rateMaps[u])
                try svg.image(autocorrelogramImage(sac, bins: scorer.bins), x: x, y: top + 30 + cell + gap, width: cell, height: cell)
            }
        }
        return svg
    }

    /// Rate maps of `units` side by side as one PNG (no labels; for quick viewing).
    public static func rateMapStrip(_ analysis: GridnessAnalysis, units: [Int], scale: Int = 3) -> Image {
        let images = units.map { rateMapImage(analysis.rateMaps[$0], scale: scale) }
        guard let first = images.first else { return Image(width: 1, height: 1, format: .rgb) }
        let gap = 4, w = first.width, h = first.height
        var px = [UInt8](repeating: 255, count: (images.count * (w + gap) - gap) * h * 3)
        let rowBytes = (images.count * (w + gap) - gap) * 3
        for (k, img) in images.enumerated() {
            for y in 0..<h { for x in 0..<w { for c in 0..<3 {
                px[y * rowBytes + (k * (w + gap) + x) * 3 + c] = img.pixels[(y * w + x) * 3 + c]
            } } }
        }
        return Image(width: images.count * (w + gap) - gap, height: h, format: .rgb, pixels: px)
    }

    /// Loss curves from a run's metrics (Figure S1-A: total, place and HD losses; validation dashed in colour).
    public static func lossCurves(_ metrics: [EpochMetrics]) -> SVGDocument {
        let e = metrics.map { Double($0.epoch) }
        func series(_ name: String, _ values: [Float], _ color: String) -> Series {
            Series(name, zip(e, values).map { ($0, Double($1)) }, color: color)
        }
        return linePlot([
            series("total (train)", metrics.map(\.trainLoss), seriesColors[0]),
            series("place (train)", metrics.map(\.trainPlace), seriesColors[1]),
            series("HD (train)", metrics.map(\.trainHeadDirection), seriesColors[2]),
            series("total (val)", metrics.map(\.validationLoss), seriesColors[3]),
        ], title: "Model convergence on the path-integration task", xLabel: "epoch", yLabel: "loss", logY: true)
    }

    /// Position error against epoch.
    public static func errorCurve(_ metrics: [EpochMetrics]) -> SVGDocument {
        linePlot([Series("validation", metrics.map { (Double($0.epoch), Double($0.meanPositionErrorCells)) }, color: seriesColors[0])],
                 title: "Path-integration error (held-out windows)", xLabel: "epoch", yLabel: "mean position error (cells)")
    }

    /// The gridness60 histogram with the 0.3 threshold.
    public static func gridnessHistogram(_ analysis: GridnessAnalysis, threshold: Double = 0.3) -> SVGDocument {
        histogram(analysis.scores.map(\.gridness60), bins: 30, range: (-1, 1.6), threshold: threshold,
                  title: String(format: "Gridness60 of %d units: %.1f%% above %.1f, top-10 mean %.2f", analysis.scores.count,
                                analysis.fractionAbove(threshold) * 100, threshold, analysis.topMean(10)),
                  xLabel: "gridness60")
    }

    /// True (black) and decoded (red) trajectories of a few windows in the `extent`² square.
    public static func trajectories(truth: Tensor, decoded: Tensor, windows: Int = 4, extent: Double = 15) -> SVGDocument {
        let size = 360.0, pad = 20.0, t = truth.shape[1]
        var svg = SVGDocument(width: Double(windows) * (size + pad) + pad, height: size + 2 * pad + 24)
        svg.text("True (black) and decoded (red) trajectories", x: svg.width / 2, y: 20, size: 14, anchor: "middle", weight: "bold")
        for w in 0..<min(windows, truth.shape[0]) {
            let x0 = pad + Double(w) * (size + pad), y0 = 2 * pad
            svg.rect(x: x0, y: y0, width: size, height: size, fill: "none", stroke: "#888")
            func point(_ tensor: Tensor, _ s: Int) -> (Double, Double) {
                let p = tensor.storage.pointer
                return (x0 + Double(p[(w * t + s) * 2]) / extent * size, y0 + size - Double(p[(w * t + s) * 2 + 1]) / extent * size)
            }
            svg.polyline((0..<t).map { point(truth, $0) }, stroke: "#111", width: 2)
            svg.polyline((0..<t).map { point(decoded, $0) }, stroke: "#d62728", width: 1.5)
            let start = point(truth, 0)
            svg.circle(cx: start.0, cy: start.1, r: 4, fill: "#2ca02c")
        }
        return svg
    }

}
