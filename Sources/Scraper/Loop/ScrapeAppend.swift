import Config
import Model
import Storage

extension ScrapeLoop {
    /// Parses a payload and appends its samples through the cache; throws (so the
    /// caller rolls back) on a malformed payload or an exceeded limit.
    func appendPayload(_ body: [UInt8], format: ExpositionFormat, to app: any Appender, at t: Timestamp,
                       metadata: inout [String: MetricMetadata]) throws -> ScrapeCounts {
        var parser = ExpositionParser(body, format: format, openMetricsSemantics: false)
        var counts = ScrapeCounts()
        let sampleLimit = settings.limits.sampleLimit
        let honorTimestamps = settings.honorTimestamps
        let trackExplicit = settings.trackTimestampsStaleness
        var presentLabels: Set<Labels>? = carriedSeries.isEmpty ? nil : []
        while let entry = try parser.next() {
            switch entry {
            case .series(_, let value, let timestamp):
                counts.scraped += 1
                let (index, isNew) = try cacheEntry(parser)
                guard let labels = cache.labels(at: index) else {
                    cache.markSeen(index, ref: 0, tracksStaleness: false)
                    continue
                }
                if isNew { counts.seriesAdded += 1 }
                counts.postRelabel += 1
                if sampleLimit > 0 && counts.postRelabel > sampleLimit {
                    throw ScrapeError("sample limit exceeded (limit: \(sampleLimit))")
                }
                let explicit = honorTimestamps ? timestamp : nil
                var ref = cache.ref(at: index)
                do {
                    ref = try app.append(ref: ref, labels: labels, t: explicit ?? t, v: value)
                } catch let error as AppendError {
                    // Out of order, duplicate or out of bounds: counted, the scrape goes on.
                    counts.rejected += 1
                    if case .invalidLabels = error { logger.debug("rejected series \(labels): \(error)") }
                }
                cache.markSeen(index, ref: ref, tracksStaleness: explicit == nil || trackExplicit)
                presentLabels?.insert(labels)
            case .type(_, let type):
                metadata[parser.metadataMetricName(), default: MetricMetadata()].type = type.rawValue
            case .help:
                metadata[parser.metadataMetricName(), default: MetricMetadata()].help = parser.helpText()
            case .unit:
                metadata[parser.metadataMetricName(), default: MetricMetadata()].unit = parser.metadataTextString()
            case .comment, .eof:
                break
            }
        }
        var stale = cache.vanishedSeries().map(\.1)
        if let present = presentLabels { stale += carriedSeries.filter { !present.contains($0) } }
        appendStaleMarkers(app, at: t, series: stale)
        return counts
    }

    /// The cache entry of the parser's current series, creating it (labels,
    /// target labels, metric relabeling, limit checks) on a miss.
    private func cacheEntry(_ parser: borrowing ExpositionParser) throws -> (Int, Bool) {
        let (found, hash) = parser.withRawSeries { raw -> (Int?, Int) in
            let hash = ScrapeCache.hash(raw)
            return (cache.find(raw, hash: hash), hash)
        }
        if let found { return (found, false) }
        let scraped = parser.labels()
        let final = settings.labeler.finalLabels(scraped)
        if let final { try checkLabels(final) }
        let index = parser.withRawSeries { raw in cache.insert(raw, hash: hash, labels: final) }
        return (index, true)
    }

    /// Name validity and the label limits, checked once per new series as Prometheus does.
    private func checkLabels(_ labels: Labels) throws {
        let name = labels.metricName
        if name.isEmpty { throw ScrapeError("__name__ label is missing") }
        if settings.validationScheme == .legacy {
            let valid = isValidLegacyMetricName(name) && labels.allSatisfy { $0.name == LabelName.metricName || isValidLegacyLabelName($0.name) }
            if !valid { throw ScrapeError("invalid metric name or label names: \(labels)") }
        }
        let limits = settings.limits
        if limits.labelLimit > 0 && labels.count > limits.labelLimit {
            throw ScrapeError("label_limit exceeded (metric: \(name), number of labels: \(labels.count), limit: \(limits.labelLimit))")
        }
        for label in labels {
            if limits.labelNameLengthLimit > 0 && label.name.utf8.count > limits.labelNameLengthLimit {
                throw ScrapeError("label_name_length_limit exceeded (metric: \(name), label name: \(label.name), length: \(label.name.utf8.count), limit: \(limits.labelNameLengthLimit))")
            }
            if limits.labelValueLengthLimit > 0 && label.value.utf8.count > limits.labelValueLengthLimit {
                throw ScrapeError("label_value_length_limit exceeded (metric: \(name), label name: \(label.name), value: \(quoteLabelValue(label.value)), length: \(label.value.utf8.count), limit: \(limits.labelValueLengthLimit))")
            }
        }
    }
}
