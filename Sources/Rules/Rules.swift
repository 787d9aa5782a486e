/// The `Rules` module. See docs/ARCHITECTURE.md.
