import Model
import PromQL
import Storage

/// The input series of a test group, handed to the storage in time order and
/// never ahead of the evaluation time, as promtool's lazy loader does.
final class SampleFeed {
    private struct Point {
        var t: Timestamp
        var series: Int
        var v: Double
    }

    private let labels: [Labels]
    private let points: [Point]
    private var next = 0

    init(_ inputs: [InputSeries], start: Timestamp, interval: Int64) throws(NotationError) {
        var labels: [Labels] = []
        var points: [Point] = []
        for (index, input) in inputs.enumerated() {
            let l: Labels
            let values: [SeriesValue]
            do {
                l = try SeriesNotation.labels(input.series)
                values = try SeriesNotation.values(input.values)
            } catch {
                throw NotationError(message: "input_series[\(index)] \(goQuote(input.series)): \(error.message)")
            }
            if l.isEmpty { throw NotationError(message: "input_series[\(index)]: empty series") }
            labels.append(l)
            for (i, v) in values.enumerated() {
                let t = start + Int64(i) * interval
                switch v {
                case .omitted: continue
                case .float(let f): points.append(Point(t: t, series: index, v: f))
                case .histogram: points.append(Point(t: t, series: index, v: OpaqueHistogram.value))
                }
            }
        }
        self.labels = labels
        // Stable: equal timestamps keep series order.
        self.points = points.enumerated().sorted { a, b in
            a.element.t != b.element.t ? a.element.t < b.element.t : a.offset < b.offset
        }.map(\.element)
    }

    /// Appends every not yet appended point with timestamp <= `t`.
    func append(until t: Timestamp, to storage: any Appendable) {
        guard next < points.count, points[next].t <= t else { return }
        let app = storage.appender()
        while next < points.count, points[next].t <= t {
            let p = points[next]
            // A repeated series in the input gives duplicate timestamps; later values lose, as in a reload.
            _ = try? app.append(ref: 0, labels: labels[p.series], t: p.t, v: p.v)
            next += 1
        }
        try? app.commit()
    }
}
