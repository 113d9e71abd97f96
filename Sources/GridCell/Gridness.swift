import Foundation
import Tensor

/// A spatial rate map: the mean activation of one unit per spatial bin, as
/// `scipy.stats.binned_statistic_2d(x, y, a, 'mean', bins, range=((0, extent), (0, extent)))` computes it
/// (indexed `[xBin][yBin]`, the last bin closed on the right, NaN where no sample fell).
public struct RateMap: Sendable, Equatable {
    public let bins: Int
    public let extent: Double
    /// Row-major `[xBin * bins + yBin]`; NaN for empty bins.
    public private(set) var values: [Double]

    public init(bins: Int = 40, extent: Double = 15, values: [Double]) {
        precondition(values.count == bins * bins, "RateMap: \(values.count) values for \(bins)×\(bins) bins")
        self.bins = bins; self.extent = extent; self.values = values
    }

    /// Bins `activations[i]` at `(xs[i], ys[i])`; samples outside `[0, extent]²` are ignored.
    public init(xs: [Float], ys: [Float], activations: [Float], bins: Int = 40, extent: Double = 15) {
        precondition(xs.count == ys.count && xs.count == activations.count, "RateMap: sample arrays differ in length")
        self.init(binning: RateMap.binIndices(xs: xs, ys: ys, bins: bins, extent: extent), activations: activations, bins: bins, extent: extent)
    }

    /// The flat bin `xBin * bins + yBin` of every sample, −1 outside `[0, extent]²` (the binning of
    /// ``init(xs:ys:activations:bins:extent:)``, kept so that many maps over the same positions bin them once).
    public static func binIndices(xs: [Float], ys: [Float], bins: Int, extent: Double) -> [Int32] {
        let edges = (0...bins).map { extent * Double($0) / Double(bins) }
        func bin(_ v: Double) -> Int? {
            guard v >= 0, v <= extent else { return nil }
            var i = min(bins - 1, Int(v / extent * Double(bins)))
            if v < edges[i] { i -= 1 } else if i + 1 < bins && v >= edges[i + 1] { i += 1 }
            return i
        }
        return xs.indices.map { k in
            guard let i = bin(Double(xs[k])), let j = bin(Double(ys[k])) else { return -1 }
            return Int32(i * bins + j)
        }
    }

    /// The map of `activations` shifted by `shift` samples against their positions: sample k's position gets
    /// activation `(k + shift) mod n`. Shift 0 is the plain map; a shift of at least one window is the
    /// time-shift null of ``GridnessAnalysis/shuffledScores``.
    public init(binning: [Int32], activations: [Float], shift: Int = 0, bins: Int = 40, extent: Double = 15) {
        precondition(binning.count == activations.count, "RateMap: sample arrays differ in length")
        var sum = [Double](repeating: 0, count: bins * bins), count = [Int](repeating: 0, count: bins * bins)
        let n = activations.count
        for k in binning.indices where binning[k] >= 0 {
            let b = Int(binning[k]), a = k + shift < n ? k + shift : (k + shift) % n
            sum[b] += Double(activations[a]); count[b] += 1
        }
        self.init(bins: bins, extent: extent, values: zip(sum, count).map { $1 > 0 ? $0 / Double($1) : .nan })
    }

    public subscript(x: Int, y: Int) -> Double { values[x * bins + y] }

    /// The largest side ``readCSV(_:extent:)`` reads: scoring takes time growing as the side⁴ (200 bins: seconds).
    public static let maxCSVBins = 200

    /// Reads a square rate map from CSV: row i = x bin i, comma-separated numbers; an empty field or
    /// `nan` is an empty bin. Errors name the file, line and field; a map larger than ``maxCSVBins`` a side, or
    /// one without two different values (gridness is undefined on it), is refused.
    public static func readCSV(_ url: URL, extent: Double = 15) throws -> RateMap {
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size > 64 << 20 {
            throw FileFormatError(file: url.path, "is \(size) bytes; a rate map of at most \(maxCSVBins)² values is far smaller")
        }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw FileFormatError(file: url.path, "cannot be read (\(error.localizedDescription))")
        }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let n = lines.count
        guard n > 1 else { throw FileFormatError(file: url.path, "needs a square grid of at least 2×2 values, found \(n) lines") }
        guard n <= maxCSVBins else { throw FileFormatError(file: url.path, "has \(n) lines; rate maps of at most \(maxCSVBins)×\(maxCSVBins) bins are scored") }
        var values: [Double] = []
        values.reserveCapacity(n * n)
        for (i, line) in lines.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == n else {
                throw FileFormatError(file: url.path, "line \(i + 1) has \(fields.count) fields, expected \(n) (the map must be square)")
            }
            for (j, f) in fields.enumerated() {
                let t = f.trimmingCharacters(in: .whitespaces)
                if t.isEmpty || t.lowercased() == "nan" { values.append(.nan); continue }
                guard let v = Double(t), v.isFinite else {
                    throw FileFormatError(file: url.path, "line \(i + 1), field \(j + 1): '\(t)' is not a finite number")
                }
                values.append(v)
            }
        }
        let data = values.filter(\.isFinite)
        guard let first = data.first else { throw FileFormatError(file: url.path, "holds no data (every bin is empty)") }
        guard data.contains(where: { $0 != first }) else {
            throw FileFormatError(file: url.path, "is constant (\(first) in every bin with data); gridness is undefined")
        }
        return RateMap(bins: n, extent: extent, values: values)
    }

    /// The map as CSV (row i = x bin i; empty bins as `nan`).
    public var csv: String {
        (0..<bins).map { i in (0..<bins).map { j in
            let v = values[i * bins + j]
            return v.isNaN ? "nan" : "\(v)"
        }.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}

/// The gridness score of DeepMind's `GridScorer` (Banino et al. 2018) with the original project's masks
///: the normalised spatial autocorrelogram (SAC), rotated by 30…150° with cubic
/// B-splines as `scipy.ndimage.rotate` does, correlated with itself inside 15 ring masks.
public struct GridScorer: Sendable {
    public let bins: Int
    /// One ring per outer radius, 1 inside the annulus, over the `(2·bins − 1)²` SAC.
    public let masks: [[Double]]
    static let angles: [Double] = [30, 45, 60, 90, 120, 135, 150]

    /// Rings from `inner·bins` to each of `outer·bins` (defaults: 0.1 and 15 radii from 0.2 to 0.85).
    public init(bins: Int = 40, inner: Double = 0.1, outer: [Double] = (0..<15).map { 0.2 + 0.65 * Double($0) / 14 }) {
        self.bins = bins
        let size = 2 * bins - 1, half = Double(size - 1) / 2
        func circle(_ r: Double) -> [Double] {
            (0..<size * size).map { k in
                let x = Double(k / size) - half, y = Double(k % size) - half
                return (x * x + y * y).squareRoot() <= r ? 1 : 0
            }
        }
        let hole = circle(inner * Double(bins))
        masks = outer.map { o in zip(circle(o * Double(bins)), hole).map { $0 * (1 - $1) } }
    }

    /// The scores of one rate map.
    public struct Scores: Sendable, Equatable {
        public var gridness60, gridness90: Double
        /// Indices of the masks that gave each maximum.
        public var mask60, mask90: Int
    }

    /// Normalised spatial autocorrelogram, `(2·bins − 1)²`, indexed `[dx + bins − 1][dy + bins − 1]`.
    /// NaN bins count as 0, as in DeepMind's code.
    public func autocorrelogram(_ map: RateMap) -> [Double] {
        let n = map.bins, size = 2 * n - 1
        let x = map.values.map { $0.isNaN ? 0 : $0 }
        var out = [Double](repeating: 0, count: size * size)
        x.withUnsafeBufferPointer { x in
            for sx in -(n - 1)...(n - 1) {
                for sy in -(n - 1)...(n - 1) {
                    // Overlap of the map with itself shifted by (sx, sy): k and k − s both inside.
                    let i0 = max(0, sx), i1 = min(n, n + sx), j0 = max(0, sy), j1 = min(n, n + sy)
                    var sxy = 0.0, sa = 0.0, sb = 0.0, saa = 0.0, sbb = 0.0
                    for i in i0..<i1 {
                        let row = i * n, shifted = (i - sx) * n - sy
                        for j in j0..<j1 {
                            let a = x[row + j], b = x[shifted + j]
                            sxy += a * b; sa += a; sb += b; saa += a * a; sbb += b * b
                        }
                    }
                    let count = Double((i1 - i0) * (j1 - j0))
                    let sdA = max(saa / count - (sa / count) * (sa / count), 0).squareRoot()
                    let sdB = max(sbb / count - (sb / count) * (sb / count), 0).squareRoot()
                    let r = (sxy / count - sa * sb / (count * count)) / (sdA * sdB)
                    out[(sx + n - 1) * size + sy + n - 1] = r.isFinite ? r : 0
                }
            }
        }
        return out
    }

    /// gridness60 = (c60 + c120)/2 − (c30 + c90 + c150)/3 and gridness90 = c90 − (c45 + c135)/2, each the
    /// maximum over the masks.
    public func scores(_ map: RateMap) -> Scores {
        precondition(map.bins == bins, "GridScorer: a \(map.bins)-bin map for a \(bins)-bin scorer")
        let sac = autocorrelogram(map), size = 2 * bins - 1
        let coefficients = SplineRotation.prefilter(sac, size: size)
        let rotated = GridScorer.angles.map { SplineRotation.rotate(coefficients: coefficients, size: size, degrees: $0) }
        var best = Scores(gridness60: -.infinity, gridness90: -.infinity, mask60: 0, mask90: 0)
        for (k, mask) in masks.enumerated() {
            var area = 0.0, total = 0.0
            for i in mask.indices where mask[i] != 0 { area += 1; total += sac[i] }
            let m = total / area
            var variance = 0.0
            for i in mask.indices where mask[i] != 0 { variance += (sac[i] - m) * (sac[i] - m) }
            variance = variance / area + 1e-5
            let corr = rotated.map { rot -> Double in
                var s = 0.0
                for i in mask.indices where mask[i] != 0 { s += (sac[i] - m) * (rot[i] - m) }
                return s / area / variance
            }
            // corr indices follow `angles`: 30, 45, 60, 90, 120, 135, 150.
            let g60 = (corr[2] + corr[4]) / 2 - (corr[0] + corr[3] + corr[6]) / 3
            let g90 = corr[3] - (corr[1] + corr[5]) / 2
            if g60 > best.gridness60 { best.gridness60 = g60; best.mask60 = k }
            if g90 > best.gridness90 { best.gridness90 = g90; best.mask90 = k }
        }
        return best
    }
}

/// Rotation of a square image about its centre with cubic B-spline interpolation, matching
/// `scipy.ndimage.rotate(image, degrees, reshape=False)` (order 3, mirror-symmetric prefilter, 0 outside).
public enum SplineRotation {
    static let pole = 3.0.squareRoot() - 2

    /// Cubic B-spline coefficients of a row-major `size × size` image (separable recursive filter).
    public static func prefilter(_ image: [Double], size n: Int) -> [Double] {
        var c = image
        guard n > 1 else { return c }
        var line = [Double](repeating: 0, count: n)
        for axis in 0..<2 {
            for other in 0..<n {
                for k in 0..<n { line[k] = c[axis == 0 ? k * n + other : other * n + k] }
                filterLine(&line)
                for k in 0..<n { c[axis == 0 ? k * n + other : other * n + k] = line[k] }
            }
        }
        return c
    }

    static func filterLine(_ c: inout [Double]) {
        let z = pole, n = c.count
        let gain = (1 - z) * (1 - 1 / z)
        for i in 0..<n { c[i] *= gain }
        // Causal initialisation for a mirror-symmetric extension.
        let zn1 = pow(z, Double(n - 1))
        var zi = z
        var c0 = c[0] + zn1 * c[n - 1]
        for i in 1..<(n - 1) { c0 += zi * (c[i] + zn1 * c[n - 1 - i]); zi *= z }
        c[0] = c0 / (1 - zn1 * zn1)
        for i in 1..<n { c[i] += z * c[i - 1] }
        c[n - 1] = (z * c[n - 2] + c[n - 1]) * z / (z * z - 1)
        for i in stride(from: n - 2, through: 0, by: -1) { c[i] = z * (c[i + 1] - c[i]) }
    }

    /// Rotates by `degrees` (scipy's sense) given prefiltered `coefficients`.
    public static func rotate(coefficients c: [Double], size n: Int, degrees: Double) -> [Double] {
        let a = degrees * .pi / 180, cs = cos(a), sn = sin(a), centre = Double(n - 1) / 2
        var out = [Double](repeating: 0, count: n * n)
        func mirror(_ k: Int) -> Int {
            guard n > 1 else { return 0 }
            let period = 2 * (n - 1)
            var m = abs(k) % period
            if m >= n { m = period - m }
            return m
        }
        func weights(_ t: Double) -> (Double, Double, Double, Double) {
            let t2 = t * t, t3 = t2 * t
            return ((1 - t) * (1 - t) * (1 - t) / 6, (4 - 6 * t2 + 3 * t3) / 6, (1 + 3 * t + 3 * t2 - 3 * t3) / 6, t3 / 6)
        }
        let tolerance = 1e-9
        for i in 0..<n {
            for j in 0..<n {
                let di = Double(i) - centre, dj = Double(j) - centre
                let u = cs * di + sn * dj + centre, v = -sn * di + cs * dj + centre
                guard u >= -tolerance, v >= -tolerance, u <= Double(n - 1) + tolerance, v <= Double(n - 1) + tolerance else { continue }
                let fu = u.rounded(.down), fv = v.rounded(.down)
                let wu = weights(u - fu), wv = weights(v - fv)
                let wus = [wu.0, wu.1, wu.2, wu.3], wvs = [wv.0, wv.1, wv.2, wv.3]
                var s = 0.0
                for p in 0..<4 {
                    let row = mirror(Int(fu) - 1 + p) * n
                    var r = 0.0
                    for q in 0..<4 { r += wvs[q] * c[row + mirror(Int(fv) - 1 + q)] }
                    s += wus[p] * r
                }
                out[i * n + j] = s
            }
        }
        return out
    }
}
