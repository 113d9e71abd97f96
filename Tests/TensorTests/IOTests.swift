import Foundation
import Testing
@testable import Tensor

private func tempDir() -> URL {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-io-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    return d
}

@Suite("Checkpoints and images")
struct IOTests {
    @Test func safetensorsRoundTrip() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("a.safetensors")
        let a = randn([2, 3], seed: 1), s = Tensor(scalar: 4)
        try SafeTensors.save([("a", a), ("s", s)], to: url, metadata: ["k": "v"])
        let (t, meta) = try SafeTensors.load(url)
        #expect(t["a"]!.shape == [2, 3] && t["a"]!.scalars == a.scalars)
        #expect(t["s"]!.shape == [] && t["s"]!.item == 4)
        #expect(meta["k"] == "v")
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.safetensors"])
    }

    @Test func truncatedCheckpointNamesFileAndTensor() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("cut.safetensors")
        let data = try SafeTensors.encode([("weight", randn([4, 4], seed: 1))])
        try data.prefix(data.count - 10).write(to: url)
        let error = try #require(throws: FileFormatError.self) { try SafeTensors.load(url) }
        #expect(error.description.contains("cut.safetensors") && error.description.contains("weight"))
        try Data([1, 2, 3]).write(to: url)
        #expect(throws: FileFormatError.self) { try SafeTensors.load(url) }
        try (Data([16, 0, 0, 0, 0, 0, 0, 0]) + Data("not json at all!".utf8)).write(to: url)
        #expect(throws: FileFormatError.self) { try SafeTensors.load(url) }
    }

    @Test func missingTensorAndShapeMismatchAreNamed() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        var rng = RandomGenerator(seed: 1)
        let url = dir.appendingPathComponent("m.safetensors")
        try SafeTensors.save([("weight", randn([2, 3], seed: 1))], to: url)
        let missing = try #require(throws: FileFormatError.self) {
            try Checkpoint.load(into: Linear(3, 2, rng: &rng), from: url)
        }
        #expect(missing.description.contains("bias") && missing.description.contains("m.safetensors"))
        try SafeTensors.save([("weight", randn([3, 3], seed: 1)), ("bias", randn([2], seed: 1))], to: url)
        let mismatch = try #require(throws: FileFormatError.self) {
            try Checkpoint.load(into: Linear(3, 2, rng: &rng), from: url)
        }
        #expect(mismatch.description.contains("weight") && mismatch.description.contains("[3, 3]"))
    }

    /// Round trip through Python's `safetensors` when it is importable; otherwise says it skipped.
    @Test func pythonSafetensorsInterop() throws {
        let python = ProcessInfo.processInfo.environment["SSM_PYTHON"] ?? "/usr/bin/env"
        let pyArgs = python == "/usr/bin/env" ? ["python3"] : []
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = pyArgs + ["-c", "import numpy, safetensors"]
        probe.standardError = FileHandle.nullDevice
        try probe.run(); probe.waitUntilExit()
        guard probe.terminationStatus == 0 else {
            print("skipped: python3 with numpy and safetensors is not importable (set SSM_PYTHON to a python that has them)")
            return
        }
        let dir = tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let mine = dir.appendingPathComponent("swift.safetensors"), theirs = dir.appendingPathComponent("py.safetensors")
        try SafeTensors.save([("x", Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]))], to: mine)
        let script = """
        import numpy as np
        from safetensors.numpy import load_file, save_file
        t = load_file('\(mine.path)')
        assert t['x'].shape == (2, 3) and t['x'].dtype == np.float32, t
        save_file({'y': (t['x'] * 2).T.copy()}, '\(theirs.path)')
        """
        let run = Process()
        run.executableURL = URL(fileURLWithPath: python)
        run.arguments = pyArgs + ["-c", script]
        try run.run(); run.waitUntilExit()
        #expect(run.terminationStatus == 0)
        let (t, _) = try SafeTensors.load(theirs)
        #expect(t["y"]!.shape == [3, 2] && t["y"]!.scalars == [2, 8, 4, 10, 6, 12])
    }

    @Test(arguments: [Image.Format.gray, .rgb, .rgba])
    func pngRoundTrip(_ format: Image.Format) throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("i.png")
        let px = (0..<(5 * 3 * format.rawValue)).map { UInt8(($0 * 37) % 256) }
        let img = Image(width: 5, height: 3, format: format, pixels: px)
        try img.write(to: url)
        #expect(try Image.read(url) == img)
        let t = img.tensor()
        #expect(t.shape == [format.rawValue, 3, 5])
        #expect(Image(tensor: t) == img)
    }

    @Test func corruptPNGThrowsWithFileName() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.png")
        try Data("definitely not a png".utf8).write(to: url)
        let e = try #require(throws: FileFormatError.self) { try Image.read(url) }
        #expect(e.description.contains("bad.png"))
        let good = dir.appendingPathComponent("good.png")
        try Image(width: 8, height: 8, format: .rgb, fill: 7).write(to: good)
        let bytes = try Data(contentsOf: good)
        try bytes.prefix(bytes.count / 2).write(to: url)
        #expect(throws: FileFormatError.self) { try Image.read(url) }
        #expect(throws: FileFormatError.self) { try Image.read(dir.appendingPathComponent("missing.png")) }
    }
}
