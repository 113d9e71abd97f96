import Tensor

/// Running mean and variance of value targets (MAPPO's value normalisation): the critic learns normalised
/// returns, and advantages are computed from de-normalised values, so the scale of rewards (bits charged,
/// curiosity, success) cannot swamp the critic's gradients. Statistics are exact over every batch seen
/// (Chan et al.'s parallel update), and are part of a checkpoint.
public struct ValueNormalizer: Codable, Sendable, Equatable {
    public private(set) var mean: Double = 0
    /// Sum of squared deviations from the mean.
    public private(set) var m2: Double = 0
    public private(set) var count: Double = 0
    /// Floor on the variance, so that a constant target does not divide by zero.
    public var epsilon: Double = 1e-5

    public init() {}

    public var variance: Double { count > 1 ? m2 / count : 1 }
    public var standardDeviation: Double { max(variance, epsilon).squareRoot() }

    /// Folds a batch of targets into the statistics; with `across`, the batch is every member's of a
    /// data-parallel run (each member passes its own part and all end with the same statistics).
    public mutating func update(_ batch: [Float], across sum: MemberSum? = nil) {
        let first = summedOverMembers([Double(batch.count), batch.reduce(0.0) { $0 + Double($1) }], sum)
        let n = first[0]
        guard n > 0 else { return }
        let batchMean = first[1] / n
        let batchM2 = summedOverMembers([batch.reduce(0.0) { $0 + (Double($1) - batchMean) * (Double($1) - batchMean) }], sum)[0]
        let total = count + n, delta = batchMean - mean
        mean += delta * n / total
        m2 += batchM2 + delta * delta * count * n / total
        count = total
    }

    public func normalize(_ x: [Float]) -> [Float] { x.map { Float((Double($0) - mean) / standardDeviation) } }
    public func denormalize(_ x: [Float]) -> [Float] { x.map { Float(Double($0) * standardDeviation + mean) } }
}
