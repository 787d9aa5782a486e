import Config
import Model

/// How a scraped series gets its final labels (Prometheus's `mutateSampleLabels`).
struct SampleLabeler: Sendable {
    let targetLabels: Labels
    let honorLabels: Bool
    let metricRelabelConfigs: [RelabelConfig]

    /// The series's labels with the target's attached, then metric relabeling;
    /// nil when metric relabeling drops the series.
    func finalLabels(_ scraped: Labels) -> Labels? {
        relabel(attachTargetLabels(scraped), metricRelabelConfigs)
    }

    /// With `honor_labels`, the scraped value wins; otherwise the target's does,
    /// and the scraped value moves to `exported_<name>` (more `exported_` prefixes
    /// until the name is free, shortest names first).
    func attachTargetLabels(_ scraped: Labels) -> Labels {
        if targetLabels.isEmpty { return scraped }
        var builder = LabelsBuilder(scraped)
        if honorLabels {
            for label in targetLabels where !scraped.has(label.name) { builder.set(label.name, label.value) }
            return builder.labels()
        }
        var conflicts: [Label] = []
        for label in targetLabels {
            if let existing = scraped.get(label.name), !existing.isEmpty { conflicts.append(Label(label.name, existing)) }
            builder.set(label.name, label.value)
        }
        if !conflicts.isEmpty {
            // Stable sort by name length, as upstream.
            let ordered = conflicts.enumerated().sorted {
                $0.element.name.utf8.count != $1.element.name.utf8.count
                    ? $0.element.name.utf8.count < $1.element.name.utf8.count : $0.offset < $1.offset
            }.map(\.element)
            for label in ordered {
                var name = label.name
                while true {
                    name = "exported_" + name
                    if builder.get(name).isEmpty {
                        builder.set(name, label.value)
                        break
                    }
                }
            }
        }
        return builder.labels()
    }
}
