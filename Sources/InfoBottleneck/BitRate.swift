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

    /// The largest numerator or denominator read from text or JSON (so no count of steps or bits overflows).
    public static let maxTerm = 1_000_000

    /// Reads "4", "0.25" or "1/4"; nil for anything else, zero, negative, or with a term above ``maxTerm``.
    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        let range = 1...Self.maxTerm
        if let slash = t.firstIndex(of: "/") {
            guard let n = Int(t[..<slash]), let d = Int(t[t.index(after: slash)...]), range.contains(n), range.contains(d) else { return nil }
            self.init(n, per: d)
        } else if let n = Int(t), range.contains(n) {
            self.init(n)
        } else if let v = Double(t), v > 0, v < 1, let d = [2, 3, 4, 5, 8, 10, 16, 20, 32, 64, 100, 1000].first(where: { abs(v * Double($0) - (v * Double($0)).rounded()) < 1e-9 }),
                  (v * Double(d)).rounded() >= 1 {
            self.init(Int((v * Double(d)).rounded()), per: d)
        } else {
            return nil
        }
    }

    enum CodingKeys: String, CodingKey { case numerator, denominator }

    /// Decodes `{"numerator": n, "denominator": d}`, refusing terms outside 1…``maxTerm``.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let n = try c.decode(Int.self, forKey: .numerator), d = try c.decode(Int.self, forKey: .denominator)
        guard (1...Self.maxTerm).contains(n), (1...Self.maxTerm).contains(d) else {
            throw DecodingError.dataCorruptedError(forKey: .numerator, in: c, debugDescription: "a bit rate's terms must be in 1…\(Self.maxTerm), not \(n)/\(d)")
        }
        self.init(n, per: d)
    }

    public var value: Double { Double(numerator) / Double(denominator) }
    public var description: String { denominator == 1 ? "\(numerator)" : String(format: "%g", value) }
    /// Steps a k-bit message takes alone in its queue: ⌈k / rate⌉.
    public func steps(forBits k: Int) -> Int { (k * denominator + numerator - 1) / numerator }
    public static func < (a: BitRate, b: BitRate) -> Bool { a.numerator * b.denominator < b.numerator * a.denominator }
}
