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
    ]
}

let yams: Target.Dependency = .product(name: "Yams", package: "Yams")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

var targets: [Target] = [
    // System libraries, found through pkg-config.
    .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

    // Core modules: see docs/ARCHITECTURE.md.
    .target(name: "Model"),
    .target(name: "Storage", dependencies: ["Model"]),
    .target(name: "HTTPClient", dependencies: ["CCurl"]),
    .target(name: "Config", dependencies: ["Model", yams]),
    .target(name: "TSDB", dependencies: ["Model", "Storage", "CSQLite", logging]),
    .target(name: "Scraper", dependencies: ["Model", "Storage", "Config", "HTTPClient", logging]),
    .target(name: "PromQL", dependencies: ["Model", "Storage"]),
    .target(name: "Rules", dependencies: ["Model", "Storage", "PromQL", "Config", yams, logging]),
    .target(name: "Notify", dependencies: ["Model", "Config", "HTTPClient", "CSQLite", yams, logging]),
    .target(name: "Exporter", dependencies: ["Model", "Config", yams, logging]),

    .testTarget(name: "ModelTests", dependencies: ["Model"]),
    .testTarget(name: "StorageTests", dependencies: ["Storage"]),
    .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient"]),
    .testTarget(name: "ConfigTests", dependencies: ["Config"]),
    // Child process of the TSDB crash test (appends, acknowledges, gets SIGKILLed).
    .executableTarget(name: "TSDBCrashChild", dependencies: ["TSDB", "Storage", "Model"], path: "Tests/TSDBCrashChild"),
    .testTarget(name: "TSDBTests", dependencies: ["TSDB", "TSDBCrashChild"]),
    .testTarget(name: "ScraperTests", dependencies: ["Scraper", "TSDB"]),
    .testTarget(name: "PromQLTests", dependencies: ["PromQL"]),
    .testTarget(name: "RulesTests", dependencies: ["Rules"]),
    .testTarget(name: "NotifyTests", dependencies: ["Notify"]),
    .testTarget(name: "ExporterTests", dependencies: ["Exporter"]),
]
if !modulesOnly {
    targets += [
        .target(name: "Server", dependencies: [
            "Model", "Storage", "Config", "TSDB", "Scraper", "PromQL", "Rules", "Notify", "Exporter", logging,
            .product(name: "Hummingbird", package: "hummingbird"),
        ], resources: [.copy("Assets")]),
        .executableTarget(name: "EmberCLI", dependencies: [
            "Server", "Config", "TSDB", "Scraper", "PromQL", "Rules", "Notify", "Exporter", "HTTPClient", logging,
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "HTTPClient"]),
        .testTarget(name: "EmberCLITests", dependencies: ["EmberCLI"]),
    ]
}

var products: [Product] = [
    .library(name: "EmberModel", targets: ["Model", "Storage"]),
    .library(name: "EmberTSDB", targets: ["TSDB"]),
    .library(name: "EmberPromQL", targets: ["PromQL"]),
    .library(name: "EmberHTTPClient", targets: ["HTTPClient"]),
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
