import Foundation
import MazeEnv
import SpatialMemory
import Tensor

extension MapFigures {
    /// One video frame: the egocentric view, the true egocentric BEV (when given), the prediction, and the
    /// map so far, side by side at `panel` pixels each.
    public static func frame(view: Image, truth: Tensor?, prediction: Tensor, map: OccupancyMap, layout: MazeLayout?,
                             trajectory: [AgentState], targets: [Target], panel: Int = 192) -> Image {
        var panels: [Image] = [view]
        if let truth { panels.append(BEVFigures.image(truth)) }
        panels.append(BEVFigures.image(prediction))
        let mapCell = max(1, panel / map.size)
        let mapPicture = mapImage(map, layout: layout, trajectory: trajectory, targets: targets, cellPixels: mapCell)
        let gap = 8, height = max(panel, mapPicture.height)
        var canvas = Canvas(width: panels.count * (panel + gap) + mapPicture.width, height: height, fill: (255, 255, 255, 255))
        for (i, p) in panels.enumerated() {
            canvas.draw(p, x: i * (panel + gap), y: 0, scale: max(1, panel / p.width))
        }
        canvas.draw(mapPicture, x: panels.count * (panel + gap), y: 0)
        return canvas.image
    }
}
