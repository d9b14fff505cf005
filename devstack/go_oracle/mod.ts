/**
 * Oracles: small Go programs that run the Go provider's own libraries on our
 * inputs, for differential tests. Each is built from the Go module proxy on
 * first use into `.cache/go_oracle/`, skipped when unchanged; nothing
 * fetched or built is committed.
 *
 * @module
 */

export * from "./jmespath/oracle.ts";
export * from "./yaml/oracle.ts";
