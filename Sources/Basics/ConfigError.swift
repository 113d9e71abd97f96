/// A configuration value out of its range, caught before anything is allocated: names the field (as
/// `config.json` spells it) and what it must be.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let field: String, requirement: String
    public init(_ field: String, _ requirement: String) { self.field = field; self.requirement = requirement }
    public var description: String { "\(field) \(requirement)" }

    /// Throws `ConfigError(field, requirement)` unless `condition` holds.
    public static func check(_ condition: Bool, _ field: String, _ requirement: String) throws {
        if !condition { throw ConfigError(field, requirement) }
    }
}

extension ConfigError {
    /// Throws unless `value` lies in `range`, naming the field and the range.
    public static func check<T: Comparable>(_ value: T, in range: ClosedRange<T>, _ field: String) throws {
        if !range.contains(value) { throw ConfigError(field, "must be in \(range.lowerBound)…\(range.upperBound), not \(value)") }
    }

    /// Throws unless `value` is finite and in `range`.
    public static func check(_ value: Float, in range: ClosedRange<Float>, _ field: String) throws {
        if !value.isFinite || !range.contains(value) { throw ConfigError(field, "must be finite and in \(range.lowerBound)…\(range.upperBound), not \(value)") }
    }

    /// Runs `body`, prefixing the field of any `ConfigError` it throws with `prefix` and a dot (a nested configuration).
    public static func nested(_ prefix: String, _ body: () throws -> Void) throws {
        do { try body() } catch let e as ConfigError { throw ConfigError("\(prefix).\(e.field)", e.requirement) }
    }
}
