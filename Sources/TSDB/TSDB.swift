/// The `TSDB` module. See docs/ARCHITECTURE.md.
