/// The `PromQL` module. See docs/ARCHITECTURE.md.
