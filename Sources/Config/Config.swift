/// The `Config` module. See docs/ARCHITECTURE.md.
