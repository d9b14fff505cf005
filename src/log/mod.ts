/**
 * JSON log lines on stderr, one per event, with a level.
 *
 * @module
 */

export * from "./logger.ts";
