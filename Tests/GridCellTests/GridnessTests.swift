import Foundation
import Testing
@testable import GridCell
import Tensor

let fixturesURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

/// Golden values from `Tests/Fixtures/gridness_reference.py` (numpy/scipy).
nonisolated(unsafe) let gridnessGolden: [String: Tensor] = {
    (try? SafeTensors.load(fixturesURL.appendingPathComponent("gridness_golden.safetensors")).tensors) ?? [:]
}()

func goldenArray(_ name: String) throws -> [Double] {
    let t = try #require(gridnessGolden[name], "missing golden \(name); run Tests/Fixtures/gridness_reference.py")
    return t.scalars.map(Double.init)
}

@Suite("Gridness")
struct GridnessTests {
    static let cases = ["hexagonal", "hexagonal_p6", "square", "noise_0", "noise_1", "with_nan"]

    @Test(arguments: cases)
    func autocorrelogramAndScoresMatchScipy(name: String) throws {
        let map = RateMap(values: try goldenArray("\(name).ratemap"))
        let scorer = GridScorer()
        let sac = scorer.autocorrelogram(map), want = try goldenArray("\(name).sac")
        let sacError = zip(sac, want).map { abs($0 - $1) }.max()!
        #expect(sacError < 1e-5, "\(name): SAC differs by \(sacError)")
        let s = scorer.scores(map), golden = try goldenArray("\(name).scores")
        #expect(abs(s.gridness60 - golden[0]) < 1e-4, "\(name): gridness60 \(s.gridness60) vs scipy \(golden[0])")
        #expect(abs(s.gridness90 - golden[1]) < 1e-4, "\(name): gridness90 \(s.gridness90) vs scipy \(golden[1])")
        #expect(s.mask60 == Int(golden[2]) && s.mask90 == Int(golden[3]))
    }

    @Test(arguments: [30.0, 135.0])
    func splineRotationMatchesScipy(degrees: Double) throws {
        let input = try goldenArray("rotate.input"), want = try goldenArray("rotate.\(Int(degrees))")
        let got = SplineRotation.rotate(coefficients: SplineRotation.prefilter(input, size: 40), size: 40, degrees: degrees)
        let error = zip(got, want).map { abs($0 - $1) }.max()!
        #expect(error < 1e-5, "rotation by \(degrees)° differs from scipy.ndimage.rotate by \(error)")
    }

    @Test func rateMapBinsLikeBinnedStatistic2d() throws {
        let samples = try goldenArray("binned.samples"), want = try goldenArray("binned.ratemap")
        let n = samples.count / 3
        let map = RateMap(xs: (0..<n).map { Float(samples[3 * $0]) }, ys: (0..<n).map { Float(samples[3 * $0 + 1]) },
                          activations: (0..<n).map { Float(samples[3 * $0 + 2]) })
        for (got, w) in zip(map.values, want) {
            if w == -999 { #expect(got.isNaN) } else { #expect(abs(got - w) < 1e-5) }
        }
    }

    /// Known answers without reference code: hexagonal high at 60°, square high at 90° only, noise low.
    @Test func knownAnswers() {
        let scorer = GridScorer()
        func map(_ f: (Double, Double) -> Double) -> RateMap {
            RateMap(values: (0..<1600).map { k in f(Double(k / 40) + 0.5, Double(k % 40) + 0.5) })
        }
        for (period, angle) in [(8.0, 0.0), (10.0, 0.4), (6.5, 1.0)] {
            let k = 4 * Double.pi / (3.0.squareRoot() * period)
            let hex = map { x, y in
                max(0, (0..<3).map { j in
                    let a = angle + Double(j) * .pi / 3
                    return cos(k * (cos(a) * x + sin(a) * y))
                }.reduce(0, +))
            }
            #expect(scorer.scores(hex).gridness60 > 1.0, "hexagonal period \(period)")
        }
        let square = map { x, y in max(0, cos(2 * .pi * x / 8) + cos(2 * .pi * y / 8)) }
        let s = scorer.scores(square)
        #expect(s.gridness90 > 1.0 && s.gridness60 < 0.3)
        // Smoothed noise: the max over 15 masks lets single maps pass 0.3 by chance (~15%), the median does not.
        var rng = RandomGenerator(seed: 11)
        let noiseScores = (0..<15).map { _ -> Double in
            var raw = (0..<1600).map { _ in Double(rng.nextUniform()) }
            for _ in 0..<2 {  // two passes of a 5×5 box blur
                raw = (0..<1600).map { k in
                    let x = k / 40, y = k % 40
                    var s = 0.0, c = 0.0
                    for dx in -2...2 { for dy in -2...2 where (0..<40).contains(x + dx) && (0..<40).contains(y + dy) {
                        s += raw[(x + dx) * 40 + y + dy]; c += 1
                    } }
                    return s / c
                }
            }
            return scorer.scores(RateMap(values: raw)).gridness60
        }.sorted()
        #expect(noiseScores[7] < 0.3, "median gridness of smoothed noise \(noiseScores[7])")
    }
}

@Suite("Gridness against a shuffled baseline")
struct ShuffledGridnessTests {
    /// Positions of open-arena walks, in windows of 99 samples (as the analysis takes them, step 0 left out).
    func walk() throws -> (xs: [Float], ys: [Float]) {
        let b = try ArenaTrajectories(seed: 21).batch(0, size: 400, steps: 100)
        var xs: [Float] = [], ys: [Float] = []
        let p = b.positions.scalars
        for i in 0..<400 { for t in 1..<100 { xs.append(p[2 * (i * 100 + t)]); ys.append(p[2 * (i * 100 + t) + 1]) } }
        return (xs, ys)
    }

    @Test func shiftedMapsAreTheMapsOfRotatedActivity() throws {
        let (xs, ys) = try walk()
        let a = xs.indices.map { Float(sin(Double($0) * 0.01)) }
        let binning = RateMap.binIndices(xs: xs, ys: ys, bins: 40, extent: 15)
        #expect(RateMap(binning: binning, activations: a).values.map { $0.isNaN ? -1 : $0 }
                == RateMap(xs: xs, ys: ys, activations: a).values.map { $0.isNaN ? -1 : $0 })
        let shift = 1234, rotated = Array(a[shift...] + a[..<shift])
        let shifted = RateMap(binning: binning, activations: a, shift: shift).values, direct = RateMap(xs: xs, ys: ys, activations: rotated).values
        #expect(zip(shifted, direct).allSatisfy { $0.isNaN ? $1.isNaN : abs($0 - $1) < 1e-12 })
    }

    /// Known answer: a hexagonal unit beats its shuffles; a unit whose activity ignores position, and a square
    /// lattice, are not counted; shuffled maps rarely pass 0.3.
    @Test func gridUnitsStandOutOfTheirShuffles() throws {
        let (xs, ys) = try walk()
        let k = 4 * Double.pi / (3.0.squareRoot() * 5)
        func hexagonal(_ x: Double, _ y: Double) -> Float {
            var sum = 0.0
            for j in 0..<3 {
                let a = 0.3 + Double(j) * .pi / 3
                sum += cos(k * (cos(a) * x + sin(a) * y))
            }
            return Float(max(0, sum))
        }
        func lattice(_ x: Double, _ y: Double) -> Float { Float(max(0, cos(2 * .pi * x / 4) + cos(2 * .pi * y / 4))) }
        let hex: [Float] = xs.indices.map { hexagonal(Double(xs[$0]), Double(ys[$0])) }
        let square: [Float] = xs.indices.map { lattice(Double(xs[$0]), Double(ys[$0])) }
        var rng = RandomGenerator(seed: 5)
        let unrelated: [Float] = xs.indices.map { _ in rng.nextUniform() }
        let a = GridnessAnalysis(xs: xs, ys: ys, activity: [hex, square, unrelated], window: 99, shuffles: 20)
        #expect(a.shuffledScores.count == 3 && a.shuffledScores.allSatisfy { $0.count == 20 })
        #expect(a.scores[0].gridness60 > 1, "hexagonal unit \(a.scores[0].gridness60)")
        #expect(a.scores[1].gridness60 < 0.3 && a.scores[2].gridness60 < 0.3, "\(a.scores.map(\.gridness60))")
        let p95 = try #require(a.shuffledQuantile(0.95)), chance = try #require(a.shuffledFractionAbove(0.3))
        #expect(a.scores[0].gridness60 > p95 + 0.5, "p95 \(p95)")
        #expect(chance < 0.2, "shuffled maps above 0.3: \(chance)")
        let counted = try #require(a.fractionAboveShuffled(0.3))
        #expect(counted == 1.0 / 3)
        // Without shuffles there is no baseline.
        let none = GridnessAnalysis(xs: xs, ys: ys, activity: [hex], window: 99)
        #expect(none.shuffledScores.isEmpty && none.shuffledQuantile() == nil && none.fractionAboveShuffled() == nil)
    }
}

@Suite("Rate-map CSV")
struct RateMapCSVTests {
    @Test func roundTripsAndRejectsMalformedFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let map = RateMap(bins: 4, values: (0..<16).map { $0 == 5 ? .nan : Double($0) * 0.25 })
        let url = dir.appendingPathComponent("map.csv")
        try map.csv.write(to: url, atomically: true, encoding: .utf8)
        let back = try RateMap.readCSV(url)
        #expect(back.bins == 4 && back.values[5].isNaN && back.values[7] == 1.75)
        let tooLarge = String(repeating: Array(repeating: "1", count: 201).joined(separator: ",") + "\n", count: 201)
        for (text, fragment) in [("1,2\n3\n", "line 2"), ("1,2\n3,x\n", "field 2"), ("1\n", "at least 2×2"), ("nan,nan\n,nan\n", "no data"),
                                 ("2,2\n2,nan\n", "constant"), (tooLarge, "at most 200×200")] {
            try text.write(to: url, atomically: true, encoding: .utf8)
            let error = try #require(throws: FileFormatError.self) { try RateMap.readCSV(url) }
            #expect(error.description.contains(fragment) && error.description.contains("map.csv"), "\(error)")
        }
    }
}
