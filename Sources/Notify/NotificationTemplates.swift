import Config
import Foundation
import Template

/// Alertmanager's default templates plus the user's `templates:` files.
public struct NotificationTemplates: Sendable {
    /// The parsed templates.
    public let set: TemplateSet
    /// How many template files were read.
    public let fileCount: Int

    /// Parses the files matched by `files` (globs) over the default templates.
    public static func load(files: [String], now: @escaping @Sendable () -> Date = { Date() }) throws -> NotificationTemplates {
        var set: TemplateSet
        do {
            set = try AlertmanagerDefaultTemplates.set(functions: .alertmanager(now: { TemplateTime(date: now()) }))
        } catch {
            throw ConfigError(file: "", line: 0, column: 0, path: "templates", message: "default templates: \(error)")
        }
        var count = 0
        for pattern in files {
            for path in expandGlob(pattern) {
                let text: String
                do {
                    text = try String(contentsOfFile: path, encoding: .utf8)
                } catch {
                    throw ConfigError(file: path, line: 0, column: 0, path: "templates", message: "cannot read template file: \(error.localizedDescription)")
                }
                do {
                    try set.parse(name: (path as NSString).lastPathComponent, text: text)
                } catch {
                    throw ConfigError(file: path, line: error.line, column: error.column ?? 0, path: "templates", message: error.message)
                }
                count += 1
            }
        }
        return NotificationTemplates(set: set, fileCount: count)
    }

    /// Renders a receiver field (a template text) for `data`.
    func render(_ text: String, _ data: TemplateValue) throws(TemplateError) -> String {
        try set.executeText(text, data: data)
    }

    static func expandGlob(_ pattern: String) -> [String] { globFiles(pattern) }
}
