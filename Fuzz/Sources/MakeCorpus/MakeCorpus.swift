import Foundation
import Tensor
import MazeEnv
import InfoBottleneck
import TeamSearch
import GridCell
import BEV
import SocialPlaceCell
import HRLICM

/// Writes the fuzz targets' seed corpus into `Corpus/<target>/`, from the library's own writers, so that every
/// seed is a valid input the fuzzer then mutates: `swift run MakeCorpus` in `Fuzz/`.
@main struct MakeCorpus {
    static func main() throws {
        let root = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "Corpus")
        func write(_ target: String, _ name: String, _ data: Data) throws {
            let dir = root.appendingPathComponent(target)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try data.write(to: dir.appendingPathComponent(name))
        }
        func json<T: Encodable>(_ value: T) throws -> Data {   // keys sorted: the same corpus every time (but the episode's created_at)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return try encoder.encode(value)
        }

        // Checkpoints: a small grid-cell model with its configuration, and an empty file.
        var rng = RandomGenerator(seed: 1)
        var grid = GridCellConfig(); grid.placeCells = 4; grid.headDirectionCells = 2; grid.hiddenSize = 2; grid.bottleneckSize = 2
        let network = GridCellNetwork(config: grid, rng: &rng)
        try write("FuzzSafeTensors", "gridcell", SafeTensors.encode(network.stateDict(), metadata: ["model_config": String(decoding: try json(grid), as: UTF8.self)]))
        try write("FuzzSafeTensors", "empty", SafeTensors.encode([]))

        // Images: one of each format (the first byte picks the format asked for).
        for (i, format) in [Image.Format.gray, .rgb, .rgba].enumerated() {
            let pixels = (0..<(5 * 3 * format.rawValue)).map { UInt8(truncatingIfNeeded: $0 * 37) }
            try write("FuzzPNG", "image-\(format.rawValue)", Data([UInt8(i)]) + Image(width: 5, height: 3, format: format, pixels: pixels).pngData())
        }

        // Datasets: a recorded 9×9 episode of 3 frames, as env_config.json, a zero byte, frame_info.json.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-corpus-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var collect = CollectConfig(); collect.mazeSize = 9; collect.episodes = 1; collect.stepsPerEpisode = 3; collect.writeBEVViews = false
        collect.render.width = 8; collect.render.height = 8
        _ = try Collector.collect(into: scratch, config: collect)
        let episode = scratch.appendingPathComponent("000000")
        try write("FuzzDataset", "episode", Data([0]) + Data(contentsOf: episode.appendingPathComponent("env_config.json")) + Data([0])
                  + Data(contentsOf: episode.appendingPathComponent("frame_info.json")))

        // Wire formats: one message of each kind for the 9×9, 3-object codec with 4-bit codes (selector 1).
        let codec = TeamCodec(mazeSize: 9, objects: 3, codedPatchBits: 4)
        let pose = PoseReport(cell: MapCell(2, 3), headingBin: 5), seen = [Sighting(object: 1, cell: MapCell(4, 4))]
        var map = CellMap(size: 9)
        map[2, 3] = .free; map[2, 4] = .wall
        let patch = OccupancyPatch(map: map, centre: (2, 3), side: 11)
        let messages: [TeamMessage] = [
            .sighting(seen[0]), .pose(pose), .goal(MapCell(7, 1)), .patch(centre: MapCell(2, 3), patch: patch),
            .snapshot(map: map, pose: pose, sightings: seen),
            .local(origin: MapCell(1, 1), width: 2, cells: [.free, .wall, .unknown, .free], pose: pose, sightings: seen),
            .codedPatch(centre: MapCell(3, 3), code: BitString([true, false, true, true])),
        ]
        let selector = UInt8(codecs9x9Index)
        for (i, m) in messages.enumerated() {
            let bits = codec.encode(m)
            try write("FuzzWireFormats", "message-\(i)", Data([selector, UInt8((8 - bits.count % 8) % 8)]) + Data(bits.bytes))
        }

        // Configurations: the defaults of every type, each behind its selector.
        let configs: [Data] = [try json(GridCellConfig()), try json(BEVModelConfig.cpu), try json(TargetDetectorConfig.cpu), try json(SocialNetworkConfig()),
                               try json(HRLConfig()), try json(GridCellTrainingConfig()), try json(BEVTrainingConfig()),
                               try json(TargetDetectorTrainingConfig()), try json(SocialTrainingConfig()), try json(HRLTrainingConfig()),
                               try json(CollectConfig()), try json(TeamSearchConfig())]
        for (i, c) in configs.enumerated() { try write("FuzzConfigs", "config-\(i)", Data([UInt8(i)]) + c) }
        print("wrote the seed corpus to \(root.path)")
    }

    /// The index of the 9×9, 3-object, 4-bit codec in FuzzWireFormats' list (sizes, then objects 1…6, then nil/4/16).
    static let codecs9x9Index = (3 - 1) * 3 + 1
}
