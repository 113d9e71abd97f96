import Foundation
import MazeEnv
import TeamSearch

/// The message kinds the communication head chooses among each step (a slot each; unavailable ones masked).
public enum MessageSlot: Int, CaseIterable, Codable, Sendable {
    /// Stay silent.
    case silent
    /// The goal object's cell.
    case sighting
    /// The map patch a partner lacks on its way to the goal: lossless, or as the learned k-bit code.
    case routePatch, routeCode
    /// The frontier this agent is heading for (so partners search elsewhere).
    case announceGoal
    /// The patch around the agent that partners lack most of: lossless, or coded.
    case localPatch, localCode
    /// The agent's cell and heading.
    case pose
}

/// What the policy network reads at one step of one agent, all built from the agent's own observation and
/// memory (its map, sightings, partner model): the map channels, each goal candidate's and message kind's
/// features with masks, and scalar context. Also what the agent would do under the scripted `event`
/// protocol, the behaviour-cloning labels of the warm start.
public struct PolicyInputs: Sendable {
    /// free, wall, unknown, visited, partner-belief error (known here, believed unknown to a partner), self.
    public static let mapChannels = 6
    public static let goalFeatures = 14, messageFeatures = 14, scalarCount = 8, curiositySide = 11
    public static var messageSlots: Int { MessageSlot.allCases.count }
    public static var curiositySize: Int { 2 * curiositySide * curiositySide }

    public var mazeSize: Int
    /// `[mapChannels, mazeSize, mazeSize]`, row-major.
    public var map: [Float]
    /// `[goalSlots, goalFeatures]`, the mask `[goalSlots]`, and the cell each slot walks to.
    public var goalFeatures: [Float], goalMask: [Float]
    public var goalCells: [MapCell?], goalIsObject: [Bool]
    /// `[messageSlots, messageFeatures]` and the mask.
    public var messageFeatures: [Float], messageMask: [Float]
    public var scalars: [Float]
    /// The egocentric view of the agent's own perception (visible free and wall cells around it, turned to its
    /// heading): the curiosity module's input.
    public var curiosity: [Float]
    /// Whether the meta-controller decides this step, and the scripted choices (behaviour-cloning labels).
    public var decideGoal: Bool
    public var scriptedGoal: Int, scriptedMessage: Int
}

extension PolicyInputs {
    /// The egocentric 11×11 grid of the cells in view (free, wall), rotated so that the agent faces +y.
    static func egocentric(_ perception: Perception, pose: AgentState) -> [Float] {
        let side = curiositySide, r = side / 2
        var out = [Float](repeating: 0, count: 2 * side * side)
        let q = ((Int((pose.heading / (Float.pi / 2)).rounded()) % 4) + 4) % 4
        let cx = Int(pose.x.rounded(.down)), cy = Int(pose.y.rounded(.down))
        for c in perception.cells {
            let dx = c.x - cx, dy = c.y - cy
            let (ex, ey) = [(-dy, dx), (dx, dy), (dy, -dx), (-dx, -dy)][q]     // heading 0 faces +x
            guard abs(ex) <= r, abs(ey) <= r else { continue }
            let channel = c.state == .wall ? 1 : 0
            out[channel * side * side + (ey + r) * side + ex + r] = 1
        }
        return out
    }
}
