import Foundation
import Testing
@testable import MazeEnv
import Basics

/// A scratch folder removed when the test ends.
final class ScratchFolder {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-dataset-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite("Datasets")
struct DatasetTests {
    @Test func writerAndReaderRoundTripExactly() throws {
        let scratch = ScratchFolder()
        let world = try MazeWorld(size: 9, seed: 4)
        let dir = scratch.url.appendingPathComponent("000000")
        let writer = try EpisodeWriter(directory: dir, world: world, envName: "test", fieldOfViewDegrees: 90)
        let renderer = EgocentricRenderer()
        let env = MultiAgentEnv(world: world)
        var explorer = FrontierExplorer(size: 9, seed: 4)
        var states: [AgentState] = [], views: [Image] = []
        var previous: AgentState?
        for step in 0..<40 {
            if step > 0 { previous = world.agents[0]; env.step([explorer.act(env.observations[0])]) }
            // Leave a gap (ids 20…24 missing) to check trajectory splitting.
            if (20..<25).contains(step) { continue }
            let view = renderer.render(world, agent: 0)
            let visible = world.visibleTargets(agent: 0, visible: world.visibleCells(agent: 0))
            try writer.record(frameId: step, state: world.agents[0], previous: previous, visibleTargets: visible,
                              fpsView: view, bevView: step % 2 == 0 ? world.localBEV(agent: 0) : nil)
            states.append(world.agents[0]); views.append(view)
        }
        try writer.finish()

        let dataset = try Dataset.load(scratch.url)
        #expect(dataset.episodes.count == 1 && dataset.frameCount == 35 && dataset.trajectoryCount == 2)
        let episode = dataset.episodes[0]
        #expect(episode.trajectories == [0..<20, 20..<35])
        #expect(episode.layout == MazeLayout(size: 9, cells: world.layout.cells))
        #expect(episode.targets == world.targets)
        for (i, frame) in episode.frames.enumerated() {
            #expect(frame.pose.x == states[i].x && frame.pose.y == states[i].y && frame.pose.heading == states[i].heading)
            #expect(!frame.motionDerived)
            #expect(try episode.fpsView(i).pixels == views[i].pixels, "frame \(i)")
        }
        // The stored velocity is the step's displacement, also across the gap (the step before frame 25 is frame 24's).
        let f1 = episode.frames[1], f0 = episode.frames[0]
        #expect(abs(f1.velocity.x - (f1.pose.x - f0.pose.x)) < 1e-6 && abs(f1.velocity.y - (f1.pose.y - f0.pose.y)) < 1e-6)
        // BEV from file where written, rendered from layout and pose where not: the same picture.
        let rendered = GroundTruth.localBEV(world.layout, pose: episode.frames[3].pose, targets: world.targets, currentTarget: nil)
        #expect(try episode.bevView(3).pixels == rendered.pixels)
        #expect(try episode.bevView(2).format == .rgba)
        let images = try dataset.validateImages()
        #expect(images.fpsViews == 35 && images.bevViews == episode.frames.filter { $0.frameId % 2 == 0 }.count)
    }

    @Test func collectorWritesLoadableEpisodesReproducibly() throws {
        let a = ScratchFolder(), b = ScratchFolder()
        var config = CollectConfig()
        config.mazeSize = 9; config.episodes = 2; config.stepsPerEpisode = 25; config.writeBEVViews = false
        _ = try Collector.collect(into: a.url, config: config, threads: 2)
        _ = try Collector.collect(into: b.url, config: config, threads: 1)
        let da = try Dataset.load(a.url), db = try Dataset.load(b.url)
        #expect(da.episodes.count == 2 && da.frameCount == 50)
        #expect(da.episodes.map(\.frames) == db.episodes.map(\.frames))
        #expect(da.episodes[0].layout != da.episodes[1].layout)
        #expect(!da.episodes[0].hasBEVViews)
        // A world rebuilt from the recorded layout, targets, pose and current target renders the recorded view.
        let ep = da.episodes[1]
        let renderer = EgocentricRenderer()
        for i in stride(from: 0, to: ep.frames.count, by: 6) {
            let world = MazeWorld(layout: try ep.requireLayout(), targets: ep.targets, agents: [ep.frames[i].pose],
                                  currentTarget: ep.frames[i].currentTarget ?? -1, seed: UInt64(ep.seed!))
            #expect(renderer.render(world, agent: 0).pixels == (try ep.fpsView(i)).pixels, "frame \(i)")
        }
    }

    /// Domain randomisation changes how each episode looks, never where the agent walks: the same poses and layouts
    /// as a plain collection, each episode's own field of view within ±10° recorded in its config (so its BEV truth
    /// is rendered with it), views that are the plain renderer's at that field of view with the episode's colour,
    /// lighting and noise, and the same bytes again from the same seed.
    @Test func randomisedEpisodesKeepTheirGeometryAndRecordTheirFieldOfView() throws {
        let plain = ScratchFolder(), a = ScratchFolder(), b = ScratchFolder()
        var config = CollectConfig()
        config.mazeSize = 9; config.episodes = 3; config.stepsPerEpisode = 12; config.writeBEVViews = false
        _ = try Collector.collect(into: plain.url, config: config, threads: 1)
        config.randomization = DomainRandomization()
        _ = try Collector.collect(into: a.url, config: config, threads: 2)
        _ = try Collector.collect(into: b.url, config: config, threads: 1)
        let dp = try Dataset.load(plain.url), da = try Dataset.load(a.url), db = try Dataset.load(b.url)
        var fields: Set<Float> = []
        for (e, ep) in da.episodes.enumerated() {
            #expect(ep.frames.map(\.pose) == dp.episodes[e].frames.map(\.pose))
            let fov = try #require(ep.fieldOfViewDegrees)
            #expect(abs(fov - 90) <= 10 && fov != 90, "episode \(e): \(fov)")
            fields.insert(fov)
            let drawn = DomainRandomization().draw(seed: config.seed &+ UInt64(e), baseFieldOfView: 90)
            #expect(drawn.fieldOfViewDegrees == fov)
            var render = RenderConfig(); render.fieldOfViewDegrees = fov
            let renderer = EgocentricRenderer(config: render)
            for i in [0, 7] {
                let world = MazeWorld(layout: try ep.requireLayout(), targets: ep.targets, agents: [ep.frames[i].pose],
                                      currentTarget: ep.frames[i].currentTarget ?? -1, seed: UInt64(ep.seed!))
                var expected = renderer.render(world, agent: 0)
                let unchanged = expected.pixels
                drawn.apply(to: &expected, frame: i)
                let recorded = try ep.fpsView(i)
                #expect(recorded.pixels == expected.pixels, "episode \(e) frame \(i)")
                #expect(recorded.pixels != unchanged)
                #expect(recorded.pixels == (try db.episodes[e].fpsView(i)).pixels)
            }
        }
        #expect(fields.count == 3, "each episode draws its own field of view")
        var wide = DomainRandomization(); wide.fieldOfViewJitterDegrees = 95
        config.randomization = wide
        #expect(throws: ConfigError.self) { try config.validate() }
    }

    /// The rendering gap is zero between an episode and our renderer with the look it was collected in, and large
    /// against the other look; the Memory-Maze collection records its 80° view.
    @Test func renderingGapIsZeroForTheLookAnEpisodeWasRenderedIn() throws {
        let folder = ScratchFolder()
        var config = CollectConfig()
        config.mazeSize = 9; config.episodes = 1; config.stepsPerEpisode = 20; config.writeBEVViews = false
        config.render = .memoryMaze; config.bev.fieldOfViewDegrees = 80
        _ = try Collector.collect(into: folder.url, config: config, threads: 1)
        let episode = try Dataset.load(folder.url).episodes[0]
        #expect(episode.fieldOfViewDegrees == 80)
        let same = try episode.renderingGap(render: .memoryMaze, every: 5)
        #expect(same.frames == 4 && same.meanAbsoluteError == 0 && same.recordedMeanColor == same.oursMeanColor)
        let other = try episode.renderingGap(render: RenderConfig(), every: 5)
        #expect(other.meanAbsoluteError > 0.1, "flat against Memory-Maze look: \(other.meanAbsoluteError)")
    }

    /// A small valid episode in the original "frame-only" format, written by hand so tests can break it.
    struct HandEpisode {
        var config: [String: Any] = [
            "env_name": "MemoryMaze-9x9", "seed": 3, "maze_size": 3,
            "maze_config": ["maze_size": 3, "max_rooms": 1, "room_min_size": 3, "room_max_size": 3, "spawns_per_room": 1, "objects_per_room": 1],
            "objects": [["index": 0, "position": [2.5, 2.5], "color": [0.5, 0.2, 0.1]]],
            "maze_layout": [[1, 1, 1], [1, 0, 1], [1, 1, 1]],
        ]
        var frames: [String: [String: Any]] = [:]
        init(ids: [Int] = [0, 1, 2, 5, 6], motion: Bool = false) {
            let path: [(Double, Double)] = [(0.5, 0.5), (1.0, 0.5), (1.5, 0.5), (2.5, 0.5), (2.5, 1.0), (2.5, 1.5), (2.5, 2.0)]
            for id in ids {
                var state: [String: Any] = ["position": [path[id].0, path[id].1], "rotation": id < 3 ? 0.0 : Double.pi / 2]
                if motion { state["velocity"] = [0.5, 0.0]; state["angular_velocity"] = 0.0 }
                let key = String(format: "frame_%06d", id)
                frames[key] = ["frame_id": id, "timestamp": Double(id) * 0.25, "agent_state": state,
                               "observations": ["visible_targets": [-1], "fps_view": "fps_views/\(key).png"]]
            }
        }
        func write(to dir: URL) throws {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("fps_views"), withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("env_config.json"))
            try JSONSerialization.data(withJSONObject: frames).write(to: dir.appendingPathComponent("frame_info.json"))
            for key in frames.keys {
                try Image(width: 64, height: 64, format: .rgb, fill: 90).write(to: dir.appendingPathComponent("fps_views/\(key).png"))
            }
        }
    }

    @Test func gapsSplitTrajectoriesAndMissingMotionIsDerived() throws {
        let scratch = ScratchFolder()
        try HandEpisode().write(to: scratch.url.appendingPathComponent("D000001_P1/000000"))
        let episode = try Dataset.load(scratch.url).episodes[0]
        #expect(episode.trajectories == [0..<3, 3..<5])
        #expect(episode.frames.allSatisfy { $0.motionDerived })
        #expect(episode.frames[0].velocity == (0, 0) && episode.frames[1].velocity == (0.5, 0) && episode.frames[2].velocity == (0.5, 0))
        // The first frame after a gap has no predecessor in its trajectory: zero motion, not a jump.
        #expect(episode.frames[3].velocity == (0, 0) && episode.frames[3].angularVelocity == 0)
        #expect(episode.frames[4].velocity == (0, 0.5))
    }

    @Test func originalFilesWithoutLayoutSayWhenOneIsNeeded() throws {
        let scratch = ScratchFolder()
        var hand = HandEpisode()
        hand.config["maze_layout"] = nil
        try hand.write(to: scratch.url)
        let episode = try Dataset.load(scratch.url).episodes[0]
        #expect(episode.layout == nil)
        let error = try #require(throws: DatasetError.self) { try episode.bevView(0) }
        #expect(error.field == "maze_layout" && error.file.hasSuffix("env_config.json"))
    }

    /// Each malformed input and the file, frame key and field its error must name.
    nonisolated(unsafe) static let malformed: [(name: String, file: String, frame: String?, field: String?, breakIt: (inout HandEpisode, URL) throws -> Void)] = [
        ("missing agent_state", "frame_info.json", "frame_000001", "agent_state", { h, _ in h.frames["frame_000001"]!["agent_state"] = nil }),
        ("position not a number", "frame_info.json", "frame_000002", "agent_state.position[1]", { h, _ in
            h.frames["frame_000002"]!["agent_state"] = ["position": [0.5, "x"], "rotation": 0.0] }),
        ("position of three numbers", "frame_info.json", "frame_000005", "agent_state.position", { h, _ in
            h.frames["frame_000005"]!["agent_state"] = ["position": [0.5, 0.5, 0.5], "rotation": 0.0] }),
        ("position inside a wall", "frame_info.json", "frame_000006", "agent_state.position", { h, _ in
            h.frames["frame_000006"]!["agent_state"] = ["position": [1.5, 1.5], "rotation": 0.0] }),
        ("position outside the maze", "frame_info.json", "frame_000000", "agent_state.position", { h, _ in
            h.frames["frame_000000"]!["agent_state"] = ["position": [0.5, 7.0], "rotation": 0.0] }),
        ("rotation missing", "frame_info.json", "frame_000001", "agent_state.rotation", { h, _ in
            h.frames["frame_000001"]!["agent_state"] = ["position": [0.5, 0.5]] }),
        ("velocity of one number", "frame_info.json", "frame_000001", "agent_state.velocity", { h, _ in
            h.frames["frame_000001"]!["agent_state"] = ["position": [0.5, 0.5], "rotation": 0.0, "velocity": [1.0]] }),
        ("frame_id a string", "frame_info.json", "frame_000002", "frame_id", { h, _ in h.frames["frame_000002"]!["frame_id"] = "2" }),
        ("duplicate frame_id", "frame_info.json", nil, "frame_id", { h, _ in h.frames["frame_000006"]!["frame_id"] = 5 }),
        ("unknown target", "frame_info.json", "frame_000001", "observations.visible_targets", { h, _ in
            h.frames["frame_000001"]!["observations"] = ["visible_targets": [4], "fps_view": "fps_views/frame_000001.png"] }),
        ("missing image", "frame_info.json", "frame_000005", "observations.fps_view", { h, _ in
            h.frames["frame_000005"]!["observations"] = ["fps_view": "fps_views/nope.png"] }),
        ("maze_size missing", "env_config.json", nil, "maze_size", { h, _ in h.config["maze_size"] = nil }),
        ("layout row too short", "env_config.json", nil, "maze_layout[1]", { h, _ in h.config["maze_layout"] = [[1, 1, 1], [1, 1], [1, 1, 1]] }),
        ("layout value 2", "env_config.json", nil, "maze_layout[2][0]", { h, _ in h.config["maze_layout"] = [[1, 1, 1], [1, 0, 1], [2, 1, 1]] }),
        ("object colour out of range", "env_config.json", nil, "objects[0].color", { h, _ in
            h.config["objects"] = [["index": 0, "position": [2.5, 2.5], "color": [170, 38, 30]]] }),
        ("frame_info not JSON", "frame_info.json", nil, nil, { _, dir in
            try Data("{\"frame_000000\": {".utf8).write(to: dir.appendingPathComponent("frame_info.json")) }),
        ("env_config missing", "env_config.json", nil, nil, { _, dir in
            try FileManager.default.removeItem(at: dir.appendingPathComponent("env_config.json")) }),
    ]

    @Test(arguments: malformed.indices)
    func malformedInputNamesFileFrameAndField(case index: Int) throws {
        let c = DatasetTests.malformed[index]
        let scratch = ScratchFolder()
        var hand = HandEpisode()
        // Breaks that edit the records happen before writing; file-level breaks after.
        try? c.breakIt(&hand, scratch.url)
        try hand.write(to: scratch.url)
        try c.breakIt(&hand, scratch.url)
        let error = try #require(throws: DatasetError.self, "\(c.name)") { try Dataset.load(scratch.url) }
        #expect(error.file.hasSuffix(c.file), "\(c.name): \(error)")
        if let frame = c.frame { #expect(error.frame == frame, "\(c.name): \(error)") }
        #expect(error.field == c.field, "\(c.name): \(error)")
        #expect(error.description.contains(c.file))
    }

    @Test func corruptOrWronglyShapedImagesAreNamed() throws {
        let scratch = ScratchFolder()
        try HandEpisode().write(to: scratch.url)
        try Data("not a png".utf8).write(to: scratch.url.appendingPathComponent("fps_views/frame_000002.png"))
        var error = try #require(throws: DatasetError.self) { try Dataset.load(scratch.url).validateImages() }
        #expect(error.frame == "frame_000002" && error.field == "observations.fps_view" && error.file.hasSuffix("frame_000002.png"))
        try Image(width: 32, height: 64, format: .rgb).write(to: scratch.url.appendingPathComponent("fps_views/frame_000002.png"))
        error = try #require(throws: DatasetError.self) { try Dataset.load(scratch.url).validateImages() }
        #expect(error.description.contains("32×64"))
    }

    @Test func emptyOrMissingRootsAreRejected() throws {
        let scratch = ScratchFolder()
        #expect(throws: DatasetError.self) { try Dataset.load(scratch.url) }
        #expect(throws: DatasetError.self) { try Dataset.load(scratch.url.appendingPathComponent("absent")) }
    }

    @Test func droppingWallCloseupsLeavesGapsThatSplitTrajectories() throws {
        let world = try MazeWorld(size: 9, seed: 2)
        let c = world.layout.freeCells.first { !world.layout.isFree($0.x + 1, $0.y) }!
        world.place(0, x: Float(c.x) + 0.78, y: Float(c.y) + 0.5, heading: 0)
        #expect(Collector.facesWallCloseup(world, agent: 0))
        world.place(0, x: Float(c.x) + 0.5, y: Float(c.y) + 0.5, heading: .pi)
        #expect(Collector.facesWallCloseup(world, agent: 0) == !world.layout.isFree(c.x - 1, c.y))

        let scratch = ScratchFolder()
        var config = CollectConfig()
        config.mazeSize = 9; config.episodes = 1; config.stepsPerEpisode = 300; config.writeBEVViews = false
        config.dropWallCloseups = true; config.randomActionProbability = 0.5
        let summary = try Collector.collect(into: scratch.url, config: config)
        let episode = try Dataset.load(scratch.url).episodes[0]
        #expect(summary.droppedFrames > 0 && summary.frames + summary.droppedFrames == 300)
        #expect(episode.frames.count == summary.frames && episode.trajectories.count > 1)
    }
}
