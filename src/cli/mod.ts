/**
 * The command line: the Go provider's flags and ours (`provider_flags.ts`,
 * with Go's `flag` semantics) and the Deno permissions the provider runs with
 * (`permissions.ts`, one definition for the task, the image, the chart and
 * the tests).
 *
 * @module
 */

export * from "./permissions.ts";
export * from "./provider_flags.ts";
