// swift-tools-version: 6.0
// SharedSpatialMemory: a Swift re-implementation of "Shared Spatial Memory Through Predictive Coding".
import PackageDescription

// MPI data parallelism is switched on with `SSM_MPI=1` (it needs OpenMPI: `apt-get install libopenmpi-dev
// openmpi-bin`); without it nothing here asks for MPI.
let mpi = Context.environment["SSM_MPI"] == "1"

let package = Package(
    name: "SharedSpatialMemory",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Basics", targets: ["Basics"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "MazeEnv", targets: ["MazeEnv"]),
        .library(name: "GridCell", targets: ["GridCell"]),
        .library(name: "Plotting", targets: ["Plotting"]),
        .library(name: "SocialPlaceCell", targets: ["SocialPlaceCell"]),
        .library(name: "InfoBottleneck", targets: ["InfoBottleneck"]),
        .library(name: "SpatialMemory", targets: ["SpatialMemory"]),
        .library(name: "BEV", targets: ["BEV"]),
        .library(name: "TeamSearch", targets: ["TeamSearch"]),
        .library(name: "HRLICM", targets: ["HRLICM"]),
        .library(name: "Benchmarks", targets: ["Benchmarks"]),
        .library(name: "SharedSpatialMemory", targets: ["SharedSpatialMemory"]),
        .executable(name: "ssm", targets: ["ssm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // libpng, found through pkg-config; imported with `internal import` only.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),

        // OpenBLAS and LAPACKE, loaded on first use with the kernel set chosen for this CPU (Docs/Performance.md).
        .target(name: "CBLASRuntime", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),

        // Vector kernels in C, for the hot loops where the instruction set must be chosen at run time (Swift code is
        // compiled for baseline x86-64): the LSTM cell, its recurrent products, the optimisers' updates.
        .target(name: "CKernels"),

        // What every layer shares: the seeded random generator, PNG images, atomic writes, file-format errors.
        .target(name: "Basics", dependencies: ["CPNG"]),

        // N-d Float32 tensors, reverse-mode autodiff, layers, losses, optimisers, checkpoints (re-exports Basics).
        .target(name: "Tensor", dependencies: ["Basics", "CBLASRuntime", "CKernels"]),

        // The training loop every trainer shares: run folders, resumable progress, the epoch loop, non-finite stops.
        .target(name: "Training", dependencies: ["Tensor"]),

        // A Memory-Maze-compatible multi-agent maze: generation, kinematics, rendering, ground truth, datasets.
        .target(name: "MazeEnv", dependencies: ["Basics"]),

        // Figures: SVG plots (lines, histograms), heat-map images, colour maps.
        .target(name: "Plotting", dependencies: ["Basics"]),

        // Path integration: place/head-direction targets, the LSTM network, training, gridness analysis, figures.
        .target(name: "GridCell", dependencies: ["Tensor", "Training", "MazeEnv", "Plotting"]),

        // Social place cells: the shared-LSTM network for self and partner, the probe protocol, cell types.
        .target(name: "SocialPlaceCell", dependencies: ["Tensor", "Training", "MazeEnv", "GridCell", "Plotting"]),

        // Spatial memory: local observations fused along a trajectory into an allocentric map (no perception).
        .target(name: "SpatialMemory", dependencies: ["Basics", "MazeEnv", "Plotting"]),

        // Bird's-eye-view prediction from one egocentric frame, and the episode mapping it drives.
        .target(name: "BEV", dependencies: ["Tensor", "Training", "MazeEnv", "SpatialMemory", "Plotting"]),

        // Communication: exact bit strings and codes, a bandwidth-limited channel, lossless and learned codes, map messages.
        .target(name: "InfoBottleneck", dependencies: ["Tensor", "MazeEnv", "SpatialMemory", "Plotting"]),

        // The team search task: the multi-agent environment, the agents' runtime, wire formats, methods, the sweep.
        .target(name: "TeamSearch", dependencies: ["Basics", "MazeEnv", "InfoBottleneck", "BEV", "GridCell", "Plotting"]),

        // The learned team policy: meta-controller and communication heads, curiosity, MAPPO training.
        .target(name: "HRLICM", dependencies: ["Tensor", "Training", "MazeEnv", "InfoBottleneck", "TeamSearch", "Plotting"]),

        // Benchmark suites (tensor kernels and model steps, the environment) against references in the same run.
        .target(name: "Benchmarks", dependencies: ["Basics", "Tensor", "MazeEnv", "BEV", "InfoBottleneck", "TeamSearch"]),

        // Everything above in one import, and the experiments that join the modules (the end-to-end demo).
        .target(name: "SharedSpatialMemory", dependencies: ["Tensor", "Training", "MazeEnv", "GridCell", "SocialPlaceCell", "InfoBottleneck", "BEV", "SpatialMemory", "Plotting", "TeamSearch", "HRLICM"]),

        // The command-line tool.
        .executableTarget(
            name: "ssm",
            dependencies: ["Basics", "Tensor", "Training", "MazeEnv", "GridCell", "SocialPlaceCell", "InfoBottleneck", "BEV", "SpatialMemory", "Plotting", "Benchmarks", "SharedSpatialMemory", "TeamSearch", "HRLICM", .product(name: "ArgumentParser", package: "swift-argument-parser")]
                + (mpi ? ["MPICollective"] : []),
            swiftSettings: mpi ? [.define("SSM_MPI")] : []),

        // One thin executable per paper figure.
        .executableTarget(name: "Figure2GridEmergence", dependencies: ["GridCell", "Plotting"], path: "Examples/Figure2GridEmergence"),
        .executableTarget(name: "FigureS1ALossCurves", dependencies: ["GridCell", "Plotting"], path: "Examples/FigureS1ALossCurves"),
        .executableTarget(name: "FigureSPC", dependencies: ["SocialPlaceCell", "Plotting"], path: "Examples/FigureSPC"),
        .executableTarget(name: "FigureMapReconstruction", dependencies: ["SharedSpatialMemory", "Tensor"],
                          path: "Examples/FigureMapReconstruction"),

        .executableTarget(name: "FigureBandwidthSweep", dependencies: ["TeamSearch", "HRLICM"], path: "Examples/FigureBandwidthSweep"),
        .executableTarget(name: "FigureInterventions", dependencies: ["TeamSearch"], path: "Examples/FigureInterventions"),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training"]),
        .testTarget(name: "MazeEnvTests", dependencies: ["MazeEnv"]),
        .testTarget(name: "GridCellTests", dependencies: ["GridCell", "Training"]),
        .testTarget(name: "SocialPlaceCellTests", dependencies: ["SocialPlaceCell"]),
        .testTarget(name: "InfoBottleneckTests", dependencies: ["InfoBottleneck"]),
        .testTarget(name: "SpatialMemoryTests", dependencies: ["SpatialMemory"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks"]),
        .testTarget(name: "TeamSearchTests", dependencies: ["TeamSearch"]),
        .testTarget(name: "HRLICMTests", dependencies: ["HRLICM"]),
        .testTarget(name: "BEVTests", dependencies: ["BEV", "MazeEnv", "SpatialMemory"]),
        .testTarget(name: "SharedSpatialMemoryTests", dependencies: ["SharedSpatialMemory"]),
        .testTarget(name: "HostileInputTests", dependencies: ["GridCell", "BEV", "SocialPlaceCell", "InfoBottleneck", "HRLICM", "MazeEnv", "Training"]),
    ]
)

if mpi {
    package.products.append(.library(name: "MPICollective", targets: ["MPICollective"]))
    package.targets += [
        // OpenMPI (pkg-config `ompi-c`), its macro handles wrapped in inline functions.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        // The MPI world as a `Collective`: one allreduce per training step.
        .target(name: "MPICollective", dependencies: ["Training", "CMPI"]),
    ]
}

// DocC: `bash scripts/docs.sh` builds every catalog (CI runs it); the plugin is kept out of normal builds.
if Context.environment["SSM_DOCS"] == "1" {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"))
}
