import Foundation

/// A command's standard output, and the numbers metric definitions find in it.
struct CommandOutput {
    struct Problem: Error {
        let message: String
    }

    let bytes: [UInt8]
    let text: String
    /// Parsed on first use by a json_path metric, then shared.
    private var json: Result<JSONValue, Problem>?

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        text = String(decoding: bytes, as: UTF8.self)
    }

    /// The (labels, value) samples one metric definition extracts.
    mutating func samples(_ extractor: CommandCheck.Extractor) -> Result<[([LabelPair], Double)], Problem> {
        switch extractor.metric.source {
        case .number:
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let v = Double(trimmed) else { return .failure(Problem(message: "output is not a number: \(CommandCheck.excerpt(trimmed))")) }
            return .success([([], v)])
        case .regex:
            guard let regex = extractor.regex else { return .success([]) }
            return regexSamples(regex)
        case .jsonPath:
            guard let path = extractor.jsonPath else { return .success([]) }
            if json == nil {
                json = Result { try JSONValue.parse(bytes) }.mapError { _ in Problem(message: "output is not JSON") }
            }
            switch json {
            case .success(let document):
                guard let v = path.number(in: document) else { return .failure(Problem(message: "no number at \(path.text)")) }
                return .success([([], v)])
            case .failure(let problem):
                return .failure(problem)
            case nil:
                return .failure(Problem(message: "output is not JSON"))
            }
        }
    }

    /// Every match is one sample: the group named `value` (or group 1) is the number,
    /// other named groups are labels.
    private func regexSamples(_ regex: SearchRegex) -> Result<[([LabelPair], Double)], Problem> {
        let matches = regex.allCaptures(in: text)
        if matches.isEmpty { return .failure(Problem(message: "no match for \(regex.pattern)")) }
        var out: [([LabelPair], Double)] = []
        for captures in matches {
            let valueText = captures.named["value"] ?? (captures.numbered.count > 1 ? captures.numbered[1] : captures.numbered[0])
            guard let v = Double(valueText.trimmingCharacters(in: .whitespaces)) else {
                return .failure(Problem(message: "matched text is not a number: \(CommandCheck.excerpt(valueText))"))
            }
            let labels = regex.groupNames.filter { $0 != "value" }.map { LabelPair($0, captures.named[$0] ?? "") }
            out.append((labels, v))
        }
        return .success(out)
    }
}
