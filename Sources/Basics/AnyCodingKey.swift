/// A coding key made from any string: for records whose keys are data (figures named at run time).
public struct AnyCodingKey: CodingKey, Sendable {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(_ string: String) { stringValue = string }
    public init?(stringValue: String) { self.init(stringValue) }
    public init?(intValue: Int) { nil }
}
