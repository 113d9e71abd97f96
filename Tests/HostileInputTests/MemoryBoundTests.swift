import Foundation
import Testing
import Basics
import Tensor
import GridCell
import BEV
import InfoBottleneck
import MazeEnv
#if canImport(Glibc)
import Glibc
#endif

/// The hostile inputs whose headers ask for the most memory, each refused in a child process whose address space
/// is capped at 1.5 GiB: an allocation the header decided would fail there and end the child with a signal, so a
/// passing case was refused before it allocated, with its message.
@Suite("Hostile inputs under 1.5 GiB")
struct MemoryBoundTests {
    /// One hostile input and a phrase its error must contain.
    enum Case: String, Codable, Sendable, CaseIterable {
        case tensorOf2To62Elements, tensorOf2To80Elements, offsetsPastAnyFile
        case gridHiddenSize200000, bevOutputSize30000, patchSide100000
        case png25000Squared, png1000000Squared, datasetMazeSize1e9

        var expected: String {
            switch self {
            case .tensorOf2To62Elements, .tensorOf2To80Elements: "more elements than any file"
            case .offsetsPastAnyFile: "ascending pair"
            case .gridHiddenSize200000: "hiddenSize"
            case .bevOutputSize30000: "outputSize"
            case .patchSide100000: "side"
            case .png25000Squared, .png1000000Squared: "above the limit"
            case .datasetMazeSize1e9: "maze_size"
            }
        }

        /// Builds the input in `scratch` and reads it as the package would; the error's text.
        func refusal(in scratch: Scratch) throws -> String? {
            func header(_ json: String) -> String? {
                errorText { _ = try SafeTensors.decode(safetensorsBytes(header: json, body: Data(count: 16)), file: "bad.safetensors") }
            }
            func model<C: Encodable>(_ config: C, _ load: (URL) throws -> Void) throws -> String? {
                let url = scratch.file("model.safetensors")
                try checkpoint(config: String(decoding: try JSONEncoder().encode(config), as: UTF8.self)).write(to: url)
                return errorText { try load(url) }
            }
            func png(_ side: UInt32) throws -> String? {
                let url = scratch.file("bomb.png")
                try pngClaiming(width: side, height: side).write(to: url)
                return errorText { _ = try Image.read(url) }
            }
            switch self {
            case .tensorOf2To62Elements: return header(#"{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,16]}}"#)
            case .tensorOf2To80Elements: return header(#"{"w":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,16]}}"#)
            case .offsetsPastAnyFile: return header(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[-2,9223372036854775807]}}"#)
            case .gridHiddenSize200000:
                var c = GridCellConfig(); c.hiddenSize = 200_000
                return try model(c) { _ = try GridCellNetwork.load($0) }
            case .bevOutputSize30000:
                var c = BEVModelConfig.cpu; c.outputSize = 30_000
                return try model(c) { _ = try BEVModel.load($0) }
            case .patchSide100000:
                let url = scratch.file("code.safetensors")
                try SafeTensors.encode([], metadata: ["bits": "16", "side": "100000", "hidden": "256"]).write(to: url)
                return errorText { _ = try LearnedPatchCode.load(url) }
            case .png25000Squared: return try png(25_000)
            case .png1000000Squared: return try png(1_000_000)
            case .datasetMazeSize1e9:
                var config = CollectConfig()
                config.mazeSize = 9; config.episodes = 1; config.stepsPerEpisode = 2; config.writeBEVViews = false
                _ = try Collector.collect(into: scratch.file("data"), config: config)
                let file = scratch.file("data/000000/env_config.json")
                var c = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
                c["maze_size"] = 1_000_000_000; c["maze_layout"] = nil
                try JSONSerialization.data(withJSONObject: c).write(to: file)
                return errorText { _ = try Dataset.load(scratch.file("data")) }
            }
        }
    }

    @Test(arguments: Case.allCases)
    func refusedBeforeAllocating(_ hostile: Case) async {
        await #expect(processExitsWith: .success, "\(hostile.rawValue)") { [hostile] in
            var cap = rlimit(rlim_cur: 1536 << 20, rlim_max: 1536 << 20)
            guard setrlimit(Int32(RLIMIT_AS.rawValue), &cap) == 0 else { exit(3) }
            let message = try? hostile.refusal(in: Scratch())
            if message?.contains(hostile.expected) != true { print("\(hostile.rawValue): \(message ?? "no error")"); exit(2) }
            exit(0)
        }
    }
}
