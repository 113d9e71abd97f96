import ArgumentParser
import Foundation
import Tensor

@main
enum Entry {
    static func main() {
        Allocator.retainFreedMemory()
        SSM.main()
    }
}

struct SSM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssm",
        abstract: "SharedSpatialMemory: grid cells, BEV maps, social place cells and bandwidth-limited sharing.",
        discussion: "With --json, the last line of stdout is one JSON object with the result figures; progress goes to stderr.",
        subcommands: [Demo.self, Collect.self, DatasetCommand.self, Grid.self, SPC.self, IB.self, BEVCommand.self, MapCommand.self, Bench.self],
        defaultSubcommand: Demo.self)
}

/// Prints one JSON object on a single stdout line (the last line of a --json run).
func printJSON(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
    fflush(nil)
}

/// ``printJSON(_:)`` for a library result type.
func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    print(String(decoding: try! encoder.encode(value), as: UTF8.self))
    fflush(nil)
}
