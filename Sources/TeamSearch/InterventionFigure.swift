import Foundation
import Plotting

extension TeamIntervention {
    /// The interventions as grouped bars: success with and without each, with 95% intervals, and the steps of
    /// the episodes that succeed both ways (the paper's Video 3 as a figure).
    public static func figure(_ results: [TeamIntervention]) -> SVGDocument {
        let barWidth = 60.0, groupGap = 70.0, left = 60.0, top = 50.0, height = 260.0
        let mazes = results.first?.mazes ?? 0, bits = results.first?.bitsPerStep ?? "?", method = results.first?.method.rawValue ?? "?"
        var svg = SVGDocument(width: left + Double(results.count) * (2 * barWidth + groupGap) + 20, height: top + height + 90)
        svg.text("Interventions on \(method) agents at \(bits) bits/step (\(mazes) held-out mazes): success, 95% intervals", x: 20, y: 24, size: 14, weight: "bold")
        func y(_ v: Double) -> Double { top + (1 - v) * height }
        for (i, r) in results.enumerated() {
            let x0 = left + Double(i) * (2 * barWidth + groupGap)
            for (k, (value, ci, color)) in [(r.baselineSuccess, r.baselineCI95, "#9467bd"), (r.perturbedSuccess, r.perturbedCI95, "#d62728")].enumerated() {
                let x = x0 + Double(k) * barWidth
                svg.rect(x: x + 4, y: y(value), width: barWidth - 8, height: y(0) - y(value), fill: color)
                svg.line(x + barWidth / 2, y(ci[0]), x + barWidth / 2, y(ci[1]), stroke: "#222", width: 1)
                svg.text(String(format: "%.0f%%", 100 * value), x: x + barWidth / 2, y: y(value) - 6, size: 11, anchor: "middle")
            }
            svg.text(r.kind.rawValue, x: x0 + barWidth, y: y(0) + 18, size: 12, anchor: "middle", weight: "bold")
            svg.text(String(format: "steps %.0f → %.0f", r.baselineSteps, r.perturbedSteps), x: x0 + barWidth, y: y(0) + 34, size: 11, anchor: "middle")
        }
        svg.text("purple: untouched, red: with the intervention", x: left, y: y(0) + 62, size: 11, fill: "#555")
        return svg
    }
}
