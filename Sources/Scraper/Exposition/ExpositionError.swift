/// A malformed exposition: where (1-based line and byte column) and why.
///
/// The scraper fails the whole scrape on it, so the message must let a person
/// find the offending line in the target's output.
public struct ExpositionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// 1-based byte column within the line; 0 when the problem concerns the whole line
    /// or the payload (for example a missing `# EOF`).
    public var column: Int
    /// What is wrong, in a short sentence.
    public var reason: String

    /// An error at `line` (and `column`, or 0) for `reason`.
    public init(line: Int, column: Int, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        column > 0 ? "line \(line):\(column): \(reason)" : "line \(line): \(reason)"
    }
}
