import Foundation
import Tensor

/// numpy's legacy `RandomState(seed)` (MT19937 seeded by `init_genrand`), enough of it to draw the original
/// project's place-cell centres and HD preferred directions exactly.
public struct NumpyRandomState {
    private var mt = [UInt32](repeating: 0, count: 624)
    private var index = 624

    public init(seed: UInt32) {
        mt[0] = seed
        for i in 1..<624 { mt[i] = 1_812_433_253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i) }
    }

    private mutating func next() -> UInt32 {
        if index >= 624 {
            for i in 0..<624 {
                let y = (mt[i] & 0x8000_0000) | (mt[(i + 1) % 624] & 0x7FFF_FFFF)
                mt[i] = mt[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
            }
            index = 0
        }
        var y = mt[index]; index += 1
        y ^= y >> 11; y ^= (y << 7) & 0x9D2C_5680; y ^= (y << 15) & 0xEFC6_0000; y ^= y >> 18
        return y
    }

    /// `random_sample()`: 53-bit doubles in [0, 1).
    public mutating func nextDouble() -> Double {
        let a = Double(next() >> 5), b = Double(next() >> 6)
        return (a * 67_108_864 + b) / 9_007_199_254_740_992
    }

    /// `uniform(low, high, count)`.
    public mutating func uniform(_ low: Double, _ high: Double, count: Int) -> [Double] {
        (0..<count).map { _ in low + (high - low) * nextDouble() }
    }
}

/// Place cells: Gaussian tuning curves normalised over the population (a softmax of −d²/2σ²); Sorscher
/// et al.'s difference of Gaussians (centre minus a surround of variance `surroundScale`·σ², shifted to a
/// minimum of 0 and normalised to sum 1); or an unnormalised centre-surround "Mexican hat"
/// exp(−d²/2σ²) − exp(−d²/2sσ²)/s, whose integral over the plane is 0, for a mean-squared-error readout.
public struct PlaceCells {
    public enum Tuning: String, Codable, Sendable, CaseIterable {
        case gaussian, differenceOfGaussians, mexicanHat

        /// Whether targets are probability distributions (read out with softmax and KL) or plain values
        /// (read out linearly with a squared error).
        public var isDistribution: Bool { self != .mexicanHat }
    }

    /// Centres `[count, 2]` in cells.
    public let centres: Tensor
    public let sigma: Float
    public let tuning: Tuning
    public let surroundScale: Float
    /// Side of the square the centres cover, cells (the template decoder's candidates cover it too).
    public let extent: Float
    public var count: Int { centres.shape[0] }

    /// Centres drawn uniformly over `[0, extent]²` by numpy's `RandomState(seed).uniform` (the original's
    /// seed 42 reproduces its centres exactly).
    public init(count: Int = 256, sigma: Float = 0.5, extent: Float = 15, tuning: Tuning = .gaussian,
                surroundScale: Float = 2, seed: UInt32 = 42) {
        var rs = NumpyRandomState(seed: seed)
        centres = Tensor(rs.uniform(0, Double(extent), count: 2 * count).map(Float.init), shape: [count, 2])
        self.sigma = sigma; self.tuning = tuning; self.surroundScale = surroundScale; self.extent = extent
    }

    /// Target activity for positions `[M, 2]` → `[M, count]` (rows sum to 1).
    public func activity(_ positions: Tensor) -> Tensor {
        noGrad {
            let d2 = squaredDistances(positions)
            if tuning == .mexicanHat {
                let s = surroundScale
                return (d2 * (-1 / (2 * sigma * sigma))).exp() - (d2 * (-1 / (2 * s * sigma * sigma))).exp() * (1 / s)
            }
            let centre = (d2 * (-1 / (2 * sigma * sigma))).softmax()
            guard tuning == .differenceOfGaussians else { return centre }
            let surround = (d2 * (-1 / (2 * surroundScale * sigma * sigma))).softmax()
            let dog = centre - surround
            let shifted = dog - dog.min(axis: -1, keepDims: true)
            return shifted / shifted.sum(axis: -1, keepDims: true)
        }
    }

    /// The position whose target activity is most similar to each readout row `[M, count]` (cosine similarity), over
    /// a grid of candidate positions `resolution` cells apart: template matching, the decoder for the Mexican
    /// hat, whose readout is a value rather than a distribution.
    public func decodeByTemplate(_ readout: Tensor, resolution: Float = 0.1) -> Tensor {
        PositionTemplates(self, resolution: resolution).decode(readout)
    }

    /// Decoded positions `[M, 2]` from a place readout by the decoder made for this tuning: the weighted mean for the
    /// Gaussian code, the top-3 mean for the difference of Gaussians, template matching (with `templates` when
    /// given, built once by a caller that decodes often) for the Mexican hat.
    public func decodePositions(_ readout: Tensor, templates: PositionTemplates? = nil) -> Tensor {
        switch tuning {
        case .gaussian: decode(logits: readout)
        case .differenceOfGaussians: decode(logits: readout, top: 3)
        case .mexicanHat: (templates ?? PositionTemplates(self)).decode(readout)
        }
    }

    /// ‖p − μ_i‖² for positions `[M, 2]` → `[M, count]`.
    func squaredDistances(_ p: Tensor) -> Tensor {
        let m = p.shape[0], n = count
        let out = TensorStorage(uninitializedCount: m * n)
        let pp = p.storage.pointer, c = centres.storage.pointer
        for i in 0..<m {
            let x = pp[2 * i], y = pp[2 * i + 1]
            for j in 0..<n {
                let dx = x - c[2 * j], dy = y - c[2 * j + 1]
                out.pointer[i * n + j] = dx * dx + dy * dy
            }
        }
        return Tensor(shape: [m, n], storage: out)
    }

    /// Decoded positions `[M, 2]` from the place readout `[M, count]` (logits, or values for the Mexican hat):
    /// the softmax-weighted mean of the centres, or with `top` set the mean centre of the
    /// `top` most active cells (Sorscher et al.'s decoder, for the centre-surround codes).
    public func decode(logits: Tensor, top: Int? = nil) -> Tensor {
        noGrad {
            guard let top else { return logits.softmax().matmul(centres) }
            let m = logits.shape[0], n = count
            let l = logits.storage.pointer, c = centres.storage.pointer
            var out = [Float](repeating: 0, count: 2 * m)
            var order = [Int](0..<n)
            for i in 0..<m {
                order.sort { l[i * n + $0] > l[i * n + $1] }
                for k in 0..<top { out[2 * i] += c[2 * order[k]] / Float(top); out[2 * i + 1] += c[2 * order[k] + 1] / Float(top) }
            }
            return Tensor(out, shape: [m, 2])
        }
    }
}

/// Head-direction cells: von Mises tuning normalised over the population (a softmax of κ·cos(θ − φ_j)),
/// preferred directions φ_j uniform in (−π, π).
public struct HeadDirectionCells {
    /// Preferred directions `[count]`.
    public let preferred: Tensor
    public let concentration: Float
    public var count: Int { preferred.shape[0] }

    /// Directions from numpy's `RandomState(seed).uniform(−π, π, count)` (seed 42 as the original).
    public init(count: Int = 12, concentration: Float = 20, seed: UInt32 = 42) {
        var rs = NumpyRandomState(seed: seed)
        preferred = Tensor(rs.uniform(-.pi, .pi, count: count).map(Float.init), shape: [count])
        self.concentration = concentration
    }

    /// Target activity for headings `[M]` → `[M, count]`.
    public func activity(_ headings: Tensor) -> Tensor {
        noGrad {
            let m = headings.shape[0], n = count
            let h = headings.storage.pointer, phi = preferred.storage.pointer
            let out = TensorStorage(uninitializedCount: m * n)
            for i in 0..<m { for j in 0..<n { out.pointer[i * n + j] = concentration * cos(h[i] - phi[j]) } }
            return Tensor(shape: [m, n], storage: out).softmax()
        }
    }

    /// Decoded headings `[M]`: the angle of Σ_j softmax(logits)_j e^{iφ_j}.
    public func decode(logits: Tensor) -> Tensor {
        noGrad {
            let p = logits.softmax(), m = p.shape[0], n = count
            let phi = preferred.storage.pointer
            return Tensor((0..<m).map { i -> Float in
                var s = Float(0), c = Float(0)
                for j in 0..<n { s += p.storage.pointer[i * n + j] * sin(phi[j]); c += p.storage.pointer[i * n + j] * cos(phi[j]) }
                return atan2(s, c)
            }, shape: [m])
        }
    }
}

/// The place cells' activity at every point of a grid `resolution` cells apart: the templates that
/// ``PlaceCells/decodeByTemplate(_:resolution:)`` matches readouts against, built once, over the cells' square.
public struct PositionTemplates {
    /// Candidate positions, x and y interleaved (candidate `i·n + j` at `((i + ½)·resolution, (j + ½)·resolution)`).
    let grid: [Float]
    let n: Int, resolution: Float
    /// `[n², count]` templates, the same `[count, n²]`, and `[1, n²]` their norms.
    let templates: Tensor, transposed: Tensor, norms: Tensor

    public init(_ cells: PlaceCells, resolution: Float = 0.1) {
        let n = Int((cells.extent / resolution).rounded())
        var grid = [Float]()
        grid.reserveCapacity(2 * n * n)
        for i in 0..<n { for j in 0..<n { grid += [(Float(i) + 0.5) * resolution, (Float(j) + 0.5) * resolution] } }
        self.grid = grid; self.n = n; self.resolution = resolution
        (templates, transposed, norms) = noGrad {
            let templates = cells.activity(Tensor(grid, shape: [n * n, 2]))      // [n², count]
            // Cosine similarity: the readout's scale shrinks under a squared error, its shape does not.
            return (templates, templates.transposed(), templates.square().sum(axis: 1).sqrt().reshaped([1, n * n]) + 1e-6)
        }
    }

    /// How far (cells) a tracked position may move from one step to the next: the agents move at most a quarter
    /// of a cell a step, and the network's error is a few tenths.
    public static let trackingRadius: Float = 1

    /// Tracking: the best-matching candidate for one readout (`count` values at `readout`) among those within
    /// ``trackingRadius`` of `near`. A code whose templates repeat in space (as a centre-surround code's may) can
    /// match a far candidate nearly as well as the right one; searching near the last position never jumps there.
    public func decode(_ readout: UnsafePointer<Float>, near x: Float, _ y: Float) -> (x: Float, y: Float) {
        let count = templates.shape[1], r = Self.trackingRadius / resolution
        let ci = x / resolution - 0.5, cj = y / resolution - 0.5
        let i0 = max(0, Int((ci - r).rounded(.up))), i1 = min(n - 1, Int((ci + r).rounded(.down)))
        let j0 = max(0, Int((cj - r).rounded(.up))), j1 = min(n - 1, Int((cj + r).rounded(.down)))
        // Outside the square (or no candidate in reach): the nearest candidate.
        guard i0 <= i1, j0 <= j1 else {
            let i = min(max(Int(ci.rounded()), 0), n - 1), j = min(max(Int(cj.rounded()), 0), n - 1)
            return (grid[2 * (i * n + j)], grid[2 * (i * n + j) + 1])
        }
        let t = templates.storage.pointer, norm = norms.storage.pointer
        var best = -Float.infinity, bestIndex = i0 * n + j0
        // Each row of the disc is a run of consecutive candidates: score the run with one matrix–vector product.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: j1 - j0 + 1) { scores in
            for i in i0...i1 {
                let di = Float(i) - ci, reach = (max(0, r * r - di * di)).squareRoot()
                let lo = max(j0, Int((cj - reach).rounded(.up))), hi = min(j1, Int((cj + reach).rounded(.down)))
                guard lo <= hi else { continue }
                BLAS.sgemm(m: hi - lo + 1, n: 1, k: count, a: t + (i * n + lo) * count, b: readout, c: scores.baseAddress!)
                for j in lo...hi where scores[j - lo] / norm[i * n + j] > best {
                    best = scores[j - lo] / norm[i * n + j]; bestIndex = i * n + j
                }
            }
        }
        return (grid[2 * bestIndex], grid[2 * bestIndex + 1])
    }

    /// Tracked positions `[B, T, 2]` of windows of readouts `[B·T, count]`, each window's search starting at its
    /// fix `starts[i]` (step 0 is decoded near the fix, and each later step near the step before).
    public func track(_ readout: Tensor, windows b: Int, steps t: Int, starts: [(x: Float, y: Float)]) -> Tensor {
        precondition(readout.shape[0] == b * t && starts.count == b, "PositionTemplates.track: shapes differ")
        let count = readout.shape[1], p = readout.storage.pointer
        var out = [Float](repeating: 0, count: b * t * 2)
        for w in 0..<b {
            var previous = starts[w]
            for s in 0..<t {
                let found = decode(p + (w * t + s) * count, near: previous.x, previous.y)
                out[2 * (w * t + s)] = found.x; out[2 * (w * t + s) + 1] = found.y
                if s > 0 { previous = found }
            }
        }
        return Tensor(out, shape: [b, t, 2])
    }

    /// The best-matching candidate `[M, 2]` for each readout row `[M, count]`.
    public func decode(_ readout: Tensor) -> Tensor {
        noGrad {
            let rows = readout.shape[0]
            var best: [Int] = []
            best.reserveCapacity(rows)
            // A row's scores against every template take n² floats (90 KB at the defaults): score 256 rows at a
            // time so that memory does not grow with the number of rows decoded.
            for start in stride(from: 0, to: rows, by: 256) {
                let part = readout.slice(axis: 0, start: start, end: min(start + 256, rows))
                best += (part.matmul(transposed) / norms).argmax(axis: 1)
            }
            return Tensor(best.flatMap { [grid[2 * $0], grid[2 * $0 + 1]] }, shape: [rows, 2])
        }
    }
}
