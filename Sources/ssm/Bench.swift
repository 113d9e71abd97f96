import ArgumentParser
import Benchmarks
import Foundation
import Tensor

/// `ssm bench <suite>`: timings against a reference in the same run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a benchmark suite; one JSON line per case, then a summary line.",
        subcommands: [TensorSuite.self, MazeSuite.self, TeamSuite.self])
}

/// What both suites print: JSON lines (the contract) or a table.
struct BenchOutput: ParsableArguments {
    @Flag(help: "Print JSON lines (the contract); otherwise a table.") var json = false

    func emit(_ row: BenchmarkRow) { if json { printJSON(row) } else { print(row.tableLine) } }
    /// The table's caption: the machine every row ran on (JSON rows carry it themselves).
    func begin() { if !json { print(BenchmarkMachine.current.summary) } }
    func finish(_ summary: BenchmarkSummary) { if json { printJSON(summary) } }
}

struct TensorSuite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensor",
        abstract: "matmul against raw cblas_sgemm; the grid-cell training step and BEV encoder step against PyTorch.")

    @OptionGroup var output: BenchOutput
    @Flag(help: "Also run the PyTorch reference scripts (needs python3 with torch).") var reference = false
    @Option(help: "Python interpreter for --reference.") var python = "python3"
    @Option(help: "BLAS (and torch) threads; 0 keeps OpenBLAS's default.") var threads = 0
    @Option(help: "Timed repetitions per case (median reported).") var repetitions = 15
    @Option(help: "Comma-separated cases to run (default: all).") var cases: String?

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
        guard threads >= 0 else { throw ValidationError("--threads must be ≥ 0") }
        for c in cases?.split(separator: ",") ?? [] where !TensorBenchmarks.cases.contains(String(c)) {
            throw ValidationError("--cases: unknown case '\(c)' (known: \(TensorBenchmarks.cases.joined(separator: ", ")))")
        }
    }

    func run() throws {
        if threads > 0 { BLAS.setThreadCount(threads) }
        var suite = TensorBenchmarks()
        suite.repetitions = repetitions
        suite.selected = cases.map { Set($0.split(separator: ",").map(String.init)) }
        suite.referencePython = reference ? python : nil
        output.begin()
        output.finish(suite.run(log: { stderr($0 + "\n") }, emit: output.emit))
    }
}

struct MazeSuite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maze",
        abstract: "Agent steps per second with and without a rendered 64×64 view, BEV ground truth per frame.",
        discussion: "With --reference, the real Memory-Maze (MuJoCo, OSMesa) runs step_render_64 in the same invocation "
            + "through Benchmarks/reference/memory_maze_step.py and --memory-maze-python.")

    @OptionGroup var output: BenchOutput
    @Flag(help: "Also run the real Memory-Maze reference (needs a python with memory-maze; see the script).") var reference = false
    @Option(help: "Python interpreter with memory-maze installed, for --reference.") var memoryMazePython = "/opt/mmenv/bin/python"
    @Option(help: "Timed repetitions per case (median reported).") var repetitions = 7

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() throws {
        var suite = MazeBenchmarks()
        suite.repetitions = repetitions
        suite.referencePython = reference ? memoryMazePython : nil
        output.begin()
        output.finish(try suite.run(log: { stderr($0 + "\n") }, emit: output.emit))
    }
}

struct TeamSuite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "team", abstract: "Milliseconds per episode of each team method (15×15, two agents, 4 bits per step, one thread), and agent-steps/s of event under learned perception.")

    @OptionGroup var output: BenchOutput
    @Option(help: "Episodes per repetition.") var episodes = 100

    func validate() throws { guard episodes > 0 else { throw ValidationError("--episodes must be positive") } }

    func run() throws {
        var suite = TeamBenchmarks()
        suite.episodes = episodes
        output.begin()
        output.finish(try suite.run(emit: output.emit))
    }
}
