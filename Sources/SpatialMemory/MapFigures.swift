import Basics
import Foundation
import MazeEnv
import Plotting

/// Pictures of a spatial memory: the map against the true maze, per-frame panels for a video, and a labelled
/// SVG figure of a whole episode.
public enum MapFigures {
    static let free: (UInt8, UInt8, UInt8, UInt8) = (232, 226, 210, 255), wall: (UInt8, UInt8, UInt8, UInt8) = (52, 50, 60, 255)
    static let unknown: (UInt8, UInt8, UInt8, UInt8) = (140, 140, 146, 255), wrong: (UInt8, UInt8, UInt8, UInt8) = (220, 40, 40, 255)

    /// The map north-up, `cellPixels` per cell: believed free light, believed wall dark, unknown grey. With
    /// `layout`, cells the map has wrong get a red border; `trajectory` (maze units) is drawn in blue with a
    /// green start and the current pose as a dot with a heading tick; sighted targets as coloured discs.
    public static func mapImage(_ map: OccupancyMap, layout: MazeLayout? = nil, trajectory: [AgentState] = [],
                                targets: [Target] = [], cellPixels c: Int = 24) -> Image {
        let n = map.size
        var canvas = Canvas(width: n * c, height: n * c, fill: unknown)
        for y in 0..<n { for x in 0..<n {
            let sx = x * c, sy = (n - 1 - y) * c
            guard let belief = map.isFree(x, y) else { continue }
            if let layout, layout.isFree(x, y) != belief {
                canvas.fillRect(x: sx, y: sy, w: c, h: c, wrong)
                canvas.fillRect(x: sx + 3, y: sy + 3, w: c - 6, h: c - 6, belief ? free : wall)
            } else {
                canvas.fillRect(x: sx, y: sy, w: c, h: c, belief ? free : wall)
            }
        } }
        for (k, cell) in map.targets.sorted(by: { $0.key < $1.key }) where k < targets.count {   // a fixed order: discs may overlap
            let t = targets[k]
            canvas.fillCircle(cx: (Float(cell.x) + 0.5) * Float(c), cy: (Float(n - cell.y) - 0.5) * Float(c), r: 0.3 * Float(c),
                              (UInt8(t.color[0] * 255), UInt8(t.color[1] * 255), UInt8(t.color[2] * 255), 255))
        }
        func screen(_ p: AgentState) -> (Float, Float) { (p.x * Float(c), (Float(n) - p.y) * Float(c)) }
        if trajectory.count > 1 {
            for i in 1..<trajectory.count {
                let (x0, y0) = screen(trajectory[i - 1]), (x1, y1) = screen(trajectory[i])
                canvas.line(x0, y0, x1, y1, thickness: 2, (40, 110, 220, 255))
            }
        }
        if let first = trajectory.first, let last = trajectory.last {
            let (sx, sy) = screen(first)
            canvas.fillCircle(cx: sx, cy: sy, r: 0.18 * Float(c), (40, 170, 70, 255))
            let (ex, ey) = screen(last)
            canvas.fillCircle(cx: ex, cy: ey, r: 0.22 * Float(c), (20, 60, 200, 255))
            canvas.line(ex, ey, ex + 0.5 * Float(c) * cos(last.heading), ey - 0.5 * Float(c) * sin(last.heading), thickness: 2, (0, 0, 0, 255))
        }
        return canvas.image
    }

    /// A labelled figure of one episode's reconstruction: the true maze with the path, the map from the BEV
    /// source, and the metrics.
    public static func episodeFigure(truth: Image, map: Image, title: String, mapTitle: String, metrics: OccupancyMap.Metrics,
                                     frames: Int) throws -> SVGDocument {
        let side = 360.0, margin = 20.0, top = 56.0
        var doc = SVGDocument(width: 2 * side + 3 * margin, height: side + top + 64)
        doc.text(title, x: margin, y: 24, size: 14, weight: "bold")
        doc.text("true maze and path", x: margin, y: top - 8, size: 13)
        doc.text(mapTitle, x: 2 * margin + side, y: top - 8, size: 13)
        try doc.image(truth, x: margin, y: top, width: side, height: side)
        try doc.image(map, x: 2 * margin + side, y: top, width: side, height: side)
        let line = String(format: "accuracy over observed cells %.1f%% (%d cells) · free-cell coverage %.1f%% · free IoU %.3f · %d frames fused",
                          100 * metrics.accuracy, metrics.decidedCells, 100 * metrics.coverage, metrics.freeIoU, frames)
        doc.text(line, x: margin, y: top + side + 24, size: 12)
        doc.text("map: light = believed free, dark = believed wall, grey = unknown, red border = wrong; blue = path, green = start",
                 x: margin, y: top + side + 44, size: 11, fill: "#555")
        return doc
    }
}
