import Foundation
import Testing
import Basics
import MazeEnv
import BEV

/// Datasets edited to be wrong or dangerous: each is refused with the file, the frame and the field named.
@Suite("Hostile datasets and images")
struct DatasetInputTests {
    /// A one-episode dataset of 6 frames in a 9×9 maze, and its episode folder.
    func dataset() throws -> (Scratch, URL) {
        let scratch = Scratch()
        var config = CollectConfig()
        config.mazeSize = 9; config.episodes = 1; config.stepsPerEpisode = 6; config.writeBEVViews = false
        _ = try Collector.collect(into: scratch.file("data"), config: config)
        return (scratch, scratch.file("data/000000"))
    }

    /// Rewrites a JSON file of the episode through `edit`.
    func edit(_ file: URL, _ edit: (inout [String: Any]) -> Void) throws {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: file)
    }

    func editFrame(_ episode: URL, _ change: @escaping (inout [String: Any]) -> Void) throws {
        try edit(episode.appendingPathComponent("frame_info.json")) { frames in
            var frame = frames["frame_000001"] as! [String: Any]
            change(&frame)
            frames["frame_000001"] = frame
        }
    }

    @Test(arguments: [
        ("../../../../etc/x.png", "leads out of the episode folder"),
        ("fps_views/../../x.png", "leads out of the episode folder"),
        ("/etc/passwd", "must be relative"),
        ("", "is empty"),
    ])
    func viewPathsMayNotLeaveTheEpisode(path: String, expected: String) throws {
        let (scratch, episode) = try dataset()
        try editFrame(episode) { f in
            var o = f["observations"] as! [String: Any]; o["fps_view"] = path; f["observations"] = o
        }
        let message = errorText { _ = try Dataset.load(scratch.file("data")) }
        #expect(message?.contains("frame_000001") == true && message?.contains("observations.fps_view") == true
                && message?.contains(expected) == true, "\(message ?? "no error")")
    }

    @Test func linksOutOfTheEpisodeAreRefused() throws {
        let (scratch, episode) = try dataset()
        let outside = scratch.file("secret.png")
        try Image(width: 64, height: 64, format: .rgb).write(to: outside)
        let view = episode.appendingPathComponent("fps_views/frame_000001.png")
        try FileManager.default.removeItem(at: view)
        try FileManager.default.createSymbolicLink(at: view, withDestinationURL: outside)
        let message = errorText { _ = try Dataset.load(scratch.file("data")) }
        #expect(message?.contains("link that leads out") == true, "\(message ?? "no error")")
    }

    @Test(arguments: [
        ("rotation", 1e300, "agent_state.rotation"),
        ("velocity", 1e300, "agent_state.velocity"),
        ("angular_velocity", -1e300, "agent_state.angular_velocity"),
    ])
    func absurdMotionIsRefused(key: String, value: Double, field: String) throws {
        let (scratch, episode) = try dataset()
        try editFrame(episode) { f in
            var s = f["agent_state"] as! [String: Any]
            s[key] = key == "velocity" ? [value, 0] : value
            f["agent_state"] = s
        }
        let message = errorText { _ = try Dataset.load(scratch.file("data")) }
        #expect(message?.contains(field) == true && message?.contains("frame_000001") == true, "\(message ?? "no error")")
    }

    @Test func hugeMazeSizesAreRefusedBeforeAnything() throws {
        let (scratch, episode) = try dataset()
        try edit(episode.appendingPathComponent("env_config.json")) { c in c["maze_size"] = 1_000_000_000; c["maze_layout"] = nil }
        let message = errorText { _ = try Dataset.load(scratch.file("data")) }
        #expect(message?.contains("maze_size") == true && message?.contains("1…255") == true, "\(message ?? "no error")")
    }

    /// A view of the wrong size loads as a dataset (views may have any size) but not into a 64×64 model.
    @Test func viewsOfTheWrongSizeAreNamedBeforeAModelReadsThem() throws {
        let (scratch, episode) = try dataset()
        try Image(width: 65, height: 64, format: .rgb).write(to: episode.appendingPathComponent("fps_views/frame_000002.png"))
        let data = try Dataset.load(scratch.file("data"))
        let message = errorText { _ = try BEVScene.from(data) }
        #expect(message?.contains("frame_000002") == true && message?.contains("65×64") == true, "\(message ?? "no error")")
        #expect(errorText { _ = try MappingEpisode.recorded(data.episodes[0]) }?.contains("65×64") == true)
    }

    /// A 69-byte PNG claiming 25000×25000 (or 10⁶×10⁶) pixels is refused from its header.
    @Test func pngBombsAreRefusedFromTheHeader() throws {
        let scratch = Scratch()
        for side: UInt32 in [25_000, 1_000_000] {
            let url = scratch.file("bomb-\(side).png")
            try pngClaiming(width: side, height: side).write(to: url)
            let message = errorText { _ = try Image.read(url) }
            #expect(message?.contains("bomb-\(side).png") == true && message?.contains("above the limit") == true, "\(message ?? "no error")")
        }
        // The same header at a small size decodes (the crafted file is a valid PNG).
        let small = scratch.file("small.png")
        try pngClaiming(width: 1, height: 1).write(to: small)
        #expect(try Image.read(small).width == 1)
        // In a dataset, the check names the frame.
        let (data, episode) = try dataset()
        try pngClaiming(width: 25_000, height: 25_000).write(to: episode.appendingPathComponent("fps_views/frame_000003.png"))
        let message = errorText { _ = try Dataset.load(data.file("data")).validateImages() }
        #expect(message?.contains("frame_000003") == true && message?.contains("above the limit") == true, "\(message ?? "no error")")
    }

    /// `collect` never mixes into an existing dataset unless told to append, and a new one appears whole.
    @Test func collectRefusesToMixAndAppendsWhenAsked() throws {
        let (scratch, _) = try dataset()
        var config = CollectConfig()
        config.mazeSize = 9; config.episodes = 2; config.stepsPerEpisode = 4; config.writeBEVViews = false
        let message = errorText { _ = try Collector.collect(into: scratch.file("data"), config: config) }
        #expect(message?.contains("--append") == true, "\(message ?? "no error")")
        _ = try Collector.collect(into: scratch.file("data"), config: config, append: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.file("data").path).sorted()
        #expect(names == ["000000", "000001", "000002"])
        #expect(try Dataset.load(scratch.file("data")).frameCount == 6 + 8)
        // No staging folder is left beside a finished dataset.
        _ = try Collector.collect(into: scratch.file("fresh"), config: config)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).allSatisfy { !$0.contains("partial") })
    }
}
