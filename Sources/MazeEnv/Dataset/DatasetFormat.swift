import Foundation

/// A malformed or unusable dataset file: names the file, the frame key and the field at fault.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    /// Path of the offending file (or folder).
    public let file: String
    /// The `frame_info.json` key (`"frame_000012"`), when the fault is inside one frame.
    public let frame: String?
    /// Dotted path of the field (`"agent_state.position[1]"`), when one field is at fault.
    public let field: String?
    public let detail: String

    public init(file: String, frame: String? = nil, field: String? = nil, _ detail: String) {
        self.file = file; self.frame = frame; self.field = field; self.detail = detail
    }

    public var description: String {
        var parts = [file]
        if let frame { parts.append("frame \(frame)") }
        if let field { parts.append("field \(field)") }
        return parts.joined(separator: ": ") + ": " + detail
    }
}

// The on-disk records of the dataset format (Docs/Datasets.md), with the original project's snake_case keys. Optional fields are the
// ones the original "frame-only" files may lack; everything present must have the right type.

struct MazeConfigRecord: Codable, Equatable {
    var mazeSize: Int
    var maxRooms: Int
    var roomMinSize: Int
    var roomMaxSize: Int
    var spawnsPerRoom: Int
    var objectsPerRoom: Int
    enum CodingKeys: String, CodingKey {
        case mazeSize = "maze_size", maxRooms = "max_rooms", roomMinSize = "room_min_size"
        case roomMaxSize = "room_max_size", spawnsPerRoom = "spawns_per_room", objectsPerRoom = "objects_per_room"
    }
}

struct ObjectRecord: Codable, Equatable {
    var index: Int
    var position: [Double]
    var color: [Double]
}

struct EnvConfigRecord: Codable, Equatable {
    var envName: String?
    var agentHeight: Double?
    var fovAngle: Double?
    var seed: Int?
    var mazeSize: Int
    var mazeConfig: MazeConfigRecord?
    var objects: [ObjectRecord]?
    var mazeLayout: [[Int]]?
    var createdAt: String?
    enum CodingKeys: String, CodingKey {
        case envName = "env_name", agentHeight = "agent_height", fovAngle = "fov_angle", seed
        case mazeSize = "maze_size", mazeConfig = "maze_config", objects, mazeLayout = "maze_layout", createdAt = "created_at"
    }
}

struct AgentStateRecord: Codable, Equatable {
    var position: [Double]
    var rotation: Double
    var velocity: [Double]?
    var angularVelocity: Double?
    enum CodingKeys: String, CodingKey {
        case position, rotation, velocity, angularVelocity = "angular_velocity"
    }
}

struct ObservationsRecord: Codable, Equatable {
    var visibleTargets: [Int]?
    var fpsView: String?
    var bevView: String?
    /// Our extension: the index of the current target (whose colour borders the view).
    var currentTarget: Int?
    enum CodingKeys: String, CodingKey {
        case visibleTargets = "visible_targets", fpsView = "fps_view", bevView = "bev_view", currentTarget = "current_target"
    }
}

struct FrameRecord: Codable, Equatable {
    var frameId: Int
    var timestamp: Double?
    var agentState: AgentStateRecord
    var observations: ObservationsRecord?
    enum CodingKeys: String, CodingKey {
        case frameId = "frame_id", timestamp, agentState = "agent_state", observations
    }
}

enum DatasetJSON {
    /// Decodes `T` from `url`, turning decoding failures into a ``DatasetError`` with the frame key and field.
    /// `keyed` says the top level is an object of frames, so the first path component is a frame key.
    static func decode<T: Decodable>(_ type: T.Type, from url: URL, keyed: Bool) throws -> T {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError(file: url.path, "cannot be read (\(error.localizedDescription))")
        }
        do { return try JSONDecoder().decode(type, from: data) } catch let error as DecodingError {
            throw describe(error, file: url.path, keyed: keyed)
        } catch {
            throw DatasetError(file: url.path, "not valid JSON (\(error))")
        }
    }

    static func describe(_ error: DecodingError, file: String, keyed: Bool) -> DatasetError {
        func names(_ path: [CodingKey]) -> [String] {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        }
        func split(_ path: [String]) -> (frame: String?, field: String?) {
            var rest = path
            let frame = keyed && !rest.isEmpty ? rest.removeFirst() : nil
            let field = rest.reduce("") { $0.isEmpty || $1.hasPrefix("[") ? $0 + $1 : $0 + "." + $1 }
            return (frame, field.isEmpty ? nil : field)
        }
        switch error {
        case .keyNotFound(let key, let context):
            let (frame, field) = split(names(context.codingPath + [key]))
            return DatasetError(file: file, frame: frame, field: field, "missing")
        case .typeMismatch(let type, let context):
            let (frame, field) = split(names(context.codingPath))
            return DatasetError(file: file, frame: frame, field: field, "expected \(jsonTypeName(type))")
        case .valueNotFound(let type, let context):
            let (frame, field) = split(names(context.codingPath))
            return DatasetError(file: file, frame: frame, field: field, "expected \(jsonTypeName(type)), found null")
        case .dataCorrupted(let context):
            let (frame, field) = split(names(context.codingPath))
            if context.codingPath.isEmpty {
                let why = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                return DatasetError(file: file, "not valid JSON\(why.map { " (\($0))" } ?? "")")
            }
            return DatasetError(file: file, frame: frame, field: field, context.debugDescription)
        @unknown default:
            return DatasetError(file: file, "\(error)")
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is String.Type: "a string"
        case is [Any].Type, is [Double].Type, is [Int].Type, is [[Int]].Type, is [ObjectRecord].Type: "an array"
        default: "an object"
        }
    }
}
