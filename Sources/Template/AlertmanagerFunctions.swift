import Foundation

extension TemplateFunctions {
    /// Alertmanager's DefaultFuncs (alertmanager/template/template.go): `toUpper`,
    /// `toLower`, `title`, `trimSpace`, `join`, `match`, `safeHtml`, `safeUrl`,
    /// `urlUnescape`, `reReplaceAll`, `stringSlice`, `date`, `tz`, `since`,
    /// `humanizeDuration` and `toJson`.
    ///
    /// - Parameter now: the clock `since` measures against.
    public static func alertmanager(now: @escaping @Sendable () -> TemplateTime = { TemplateTime(date: Date()) }) -> TemplateFunctions {
        var f = TemplateFunctions()
        let time = TemplateParameterType.named("time.Time")
        f["toUpper"] = TemplateFunction([.string]) { .string(GoStrings.toUpper($0[0].printed)) }
        f["toLower"] = TemplateFunction([.string]) { .string(GoStrings.toLower($0[0].printed)) }
        f["title"] = TemplateFunction([.string]) { .string(GoStrings.title($0[0].printed, keepRest: false)) }
        f["trimSpace"] = TemplateFunction([.string]) { .string(GoStrings.trimSpace($0[0].printed)) }
        f["join"] = TemplateFunction([.string, .stringList]) { args in
            guard case .list(let l) = args[1] else { return .string("") }
            return .string(l.elements.map(\.printed).joined(separator: args[0].printed))
        }
        f["match"] = TemplateFunctions.match
        f["safeHtml"] = TemplateFunction([.string]) { $0[0] }
        f["safeUrl"] = TemplateFunction([.string]) { $0[0] }
        f["urlUnescape"] = TemplateFunction([.string]) { .string(try Builtins.queryUnescape($0[0].printed).get()) }
        f["reReplaceAll"] = TemplateFunctions.reReplaceAll
        f["stringSlice"] = TemplateFunction([], variadic: .string) { .list(TemplateList($0, kind: .strings)) }
        f["date"] = TemplateFunction([.string, time]) { args in
            guard case .time(let t) = args[1] else { return .string("") }
            return .string(t.format(args[0].printed))
        }
        f["tz"] = TemplateFunction([.string, time]) { args in
            guard case .time(let t) = args[1] else { return .null }
            let zone: TemplateZone
            do {
                zone = try TemplateZone.load(args[0].printed)
            } catch {
                throw TemplateFunctionError("\(error)")
            }
            return .time(TemplateTime(seconds: t.seconds, nanoseconds: t.nanoseconds, zone: zone))
        }
        f["since"] = TemplateFunction([time]) { args in
            guard case .time(let t) = args[0] else { return .duration(TemplateDuration(nanoseconds: 0)) }
            return .duration(TemplateDuration(nanoseconds: now().nanosecondsSince(t)))
        }
        f["humanizeDuration"] = TemplateFunctions.humanizeDuration
        f["toJson"] = TemplateFunction([.any]) { .string(try GoJSON.encode($0[0])) }
        return f
    }
}
