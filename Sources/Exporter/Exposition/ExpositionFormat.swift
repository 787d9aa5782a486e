/// The exposition formats the exporter can render.
public enum ExpositionFormat: Sendable, Hashable {
    /// The Prometheus text format, version 0.0.4.
    case text
    /// OpenMetrics text, version 1.0.0.
    case openMetrics

    /// The Content-Type header value for a page in this format.
    public var contentType: String {
        switch self {
        case .text: return "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: return "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Picks the format for a request's Accept header the way client_golang's
    /// promhttp does: OpenMetrics only when the client asks for it, text otherwise.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .text }
        for part in accept.split(separator: ",") {
            let mediaType = part.split(separator: ";").first.map { $0.trimmingSpaces() } ?? ""
            if mediaType.lowercased() == "application/openmetrics-text" { return .openMetrics }
        }
        return .text
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
