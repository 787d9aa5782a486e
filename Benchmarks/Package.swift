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
        benchmark("ModelBenchmarks", ["EmberModel"]),
        benchmark("TSDBBenchmarks", ["EmberModel", "EmberTSDB"]),
        benchmark("ScraperBenchmarks", ["EmberModel", "EmberScraper"]),
        benchmark("PromQLBenchmarks", ["EmberModel", "EmberTSDB", "EmberPromQL"]),
        benchmark("RulesBenchmarks", ["EmberModel", "EmberPromQL", "EmberRules"]),
    ]
)

/// A package-benchmark executable in Benchmarks/<name> using Ember's `products`.
func benchmark(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [.product(name: "Benchmark", package: "benchmark")]
            + products.map { .product(name: $0, package: "ember") },
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}
