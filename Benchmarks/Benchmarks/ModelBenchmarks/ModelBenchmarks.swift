import Benchmark
import Model

/// Label-set construction, hashing and matching: costs paid per series on
/// every scrape and every selector evaluation.
let benchmarks: @Sendable () -> Void = {
    let names = (0..<1000).map { "node_metric_\($0)_total" }
    let sets = names.map { Labels(["__name__": $0, "instance": "127.0.0.1:9100", "job": "node", "cpu": "3", "mode": "idle"]) }

    Benchmark("Labels.init (5 pairs)", configuration: .init(metrics: [.wallClock, .mallocCountTotal, .throughput], scalingFactor: .kilo)) { b in
        for i in b.scaledIterations {
            blackHole(Labels(["__name__": names[i % 1000], "instance": "127.0.0.1:9100", "job": "node", "cpu": "3", "mode": "idle"]))
        }
    }

    Benchmark("Labels.stableHash (5 pairs)", configuration: .init(metrics: [.wallClock, .mallocCountTotal, .throughput], scalingFactor: .kilo)) { b in
        for i in b.scaledIterations {
            blackHole(sets[i % 1000].stableHash)
        }
    }

    let literalSet = try! Matcher(.regexMatch, "__name__", "node_metric_1_total|node_metric_2_total|node_metric_3_total")
    let prefix = try! Matcher(.regexMatch, "__name__", "node_metric_1.*")
    let general = try! Matcher(.regexMatch, "__name__", "node_metric_[0-9]+_total")

    Benchmark("Matcher =~ literal set", configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .kilo)) { b in
        for i in b.scaledIterations { blackHole(literalSet.matches(names[i % 1000])) }
    }
    Benchmark("Matcher =~ prefix", configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .kilo)) { b in
        for i in b.scaledIterations { blackHole(prefix.matches(names[i % 1000])) }
    }
    Benchmark("Matcher =~ general regex", configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .kilo)) { b in
        for i in b.scaledIterations { blackHole(general.matches(names[i % 1000])) }
    }
}
