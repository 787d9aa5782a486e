// The `Scraper` module. See docs/ARCHITECTURE.md.
//
// Layout:
// - Exposition/  text 0.0.4 and OpenMetrics pull parser (no String per sample).
// - Targets/     target population (Prometheus's PopulateLabels) and the state
//                shown by /api/v1/targets and /api/v1/metadata.
// - Discovery/   static_configs and file_sd_configs (polled by mtime and size,
//                fully re-read every refresh_interval; a broken file keeps its
//                last good targets).
// - Loop/        one actor per target: request, parse, scrape cache keyed by the
//                raw series bytes, atomic commit, report series, staleness.
// - ScrapePool   one per job: targets from discovery, loops started and stopped.
// - ScrapeManager  the public entry point: apply(config) on start and reload.
// - Bench/       a POSIX-socket HTTP server, synthetic targets and the
//                `ember bench ingest` runner.
