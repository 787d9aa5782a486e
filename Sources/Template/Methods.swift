/// Methods of the Go types templates see: Alertmanager's KV, Alerts and Pairs, and
/// time.Time / time.Duration. `.Alerts.Firing` and `.StartsAt.Format "..."` resolve here.
func templateMethod(_ receiver: TemplateValue, _ name: String) -> TemplateFunction? {
    switch receiver {
    case .map(let m) where m.kind == .kv: return kvMethod(m, name)
    case .list(let l) where l.kind == .alerts: return alertsMethod(l, name)
    case .list(let l) where l.kind == .pairs: return pairsMethod(l, name)
    case .time(let t): return timeMethod(t, name)
    case .duration(let d): return durationMethod(d, name)
    default: return nil
    }
}

// MARK: Alertmanager

/// KV.SortedPairs: `alertname` first, then the other names in order.
func alertmanagerSortedPairs(_ m: TemplateMap) -> [(String, String)] {
    var pairs = m.stringPairs
    if let i = pairs.firstIndex(where: { $0.0 == "alertname" }) {
        let alertname = pairs.remove(at: i)
        pairs.insert(alertname, at: 0)
    }
    return pairs
}

/// Pairs.String / KV.String: `a=1, b=2`.
func alertmanagerPairsText(_ pairs: [(String, String)]) -> String {
    pairs.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
}

func alertmanagerPairValue(_ name: String, _ value: String) -> TemplateValue {
    .object(TemplateStruct(typeName: "template.Pair", fields: [.init("Name", .string(name)), .init("Value", .string(value))]))
}

private func pairsValue(_ pairs: [(String, String)]) -> TemplateValue {
    .list(TemplateList(pairs.map { alertmanagerPairValue($0.0, $0.1) }, kind: .pairs))
}

private func kvMethod(_ m: TemplateMap, _ name: String) -> TemplateFunction? {
    switch name {
    case "SortedPairs": return TemplateFunction([]) { _ in pairsValue(alertmanagerSortedPairs(m)) }
    case "Names": return TemplateFunction([]) { _ in .strings(alertmanagerSortedPairs(m).map(\.0)) }
    case "Values": return TemplateFunction([]) { _ in .strings(alertmanagerSortedPairs(m).map(\.1)) }
    case "String": return TemplateFunction([]) { _ in .string(alertmanagerPairsText(alertmanagerSortedPairs(m))) }
    case "Remove":
        return TemplateFunction([.stringList]) { args in
            guard case .list(let keys) = args[0] else { return .map(m) }
            let drop = Set(keys.elements.map(\.printed))
            return .map(TemplateMap(sortedUnchecked: m.entries.filter { !drop.contains($0.key) }.map { ($0.key, $0.value) }, kind: .kv))
        }
    default: return nil
    }
}

private func alertsMethod(_ l: TemplateList, _ name: String) -> TemplateFunction? {
    @Sendable func filter(_ status: String) -> TemplateValue {
        let matching = l.elements.filter { element in
            guard case .object(let s) = element, case .string(let st)? = s.field("Status") else { return false }
            return st == status
        }
        return .list(TemplateList(matching, kind: .alertSlice))
    }
    switch name {
    case "Firing": return TemplateFunction([]) { _ in filter("firing") }
    case "Resolved": return TemplateFunction([]) { _ in filter("resolved") }
    default: return nil
    }
}

private func pairsMethod(_ l: TemplateList, _ name: String) -> TemplateFunction? {
    switch name {
    case "Names": return TemplateFunction([]) { _ in .strings(l.elements.map { pairStrings($0).0 }) }
    case "Values": return TemplateFunction([]) { _ in .strings(l.elements.map { pairStrings($0).1 }) }
    case "String": return TemplateFunction([]) { _ in .string(alertmanagerPairsText(l.elements.map(pairStrings))) }
    default: return nil
    }
}

// MARK: time.Time and time.Duration

private func timeMethod(_ t: TemplateTime, _ name: String) -> TemplateFunction? {
    let civil: @Sendable () -> CivilTime = { CivilTime(unixSeconds: t.seconds, offset: t.zone.lookup(t.seconds).offset) }
    switch name {
    case "Format": return TemplateFunction([.string]) { .string(t.format($0[0].printed)) }
    case "String": return TemplateFunction([]) { _ in .string(t.description) }
    case "Unix": return TemplateFunction([]) { _ in .int(Int(t.seconds)) }
    case "UnixMilli": return TemplateFunction([]) { _ in .int(Int(t.seconds) &* 1000 &+ Int(t.nanoseconds) / 1_000_000) }
    case "UnixMicro": return TemplateFunction([]) { _ in .int(Int(t.seconds) &* 1_000_000 &+ Int(t.nanoseconds) / 1000) }
    case "UnixNano": return TemplateFunction([]) { _ in .int(Int(t.unixNano ?? 0)) }
    case "UTC": return TemplateFunction([]) { _ in .time(TemplateTime(seconds: t.seconds, nanoseconds: t.nanoseconds, zone: .utc)) }
    case "Local":
        return TemplateFunction([]) { _ in
            .time(TemplateTime(seconds: t.seconds, nanoseconds: t.nanoseconds, zone: (try? TemplateZone.load("Local")) ?? .utc))
        }
    case "IsZero": return TemplateFunction([]) { _ in .bool(t.isZero) }
    case "Year": return TemplateFunction([]) { _ in .int(civil().year) }
    case "Month": return TemplateFunction([]) { _ in .string(longMonthNames[civil().month - 1]) }
    case "Day": return TemplateFunction([]) { _ in .int(civil().day) }
    case "Hour": return TemplateFunction([]) { _ in .int(civil().hour) }
    case "Minute": return TemplateFunction([]) { _ in .int(civil().minute) }
    case "Second": return TemplateFunction([]) { _ in .int(civil().second) }
    case "Nanosecond": return TemplateFunction([]) { _ in .int(Int(t.nanoseconds)) }
    case "YearDay": return TemplateFunction([]) { _ in .int(civil().yearDay) }
    case "Weekday": return TemplateFunction([]) { _ in .string(longDayNames[civil().weekday]) }
    case "Add":
        return TemplateFunction([.named("time.Duration")]) { args in
            guard case .duration(let d) = args[0] else { return .time(t) }
            return .time(t.adding(nanoseconds: d.nanoseconds))
        }
    case "Sub":
        return TemplateFunction([.named("time.Time")]) { args in
            guard case .time(let other) = args[0] else { return .duration(TemplateDuration(nanoseconds: 0)) }
            return .duration(TemplateDuration(nanoseconds: t.nanosecondsSince(other)))
        }
    case "Before", "After", "Equal":
        return TemplateFunction([.named("time.Time")]) { args in
            guard case .time(let other) = args[0] else { return .bool(false) }
            let diff = t.nanosecondsSince(other)
            return .bool(name == "Before" ? diff < 0 : name == "After" ? diff > 0 : diff == 0)
        }
    default: return nil
    }
}

private func durationMethod(_ d: TemplateDuration, _ name: String) -> TemplateFunction? {
    switch name {
    case "String": return TemplateFunction([]) { _ in .string(d.description) }
    case "Seconds": return TemplateFunction([]) { _ in .float(d.seconds) }
    case "Minutes": return TemplateFunction([]) { _ in .float(d.seconds / 60) }
    case "Hours": return TemplateFunction([]) { _ in .float(d.seconds / 3600) }
    case "Milliseconds": return TemplateFunction([]) { _ in .int(Int(d.nanoseconds / 1_000_000)) }
    case "Microseconds": return TemplateFunction([]) { _ in .int(Int(d.nanoseconds / 1000)) }
    case "Nanoseconds": return TemplateFunction([]) { _ in .int(Int(d.nanoseconds)) }
    case "Abs": return TemplateFunction([]) { _ in .duration(TemplateDuration(nanoseconds: d.nanoseconds == Int64.min ? Int64.max : abs(d.nanoseconds))) }
    case "Round", "Truncate":
        return TemplateFunction([.named("time.Duration")]) { args in
            guard case .duration(let m) = args[0], m.nanoseconds > 0 else { return .duration(d) }
            var r = d.nanoseconds % m.nanoseconds
            if name == "Truncate" { return .duration(TemplateDuration(nanoseconds: d.nanoseconds - r)) }
            if d.nanoseconds < 0 {
                r = -r
                return .duration(TemplateDuration(nanoseconds: r + r < m.nanoseconds ? d.nanoseconds + r : d.nanoseconds + r - m.nanoseconds))
            }
            return .duration(TemplateDuration(nanoseconds: r + r < m.nanoseconds ? d.nanoseconds - r : d.nanoseconds + m.nanoseconds - r))
        }
    default: return nil
    }
}
