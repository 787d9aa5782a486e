/// The `Scraper` module. See docs/ARCHITECTURE.md.
