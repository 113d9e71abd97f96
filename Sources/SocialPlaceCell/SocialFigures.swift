import Foundation
import GridCell
import Plotting
import Tensor

/// The social place cell figures.
public enum SocialFigures {
    /// Writes the example units (SVG), the population breakdown (SVG) and one rate map per example type (PNG:
    /// a place cell and a special SPC against self position, a pure SPC against the partner's) into `folder`.
    public static func writeAll(_ a: SocialProbeAnalysis, into folder: URL) throws {
        try examples(a).write(to: folder.appendingPathComponent("spc_examples.svg"))
        try breakdown(a).write(to: folder.appendingPathComponent("spc_population.svg"))
        for t in [SocialCellType.purePlaceCell, .pureSPC, .specialSPC] {
            guard let u = a.example(t) else { continue }
            let partner = t == .pureSPC
            try GridFigures.rateMapImage(a.rateMap(unit: u, condition: partner ? .partnerMoving : .selfMoving, partnerPosition: partner))
                .write(to: folder.appendingPathComponent("\(t.rawValue)_unit\(u).png"))
        }
    }

    /// One row per cell type (pure place cell, pure SPC, special SPC): the example unit's rate maps in the four
    /// conditions, against the agent's own position (conditions 1, 4) or the moving agent's (2, 3 for SPCs),
    /// on one colour scale per row (0 to the unit's largest peak), so conditions compare directly.
    public static func examples(_ a: SocialProbeAnalysis) throws -> SVGDocument {
        let types: [SocialCellType] = [.purePlaceCell, .pureSPC, .specialSPC]
        let cell = 120.0, gap = 16.0, left = 130.0, top = 60.0
        var svg = SVGDocument(width: left + 4 * (cell + gap), height: top + Double(types.count) * (cell + gap + 16))
        svg.text("Example units of each type in the four probe conditions", x: svg.width / 2, y: 22, size: 14, anchor: "middle", weight: "bold")
        let titles = ["1: self moves", "2: partner moves", "3: both move", "4: both static"]
        for (c, title) in titles.enumerated() {
            svg.text(title, x: left + Double(c) * (cell + gap) + cell / 2, y: top - 12, size: 12, anchor: "middle", weight: "bold")
        }
        for (r, type) in types.enumerated() {
            let y = top + Double(r) * (cell + gap + 16)
            guard let unit = a.example(type) else {
                svg.text("\(type.rawValue): none", x: 8, y: y + cell / 2, size: 12)
                continue
            }
            svg.text(type.rawValue.replacingOccurrences(of: "_", with: " "), x: 8, y: y + cell / 2, size: 12, weight: "bold")
            svg.text("unit \(unit)", x: 8, y: y + cell / 2 + 16, size: 11)
            for (c, condition) in ProbeCondition.allCases.enumerated() {
                let partner = type == .pureSPC && condition != .selfMoving || condition == .partnerMoving
                let map = a.rateMap(unit: unit, condition: condition, partnerPosition: partner, clip: nil)
                let x = left + Double(c) * (cell + gap)
                svg.rect(x: x, y: y + 14, width: cell, height: cell, fill: "#f4f4f4")
                try svg.image(heatmapFixed(map, maximum: Double(a.peaks[unit].max() ?? 1)), x: x, y: y + 14, width: cell, height: cell)
                svg.text(String(format: "peak %.2f%@", a.peaks[unit][c], partner ? " (partner)" : ""), x: x + cell / 2, y: y + 10, size: 10, anchor: "middle")
            }
        }
        return svg
    }

    /// A rate map on a fixed 0…`maximum` scale, empty bins light grey.
    static func heatmapFixed(_ map: RateMap, maximum: Double) -> Image {
        let n = map.bins
        let transposed = (0..<n * n).map { k in map.values[(k % n) * n + k / n] }
        return heatmap(transposed, rows: n, columns: n, scale: 3, nanColor: (236, 236, 236), flipRows: true, range: (0, max(maximum, 1e-6)))
    }

    /// The population breakdown as a bar chart of unit counts per type.
    public static func breakdown(_ a: SocialProbeAnalysis) -> SVGDocument {
        let types = SocialCellType.allCases
        let width = 620.0, height = 380.0, left = 60.0, bottom = 60.0, top = 40.0
        var svg = SVGDocument(width: width, height: height)
        svg.text("Unit types of the social network (\(a.types.count) units, probe protocol)", x: width / 2, y: 22, size: 14, anchor: "middle", weight: "bold")
        let maxCount = Double(types.map { a.count($0) }.max() ?? 1)
        let barWidth = (width - left - 20) / Double(types.count)
        let plotHeight = height - top - bottom
        svg.line(left, height - bottom, width - 10, height - bottom, stroke: "#888")
        for (i, t) in types.enumerated() {
            let h = plotHeight * Double(a.count(t)) / max(maxCount, 1)
            let x = left + Double(i) * barWidth + 8
            svg.rect(x: x, y: height - bottom - h, width: barWidth - 16, height: h, fill: seriesColors[i % seriesColors.count])
            svg.text(String(format: "%d (%.1f%%)", a.count(t), a.fraction(t) * 100), x: x + (barWidth - 16) / 2, y: height - bottom - h - 6, size: 11, anchor: "middle")
            svg.text(t.rawValue.replacingOccurrences(of: "_", with: " "), x: x + (barWidth - 16) / 2, y: height - bottom + 18, size: 11, anchor: "middle")
        }
        svg.text("units", x: 18, y: top + plotHeight / 2, size: 12, anchor: "middle", rotate: -90)
        return svg
    }
}
