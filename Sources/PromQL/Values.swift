import Model

/// Marks "no value at this step" inside per-step value arrays. It is a
/// signalling NaN payload that arithmetic never produces (arithmetic quiets
/// NaNs), so it cannot collide with a computed value; code checks it before computing.
let absentBits: UInt64 = 0x7ff4_0000_0000_0bad
let absentValue = Double(bitPattern: absentBits)

@inline(__always) func isAbsent(_ v: Double) -> Bool { v.bitPattern == absentBits }

/// A native-histogram sample whose buckets Ember cannot represent. Ember's
/// storage holds floats only; a storage (such as the test-script loader) may
/// write this NaN payload where a native histogram was, so the engine still
/// knows a histogram sample is present: selectors return it, float functions
/// skip it, and aggregations and operators annotate it as Prometheus does.
public enum OpaqueHistogram {
    /// The NaN payload that marks an opaque histogram sample.
    public static let bits: UInt64 = 0x7ff0_0000_0000_0003
    /// The marker as a Double.
    public static let value = Double(bitPattern: bits)
    @inline(__always) public static func isMarker(_ v: Double) -> Bool { v.bitPattern == bits }
}

/// Absent or an opaque histogram: not a float sample.
@inline(__always) func isNotFloat(_ v: Double) -> Bool {
    v.bitPattern == absentBits || v.bitPattern == OpaqueHistogram.bits
}

/// Bound on timestamps, durations and offsets (about 300,000 years, in
/// seconds) so that sums of a few of them in ms can never overflow Int64.
let maxTimeSeconds = 1e13

/// The evaluation times of one (sub)query: `start + i * interval` for `i < count`.
struct StepGrid: Equatable {
    var start: Int64
    var end: Int64
    var interval: Int64
    var count: Int

    init(start: Int64, end: Int64, interval: Int64) {
        self.start = start
        self.end = end
        self.interval = max(interval, 1)
        count = end < start ? 0 : Int((end - start) / self.interval) + 1
    }

    @inline(__always) func time(_ i: Int) -> Int64 { start + Int64(i) * interval }
}

/// An instant vector evaluated at every step: one value slot per step.
struct StepSeries {
    var labels: Labels
    var values: [Double]
    /// Delayed `__name__` removal: the name is dropped at the end of evaluation.
    var dropName: Bool

    var hasAnyValue: Bool { values.contains { !isAbsent($0) } }
}

/// Raw samples of one series (a range vector).
struct RawSeries {
    var labels: Labels
    var ts: [Int64]
    var vs: [Double]
    var dropName = false
    /// Timestamps of opaque native-histogram samples, kept apart from the floats.
    var hts: [Int64] = []
}

/// The result of evaluating a node.
enum EvalValue {
    case scalar([Double])
    case vector([StepSeries])
    case string(String)
    /// Only for range-vector expressions evaluated as a whole (instant queries).
    case matrix([RawSeries])

    var vectorValue: [StepSeries] {
        if case .vector(let v) = self { return v }
        return []
    }

    var scalarValue: [Double] {
        if case .scalar(let s) = self { return s }
        return []
    }
}

/// Collects annotations without duplicates, in order of first occurrence.
final class AnnotationSet {
    private(set) var list: [Annotation] = []
    private var seen: Set<Annotation> = []
    let query: String

    init(query: String) { self.query = query }

    func add(_ kind: Annotation.Kind, _ message: String, _ position: PositionRange) {
        let (line, col) = lineColumn(of: position.start, in: query)
        let a = Annotation(kind: kind, message: message, position: position, line: line, column: col)
        if seen.insert(a).inserted { list.append(a) }
    }
}
