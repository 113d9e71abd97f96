import Foundation

/// A channel's capacity in bits per step per sender, an exact rational: 4, 0.5 (one bit every 2 steps),
/// 0.25, or 1/3. Below one bit per step a sender transmits one bit each time its credit reaches a bit.
public struct BitRate: Codable, Hashable, Sendable, CustomStringConvertible, Comparable {
    /// Bits per step = numerator / denominator, in lowest terms.
    public let numerator: Int, denominator: Int

    public init(_ numerator: Int, per denominator: Int = 1) {
        precondition(numerator > 0 && denominator > 0, "BitRate: \(numerator)/\(denominator) must be positive")
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let g = gcd(numerator, denominator)
        self.numerator = numerator / g; self.denominator = denominator / g
    }

    /// Reads "4", "0.25" or "1/4"; nil for anything else, zero or negative.
    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let slash = t.firstIndex(of: "/") {
            guard let n = Int(t[..<slash]), let d = Int(t[t.index(after: slash)...]), n > 0, d > 0 else { return nil }
            self.init(n, per: d)
        } else if let n = Int(t), n > 0 {
            self.init(n)
        } else if let v = Double(t), v > 0, v < 1, let d = [2, 3, 4, 5, 8, 10, 16, 20, 32, 64, 100, 1000].first(where: { abs(v * Double($0) - (v * Double($0)).rounded()) < 1e-9 }) {
            self.init(Int((v * Double(d)).rounded()), per: d)
        } else {
            return nil
        }
    }

    public var value: Double { Double(numerator) / Double(denominator) }
    public var description: String { denominator == 1 ? "\(numerator)" : String(format: "%g", value) }
    /// Steps a k-bit message takes alone in its queue: ⌈k / rate⌉.
    public func steps(forBits k: Int) -> Int { (k * denominator + numerator - 1) / numerator }
    public static func < (a: BitRate, b: BitRate) -> Bool { a.numerator * b.denominator < b.numerator * a.denominator }
}
