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
