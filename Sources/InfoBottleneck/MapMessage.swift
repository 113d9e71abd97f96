import Foundation
import MazeEnv
import SpatialMemory

/// Map messages: where maps and codes meet. A sender cuts a patch of its map around a cell, a code turns it
/// into bits for the channel, and the receiver decodes the bits and merges the patch into its own map.
public struct MapMessage: Equatable, Sendable {
    /// The cell the patch is centred on (sent out of band here; a wire format spends its bits on it).
    public var centre: (x: Int, y: Int)
    public var patch: OccupancyPatch

    public init(centre: (x: Int, y: Int), patch: OccupancyPatch) { self.centre = centre; self.patch = patch }

    /// The patch of `side` cells of `map`'s beliefs around `centre`.
    public init(from map: OccupancyMap, centre: (x: Int, y: Int), side: Int = 11) {
        self.init(centre: centre, patch: OccupancyPatch(map: map.cellMap, centre: centre, side: side))
    }

    public static func == (a: MapMessage, b: MapMessage) -> Bool { a.centre == b.centre && a.patch == b.patch }

    /// The patch as one observation of the cells it knows (free 1, wall 0, unknown nothing), centred on `centre`.
    public var observation: LocalObservation {
        LocalObservation(radius: patch.side / 2, freeProbability: patch.cells.map { state -> Float? in
            switch state { case .free: 1; case .wall: 0; case .unknown: nil }
        })
    }
}

extension OccupancyMap {
    /// Merges a received map message as one observation from its centre cell (cells outside the maze are
    /// ignored; like any single frame it cannot decide a cell for ever).
    public mutating func receive(_ message: MapMessage) {
        integrate(message.observation, at: AgentState(x: Float(message.centre.x) + 0.5, y: Float(message.centre.y) + 0.5, heading: 0))
    }
}
