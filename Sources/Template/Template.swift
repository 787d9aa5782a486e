/// The `Template` module: Go text/template for rule and notification templates. See docs/ARCHITECTURE.md.
