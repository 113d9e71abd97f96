import Foundation
import MazeEnv
import Plotting
import Tensor

/// Pictures of BEV predictions.
public enum BEVFigures {
    /// A BEV image `[4, S, S]` composited over a dark background (transparent reads as "not floor"), with
    /// the agent as a small red chevron at the centre pointing ahead (up).
    public static func image(_ bev: Tensor) -> Image {
        let picture = Image(tensor: bev)
        var canvas = Canvas(width: picture.width, height: picture.height, fill: (30, 30, 36, 255))
        canvas.draw(picture, x: 0, y: 0)
        let s = Float(picture.width), h = max(1.5, s / 32)
        canvas.line(s / 2 - h, s / 2 + h, s / 2, s / 2 - h, thickness: 1, (220, 60, 60, 255))
        canvas.line(s / 2 + h, s / 2 + h, s / 2, s / 2 - h, thickness: 1, (220, 60, 60, 255))
        return canvas.image
    }

    /// Rows of view / ground truth / prediction (with each row's free-space IoU) as a labelled SVG.
    /// Writes `bev_panels.svg` (titled "BEV predictions on `source`") and a `sample_NN.png` per scene (view,
    /// ground truth, prediction) into `folder`.
    public static func writeSamples(_ model: BEVModel, scenes: [BEVScene], source: String, into folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var panels: [(view: Image, truth: Tensor, prediction: Tensor)] = []
        for (i, (scene, p)) in zip(scenes, model.predict(scenes.map(\.view))).enumerated() {
            let truth = scene.truth(model.geometry)
            panels.append((scene.view, truth, p))
            var canvas = Canvas(width: 3 * 192 + 16, height: 192, fill: (255, 255, 255, 255))
            canvas.draw(scene.view, x: 0, y: 0, scale: 3)
            canvas.draw(image(truth), x: 200, y: 0, scale: 192 / truth.shape[1])
            canvas.draw(image(p), x: 400, y: 0, scale: 192 / p.shape[1])
            try canvas.image.write(to: folder.appendingPathComponent(String(format: "sample_%02d.png", i)))
        }
        try self.panels(panels, title: "BEV predictions on \(source)").write(to: folder.appendingPathComponent("bev_panels.svg"))
    }

    public static func panels(_ rows: [(view: Image, truth: Tensor, prediction: Tensor)], title: String) throws -> SVGDocument {
        let side = 160.0, gap = 12.0, left = 20.0, top = 60.0, rowHeight = side + 28
        var doc = SVGDocument(width: left * 2 + 3 * side + 2 * gap + 90, height: top + Double(rows.count) * rowHeight + 10)
        doc.text(title, x: left, y: 26, size: 15, weight: "bold")
        for (i, name) in ["egocentric view (64×64)", "ground-truth BEV", "predicted BEV"].enumerated() {
            doc.text(name, x: left + Double(i) * (side + gap) + side / 2, y: top - 10, size: 12, anchor: "middle")
        }
        for (r, row) in rows.enumerated() {
            let y = top + Double(r) * rowHeight
            try doc.image(row.view, x: left, y: y, width: side, height: side)
            try doc.image(image(row.truth), x: left + side + gap, y: y, width: side, height: side)
            try doc.image(image(row.prediction), x: left + 2 * (side + gap), y: y, width: side, height: side)
            let iou = BEVMetrics(prediction: row.prediction.unsqueezed(0), target: row.truth.unsqueezed(0)).freeIoU
            doc.text(String(format: "IoU %.2f", iou), x: left + 3 * side + 2 * gap + 10, y: y + side / 2, size: 12)
        }
        return doc
    }
}
