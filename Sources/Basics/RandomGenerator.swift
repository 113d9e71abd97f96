import Foundation

/// A small, fast, seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Every stochastic part of the library takes one of these explicitly, so a run with the same seed
/// reproduces exactly, also when tests run in parallel.
///
/// ```swift
/// var rng = RandomGenerator(seed: 42)
/// let u = rng.nextUniform()
/// ```
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// A generator whose whole stream is determined by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let m = s1 &* 5
        let result = (m &<< 7 | m &>> 57) &* 9
        let t = s1 &<< 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 &<< 45) | (s3 &>> 19)
        return result
    }

    /// The full internal state, for checkpoints.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// Restores a state read from ``state``.
    public init(state: [UInt64]) {
        precondition(state.count == 4, "RandomGenerator(state:) needs 4 words")
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3]
    }

    /// Uniform in [0, 1) with 24 bits of resolution.
    public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) as a Double (53 bits).
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(nextDouble(), 1e-300), u2 = nextDouble()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// An integer in `0..<n`.
    public mutating func nextInt(_ n: Int) -> Int { Int.random(in: 0..<n, using: &self) }

    /// A random permutation of `0..<n`.
    public mutating func permutation(_ n: Int) -> [Int] { Array(0..<n).shuffled(using: &self) }
}

/// The independent random streams a run derives from its one seed. The offsets are fixed for good: changing
/// one would change every seeded run that uses it.
public enum SeedStream: UInt64, Sendable {
    /// Validation data generated on the fly (mazes, walks, scenes never trained on).
    case validation = 0x5EED_0FF5E7
    /// The draw order of held-out recorded data, and the detector's held-out mazes.
    case heldOut = 1
    /// The trajectories a trained model is evaluated on.
    case evaluation = 0xE7A1

    /// The seed of this stream for a run seeded with `seed`.
    public func seed(from seed: UInt64) -> UInt64 { seed &+ rawValue }
}
