import Model

/// One alert as Alertmanager's notification templates see it (template.Alert).
public struct AlertmanagerTemplateAlert: Sendable, Equatable {
    /// "firing" or "resolved".
    public var status: String
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: TemplateTime
    /// Go's zero time when unset.
    public var endsAt: TemplateTime
    public var generatorURL: String
    /// 16 hex digits of the label set's fingerprint.
    public var fingerprint: String

    /// - Parameter fingerprint: defaults to Alertmanager's fingerprint of `labels`.
    public init(
        status: String, labels: [String: String], annotations: [String: String] = [:], startsAt: TemplateTime,
        endsAt: TemplateTime = .zero, generatorURL: String = "", fingerprint: String? = nil
    ) {
        self.status = status
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
        self.fingerprint = fingerprint ?? Self.fingerprint(of: labels)
    }

    /// prometheus/common's LabelSet fingerprint (FNV-1a over sorted pairs) as `%016x`.
    public static func fingerprint(of labels: [String: String]) -> String {
        hexString(Labels(labels).stableHash, width: 16)
    }

    /// A `template.Alert` struct.
    public var templateValue: TemplateValue {
        .object(
            TemplateStruct(
                typeName: "template.Alert",
                fields: [
                    .init("Status", .string(status), json: "status"),
                    .init("Labels", kvValue(labels), json: "labels"),
                    .init("Annotations", kvValue(annotations), json: "annotations"),
                    .init("StartsAt", .time(startsAt), json: "startsAt"),
                    .init("EndsAt", .time(endsAt), json: "endsAt"),
                    .init("GeneratorURL", .string(generatorURL), json: "generatorURL"),
                    .init("Fingerprint", .string(fingerprint), json: "fingerprint"),
                ]))
    }
}

/// The data of one notification (template.Data): what `.Receiver`, `.Status`,
/// `.Alerts`, `.GroupLabels`, `.CommonLabels`, `.CommonAnnotations` and `.ExternalURL` read.
public struct AlertmanagerTemplateData: Sendable, Equatable {
    public var receiver: String
    public var status: String
    public var alerts: [AlertmanagerTemplateAlert]
    public var groupLabels: [String: String]
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    public var externalURL: String

    public init(
        receiver: String, status: String, alerts: [AlertmanagerTemplateAlert], groupLabels: [String: String],
        commonLabels: [String: String], commonAnnotations: [String: String], externalURL: String
    ) {
        self.receiver = receiver
        self.status = status
        self.alerts = alerts
        self.groupLabels = groupLabels
        self.commonLabels = commonLabels
        self.commonAnnotations = commonAnnotations
        self.externalURL = externalURL
    }

    /// Assembles the data as Alertmanager's Template.Data does: the receiver name
    /// regexp-quoted, status "firing" when any alert fires, and the labels and
    /// annotations every alert shares.
    public init(receiverName: String, groupLabels: [String: String], alerts: [AlertmanagerTemplateAlert], externalURL: String) {
        var commonLabels = alerts.first?.labels ?? [:]
        var commonAnnotations = alerts.first?.annotations ?? [:]
        for alert in alerts.dropFirst() {
            if commonLabels.isEmpty && commonAnnotations.isEmpty { break }
            commonLabels = commonLabels.filter { alert.labels[$0.key] == $0.value }
            commonAnnotations = commonAnnotations.filter { alert.annotations[$0.key] == $0.value }
        }
        self.init(
            receiver: Self.quoteMeta(receiverName),
            status: alerts.contains { $0.status == "firing" } ? "firing" : "resolved",
            alerts: alerts, groupLabels: groupLabels, commonLabels: commonLabels,
            commonAnnotations: commonAnnotations, externalURL: externalURL)
    }

    /// regexp.QuoteMeta.
    static func quoteMeta(_ s: String) -> String {
        var out = ""
        for c in s {
            if "\\.+*?()|[]{}^$".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// A `template.Data` struct.
    public var templateValue: TemplateValue {
        .object(
            TemplateStruct(
                typeName: "template.Data",
                fields: [
                    .init("Receiver", .string(receiver), json: "receiver"),
                    .init("Status", .string(status), json: "status"),
                    .init("Alerts", .list(TemplateList(alerts.map(\.templateValue), kind: .alerts)), json: "alerts"),
                    .init("GroupLabels", kvValue(groupLabels), json: "groupLabels"),
                    .init("CommonLabels", kvValue(commonLabels), json: "commonLabels"),
                    .init("CommonAnnotations", kvValue(commonAnnotations), json: "commonAnnotations"),
                    .init("ExternalURL", .string(externalURL), json: "externalURL"),
                ]))
    }
}

/// A `template.KV`.
func kvValue(_ dict: [String: String]) -> TemplateValue {
    .map(TemplateMap(dict.map { ($0.key, .string($0.value)) }, kind: .kv))
}

extension TemplateValue {
    /// Alertmanager's `template.KV`, a string map with `SortedPairs`, `Names`, `Values` and `Remove`.
    public static func kv(_ dict: [String: String]) -> TemplateValue { kvValue(dict) }
}
