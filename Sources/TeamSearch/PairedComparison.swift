import Foundation
import InfoBottleneck

/// Two methods on the same mazes at one budget: how often each succeeded, the mazes only one of them solved,
/// McNemar's exact test on those (two-sided, binomial with p ½ on the discordant mazes) and a 95% interval on
/// the paired difference in success.
public struct PairedComparison: Codable, Equatable, Sendable {
    public var methodA, methodB: TeamMethod
    public var bitsPerStep: String
    public var mazes: Int
    public var successA, successB: Double
    public var onlyA, onlyB: Int
    public var pValue: Double
    /// successA − successB and its 95% interval (the paired-proportions Wald interval).
    public var difference: Double
    public var differenceCI95: [Double]

    /// One comparison per budget the two result sets share, over the maze seeds both ran.
    public static func compare(_ a: [TeamEpisodeResult], _ b: [TeamEpisodeResult]) -> [PairedComparison] {
        guard let ma = a.first?.method, let mb = b.first?.method else { return [] }
        var budgets: [String] = []
        for r in a where !budgets.contains(r.bitsPerStep) { budgets.append(r.bitsPerStep) }
        // Largest budget first, as the sweep's tables list them.
        budgets.sort { (BitRate($0)?.value ?? 0) > (BitRate($1)?.value ?? 0) }
        return budgets.compactMap { bits in
            let other = Dictionary(b.filter { $0.bitsPerStep == bits }.map { ($0.seed, $0.success) }, uniquingKeysWith: { x, _ in x })
            let pairs = a.filter { $0.bitsPerStep == bits }.compactMap { r in other[r.seed].map { (r.success, $0) } }
            guard !pairs.isEmpty else { return nil }
            let n = Double(pairs.count)
            let onlyA = pairs.filter { $0.0 && !$0.1 }.count, onlyB = pairs.filter { !$0.0 && $0.1 }.count
            let d = Double(onlyA - onlyB) / n
            let se = max(Double(onlyA + onlyB) - Double(onlyA - onlyB) * Double(onlyA - onlyB) / n, 0).squareRoot() / n
            return PairedComparison(methodA: ma, methodB: mb, bitsPerStep: bits, mazes: pairs.count,
                                    successA: Double(pairs.filter(\.0).count) / n, successB: Double(pairs.filter(\.1).count) / n,
                                    onlyA: onlyA, onlyB: onlyB, pValue: mcnemarExact(onlyA, onlyB),
                                    difference: d, differenceCI95: [d - 1.959964 * se, d + 1.959964 * se])
        }
    }

    /// Two-sided exact McNemar p-value: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), at most 1.
    public static func mcnemarExact(_ b: Int, _ c: Int) -> Double {
        let m = b + c
        guard m > 0 else { return 1 }
        func logChoose(_ n: Int, _ k: Int) -> Double { lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1)) }
        let tail = (0...min(b, c)).reduce(0.0) { $0 + exp(logChoose(m, $1) - Double(m) * log(2.0)) }
        return min(1, 2 * tail)
    }

    enum CodingKeys: String, CodingKey {
        case methodA = "method_a", methodB = "method_b", bitsPerStep = "bits_per_step", mazes, successA = "success_a", successB = "success_b"
        case onlyA = "only_a", onlyB = "only_b", pValue = "p_value", difference, differenceCI95 = "difference_ci95"
    }
}
