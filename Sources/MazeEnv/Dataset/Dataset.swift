import Foundation
import Basics

/// One recorded frame (Docs/Datasets.md): the agent's pose and per-step motion, the targets it saw, its view files.
public struct DatasetFrame: Sendable, Equatable {
    /// The `frame_info.json` key, e.g. `"frame_000012"`.
    public var key: String
    public var frameId: Int
    /// Seconds (the collector writes the step index at Memory-Maze's 4 Hz control rate).
    public var timestamp: Double
    /// Position in cells and heading (radians counter-clockwise from +x).
    public var pose: AgentState
    /// World-frame displacement since the previous step, cells.
    public var velocity: (x: Float, y: Float)
    /// Heading change since the previous step, wrapped to (−π, π].
    public var angularVelocity: Float
    /// Whether velocity and angular velocity were derived from positions because the file lacked them.
    public var motionDerived: Bool
    /// Indices of visible targets (the original's `[-1]` for none becomes `[]`).
    public var visibleTargets: [Int]
    /// Paths of the egocentric and BEV images relative to the episode folder.
    public var fpsView: String?
    public var bevView: String?
    /// The current target's index, when recorded (`observations.current_target`, an extension of ours).
    public var currentTarget: Int?

    public static func == (a: DatasetFrame, b: DatasetFrame) -> Bool {
        a.key == b.key && a.frameId == b.frameId && a.timestamp == b.timestamp && a.pose == b.pose
            && a.velocity == b.velocity && a.angularVelocity == b.angularVelocity && a.motionDerived == b.motionDerived
            && a.visibleTargets == b.visibleTargets && a.fpsView == b.fpsView && a.bevView == b.bevView
            && a.currentTarget == b.currentTarget
    }
}

/// The labmaze parameters an episode's maze was generated with (`env_config.json` → `maze_config`).
public struct DatasetMazeConfig: Sendable, Equatable, Codable {
    public var mazeSize, maxRooms, roomMinSize, roomMaxSize, spawnsPerRoom, objectsPerRoom: Int
}

/// One episode folder: a maze (`env_config.json`) and its frames (`frame_info.json`), sorted by frame id
/// and split into trajectories at frame-id gaps.
public struct DatasetEpisode: Sendable {
    public let url: URL
    public let envName: String?
    public let seed: Int?
    public let mazeSize: Int
    public let mazeConfig: DatasetMazeConfig?
    /// Horizontal field of view of the views, when recorded.
    public let fieldOfViewDegrees: Float?
    /// Targets from `objects` (positions in cells, colours 0…1).
    public let targets: [Target]
    /// The layout, when `env_config.json` has `maze_layout` (the original project's files do not).
    public let layout: MazeLayout?
    public let frames: [DatasetFrame]
    /// Runs of consecutive frame ids, as index ranges into `frames`.
    public let trajectories: [Range<Int>]

    /// The layout, or an error saying that this episode has none.
    public func requireLayout() throws -> MazeLayout {
        guard let layout else {
            throw DatasetError(file: url.appendingPathComponent("env_config.json").path, field: "maze_layout",
                               "missing: this episode has no layout (the original project's files lack it), and it is needed here")
        }
        return layout
    }

    /// Whether every frame names a BEV image.
    public var hasBEVViews: Bool { !frames.isEmpty && frames.allSatisfy { $0.bevView != nil } }

    /// The egocentric view of frame `i` (RGB); with `side`, an error unless it is `side`×`side` (a model's input size).
    public func fpsView(_ i: Int, side: Int? = nil) throws -> Image {
        guard let path = frames[i].fpsView else {
            throw DatasetError(file: url.appendingPathComponent("frame_info.json").path, frame: frames[i].key,
                               field: "observations.fps_view", "missing")
        }
        let file = url.appendingPathComponent(path)
        let image: Image
        do { image = try Image.read(file, as: .rgb) } catch let e as FileFormatError {
            throw DatasetError(file: file.path, frame: frames[i].key, field: "observations.fps_view", e.detail)
        }
        if let side, image.width != side || image.height != side {
            throw DatasetError(file: file.path, frame: frames[i].key, field: "observations.fps_view",
                               "is \(image.width)×\(image.height); the model reads \(side)×\(side) views")
        }
        return image
    }

    /// The local BEV target of frame `i` (RGBA): read from `bev_views` when the frame names one, otherwise
    /// rendered from the layout and the pose with `config` (an error when there is no layout either).
    public func bevView(_ i: Int, config: BEVConfig = BEVConfig()) throws -> Image {
        if let path = frames[i].bevView { return try Image.read(url.appendingPathComponent(path), as: .rgba) }
        var config = config
        if let fov = fieldOfViewDegrees { config.fieldOfViewDegrees = fov }
        return GroundTruth.localBEV(try requireLayout(), pose: frames[i].pose, targets: targets, currentTarget: frames[i].currentTarget, config: config)
    }
}

/// A dataset root of episode folders (Docs/Datasets.md). Loading validates every JSON field and, by default,
/// that every referenced image exists; ``validateImages()`` also decodes them.
public struct Dataset: Sendable {
    public let root: URL
    public let episodes: [DatasetEpisode]

    /// A dataset of already loaded episodes (a split of another, for example).
    public init(root: URL, episodes: [DatasetEpisode]) { self.root = root; self.episodes = episodes }

    public var frameCount: Int { episodes.reduce(0) { $0 + $1.frames.count } }
    public var trajectoryCount: Int { episodes.reduce(0) { $0 + $1.trajectories.count } }

    /// How much of the referenced images loading checks.
    public enum ImageCheck: Sendable { case none, exist }

    /// Loads every episode under `root`: a folder holding `frame_info.json` (or sharded
    /// `frame_info_*.json` files) is an episode, searched up to three levels deep in sorted order (so the
    /// original's `D000001_P1/000000/` layout loads as it is).
    public static func load(_ root: URL, images: ImageCheck = .exist) throws -> Dataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw DatasetError(file: root.path, "not a folder")
        }
        let folders = episodeFolders(root, depth: 3)
        guard !folders.isEmpty else {
            throw DatasetError(file: root.path, "no episode folders (a folder holding frame_info.json)")
        }
        return Dataset(root: root, episodes: try folders.map { try loadEpisode($0, images: images) })
    }

    /// The largest `maze_size` accepted (maps and layouts are maze_size² cells).
    public static let maxMazeSize = 255
    /// The largest |rotation| and |angular velocity| accepted, radians (unwrapped headings stay far below).
    public static let maxAngle = 10_000.0

    /// Why a view path from `frame_info.json` may not be used, or nil: it must be relative, inside its episode
    /// folder (no `..` component), and plain (no empty or hidden-control components).
    static func pathProblem(_ path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.hasPrefix("/") || path.hasPrefix("~") { return "must be relative to the episode folder" }
        if path.utf8.contains(0) { return "holds a NUL byte" }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." }) {
            return "leads out of the episode folder (a .. component); refused"
        }
        return nil
    }

    /// Whether `file`, with every link followed, still lies inside `folder` (with its links followed).
    static func resolves(_ file: URL, inside folder: URL) -> Bool {
        let base = folder.resolvingSymlinksInPath().standardizedFileURL.path
        let resolved = file.resolvingSymlinksInPath().standardizedFileURL.path
        return resolved.hasPrefix(base.hasSuffix("/") ? base : base + "/")
    }

    static func episodeFolders(_ dir: URL, depth: Int) -> [URL] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: dir.path) else { return [] }
        if names.contains(where: isFrameInfoName) { return [dir] }
        guard depth > 0 else { return [] }
        return names.sorted().flatMap { name -> [URL] in
            var isDir: ObjCBool = false
            let sub = dir.appendingPathComponent(name)
            guard !name.hasPrefix("."), fm.fileExists(atPath: sub.path, isDirectory: &isDir), isDir.boolValue else { return [] }
            return episodeFolders(sub, depth: depth - 1)
        }
    }

    private static func isFrameInfoName(_ name: String) -> Bool {
        name == "frame_info.json" || (name.hasPrefix("frame_info_") && name.hasSuffix(".json"))
    }

    /// Loads and validates one episode folder.
    public static func loadEpisode(_ dir: URL, images: ImageCheck = .exist) throws -> DatasetEpisode {
        let configURL = dir.appendingPathComponent("env_config.json")
        let config = try DatasetJSON.decode(EnvConfigRecord.self, from: configURL, keyed: false)
        let file = configURL.path
        guard (1...Dataset.maxMazeSize).contains(config.mazeSize) else {
            throw DatasetError(file: file, field: "maze_size", "must be in 1…\(Dataset.maxMazeSize), got \(config.mazeSize)")
        }
        if let fov = config.fovAngle, !(fov > 0 && fov < 180) {
            throw DatasetError(file: file, field: "fov_angle", "must be in (0, 180) degrees, got \(fov)")
        }
        let layout = try config.mazeLayout.map { try parseLayout($0, size: config.mazeSize, file: file) }
        let targets = try (config.objects ?? []).enumerated().map { i, o -> Target in
            guard o.position.count == 2, o.position.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= Double(config.mazeSize) }) else {
                throw DatasetError(file: file, field: "objects[\(i)].position", "expected [x, y] inside the \(config.mazeSize)×\(config.mazeSize) maze, got \(o.position)")
            }
            guard o.color.count == 3, o.color.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
                throw DatasetError(file: file, field: "objects[\(i)].color", "expected [r, g, b] in 0…1, got \(o.color)")
            }
            return Target(x: Float(o.position[0]), y: Float(o.position[1]), color: o.color.map { Float($0) })
        }
        let mazeConfig = config.mazeConfig.map {
            DatasetMazeConfig(mazeSize: $0.mazeSize, maxRooms: $0.maxRooms, roomMinSize: $0.roomMinSize,
                              roomMaxSize: $0.roomMaxSize, spawnsPerRoom: $0.spawnsPerRoom, objectsPerRoom: $0.objectsPerRoom)
        }

        // frame_info.json, or the original's optional shards frame_info_*.json merged.
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        let infoFiles = names.contains("frame_info.json") ? ["frame_info.json"]
            : names.filter { $0.hasPrefix("frame_info_") && $0.hasSuffix(".json") }.sorted()
        var records: [(file: String, key: String, record: FrameRecord)] = []
        for name in infoFiles {
            let url = dir.appendingPathComponent(name)
            let keyed = try DatasetJSON.decode([String: FrameRecord].self, from: url, keyed: true)
            records += keyed.map { (url.path, $0.key, $0.value) }
        }
        guard !records.isEmpty else {
            throw DatasetError(file: dir.appendingPathComponent(infoFiles.first ?? "frame_info.json").path, "holds no frames")
        }
        records.sort { $0.record.frameId < $1.record.frameId }

        var frames: [DatasetFrame] = []
        frames.reserveCapacity(records.count)
        let extent = Double(config.mazeSize)
        for (i, (file, key, r)) in records.enumerated() {
            func fail(_ field: String, _ detail: String) -> DatasetError { DatasetError(file: file, frame: key, field: field, detail) }
            if i > 0, records[i - 1].record.frameId == r.frameId {
                throw fail("frame_id", "\(r.frameId) is also the id of \(records[i - 1].key)")
            }
            guard r.frameId >= 0 else { throw fail("frame_id", "must be ≥ 0, got \(r.frameId)") }
            let s = r.agentState
            guard s.position.count == 2, s.position.allSatisfy(\.isFinite) else {
                throw fail("agent_state.position", "expected [x, y] finite numbers, got \(s.position)")
            }
            guard s.position.allSatisfy({ $0 >= 0 && $0 <= extent }) else {
                throw fail("agent_state.position", "\(s.position) lies outside the \(config.mazeSize)×\(config.mazeSize) maze")
            }
            if let layout, !layout.isFree(point: Float(s.position[0]), Float(s.position[1])) {
                throw fail("agent_state.position", "\(s.position) lies inside a wall of maze_layout")
            }
            guard s.rotation.isFinite, abs(s.rotation) <= Dataset.maxAngle else {
                throw fail("agent_state.rotation", "must be finite radians within ±\(Int(Dataset.maxAngle)), got \(s.rotation)")
            }
            if let v = s.velocity, v.count != 2 || !v.allSatisfy({ $0.isFinite && abs($0) <= extent }) {
                throw fail("agent_state.velocity", "expected [vx, vy] finite cells per step within the maze's size \(config.mazeSize), got \(v)")
            }
            if let w = s.angularVelocity, !w.isFinite || abs(w) > Dataset.maxAngle {
                throw fail("agent_state.angular_velocity", "must be finite radians within ±\(Int(Dataset.maxAngle)), got \(w)")
            }
            if let t = r.timestamp, !t.isFinite { throw fail("timestamp", "must be finite") }
            let visible = (r.observations?.visibleTargets ?? []).filter { $0 != -1 }
            if let bad = visible.first(where: { $0 < 0 || (!targets.isEmpty && $0 >= targets.count) }) {
                throw fail("observations.visible_targets", "index \(bad) is not one of the \(targets.count) objects")
            }
            if let t = r.observations?.currentTarget, t < 0 || (!targets.isEmpty && t >= targets.count) {
                throw fail("observations.current_target", "index \(t) is not one of the \(targets.count) objects")
            }
            for (field, path) in [("observations.fps_view", r.observations?.fpsView), ("observations.bev_view", r.observations?.bevView)] {
                guard let path else { continue }
                if let problem = Dataset.pathProblem(path) { throw fail(field, "\(path): \(problem)") }
                guard images == .exist else { continue }
                let target = dir.appendingPathComponent(path)
                guard FileManager.default.fileExists(atPath: target.path) else { throw fail(field, "names \(path), which does not exist") }
                guard Dataset.resolves(target, inside: dir) else {
                    throw fail(field, "\(path) is a link that leads out of the episode folder; refused")
                }
            }
            frames.append(DatasetFrame(
                key: key, frameId: r.frameId, timestamp: r.timestamp ?? Double(r.frameId) / 4,
                pose: AgentState(x: Float(s.position[0]), y: Float(s.position[1]), heading: Float(s.rotation)),
                velocity: s.velocity.map { (Float($0[0]), Float($0[1])) } ?? (0, 0),
                angularVelocity: s.angularVelocity.map { Float($0) } ?? 0,
                motionDerived: s.velocity == nil || s.angularVelocity == nil,
                visibleTargets: visible, fpsView: r.observations?.fpsView, bevView: r.observations?.bevView,
                currentTarget: r.observations?.currentTarget))
        }

        // Trajectories: runs of consecutive ids. Missing motion is derived from positions within a run.
        var trajectories: [Range<Int>] = []
        var start = 0
        for i in 1...frames.count where i == frames.count || frames[i].frameId != frames[i - 1].frameId + 1 {
            trajectories.append(start..<i)
            start = i
        }
        for run in trajectories {
            for i in run where frames[i].motionDerived {
                guard i > run.lowerBound else { frames[i].velocity = (0, 0); frames[i].angularVelocity = 0; continue }
                let a = frames[i - 1].pose, b = frames[i].pose
                frames[i].velocity = (b.x - a.x, b.y - a.y)
                frames[i].angularVelocity = wrapAngle(b.heading - a.heading)
            }
        }
        return DatasetEpisode(url: dir, envName: config.envName, seed: config.seed, mazeSize: config.mazeSize,
                              mazeConfig: mazeConfig, fieldOfViewDegrees: config.fovAngle.map { Float($0) },
                              targets: targets, layout: layout, frames: frames, trajectories: trajectories)
    }

    private static func parseLayout(_ rows: [[Int]], size: Int, file: String) throws -> MazeLayout {
        guard rows.count == size else {
            throw DatasetError(file: file, field: "maze_layout", "has \(rows.count) rows, maze_size is \(size)")
        }
        for (y, row) in rows.enumerated() {
            guard row.count == size else {
                throw DatasetError(file: file, field: "maze_layout[\(y)]", "has \(row.count) cells, maze_size is \(size)")
            }
            if let x = row.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw DatasetError(file: file, field: "maze_layout[\(y)][\(x)]", "must be 0 (wall) or 1 (free), got \(row[x])")
            }
        }
        return try MazeLayout(rows: rows)
    }

    /// Decodes every referenced image and checks its size and channels: fps views 3-channel (RGB) and
    /// BEV views 4-channel (RGBA), each kind one size throughout. Returns the counts checked.
    public func validateImages() throws -> (fpsViews: Int, bevViews: Int) {
        var counts = (fpsViews: 0, bevViews: 0)
        var sizes: [String: (Int, Int)] = [:]
        for episode in episodes {
            for f in episode.frames {
                for (field, path, channels) in [("observations.fps_view", f.fpsView, 3), ("observations.bev_view", f.bevView, 4)] {
                    guard let path else { continue }
                    let url = episode.url.appendingPathComponent(path)
                    let image: Image
                    do { image = try Image.read(url) } catch let e as FileFormatError {
                        throw DatasetError(file: url.path, frame: f.key, field: field, e.detail)
                    }
                    guard image.format.rawValue == channels || (channels == 3 && image.format == .rgba) else {
                        throw DatasetError(file: url.path, frame: f.key, field: field,
                                           "has \(image.format.rawValue) channels, expected \(channels)")
                    }
                    let size = (image.width, image.height)
                    if let first = sizes[field], first != size {
                        throw DatasetError(file: url.path, frame: f.key, field: field,
                                           "is \(size.0)×\(size.1) but earlier images are \(first.0)×\(first.1)")
                    }
                    sizes[field] = size
                    if channels == 3 { counts.fpsViews += 1 } else { counts.bevViews += 1 }
                }
            }
        }
        return counts
    }
}

/// An angle wrapped to (−π, π].
@inlinable public func wrapAngle(_ a: Float) -> Float {
    var r = a.truncatingRemainder(dividingBy: 2 * .pi)
    if r > .pi { r -= 2 * .pi } else if r <= -.pi { r += 2 * .pi }
    return r
}
