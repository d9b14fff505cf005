/**
 * Observation of every AWS HTTP attempt (retries included), for metrics:
 * service, API, region and outcome.
 *
 * @module
 */

/** What happened to one attempt. */
export type AwsCallOutcome = "ok" | "throttled" | "client_error" | "server_error" | "network_error";

/** One observed attempt. */
export interface AwsCall {
  /** `secretsmanager`, `ssm` or `sts`. */
  service: string;
  /** Operation name (`GetSecretValue`, ...). */
  api: string;
  /** Region of the client. */
  region: string;
  /** Outcome class. */
  outcome: AwsCallOutcome;
}

/** Receives observed calls. */
export type AwsCallObserver = (call: AwsCall) => void;

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
]);

/** The outcome class of an attempt from its HTTP status and error name. */
export function classifyOutcome(status: number | undefined, errorName?: string): AwsCallOutcome {
  if (errorName !== undefined && THROTTLING.has(errorName)) return "throttled";
  if (status === undefined || status === 0) return errorName === undefined ? "ok" : "network_error";
  if (status === 429) return "throttled";
  if (status >= 500) return "server_error";
  if (status >= 400) return "client_error";
  return "ok";
}

interface MiddlewareStack {
  add(
    middleware: (
      next: (args: unknown) => Promise<{ response: unknown }>,
      context: { commandName?: string },
    ) => (args: unknown) => Promise<{ response: unknown }>,
    options: { step: "deserialize"; name: string; priority: "high" },
  ): void;
}

/**
 * Adds an observer to an AWS SDK client: a deserialize-step middleware, which
 * runs once per HTTP attempt (retries happen in an earlier step).
 */
export function observeAwsCalls(
  client: { middlewareStack: unknown },
  call: { service: string; region: string },
  observer: AwsCallObserver,
): void {
  (client.middlewareStack as MiddlewareStack).add(
    (next, context) => async (args) => {
      const api = context.commandName?.replace(/Command$/, "") ?? "unknown";
      try {
        const result = await next(args);
        const status = (result.response as { statusCode?: number })?.statusCode;
        observer({ ...call, api, outcome: classifyOutcome(status) });
        return result;
      } catch (error) {
        const shape = error as { name?: string; $metadata?: { httpStatusCode?: number } };
        observer({
          ...call,
          api,
          outcome: classifyOutcome(shape.$metadata?.httpStatusCode, shape.name ?? "Error"),
        });
        throw error;
      }
    },
    // High priority: outside the deserializer, so thrown service errors carry their names.
    { step: "deserialize", name: "providerCallObserver", priority: "high" },
  );
}
