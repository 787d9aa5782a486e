// swift-tools-version:6.1
import Foundation
import PackageDescription

// EMBER_MODULES_ONLY=1 leaves out the HTTP server, the CLI and their tests, so
// work on a core module (TSDB, PromQL, ...) builds and tests without compiling
// the SwiftNIO stack. CI and `make` never set it.
let modulesOnly = ProcessInfo.processInfo.environment["EMBER_MODULES_ONLY"] != nil

var dependencies: [Package.Dependency] = [
    .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
]
if !modulesOnly {
    dependencies += [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ]
}

let yams: Target.Dependency = .product(name: "Yams", package: "Yams")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

var targets: [Target] = [
    // System libraries, found through pkg-config.
    .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

    // Core modules: see docs/ARCHITECTURE.md.
    .target(name: "Model"),
    .target(name: "Storage", dependencies: ["Model"]),
    .target(name: "HTTPClient", dependencies: ["CCurl", "CZlib"]),
    .target(name: "Config", dependencies: ["Model", yams]),
    // CPU instructions for the TSDB: CRC-32C (WAL records, chunk files).
    .target(name: "CIntrinsics"),
    .target(name: "TSDB", dependencies: ["Model", "Storage", "CSQLite", "CIntrinsics", logging],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
    .target(name: "Scraper", dependencies: ["Model", "Storage", "Config", "HTTPClient", logging]),
    .target(name: "PromQL", dependencies: ["Model", "Storage"]),
    .target(name: "Template", dependencies: ["Model"]),
    .target(name: "Exporter", dependencies: ["Model", "Config", "HTTPClient", yams, logging]),
    .target(name: "Rules", dependencies: ["Model", "Storage", "PromQL", "Template", "Config", "HTTPClient", yams, logging]),
    .target(name: "Notify", dependencies: ["Model", "Config", "Template", "HTTPClient", "CSQLite", yams, logging]),

    // Helpers shared by the test targets: paths, loopback HTTP, child processes.
    .target(name: "TestSupport", path: "Tests/TestSupport"),

    .testTarget(name: "ModelTests", dependencies: ["Model"]),
    .testTarget(name: "StorageTests", dependencies: ["Storage"]),
    .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient"], exclude: ["Fixtures"]),
    .testTarget(name: "ConfigTests", dependencies: ["Config"], exclude: ["Fixtures"]),
    // Child process of the TSDB crash test (appends, acknowledges, gets SIGKILLed).
    .executableTarget(name: "TSDBCrashChild", dependencies: ["TSDB", "Storage", "Model"], path: "Tests/TSDBCrashChild"),
    .testTarget(name: "TSDBTests", dependencies: ["TSDB", "TSDBCrashChild", "TestSupport"]),
    .testTarget(name: "ScraperTests", dependencies: ["Scraper", "TSDB", "PromQL", "TestSupport"]),
    .testTarget(name: "PromQLTests", dependencies: ["PromQL"]),
    .testTarget(name: "TemplateTests", dependencies: ["Template", "TestSupport"]),
    .testTarget(name: "ExporterTests", dependencies: ["Exporter"]),
    .testTarget(name: "RulesTests", dependencies: ["Rules", "TestSupport"], exclude: ["Fixtures"]),
    // Child process of the Notify crash tests (runs the notifier on a real store, gets SIGKILLed).
    .executableTarget(name: "NotifyCrashChild", dependencies: ["Notify", logging], path: "Tests/NotifyCrashChild"),
    .testTarget(name: "NotifyTests", dependencies: ["Notify", "Config", "HTTPClient", "Model", "Template", "NotifyCrashChild"],
                exclude: ["Fixtures"]),
]
if !modulesOnly {
    targets += [
        .target(name: "Server", dependencies: [
            "Model", "Storage", "Config", "TSDB", "Scraper", "PromQL", "Rules", "Notify", "Exporter", "HTTPClient", logging,
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], exclude: ["UI/Assets"]),
        .executableTarget(name: "EmberCLI", dependencies: [
            "Server", "Config", "TSDB", "Scraper", "PromQL", "Rules", "Notify", "Exporter", "HTTPClient", logging,
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "TestSupport", .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        ]),
        .testTarget(name: "EmberCLITests", dependencies: ["TestSupport"]),
    ]
}

var products: [Product] = [
    .library(name: "EmberModel", targets: ["Model", "Storage"]),
    .library(name: "EmberTSDB", targets: ["TSDB"]),
    .library(name: "EmberPromQL", targets: ["PromQL"]),
    .library(name: "EmberHTTPClient", targets: ["HTTPClient"]),
    .library(name: "EmberScraper", targets: ["Scraper"]),
    .library(name: "EmberRules", targets: ["Rules"]),
]
if !modulesOnly {
    products.append(.executable(name: "ember", targets: ["EmberCLI"]))
}

let package = Package(
    name: "ember",
    platforms: [.macOS(.v15)],
    products: products,
    dependencies: dependencies,
    targets: targets
)
