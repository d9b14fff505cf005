/**
 * AWS through the SDK: Secrets Manager and SSM as two small interfaces
 * (`store_apis.ts`) with clients shared by every identity, each call signed
 * with its caller's credentials (`credentials.ts`); errors classified by
 * their modeled names, as the Go provider does (`aws_failure.ts`); every HTTP
 * attempt observed for metrics (`call_observer.ts`); the SDK made ready
 * before the first mount (`warm_up.ts`).
 *
 * @module
 */

export * from "./aws_failure.ts";
export * from "./call_observer.ts";
export * from "./credentials.ts";
export * from "./http_handler.ts";
export * from "./sdk_stores.ts";
export * from "./store_apis.ts";
export * from "./warm_up.ts";
