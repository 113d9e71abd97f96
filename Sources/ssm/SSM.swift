import ArgumentParser
import Foundation
import HRLICM
import Tensor
import Training
#if SSM_MPI
import MPICollective
#endif

@main
enum Entry {
    static func main() {
        Allocator.retainFreedMemory()
        HRLMethods.registerShipped()      // `hrlicm` and its ablations become methods when their models are shipped
        // A global flag, valid with every command: models whose weights hold NaN or infinity load anyway.
        var arguments = Array(CommandLine.arguments.dropFirst())
        if let i = arguments.firstIndex(of: SSM.allowNonFiniteFlag) {
            arguments.remove(at: i)
            Checkpoint.acceptsNonFinite = true
        }
        do {
            var command = try SSM.parseAsRoot(arguments)
            try command.run()
        } catch {
            SSM.exit(withError: FileFormatError.plain(error))   // a file error names the file and the system's reason
        }
    }
}

struct SSM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssm",
        abstract: "SharedSpatialMemory: grid cells, BEV maps, social place cells and bandwidth-limited sharing.",
        discussion: """
            With --json, the last line of stdout is one JSON object with the result figures; progress goes to stderr.
            Checkpoints whose weights hold NaN or infinity are refused, naming the tensor; \(allowNonFiniteFlag), given \
            anywhere on the command line, loads them anyway (to inspect a diverged run).
            """,
        subcommands: [Demo.self, Reproduce.self, Collect.self, DatasetCommand.self, Grid.self, SPC.self, IB.self, BEVCommand.self, MapCommand.self, Team.self, Sweep.self, HRL.self, Bench.self],
        defaultSubcommand: Demo.self)

    static let allowNonFiniteFlag = "--allow-non-finite"
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

/// A result as one JSON line, or as its description.
func report<T: Encodable & CustomStringConvertible>(_ result: T, json: Bool) {
    if json { printJSON(result) } else { print(result) }
}

/// A library configuration check as a usage error (the field named as `config.json` spells it).
func checkConfig(_ check: () throws -> Void) throws {
    do { try check() } catch let e as ConfigError { throw ValidationError("invalid configuration: \(e)") }
}

/// Trains with progress on stderr, then prints where the run is (one JSON line with `json`). In a data-parallel
/// run only member 0 speaks.
func runTraining<T: Trainer>(_ trainer: T, name: String, json: Bool, collective: Collective = SingleProcess()) throws {
    let speaks = collective.rank == 0
    if speaks {
        let members = collective.size > 1 ? " on \(collective.size) processes" : ""
        stderr("\(name): training into \(trainer.folder.url.path)\(members) from epoch \(trainer.epoch) (step \(trainer.step))\n")
    }
    let outcome = try trainer.trainLogging(showsProgress: speaks) { if speaks { stderr($0) } }
    guard speaks else { return }
    #if SSM_MPI
    if let world = collective as? MPICollective, world.size > 1 {
        stderr(String(format: "\(name): %.2f s in MPI collectives on rank 0 (%.2f ms per step)\n", world.communicationSeconds,
                      1000 * world.communicationSeconds / Double(max(outcome.step, 1))))
    }
    #endif
    if json { printJSON(outcome) } else { print("\(name): \(outcome.epoch) epochs, \(outcome.step) steps; checkpoints in \(outcome.runFolder)/checkpoints") }
}

/// The processes this command runs on: the MPI world in a build with `SSM_MPI=1` started by `mpirun`, one process
/// otherwise.
func trainingCollective() -> Collective {
    #if SSM_MPI
    return MPICollective.world()
    #else
    return SingleProcess()
    #endif
}

/// Writes to stderr (progress; stdout is for results).
func stderr(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
