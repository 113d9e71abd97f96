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

/// Prints one JSON object on a single stdout line (GUIDE §1: the last line of a --json run).
func printJSON(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
    fflush(nil)
}

/// Progress lines on stderr: step, loss, rate and ETA, for a run bounded by steps or by seconds.
struct Progress {
    enum Budget { case steps(Int), seconds(Double) }
    let budget: Budget
    let start = Date()

    func report(step: Int, loss: Float) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(step) / max(elapsed, 1e-9)
        let (of, eta): (String, Double) = switch budget {
        case .steps(let n): ("/\(n)", rate > 0 ? Double(n - step) / rate : 0)
        case .seconds(let s): ("", max(0, s - elapsed))
        }
        let line = String(format: "step %d%@  loss %.5f  %.1f steps/s  ETA %.0fs\n", step, of, loss, rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
