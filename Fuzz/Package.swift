// swift-tools-version: 6.0
// libFuzzer targets for every parser of SharedSpatialMemory: run them with `bash scripts/fuzz.sh TARGET SECONDS`
// (that script builds with `-sanitize=fuzzer,address`; a plain `swift build` here builds only MakeCorpus).
import PackageDescription

let fuzzTarget = { (name: String, deps: [Target.Dependency]) in
    Target.executableTarget(name: name, dependencies: ["FuzzSupport"] + deps, swiftSettings: [.unsafeFlags(["-parse-as-library"])])
}

let package = Package(
    name: "SharedSpatialMemoryFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "SharedSpatialMemory", path: "..")],
    targets: [
        .target(name: "FuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["FuzzDriver"]),
        fuzzTarget("FuzzSafeTensors", [.product(name: "Tensor", package: "SharedSpatialMemory")]),
        fuzzTarget("FuzzPNG", [.product(name: "Basics", package: "SharedSpatialMemory")]),
        fuzzTarget("FuzzDataset", [.product(name: "MazeEnv", package: "SharedSpatialMemory")]),
        fuzzTarget("FuzzWireFormats", [.product(name: "TeamSearch", package: "SharedSpatialMemory"),
                                       .product(name: "InfoBottleneck", package: "SharedSpatialMemory")]),
        fuzzTarget("FuzzConfigs", [.product(name: "GridCell", package: "SharedSpatialMemory"), .product(name: "BEV", package: "SharedSpatialMemory"),
                                   .product(name: "SocialPlaceCell", package: "SharedSpatialMemory"), .product(name: "HRLICM", package: "SharedSpatialMemory"),
                                   .product(name: "Training", package: "SharedSpatialMemory")]),
        // Writes the seed corpus (Fuzz/Corpus) from the library's own writers.
        .executableTarget(name: "MakeCorpus", dependencies: [
            .product(name: "Tensor", package: "SharedSpatialMemory"), .product(name: "MazeEnv", package: "SharedSpatialMemory"),
            .product(name: "TeamSearch", package: "SharedSpatialMemory"), .product(name: "GridCell", package: "SharedSpatialMemory"),
            .product(name: "BEV", package: "SharedSpatialMemory"), .product(name: "SocialPlaceCell", package: "SharedSpatialMemory"),
            .product(name: "HRLICM", package: "SharedSpatialMemory")]),
    ]
)
