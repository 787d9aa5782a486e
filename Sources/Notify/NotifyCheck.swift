import Config
import Foundation
import Template

/// `ember check notify FILE`: the verdict of `amtool check-config`.
public enum NotifyCheck {
    /// The outcome: the loaded configuration, or the first problem found.
    public struct Result: Sendable {
        /// The configuration when valid.
        public var config: NotifyConfig?
        /// The located problem when invalid.
        public var error: String?
        /// What to print: amtool's SUCCESS/FAILED report.
        public var summary: String
        /// Whether the file passed.
        public var valid: Bool { error == nil }
    }

    /// Loads the file, its templates, and reports what was found.
    public static func check(file: String) -> Result {
        do {
            let config = try NotifyConfig.load(file: file)
            let templates = try NotificationTemplates.load(files: config.templateFiles)
            var lines = ["Checking '\(file)'  SUCCESS", "Found:", " - global config", " - route",
                         " - \(config.inhibitRules.count) inhibit rules", " - \(config.receivers.count) receivers",
                         " - \(templates.fileCount) templates"]
            for w in config.warnings { lines.append("warning: \(w)") }
            return Result(config: config, error: nil, summary: lines.joined(separator: "\n") + "\n")
        } catch {
            return Result(config: nil, error: "\(error)", summary: "Checking '\(file)'  FAILED: \(error)\n")
        }
    }
}
