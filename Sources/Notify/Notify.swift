/// The `Notify` module. See docs/ARCHITECTURE.md.
