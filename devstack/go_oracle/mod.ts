/**
 * Oracles: small Go programs that run the Go libraries the Go provider uses,
 * built from the Go module proxy on first use into `.cache/go_oracle/`, so
 * that differential tests compare our implementations with the real thing.
 *
 * @module
 */

export * from "./yaml/oracle.ts";
