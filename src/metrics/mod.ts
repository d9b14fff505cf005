/**
 * Observability: the provider's Prometheus metrics (`provider_metrics.ts`,
 * over a small registry of our own), bounded region label values, and the
 * event loop delay monitor.
 *
 * @module
 */

export * from "./event_loop_monitor.ts";
export * from "./provider_metrics.ts";
export * from "./region_labels.ts";
export * from "./registry.ts";
