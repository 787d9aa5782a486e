/// The `Exporter` module. See docs/ARCHITECTURE.md.
