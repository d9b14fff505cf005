/**
 * EKS Pod Identity: credentials from the node's Pod Identity Agent, asked
 * with the pod's service account token.
 *
 * @module
 */

import { type AwsFailure, AwsFailureError, localFailure } from "../aws/mod.ts";
import type { AwsCredentials } from "../aws/mod.ts";

/** The agent's IPv4 endpoint. */
export const AGENT_IPV4_ENDPOINT = "http://169.254.170.23/v1/credentials";
/** The agent's IPv6 endpoint. */
export const AGENT_IPV6_ENDPOINT = "http://[fd00:ec2::23]/v1/credentials";

/** Which agent endpoint(s) to use. */
export type AddressPreference = "ipv4" | "ipv6" | "auto";

/** Reads `preferredAddressType` (case-insensitive); anything but ipv4/ipv6 means auto. */
export function parseAddressPreference(value: string): AddressPreference {
  const lower = value.toLowerCase();
  return lower === "ipv4" || lower === "ipv6" ? lower : "auto";
}

/** Options of {@linkcode fetchAgentCredentials}. */
export interface AgentOptions {
  /** IPv4 endpoint URL (overridable for tests). */
  ipv4Endpoint: string;
  /** IPv6 endpoint URL (overridable for tests). */
  ipv6Endpoint: string;
  /** Timeout of one HTTP attempt in ms (`--pod-identity-http-timeout`); default 5 s. */
  timeoutMs?: number;
  /** Rounds of attempts over the endpoints (default 3, like the SDK's retries). */
  maxAttempts?: number;
  /** The mount's deadline. */
  signal?: AbortSignal;
}

/** The endpoints to try, in order: auto tries IPv4 and falls back to IPv6. */
export function agentEndpoints(preference: AddressPreference, options: AgentOptions): string[] {
  if (preference === "ipv4") return [options.ipv4Endpoint];
  if (preference === "ipv6") return [options.ipv6Endpoint];
  return [options.ipv4Endpoint, options.ipv6Endpoint];
}

/**
 * Gets credentials from the agent. Transport errors, timeouts and server
 * faults move on to the next endpoint (auto mode) and are retried with
 * backoff; an error the agent reports as a client fault (JSON `code`, status
 * below 500) is fatal and returned at once.
 *
 * @throws {AwsFailureError} with the last failure.
 */
export async function fetchAgentCredentials(
  token: string,
  preference: AddressPreference,
  options: AgentOptions,
): Promise<AwsCredentials> {
  const endpoints = agentEndpoints(preference, options);
  const attempts = options.maxAttempts ?? 3;
  let last: AwsFailure = localFailure("NoAttempt", "no Pod Identity agent attempt was made");
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(100 * 2 ** attempt, options.signal);
    for (const endpoint of endpoints) {
      if (options.signal?.aborted) throw new AwsFailureError(last);
      const result = await askAgent(endpoint, token, options);
      if (!("code" in result)) return result;
      if (result.fatal) throw new AwsFailureError(result);
      last = result;
    }
  }
  throw new AwsFailureError(last);
}

async function askAgent(
  endpoint: string,
  token: string,
  options: AgentOptions,
): Promise<AwsCredentials | AwsFailure> {
  const operation = `operation error Pod Identity agent: GetCredentials (${endpoint})`;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 5_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(endpoint, {
      headers: { Authorization: token, Accept: "application/json" },
      signal,
    });
  } catch (error) {
    const message = timeout.aborted
      ? "the request timed out"
      : error instanceof Error
      ? error.message
      : String(error);
    return localFailure("RequestError", `${operation}, request send failed, ${message}`);
  }
  const body = await response.text();
  if (response.ok) {
    try {
      const data = JSON.parse(body);
      if (typeof data.AccessKeyId === "string" && typeof data.SecretAccessKey === "string") {
        return {
          accessKeyId: data.AccessKeyId,
          secretAccessKey: data.SecretAccessKey,
          sessionToken: typeof data.Token === "string" ? data.Token : undefined,
          expiration: typeof data.Expiration === "string" ? new Date(data.Expiration) : undefined,
        };
      }
    } catch {
      // fall through: an unreadable answer is a (non-fatal) deserialization failure
    }
    return localFailure("DeserializationError", `${operation}, unexpected credentials answer`);
  }
  let code: string | undefined;
  let message = body.trim().slice(0, 300);
  try {
    const data = JSON.parse(body);
    if (typeof data.code === "string") code = data.code;
    if (typeof data.message === "string") message = data.message;
  } catch {
    // a plain-text error body
  }
  const status = response.status;
  const failure = localFailure(
    code ?? `HTTP${status}`,
    `${operation}, https response error StatusCode: ${status}, ${code ?? "Error"}: ${message}`,
    code !== undefined && status < 500,
  );
  return { ...failure, message, httpStatus: status };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
