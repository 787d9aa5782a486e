/// The `HTTPClient` module. See docs/ARCHITECTURE.md.
