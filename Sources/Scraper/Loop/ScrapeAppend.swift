import Config
import Model
import Storage

extension ScrapeLoop {
    /// Parses a payload and appends its samples through the cache; throws (so the
    /// caller rolls back) on a malformed payload or an exceeded limit.
    /// `metadataChange` gets the payload's metadata when it differs from the
    /// last accepted scrape's (see `ScrapeMetadata`).
    func appendPayload(_ body: [UInt8], format: ExpositionFormat, to app: any Appender, at t: Timestamp,
                       metadataChange: inout [String: MetricMetadata]?) throws -> ScrapeCounts {
        var parser = ExpositionParser(body, format: format, openMetricsSemantics: false)
        metadata.begin(format: format)
        // Series bytes the cache holds were checked when new: only misses are checked.
        parser.defersSeriesCheck = true
        var counts = ScrapeCounts()
        let sampleLimit = settings.limits.sampleLimit
        let honorTimestamps = settings.honorTimestamps
        let trackExplicit = settings.trackTimestampsStaleness
        var presentLabels: Set<Labels>? = carriedSeries.isEmpty ? nil : []
        while let entry = try parser.next() {
            switch entry {
            case .series(_, let value, let timestamp):
                counts.scraped += 1
                let (index, newLabels) = try cacheEntry(&parser)
                if cache.isDropped(index) {
                    cache.markSeen(index, ref: 0, tracksStaleness: false)
                    continue
                }
                if newLabels != nil { counts.seriesAdded += 1 }
                counts.postRelabel += 1
                if sampleLimit > 0 && counts.postRelabel > sampleLimit {
                    throw ScrapeError("sample limit exceeded (limit: \(sampleLimit))")
                }
                let explicit = honorTimestamps ? timestamp : nil
                let ref = try appendSample(app, entry: index, labels: newLabels, t: explicit ?? t, v: value, counts: &counts)
                cache.markSeen(index, ref: ref, tracksStaleness: explicit == nil || trackExplicit)
                if presentLabels != nil, let labels = newLabels ?? finalLabels(ofEntry: index) { presentLabels?.insert(labels) }
            case .type, .help, .unit:
                metadata.record(entry, of: parser)
            case .comment, .eof:
                break
            }
        }
        metadataChange = metadata.changes(parser)
        appendStaleMarkers(app, at: t, entries: cache.vanishedEntries())
        if let present = presentLabels { appendStaleMarkers(app, at: t, series: carriedSeries.filter { !present.contains($0) }) }
        return counts
    }

    /// Appends one sample of a cached series: by ref alone once the storage gave
    /// one, with labels (new, held or re-derived) otherwise or when the storage
    /// no longer knows the ref. Returns the series's ref (0 when the sample was
    /// rejected before the storage named one). An `AppendError` (out of order,
    /// duplicate, out of bounds, invalid labels) is counted and the scrape goes
    /// on; any other error fails the scrape.
    @inline(__always)
    private func appendSample(_ app: any Appender, entry index: Int, labels: Labels?, t: Timestamp, v: Double,
                              counts: inout ScrapeCounts) throws -> SeriesRef {
        var ref = cache.ref(at: index)
        if ref != 0 && labels == nil {
            do {
                // An empty label set is unusable, so a storage that forgot the ref rejects it as invalid labels.
                return try app.append(ref: ref, labels: Self.noLabels, t: t, v: v)
            } catch AppendError.invalidLabels {
                ref = 0
            } catch is AppendError {
                counts.rejected += 1
                return ref
            }
        }
        guard let labels = labels ?? finalLabels(ofEntry: index) else {
            counts.rejected += 1
            return 0
        }
        do {
            ref = try app.append(ref: ref, labels: labels, t: t, v: v)
        } catch let error as AppendError {
            counts.rejected += 1
            if case .invalidLabels = error { logger.debug("rejected series \(labels): \(error)") }
        }
        if ref == 0 { cache.hold(labels, at: index) }
        return ref
    }

    /// The final labels of a cache entry (nil: dropped by metric relabeling):
    /// held ones, or re-derived from the raw key through the same parse and
    /// relabeling as a cache miss.
    func finalLabels(ofEntry index: Int) -> Labels? {
        if cache.isDropped(index) { return nil }
        if let held = cache.heldLabels(at: index) { return held }
        guard let scraped = cache.withKey(at: index, { ExpositionParser.labels(ofRawSeries: $0) }) else { return nil }
        return settings.labeler.finalLabels(scraped)
    }

    /// Staleness markers for cache entries: by ref where the storage still knows
    /// it, by re-derived labels where not.
    func appendStaleMarkers(_ app: any Appender, at t: Timestamp, entries: [Int]) {
        for index in entries {
            let ref = cache.ref(at: index)
            if ref != 0 {
                do {
                    _ = try app.append(ref: ref, labels: Self.noLabels, t: t, v: StaleNaN.value)
                    continue
                } catch AppendError.invalidLabels {
                    // The storage forgot the ref: mark the series by its labels below.
                } catch {
                    // Out of order just means newer data exists: nothing to mark.
                    continue
                }
            }
            guard let labels = finalLabels(ofEntry: index) else { continue }
            _ = try? app.append(ref: 0, labels: labels, t: t, v: StaleNaN.value)
        }
    }

    /// The label set passed with a known ref: the storage needs none then.
    static let noLabels = Labels()

    /// The cache entry of the parser's current series, creating it (series
    /// check, labels, target labels, metric relabeling, limit checks) on a miss.
    /// The final labels come back for a new, not dropped series.
    private func cacheEntry(_ parser: inout ExpositionParser) throws -> (index: Int, newLabels: Labels?) {
        let (found, hash) = parser.withRawSeries { raw -> (Int?, Int) in
            if let hit = cache.lookup(raw) { return (hit, 0) }
            return (nil, ScrapeCache.hash(raw))
        }
        let openMetrics = parser.format == .openMetrics
        if let found {
            if openMetrics && !cache.isCheckedAsOpenMetrics(found) {
                try parser.checkSeries()
                cache.markCheckedAsOpenMetrics(found)
            }
            return (found, nil)
        }
        try parser.checkSeries()
        let scraped = parser.labels()
        let final = settings.labeler.finalLabels(scraped)
        if let final { try checkLabels(final) }
        guard let index = parser.withRawSeries({ raw in try? cache.insert(raw, hash: hash, dropped: final == nil) }) else {
            throw ScrapeError("the scrape cache cannot hold more series for this target (\(cache.count) series)")
        }
        if openMetrics { cache.markCheckedAsOpenMetrics(index) }
        return (index, final)
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
