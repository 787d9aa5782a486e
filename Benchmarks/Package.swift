// swift-tools-version:6.1
// The benchmarks live in their own package so `swift build` and `swift test`
// of Ember do not compile package-benchmark (see SWIFT-NOTES: +35 s per build).
import PackageDescription

let package = Package(
    name: "EmberBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "ember", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ModelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EmberModel", package: "ember"),
            ],
            path: "Benchmarks/ModelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TSDBBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EmberModel", package: "ember"),
                .product(name: "EmberTSDB", package: "ember"),
            ],
            path: "Benchmarks/TSDBBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ScraperBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EmberModel", package: "ember"),
                .product(name: "EmberScraper", package: "ember"),
            ],
            path: "Benchmarks/ScraperBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "PromQLBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EmberModel", package: "ember"),
                .product(name: "EmberTSDB", package: "ember"),
                .product(name: "EmberPromQL", package: "ember"),
            ],
            path: "Benchmarks/PromQLBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RulesBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EmberModel", package: "ember"),
                .product(name: "EmberPromQL", package: "ember"),
                .product(name: "EmberRules", package: "ember"),
            ],
            path: "Benchmarks/RulesBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
